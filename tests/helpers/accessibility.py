"""axe-core in the browser tests: installed from the npm registry into a test-only folder
(``npm ci --prefix tests/browser/axe``, done by ``.ci/run``, which sets
``COLLECTOR_REQUIRE_AXE=1`` so that a missing axe fails there instead of skipping) and
injected into the page (the context must be made with ``bypass_csp=True``: the app's CSP
allows no other script). ``resultTypes: ['violations']`` spares axe the details of what
passed, which is most of its time on a long page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).parents[1] / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations of WCAG 2.1 A/AA and 2.2 AA (target size
    included) on the page as it is now."""
    if not AXE.exists():
        if os.environ.get("COLLECTOR_REQUIRE_AXE"):  # CI (.ci/run) installs it: never skip there
            pytest.fail(f"axe-core is not installed at {AXE} (npm ci --prefix tests/browser/axe)")
        pytest.skip(f"axe-core is not installed at {AXE} (npm ci --prefix tests/browser/axe)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " rules: {'target-size': {enabled: true}}, resultTypes: ['violations']})",
        TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
