"""Check and normalise the values of one signal row, the same for CSV, XLSX and JSON.

Every field is checked and every problem collected, so the creditor learns all that is wrong with a
row at once. A row with an error is refused; a warning leaves it accepted (a wrong phone number, say,
is dropped and the signal is taken without it: the address still lets the municipality reach out).

Text that a spreadsheet would run as a formula (``=``, ``+``, ``-`` or ``@`` at its start or after
a ``;``) is kept as plain text and never calculated, with a warning; anything that writes it into
a spreadsheet again must neutralise it (see :func:`meedoen.core.spreadsheets.safe_cell`).
The BSN leaves this module only as its pseudonym.
"""

from __future__ import annotations

import calendar
import hashlib
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError

from meedoen.accounts.pseudonyms import resident_ref_for_bsn
from meedoen.core.spreadsheets import CELL_BREAK, FORMULA_STARTS, formula_start
from meedoen.early_signals.formats import ERROR, WARNING, Problem, RawRow, grouped, shown
from meedoen.early_signals.linking import fold
from meedoen.early_signals.models import THREATENING_KINDS, Signal, WithdrawalReason

MUNICIPALITY_CODE = re.compile(r"^GM[0-9]{4}$")
# Four digits, the first not 0, and two letters; SA, SD and SS are not used.
POSTCODE = re.compile(r"^[1-9][0-9]{3}(?!SA|SD|SS)[A-Z]{2}$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_DUTCH_DATE = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$")
_AMOUNT = re.compile(r"^-?[0-9]{1,12}([.,][0-9]+)?$")
_WHOLE = re.compile(r"^-?[0-9]{1,9}$")
_NUMBER_WITH_ADDITION = re.compile(r"^([0-9]{1,5})\s*[-/]?\s*([A-Za-z0-9]{1,6})$")
_ADDITION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /-]{0,9}$")
_PHONE_NOISE = re.compile(r"[\s\-.()/]")
_PHONE = re.compile(r"^(\+[0-9]{8,15}|0[0-9]{9})$")
# The characters of Unicode's categories Cc (control) and Cs (surrogate), as one expression.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
REFERENCE_LENGTH = 64  # characters of a creditor's reference at most


def read_reference(text: str) -> str | None:
    """A creditor's reference as the intake reads and stores it (white space as single spaces), or
    None for one the intake refuses (empty, control characters, longer than REFERENCE_LENGTH)."""
    if _CONTROL.search(text):
        return None
    reference = " ".join(text.split())
    return reference if 1 <= len(reference) <= REFERENCE_LENGTH else None


# Characters a creditor's system may mistype for one another in a postcode.
AS_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
AS_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
SIGNAL_KINDS = list(Signal.Kind.values)
# Warnings about a value that was read otherwise than delivered, or left out: kept with the signal
# (as codes) so that the team sees them on the case, not only the creditor in its answer.
NOTED_WARNINGS = frozenset(
    {"postcode_lookalike", "postcode_elsewhere", "house_number_split", "phone_dropped", "email_dropped", "bsn_dropped"}
)
EARLIEST_BIRTH = date(1900, 1, 1)
# The amended Wet gemeentelijke schuldhulpverlening, which lets creditors signal arrears to the
# municipality, came into force on 1 January 2021 (VNG Realisatie, "Impactanalyse Wijziging Wet
# gemeentelijke schuldhulpverlening"): no signal is older.
EARLIEST_SIGNAL = date(2021, 1, 1)
MAX_AMOUNT = Decimal("1000000")
MAX_MONTHS = 240
MAX_HOUSE_NUMBER = 99999


@dataclass(frozen=True)
class SignalInput:
    """A checked, normalised signal, ready to be stored."""

    municipality: str
    creditor_reference: str
    kind: str
    initials: str
    given_name: str
    surname_prefix: str
    surname: str
    date_of_birth: date
    street: str
    house_number: int
    house_number_addition: str
    postcode: str
    city: str
    phone: str
    email: str
    resident_ref: str
    arrears_amount: Decimal
    months_in_arrears: int
    reminder_date: date
    signal_date: date

    @property
    def threatening(self) -> bool:
        return self.kind in THREATENING_KINDS

    def content_sha256(self) -> str:
        """The hash of every field as text: of the JSON that ``json.dumps`` makes of ``asdict``
        with sorted keys (every value is flat), which it was computed from at first, so signals
        stored before are still recognised. Written out here, the same characters: about half the
        work of building the dictionary and encoding it."""
        values = map(encode_basestring_ascii, map(str, _FIELD_VALUES(self)))
        text = "{" + ", ".join(map(operator.add, _FIELD_STARTS, values)) + "}"
        return hashlib.sha256(text.encode()).hexdigest()

    def ledger_payload(self) -> bytes:
        """What the shared log hashes: the creditor's reference and the dates, never a name, as
        the canonical JSON of the shared log (keys sorted, no spaces, ASCII), which the creditor
        recomputes to find its own signal in the log. Written out here, the same bytes as the
        canonical encoder makes of the dictionary (a test holds them equal), at a third of its work."""
        return _LEDGER_PAYLOAD % (
            encode_basestring_ascii(self.creditor_reference).encode(),
            self.reminder_date.isoformat().encode(),
            self.signal_date.isoformat().encode(),
        )


