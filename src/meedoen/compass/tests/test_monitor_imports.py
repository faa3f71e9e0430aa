"""The local picture's imports: CBS Kerncijfers wijken en buurten and a municipality's own figures.
Both are all or nothing and report every problem with its place."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from meedoen.areas.models import Area
from meedoen.compass.figures import parse_number
from meedoen.compass.kwb import KwbFileError, number, parse_metadata
from meedoen.compass.models import FigureImport, Indicator, Observation
from meedoen.compass.services.monitor import (
    FigureImportError,
    figures_import,
    indicator_define,
    indicators_import_cbs_kwb,
)
from meedoen.core.access import Actor, Grant, Role
from meedoen.core.models import AuditEvent

pytestmark = pytest.mark.django_db

SHARED_CBS = Path(__file__).resolve().parents[5] / "shared" / "data" / "cbs"
BUNDLED = Path(__file__).resolve().parents[1] / "data" / "85984NED-columns.json"
SYSTEM = Actor.system("test")


@pytest.fixture(autouse=True)
def _in_english():
    """Problems are shown in the visitor's language; these tests read the English text."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def columns():
    return parse_metadata(json.loads(BUNDLED.read_text(encoding="utf-8")))


def kwb(columns, rows, *, name="kwb.json", period="2024"):
    content = rows if isinstance(rows, bytes) else json.dumps(rows).encode()
    return indicators_import_cbs_kwb(actor=SYSTEM, content=content, file_name=name, columns=columns, period=period)


def value(code, area, period="2024", municipality=None):
    return Observation.objects.get(
        indicator__code=code, indicator__municipality=municipality, area__code=area, period=period
    ).value


def policy_actor(municipality, role=Role.POLICY_OFFICER):
    return Actor(
        user_id=None,
        label="test",
        grants=frozenset({Grant(municipality.pk, 1, role)}),
        second_factor=True,
    )


# --- CBS ----------------------------------------------------------------------------------------------


def test_columns_match_on_their_stem_and_take_title_unit_and_definition_from_the_metadata(columns):
    kwb(columns, {"GM0867": {"AantalInwoners_7": 50302, "HuishOnderOfRondSociaalMinimum_73": 6.1}})
    population = Indicator.objects.get(code="AantalInwoners", municipality=None)
    minimum = Indicator.objects.get(code="HuishOnderOfRondSociaalMinimum")
    assert (population.name, population.unit, population.kind) == ("Aantal inwoners", "aantal", "aantal")
    assert minimum.unit == "%" and minimum.kind == "percentage" and minimum.decimals == 1
    assert minimum.polarity == "hoger_slechter"
    assert "sociaal minimum" in minimum.definition
    assert "85984NED" in minimum.source and "CBS" in minimum.source
    assert value("HuishOnderOfRondSociaalMinimum", "GM0867") == pytest.approx(6.1)
    assert Area.objects.get(code="GM0867").population == 50302


def test_an_average_measured_in_aantal_is_not_a_count(columns):
    assert columns["GemiddeldeHuishoudensgrootte"].kind == "maat"
    assert columns["AantalInwoners"].kind == "aantal"
    assert columns["WmoClientenRelatief"].kind == "verhouding"
    assert not columns["MateVanStedelijkheid"].is_indicator


def test_odata_json_and_cbs_csv_give_the_same_figures(columns):
    odata = {
        "value": [
            {"ID": 1, "WijkenEnBuurten": "GM0867    ", "AantalInwoners_5": 50302, "Woningvoorraad_35": 22613},
            {"ID": 2, "WijkenEnBuurten": "WK086700  ", "AantalInwoners_5": 30625, "Woningvoorraad_35": None},
        ]
    }
    kwb(columns, odata)
    from_json = sorted(Observation.objects.values_list("indicator__code", "area__code", "value"))
    Observation.objects.all().delete()
    csv_text = (
        '"ID";"WijkenEnBuurten";"Gemeentenaam_1";"AantalInwoners_5";"Woningvoorraad_35"\n'
        '1;"GM0867    ";"Waalwijk                                ";50302;22613\n'
        '2;"WK086700  ";"Waalwijk                                ";30625;"       ."\n'
    )
    kwb(columns, csv_text.encode(), name="kwb.csv")
    assert sorted(Observation.objects.values_list("indicator__code", "area__code", "value")) == from_json
    assert len(from_json) == 3  # the missing figure (".") is not a zero


