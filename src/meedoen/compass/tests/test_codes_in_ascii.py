"""Codes and periods are written in ASCII digits: Python's \\d also matches digits of other scripts,
which would store a second GM0867 or 2024 that no look-up finds."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from meedoen.areas.models import Area, PostcodeArea
from meedoen.compass.models import ReportingPeriod
from meedoen.organisations.models import Municipality

ARABIC_0867 = "\u0660\u0668\u0666\u0667"


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Municipality, "code", "GM" + ARABIC_0867),
        (Area, "code", "GM" + ARABIC_0867),
        (PostcodeArea, "prefix", "\u0665\u0661\u0664\u0661"),
        (ReportingPeriod, "code", "\u0662\u0660\u0662\u0664"),
    ],
)
def test_digits_of_other_scripts_are_refused(model, field, value):
    with pytest.raises(ValidationError):
        model._meta.get_field(field).run_validators(value)


def test_ascii_digits_are_accepted():
    Municipality._meta.get_field("code").run_validators("GM0867")
    ReportingPeriod._meta.get_field("code").run_validators("2024-Q1")