_LEDGER_PAYLOAD = b'{"creditor_reference":%b,"reminder_date":"%b","signal_date":"%b"}'
_SIGNAL_FIELDS = tuple(sorted(field.name for field in fields(SignalInput)))
_FIELD_VALUES = operator.attrgetter(*_SIGNAL_FIELDS)
# Each field's name as json.dumps writes a key and its separator (the names are plain ASCII).
_FIELD_STARTS = tuple(f'"{name}": ' for name in _SIGNAL_FIELDS)


class _Row:
    """Collects the problems of one row while its fields are read."""

    def __init__(self, raw: RawRow) -> None:
        self.raw = raw
        self.values = dict(raw.values)
        self.problems: list[Problem] = list(raw.problems)

    def error(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(ERROR, code, message, row=self.raw.number, field=field))

    def warn(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(WARNING, code, message, row=self.raw.number, field=field))

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == ERROR for problem in self.problems)

    def value(self, field: str) -> Any:
        value = self.values.get(field)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    # --- text --------------------------------------------------------------------------------------

    def text(self, field: str, *, max_length: int, required: bool = False, formula_check: bool = True) -> str:
        value = self.values.get(field)
        text = value.strip() if isinstance(value, str) else None  # every CSV cell, most JSON values
        if text is None and value is not None:
            if isinstance(value, bool | dict | list | date | datetime | Decimal):
                self.error(field, "not_text", _("Expected text."))
                return ""
            if isinstance(value, float):
                if not value.is_integer():
                    self.error(field, "not_text", _("Expected text."))
                    return ""
                value = int(value)
            text = str(value)
        if not text:
            if required:
                self.error(field, "required", _("Required, but empty."))
            return ""
        if _CONTROL.search(text):
            self.error(field, "control_characters", _("Contains control characters (such as a line break or tab)."))
            return ""
        text = " ".join(text.split())
        if len(text) > max_length:
            self.error(
                field,
                "too_long",
                _("At most %(limit)s characters; this has %(length)s.") % {"limit": max_length, "length": len(text)},
            )
            return ""
        if formula_check and (text.startswith(FORMULA_STARTS) or CELL_BREAK in text):
            self._formula_warning(field, text)
        return text

    def _formula_warning(self, field: str, text: str) -> None:
        head, _break, rest = text.partition(CELL_BREAK)
        if (char := formula_start(head)) is not None:
            self.warn(
                field,
                "formula_text",
                _("Starts with “%(char)s”, which a spreadsheet would run as a formula; stored as plain text.")
                % {"char": char},
            )
        elif (char := formula_start(rest)) is not None:
            self.warn(
                field,
                "formula_text",
                _(
                    "After “;” comes “%(char)s”, which a spreadsheet with Dutch settings would run as a formula;"
                    " stored as plain text."
                )
                % {"char": char},
            )

    def choice(self, field: str, choices: list[str]) -> str:
        text = self.text(field, max_length=40, required=True, formula_check=False).lower()
        if text and text not in choices:
            self.error(
                field,
                "invalid_choice",
                _("“%(value)s” is not one of: %(choices)s.") % {"value": shown(text), "choices": ", ".join(choices)},
            )
            return ""
        return text

    # --- numbers -----------------------------------------------------------------------------------

    def whole(self, field: str, *, minimum: int, maximum: int) -> int | None:
        value = self.value(field)
        if value is None:
            self.error(field, "required", _("Required, but empty."))
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif (isinstance(value, float) and value.is_integer()) or (isinstance(value, str) and _WHOLE.match(value)):
            number = int(value)
        if number is None:
            self.error(field, "invalid_number", _("“%(value)s” is not a whole number.") % {"value": shown(value)})
            return None
        if number < 0:
            self.error(field, "negative", _("Cannot be negative."))
            return None
        if not minimum <= number <= maximum:
            self.error(
                field,
                "out_of_range",
                _("%(value)s is out of range (%(minimum)s to %(maximum)s).")
                % {"value": number, "minimum": minimum, "maximum": grouped(maximum)},
            )
            return None
        return number

    def amount(self, field: str) -> Decimal | None:
        value = self.value(field)
        if value is None:
            self.error(field, "required", _("Required, but empty."))
            return None
        amount: Decimal | None = None
        try:
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                amount = Decimal(value)
            elif isinstance(value, float):
                amount = Decimal(repr(value))
            elif isinstance(value, str) and _AMOUNT.match(value):
                amount = Decimal(value.replace(",", "."))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.error(
                field,
                "invalid_amount",
                _("“%(value)s” is not an amount in euros; write it as 1234.56 or 1234,56 (no thousands separator).")
                % {"value": shown(value)},
            )
            return None
        if amount < 0:
            self.error(field, "negative", _("Cannot be negative; a negative amount is a credit, not arrears."))
            return None
        # Before the cents are looked at: a number too large for cents (1e308) cannot be rounded to them.
        if amount > MAX_AMOUNT:
            self.error(
                field,
                "out_of_range",
                _("More than € %(limit)s is out of range for arrears of fixed costs; check the amount.")
                % {"limit": grouped(MAX_AMOUNT)},
            )
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.error(field, "too_many_decimals", _("At most two decimals (cents)."))
            return None
        return amount.quantize(Decimal("0.01"))

    # --- dates -------------------------------------------------------------------------------------

    def date(self, field: str) -> date | None:
        value = self.value(field)
        if value is None:
            self.error(field, "required", _("Required, but empty."))
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, time):
            # A spreadsheet cell that holds a time of day; a workbook written by a program also
            # gives one for a day before 1900, which a spreadsheet cannot hold as a date.
            self.error(
                field,
                "invalid_date",
                _("The cell holds a time (%(value)s), not a date; write the date as YYYY-MM-DD.")
                % {"value": value.isoformat()},
            )
            return None
        read = _date_of(value) if isinstance(value, str) else INVALID_DATE
        if read is INVALID_DATE:
            self.error(
                field,
                "invalid_date",
                _("“%(value)s” is not a date; write it as YYYY-MM-DD (or DD-MM-YYYY).") % {"value": shown(value)},
            )
            return None
        if read is IMPOSSIBLE_DATE:
            self.error(field, "impossible_date", _("“%(value)s” is not a date that exists.") % {"value": shown(value)})
            return None
        assert isinstance(read, date)
        return read


