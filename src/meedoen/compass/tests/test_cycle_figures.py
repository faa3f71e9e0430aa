"""Figures of the compass cycle: only approved values count, and small numbers are never shown."""

from __future__ import annotations

import pytest
from django.utils import translation

from meedoen.compass.models import Measurement, PerformanceMeasure
from meedoen.compass.selectors.cycle import measure_figure, measurement_text, share_figure
from meedoen.compass.suppression import figure


def measure(kind: str = PerformanceMeasure.Kind.COUNT) -> PerformanceMeasure:
    return PerformanceMeasure(name="Huishoudens geholpen", kind=kind, question=PerformanceMeasure.Question.HOW_MUCH)


def value(amount: float, *, status: str = Measurement.Status.APPROVED, base: int | None = None, kind: str = "aantal"):
    return Measurement(measure=measure(kind), value=amount, base=base, status=status)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "< 10"), (1, "< 10"), (9, "< 10"), (9.9, "< 10"), (10, "10"), (250, "250"), (1234, "1.234")],
)
def test_a_count_below_10_shows_as_less_than_10(amount, shown):
    with translation.override("nl"):
        assert figure(amount, is_count=True).text() == shown
        assert measurement_text(value(amount)) == shown


def test_a_missing_figure_is_a_dash_not_a_zero():
    assert measure_figure(measure(), []).text() == "\u2013"


def test_only_approved_values_count():
    reported = [
        value(6),
        value(5),
        value(500, status=Measurement.Status.SUBMITTED),
        value(500, status=Measurement.Status.DRAFT),
        value(500, status=Measurement.Status.RETURNED),
    ]
    assert measure_figure(measure(), reported).value == 11


def test_counts_of_partners_add_up_before_the_small_count_rule():
    assert measure_figure(measure(), [value(4), value(3)]).text() == "< 10"
    assert measure_figure(measure(), [value(4), value(7)]).text() == "11"


def test_a_percentage_of_fewer_than_10_people_is_hidden():
    assert share_figure(50.0, 8).hidden
    assert share_figure(50.0, 10).value == 50.0
    assert share_figure(None, 40).value is None
    with translation.override("nl"):
        assert measurement_text(value(62.5, base=8, kind="percentage")) == "niet getoond"  # not a percentage below 10
        assert measurement_text(value(62.5, base=16, kind="percentage")) == "62,5"


def test_percentages_of_partners_are_weighted_by_how_many_people_they_are_about():
    percentage = measure(PerformanceMeasure.Kind.PERCENTAGE)
    shares = [value(50.0, base=10, kind="percentage"), value(80.0, base=30, kind="percentage")]
    assert measure_figure(percentage, shares).value == pytest.approx(72.5)
    # Two small groups together are large enough to show; one alone is not.
    small = [value(50.0, base=6, kind="percentage"), value(100.0, base=4, kind="percentage")]
    assert measure_figure(percentage, small).value == pytest.approx(70.0)
    assert measure_figure(percentage, small[:1]).hidden


def test_other_figures_are_averaged_and_never_hidden():
    average = measure(PerformanceMeasure.Kind.OTHER)
    waits = [value(4.0, kind="maat"), value(6.0, kind="maat")]
    assert measure_figure(average, waits).value == 5.0
    assert not measure_figure(average, waits).hidden
