"""Partners maintain their own offers, and only theirs; every change leaves an audit record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meedoen.areas.models import Area
from meedoen.core.models import AuditEvent
from meedoen.organisations.tests.factories import OrganisationFactory
from meedoen.socialmap.models import Offer, OfferLocation
from meedoen.socialmap.services import OfferRelations, offer_create, offer_delete, offer_mark_checked, offer_update
from meedoen.socialmap.tests.factories import maintainer_of, make_location, make_offer, term

pytestmark = pytest.mark.django_db


def relations(municipality, **kwargs):
    return OfferRelations(municipalities=(municipality,), **kwargs)


def test_a_maintainer_creates_an_offer_of_their_own_organisation_with_an_audit_record(world):
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    offer = offer_create(
        actor=actor,
        organisation=world.ww_foodbank,
        fields={"name": "Voedselpakket", "description": "Elke week boodschappen.", "ways_in": ["telefoon"]},
        relations=relations(world.waalwijk, themes=(term("voedsel"),), target_groups=(term("gezinnen-met-kinderen"),)),
    )
    assert list(offer.municipalities.all()) == [world.waalwijk]
    assert [t.code for t in offer.themes.all()] == ["voedsel"]
    record = AuditEvent.objects.get(action="offer.create")
    assert (record.organisation_id, record.municipality_id, record.actor_id) == (
        world.ww_foodbank.pk,
        world.waalwijk.pk,
        actor.user_id,
    )
    assert "Voedselpakket" in offer.search_document


def test_a_maintainer_cannot_touch_another_organisations_offer(world):
    theirs = make_offer(world.ww_team, world.waalwijk, name="Bijzondere bijstand")
    intruder = maintainer_of(world.ww_foodbank, world.waalwijk)
    with pytest.raises(PermissionDenied):
        offer_update(actor=intruder, offer=theirs, fields={"name": "Gekaapt"}, relations=relations(world.waalwijk))
    with pytest.raises(PermissionDenied):
        offer_mark_checked(actor=intruder, offer=theirs)
    with pytest.raises(PermissionDenied):
        offer_delete(actor=intruder, offer=theirs)
    with pytest.raises(PermissionDenied):
        offer_create(
            actor=intruder,
            organisation=world.ww_team,
            fields={"name": "Namens een ander", "description": "x"},
            relations=relations(world.waalwijk),
        )
    theirs.refresh_from_db()
    assert theirs.name == "Bijzondere bijstand"


def test_a_maintainer_of_one_municipality_cannot_offer_in_another(world):
    regional = OrganisationFactory(name="Energie Zuid", municipalities=[world.waalwijk, world.meerssen])
    actor = maintainer_of(regional, world.waalwijk)
    with pytest.raises(PermissionDenied):
        offer_create(
            actor=actor,
            organisation=regional,
            fields={"name": "Regeling", "description": "x"},
            relations=relations(world.meerssen),
        )


def test_an_organisation_only_offers_where_it_works(world):
    actor = maintainer_of(world.ww_foodbank, world.waalwijk, world.meerssen)
    with pytest.raises(ValidationError) as error:
        offer_create(
            actor=actor,
            organisation=world.ww_foodbank,
            fields={"name": "Pakket", "description": "x"},
            relations=relations(world.meerssen),
        )
    assert "municipalities" in error.value.message_dict


def test_a_maintainer_without_second_factor_is_refused(world):
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    weak = type(actor)(user_id=actor.user_id, label=actor.label, grants=actor.grants, second_factor=False)
    with pytest.raises(PermissionDenied):
        offer_create(
            actor=weak,
            organisation=world.ww_foodbank,
            fields={"name": "Pakket", "description": "x"},
            relations=relations(world.waalwijk),
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"minimum_age": 30, "maximum_age": 18}, "__all__"),
        ({"income_limit_percent": 0}, "income_limit_percent"),
        ({"income_limit_percent": 9999}, "income_limit_percent"),
        ({"email": "geen-adres"}, "email"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"name": ""}, "name"),
        ({"ways_in": ["teleportatie"]}, "ways_in"),
        ({"languages": ["Nederlands"]}, "languages"),
    ],
)
def test_invalid_offers_are_refused_with_the_field_named(world, fields, field):
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    with pytest.raises(ValidationError) as error:
        offer_create(
            actor=actor,
            organisation=world.ww_foodbank,
            fields={"name": "Pakket", "description": "Boodschappen", **fields},
            relations=relations(world.waalwijk),
        )
    assert field in error.value.message_dict
    assert not Offer.objects.exists()


def test_themes_and_target_groups_come_from_their_own_lists(world):
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    with pytest.raises(ValidationError):
        offer_create(
            actor=actor,
            organisation=world.ww_foodbank,
            fields={"name": "Pakket", "description": "x"},
            relations=relations(world.waalwijk, themes=(term("ouderen"),)),
        )


def test_an_offer_can_be_given_at_a_partners_place_in_the_same_municipality_only(world):
    district = Area.objects.filter(parent__code="GM0867").first()
    community_centre = make_location(world.ww_team, world.waalwijk, area=district)
    elsewhere = make_location(world.ms_team, world.meerssen, name="Gemeentehuis")
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    offer = offer_create(
        actor=actor,
        organisation=world.ww_foodbank,
        fields={"name": "Spreekuur", "description": "x"},
        relations=relations(world.waalwijk, locations=(community_centre,)),
    )
    assert OfferLocation.objects.filter(offer=offer, location=community_centre).exists()
    with pytest.raises(ValidationError):
        offer_update(actor=actor, offer=offer, fields={}, relations=relations(world.waalwijk, locations=(elsewhere,)))


def test_saving_or_confirming_an_offer_marks_it_checked(world, time_machine):
    time_machine.move_to("2026-01-10")
    offer = make_offer(world.ww_foodbank, world.waalwijk)
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    time_machine.move_to("2026-09-01")
    offer_mark_checked(actor=actor, offer=offer)
    offer.refresh_from_db()
    assert str(offer.last_checked) == "2026-09-01"
    assert AuditEvent.objects.filter(action="offer.checked", object_id=str(offer.pk)).exists()


def test_an_update_records_which_fields_changed_and_reindexes(world):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Pakket")
    actor = maintainer_of(world.ww_foodbank, world.waalwijk)
    offer_update(
        actor=actor,
        offer=offer,
        fields={"name": "Voedselpakket", "description": offer.description},
        relations=relations(world.waalwijk),
    )
    record = AuditEvent.objects.get(action="offer.update")
    assert record.details["fields"] == ["name"]
    offer.refresh_from_db()
    assert offer.search_document.startswith("Voedselpakket")


def test_deleting_an_offer_removes_it_and_leaves_a_record(world):
    offer = make_offer(world.ww_foodbank, world.waalwijk, name="Pakket")
    offer_delete(actor=maintainer_of(world.ww_foodbank, world.waalwijk), offer=offer)
    assert not Offer.objects.exists()
    assert AuditEvent.objects.filter(action="offer.delete").exists()
