"""The demo's schemes: every kind in both municipalities, linked to their partners and offers, loaded as
the rules tests read them, and safe to load again."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from meedoen.core.models import AuditEvent
from meedoen.demo.loader import load_demo
from meedoen.entitlements.answers import HouseholdAnswers
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.outcomes import Likelihood
from meedoen.entitlements.schemefile import DEMO_SCHEMES, read_scheme_file
from meedoen.entitlements.selectors import check_household, scheme_rules
from meedoen.organisations.models import Municipality, Organisation


@pytest.mark.django_db
def test_the_demo_loads_every_kind_of_scheme_for_both_municipalities_once():
    load_demo()
    records = AuditEvent.objects.filter(action__startswith="scheme.").count()
    load_demo()
    assert AuditEvent.objects.filter(action__startswith="scheme.").count() == records
    on = date(2026, 11, 28)
    for municipality in Municipality.objects.all():
        schemes = Scheme.objects.filter(municipality=municipality)
        assert set(schemes.values_list("kind", flat=True)) == set(Scheme.Kind.values)
        partners = schemes.filter(kind=Scheme.Kind.PARTNER)
        assert {scheme.organisation.kind for scheme in partners} == {
            Organisation.Kind.FOUNDATION,
            Organisation.Kind.FOOD_BANK,
        }
        assert all(scheme.offer is not None for scheme in partners)
        assert all(scheme.offer.municipalities.filter(pk=municipality.pk).exists() for scheme in partners)
        from_file = {e.rule for e in read_scheme_file(DEMO_SCHEMES) if e.municipality_code == municipality.code}
        assert set(scheme_rules(municipality, on)) == from_file
        outcomes = check_household(
            municipality,
            HouseholdAnswers(applicant_age=29, applicant_income=Decimal(1100), children_ages=(5,), rent=Decimal(650)),
            on=on,
        )
        assert {outcome.likelihood for outcome in outcomes} >= {Likelihood.LIKELY, Likelihood.MAYBE}


JARGON = ("intermediair", "dagtekening", "intake", "gemeentecode", "belastingsamenwerking")


def test_the_demo_schemes_say_how_to_apply_in_short_concrete_steps():
    for entry in read_scheme_file(DEMO_SCHEMES):
        text = entry.fields["how_to_apply"]
        sentences = re.split(r"(?<=[.?!])\s+", text)
        assert len(sentences) >= 2, text  # steps, not one long sentence
        assert max(len(sentence.split()) for sentence in sentences) <= 15, text
        assert not [word for word in JARGON if word in text.casefold()], text
