"""The local picture of the demo: real CBS figures for both municipalities and the Netherlands,
and invented own figures over six years, so trends, derived indicators and the small-count rule
can be seen. Safe to run again."""

from __future__ import annotations

import json
from pathlib import Path

from meedoen.compass.kwb import parse_metadata
from meedoen.compass.models import FigureImport, Indicator
from meedoen.compass.services.monitor import figures_import, indicator_define, indicators_import_cbs_kwb
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality

DATA = Path(__file__).resolve().parent / "data"
METADATA = Path(__file__).resolve().parent.parent / "compass" / "data" / "85984NED-columns.json"
CBS_FILE = "kwb-2024-demo.json"
YEARS = range(2019, 2025)

# Invented registrations for debt help per district and year: (first year, yearly change).
# District 02 of Waalwijk starts below 10, so the demo shows "< 10".
REGISTRATIONS = {
    "GM0867": {"WK086700": (210, 12), "WK086701": (96, 7), "WK086702": (8, 3)},
    "GM0938": {"WK093800": (41, 2), "WK093801": (12, 1), "WK093802": (47, -1)},
}
# Invented shares of households on a low income per district: (first year, yearly change, in points).
LOW_INCOME = {
    "GM0867": {"GM0867": (9.1, -0.2), "WK086700": (10.4, -0.3), "WK086701": (8.2, -0.1), "WK086702": (6.0, 0.1)},
    "GM0938": {"GM0938": (6.4, -0.1), "WK093800": (7.1, -0.1), "WK093801": (5.0, 0.0), "WK093802": (6.3, -0.2)},
}


def load_local_picture(actor: Actor) -> None:
    """Import the demo's CBS figures and own figures, unless they are there already (importing
    them again would change no figure, but would add a record to the audit log)."""
    if not FigureImport.objects.filter(origin=Indicator.Origin.CBS, file_name=CBS_FILE).exists():
        indicators_import_cbs_kwb(
            actor=actor,
            content=(DATA / CBS_FILE).read_bytes(),
            file_name=CBS_FILE,
            columns=parse_metadata(json.loads(METADATA.read_text(encoding="utf-8"))),
            period="2024",
        )
    for municipality in Municipality.objects.filter(code__in=REGISTRATIONS):
        if Indicator.objects.filter(municipality=municipality).exists():
            continue
        _own_indicators(actor, municipality)
        figures_import(
            actor=actor,
            municipality=municipality,
            content=_own_figures_csv(municipality.code).encode(),
            file_name=f"eigen-cijfers-{municipality.code}.csv",
        )


def _own_indicators(actor: Actor, municipality: Municipality) -> None:
    existing = set(Indicator.objects.filter(municipality=municipality).values_list("code", flat=True))
    if "aanmeldingen-schuldhulp" not in existing:
        indicator_define(
            actor=actor,
            municipality=municipality,
            code="aanmeldingen-schuldhulp",
            name="Aanmeldingen schuldhulpverlening (voorbeeld)",
            unit="aantal",
            kind=Indicator.Kind.COUNT,
            definition="Huishoudens die zich in het jaar aanmeldden voor schuldhulpverlening. Verzonnen demo-cijfers.",
            source="Demo: verzonnen cijfers van de gemeente",
            polarity="neutraal",
        )
    if "laag-inkomen" not in existing:
        indicator_define(
            actor=actor,
            municipality=municipality,
            decimals=1,
            code="laag-inkomen",
            name="Huishoudens met een laag inkomen (voorbeeld)",
            unit="%",
            kind=Indicator.Kind.PERCENTAGE,
            definition="Aandeel huishoudens met een inkomen tot 120% van het sociaal minimum. Verzonnen demo-cijfers.",
            source="Demo: verzonnen cijfers van de gemeente",
            polarity="hoger_slechter",
        )
    if "aanmeldingen-schuldhulp-per-1000" not in existing:
        indicator_define(
            actor=actor,
            municipality=municipality,
            decimals=1,
            code="aanmeldingen-schuldhulp-per-1000",
            name="Aanmeldingen schuldhulpverlening per 1.000 inwoners (voorbeeld)",
            unit="per 1.000 inwoners",
            kind=Indicator.Kind.RATE,
            definition="Aanmeldingen schuldhulpverlening gedeeld door het aantal inwoners (CBS), maal 1.000.",
            source="Demo: verzonnen aanmeldingen; inwoners van CBS",
            polarity="neutraal",
            numerator=Indicator.objects.get(municipality=municipality, code="aanmeldingen-schuldhulp"),
            denominator=Indicator.objects.get(municipality__isnull=True, code="AantalInwoners"),
            factor=1000,
        )


def _own_figures_csv(municipality_code: str) -> str:
    lines = ["gebied;periode;indicator;waarde;eenheid"]
    for offset, year in enumerate(YEARS):
        district_counts = {
            code: first + step * offset for code, (first, step) in REGISTRATIONS[municipality_code].items()
        }
        for code, count in {**district_counts, municipality_code: sum(district_counts.values())}.items():
            lines.append(f"{code};{year};aanmeldingen-schuldhulp;{count};aantal")
        for code, (first, step) in LOW_INCOME[municipality_code].items():
            lines.append(f"{code};{year};laag-inkomen;{first + step * offset:.1f};%")
    return "\n".join(lines) + "\n"
