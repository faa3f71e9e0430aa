"""Importing CBS areas: the national file, idempotence, and every way a file can be broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from meedoen.areas.cbs import CbsFileError, column_stem, parse_areas
from meedoen.areas.models import Area
from meedoen.core.models import AuditEvent

SHARED_CBS = Path(__file__).resolve().parents[5] / "shared" / "data" / "cbs" / "kwb-2024-gemeenten-wijken.json"
DEMO_AREAS = Path(__file__).resolve().parents[1] / "data" / "demo-areas.json"


def write(tmp_path: Path, content: str | bytes, name: str = "kwb-2024.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def import_file(path: Path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_cbs_areas", str(path), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_national_cbs_file_imports_and_a_second_run_changes_nothing():
    if not SHARED_CBS.is_file():
        pytest.skip(f"the shared CBS extract is not beside the repository ({SHARED_CBS}); see README")
    first = import_file(SHARED_CBS)
    assert "3735 areas: 3735 created, 0 updated, 0 unchanged" in first
    assert Area.objects.filter(level=Area.Level.MUNICIPALITY).count() == 342
    assert Area.objects.filter(level=Area.Level.DISTRICT).count() == 3393
    waalwijk = Area.objects.get(code="GM0867")
    assert (waalwijk.population, waalwijk.reference_year) == (50302, 2024)
    assert Area.objects.get(code="WK093802").parent.code == "GM0938"

    second = import_file(SHARED_CBS)
    assert "0 created, 0 updated, 3735 unchanged" in second
    assert Area.objects.count() == 3735


@pytest.mark.django_db
def test_names_already_known_are_kept_when_the_file_has_none(tmp_path):
    import_file(DEMO_AREAS)
    assert Area.objects.get(code="GM0867").name == "Waalwijk"
    import_file(write(tmp_path, json.dumps({"GM0867": {"AantalInwoners_5": 50400}})))
    waalwijk = Area.objects.get(code="GM0867")
    assert (waalwijk.name, waalwijk.population) == ("Waalwijk", 50400)


@pytest.mark.django_db
def test_cbs_odata_rows_are_accepted(tmp_path):
    rows = {
        "value": [
            {"WijkenEnBuurten": "GM0867  ", "AantalInwoners_5": 10, "Woningvoorraad_35": 5},
            {"WijkenEnBuurten": "WK086700  ", "AantalInwoners_5": 4, "Woningvoorraad_35": None},
        ]
    }
    import_file(write(tmp_path, json.dumps(rows)))
    assert Area.objects.get(code="WK086700").dwellings is None


@pytest.mark.django_db
def test_the_import_is_recorded_in_the_audit_log():
    import_file(DEMO_AREAS)
    event = AuditEvent.objects.get(action="areas.import_cbs")
    assert event.details["created"] == 8
    assert event.actor_label == "system:import_cbs_areas"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{\x00}\x00", "not UTF-8"),
        ("{'GM0867': {}}", "not valid JSON at line 1"),
        ("[1, 2, 3]", "object of areas"),
        ("{}", "holds no areas"),
        ('{"GM0867": 5}', "GM0867: expected an object"),
        ('{"XX1234": {}}', "'XX1234': not a CBS area code"),
        ('{"GM0867": {"AantalInwoners_5": "veel"}}', "GM0867.AantalInwoners_5: expected a whole number"),
        ('{"GM0867": {"AantalInwoners_5": 1.5}}', "GM0867.AantalInwoners_5: expected a whole number"),
        ('{"GM0867": {"AantalInwoners_5": -4}}', "GM0867.AantalInwoners_5: -4 is out of range"),
        ('{"GM0867": {"AantalInwoners_5": 1e12}}', "out of range"),
        ('{"GM0867": {"AantalInwoners_5": true}}', "expected a whole number"),
        ('{"GM0867": {"AantalInwoners_5": 1, "AantalInwoners_6": 2}}', "more than one AantalInwoners column"),
        ('{"WK086700": {"AantalInwoners_5": 1}}', "WK086700: its gemeente GM0867 is not in the file"),
        ('{"GM0867": {"name": "=HYPERLINK(\\"x\\")", "AantalInwoners_5": 1}, "GM0868": {"name": ""}}', "GM0868.name"),
    ],
)
def test_a_malformed_file_names_the_problem_and_imports_nothing(tmp_path, content, message):
    with pytest.raises(CommandError, match=r"nothing imported|not UTF-8|not valid JSON") as raised:
        import_file(write(tmp_path, content))
    assert message in str(raised.value)
    assert not Area.objects.exists()
    assert not AuditEvent.objects.filter(action="areas.import_cbs").exists()


@pytest.mark.django_db
def test_one_bad_row_among_many_imports_nothing(tmp_path):
    data = json.loads(DEMO_AREAS.read_text(encoding="utf-8"))
    data["WK093802"]["Woningvoorraad_35"] = "drieduizend"
    with pytest.raises(CommandError, match=r"WK093802\.Woningvoorraad_35"):
        import_file(write(tmp_path, json.dumps(data)))
    assert not Area.objects.exists()


@pytest.mark.django_db
def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_file(tmp_path / "bestaat-niet.json")


@pytest.mark.django_db
def test_hostile_names_are_stored_as_text_and_shown_escaped(tmp_path, client_as):
    import_file(DEMO_AREAS)
    import_file(write(tmp_path, json.dumps({"GM0867": {}, "WK086700": {"name": "<script>alert(1)</script>"}})))
    assert Area.objects.get(code="WK086700").name == "<script>alert(1)</script>"
    html = client_as("ww_policy").get("/werkplek/gebieden/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_year_comes_from_the_file_name(tmp_path, db):
    import_file(write(tmp_path, json.dumps({"GM0867": {}}), name="kwb-2023-extract.json"))
    assert Area.objects.get(code="GM0867").reference_year == 2023


@given(stem=st.from_regex(r"[A-Za-z]{1,20}", fullmatch=True), number=st.integers(0, 999))
def test_column_stem_drops_only_the_year_number(stem, number):
    assert column_stem(f"{stem}_{number}") == stem
    assert column_stem(stem) == stem


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=5))
def test_parse_areas_never_fails_other_than_with_a_file_error(data):
    try:
        parse_areas(data)
    except CbsFileError as error:
        assert error.problems


@pytest.mark.django_db
def test_the_netherlands_is_an_area_without_a_parent(tmp_path):
    import_file(write(tmp_path, json.dumps({"NL01": {"AantalInwoners_5": 17942942}, "GM0867": {}})))
    country = Area.objects.get(code="NL01")
    assert (country.level, country.parent, country.name, country.population) == ("land", None, "Nederland", 17942942)
    assert Area.objects.get(code="GM0867").parent is None
