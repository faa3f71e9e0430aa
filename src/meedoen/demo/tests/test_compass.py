"""The demo compass of Waalwijk: loads on top of the demo, twice without change, and shows both
sides of the cycle to the demo's staff."""

from __future__ import annotations

import re

import pytest
from conftest import log_in
from django.test import Client
from django.urls import reverse

from meedoen.accounts.models import User
from meedoen.compass.models import Activity, Compass, Measurement, ReportingPeriod, ResultIndicator, Story
from meedoen.demo.compass import load_compass
from meedoen.demo.loader import load_demo

pytestmark = [pytest.mark.django_db, pytest.mark.demo_data]


def as_persona(username: str) -> Client:
    return log_in(Client(), User.objects.get(username=username))


def test_the_demo_compass_loads_once_and_shows_both_sides_of_the_cycle():
    load_compass()  # without the demo there is no Waalwijk: nothing happens
    assert not Compass.objects.exists()
    load_demo()
    load_compass()
    counts = [m.objects.count() for m in (Compass, Activity, Measurement, ResultIndicator, Story, ReportingPeriod)]
    load_compass()
    assert [
        m.objects.count() for m in (Compass, Activity, Measurement, ResultIndicator, Story, ReportingPeriod)
    ] == counts

    compass = Compass.objects.get()
    assert (compass.municipality.code, compass.start_year, compass.horizon_years) == ("GM0867", 2025, 4)
    assert compass.results.filter(statement__contains="minder gezinnen met kinderen in Waalwijk schulden").exists()
    statuses = set(Measurement.objects.values_list("status", flat=True))
    assert statuses == {"goedgekeurd", "ingediend", "concept", "teruggestuurd"}
    assert set(compass.periods.filter(closed_at__isnull=False).values_list("code", flat=True)) == {"2025-Q3", "2025-Q4"}

    front_door = Activity.objects.get(name="Eén voordeur in de wijk")
    activity_page = as_persona("ww-beleid").get(reverse("workspace:compass-activity", args=[front_door.pk]))
    assert activity_page.status_code == 200
    content = activity_page.content.decode()
    assert "&lt; 10" in content  # 7 families better off in 2025-Q3
    assert re.search(r'id="figure-\d+-\d+">53<', content)  # 41 + 12 households in 2025-Q4, both approved

    reporting = as_persona("ww-consulent").get(reverse("workspace:compass-reporting")).content.decode()
    assert "Eén voordeur in de wijk" in reporting
    review = as_persona("ww-beleid").get(reverse("workspace:compass-review")).content.decode()
    assert "Schuldhulp Waalwijk" in review