INVALID_DATE, IMPOSSIBLE_DATE = object(), object()


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@lru_cache(maxsize=1 << 14)
def _date_of(text: str) -> date | object:
    """The date a text writes, else INVALID_DATE (not written as a date) or IMPOSSIBLE_DATE (such
    as 30 February). Kept for the texts seen last: a file's dates repeat (signal dates within a
    month, the dates of birth of a household's signals)."""
    if match := _ISO_DATE.match(text):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _DUTCH_DATE.match(text):
        parts = (int(match[3]), int(match[2]), int(match[1]))
    else:
        return INVALID_DATE
    try:
        return date(*parts)
    except ValueError:
        return IMPOSSIBLE_DATE


# --- the special fields ---------------------------------------------------------------------------------


def _postcode(row: _Row) -> str:
    text = row.text("postcode", max_length=10, required=True, formula_check=False)
    if not text:
        return ""
    # "5141 AB", "5141AB", "5141-AB" and "NL-5141 AB" are the same postcode.
    compact = text.replace(" ", "").replace("-", "").upper()
    if len(compact) == 8 and compact.startswith("NL"):
        compact = compact[2:]
    if POSTCODE.match(compact):
        return f"{compact[:4]} {compact[4:]}"
    if len(compact) == 6:
        repaired = "".join(AS_DIGIT.get(char, char) for char in compact[:4]) + "".join(
            AS_LETTER.get(char, char) for char in compact[4:]
        )
        if POSTCODE.match(repaired):
            suggestion = f"{repaired[:4]} {repaired[4:]}"
            row.warn(
                "postcode",
                "postcode_lookalike",
                _(
                    "“%(value)s” is not a Dutch postcode; read as %(suggestion)s (a letter and a digit that look "
                    "alike were swapped). Please check it in your records."
                )
                % {"value": shown(text), "suggestion": suggestion},
            )
            return suggestion
    if len(compact) == 6 and compact[:4].isdigit() and compact[4:] in ("SA", "SD", "SS"):
        row.error(
            "postcode",
            "invalid_postcode",
            _("Postcodes with the letters SA, SD or SS do not exist; check the letters."),
        )
        return ""
    row.error(
        "postcode",
        "invalid_postcode",
        _("“%(value)s” is not a Dutch postcode: four digits and two letters, such as 5141 AB.")
        % {"value": shown(text)},
    )
    return ""


