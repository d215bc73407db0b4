"""What each step of a submission costs in CPU, single-threaded, without the write.

Usage::

    python bench/request_path.py [--repeat 20000]

Makes a temporary SQLite database seeded as ``submit.py`` seeds its own, and
times, one after another in one thread, the steps the API's fast path takes for
``submit.py``'s request (a complete citizen-satisfaction response): parsing the
body, reading its fields, checking the answers, the agency rules, the body hash,
the receipt, the whole of ``prepare``, the writer's row and its JSON, the
application context, the reply. Prints one JSON document, in microseconds of CPU
a call (the median of five runs of ``--repeat`` calls each), and the sum of the
steps a submission takes (``path_without_the_write``).

``submit.py`` measures the same path under load, where waiting for commits and
sharing the GIL between threads add to these.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Microseconds a call: the median of five runs of ``repeat`` calls."""
    for _ in range(min(repeat, 500)):
        fn()
    runs = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeat):
            fn()
        runs.append((time.process_time() - start) / repeat * 1e6)
    return round(statistics.median(runs), 2)


def main() -> None:
    # bench/analysis.py must not stand in for the analysis package.
    sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=20000, help="calls per timed run")
    args = parser.parse_args()

    spec = importlib.util.spec_from_file_location("submit", HERE / "submit.py")
    assert spec is not None and spec.loader is not None
    submit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(submit)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'path.sqlite'}"
        submit.prepare_database(url)
        os.environ.update(submit.server_env(url))
        result = measure(submit, args.repeat)
    print(json.dumps(result, indent=2))


def measure(submit: Any, repeat: int) -> dict[str, Any]:
    from collector import create_app
    from collector.answers import fast_path as api_responses
    from collector.answers import submission as sub
    from collector.answers import writer
    from collector.core.plugins import get_plugins
    from collector.core.questionnaires import definition_of

    app = create_app()
    body = submit.request_body()
    endpoint = app.wsgi_app
    steps: dict[str, float] = {}
    with app.app_context():
        parsed = app.json.loads(body)
        submission = api_responses._read(app, parsed, "bench")
        assert isinstance(submission, sub.Submission), submission
        plugins = get_plugins(app)
        questionnaire = definition_of(submission.questionnaire)
        clean, errors = sub.check_answers(plugins, questionnaire, submission.answers)
        assert not errors, errors
        prepared = sub.prepare(plugins, questionnaire, submission)
        no_conversion = [None] * len(writer.RESPONSE_COLUMNS)  # as for psycopg

        def batch_row() -> str:
            values = writer._convert(writer._response_values(prepared), no_conversion)
            return writer._json([dict(zip(writer.RESPONSE_COLUMNS, values, strict=True))])

        def app_context() -> None:
            with app.app_context():
                pass

        reply = {"receipt": prepared.receipt, "questionnaire": "citizen-satisfaction"}
        steps["parse_body"] = timed(lambda: app.json.loads(body), repeat)
        steps["read_fields"] = timed(lambda: api_responses._read(app, parsed, "bench"), repeat)
        steps["check_answers"] = timed(
            lambda: sub.check_answers(plugins, questionnaire, submission.answers), repeat
        )
        steps["agency_rules_hook"] = timed(
            lambda: plugins.hook.validate_submission(
                questionnaire=questionnaire,
                answers=clean,
                agency=submission.agency,
                unit=submission.unit,
                channel=submission.channel,
            ),
            repeat,
        )
        steps["body_hash"] = timed(submission.body_hash, repeat)
        steps["receipt"] = timed(sub.new_receipt, repeat)
        steps["prepare_in_all"] = timed(
            lambda: sub.prepare(plugins, questionnaire, submission), repeat
        )
        steps["writer_batch_row_json"] = timed(batch_row, repeat)
        steps["application_context"] = timed(app_context, repeat)
        steps["reply_json"] = timed(lambda: endpoint._encode(reply), repeat)
    return {
        "repeat": repeat,
        "us_per_call": steps,
        # parse, read, prepare, the batch row, the context and the reply together
        "path_without_the_write": round(
            steps["parse_body"]
            + steps["read_fields"]
            + steps["prepare_in_all"]
            + steps["writer_batch_row_json"]
            + steps["application_context"]
            + steps["reply_json"],
            1,
        ),
    }


if __name__ == "__main__":
    main()
