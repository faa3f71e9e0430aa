"""A creditor delivers a CSV or XLSX file of signals: the good rows are stored, every problem is
answered with its row, field and reason, a broken file stores nothing, and the same file twice
changes nothing the second time."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from meedoen.areas.models import Area, PostcodeArea
from meedoen.core.models import AuditEvent
from meedoen.early_signals import formats
from meedoen.early_signals.models import Case, Delivery, Signal
from meedoen.early_signals.rows import _months_before
from meedoen.early_signals.tests.factories import (
    codes_of,
    csv_bytes,
    deliver_file,
    deliver_rows,
    problems_of,
    signal_row,
    signals_in_log,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

FIELDS = formats.COLUMN_NAMES


def stored() -> dict[str, int]:
    return {
        "signals": Signal.objects.count(),
        "cases": Case.objects.count(),
        "in_log": signals_in_log(),
        "audit_signals": AuditEvent.objects.filter(action="early_signals.signal.receive").count(),
    }


def nothing_stored() -> dict[str, int]:
    return {"signals": 0, "cases": 0, "in_log": 0, "audit_signals": 0}


def two_households() -> list[dict[str, str]]:
    return [
        signal_row(),
        signal_row(
            creditor_reference="WS-0002",
            initials="K.",
            given_name="Kees",
            surname_prefix="",
            surname="Verzonnen",
            date_of_birth="1971-11-02",
            street="Denkbeeldlaan",
            house_number="7",
            postcode="5161 ZW",
            city="Sprang-Capelle",
        ),
    ]


# --- good files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8"), (",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8")],
    ids=["semicolon", "comma", "utf-8 with BOM", "tab"],
)
def test_a_good_csv_is_stored_row_by_row_with_a_receipt(creditors, delimiter, encoding):
    content = csv_bytes(two_households(), delimiter=delimiter, encoding=encoding)

    answer = deliver_file(creditors.housing, content)

    assert problems_of(answer) == []
    assert [(row.row, row.creditor_reference, row.outcome) for row in answer.rows] == [
        (2, "WS-0001", "accepted"),
        (3, "WS-0002", "accepted"),
    ]
    receipt = answer.receipt
    assert (receipt.rows, receipt.accepted, receipt.duplicates, receipt.refused, receipt.fatal) == (2, 2, 0, 0, False)
    assert receipt.sha256 == hashlib.sha256(content).hexdigest()
    assert receipt.size_bytes == len(content)
    assert receipt.channel == "csv"
    delivery = Delivery.objects.get(uuid=receipt.delivery)
    assert (delivery.accepted, delivery.sha256, delivery.completed_at is not None) == (2, receipt.sha256, True)
    assert stored() == {"signals": 2, "cases": 2, "in_log": 2, "audit_signals": 2}
    signal = Signal.objects.get(creditor_reference="WS-0001")
    assert (signal.surname, signal.postcode, signal.phone, str(signal.arrears_amount)) == (
        "Voorbeeld",
        "5141 ZX",
        "0612345678",
        "412.50",
    )


def test_blank_lines_before_the_header_and_between_rows_are_skipped(creditors):
    header, first, second = csv_bytes(two_households()).split(b"\r\n")[:3]

    answer = deliver_file(creditors.housing, b"\r\n;\r\n" + header + b"\r\n" + first + b"\r\n\r\n" + second)

    assert problems_of(answer) == []
    assert [(row.row, row.outcome) for row in answer.rows] == [(4, "accepted"), (6, "accepted")]


def test_a_windows_1252_file_is_read_with_a_warning(creditors):
    content = csv_bytes([signal_row(given_name="Chloé", surname="Müller")], encoding="cp1252")

    answer = deliver_file(creditors.housing, content)

    assert codes_of(answer) == [("warning", None, "", "encoding_windows_1252")]
    assert answer.receipt.accepted == 1
    assert Signal.objects.get().given_name == "Chloé"
    assert Signal.objects.get().surname == "Müller"


def test_an_xlsx_workbook_with_date_and_number_cells_is_stored(creditors):
    # A spreadsheet's date cells are naive: a day, not a moment.
    row = signal_row(
        date_of_birth=datetime(1984, 3, 17),  # noqa: DTZ001
        reminder_date=date(2026, 3, 2),
        signal_date=datetime(2026, 3, 16, 0, 0),  # noqa: DTZ001
        house_number=12,
        arrears_amount=412.5,
        months_in_arrears=2,
        phone="0612345678",
    )

    answer = deliver_file(creditors.housing, xlsx_bytes([row]))

    assert problems_of(answer) == []
    assert answer.receipt.channel == "xlsx"
    signal = Signal.objects.get()
    assert (signal.date_of_birth.isoformat(), signal.house_number, str(signal.arrears_amount)) == (
        "1984-03-17",
        12,
        "412.50",
    )


@pytest.mark.parametrize(
    ("cell", "phone"),
    [(612345678, "0612345678"), (131234567.0, "0131234567"), (31612345678, "+31612345678")],
    ids=["mobile", "a float", "international"],
)
def test_a_phone_number_in_a_number_cell_gets_its_leading_zero_back(creditors, cell, phone):
    answer = deliver_file(creditors.housing, xlsx_bytes([signal_row(phone=cell)]))

    assert problems_of(answer) == [
        (
            "warning",
            2,
            "phone",
            f"A number without its leading 0 or +; read as {phone}. Give the phone number as text.",
        )
    ]
    assert Signal.objects.get().phone == phone


@pytest.mark.parametrize("cell", [12345, 1234567890123, 41612345678])
def test_a_number_cell_that_is_no_phone_number_without_its_zero_is_left_out(creditors, cell):
    answer = deliver_file(creditors.housing, xlsx_bytes([signal_row(phone=cell)]))

    assert codes_of(answer) == [("warning", 2, "phone", "phone_dropped")]
    assert Signal.objects.get().phone == ""


def test_a_time_in_a_date_cell_is_named_as_a_time(creditors):
    # A time of day; a program that writes 31 December 1899 into a workbook also leaves serial 0,
    # which reads back as midnight.
    row = signal_row(reminder_date=time(9, 30), date_of_birth=datetime(1899, 12, 31))  # noqa: DTZ001

    answer = deliver_file(creditors.housing, xlsx_bytes([row]))

    assert problems_of(answer) == [
        ("error", 2, "date_of_birth", "The cell holds a time (00:00:00), not a date; write the date as YYYY-MM-DD."),
        ("error", 2, "reminder_date", "The cell holds a time (09:30:00), not a date; write the date as YYYY-MM-DD."),
    ]
    assert stored() == nothing_stored()


# --- the file as a whole ---------------------------------------------------------------------------------


def test_a_missing_column_refuses_the_file_and_stores_nothing(creditors):
    columns = [name for name in FIELDS if name != "postcode"]

    answer = deliver_file(creditors.housing, csv_bytes(two_households(), columns=columns))

    assert problems_of(answer) == [("fatal", 1, "postcode", "This required column is missing from the header.")]
    assert answer.fatal
    assert answer.rows == ()
    assert stored() == nothing_stored()
    delivery = Delivery.objects.get()
    assert (delivery.fatal, delivery.accepted, delivery.sha256) == (True, 0, answer.receipt.sha256)


def test_optional_columns_may_be_left_out(creditors):
    columns = [name for name in FIELDS if name not in ("bsn", "email", "initials")]

    answer = deliver_file(creditors.housing, csv_bytes([signal_row()], columns=columns))

    assert problems_of(answer) == []
    assert answer.receipt.accepted == 1


def test_an_extra_column_is_ignored_with_a_warning(creditors):
    rows = [{**signal_row(), "Opmerking": "belt vaak terug"}]

    answer = deliver_file(creditors.housing, csv_bytes(rows, columns=[*FIELDS, "Opmerking"]))

    assert problems_of(answer) == [("warning", 1, "Opmerking", "Not a column of format 1.0; its values were ignored.")]
    assert answer.receipt.accepted == 1


def test_a_column_twice_refuses_the_file(creditors):
    answer = deliver_file(creditors.housing, csv_bytes([signal_row()], columns=[*FIELDS, "Postcode"]))

    assert problems_of(answer) == [
        ("fatal", 1, "postcode", f"The column appears twice (columns 12 and {len(FIELDS) + 1}).")
    ]
    assert stored() == nothing_stored()


def test_rows_are_numbered_as_a_spreadsheet_shows_them(creditors):
    rows = [
        signal_row(creditor_reference="R-1", street="Verzonnen\nstraat"),  # one row over two lines
        signal_row(creditor_reference="R-2", house_number="14"),
    ]
    content = csv_bytes(rows).replace(b"\r\nGM0867;R-2", b"\r\n\r\nGM0867;R-2")  # and an empty row

    answer = deliver_file(creditors.housing, content)

    assert [(row.row, row.creditor_reference, row.outcome) for row in answer.rows] == [
        (2, "R-1", "refused"),
        (4, "R-2", "accepted"),
    ]
    assert answer.rows[0].problems[0].row == 2


def test_a_file_with_another_delimiter_than_semicolon_or_comma_is_refused(creditors):
    content = csv_bytes([signal_row()], delimiter="|")

    answer = deliver_file(creditors.housing, content)

    assert answer.fatal
    # The one cause, not every required column missing and the whole header line unknown.
    assert codes_of(answer) == [("fatal", 1, "", "no_columns")]
    assert "a comma (,) or a tab" in answer.problems[0].message
    assert stored() == nothing_stored()


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "empty", "The file is empty."),
        (b"\r\n\r\n", "empty", "The file is empty."),
        (";".join(FIELDS).encode() + b"\r\n", "no_rows", "The file has a header but no signals."),
        ("municipality;x".encode("utf-16"), "encoding", "The file is UTF-16 text; save it as CSV UTF-8."),
        (
            b"PK\x03\x04 not really a workbook",
            "unreadable",
            "The file looks like an XLSX workbook but cannot be opened.",
        ),
        (
            b"municipality;creditor\x00_reference\r\n",
            "unreadable",
            "Line 1 holds a NUL character: this is not a text file.",
        ),
        (
            b"\x81\x8d\x8f\x90\x9d",
            "encoding",
            "The file is neither UTF-8 nor Windows-1252 text (line 1, byte 0); save it as CSV UTF-8.",
        ),
    ],
    ids=["empty", "blank lines", "header only", "utf-16", "broken xlsx", "nul", "binary"],
)
def test_an_unreadable_file_is_refused_with_a_reason(creditors, content, code, message):
    answer = deliver_file(creditors.housing, content)

    assert [(p.severity, p.code, p.message) for p in answer.problems] == [("fatal", code, message)]
    assert stored() == nothing_stored()


def test_an_unknown_format_version_is_refused(creditors):
    answer = deliver_file(creditors.housing, csv_bytes([signal_row()]), format_version="2.0")

    assert problems_of(answer) == [
        ("fatal", None, "format_version", "Format version “2.0” is not supported; this platform reads version 1.0.")
    ]
    assert stored() == nothing_stored()


def test_a_file_with_too_many_rows_is_refused_whole(creditors, monkeypatch):
    monkeypatch.setattr(formats, "MAX_ROWS", 2)
    rows = [signal_row(creditor_reference=f"WS-{number}") for number in range(3)]

    answer = deliver_file(creditors.housing, csv_bytes(rows))

    assert problems_of(answer) == [
        ("fatal", None, "", "The file has more than 2 signals; split it into smaller files.")
    ]
    assert stored() == nothing_stored()


def test_a_300_mb_file_is_refused_before_it_is_read(creditors, tmp_path, monkeypatch):
    path = tmp_path / "signalen.csv"
    with path.open("wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: takes no room on disk
    opened = []
    original_open = type(path).open
    monkeypatch.setattr(type(path), "open", lambda self, *a, **k: opened.append(self) or original_open(self, *a, **k))
    err = StringIO()

    with pytest.raises(CommandError, match="refused as a whole, nothing stored"):
        call_command("early_signals_import", str(path), "--organisation", creditors.housing.slug, stderr=err)

    assert "fatal: The delivery is 314,572,800 bytes; at most 52,428,800 bytes are read." in err.getvalue()
    assert opened == []
    assert Delivery.objects.count() == 0
    assert stored() == nothing_stored()


def test_the_import_command_prints_every_problem_and_the_receipt(creditors, tmp_path):
    path = tmp_path / "signalen.csv"
    path.write_bytes(csv_bytes([signal_row(), signal_row(creditor_reference="WS-0002", postcode="51411")]))
    out, err = StringIO(), StringIO()

    call_command("early_signals_import", str(path), "--organisation", creditors.housing.slug, stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        "error: row 3 postcode: “51411” is not a Dutch postcode: four digits and two letters, such as 5141 AB."
    ]
    assert "2 rows, 1 accepted, 0 duplicates, 1 refused, 0 warnings" in out.getvalue()


# --- rows -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_of_birth": "1983-02-29"}, "date_of_birth", "“1983-02-29” is not a date that exists."),
        ({"date_of_birth": "31-04-1984"}, "date_of_birth", "“31-04-1984” is not a date that exists."),
        (
            {"signal_date": "16 maart 2026"},
            "signal_date",
            "“16 maart 2026” is not a date; write it as YYYY-MM-DD (or DD-MM-YYYY).",
        ),
        ({"signal_date": "2026-03-21"}, "signal_date", "Lies in the future."),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth", "Must lie between 1900-01-01 and today."),
        (
            {"reminder_date": "2020-12-01", "signal_date": "2020-12-31"},
            "signal_date",
            "Lies before 2021-01-01, when creditors began to send signals under the Wgs.",
        ),
        (
            {"reminder_date": "0001-01-01", "signal_date": "0001-01-01"},
            "signal_date",
            "Lies before 2021-01-01, when creditors began to send signals under the Wgs.",
        ),
        (
            {"reminder_date": "0001-01-01"},
            "reminder_date",
            "Lies more than 240 months before the signal date, longer than arrears can last here.",
        ),
        (
            {"reminder_date": "2006-03-15", "signal_date": "2026-03-16"},
            "reminder_date",
            "Lies more than 240 months before the signal date, longer than arrears can last here.",
        ),
        (
            {"reminder_date": "2026-03-17"},
            "reminder_date",
            "Lies after the signal date; a signal follows the creditor's written reminder.",
        ),
        (
            {"arrears_amount": "-412.50"},
            "arrears_amount",
            "Cannot be negative; a negative amount is a credit, not arrears.",
        ),
        (
            {"arrears_amount": "1.412,50"},
            "arrears_amount",
            "“1.412,50” is not an amount in euros; write it as 1234.56 or 1234,56 (no thousands separator).",
        ),
        ({"arrears_amount": "412.505"}, "arrears_amount", "At most two decimals (cents)."),
        (
            {"arrears_amount": "2500000"},
            "arrears_amount",
            "More than € 1,000,000 is out of range for arrears of fixed costs; check the amount.",
        ),
        ({"arrears_amount": "0"}, "arrears_amount", "Arrears of € 0 are no arrears."),
        ({"months_in_arrears": "-1"}, "months_in_arrears", "Cannot be negative."),
        ({"months_in_arrears": "2.5"}, "months_in_arrears", "“2.5” is not a whole number."),
        ({"months_in_arrears": "999"}, "months_in_arrears", "999 is out of range (0 to 240)."),
        ({"house_number": "0"}, "house_number", "0 is out of range (1 to 99,999)."),
        ({"surname": ""}, "surname", "Required, but empty."),
        ({"surname": "1234"}, "surname", "A surname holds letters."),
        ({"surname": "Voor\nbeeld"}, "surname", "Contains control characters (such as a line break or tab)."),
        ({"street": "x" * 201}, "street", "At most 200 characters; this has 201."),
        ({"signal_kind": "afsluiting"}, "signal_kind", "“afsluiting” is not one of: arrears, end_of_supply, threat."),
        ({"municipality": "0867"}, "municipality", "“0867” is not a CBS municipality code such as GM0867."),
        (
            {"postcode": "5141 Z"},
            "postcode",
            "“5141 Z” is not a Dutch postcode: four digits and two letters, such as 5141 AB.",
        ),
        (
            {"postcode": "0141 ZX"},
            "postcode",
            "“0141 ZX” is not a Dutch postcode: four digits and two letters, such as 5141 AB.",
        ),
        (
            {"postcode": "5141 SS"},
            "postcode",
            "Postcodes with the letters SA, SD or SS do not exist; check the letters.",
        ),
        (
            {"house_number_addition": "A;B"},
            "house_number_addition",
            "An addition starts with a letter or digit and holds letters, digits, spaces, - or / only, "
            "such as A, 2 or bis.",
        ),
    ],
)
def test_a_wrong_value_refuses_its_row_with_the_field_and_why(creditors, fields, field, message):
    rows = [signal_row(creditor_reference="WS-GOOD"), signal_row(**fields)]

    answer = deliver_file(creditors.housing, csv_bytes(rows))

    assert problems_of(answer) == [("error", 3, field, message)]
    assert [row.outcome for row in answer.rows] == ["accepted", "refused"]
    assert list(Signal.objects.values_list("creditor_reference", flat=True)) == ["WS-GOOD"]
    assert stored() == {"signals": 1, "cases": 1, "in_log": 1, "audit_signals": 1}


@pytest.mark.parametrize(
    ("reminder_date", "signal_date"),
    [
        ("2006-03-16", "2026-03-16"),  # exactly 240 months before
        ("2004-02-29", "2024-02-29"),
        ("2020-12-01", "2021-01-01"),  # the first day signals exist; the reminder may come before
        ("2026-03-20", "2026-03-20"),  # today, and the reminder the same day
    ],
)
def test_dates_at_the_edges_of_their_ranges_are_accepted(creditors, reminder_date, signal_date):
    answer = deliver_rows(creditors.housing, signal_row(reminder_date=reminder_date, signal_date=signal_date))

    assert problems_of(answer) == []
    assert [row.outcome for row in answer.rows] == ["accepted"]


@pytest.mark.parametrize(
    ("day", "months", "before"),
    [
        (date(2026, 3, 16), 240, date(2006, 3, 16)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),  # the month's last day where it is shorter
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
    ],
)
def test_months_before_a_day(day, months, before):
    assert _months_before(day, months) == before


def test_every_problem_of_a_row_is_named_at_once(creditors):
    row = signal_row(date_of_birth="1984-02-30", arrears_amount="-5", postcode="ABCD 12", surname="")

    answer = deliver_rows(creditors.housing, row)

    assert [(p.row, p.field, p.code) for p in answer.all_problems()] == [
        (2, "surname", "required"),
        (2, "date_of_birth", "impossible_date"),
        (2, "postcode", "invalid_postcode"),
        (2, "arrears_amount", "negative"),
    ]


def test_a_row_with_too_few_values_is_refused(creditors):
    content = csv_bytes([signal_row()]) + b"GM0867;WS-0009;arrears\r\n"

    answer = deliver_file(creditors.housing, content)

    assert ("error", 3, "", f"The row has 3 values where the header has {len(FIELDS)} columns.") in problems_of(answer)
    assert [row.outcome for row in answer.rows] == ["accepted", "refused"]


@pytest.mark.parametrize(
    ("hint", "delimiter"),
    [(b"sep=;\r\n", ";"), (b'"sep=;"\n', ";"), (b"SEP=;;;\r\n", ";"), (b"sep=\t\r\n", "\t"), (b"sep=,\n", ",")],
)
def test_excels_line_that_names_the_delimiter_is_read_as_it_says(creditors, hint, delimiter):
    rows = [signal_row(), signal_row(creditor_reference="WS-0002", postcode="51411")]

    answer = deliver_file(creditors.housing, hint + csv_bytes(rows, delimiter=delimiter))

    assert [row.outcome for row in answer.rows] == ["accepted", "refused"]
    # The hint is the file's first line: the header is line 2, the refused row line 4.
    assert [(severity, row, field) for severity, row, field, _ in problems_of(answer)] == [("error", 4, "postcode")]


def test_numbers_in_a_dutch_answer_are_grouped_the_dutch_way(creditors):
    with translation.override("nl"):
        answer = deliver_rows(creditors.housing, signal_row(arrears_amount="2500000"))

    ((_, _, _, message),) = problems_of(answer)
    assert "€ 1.000.000" in message


@pytest.mark.parametrize("written", ["5141ZX", "5141 zx", "5141-ZX", "NL-5141 ZX", "NL 5141ZX", "nl5141zx"])
def test_a_postcode_written_with_a_hyphen_or_the_country_is_read_without_a_word(creditors, written):
    answer = deliver_rows(creditors.housing, signal_row(postcode=written))

    assert problems_of(answer) == []
    assert Signal.objects.get().postcode == "5141 ZX"


def test_a_postcode_with_a_lookalike_letter_is_read_with_a_suggestion(creditors):
    answer = deliver_rows(creditors.housing, signal_row(postcode="5I41 2X"))

    assert problems_of(answer) == [
        (
            "warning",
            2,
            "postcode",
            "“5I41 2X” is not a Dutch postcode; read as 5141 ZX (a letter and a digit that look alike were swapped). "
            "Please check it in your records.",
        )
    ]
    signal = Signal.objects.get()
    assert (signal.postcode, signal.receipt_warnings) == ("5141 ZX", "postcode_lookalike")


def test_a_postcode_the_municipality_does_not_hold_is_named_and_a_guess_outside_it_refused(creditors, world):
    waalwijk = Area.objects.get(code="GM0867")
    district = Area.objects.filter(parent=waalwijk).first()
    for prefix in ("5141", "5142"):
        PostcodeArea.objects.create(municipality=waalwijk, prefix=prefix, area=district)
    rows = [
        signal_row(creditor_reference="R-1", postcode="5141 ZX"),
        signal_row(creditor_reference="R-2", postcode="6231 AB", house_number="2", surname="Elders"),
        signal_row(creditor_reference="R-3", postcode="5O41 AB", house_number="3", surname="Geraden"),  # 5041: Tilburg
        signal_row(creditor_reference="R-4", postcode="5I41 AB", house_number="4", surname="Hersteld"),
    ]

    answer = deliver_file(creditors.housing, csv_bytes(rows))

    assert [(row.creditor_reference, row.outcome, [p.code for p in row.problems]) for row in answer.rows] == [
        ("R-1", "accepted", []),
        ("R-2", "accepted", ["postcode_elsewhere"]),
        ("R-3", "refused", ["postcode_lookalike", "postcode_elsewhere"]),
        ("R-4", "accepted", ["postcode_lookalike"]),
    ]
    assert answer.rows[1].problems[0].message == (
        "6231 AB is not among the postcodes of Waalwijk; check that the signal is for this municipality."
    )
    kept = dict(Signal.objects.values_list("creditor_reference", "receipt_warnings"))
    assert kept == {"R-1": "", "R-2": "postcode_elsewhere", "R-4": "postcode_lookalike"}
    # Without a postcode table (Meerssen's), nothing is said.
    meerssen = signal_row(creditor_reference="R-5", municipality="GM0938", postcode="5141 AB", city="Waalwijk")
    assert [p.code for p in deliver_rows(creditors.water, meerssen).rows[0].problems] == []


def test_a_signal_keeps_the_codes_of_the_warnings_the_team_should_know_of(creditors):
    rows = [
        signal_row(creditor_reference="R-1", postcode="5I41 ZX", phone="bel maar", bsn="123456789"),
        signal_row(creditor_reference="R-2", house_number="14b", email="geen adres", surname="Verzonnen"),
        signal_row(creditor_reference="R-3", house_number="16", street="=Verzonnenstraat", surname="Anders"),
        signal_row(creditor_reference="R-4", house_number="18", surname="Weer Anders"),
    ]

    answer = deliver_file(creditors.housing, csv_bytes(rows))  # more than two rows: written together

    assert [row.outcome for row in answer.rows] == ["accepted"] * 4
    kept = dict(Signal.objects.values_list("creditor_reference", "receipt_warnings"))
    assert kept == {
        "R-1": "postcode_lookalike phone_dropped bsn_dropped",
        "R-2": "house_number_split email_dropped",
        "R-3": "",  # a formula character is escaped wherever it is shown: nothing for the team to check
        "R-4": "",
    }


def test_a_postcode_without_space_or_in_lower_case_is_normalised_silently(creditors):
    answer = deliver_rows(creditors.housing, signal_row(postcode=" 5141zx "))

    assert problems_of(answer) == []
    assert Signal.objects.get().postcode == "5141 ZX"


def test_a_house_number_with_its_addition_is_split_with_a_warning(creditors):
    answer = deliver_rows(creditors.housing, signal_row(house_number="12a"))

    assert problems_of(answer) == [
        ("warning", 2, "house_number", "“12a” holds an addition; read as house number 12, addition A.")
    ]
    signal = Signal.objects.get()
    assert (signal.house_number, signal.house_number_addition) == (12, "A")


def test_formula_cells_are_stored_as_plain_text_with_a_warning(creditors):
    row = signal_row(
        surname='=HYPERLINK("http://example.invalid","klik")',
        given_name="@SUM(A1)",
        street="-Verzonnenstraat",
        phone="+31 6 12345678",
    )

    answer = deliver_rows(creditors.housing, row)

    assert problems_of(answer) == [
        (
            "warning",
            2,
            "given_name",
            "Starts with “@”, which a spreadsheet would run as a formula; stored as plain text.",
        ),
        ("warning", 2, "surname", "Starts with “=”, which a spreadsheet would run as a formula; stored as plain text."),
        ("warning", 2, "street", "Starts with “-”, which a spreadsheet would run as a formula; stored as plain text."),
    ]
    signal = Signal.objects.get()
    assert signal.surname == '=HYPERLINK("http://example.invalid","klik")'
    assert signal.phone == "+31612345678"


def test_a_formula_after_a_semicolon_is_named_and_a_plain_number_is_not(creditors):
    row = signal_row(surname="Jansen;=1+1", street="Dorpsstraat; @SUM(A1)", city="-5")

    answer = deliver_rows(creditors.housing, row)

    after = "which a spreadsheet with Dutch settings would run as a formula; stored as plain text."
    assert problems_of(answer) == [
        ("warning", 2, "surname", f"After “;” comes “=”, {after}"),
        ("warning", 2, "street", f"After “;” comes “@”, {after}"),
    ]
    assert Signal.objects.get().surname == "Jansen;=1+1"


def test_formulas_in_a_workbook_are_never_calculated(creditors):
    row = signal_row(surname='=CONCAT("Voor","beeld")', arrears_amount="=400+12.5")

    answer = deliver_file(creditors.housing, xlsx_bytes([row]))

    assert problems_of(answer) == [
        ("warning", 2, "surname", "Starts with “=”, which a spreadsheet would run as a formula; stored as plain text."),
        (
            "error",
            2,
            "arrears_amount",
            "“=400+12.5” is not an amount in euros; write it as 1234.56 or 1234,56 (no thousands separator).",
        ),
    ]
    assert stored() == nothing_stored()


def test_html_and_script_are_stored_as_the_text_they_are(creditors):
    answer = deliver_rows(creditors.housing, signal_row(surname="<script>alert(1)</script>Voorbeeld"))

    assert answer.receipt.accepted == 1
    assert Signal.objects.get().surname == "<script>alert(1)</script>Voorbeeld"


def test_an_unreachable_phone_or_email_is_dropped_and_the_signal_kept(creditors):
    answer = deliver_rows(creditors.housing, signal_row(phone="bel maar", email="jolien@"))

    assert problems_of(answer) == [
        (
            "warning",
            2,
            "phone",
            "Not a phone number that can be called (such as 0612345678 or +31612345678); accepted without it.",
        ),
        ("warning", 2, "email", "Not an e-mail address; accepted without it."),
    ]
    signal = Signal.objects.get()
    assert (signal.phone, signal.email) == ("", "")


def test_a_valid_bsn_is_kept_only_as_a_pseudonym(creditors):
    from meedoen.accounts.pseudonyms import resident_ref_for_bsn

    answer = deliver_rows(creditors.housing, signal_row(bsn="111222333"))

    assert problems_of(answer) == []
    signal = Signal.objects.get()
    assert signal.resident_ref == resident_ref_for_bsn("111222333")
    stored_values = [str(value) for value in Signal.objects.values().get().values()]
    assert not any("111222333" in value for value in stored_values)


def test_a_bsn_that_fails_the_eleven_test_is_dropped_and_never_echoed(creditors):
    answer = deliver_rows(creditors.housing, signal_row(bsn="111222334"))

    assert problems_of(answer) == [
        ("warning", 2, "bsn", "Not a valid BSN (it fails the eleven test); accepted without it.")
    ]
    assert "111222334" not in str(answer.as_dict())
    assert Signal.objects.get().resident_ref == ""


# --- again and again --------------------------------------------------------------------------------------


def test_the_same_file_twice_changes_nothing_the_second_time(creditors):
    content = csv_bytes(two_households())
    deliver_file(creditors.housing, content)
    before = stored()

    again = deliver_file(creditors.housing, content)

    assert [row.outcome for row in again.rows] == ["duplicate", "duplicate"]
    assert problems_of(again) == [
        ("warning", 2, "creditor_reference", "Already received on 2026-03-20; nothing changed."),
        ("warning", 3, "creditor_reference", "Already received on 2026-03-20; nothing changed."),
    ]
    assert (again.receipt.accepted, again.receipt.duplicates) == (0, 2)
    assert stored() == before
    assert Delivery.objects.count() == 2


def test_a_reference_used_again_for_another_signal_is_refused(creditors):
    deliver_rows(creditors.housing, signal_row())

    answer = deliver_rows(creditors.housing, signal_row(arrears_amount="800.00"))

    assert problems_of(answer) == [
        (
            "error",
            2,
            "creditor_reference",
            "This reference was already used for another signal, received on 2026-03-20; give every signal its own "
            "reference.",
        )
    ]
    assert Signal.objects.get().arrears_amount == 412.5


def test_another_creditor_may_use_the_same_reference(creditors):
    deliver_rows(creditors.housing, signal_row())

    answer = deliver_rows(creditors.energy, signal_row())

    assert answer.receipt.accepted == 1
    assert Signal.objects.count() == 2


def test_a_row_repeated_within_one_file_is_taken_once(creditors):
    answer = deliver_rows(creditors.housing, signal_row(), signal_row(), signal_row(arrears_amount="1.00"))

    assert problems_of(answer) == [
        ("warning", 3, "creditor_reference", "The same signal as row 2; taken once."),
        (
            "error",
            4,
            "creditor_reference",
            "The same reference as row 2, with other details; give every signal its own reference.",
        ),
    ]
    assert [row.outcome for row in answer.rows] == ["accepted", "duplicate", "refused"]
    assert Signal.objects.count() == 1


def test_a_row_that_fails_while_it_is_written_leaves_nothing_behind(creditors, monkeypatch):
    from meedoen.early_signals import services

    original = services.record_changes
    calls = []

    def failing_record_changes(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return original(**kwargs)

    monkeypatch.setattr(services, "record_changes", failing_record_changes)

    with pytest.raises(RuntimeError):
        deliver_file(creditors.housing, csv_bytes(two_households()))

    # The chunk that held the failing row is rolled back whole: no signal without its case, log
    # entry and audit record. Sending the file again stores it.
    assert stored() == nothing_stored()
    monkeypatch.setattr(services, "record_changes", original)
    assert deliver_file(creditors.housing, csv_bytes(two_households())).receipt.accepted == 2
    assert stored() == {"signals": 2, "cases": 2, "in_log": 2, "audit_signals": 2}


def test_a_delivery_leaves_its_rows_to_be_freed_at_once_not_by_the_cycle_collector(creditors):
    """A delivery of many rows must not keep them in a reference cycle: the cycle collector would
    walk them all before freeing them. A refused e-mail address raised Django's ValidationError,
    which refers to itself, and its traceback held the frames that read the whole chunk (for an
    address with an IP number, also the error Django's check raised while handling another)."""
    import gc

    from meedoen.early_signals.formats import RawRow
    from meedoen.early_signals.rows import SignalInput

    rows = [
        signal_row(creditor_reference=f"WS-{number:04d}", email=("geen adres", "a@[999.1.1.1]", "")[number % 3])
        for number in range(1, 31)
    ]
    content = csv_bytes(rows)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        answer = deliver_file(creditors.housing, content)
        del answer
        gc.collect()
        left = [thing for thing in gc.garbage if isinstance(thing, RawRow | SignalInput)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert Signal.objects.count() == 30
    assert left == []