def test_cbs_signs_for_missing_and_nil():
    assert number(".") is None and number("x") is None and number("") is None and number(None) is None
    assert number("-") == 0.0
    assert number("-1.5") == -1.5 and number("12,5") == 12.5
    with pytest.raises(ValueError):
        number("veel")
    with pytest.raises(ValueError):
        number("nan")


def test_importing_the_same_file_again_changes_no_figure(columns):
    rows = {"GM0867": {"AantalInwoners_5": 50302}, "WK086700": {"AantalInwoners_5": 30625}}
    kwb(columns, rows)
    before = sorted(Observation.objects.values_list("indicator_id", "area_id", "period", "value"))
    result = kwb(columns, rows)
    assert result.indicators_created == 0
    assert sorted(Observation.objects.values_list("indicator_id", "area_id", "period", "value")) == before


def test_a_bad_file_reports_every_problem_and_imports_nothing(columns):
    rows = {
        "GM0867": {"AantalInwoners_5": "veel", "Onbekend_99": 3},
        "XX0001": {"AantalInwoners_5": 1},
        "WK086700": {"AantalInwoners_5": 30625, "Woningvoorraad_35": "12a"},
    }
    with pytest.raises(KwbFileError) as caught:
        kwb(columns, rows)
    problems = "\n".join(caught.value.problems)
    assert "GM0867.AantalInwoners_5: expected a number, got 'veel'" in problems
    assert "column Onbekend_99: not in the CBS metadata" in problems
    assert "XX0001: not a CBS area code" in problems
    assert "WK086700.Woningvoorraad_35" in problems
    assert not Observation.objects.exists() and not Indicator.objects.exists() and not Area.objects.exists()


def test_a_column_whose_unit_changed_is_refused(columns):
    kwb(columns, {"GM0867": {"AantalInwoners_5": 50302}})
    Indicator.objects.filter(code="AantalInwoners").update(unit="x 1 000")
    with pytest.raises(KwbFileError, match="differs"):
        kwb(columns, {"GM0867": {"AantalInwoners_5": 50400}}, period="2025")
    assert not Observation.objects.filter(period="2025").exists()


def test_only_the_operator_imports_cbs_figures(world, columns):
    with pytest.raises(ValidationError):
        indicators_import_cbs_kwb(
            actor=policy_actor(world.waalwijk, Role.APPLICATION_MANAGER),
            content=b"{}",
            file_name="kwb.json",
            columns=columns,
            period="2024",
        )


def test_the_command_reads_the_period_from_the_file_name_and_reports_problems(tmp_path):
    good = tmp_path / "kwb-2023-extract.json"
    good.write_text(json.dumps({"GM0938": {"AantalInwoners_5": 18576}}))
    call_command("import_cbs_kwb", str(good), stdout=io.StringIO())
    assert value("AantalInwoners", "GM0938", period="2023") == 18576
    bad = tmp_path / "kwb-2024.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_cbs_kwb", str(bad), stdout=io.StringIO())
    for text, why in (
        (
            '{"GM0938": {"AantalInwoners_5": ' + "9" * 5_000 + "}}",
            "not read, a whole number of 5,000 digits; at most 100 are read",
        ),
        ("[" * 100_000, "nested"),
    ):
        bad.write_text(text)
        with pytest.raises(CommandError, match=why):
            call_command("import_cbs_kwb", str(bad), stdout=io.StringIO())
    undated = tmp_path / "kwb.json"
    undated.write_text("{}")
    with pytest.raises(CommandError, match="--period"):
        call_command("import_cbs_kwb", str(undated), stdout=io.StringIO())


