"""The demo's population assumptions and recipient counts load for both municipalities, once."""

from __future__ import annotations

import pytest

from meedoen.core.models import AuditEvent
from meedoen.demo.entitlement_figures import load_entitlement_figures
from meedoen.entitlements.models import PopulationAssumptions, RecipientCount
from meedoen.entitlements.selectors import non_take_up_figures
from meedoen.entitlements.tests.factories import load_demo_file_schemes


@pytest.mark.django_db
def test_the_demo_figures_load_for_both_municipalities_and_loading_again_changes_nothing(world):
    for municipality in (world.waalwijk, world.meerssen):
        load_demo_file_schemes(municipality)
    load_entitlement_figures()
    records = AuditEvent.objects.count()
    counts = sorted(RecipientCount.objects.values_list("scheme__code", "area_code", "year", "households"))
    load_entitlement_figures()
    assert AuditEvent.objects.count() == records
    assert sorted(RecipientCount.objects.values_list("scheme__code", "area_code", "year", "households")) == counts
    for municipality in (world.waalwijk, world.meerssen):
        assumptions = PopulationAssumptions.objects.get(municipality=municipality)
        assert "verzonnen" in assumptions.sources
        assert RecipientCount.objects.filter(scheme__municipality=municipality, year=2026).exists()
        table = non_take_up_figures(municipality, 2026)
        assert any(area.recipients is not None for row in table.schemes for area in row.areas)
