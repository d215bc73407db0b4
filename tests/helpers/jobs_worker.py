"""A job worker in a process of its own, with the test job kinds (``tests.helpers.jobs``):
``python -m tests.helpers.jobs_worker '{"DATABASE_URL": ..., ...}'`` from the repository root.
The kill test starts it, kills it mid-job and starts another."""

from __future__ import annotations

import json
import sys

from collector import create_app
from collector.core import plugins as plugin_system
from collector.jobs.worker import run_worker
from tests.helpers.jobs import ENTRY_POINT


def main() -> None:
    settings = json.loads(sys.argv[1])
    plugin_system._entry_points = lambda: [ENTRY_POINT]  # type: ignore[assignment]  # the test plugin, installed
    app = create_app({**settings, "AUTO_MIGRATE": False, "PLUGINS_LOAD_ENTRY_POINTS": True})
    run_worker(app, threads=1)


if __name__ == "__main__":
    main()