@pytest.mark.skipif(not SHARED_CBS.is_dir(), reason="the shared CBS folder beside the project is not here")
def test_the_real_2024_extract_imports_with_the_real_metadata():
    call_command(
        "import_cbs_kwb",
        str(SHARED_CBS / "kwb-2024-gemeenten-wijken.json"),
        "--metadata",
        str(SHARED_CBS / "85984NED-DataProperties.json"),
        "--table-info",
        str(SHARED_CBS / "85984NED-TableInfos.json"),
        stdout=io.StringIO(),
    )
    assert Area.objects.filter(level="gemeente").count() == 342
    assert Area.objects.filter(level="wijk").count() == 3393
    assert value("AantalInwoners", "GM0867") == 50302
    assert value("AantalInwoners", "GM0938") == 18576
    assert Indicator.objects.get(code="Bevolkingsdichtheid").unit == "aantal inwoners per km²"
    assert FigureImport.objects.count() == 1
    assert AuditEvent.objects.filter(action="compass.import_cbs_kwb").count() == 1


# --- own figures --------------------------------------------------------------------------------------


@pytest.fixture
def own(world, columns):
    kwb(columns, {"GM0867": {"AantalInwoners_5": 50302}, "WK086700": {"AantalInwoners_5": 30625}})
    actor = policy_actor(world.waalwijk)
    registrations = indicator_define(
        actor=actor,
        municipality=world.waalwijk,
        code="aanmeldingen",
        name="Aanmeldingen schuldhulp",
        unit="aantal",
        kind="aantal",
        definition="",
        source="Team schulddienstverlening",
        polarity="neutraal",
    )
    indicator_define(
        actor=actor,
        municipality=world.waalwijk,
        code="laag-inkomen",
        name="Laag inkomen",
        unit="%",
        kind="percentage",
        definition="",
        source="Eigen onderzoek",
        polarity="hoger_slechter",
        decimals=1,
    )
    return actor, registrations


def test_own_figures_import_from_csv_and_again_replace_what_was_there(world, own):
    actor, _registrations = own
    content = (
        b"gebied;periode;indicator;waarde;eenheid\n"
        b"GM0867;2024;aanmeldingen;310;aantal\n"
        b"WK086700;2024;laag-inkomen;9,4;%\n"
    )
    result = figures_import(actor=actor, municipality=world.waalwijk, content=content, file_name="eigen.csv")
    assert result.values_written == 2
    assert value("aanmeldingen", "GM0867", municipality=world.waalwijk) == 310
    assert value("laag-inkomen", "WK086700", municipality=world.waalwijk) == pytest.approx(9.4)
    figures_import(
        actor=actor,
        municipality=world.waalwijk,
        content=b"gebied,periode,indicator,waarde\nGM0867,2024,aanmeldingen,320\n",
        file_name="eigen.csv",
    )
    assert value("aanmeldingen", "GM0867", municipality=world.waalwijk) == 320
    assert Observation.objects.filter(indicator__municipality=world.waalwijk).count() == 2


def test_own_figures_import_from_xlsx(world, own):
    actor, _registrations = own
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Gebied", "Periode", "Indicator", "Waarde"])
    sheet.append(["WK086701", "2024-Q1", "aanmeldingen", 41])
    buffer = io.BytesIO()
    workbook.save(buffer)
    figures_import(actor=actor, municipality=world.waalwijk, content=buffer.getvalue(), file_name="eigen.xlsx")
    assert value("aanmeldingen", "WK086701", period="2024-Q1", municipality=world.waalwijk) == 41


