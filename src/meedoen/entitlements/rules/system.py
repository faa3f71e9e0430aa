"""The rules system: national rules from this package plus the schemes of one or more municipalities.

Building a system takes some milliseconds, so systems are cached by their set of scheme rules; a changed
scheme is a different rule and gets a new system.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openfisca_core.parameters import ParameterNode
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

from meedoen.entitlements.rules.entities import build_entities
from meedoen.entitlements.rules.schemes import SchemeRule, scheme_parameters, scheme_variables
from meedoen.entitlements.rules.variables import allowances, food_bank, household, person

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"
NATIONAL_VARIABLES: tuple[type, ...] = (
    *person.VARIABLES,
    *household.VARIABLES,
    *allowances.VARIABLES,
    *food_bank.VARIABLES,
)


@functools.cache
def _national_parameters() -> Any:
    return ParameterNode("", directory_path=str(PARAMETERS_DIR))


def bind_variable(spec: type, entities: dict[str, Any]) -> type:
    """An OpenFisca variable class from a plain variable class, tied to this system's entity."""
    attributes: dict[str, Any] = {}
    for name, value in vars(spec).items():
        if name.startswith("__"):
            continue
        attributes[name] = value.__func__ if isinstance(value, staticmethod) else value
    attributes["entity"] = entities[attributes["entity"]]
    return type(spec.__name__, (Variable,), attributes)


class RulesSystem(TaxBenefitSystem):  # type: ignore[misc]  # OpenFisca is untyped
    """National rules and the given schemes, in one OpenFisca tax-benefit system."""

    def __init__(self, rules: Iterable[SchemeRule] = ()) -> None:
        person_entity, household_entity = build_entities()
        super().__init__([person_entity, household_entity])
        self.rules = tuple(rules)
        keys = [rule.key for rule in self.rules]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"two schemes share the rules name {duplicates}")
        parameters = _national_parameters().clone()
        parameters.add_child(
            "schemes",
            ParameterNode(
                "schemes",
                data={
                    "description": "Schemes of municipalities and partners",
                    **{r.key: scheme_parameters(r) for r in self.rules},
                },
            ),
        )
        self.parameters = parameters
        entities = {"person": person_entity, "household": household_entity}
        specs = [*NATIONAL_VARIABLES, *(spec for rule in self.rules for spec in scheme_variables(rule))]
        self.add_variables(*(bind_variable(spec, entities) for spec in specs))


@functools.lru_cache(maxsize=16)
def rules_system(rules: tuple[SchemeRule, ...] = ()) -> RulesSystem:
    return RulesSystem(rules)
