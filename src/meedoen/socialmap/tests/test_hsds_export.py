"""Anyone can get a municipality's social map as Open Referral HSDS 3.0, through the API and as files.

Every object is checked against the official HSDS 3.0 schemas (read from the standard beside the
repository), both as published and in the stricter form the specification checks its own examples
with: no fields beyond those the schema defines.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from meedoen.areas.models import Area
from meedoen.core.access import Actor
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.tests.factories import OrganisationFactory
from meedoen.socialmap.hsds.export import (
    ID_NAMESPACE,
    export_municipality,
    hsds_page,
    new_profile,
    organisation_hsds_id,
    service_to_hsds,
)
from meedoen.socialmap.models import Location, Offer, OfferLocation, OrganisationProfile, TaxonomyTerm
from meedoen.socialmap.services import location_save
from meedoen.socialmap.tests.factories import make_location, make_offer

pytestmark = pytest.mark.django_db

STANDARD = Path(__file__).resolve().parents[4].parent / "shared" / "standards" / "hsds-3.0"
BASE = "https://hsds.test/"


# --- the official schemas -------------------------------------------------------------------------------


def _strict(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object, as the HSDS README describes."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if "properties" in schema:
        strict["properties"] = {name: _strict(value) for name, value in schema["properties"].items()}
        strict["additionalProperties"] = False
    return strict


def _format_checker() -> FormatChecker:
    """The formats HSDS uses; uri and date-time need packages jsonschema does not bring, so they are
    checked here."""
    checker = FormatChecker()

    @checker.checks("uri", raises=ValueError)
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc)

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    return checker


class Hsds:
    """Validators for HSDS objects by schema file name (``compiled/service.json``, ``taxonomy.json``)."""

    def __init__(self, root: Path) -> None:
        self.checker = _format_checker()
        documents = {}
        for path in [*(root / "schema").glob("*.json"), *(root / "schema" / "compiled").glob("*.json")]:
            name = path.relative_to(root / "schema").as_posix()
            if name != "openapi.json":
                documents[name] = {**json.loads(path.read_text(encoding="utf-8")), "$id": BASE + name}
        self.validators: dict[tuple[str, bool], Draft202012Validator] = {}
        self.openapi = json.loads((root / "schema" / "openapi.json").read_text(encoding="utf-8"))
        self.documents = {False: documents, True: {name: _strict(doc) for name, doc in documents.items()}}
        self.registries = {
            strict: Registry().with_resources(
                (BASE + name, Resource.from_contents(doc, default_specification=DRAFT202012))
                for name, doc in docs.items()
            )
            for strict, docs in self.documents.items()
        }

    def errors(self, instance: Any, schema: str, *, strict: bool) -> list[str]:
        key = (schema, strict)
        if key not in self.validators:
            self.validators[key] = Draft202012Validator(
                self.documents[strict][schema], registry=self.registries[strict], format_checker=self.checker
            )
        validator = self.validators[key]
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]

    def page_errors(self, page: Any, item_schema: str, *, strict: bool) -> list[str]:
        envelope = self.openapi["components"]["schemas"]["Page"]
        schema = {
            "$id": BASE + "page.json",
            "type": "object",
            "required": [*envelope["properties"], "contents"],
            "properties": {
                **envelope["properties"],
                "contents": {"type": "array", "items": {"$ref": BASE + item_schema}},
            },
            "additionalProperties": False,
        }
        validator = Draft202012Validator(schema, registry=self.registries[strict], format_checker=self.checker)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(page)]

    def assert_valid(self, instance: Any, schema: str, where: str) -> None:
        for strict in (False, True):
            errors = self.errors(instance, schema, strict=strict)
            assert not errors, f"{where} against {schema} (strict={strict}): {errors[:5]}"

    def assert_valid_page(self, page: Any, item_schema: str, where: str) -> None:
        for strict in (False, True):
            errors = self.page_errors(page, item_schema, strict=strict)
            assert not errors, f"{where}: page of {item_schema} (strict={strict}): {errors[:5]}"


@pytest.fixture(scope="session")
def hsds() -> Hsds:
    if not (STANDARD / "schema" / "compiled" / "service.json").is_file():
        pytest.skip(f"HSDS 3.0 standard not found at {STANDARD}: put the openreferral/specification 3.0 files there")
    return Hsds(STANDARD)


def test_the_strict_check_rejects_a_field_hsds_does_not_define(hsds):
    service = {"id": str(uuid.uuid4()), "name": "Spreekuur", "status": "active", "favourite_colour": "blue"}
    assert hsds.errors(service, "compiled/service.json", strict=False) == []
    assert hsds.errors(service, "compiled/service.json", strict=True)
    nested = {"id": str(uuid.uuid4()), "name": "Spreekuur", "status": "active", "phones": [{"id": "x", "number": 1}]}
    assert len(hsds.errors(nested, "compiled/service.json", strict=False)) == 2  # not a uuid, not a string
    term = {"id": str(uuid.uuid4()), "name": "Voedsel", "description": "", "taxonomy_detail": {"id": "y"}}
    assert hsds.errors(term, "taxonomy_term.json", strict=False)  # through the $ref to taxonomy.json


# --- walking the API -------------------------------------------------------------------------------------

BIG_PAGE = {"per_page": 100}


def api(code: str, path: str = "") -> str:
    return f"/api/v1/hsds/{code}/{path}"


def get_json(client, url: str, params: dict[str, Any] | None = None) -> Any:
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    return response.json()


def every_response(client, code: str) -> Iterator[tuple[str, Any, str, bool]]:
    """(where, payload, schema, is a page) for every endpoint and every object of a municipality."""
    lists = [
        ("services", {}, "compiled/service_list.json"),
        ("services", {"full": "true"}, "compiled/service.json"),
        ("organizations", {}, "compiled/organization_list.json"),
        ("organizations", {"full": "true"}, "compiled/organization.json"),
        ("organizations", {"full": "true", "full_service": "true"}, "compiled/organization.json"),
        ("service_at_locations", {}, "compiled/service_at_location_list.json"),
        ("service_at_locations", {"full": "true"}, "compiled/service_at_location.json"),
        ("taxonomies", {}, "taxonomy.json"),
        ("taxonomy_terms", {}, "taxonomy_term.json"),
    ]
    details = {
        "services": "compiled/service.json",
        "organizations": "compiled/organization.json",
        "service_at_locations": "compiled/service_at_location.json",
        "taxonomies": "taxonomy.json",
        "taxonomy_terms": "taxonomy_term.json",
    }
    for path, params, schema in lists:
        page = get_json(client, api(code, path), {**BIG_PAGE, **params})
        assert page["total_pages"] <= 1, "raise BIG_PAGE: the walk would miss objects"
        yield f"{path}?{params}", page, schema, True
        if not params:
            for item in page["contents"]:
                for extra in ({}, {"full_service": "true"}) if path == "organizations" else ({},):
                    detail = get_json(client, api(code, f"{path}/{item['id']}"), extra)
                    yield f"{path}/{item['id']}{extra}", detail, details[path], False


def assert_api_valid(client, hsds: Hsds, code: str) -> int:
    seen = 0
    for where, payload, schema, is_page in every_response(client, code):
        if is_page:
            hsds.assert_valid_page(payload, schema, where)
        else:
            hsds.assert_valid(payload, schema, where)
        seen += 1
    return seen


EXPORT_SCHEMAS = {
    "services": "compiled/service.json",
    "organizations": "compiled/organization.json",
    "locations": "location.json",
    "service_at_locations": "compiled/service_at_location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


def read_export(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {kind: json.loads((folder / f"{kind}.json").read_text(encoding="utf-8")) for kind in EXPORT_SCHEMAS}


# --- social maps to test with ----------------------------------------------------------------------------


@pytest.fixture
def social_map(world):
    """Waalwijk with a richly described offer, a paid one, offers that are not active, a place with
    opening hours, an organisation with a profile and imported HSDS fields; Meerssen with its own."""
    districts = list(Area.objects.filter(parent__code="GM0867").order_by("code"))
    town_hall = location_save(
        actor=Actor.system("test"),
        organisation=world.ww_team,
        municipality=world.waalwijk,
        fields={
            "name": "Stadhuis",
            "description": "Balie op de begane grond.",
            "street_address": "Raadhuisplein 1",
            "postal_code": "5141 AB",
            "city": "Waalwijk",
            "area": districts[0],
            "latitude": Decimal("51.686500"),
            "longitude": Decimal("5.070000"),
            "accessibility": "Rolstoeltoegankelijk, ringleiding bij de balie.",
            "transportation": "Bus 136, halte Stadhuis.",
        },
        opening_hours=[(1, time(9), time(12, 30)), (4, time(13), time(16, 45))],
    )
    village = make_location(world.ww_foodbank, world.waalwijk, area=districts[2], name="Dorpshuis")
    debt_help = make_offer(
        world.ww_team,
        world.waalwijk,
        name="Schuldhulpverlening",
        description="Heb je schulden? We maken samen een plan.",
        themes=("schulden-en-geldzaken", "hulp-bij-formulieren"),
        target_groups=("mensen-met-schulden",),
        locations=(town_hall, village),
        ways_in=["inloop", "telefoon", "whatsapp"],
        languages=["nl", "ar", "zz"],
        minimum_age=18,
        maximum_age=67,
        income_limit_percent=120,
        residents_only=True,
        conditions="Je woont in Waalwijk.",
        application_process="Bel ons of kom langs op het spreekuur.",
        url="https://www.waalwijk.nl/schulden",
        email="schulden@waalwijk.example",
        phone="0416-683456",
        whatsapp="06-12345678",
    )
    food = make_offer(
        world.ww_foodbank,
        world.waalwijk,
        name="Voedselpakket",
        description="Elke week boodschappen.",
        themes=("voedsel",),
        locations=(village,),
        is_free=False,
        costs="Een eigen bijdrage van 5 euro per week.",
    )
    closed = {
        status: make_offer(world.ww_team, world.waalwijk, name=f"Gesloten: {status}", status=status)
        for status in (Offer.Status.INACTIVE, Offer.Status.TEMPORARILY_CLOSED, Offer.Status.DEFUNCT)
    }
    hidden_organisation = OrganisationFactory(name="Alleen gesloten aanbod", municipalities=[world.waalwijk])
    make_offer(hidden_organisation, world.waalwijk, name="Opgeheven", status=Offer.Status.DEFUNCT)

    profile = OrganisationProfile.objects.create(
        organisation=world.ww_team,
        description="Team Werk en Inkomen van de gemeente.",
        website="https://www.waalwijk.nl",
        email="info@waalwijk.example",
        phone="14 0416",
        hsds_extra={
            "alternate_name": "Gemeente Waalwijk W&I",
            "legal_status": "Overheid",
            "organization_identifiers": [
                {"id": str(uuid.uuid4()), "identifier_type": "OIN", "identifier": "00000001001234567000"}
            ],
            "contacts": [{"id": str(uuid.uuid4()), "name": "Ann Persona", "email": "ann@waalwijk.example"}],
            "name": "Oude naam uit een import",
            "favourite_colour": "blue",
            "tax_status": {"not": "plain text"},
        },
    )
    funding_id = str(uuid.uuid4())
    Offer.objects.filter(pk=debt_help.pk).update(
        hsds_extra={
            "alternate_name": "SHV",
            "interpretation_services": "Tolk op verzoek.",
            "funding": [{"id": funding_id, "source": "Gemeente Waalwijk"}],
            "name": "Oude naam",
            "fees": "Oude kosten",
            "contacts": [{"id": str(uuid.uuid4()), "name": "Bob Persona"}],
            "metadata": [
                {
                    "id": str(uuid.uuid4()),
                    "last_action_date": "2024-01-01",
                    "last_action_type": "update",
                    "field_name": "name",
                    "previous_value": "a",
                    "replacement_value": "b",
                    "updated_by": "Carla Persona",
                }
            ],
            "favourite_colour": "blue",
        }
    )
    Location.objects.filter(pk=town_hall.pk).update(
        hsds_extra={"alternate_name": "Raadhuis", "addresses": [{"id": "not-ours"}], "external_identifier": "X1"}
    )
    OfferLocation.objects.filter(offer=debt_help, location=town_hall).update(
        hsds_extra={"description": "Op dinsdag ook met een tolk Arabisch."}
    )

    meerssen_place = make_location(world.ms_team, world.meerssen, name="Gemeentehuis Meerssen")
    meerssen_offer = make_offer(
        world.ms_team, world.meerssen, name="Schuldhulp Meerssen", locations=(meerssen_place,), ways_in=["inloop"]
    )
    return {
        "debt_help": Offer.objects.get(pk=debt_help.pk),
        "food": food,
        "closed": closed,
        "hidden_organisation": hidden_organisation,
        "town_hall": town_hall,
        "village": village,
        "profile": profile,
        "funding_id": funding_id,
        "meerssen_offer": meerssen_offer,
        "meerssen_place": meerssen_place,
    }


# --- conformance -----------------------------------------------------------------------------------------


def load_demo() -> None:
    # Through the command: the demo app sits above the social map in the import layers.
    call_command("load_demo", stdout=io.StringIO())


def test_every_endpoint_and_every_exported_file_of_the_demo_follows_hsds(client, hsds, tmp_path):
    load_demo()
    for municipality in Municipality.objects.all():
        assert assert_api_valid(client, hsds, municipality.code) > 20
        folder = tmp_path / municipality.code
        call_command("hsds_export", municipality=municipality.code, out=folder, stdout=io.StringIO())
        exported = read_export(folder)
        assert exported["services"], municipality
        for kind, objects in exported.items():
            for position, item in enumerate(objects):
                hsds.assert_valid(item, EXPORT_SCHEMAS[kind], f"{municipality.code} {kind}.json[{position}]")


def test_a_richly_described_social_map_follows_hsds_with_imported_fields_merged_back(client, hsds, social_map):
    assert assert_api_valid(client, hsds, "GM0867") > 10
    for kind, objects in export_municipality(Municipality.objects.get(code="GM0867")).items():
        for item in objects:
            hsds.assert_valid(item, EXPORT_SCHEMAS[kind], f"export {kind} {item['id']}")


def test_an_offer_becomes_a_fully_described_hsds_service(client, social_map):
    offer = social_map["debt_help"]
    service = get_json(client, api("GM0867", f"services/{offer.uuid}"))

    assert service["id"] == str(offer.uuid)
    assert service["name"] == "Schuldhulpverlening"
    assert service["status"] == "active"
    assert service["url"] == "https://www.waalwijk.nl/schulden"
    assert service["email"] == "schulden@waalwijk.example"
    assert (service["minimum_age"], service["maximum_age"]) == (18, 67)
    assert service["assured_date"] == offer.last_checked.isoformat()
    assert service["last_modified"].endswith("Z")
    assert service["application_process"].startswith("Bel ons of kom langs op het spreekuur.")
    for way in (Offer.WayIn.WALK_IN, Offer.WayIn.PHONE, Offer.WayIn.WHATSAPP):
        assert str(way.label) in service["application_process"] or way.value in service["application_process"]
    assert "Je woont in Waalwijk." in service["eligibility_description"]
    assert "120" in service["eligibility_description"]
    assert "Waalwijk" in service["eligibility_description"]
    assert service["fees_description"]
    assert [(c["amount"], c["currency"]) for c in service["cost_options"]] == [(0, "EUR")]
    assert [(p["number"], p["type"]) for p in service["phones"]] == [("0416-683456", "voice"), ("06-12345678", "text")]

    languages = {language["code"]: language for language in service["languages"]}
    assert list(languages) == ["nl", "ar", "zz"]
    assert languages["nl"]["name"] and languages["ar"]["name"]
    assert "name" not in languages["zz"], "an unknown code has no made-up name"

    attributes = {(a["link_type"], a["taxonomy_term"]["code"]) for a in service["attributes"]}
    assert attributes == {
        ("theme", "schulden-en-geldzaken"),
        ("theme", "hulp-bij-formulieren"),
        ("target_group", "mensen-met-schulden"),
    }
    for attribute in service["attributes"]:
        term = TaxonomyTerm.objects.get(uuid=attribute["taxonomy_term_id"])
        assert attribute["taxonomy_term"]["id"] == str(term.uuid)
        assert attribute["taxonomy_term"]["taxonomy_detail"]["id"] == str(term.taxonomy.uuid)
        assert attribute["link_id"] == service["id"]
        assert attribute["link_entity"] == "service"

    assert [area["name"] for area in service["service_areas"]] == ["Waalwijk"]
    assert service["organization"]["id"] == service["organization_id"] == str(social_map["profile"].uuid)
    assert [sal["location"]["name"] for sal in service["service_at_locations"]] == ["Dorpshuis", "Stadhuis"]


@pytest.mark.parametrize(
    ("status", "hsds_status"),
    [
        (Offer.Status.ACTIVE, "active"),
        (Offer.Status.TEMPORARILY_CLOSED, "temporarily closed"),
        (Offer.Status.INACTIVE, "inactive"),
        (Offer.Status.DEFUNCT, "defunct"),
    ],
)
def test_every_status_of_an_offer_has_its_hsds_status(hsds, world, status, hsds_status):
    offer = make_offer(world.ww_team, world.waalwijk, status=status)
    service = service_to_hsds(offer)
    assert service["status"] == hsds_status
    hsds.assert_valid(service, "compiled/service.json", status)


def test_a_place_becomes_an_hsds_location_with_address_schedules_and_accessibility(client, social_map):
    place = social_map["town_hall"]
    link = OfferLocation.objects.get(offer=social_map["debt_help"], location=place)
    detail = get_json(client, api("GM0867", f"service_at_locations/{link.uuid}"))
    location = detail["location"]

    assert (detail["service_id"], detail["location_id"]) == (str(social_map["debt_help"].uuid), str(place.uuid))
    assert detail["description"] == "Op dinsdag ook met een tolk Arabisch."
    assert "service_at_locations" not in detail["service"]
    assert location["location_type"] == "physical"
    assert (location["latitude"], location["longitude"]) == (51.6865, 5.07)
    assert location["transportation"] == "Bus 136, halte Stadhuis."
    assert location["accessibility"][0]["description"] == "Rolstoeltoegankelijk, ringleiding bij de balie."
    [address] = location["addresses"]
    assert address == {
        "id": address["id"],
        "location_id": str(place.uuid),
        "address_1": "Raadhuisplein 1",
        "city": "Waalwijk",
        "state_province": "Waalwijk",
        "postal_code": "5141 AB",
        "country": "NL",
        "address_type": "physical",
    }
    schedules = [(s["freq"], s["byday"], s["opens_at"], s["closes_at"]) for s in location["schedules"]]
    assert schedules == [("WEEKLY", "MO", "09:00", "12:30"), ("WEEKLY", "TH", "13:00", "16:45")]
    assert location["schedules"][0]["id"] == str(place.opening_hours.order_by("weekday").first().uuid)


def test_imported_hsds_fields_come_back_but_never_over_ours_and_never_people(client, social_map):
    service = get_json(client, api("GM0867", f"services/{social_map['debt_help'].uuid}"))
    assert service["alternate_name"] == "SHV"
    assert service["interpretation_services"] == "Tolk op verzoek."
    assert service["funding"] == [{"id": social_map["funding_id"], "source": "Gemeente Waalwijk"}]
    assert service["name"] == "Schuldhulpverlening"
    assert "fees" not in service
    for left_out in ("contacts", "metadata", "favourite_colour"):
        assert left_out not in service

    organization = service["organization"]
    assert organization["alternate_name"] == "Gemeente Waalwijk W&I"
    assert organization["organization_identifiers"][0]["identifier_type"] == "OIN"
    assert organization["name"] == "Gemeente Waalwijk"
    for left_out in ("contacts", "favourite_colour", "tax_status"):
        assert left_out not in organization
    assert organization["phones"][0]["number"] == "14 0416"
    assert organization["website"] == "https://www.waalwijk.nl"

    location = next(s["location"] for s in service["service_at_locations"] if s["location"]["name"] == "Stadhuis")
    assert location["alternate_name"] == "Raadhuis"
    assert location["external_identifier"] == "X1"
    assert [a["address_1"] for a in location["addresses"]] == ["Raadhuisplein 1"]

    body = json.dumps(export_municipality(Municipality.objects.get(code="GM0867")))
    for person in ("Ann Persona", "Bob Persona", "Carla Persona"):
        assert person not in body


def test_organisations_without_a_profile_keep_one_stable_id(client, social_map, world):
    page = get_json(client, api("GM0867", "organizations"))
    ids = {item["name"]: item["id"] for item in page["contents"]}
    foodbank_id = str(uuid.uuid5(ID_NAMESPACE, f"organisation/{world.ww_foodbank.slug}"))
    assert ids == {"Gemeente Waalwijk": str(social_map["profile"].uuid), "Voedselbank Waalwijk": foodbank_id}
    assert organisation_hsds_id(world.ww_foodbank) == foodbank_id
    detail = get_json(client, api("GM0867", f"organizations/{foodbank_id}"))
    assert detail["description"], "HSDS requires a description; the kind of organisation stands in"
    assert [s["name"] for s in detail["services"]] == ["Voedselpakket"]
    assert [place["name"] for place in detail["locations"]] == ["Dorpshuis"]
    assert get_json(client, api("GM0867", "services"), {"organization_id": foodbank_id})["total_items"] == 1


def test_a_profile_made_later_keeps_the_id_the_organisation_had_without_one(world):
    foodbank_id = organisation_hsds_id(world.ww_foodbank)
    assert str(OrganisationProfile(organisation=world.ww_foodbank).uuid) != foodbank_id, "the model's default"
    new_profile(world.ww_foodbank).save()
    organisation = Organisation.objects.select_related("socialmap_profile").get(pk=world.ww_foodbank.pk)
    assert str(organisation.socialmap_profile.uuid) == foodbank_id
    assert organisation_hsds_id(organisation) == foodbank_id


def test_imported_lists_come_back_next_to_meedoens_own_and_without_people(hsds, world):
    offer = make_offer(
        world.ww_team, world.waalwijk, name="Kledingbank", themes=("voedsel",), is_free=False, costs="1 euro per stuk."
    )
    clothing = {
        "id": str(uuid.uuid4()),
        "link_type": "category",
        "link_entity": "service",
        "taxonomy_term": {
            "id": str(uuid.uuid4()),
            "code": "clothing",
            "name": "Clothing",
            "description": "Clothes and shoes.",
            "taxonomy": "Open Eligibility",
        },
    }
    waalwijk_area = {"id": str(uuid.uuid4()), "name": "Waalwijk", "extent": "POLYGON((5 51, 5 52, 6 52, 5 51))"}
    region = {"id": str(uuid.uuid4()), "name": "De Langstraat"}
    per_piece = {"id": str(uuid.uuid4()), "option": "Per stuk", "currency": "EUR", "amount": 1}
    changes = {
        "id": str(uuid.uuid4()),
        "last_action_date": "2024-01-01",
        "last_action_type": "update",
        "field_name": "code",
        "previous_value": "clothes",
        "replacement_value": "clothing",
        "updated_by": "Dora Persona",
    }
    Offer.objects.filter(pk=offer.pk).update(
        hsds_extra={
            "attributes": [{**clothing, "metadata": [changes]}],
            "service_areas": [waalwijk_area, region],
            "cost_options": [per_piece],
        }
    )
    service = service_to_hsds(Offer.objects.get(pk=offer.pk))
    hsds.assert_valid(service, "compiled/service.json", "service")

    assert [(a["link_type"], a["taxonomy_term"]["code"]) for a in service["attributes"]] == [
        ("theme", "voedsel"),
        ("category", "clothing"),
    ]
    assert service["attributes"][1] == clothing, "as imported, without who changed it"
    assert "Dora Persona" not in json.dumps(service)
    assert service["service_areas"] == [waalwijk_area, region], "Waalwijk once, as the source describes it"
    assert service["cost_options"] == [per_piece]

    Offer.objects.filter(pk=offer.pk).update(is_free=True)
    service = service_to_hsds(Offer.objects.get(pk=offer.pk))
    assert [(c["amount"], c["currency"]) for c in service["cost_options"]] == [(0, "EUR")], "1 euro no longer holds"


def test_the_export_is_the_same_every_time_and_the_same_as_the_api(client, social_map, tmp_path):
    waalwijk = Municipality.objects.get(code="GM0867")
    first, second = export_municipality(waalwijk), export_municipality(waalwijk)
    assert first == second
    call_command("hsds_export", municipality="GM0867", out=tmp_path, stdout=io.StringIO())
    assert read_export(tmp_path) == json.loads(json.dumps(first))
    for kind in ("services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"):
        for item in first[kind]:
            assert get_json(client, api("GM0867", f"{kind}/{item['id']}")) == json.loads(json.dumps(item)), kind
    locations = {item["id"] for item in first["locations"]}
    assert locations == {str(social_map["town_hall"].uuid), str(social_map["village"].uuid)}


def test_composed_text_is_in_the_language_of_the_data_whatever_the_reader_chose(client, social_map):
    url = api("GM0867", f"services/{social_map['debt_help'].uuid}")
    dutch = get_json(client, url)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english_reader = get_json(client, url)
    assert english_reader == dutch
    assert dutch["languages"][0]["name"] == "Nederlands"


# --- who sees what ---------------------------------------------------------------------------------------


def test_one_municipality_never_shows_anothers_offers_places_or_organisations(client, social_map):
    meerssen_offer, meerssen_place = social_map["meerssen_offer"], social_map["meerssen_place"]
    meerssen_link = OfferLocation.objects.get(offer=meerssen_offer)
    waalwijk = json.dumps([payload for _w, payload, _s, _p in every_response(client, "GM0867")])
    for trace in (str(meerssen_offer.uuid), str(meerssen_place.uuid), str(meerssen_link.uuid), "Meerssen"):
        assert trace not in waalwijk
    for path in (f"services/{meerssen_offer.uuid}", f"service_at_locations/{meerssen_link.uuid}"):
        assert client.get(api("GM0867", path)).status_code == 404
    ms_team_id = organisation_hsds_id(meerssen_offer.organisation)
    assert client.get(api("GM0867", f"organizations/{ms_team_id}")).status_code == 404
    assert get_json(client, api("GM0867", "services"), {"organization_id": ms_team_id})["total_items"] == 0
    meerssen = get_json(client, api("GM0938", "services"))
    assert [item["name"] for item in meerssen["contents"]] == ["Schuldhulp Meerssen"]


def test_an_offer_in_two_municipalities_shows_in_each_with_only_that_municipalitys_places(client, world):
    regional = OrganisationFactory(name="Energie Zuid", municipalities=[world.waalwijk, world.meerssen])
    in_waalwijk = make_location(regional, world.waalwijk, name="Loket Waalwijk")
    in_meerssen = make_location(regional, world.meerssen, name="Loket Meerssen")
    offer = make_offer(regional, world.waalwijk, name="Betalingsregeling", locations=(in_waalwijk,))
    offer.municipalities.add(world.meerssen)
    OfferLocation.objects.create(offer=offer, location=in_meerssen)
    for code, place in (("GM0867", "Loket Waalwijk"), ("GM0938", "Loket Meerssen")):
        service = get_json(client, api(code, f"services/{offer.uuid}"))
        assert [sal["location"]["name"] for sal in service["service_at_locations"]] == [place]
        links = get_json(client, api(code, "service_at_locations"))["contents"]
        assert [link["location"]["name"] for link in links] == [place]
        assert sorted(area["name"] for area in service["service_areas"]) == ["Meerssen", "Waalwijk"]


def test_offers_that_are_not_active_and_their_only_organisation_are_left_out(client, social_map):
    names = [item["name"] for item in get_json(client, api("GM0867", "services"), BIG_PAGE)["contents"]]
    assert names == ["Schuldhulpverlening", "Voedselpakket"]
    for offer in social_map["closed"].values():
        assert client.get(api("GM0867", f"services/{offer.uuid}")).status_code == 404
    organizations = [item["name"] for item in get_json(client, api("GM0867", "organizations"))["contents"]]
    assert "Alleen gesloten aanbod" not in organizations
    hidden_id = organisation_hsds_id(social_map["hidden_organisation"])
    assert client.get(api("GM0867", f"organizations/{hidden_id}")).status_code == 404
    files = export_municipality(Municipality.objects.get(code="GM0867"))
    assert [service["name"] for service in files["services"]] == ["Schuldhulpverlening", "Voedselpakket"]


def test_the_api_is_public_read_only_and_sets_no_cookie(client, social_map):
    response = client.get(api("GM0867", "services"))
    assert response.status_code == 200
    assert not response.cookies
    offer_url = api("GM0867", f"services/{social_map['debt_help'].uuid}")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(offer_url).status_code == 405
    assert Offer.objects.get(pk=social_map["debt_help"].pk).name == "Schuldhulpverlening"


def test_nothing_about_staff_or_residents_is_published(client, personas, social_map):
    body = json.dumps([payload for _w, payload, _s, _p in every_response(client, "GM0867")])
    body += json.dumps(export_municipality(Municipality.objects.get(code="GM0867")))
    users = get_user_model().objects.all()
    assert len(users) == len(personas) - 1  # all but the anonymous visitor
    for user in users:
        assert user.username not in body
        assert user.email not in body
        assert f"{user.first_name} {user.last_name}" not in body


def test_hostile_text_comes_out_as_plain_json_data(client, world):
    hostile = {
        "name": '<img src=x onerror="alert(1)">',
        "description": "<script>alert('x')</script> & \"quotes\" \\ back\u2028slash",
        "conditions": '=HYPERLINK("http://evil.example")',
        "application_process": "</script><svg onload=alert(1)>",
    }
    offer = make_offer(world.ww_team, world.waalwijk, **hostile)
    response = client.get(api("GM0867", f"services/{offer.uuid}"))
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    service = response.json()
    assert service["name"] == hostile["name"]
    assert service["description"] == hostile["description"]
    assert service["eligibility_description"].startswith(hostile["conditions"])
    assert service["application_process"].startswith(hostile["application_process"])
    listed = get_json(client, api("GM0867", "services"), {"search": "quotes"})
    assert listed["contents"][0]["name"] == hostile["name"]


# --- pages, filters and errors ------------------------------------------------------------------------------


@pytest.fixture
def many_offers(world):
    return [make_offer(world.ww_team, world.waalwijk, name=f"Aanbod {number:03d}") for number in range(7)]


def test_walking_the_pages_gives_every_service_once(client, many_offers):
    seen, page_number = [], 1
    while True:
        page = get_json(client, api("GM0867", "services"), {"page": page_number, "per_page": 3})
        assert (page["total_items"], page["total_pages"], page["page_number"]) == (7, 3, page_number)
        assert page["first_page"] == (page_number == 1)
        assert page["size"] == len(page["contents"]) == (3 if page_number < 3 else 1)
        seen += [item["name"] for item in page["contents"]]
        if page["last_page"]:
            break
        page_number += 1
    assert seen == [f"Aanbod {number:03d}" for number in range(7)]


@pytest.mark.parametrize("page", ["4", "999999999"])
def test_a_page_past_the_last_is_empty(client, many_offers, page):
    result = get_json(client, api("GM0867", "services"), {"page": page, "per_page": 3})
    assert result["contents"] == []
    assert (result["empty"], result["last_page"], result["first_page"], result["size"]) == (True, True, False, 0)
    assert result["total_items"] == 7


def test_too_many_per_page_is_cut_to_the_maximum(client, world):
    offers = Offer.objects.bulk_create(
        Offer(organisation=world.ww_team, name=f"Aanbod {n:03d}", description="x", last_checked=timezone.localdate())
        for n in range(101)
    )
    Offer.municipalities.through.objects.bulk_create(
        Offer.municipalities.through(offer=offer, municipality=world.waalwijk) for offer in offers
    )
    page = get_json(client, api("GM0867", "services"), {"per_page": 5000})
    assert (page["size"], page["total_items"], page["total_pages"], page["last_page"]) == (100, 101, 2, False)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "1e3"}, "page"),
        ({"page": "\u0661"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "veel"}, "per_page"),
        ({"full": "misschien"}, "full"),
        ({"taxonomy_term_id": "voedsel"}, "taxonomy_term_id"),
        ({"organization_id": "1 OR 1=1"}, "organization_id"),
        ({"modified_after": "gisteren"}, "modified_after"),
        ({"search": "x" * 201}, "search"),
        ({"format": "ndjson"}, "format"),
        ({"modified_after": "9999-12-31T23:59:59-14:00"}, "modified_after"),
        ({"modified_after": "0001-01-01T00:00:00+14:00"}, "modified_after"),
        ({"search": "schuld\x00"}, "search"),
        ({"q": "\x1b[31m"}, "search"),
    ],
)
def test_malformed_parameters_are_refused_by_name(client, world, params, field):
    response = client.get(api("GM0867", "services"), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_json_may_be_asked_for_by_name(client, world):
    assert get_json(client, api("GM0867", "services"), {"format": "json"})["empty"]


@pytest.mark.parametrize("path", ["taxonomies", "taxonomy_terms", "organizations", "service_at_locations"])
def test_every_list_refuses_malformed_pages_and_searches(client, world, path):
    assert client.get(api("GM0867", path), {"page": "0"}).status_code == 400
    assert client.get(api("GM0867", path), {"per_page": "x"}).status_code == 400
    assert client.get(api("GM0867", path), {"search": "a\x00b"}).status_code == 400


# A well-formed id that names nothing; the same in every run, so that test runners which collect
# the tests in several processes see the same tests in each.
UNKNOWN_ID = "0b6f3c1e-7d2a-4e59-9c84-5a1f2e3d4c6b"


@pytest.mark.parametrize(
    "path",
    [
        api("GM9999"),
        api("GM9999", "services"),
        api("gm0867", "services"),
        api("Waalwijk", "taxonomies"),
        api("GM0867", "services/" + UNKNOWN_ID),
        api("GM0867", "services/not-a-uuid"),
        api("GM0867", "organizations/" + UNKNOWN_ID),
        api("GM0867", "service_at_locations/" + UNKNOWN_ID),
        api("GM0867", "taxonomies/<script>"),
        api("GM0867", "taxonomy_terms/" + UNKNOWN_ID),
    ],
)
def test_unknown_municipalities_and_ids_are_404_in_json(client, world, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_the_root_names_the_hsds_version_and_the_openapi_description(client, world):
    root = get_json(client, api("GM0867"))
    assert root["version"] == "3.0"
    schema = client.get(root["openapi_url"])
    assert schema.status_code == 200
    assert "/api/v1/hsds/{municipality}/services" in json.loads(schema.content)["paths"]


def test_services_filter_by_term_taxonomy_organisation_search_and_change(client, social_map, world):
    def names(**params):
        return [item["name"] for item in get_json(client, api("GM0867", "services"), params)["contents"]]

    food_term = TaxonomyTerm.objects.get(code="voedsel")
    assert names(taxonomy_term_id=str(food_term.uuid)) == ["Voedselpakket"]
    group = TaxonomyTerm.objects.get(code="mensen-met-schulden")
    assert names(taxonomy_term_id=str(group.uuid)) == ["Schuldhulpverlening"]
    assert names(taxonomy_id=str(group.taxonomy.uuid)) == ["Schuldhulpverlening"]
    assert names(taxonomy_term_id=str(uuid.uuid4())) == []
    assert names(organization_id=str(social_map["profile"].uuid)) == ["Schuldhulpverlening"]
    assert names(search="boodschappen") == ["Voedselpakket"]
    assert names(q="schulden") == ["Schuldhulpverlening"]
    assert names(search="de") == ["Schuldhulpverlening", "Voedselpakket"], "only stop words: no text filter"
    assert names(search="schulden", taxonomy_term_id=str(food_term.uuid)) == []

    later = datetime.now(UTC) + timedelta(hours=1)
    Offer.objects.filter(pk=social_map["food"].pk).update(updated_at=later + timedelta(minutes=1))
    assert names(modified_after=later.isoformat()) == ["Voedselpakket"]
    assert names(modified_after=later.replace(tzinfo=None).isoformat()) == ["Voedselpakket"]
    assert names(modified_after="2000-01-01") == ["Schuldhulpverlening", "Voedselpakket"]

    links = get_json(client, api("GM0867", "service_at_locations"), {"taxonomy_term_id": str(food_term.uuid)})
    assert [(link["service"]["name"], link["location"]["name"]) for link in links["contents"]] == [
        ("Voedselpakket", "Dorpshuis")
    ]


def test_taxonomies_and_terms_are_listed_and_filtered(client, world):
    taxonomies = get_json(client, api("GM0867", "taxonomies"))["contents"]
    assert {taxonomy["name"] for taxonomy in taxonomies} == {"Thema's", "Doelgroepen"}
    themes = next(taxonomy for taxonomy in taxonomies if taxonomy["name"] == "Thema's")
    terms = get_json(client, api("GM0867", "taxonomy_terms"), {"taxonomy_id": themes["id"], **BIG_PAGE})
    assert terms["total_items"] == TaxonomyTerm.objects.filter(taxonomy__code="meedoen-thema").count()
    assert {term["taxonomy_id"] for term in terms["contents"]} == {themes["id"]}
    assert terms["contents"][0]["language"] == "nl"
    found = get_json(client, api("GM0867", "taxonomy_terms"), {"search": "Voedsel"})["contents"]
    assert [term["code"] for term in found] == ["voedsel"]
    top = get_json(client, api("GM0867", "taxonomy_terms"), {"top_only": "true", **BIG_PAGE})
    assert top["total_items"] == TaxonomyTerm.objects.count()
    assert get_json(client, api("GM0867", "taxonomy_terms"), {"parent_id": str(uuid.uuid4())})["empty"]


def test_a_page_of_services_costs_the_same_number_of_queries_however_many_there_are(client, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            get_json(client, api("GM0867", "services"), {"full": "true", **BIG_PAGE})
            get_json(client, api("GM0867", "service_at_locations"), {"full": "true", **BIG_PAGE})
        return len(captured.captured_queries)

    def add(count: int) -> None:
        for _ in range(count):
            place = make_location(world.ww_team, world.waalwijk, name=f"Plek {Offer.objects.count()}")
            make_offer(
                world.ww_team,
                world.waalwijk,
                name=f"Aanbod {Offer.objects.count()}",
                themes=("voedsel",),
                target_groups=("ouderen",),
                locations=(place,),
                languages=["nl"],
            )

    add(2)
    few = queries()
    add(6)
    assert queries() == few


def test_the_page_envelope():
    assert hsds_page([], total_items=0, page_number=1, per_page=10) == {
        "total_items": 0,
        "total_pages": 0,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }
    middle = hsds_page([{"id": "a"}], total_items=21, page_number=2, per_page=10)
    assert (middle["total_pages"], middle["first_page"], middle["last_page"], middle["size"]) == (3, False, False, 1)


# --- the command -------------------------------------------------------------------------------------------


def test_the_command_writes_one_file_per_kind_of_object(social_map, tmp_path):
    out = tmp_path / "nieuw" / "map"
    call_command("hsds_export", municipality="GM0867", out=out, stdout=io.StringIO())
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{kind}.json" for kind in EXPORT_SCHEMAS)
    exported = read_export(out)
    assert [service["name"] for service in exported["services"]] == ["Schuldhulpverlening", "Voedselpakket"]
    assert len(exported["service_at_locations"]) == 3
    assert {organization["name"] for organization in exported["organizations"]} == {
        "Gemeente Waalwijk",
        "Voedselbank Waalwijk",
    }
    assert (out / "services.json").read_text(encoding="utf-8").startswith("[\n")
    assert {path.stat().st_mode & 0o777 for path in out.iterdir()} == {0o644}


@pytest.mark.parametrize("code", ["GM9999", "0867", "Waalwijk", ""])
def test_the_command_refuses_an_unknown_municipality(world, tmp_path, code):
    with pytest.raises(CommandError, match="no municipality"):
        call_command("hsds_export", municipality=code, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_refuses_a_folder_it_cannot_write_to(world, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot make this folder"):
        call_command("hsds_export", municipality="GM0867", out=blocker / "sub")
    with pytest.raises(CommandError, match="not a folder"):
        call_command("hsds_export", municipality="GM0867", out=blocker)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_the_command_leaves_the_folder_as_it_was_when_writing_fails(world, tmp_path, monkeypatch):
    (tmp_path / "services.json").write_text("[]\n", encoding="utf-8")
    original = json.dump
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr("meedoen.socialmap.management.commands.hsds_export.json.dump", failing)
    with pytest.raises(CommandError, match="cannot write there"):
        call_command("hsds_export", municipality="GM0867", out=tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["services.json"]
    assert (tmp_path / "services.json").read_text(encoding="utf-8") == "[]\n"