def test_every_problem_of_an_own_figures_file_is_reported_and_nothing_is_imported(world, own):
    actor, _registrations = own
    content = (
        b"gebied;periode;indicator;waarde;eenheid\n"
        b"GM0867;2024;aanmeldingen;310;aantal\n"  # 2: fine on its own
        b"WK099900;2024;aanmeldingen;3;aantal\n"  # 3: an area of another municipality
        b"GM0867;2024;onbekend;3;aantal\n"  # 4: unknown indicator
        b"GM0867;2024;AantalInwoners;3;aantal\n"  # 5: a CBS indicator
        b"GM0867;2023;aanmeldingen;drie;aantal\n"  # 6: not a number
        b"GM0867;2024;aanmeldingen;311;aantal\n"  # 7: duplicate of row 2
        b"WK086700;2024;laag-inkomen;9.1;procent\n"  # 8: a unit other than the indicator's
        b"WK086700;2024-03;laag-inkomen;9.1;%\n"  # 9: a month among years
        b"WK086701;2024;aanmeldingen;4.5;aantal\n"  # 10: a count that is not whole
        b"WK086702;2024;laag-inkomen;140;%\n"  # 11: a percentage over 100
        b"GM0867;24;aanmeldingen;3;aantal\n"  # 12: not a period
    )
    with pytest.raises(FigureImportError) as caught:
        figures_import(actor=actor, municipality=world.waalwijk, content=content, file_name="eigen.csv")
    by_row = {problem.row: problem for problem in caught.value.problems}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert by_row[3].column == "gebied"
    assert by_row[4].column == "indicator" and "define it first" in by_row[4].reason
    assert "CBS indicator" in by_row[5].reason
    assert by_row[6].column == "waarde"
    assert "row 2" in by_row[7].reason
    assert by_row[8].column == "eenheid"
    assert by_row[9].column == "periode"
    assert by_row[12].column == "periode"
    assert not Observation.objects.filter(indicator__municipality=world.waalwijk).exists()
    assert not FigureImport.objects.filter(municipality=world.waalwijk).exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"gebied;periode\nGM0867;2024\n", "missing column"),
        (b"gebied;periode;indicator;waarde\n", "no rows"),
        (b"PK\x03\x04broken", "cannot be opened"),
        (b"\xff\xfeg\x00", "UTF-16"),
    ],
)
def test_unreadable_files_are_refused_with_one_reason(world, own, content, reason):
    actor, _registrations = own
    with pytest.raises(FigureImportError) as caught:
        figures_import(actor=actor, municipality=world.waalwijk, content=content, file_name="x.csv")
    assert reason in str(caught.value.problems[0])


def test_own_figures_and_indicators_are_for_policy_staff_only(world, own):
    maintainer = policy_actor(world.waalwijk, Role.OFFER_MAINTAINER)
    with pytest.raises(PermissionDenied):
        figures_import(
            actor=maintainer,
            municipality=world.waalwijk,
            content=b"gebied;periode;indicator;waarde\nGM0867;2024;aanmeldingen;1\n",
            file_name="x.csv",
        )
    other = policy_actor(world.meerssen)
    with pytest.raises(PermissionDenied):
        indicator_define(
            actor=other,
            municipality=world.waalwijk,
            code="x",
            name="x",
            unit="aantal",
            kind="aantal",
            definition="",
            source="x",
            polarity="neutraal",
        )
    assert not Observation.objects.filter(indicator__municipality=world.waalwijk).exists()


def test_a_derived_indicator_needs_parts_the_municipality_may_use(world, own):
    actor, registrations = own
    elsewhere = indicator_define(
        actor=policy_actor(world.meerssen),
        municipality=world.meerssen,
        code="elders",
        name="Elders",
        unit="aantal",
        kind="aantal",
        definition="",
        source="x",
        polarity="neutraal",
    )
    common = {
        "actor": actor,
        "municipality": world.waalwijk,
        "name": "Per 1.000",
        "unit": "per 1.000 inwoners",
        "kind": "verhouding",
        "definition": "",
        "source": "x",
        "polarity": "neutraal",
        "factor": 1000,
    }
    with pytest.raises(ValidationError) as caught:
        indicator_define(code="per-1000", numerator=elsewhere, denominator=registrations, **common)
    assert "numerator" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        indicator_define(code="AantalInwoners", **common | {"kind": "aantal"})
    assert "code" in caught.value.message_dict
    population = Indicator.objects.get(code="AantalInwoners")
    derived = indicator_define(code="per-1000", numerator=registrations, denominator=population, **common)
    assert derived.is_derived and derived.origin == "afgeleid"