def _house_number(row: _Row) -> tuple[int | None, str]:
    addition = row.text("house_number_addition", max_length=10, formula_check=False)
    value = row.value("house_number")
    text = value if isinstance(value, str) and not addition else ""
    match = _NUMBER_WITH_ADDITION.match(text)
    # "12A" or "12-2" in the house number: the addition belongs in its own column.
    if match and (not match[2].isdigit() or "-" in text or "/" in text):
        row.warn(
            "house_number",
            "house_number_split",
            _("“%(value)s” holds an addition; read as house number %(number)s, addition %(addition)s.")
            % {"value": shown(text), "number": match[1], "addition": match[2].upper()},
        )
        row.values["house_number"] = match[1]
        addition = match[2]
    number = row.whole("house_number", minimum=1, maximum=MAX_HOUSE_NUMBER)
    if addition and not _ADDITION.match(addition):
        row.error(
            "house_number_addition",
            "invalid_addition",
            _(
                "An addition starts with a letter or digit and holds letters, digits, spaces, - or / only, "
                "such as A, 2 or bis."
            ),
        )
        return number, ""
    return number, addition.upper()


def _phone(row: _Row) -> str:
    _restore_leading_zero(row)
    text = row.text("phone", max_length=30, formula_check=False)
    if not text:
        return ""
    compact = _PHONE_NOISE.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _PHONE.match(compact):
        return compact
    row.warn(
        "phone",
        "phone_dropped",
        _("Not a phone number that can be called (such as 0612345678 or +31612345678); accepted without it."),
    )
    return ""


def _restore_leading_zero(row: _Row) -> None:
    """A phone number in a number cell (a spreadsheet's, or a JSON number) has lost its leading 0
    or +: 0612345678 becomes 612345678, +31612345678 becomes 31612345678. Nine digits are read as
    a Dutch number with its 0 back, eleven starting with 31 as an international one, with a warning."""
    value = row.values.get("phone")
    if isinstance(value, float) and value.is_integer() and 0 < value < 1e15:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return
    digits = str(value)
    if len(digits) == 9:
        restored = "0" + digits
    elif len(digits) == 11 and digits.startswith("31"):
        restored = "+" + digits
    else:
        return
    row.values["phone"] = restored
    row.warn(
        "phone",
        "phone_leading_zero",
        _("A number without its leading 0 or +; read as %(phone)s. Give the phone number as text.")
        % {"phone": restored},
    )


def _email(row: _Row) -> str:
    text = row.text("email", max_length=254, formula_check=False)
    if not text:
        return ""
    # An address at an IP number ("@[") no creditor's client has; Django's check would raise and
    # swallow an error of its own for it, out of _is_email's reach.
    if "@[" in text or not _is_email(text):
        row.warn("email", "email_dropped", _("Not an e-mail address; accepted without it."))
        return ""
    return text


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError as error:
        # Django's error refers to itself (its error_list), so it lives until the cycle collector
        # comes, and its traceback with it: the frames that read the whole chunk, and their rows.
        error.__traceback__ = None
        return False
    return True


def _resident_ref(row: _Row) -> str:
    # Never echo a BSN in a message: it is the one value that identifies a person on its own.
    value = row.value("bsn")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        row.warn("bsn", "bsn_dropped", _("Not a BSN (nine digits); accepted without it."))
        return ""
    try:
        return resident_ref_for_bsn(str(value))
    except StdnumValidationError:
        row.warn("bsn", "bsn_dropped", _("Not a valid BSN (it fails the eleven test); accepted without it."))
        return ""


def noted_warnings(problems: Iterable[Problem]) -> str:
    """The codes of ``problems`` that a signal keeps (``NOTED_WARNINGS``), in the order found."""
    return " ".join(problem.code for problem in problems if problem.code in NOTED_WARNINGS)


