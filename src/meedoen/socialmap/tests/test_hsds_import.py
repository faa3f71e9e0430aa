"""The application manager imports an existing social map in HSDS 3.0: the official examples in JSON
and as a CSV package, again without duplicates, and every way the data can be broken, each named by
file and JSON path or row and column, with nothing imported. Ends with the round trip through the
export: every official example and the CSV package come back field by field, but for what names people.

The official examples are read from the standard beside the repository (``../shared/standards``).
"""

from __future__ import annotations

import copy
import csv
import json
import shutil
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from meedoen.areas.models import Area
from meedoen.core.access import Actor, Role, grants_from
from meedoen.core.models import AuditEvent
from meedoen.organisations.models import Membership, Municipality, Organisation
from meedoen.socialmap.hsds import reader
from meedoen.socialmap.hsds.export import derived_id, export_municipality, organisation_hsds_id
from meedoen.socialmap.hsds.importer import hsds_import
from meedoen.socialmap.models import Location, Offer, OfferLocation, OpeningHours, OrganisationProfile
from meedoen.socialmap.tests.factories import make_location, make_offer
from meedoen.socialmap.tests.test_hsds_export import EXPORT_SCHEMAS, Hsds

pytestmark = pytest.mark.django_db

STANDARD = Path(__file__).resolve().parents[4].parent / "shared" / "standards" / "hsds-3.0"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
LINK_ID = "e94c9f38-1e8f-4564-91d4-d53501ab1765"