def test_a_stem_cbs_uses_for_several_columns_is_told_apart_by_its_group(columns):
    assert columns["Appartement_54"].code == "Appartement.GemiddeldeElektriciteitslevering"
    assert columns["Appartement_62"].code == "Appartement.GemiddeldAardgasverbruik"
    assert columns["Appartement_54"].title == "Appartement (gemiddelde elektriciteitslevering)"
    kwb(columns, {"GM0867": {"Appartement_54": 2100, "Appartement_62": 900, "Nederland_17": 40000}})
    assert value("Appartement.GemiddeldeElektriciteitslevering", "GM0867") == 2100
    assert value("Appartement.GemiddeldAardgasverbruik", "GM0867") == 900
    # Another year's key cannot say which of the two it is: refused rather than guessed.
    with pytest.raises(KwbFileError, match="several columns"):
        kwb(columns, {"GM0867": {"Appartement_70": 2000}}, period="2025")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_numbers_read_back_as_people_and_cbs_write_them(number_value):
    text = f"{number_value:.2f}"
    expected = float(text)
    assert parse_number(text) == expected
    assert parse_number(text.replace(".", ",")) == expected  # a decimal comma
    assert number(text) == expected
    grouped = f"{abs(expected):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_number(("-" if expected < 0 else "") + grouped) == expected  # 1.234,56


@given(st.text(max_size=12))
def test_no_text_makes_the_readers_fail_other_than_by_refusing(text):
    for read in (parse_number, number):
        with contextlib.suppress(ValueError):
            read(text)


@pytest.mark.parametrize("text", ["1_000", "١٢", "12 apples", "0x10"])
def test_what_python_would_read_but_people_do_not_write_is_refused(text):
    for read in (parse_number, number):
        with pytest.raises(ValueError):
            read(text)


def test_figures_keep_their_area_and_go_with_their_indicator(columns):
    """Figures have no database foreign keys (ADR 0009); Django's on_delete still guards them."""
    from django.db.models import ProtectedError

    kwb(columns, {"GM0867": {"AantalInwoners_5": 50302}})
    with pytest.raises(ProtectedError):
        Area.objects.get(code="GM0867").delete()
    Indicator.objects.get(code="AantalInwoners").delete()
    assert not Observation.objects.exists()


def test_a_figure_beyond_the_compass_range_is_refused_with_its_reason(world, own):
    actor, _registrations = own
    content = (
        b"gebied;periode;indicator;waarde\n"
        b"GM0867;2022;aanmeldingen;1000000000000\n"  # 2: the largest the compass takes
        b"GM0867;2023;aanmeldingen;1e308\n"  # 3: finite, but ten extra digits of a typo and more
        b"GM0867;2024;aanmeldingen;-1000000000001\n"  # 4
    )
    with pytest.raises(FigureImportError) as caught:
        figures_import(actor=actor, municipality=world.waalwijk, content=content, file_name="eigen.csv")
    problems = {problem.row: problem for problem in caught.value.problems}
    assert set(problems) == {3, 4}
    assert problems[3].column == "waarde"
    assert "larger than the compass takes: at most 1,000,000,000,000, either way" in problems[3].reason
    assert "“-1000000000001”" in problems[4].reason


def test_a_cbs_figure_beyond_the_compass_range_is_refused(columns):
    with pytest.raises(KwbFileError, match="lies beyond 1,000,000,000,000 either way"):
        kwb(columns, {"GM0867": {"AantalInwoners_5": 1e308}})