def check_withdrawal(raw: RawRow) -> tuple[str, str, list[Problem]]:
    """The reference and the reason of a withdrawal, read as the intake reads a reference (the same
    text that was delivered finds the signal), and every problem found; with an error among them the
    withdrawal is refused."""
    row = _Row(raw)
    if any(problem.severity == ERROR for problem in raw.problems) and not raw.values:
        return "", "", row.problems
    reference = row.text("reference", max_length=REFERENCE_LENGTH, required=True, formula_check=False)
    reason = row.choice("reason", list(WithdrawalReason.values))
    return reference, reason, row.problems


def check_row(raw: RawRow, *, today: date) -> tuple[SignalInput | None, list[Problem]]:
    """The checked signal (None when the row has an error) and every problem found."""
    row = _Row(raw)
    if any(problem.severity == ERROR for problem in raw.problems) and not raw.values:
        return None, row.problems
    municipality = row.text("municipality", max_length=10, required=True, formula_check=False).upper()
    if municipality and not MUNICIPALITY_CODE.match(municipality):
        row.error(
            "municipality",
            "invalid_municipality",
            _("“%(value)s” is not a CBS municipality code such as GM0867.") % {"value": shown(municipality)},
        )
    reference = row.text("creditor_reference", max_length=REFERENCE_LENGTH, required=True)
    kind = row.choice("signal_kind", SIGNAL_KINDS)
    initials = row.text("initials", max_length=20)
    given_name = row.text("given_name", max_length=200)
    prefix = row.text("surname_prefix", max_length=20)
    surname = row.text("surname", max_length=200, required=True)
    if surname and not fold(surname):
        row.error("surname", "no_letters", _("A surname holds letters."))
    date_of_birth = row.date("date_of_birth")
    street = row.text("street", max_length=200, required=True)
    house_number, addition = _house_number(row)
    postcode = _postcode(row)
    city = row.text("city", max_length=100, required=True)
    phone = _phone(row)
    email = _email(row)
    resident_ref = _resident_ref(row)
    amount = row.amount("arrears_amount")
    months = row.whole("months_in_arrears", minimum=0, maximum=MAX_MONTHS)
    reminder_date = row.date("reminder_date")
    signal_date = row.date("signal_date")

    if signal_date is not None and signal_date > today:
        row.error("signal_date", "date_out_of_range", _("Lies in the future."))
    if signal_date is not None and signal_date < EARLIEST_SIGNAL:
        row.error(
            "signal_date",
            "date_out_of_range",
            _("Lies before %(earliest)s, when creditors began to send signals under the Wgs.")
            % {"earliest": EARLIEST_SIGNAL.isoformat()},
        )
    if date_of_birth is not None and not EARLIEST_BIRTH <= date_of_birth <= today:
        row.error(
            "date_of_birth",
            "date_out_of_range",
            _("Must lie between %(earliest)s and today.") % {"earliest": EARLIEST_BIRTH.isoformat()},
        )
    if reminder_date is not None and signal_date is not None and reminder_date > signal_date:
        row.error(
            "reminder_date",
            "date_order",
            _("Lies after the signal date; a signal follows the creditor's written reminder."),
        )
    elif (
        reminder_date is not None
        and signal_date is not None
        and signal_date >= EARLIEST_SIGNAL  # else that is the error, and the months may lie before year 1
        and reminder_date < _months_before(signal_date, MAX_MONTHS)
    ):
        row.error(
            "reminder_date",
            "date_out_of_range",
            _("Lies more than %(months)s months before the signal date, longer than arrears can last here.")
            % {"months": MAX_MONTHS},
        )
    if amount is not None and amount == 0 and kind == Signal.Kind.ARREARS:
        row.error("arrears_amount", "zero_amount", _("Arrears of € 0 are no arrears."))

    if row.has_errors:
        return None, row.problems
    assert date_of_birth is not None and house_number is not None and amount is not None
    assert months is not None and reminder_date is not None and signal_date is not None
    return (
        SignalInput(
            municipality=municipality,
            creditor_reference=reference,
            kind=kind,
            initials=initials,
            given_name=given_name,
            surname_prefix=prefix,
            surname=surname,
            date_of_birth=date_of_birth,
            street=street,
            house_number=house_number,
            house_number_addition=addition,
            postcode=postcode,
            city=city,
            phone=phone,
            email=email,
            resident_ref=resident_ref,
            arrears_amount=amount,
            months_in_arrears=months,
            reminder_date=reminder_date,
            signal_date=signal_date,
        ),
        row.problems,
    )
