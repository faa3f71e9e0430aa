"""The two entities of the rules: a person, and the household the regelingencheck asks about.

A household has at most two adults in the role *partner* (the person who asks, and a partner if there is
one) and any number of children. Other adults who live in the same home are not modelled: local schemes
use the norm without the cost-sharers' reduction (kostendelersnorm), which is what the rules compute.
"""

from __future__ import annotations

from typing import Any

from openfisca_core.entities import build_entity


def build_entities() -> tuple[Any, Any]:
    """Fresh entity objects. OpenFisca binds an entity to one rules system, so every system gets its own."""
    person = build_entity(
        key="person",
        plural="persons",
        label="Person",
        doc="One member of the household.",
        is_person=True,
    )
    household = build_entity(
        key="household",
        plural="households",
        label="Household",
        doc="The person who asks, a partner if there is one, and the children who live with them.",
        roles=[
            {
                "key": "partner",
                "plural": "partners",
                "label": "Adult",
                "max": 2,
                "doc": "The person who asks and their partner (married, registered or living together).",
            },
            {
                "key": "child",
                "plural": "children",
                "label": "Child",
                "doc": "A child under 18 who lives in the household.",
            },
        ],
    )
    return person, household