@pytest.fixture
def examples() -> Path:
    folder = STANDARD / "examples"
    if not (folder / "service_full.json").is_file():
        pytest.skip(f"the HSDS 3.0 standard is not beside the repository ({STANDARD}); see README")
    return folder


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are translated for staff; the tests read them in the source language, so that a
    translation does not break them."""
    with translation.override("en"):
        yield


def run(path: Path, *, municipality: str = "GM0867", kind: str = "", dry_run: bool = False) -> tuple[str, str]:
    """The import command's output and its warnings; raises CommandError with the problems on stderr."""
    out, err = StringIO(), StringIO()
    arguments = [str(path), f"--municipality={municipality}"]
    arguments += [f"--kind={kind}"] if kind else []
    arguments += ["--dry-run"] if dry_run else []
    try:
        call_command("hsds_import", *arguments, stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from None
    return out.getvalue(), err.getvalue()


def problems_of(path: Path) -> list[str]:
    """Every problem the import names, one per line; the import must have failed."""
    with pytest.raises(CommandError, match="nothing imported") as failed:
        run(path)
    return str(failed.value).splitlines()[1:]


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "profiles": OrganisationProfile.objects.count(),
        "offers": Offer.objects.count(),
        "locations": Location.objects.count(),
        "links": OfferLocation.objects.count(),
        "hours": OpeningHours.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def write_json(folder: Path, data: Any, name: str = "aanbod.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def nid() -> str:
    return str(uuid.uuid4())


def sid(label: str) -> str:
    """A fixed id, so that the same test data has the same ids every time."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:test:{label}"))


# --- a small Dutch social map, in HSDS ----------------------------------------------------------------

NL_ORGANIZATION = "5b0f7a3e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"
NL_SERVICE = "6c1f8b4f-2e3d-4f60-9bac-1d2e3f4a5b6c"
NL_LOCATION = "7d2f9c50-3f4e-4071-acbd-2e3f4a5b6c7d"
NL_LINK = "8e3fad61-4051-4182-bdce-3f4a5b6c7d8e"
NL_SCHEDULE = "9f4fbe72-5162-4293-8edf-4a5b6c7d8e9f"


def dutch_service() -> dict[str, Any]:
    """One offer of a volunteers' organisation at a community centre in Waalwijk, open Monday and
    Wednesday mornings, with a theme of Meedoen's and a term of another taxonomy."""
    return {
        "id": NL_SERVICE,
        "name": "Formulierenhulp",
        "description": "Vrijwilligers helpen je met brieven en formulieren.",
        "status": "active",
        "url": "https://samensterk.example/formulieren",
        "eligibility_description": "Voor iedereen in Waalwijk.",
        "assured_date": "2026-10-01",
        "phones": [
            {"id": sid("0"), "number": "0416-123456", "type": "voice"},
            {"id": sid("1"), "number": "06-11223344", "type": "text", "description": "WhatsApp"},
        ],
        "languages": [{"id": sid("2"), "name": "Nederlands", "code": "nl"}, {"id": sid("3"), "code": "ar"}],
        "organization": {
            "id": NL_ORGANIZATION,
            "name": "Stichting Samen Sterk",
            "description": "Vrijwilligers helpen bij papierwerk.",
            "website": "https://samensterk.example",
        },
        "attributes": [
            {
                "id": sid("4"),
                "link_type": "theme",
                "link_entity": "service",
                "taxonomy_term": {
                    "id": sid("5"),
                    "code": "hulp-bij-formulieren",
                    "name": "Hulp bij formulieren",
                    "description": "Hulp bij brieven, formulieren en aanvragen.",
                    "taxonomy": "meedoen-thema",
                },
            },
            {
                "id": "a05fcf83-6273-43a4-9fe0-5b6c7d8e9fa0",
                "link_type": "category",
                "link_entity": "service",
                "taxonomy_term": {
                    "id": "b16fd094-7384-44b5-8af1-6c7d8e9fa0b1",
                    "code": "benefits-help",
                    "name": "Benefits help",
                    "description": "Help with benefits.",
                    "taxonomy": "Open Eligibility",
                },
            },
        ],
        "service_at_locations": [
            {
                "id": NL_LINK,
                "description": "Elke maandag en woensdag.",
                "location": {
                    "id": NL_LOCATION,
                    "location_type": "physical",
                    "name": "Buurthuis De Els",
                    "latitude": 51.6901234,
                    "longitude": 5.0712345,
                    "addresses": [
                        {
                            "id": sid("6"),
                            "address_1": "Elzenweg 2",
                            "city": "Waalwijk",
                            "state_province": "Noord-Brabant",
                            "postal_code": "5144 AB",
                            "country": "NL",
                            "address_type": "physical",
                        }
                    ],
                    "schedules": [
                        {
                            "id": NL_SCHEDULE,
                            "freq": "WEEKLY",
                            "byday": "MO,WE",
                            "opens_at": "09:00",
                            "closes_at": "12:00",
                            "notes": "Niet in de schoolvakanties.",
                        }
                    ],
                },
            }
        ],
    }


def changed(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the value at a dotted path (list positions as numbers) replaced;
    ``...`` as the value removes the field."""
    result = copy.deepcopy(data)
    *parents, last = [int(step) if step.isdigit() else step for step in path.split(".")]
    node: Any = result
    for step in parents:
        node = node[step]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return result


# --- the official examples ----------------------------------------------------------------------------


def test_the_official_service_example_imports_into_waalwijk(world, examples):
    output, warnings = run(examples / "service_full.json")

    assert "organizations: 1 created, 0 updated, 0 unchanged" in output
    assert "services: 1 created, 0 updated, 0 unchanged" in output
    assert "locations: 1 created, 0 updated, 0 unchanged" in output
    assert "service_at_locations: 1 created, 0 updated, 0 unchanged" in output
    assert "service_full.json $.organization.locations[0].latitude: 100 lies outside -90 to 90" in warnings

    offer = Offer.objects.get(uuid=SERVICE_ID)
    assert (offer.name, offer.status, offer.minimum_age, offer.maximum_age) == (
        "Community Counselling",
        "active",
        12,
        100,
    )
    assert str(offer.last_checked) == "2005-01-01"
    assert offer.languages == ["ur"]
    assert offer.phone == '"+44 1234 234567"'
    assert not offer.is_free
    assert offer.costs.startswith("Non-NHS patients")
    assert offer.conditions.startswith("This service is intended for all people aged 12")
    assert list(offer.municipalities.all()) == [world.waalwijk]
    assert offer.hsds_extra["funding"][0]["id"] == "1f2df32c-bf08-4b8e-bd6f-e834014b19bc"
    assert offer.hsds_extra["attributes"][0]["taxonomy_term"]["code"] == "code", "a term of another taxonomy is kept"
    assert "last_modified" not in offer.hsds_extra
    assert "Community Counselling" in offer.search_document

    organisation = offer.organisation
    assert (organisation.name, organisation.kind) == ("Example Organization Inc.", Organisation.Kind.VOLUNTEERS)
    assert list(organisation.municipalities.all()) == [world.waalwijk]
    profile = organisation.socialmap_profile
    assert (str(profile.uuid), profile.website, profile.email) == (
        ORGANIZATION_ID,
        "http://example.com",
        "email@example.com",
    )
    assert profile.hsds_extra["organization_identifiers"][0]["identifier"] == "1234567"

    place = Location.objects.get(uuid=LOCATION_ID)
    assert (place.street_address, place.postal_code, place.city, place.country) == (
        "1-30 Main Street",
        "ABC 1234",
        "MyCity",
        "US",
    )
    assert (place.latitude, place.longitude, place.municipality, place.organisation) == (
        None,
        101,
        world.waalwijk,
        organisation,
    )
    assert place.hsds_extra["latitude"] == 100, "kept as it came, though it lies off the earth"
    assert place.accessibility.startswith("The building is equipped with induction loops")
    assert not place.opening_hours.exists(), "a schedule for weeks 41 and 42 only is no weekly opening hours"
    assert place.hsds_extra["schedules"][0]["byweekno"] == "41,42"
    link = OfferLocation.objects.get(uuid=LINK_ID)
    assert (link.offer, link.location) == (offer, place)

    record = AuditEvent.objects.get(action="socialmap.hsds_import")
    assert (record.municipality_id, record.actor_label) == (world.waalwijk.pk, "system:hsds_import")
    assert record.details["created"]["services"] == [SERVICE_ID]
    assert record.details["counts"]["locations"] == {"created": 1, "updated": 0, "unchanged": 0}


def test_importing_the_same_examples_again_changes_nothing(world, examples):
    for name in ("service_full.json", "organization_full.json", "service_at_location_full.json"):
        run(examples / name)
    before = counts()
    extra = Offer.objects.get(uuid=SERVICE_ID).hsds_extra
    output, _warnings = run(examples / "service_full.json")
    for kind in ("organizations", "services", "locations", "service_at_locations"):
        assert f"{kind}: 0 created, 0 updated, 1 unchanged" in output
    assert counts() == {**before, "audit": before["audit"] + 1}
    assert Offer.objects.get(uuid=SERVICE_ID).hsds_extra == extra


def test_the_organization_and_location_examples_update_what_is_there(world, examples):
    run(examples / "organization_full.json")
    output, _warnings = run(examples / "location.json")
    assert "locations: 0 created, 1 updated, 0 unchanged" in output
    place = Location.objects.get(uuid=LOCATION_ID)
    assert place.hsds_extra["external_identifier_type"] == "what3words"
    assert place.organisation.socialmap_profile.uuid == uuid.UUID(ORGANIZATION_ID), "kept by whom kept it so far"
    assert Location.objects.count() == 1


def test_a_page_and_a_directory_of_json_files_import_like_single_objects(world, examples, tmp_path):
    folder = tmp_path / "kaart"
    folder.mkdir()
    for name in ("organization_list.json", "service_list.json", "taxonomy_term.json", "base.json"):
        shutil.copy(examples / name, folder / name)
    output, warnings = run(folder)
    assert "organizations: 1 created" in output
    assert "services: 1 created" in output
    assert Offer.objects.get(uuid=SERVICE_ID).hsds_extra["program"]["name"] == "Community Mental Health Support"
    assert "warning: base.json: the API's root document (version, profile); not data" in warnings
    assert "warning: taxonomy_term.json $: used by no attribute in this import" in warnings


def test_a_new_place_needs_its_address_which_a_list_page_leaves_out(world, examples):
    assert problems_of(examples / "service_at_location_list.json") == [
        "service_at_location_list.json $.contents[0].location.addresses: missing; Meedoen lists places people can "
        "visit, each with its address"
    ]
    run(examples / "service_full.json")
    output, _warnings = run(examples / "service_at_location_list.json")
    assert "locations: 0 created, 1 updated, 0 unchanged" in output
    assert Location.objects.get(uuid=LOCATION_ID).street_address == "1-30 Main Street", "a summary keeps the address"


def test_the_official_csv_package_imports_and_again_without_duplicates(world, examples):
    output, warnings = run(examples / "csv")
    for kind in ("organizations", "services", "locations", "service_at_locations"):
        assert f"{kind}: 1 created, 0 updated, 0 unchanged" in output
    # The example package refers to objects it does not hold; those links are named, not followed.
    assert warnings.splitlines() == [
        "warning: datapackage.json: not a readable data package; the tables are known by their HSDS file names",
        "warning: metadata.csv row 2, column resource_id: 38960354-e7d2-4cfa-a368-820f729d6ccf matches no "
        "object in this import; the link is not kept",
        "warning: metadata.csv row 2: belongs to no object in this import; not imported",
        "warning: attributes.csv row 2, column link_id: f28dd44b-0c4d-479f-8e90-4c52219a8b3c matches no object "
        "in this import; the link is not kept",
        "warning: attributes.csv row 2: belongs to no object in this import; not imported",
        "warning: contacts.csv row 2, column organization_id: ae67a707-5893-4225-b0b1-320ab9cb596b matches no "
        "object in this import; the link is not kept",
        "warning: contacts.csv row 2, column service_at_location_id: 93eaf18d-1cd2-4ec7-bffb-3c9172ee5070 "
        "matches no object in this import; the link is not kept",
        "warning: meta_table_descriptions.csv row 2: belongs to no object in this import; not imported",
        "warning: locations.csv row 2, column latitude: 100 lies outside -90 to 90; the place is kept without it",
        "warning: locations.csv row 2, column organization_id: organization '985e4a42-bd9f-4edc-911d-0243a4640aca' "
        "is neither in this import nor in Meedoen; the place is kept by the organisation of a service given there, "
        "or by the one keeping it now",
        "warning: taxonomy_terms.csv row 2: used by no attribute in this import; Meedoen keeps other taxonomies "
        "only where they are used",
        "warning: taxonomies.csv row 2: used by no attribute in this import; Meedoen keeps other taxonomies only "
        "where they are used",
    ]
    offer = Offer.objects.get(uuid=SERVICE_ID)
    assert (offer.minimum_age, offer.maximum_age, offer.languages) == (12, 100, ["ur"])
    assert offer.phone == '"+44 1234 234567"'
    assert offer.hsds_extra["phones"][0]["languages"][0]["code"] == "ur", "languages.csv nested in phones.csv"
    assert offer.hsds_extra["contacts"][0]["phones"][0]["id"] == "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
    assert "service_id" not in offer.hsds_extra["contacts"][0], "the link column is the nesting itself"
    assert offer.hsds_extra["cost_options"][0]["amount"] == 35
    assert offer.organisation.socialmap_profile.hsds_extra["tax_id"] == "tax_id"
    place = Location.objects.get(uuid=LOCATION_ID)
    assert place.organisation == offer.organisation
    assert place.hsds_extra["addresses"][0]["address_type"] == "postal"
    assert OfferLocation.objects.get(uuid=LINK_ID).hsds_extra["schedules"][0]["byday"] == "TH,FR"

    before = counts()
    output, _warnings = run(examples / "csv")
    for kind in ("organizations", "services", "locations", "service_at_locations"):
        assert f"{kind}: 0 created, 0 updated, 1 unchanged" in output
    assert counts() == {**before, "audit": before["audit"] + 1}


# --- mapping a Dutch social map --------------------------------------------------------------------------


def test_a_dutch_service_gets_themes_opening_hours_and_ways_to_reach_it(world, tmp_path):
    run(write_json(tmp_path, dutch_service()))
    offer = Offer.objects.get(uuid=NL_SERVICE)
    assert [term.code for term in offer.themes.all()] == ["hulp-bij-formulieren"]
    assert [a["taxonomy_term"]["code"] for a in offer.hsds_extra["attributes"]] == ["benefits-help"]
    assert (offer.phone, offer.whatsapp, offer.languages) == ("0416-123456", "06-11223344", ["nl", "ar"])
    assert offer.is_free, "nothing in the data speaks of a cost"
    assert (offer.conditions, str(offer.last_checked)) == ("Voor iedereen in Waalwijk.", "2026-10-01")
    place = Location.objects.get(uuid=NL_LOCATION)
    assert (place.postal_code, place.country, str(place.latitude)) == ("5144 AB", "NL", "51.690123")
    hours = [(str(h), h.notes) for h in place.opening_hours.all()]
    assert hours == [
        ("Monday 09:00-12:00", "Niet in de schoolvakanties."),
        ("Wednesday 09:00-12:00", "Niet in de schoolvakanties."),
    ]
    assert OfferLocation.objects.get(uuid=NL_LINK).hsds_extra == {"description": "Elke maandag en woensdag."}

    output, _warnings = run(write_json(tmp_path, dutch_service()))
    assert "services: 0 created, 0 updated, 1 unchanged" in output
    assert "locations: 0 created, 0 updated, 1 unchanged" in output
    assert place.opening_hours.count() == 2


def test_a_cbs_code_places_a_location_in_its_district(world, tmp_path):
    district = Area.objects.filter(parent__code="GM0867").order_by("code").first()
    data = changed(dutch_service(), "service_at_locations.0.location.external_identifier", district.code)
    data = changed(data, "service_at_locations.0.location.external_identifier_type", "CBS")
    run(write_json(tmp_path, data))
    assert Location.objects.get(uuid=NL_LOCATION).area == district


def test_new_organisations_get_the_kind_asked_for_and_existing_ones_keep_theirs(world, tmp_path):
    run(write_json(tmp_path, dutch_service()), kind=Organisation.Kind.WELFARE)
    organisation = Organisation.objects.get(socialmap_profile__uuid=NL_ORGANIZATION)
    assert organisation.kind == Organisation.Kind.WELFARE
    run(write_json(tmp_path, changed(dutch_service(), "organization.name", "Samen Sterk")), kind="kerk")
    organisation.refresh_from_db()
    assert (organisation.name, organisation.kind) == ("Samen Sterk", Organisation.Kind.WELFARE)
    with pytest.raises(CommandError, match="invalid choice"):
        run(write_json(tmp_path, dutch_service()), kind="bank")


def test_an_organisation_of_the_same_name_is_named_in_a_warning(world, tmp_path):
    data = changed(dutch_service(), "organization.name", "Voedselbank Waalwijk")
    _output, warnings = run(write_json(tmp_path, data))
    assert "aanbod.json $.organization: 'Voedselbank Waalwijk' is a new organisation in Meedoen" in warnings


def test_a_dry_run_counts_and_changes_nothing(world, examples):
    before = counts()
    output, _warnings = run(examples / "service_full.json", dry_run=True)
    assert "(dry run, nothing changed)" in output
    assert "services: 1 created, 0 updated, 0 unchanged" in output
    assert counts() == before


def test_the_command_names_an_unknown_municipality(world, examples):
    with pytest.raises(CommandError, match="no municipality with CBS code 'GM9999'"):
        run(examples / "service_full.json", municipality="GM9999")


# --- who may import -------------------------------------------------------------------------------------


def actor_of(user) -> Actor:
    rows = Membership.objects.filter(user=user).values_list("municipality_id", "organisation_id", "role")
    return Actor(user_id=user.pk, label=user.username, grants=grants_from(rows), second_factor=True)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("ww_application_manager", True),
        ("ww_policy", False),
        ("ww_offer_maintainer", False),
        ("ww_caseworker", False),
        ("ww_auditor", False),
        ("ms_application_manager", False),
        ("no_role", False),
    ],
)
def test_only_the_application_manager_of_the_municipality_imports(personas, world, tmp_path, persona, allowed):
    path = write_json(tmp_path, dutch_service())
    actor = actor_of(personas[persona])
    before = counts()
    if allowed:
        result = hsds_import(actor=actor, municipality=world.waalwijk, path=path)
        assert result.services.created == 1
        record = AuditEvent.objects.get(action="socialmap.hsds_import")
        assert record.actor_id == personas[persona].pk
        return
    with pytest.raises(PermissionDenied):
        hsds_import(actor=actor, municipality=world.waalwijk, path=path)
    assert counts() == before


def test_without_a_second_factor_nobody_imports(personas, world, tmp_path):
    actor = Actor(
        user_id=personas["ww_application_manager"].pk,
        label="ww-beheer",
        grants=grants_from([(world.waalwijk.pk, world.ww_team.pk, Role.APPLICATION_MANAGER)]),
        second_factor=False,
    )
    with pytest.raises(PermissionDenied):
        hsds_import(actor=actor, municipality=world.waalwijk, path=write_json(tmp_path, dutch_service()))
    assert not Offer.objects.exists()


# --- broken data: every problem named, nothing imported -----------------------------------------------

LOCATION = "service_at_locations.0.location"
AT = "aanbod.json $.service_at_locations[0].location"
BAD_JSON_OBJECTS = [
    ("status", "open", "aanbod.json $.status: 'open' is not one of active, inactive, defunct, temporarily closed"),
    ("id", "123", "aanbod.json $.id: not a valid uuid: '123'"),
    ("name", ..., "aanbod.json $.name: missing; HSDS requires it"),
    ("favourite_colour", "blauw", "aanbod.json $.favourite_colour: not a field of HSDS 3.0 (service)"),
    ("minimum_age", "twaalf", "aanbod.json $.minimum_age: expected a number, got 'twaalf'"),
    ("minimum_age", 12.5, "aanbod.json $.minimum_age: expected a whole number, got 12.5"),
    ("minimum_age", -1, "aanbod.json $.minimum_age: Ensure this value is greater than or equal to 0."),
    ("maximum_age", 1000, "aanbod.json $.maximum_age: Ensure this value is less than or equal to 130."),
    ("assured_date", "2026-02-30", "aanbod.json $.assured_date: not a date in the form YYYY-MM-DD: '2026-02-30'"),
    ("url", "=HYPERLINK(x)", "aanbod.json $.url: not a valid uri: '=HYPERLINK(x)'"),
    ("name", "x" * 201, "aanbod.json $.name: Ensure this value has at most 200 characters (it has 201)."),
    ("description", "", "aanbod.json $.description: This field cannot be blank."),
    ("phones.0.number", "0" * 31, "aanbod.json $.phones[0].number: Ensure this value has at most 30 characters"),
    ("languages.1.code", "Arabisch", "aanbod.json $.languages: Give languages by their ISO 639 code"),
    ("organization", ..., "aanbod.json $.organization_id: missing; Meedoen needs to know which organisation"),
    ("organization.website", "geen site", "aanbod.json $.organization.website: not a valid uri: 'geen site'"),
    (
        "attributes.0.taxonomy_term.code",
        "snoepjes",
        "aanbod.json $.attributes[0].taxonomy_term.code: 'snoepjes' is not a term of meedoen-thema",
    ),
    (
        "attributes.1.taxonomy_term",
        ...,
        "aanbod.json $.attributes[1]: names no taxonomy term (taxonomy_term or taxonomy_term_id)",
    ),
    (
        f"{LOCATION}.addresses.0.postal_code",
        "ABC 1234",
        f"{AT}.addresses[0].postal_code: A Dutch postal code, such as 5141 AB.",
    ),
    (
        f"{LOCATION}.addresses.0.country",
        "Nederland",
        f"{AT}.addresses[0].country: A country code of two capital letters",
    ),
    (
        f"{LOCATION}.addresses",
        [],
        f"{AT}.addresses: missing; Meedoen lists places people can visit",
    ),
    (
        f"{LOCATION}.schedules.0.byday",
        "MO,XX",
        f"{AT}.schedules[0].byday: 'XX': not a day of the week",
    ),
    (
        f"{LOCATION}.schedules.0.opens_at",
        "9 uur",
        f"{AT}.schedules[0].opens_at: not a time in the form HH:MM",
    ),
    (
        f"{LOCATION}.external_identifier_type",
        "CBS",
        f"{AT}.external_identifier: missing; external_identifier_type CBS",
    ),
    (
        "service_at_locations.0.location_id",
        "0b0b0b0b-0000-4000-8000-000000000000",
        "aanbod.json $.service_at_locations[0].location_id: '0b0b0b0b-0000-4000-8000-000000000000' differs from "
        "the object nested with it",
    ),
]


@pytest.mark.parametrize(("path", "value", "expected"), BAD_JSON_OBJECTS, ids=[case[0] for case in BAD_JSON_OBJECTS])
def test_a_broken_object_is_named_by_its_json_path_and_nothing_is_imported(world, tmp_path, path, value, expected):
    before = counts()
    problems = problems_of(write_json(tmp_path, changed(dutch_service(), path, value)))
    assert any(problem.startswith(expected) for problem in problems), problems
    assert counts() == before


def test_every_problem_is_reported_at_once(world, tmp_path):
    data = changed(dutch_service(), "status", "open")
    data = changed(data, "organization.name", "y" * 201)
    data = changed(data, f"{LOCATION}.addresses.0.postal_code", "5144")
    second = {"id": nid(), "status": "active", "description": "Zonder naam.", "organization_id": NL_ORGANIZATION}
    problems = problems_of(write_json(tmp_path, [data, second]))
    assert [problem.split(":")[0] for problem in problems] == [
        "aanbod.json $[0].status",
        "aanbod.json $[1].name",
        "aanbod.json $[0].organization.name",
        "aanbod.json $[0].service_at_locations[0].location.addresses[0].postal_code",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"id": "caf\xe9"}', "aanbod.json: not UTF-8 text (line 1, byte 11); save the file as UTF-8"),
        (b'{"id": "x",}', "aanbod.json: not valid JSON at line 1, column 12"),
        (b'{"minimum_age": NaN}', "aanbod.json: NaN is not a number JSON allows"),
        (b'{"minimum_age": 1e400}', "aanbod.json: the number '1e400' is out of range"),
        (
            b'{"minimum_age": ' + b"7" * 4_301 + b"}",
            "aanbod.json: a whole number of 4,301 digits; at most 100 are read",
        ),
        (b'"een tekst"', "aanbod.json: expected an HSDS object, a list of objects or a page with contents"),
        (b"[1]", "aanbod.json $[0]: expected an object, got 1"),
        (b'{"colour": "blue"}', "aanbod.json $: not an HSDS organization, service, location"),
        (b"[]", "aanbod.json: holds no HSDS objects"),
        (b"[" * 100_000, "aanbod.json: nested too deeply to read"),
    ],
)
def test_a_broken_json_file_is_named_and_nothing_is_imported(world, tmp_path, content, expected):
    path = tmp_path / "aanbod.json"
    path.write_bytes(content)
    before = counts()
    problems = problems_of(path)
    assert any(problem.startswith(expected) for problem in problems), problems
    assert counts() == before


def test_the_same_id_twice_is_refused_and_nested_copies_must_agree(world, tmp_path, examples):
    problems = problems_of(write_json(tmp_path, [dutch_service(), dutch_service()]))
    assert f"aanbod.json $[1]: service {NL_SERVICE} appears twice in this import (also at aanbod.json $[0])" in problems
    folder = tmp_path / "twee"
    folder.mkdir()
    shutil.copy(examples / "service_full.json", folder / "a.json")
    shutil.copy(examples / "location.json", folder / "b.json")
    problems = problems_of(folder)
    assert any(
        problem.startswith(
            f"b.json $.external_identifier: location {LOCATION_ID} is also at a.json "
            "$.organization.locations[0], with a different external_identifier"
        )
        for problem in problems
    ), problems


def test_references_must_resolve(world, tmp_path):
    unknown = "c0c0c0c0-0000-4000-8000-000000000000"
    service = changed(dutch_service(), "organization", ...)
    service["organization_id"] = unknown
    link = {"id": nid(), "service_id": unknown, "location_id": NL_LOCATION}
    term = {"id": nid(), "taxonomy_term_id": unknown, "link_type": "theme", "link_entity": "service"}
    service["attributes"].append(term)
    problems = problems_of(write_json(tmp_path, [service, link]))
    assert (
        f"aanbod.json $[0].organization_id: organization '{unknown}' is neither in this import nor in Meedoen"
        in problems
    )
    assert (
        f"aanbod.json $[0].attributes[2].taxonomy_term_id: taxonomy term '{unknown}' is neither in this import nor in "
        "Meedoen" in problems
    )
    assert f"aanbod.json $[1].service_id: service '{unknown}' is neither in this import nor in Meedoen" in problems


def test_a_location_of_another_municipality_is_not_changed_from_here(world, tmp_path):
    theirs = make_location(world.ms_team, world.meerssen, name="Gemeentehuis Meerssen")
    data = changed(dutch_service(), f"{LOCATION}.id", str(theirs.uuid))
    problems = problems_of(write_json(tmp_path, data))
    assert (
        "aanbod.json $.service_at_locations[0].location: this location belongs to Meerssen; an import into Waalwijk "
        "cannot change it" in problems
    )
    theirs.refresh_from_db()
    assert theirs.name == "Gemeentehuis Meerssen"


def test_a_second_link_between_the_same_offer_and_place_is_refused(world, tmp_path):
    run(write_json(tmp_path, dutch_service()))
    data = changed(dutch_service(), "service_at_locations.0.id", nid())
    problems = problems_of(write_json(tmp_path, data))
    assert (
        f"aanbod.json $.service_at_locations[0]: Meedoen already links this service and location, as {NL_LINK}"
        in problems
    )


def test_a_file_over_the_limit_is_refused_before_it_is_read(world, examples, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1000)
    opened = []
    original = Path.open

    def watching(self, *args, **kwargs):
        opened.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watching)
    size = (examples / "service_full.json").stat().st_size
    problems = problems_of(examples / "service_full.json")
    assert problems == [
        f"service_full.json: {size:,} bytes is larger than the 1,000 bytes an import may read; split the data"
    ]
    assert "service_full.json" not in opened
    assert problems_of(examples / "csv") == [
        "services.csv: 1,630 bytes is larger than the 1,000 bytes an import may read; split the data"
    ]
    assert not Offer.objects.exists()


def test_a_failure_while_writing_leaves_nothing_behind(world, tmp_path, monkeypatch):
    def broken(offers):
        raise RuntimeError("the search index is unavailable")

    monkeypatch.setattr("meedoen.socialmap.hsds.importer.index_offers", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        run(write_json(tmp_path, dutch_service()))
    assert counts() == before


def test_formula_and_html_in_text_are_stored_as_text_and_shown_escaped(world, tmp_path, client):
    formula = '=HYPERLINK("http://evil.example","Klik")'
    script = "<script>alert('x')</script> & <b>vet</b>"
    data = changed(changed(dutch_service(), "name", formula), "description", script)
    data = changed(data, f"{LOCATION}.name", "<img src=x onerror=alert(1)>")
    run(write_json(tmp_path, data))
    offer = Offer.objects.get(uuid=NL_SERVICE)
    assert (offer.name, offer.description) == (formula, script)
    html = client.get(f"/gemeente/waalwijk/hulp/{offer.uuid}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;vet&lt;/b&gt;" in html
    assert "<img src=x" not in html
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;Klik&quot;)" in html


# --- broken CSV packages ----------------------------------------------------------------------------------


@pytest.fixture
def package(examples, tmp_path) -> Path:
    """A writable copy of the official CSV package."""
    folder = tmp_path / "csv"
    shutil.copytree(examples / "csv", folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_semicolons_are_named_as_the_wrong_separator(world, package):
    services = package / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines()
    services.write_text(lines[0].replace(",", ";") + "\n", encoding="utf-8")
    assert problems_of(package) == ["services.csv: the columns are separated by ';'; HSDS CSV files use commas"]


def test_a_table_that_is_not_utf8_is_named_with_its_line(world, package):
    path = package / "organizations.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Example Org is", "Caf\u00e9 is").encode("latin-1"))
    assert problems_of(package) == ["organizations.csv: not UTF-8 text (line 2, byte 208); save the file as UTF-8"]


def test_missing_and_unknown_columns_and_files_are_named(world, package):
    edit(package / "services.csv", ",status,", ",colour,")
    (package / "extra.csv").write_text("id\n1\n", encoding="utf-8")
    problems = problems_of(package)
    assert "extra.csv: not a table of the HSDS 3.0 CSV package (those are accessibility.csv" in problems[0]
    assert problems[1].startswith("services.csv, column colour: not a column of services.csv in HSDS 3.0")
    assert problems[2] == "services.csv, column status: missing; HSDS requires this column"


@pytest.mark.parametrize(
    ("table", "old", "new", "expected"),
    [
        ("services.csv", ",active,", ",open,", "services.csv row 2, column status: 'open' is not one of active"),
        ("services.csv", ",12,100,", ",twaalf,100,", "services.csv row 2, column minimum_age: not a number: 'twaalf'"),
        ("services.csv", ",12,100,", ",100,12,", "services.csv row 2, column minimum_age: is more than maximum_age"),
        (
            "services.csv",
            "ac148810-d857-441c-9679-408f346de14b,",
            "ac148810,",
            "services.csv row 2, column id: not a valid uuid",
        ),
        (
            "services.csv",
            ",d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610,",
            ",d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c611,",
            "services.csv row 2, column organization_id: organization 'd9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c611' is",
        ),
        (
            "phones.csv",
            '"""+44 1234 234567"""',
            "0" * 31,
            "phones.csv row 2, column number: Ensure this value has at most 30",
        ),
        (
            "addresses.csv",
            ",US,",
            ",NL,",
            "addresses.csv row 2, column postal_code: A Dutch postal code, such as 5141 AB.",
        ),
        (
            "schedules.csv",
            ",10:00:00,",
            ",10 uur,",
            "schedules.csv row 2, column opens_at: not a time in the form HH:MM",
        ),
        (
            "funding.csv",
            "1f2df32c-bf08-4b8e-bd6f-e834014b19bc,d9",
            "1f2df32c,d9",
            "funding.csv row 2, column id: not a valid uuid",
        ),
        (
            "service_at_location.csv",
            ",Counselling",
            ",x,Counselling",
            "service_at_location.csv row 2: 5 values for 4 columns",
        ),
    ],
)
def test_a_broken_row_is_named_by_file_row_and_column(world, package, table, old, new, expected):
    edit(package / table, old, new)
    before = counts()
    problems = problems_of(package)
    assert any(problem.startswith(expected) for problem in problems), problems
    assert counts() == before


def test_duplicate_rows_are_named_with_both_rows(world, package):
    services = package / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines()
    services.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    problems = problems_of(package)
    assert problems == [
        f"services.csv row 3, column id: {SERVICE_ID} appears twice in this table (also at services.csv row 2)"
    ]


def test_a_single_csv_file_is_not_a_package(world, examples):
    assert problems_of(examples / "csv" / "services.csv") == [
        "services.csv: a single CSV file is not an HSDS package; give the directory with datapackage.json and the "
        "tables"
    ]


# --- the round trip: import, export, compare -------------------------------------------------------------

# What does not come back from the export, at any depth, and why. Everything else comes back as it went
# in, field by field, and every exported object follows the official schemas.
NOT_COMPARED = {
    "contacts": "never published: contacts name people (export.NEVER_PUBLISHED)",
    "metadata": "never published: who changed what names people (export.NEVER_PUBLISHED)",
    "last_modified": "Meedoen's own time of change of the offer, not the source's",
    "attention": "never published: the person an address is for the attention of (export.PERSONAL_FIELDS)",
    "fees": "deprecated in HSDS 3.0; fees_description says it, and a kept copy would go stale",
}
LEFT_OUT = frozenset({"contacts", "metadata", "attention", "fees"})
# An entity nested in another comes back under the same id, and in full in the export's own file of it.
NESTED = {
    "organization": "organizations",
    "services": "services",
    "service": "services",
    "locations": "locations",
    "location": "locations",
    "service_at_locations": "service_at_locations",
}
# The links nesting implies; the export writes them out.
LINKS = frozenset({"organization_id", "service_id", "location_id"})
EXAMPLE_FILES = {
    "service_full.json": "services",
    "organization_full.json": "organizations",
    "location.json": "locations",
    "service_at_location_full.json": "service_at_locations",
}
# Tables and columns of the example CSV package that do not come back, and why.
CSV_NOT_COMPARED = {
    "contacts.csv": NOT_COMPARED["contacts"],
    "metadata.csv": NOT_COMPARED["metadata"],
    "meta_table_descriptions.csv": "describes the tables of the package, not the social map",
    "attributes.csv": "its link_id matches no object in the package, so it is not imported (a warning says so)",
    "taxonomies.csv": "used by no attribute in the package, so not kept (a warning says so)",
    "taxonomy_terms.csv": "used by no attribute in the package, so not kept (a warning says so)",
    "services.csv last_modified": NOT_COMPARED["last_modified"],
    "services.csv fees": NOT_COMPARED["fees"],
    "addresses.csv attention": NOT_COMPARED["attention"],
    "locations.csv latitude": "100 lies off the earth: neither stored nor published (a warning says so)",
    "locations.csv organization_id": "names an organization the package does not hold; the place is kept by the "
    "organisation of the service given there (a warning says so)",
}


@pytest.fixture(scope="module")
def schemas() -> Hsds:
    if not (STANDARD / "schema" / "compiled" / "service.json").is_file():
        pytest.skip(f"the HSDS 3.0 standard is not beside the repository ({STANDARD}); see README")
    return Hsds(STANDARD)


def exported_map(schemas: Hsds) -> dict[str, list[dict[str, Any]]]:
    """Waalwijk's export, every object checked against the official schemas, strictly too."""
    exported = export_municipality(Municipality.objects.get(code="GM0867"))
    for kind, objects in exported.items():
        for item in objects:
            schemas.assert_valid(item, EXPORT_SCHEMAS[kind], f"{kind} {item['id']}")
    return json.loads(json.dumps(exported))


def meedoens_own(exported: dict[str, list[dict[str, Any]]]) -> set[str]:
    """The ids of what the export adds of its own to an imported list: a service area per municipality."""
    return {
        derived_id(uuid.UUID(service["id"]), f"service_area/{municipality.code}")
        for service in exported["services"]
        for municipality in Municipality.objects.all()
    }


def assert_comes_back(example: dict[str, Any], kind: str, exported: dict[str, Any], where: str) -> None:
    """The example object is in the export's file of ``kind``, with every field it had."""
    found = [item for item in exported[kind] if item["id"] == example["id"]]
    assert len(found) == 1, f"{where}: {example['id']} is not in {kind}.json once"
    assert_same(example, found[0], where, exported)


def assert_same(example: Any, value: Any, where: str, exported: dict[str, Any]) -> None:
    if isinstance(example, dict):
        assert isinstance(value, dict), where
        for name, field in example.items():
            at = f"{where}.{name}"
            if name in NOT_COMPARED:
                assert name not in LEFT_OUT or name not in value, f"{at}: published"
                continue
            if name == "latitude" and not -90 <= field <= 90:
                assert name not in value, f"{at}: a place off the earth is published"
                continue
            assert name in value, f"{at}: missing"
            if name in NESTED:
                nested = field if isinstance(field, list) else [field]
                given = value[name] if isinstance(value[name], list) else [value[name]]
                assert [item["id"] for item in given] == [item["id"] for item in nested], at
                for position, item in enumerate(nested):
                    assert_comes_back(item, NESTED[name], exported, f"{at}[{position}]" if field is nested else at)
                continue
            assert_same(field, value[name], at, exported)
        added = set(value) - set(example) - LINKS - set(NESTED)
        assert not added, f"{where}: the export adds {sorted(added)}"
    elif isinstance(example, list):
        assert isinstance(value, list), where
        own = meedoens_own(exported)
        given = [item for item in value if not (isinstance(item, dict) and item.get("id") in own)]
        assert len(given) == len(example), f"{where}: {given} is not {example}"
        for position, (item, given_item) in enumerate(zip(example, given, strict=True)):
            assert_same(item, given_item, f"{where}[{position}]", exported)
    else:
        assert value == example, f"{where}: {value!r} is not {example!r}"


@pytest.mark.parametrize("name", list(EXAMPLE_FILES))
def test_every_official_example_comes_back_from_the_export(world, examples, schemas, name):
    if name == "location.json":
        run(examples / "organization_full.json")  # the place alone does not say who keeps it
    run(examples / name)
    example = json.loads((examples / name).read_text(encoding="utf-8"))
    assert_comes_back(example, EXAMPLE_FILES[name], exported_map(schemas), name)


def objects_with_id(data: Any, wanted: str) -> list[dict[str, Any]]:
    """Every object anywhere in ``data`` with this id: the same object nested in several places."""
    if isinstance(data, dict):
        found = [data] if data.get("id") == wanted else []
        return found + [hit for value in data.values() for hit in objects_with_id(value, wanted)]
    if isinstance(data, list):
        return [hit for value in data for hit in objects_with_id(value, wanted)]
    return []


def same_cell(cell: str, value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(cell) == value
    return value == cell


def test_the_official_csv_package_comes_back_from_the_export_cell_by_cell(world, examples, schemas):
    run(examples / "csv")
    exported = exported_map(schemas)
    tables: dict[str, list[dict[str, str]]] = {}
    for path in sorted((examples / "csv").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if path.name in CSV_NOT_COMPARED:
            for row in rows:
                assert not objects_with_id(exported, row["id"]), f"{path.name}: {row['id']} is published"
        else:
            tables[path.name] = rows
    assert set(tables) >= {"organizations.csv", "services.csv", "locations.csv", "service_at_location.csv"}
    compared = {row["id"] for rows in tables.values() for row in rows}
    for name, rows in tables.items():
        table = reader.tables()[name]
        links = reader.DETAIL_LINKS.get(table, {})
        for number, row in enumerate(rows, start=2):
            where = f"{name} row {number}"
            copies = objects_with_id(exported, row["id"])
            assert copies, f"{where}: not exported"
            for column, cell in row.items():
                if f"{name} {column}" in CSV_NOT_COMPARED and column in LEFT_OUT:
                    assert not any(column in copy_ for copy_ in copies), f"{where}, column {column}: published"
                if not cell or column in links or f"{name} {column}" in CSV_NOT_COMPARED:
                    continue
                for copy_ in copies:
                    assert same_cell(cell, copy_.get(column)), f"{where}, column {column}: {copy_.get(column)!r}"
            for column, parent in links.items():
                if row.get(column) not in compared:
                    continue  # a contact (never published) or an object the package does not hold
                key = reader.DETAIL_KEYS[table]
                holders = [other for other in objects_with_id(exported, row[column]) if key in other]
                assert holders, f"{where}, column {column}: no {parent} holds {key}"
                for holder in holders:
                    assert row["id"] in [item["id"] for item in holder[key]], f"{where}, column {column}"


def test_a_list_changed_in_meedoen_since_the_import_is_built_from_what_meedoen_stores(world, tmp_path, schemas):
    data = changed(dutch_service(), "cost_options", [{"id": sid("7"), "option": "Per keer", "amount": 2.5}])
    data = changed(data, "organization.phones", [{"id": sid("8"), "number": "0416-000000", "type": "voice"}])
    run(write_json(tmp_path, data))

    def exported() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        export = exported_map(schemas)
        [service] = export["services"]
        [place] = export["locations"]
        [organization] = export["organizations"]
        return service, place, organization

    service, place, organization = exported()
    assert service["phones"] == data["phones"], "as imported, while it says what Meedoen stores"
    assert organization["phones"] == data["organization"]["phones"]
    assert service["languages"] == data["languages"]
    assert service["cost_options"] == data["cost_options"]
    imported_place = data["service_at_locations"][0]["location"]
    for name in ("addresses", "schedules"):
        assert place[name] == imported_place[name], name

    Offer.objects.filter(uuid=NL_SERVICE).update(phone="0416-999999", languages=["nl"], is_free=True)
    Location.objects.filter(uuid=NL_LOCATION).update(street_address="Elzenweg 4", accessibility="Drempelvrij.")
    OpeningHours.objects.filter(location__uuid=NL_LOCATION, weekday=3).delete()
    OrganisationProfile.objects.filter(uuid=NL_ORGANIZATION).update(phone="0416-777777")
    service, place, organization = exported()
    assert [phone["number"] for phone in organization["phones"]] == ["0416-777777"]
    assert [(phone["number"], phone["type"]) for phone in service["phones"]] == [
        ("0416-999999", "voice"),
        ("06-11223344", "text"),
    ]
    assert [language["code"] for language in service["languages"]] == ["nl"]
    assert [(option["amount"], option["currency"]) for option in service["cost_options"]] == [(0, "EUR")]
    assert [(a["address_1"], a["state_province"]) for a in place["addresses"]] == [("Elzenweg 4", "Waalwijk")]
    assert [entry["description"] for entry in place["accessibility"]] == ["Drempelvrij."]
    assert [(s["byday"], s["opens_at"]) for s in place["schedules"]] == [("MO", "09:00")]


def test_an_imported_social_map_exported_and_imported_again_is_unchanged(world, tmp_path):
    run(write_json(tmp_path, dutch_service()))
    folder = tmp_path / "export"
    folder.mkdir()
    for kind, objects in export_municipality(world.waalwijk).items():
        write_json(folder, objects, f"{kind}.json")
    output, warnings = run(folder)
    assert warnings == ""
    for kind in ("organizations", "services", "locations", "service_at_locations"):
        assert f"{kind}: 0 created, 0 updated, 1 unchanged" in output


def test_an_organisation_keeps_its_hsds_id_when_the_import_gives_it_a_profile(world, tmp_path):
    foodbank_id = organisation_hsds_id(world.ww_foodbank)
    organization = {"id": foodbank_id, "name": "Voedselbank Waalwijk", "description": "Pakketten voor wie krap zit."}
    output, _warnings = run(write_json(tmp_path, organization))
    assert "organizations: 0 created, 1 updated, 0 unchanged" in output
    organisation = Organisation.objects.select_related("socialmap_profile").get(pk=world.ww_foodbank.pk)
    assert str(organisation.socialmap_profile.uuid) == foodbank_id
    assert organisation_hsds_id(organisation) == foodbank_id


def test_meedoens_own_export_imports_back_without_changes(world, tmp_path):
    export = pytest.importorskip("meedoen.socialmap.hsds.export")
    district = Area.objects.filter(parent__code="GM0867").order_by("code").first()
    place = make_location(world.ww_foodbank, world.waalwijk, area=district, name="Uitgiftepunt")
    make_offer(
        world.ww_foodbank,
        world.waalwijk,
        name="Voedselpakket",
        themes=("voedsel",),
        target_groups=("gezinnen-met-kinderen",),
        locations=(place,),
        ways_in=["telefoon"],
        languages=["nl", "ar"],
        minimum_age=18,
        residents_only=True,
        income_limit_percent=120,
        conditions="Je woont in Waalwijk.",
        application_process="Bel ons.",
        is_free=False,
        costs="5 euro per week.",
        phone="0416-111111",
        whatsapp="06-22222222",
    )
    OpeningHours.objects.create(location=place, weekday=2, opens_at="09:00", closes_at="11:30", notes="Met pasje")
    exported = export.export_municipality(world.waalwijk)
    folder = tmp_path / "export"
    folder.mkdir()
    for kind, objects in exported.items():
        write_json(folder, objects, f"{kind}.json")
    offers_before = list(Offer.objects.values())
    places_before = list(Location.objects.values())

    output, warnings = run(folder)
    assert warnings == ""
    assert "organizations: 0 created, 1 updated, 0 unchanged" in output, "it gets a profile with its id"
    for kind in ("services", "locations", "service_at_locations"):
        assert f"{kind}: 0 created, 0 updated, 1 unchanged" in output
    assert list(Offer.objects.values()) == offers_before
    assert list(Location.objects.values()) == places_before
    assert str(world.ww_foodbank.socialmap_profile.uuid) == export.organisation_hsds_id(world.ww_foodbank)

    output, _warnings = run(folder)
    assert "organizations: 0 created, 0 updated, 1 unchanged" in output
    assert export.export_municipality(world.waalwijk) == {
        **exported,
        "services": exported["services"],
    }


def test_text_with_a_character_nobody_types_is_refused_and_located(world, tmp_path):
    """As the workspace's forms refuse it: a zero-width space in a name, a direction override in a
    description (text that reads otherwise than it is stored)."""
    data = changed(dutch_service(), "name", "Voedsel\u200bpakket")
    data = changed(data, "description", "Kom \u202egnal")
    data = changed(data, f"{LOCATION}.name", "\ufeffBuurthuis")
    assert problems_of(write_json(tmp_path, data)) == [
        "aanbod.json $.name: There is an invisible character after “Voedsel”. Type that part again instead of"
        " pasting it.",
        "aanbod.json $.description: There is an invisible character after “Kom”. Type that part again instead of"
        " pasting it.",
        "aanbod.json $.service_at_locations[0].location.name: There is an invisible character at the start. Type the"
        " start again instead of pasting it.",
    ]
    assert not Offer.objects.exists()
