"""Accessibility check with axe-core: a page must have no WCAG 2.1 level A or AA violations."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.chromium import AXE_SCRIPT

WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Enough selectors to find the element; a long list of the same mistake repeats itself.
TARGETS_SHOWN = 3

RUN_AXE = """
tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
    .then(results => results.violations)
"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=AXE_SCRIPT)
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, WCAG_21_AA_TAGS)
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:TARGETS_SHOWN])
        more = f" and {len(nodes) - TARGETS_SHOWN} more" if len(nodes) > TARGETS_SHOWN else ""
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    at {targets}{more}\n"
            f"    {violation['helpUrl']}"
        )
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, context_name: str) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"{context_name} ({page.url}) has {len(violations)} WCAG 2.1 A/AA violation(s):\n"
        + describe_violations(violations)
    )
