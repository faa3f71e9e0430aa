"""The rules' own tests: OpenFisca YAML files run by OpenFisca's test runner, against the demo schemes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from openfisca_core.tools.test_runner import run_tests

from meedoen.entitlements.rules.system import RulesSystem
from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file

YAML_TESTS = Path(__file__).resolve().parent.parent / "rules" / "tests"
DEMO_RULES = tuple(entry.rule for entry in read_scheme_file(DEMO_SCHEMES))


@pytest.fixture(scope="module")
def system() -> RulesSystem:
    return RulesSystem(DEMO_RULES)


def run(system: RulesSystem, path: Path) -> int:
    # A session of its own: no project settings, plugins or conftest, only OpenFisca's YAML collector.
    arguments = ["-c", os.devnull, "--noconftest", "-p", "no:django", "-p", "no:hypothesispytest"]
    arguments += ["-p", "no:cacheprovider", "--assert=plain", "-q", str(path)]
    return int(run_tests(system, arguments))


@pytest.mark.parametrize("path", sorted(YAML_TESTS.glob("*.yaml")), ids=lambda path: path.name)
def test_openfisca_yaml_tests_pass(system, path):
    assert run(system, path) == 0


def test_every_demo_scheme_has_yaml_tests():
    tested = set()
    for path in YAML_TESTS.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            tested |= {name.split("__")[0] for name in case["output"] if "__" in name}
    assert {rule.key for rule in DEMO_RULES} <= tested


def test_a_wrong_expectation_fails_the_run(system, tmp_path):
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "- name: wrong on purpose\n"
        "  period: 2026-01\n"
        "  input: {persons: {a: {age: 30}}, households: {h: {partners: [a]}}}\n"
        "  output: {social_minimum: 1000}\n",
        encoding="utf-8",
    )
    assert run(system, wrong) != 0
