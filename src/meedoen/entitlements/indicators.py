"""Operational indicators this module publishes (see ``meedoen.core.indicators``): the estimated
non-take-up of the municipality's schemes, per district and for the whole municipality.

``entitlements.non_take_up`` takes every scheme with imported recipient counts together;
``entitlements.non_take_up_<kind>`` (one per kind of scheme, such as ``..._tax_remission``) takes the
schemes of one kind. The value is a percentage: (estimated eligible - recipients) / estimated eligible
x 100, over the calendar year in which the period ends. An area is left out when its figure would rest
on a count below 10 (eligible, recipients or their difference), so no reader can show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from meedoen.core import small_counts
from meedoen.core.indicators import OperationalIndicator, Period, register
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.selectors import non_take_up_figures
from meedoen.organisations.models import Municipality

CODE = "entitlements.non_take_up"
DEFINITION = _(
    "Households estimated eligible for the schemes (the schemes run over a synthetic population per district, "
    "built from CBS figures and the municipality's assumptions) minus the households that received them, as "
    "a percentage of the estimated eligible households. Only schemes with imported recipient counts for the "
    "area and year count."
)


def year_of(period: Period) -> int:
    """Recipient counts are per year: the year in which the period ends."""
    return (period.end - timedelta(days=1)).year


def non_take_up_per_area(municipality_id: int, period: Period, kind: str | None = None) -> Mapping[str, float]:
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return {}
    table = non_take_up_figures(municipality, year_of(period))
    eligible: dict[str, int] = {}
    recipients: dict[str, int] = {}
    for row in table.schemes:
        if kind is not None and row.scheme.kind != kind:
            continue
        for area in row.areas:
            if area.recipients is None:
                continue
            eligible[area.code] = eligible.get(area.code, 0) + area.eligible
            recipients[area.code] = recipients.get(area.code, 0) + area.recipients
    values = {}
    for code, expected in eligible.items():
        missing = expected - recipients[code]
        shown = small_counts.built_on(
            100 * missing / expected if expected else None, expected, recipients[code], missing
        )
        if shown.value is not None:
            values[code] = shown.value
    return values


def _of_kind(kind: str) -> Callable[[int, Period], Mapping[str, float]]:
    def compute(municipality_id: int, period: Period) -> Mapping[str, float]:
        return non_take_up_per_area(municipality_id, period, kind)

    return compute


NON_TAKE_UP = register(
    OperationalIndicator(
        code=CODE,
        name=_("Estimated non-take-up of the schemes"),
        unit=_("percentage of eligible households"),
        definition=DEFINITION,
        polarity="hoger_slechter",
        is_count=False,
        compute=non_take_up_per_area,
    )
)

NON_TAKE_UP_BY_KIND = {
    kind.value: register(
        OperationalIndicator(
            code=f"{CODE}_{kind.name.lower()}",
            name=format_lazy("{}: {}", _("Estimated non-take-up"), kind.label),
            unit=_("percentage of eligible households"),
            definition=format_lazy("{} {}", DEFINITION, _("Only schemes of this kind count.")),
            polarity="hoger_slechter",
            is_count=False,
            compute=_of_kind(kind.value),
        )
    )
    for kind in Scheme.Kind
}
