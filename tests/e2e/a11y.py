"""axe-core in the page: the accessibility rules a page breaks, for the browser tests.

axe-core is installed by `scripts/ensure-browser` (npm ci in tests/a11y, at the version its
package-lock.json pins). Without it the check skips and says why; with CI=true it fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, the level English schools' public bodies are held to.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Each rule the page as it stands breaks, with the elements that break it."""
    if not AXE.exists():
        reason = "axe-core is not installed (run scripts/ensure-browser, which needs npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return result["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations in a line each, for an assertion message."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
    )


def assert_accessible(page: Any) -> None:
    """Fail naming each axe-core rule the page breaks."""
    violations = axe_violations(page)
    assert not violations, describe(violations)
