"""The demo's figures for the estimated non-take-up: population assumptions and recipient counts for
Waalwijk and Meerssen. Both are INVENTED for the demo and are not figures of these municipalities;
the assumptions start from the documented defaults (docs/entitlements-population.md) and shift them a
little, so the two municipalities differ. Loaded through the same services as staff use. Safe to run
again: unchanged assumptions write nothing, and a recipients file already imported is not read again.
Needs the demo's schemes (``meedoen.demo.schemes``) and areas."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from meedoen.core.access import Actor
from meedoen.entitlements.models import RecipientCount
from meedoen.entitlements.services import population_assumptions_save, recipients_import
from meedoen.organisations.models import Municipality

DATA = Path(__file__).resolve().parent / "data"
INVENTED = "Voorbeeld voor de demo: verzonnen aannames op basis van de standaardwaarden, geen cijfers van {name}."
ASSUMPTIONS: dict[str, dict[str, object]] = {
    "GM0867": {
        "inhabitants_per_household": Decimal("2.20"),
        "income_to_101_percent": Decimal("4.50"),
        "income_101_110_percent": Decimal("2.50"),
        "income_110_120_percent": Decimal("2.80"),
        "income_120_130_percent": Decimal("2.70"),
        "income_130_150_percent": Decimal("5.80"),
        "income_150_200_percent": Decimal("13.20"),
        "income_above_200_percent": Decimal("68.50"),
        "seed": 867,
    },
    "GM0938": {
        "inhabitants_per_household": Decimal("2.10"),
        "age_18_20_percent": Decimal("0.50"),
        "age_21_29_percent": Decimal("9.00"),
        "age_30_49_percent": Decimal("25.00"),
        "age_50_66_percent": Decimal("33.50"),
        "age_67_up_percent": Decimal("32.00"),
        "income_to_101_percent": Decimal("3.20"),
        "income_101_110_percent": Decimal("2.00"),
        "income_110_120_percent": Decimal("2.40"),
        "income_120_130_percent": Decimal("2.40"),
        "income_130_150_percent": Decimal("5.00"),
        "income_150_200_percent": Decimal("12.50"),
        "income_above_200_percent": Decimal("72.50"),
        "seed": 938,
    },
}


def recipients_file(code: str) -> Path:
    return DATA / f"ontvangers-{code}-demo.csv"


def load_entitlement_figures() -> None:
    actor = Actor.system("load_demo")
    for municipality in Municipality.objects.filter(code__in=ASSUMPTIONS).order_by("code"):
        population_assumptions_save(
            actor=actor,
            municipality=municipality,
            fields={**ASSUMPTIONS[municipality.code], "sources": INVENTED.format(name=municipality.name)},
        )
        path = recipients_file(municipality.code)
        if RecipientCount.objects.filter(scheme__municipality=municipality, file_name=path.name).exists():
            continue
        recipients_import(actor=actor, municipality=municipality, content=path.read_bytes(), file_name=path.name)
