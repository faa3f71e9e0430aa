"""Properties of checking a row: whatever a creditor puts in whichever field (text, numbers of any
size, dates, times, lists, a lone surrogate from a JSON escape), the row is answered with problems
that have a code and a message, never with an exception; and a row that is accepted fits what is
stored."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from meedoen.early_signals import formats
from meedoen.early_signals.formats import COLUMN_NAMES, ERROR, RawRow
from meedoen.early_signals.models import Signal
from meedoen.early_signals.rows import MAX_AMOUNT, SignalInput, check_row
from meedoen.early_signals.tests.factories import signal_row

TODAY = date(2026, 3, 20)

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    st.decimals(),
    st.text(),
    st.text(alphabet="0123456789 .,-+/eE"),
    st.text(alphabet=st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _answered(values: dict[str, object]) -> None:
    item, problems = check_row(RawRow(number=2, values=values), today=TODAY)

    assert all(problem.code and problem.message and problem.row == 2 for problem in problems)
    assert (item is None) == any(problem.severity == ERROR for problem in problems)
    if item is not None:
        _fits(item)


def _fits(item: SignalInput) -> None:
    for field in fields(SignalInput):
        value = getattr(item, field.name)
        if isinstance(value, str):
            value.encode("utf-8")  # PostgreSQL stores UTF-8: a lone surrogate cannot be stored
            model_field = Signal._meta.get_field(field.name) if field.name != "municipality" else None
            if model_field is not None and getattr(model_field, "max_length", None):
                assert len(value) <= model_field.max_length, field.name
    assert Decimal(0) <= item.arrears_amount <= MAX_AMOUNT
    assert item.arrears_amount == item.arrears_amount.quantize(Decimal("0.01"))


@settings(max_examples=400)
@given(field=st.sampled_from(COLUMN_NAMES), value=ANY_VALUE)
def test_any_value_in_any_field_is_answered_never_raised(field, value):
    _answered({**signal_row(), field: value})


@settings(max_examples=200)
@given(values=st.fixed_dictionaries({name: ANY_VALUE for name in COLUMN_NAMES}))
def test_a_row_of_anything_is_answered_never_raised(values):
    _answered(values)


# --- whole deliveries ---------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200)
@given(content=st.binary(max_size=2000) | st.text(max_size=2000).map(lambda text: text.encode("utf-8", "replace")))
def test_any_bytes_as_a_file_are_read_or_refused_never_raised(content):
    parsed = formats.read_file(content, format_version=formats.FORMAT_VERSION)

    assert all(problem.code and problem.message for problem in parsed.problems)
    for raw in parsed.rows:
        _answer_of(raw)


@settings(max_examples=200)
@given(
    batch=st.fixed_dictionaries(
        {
            "format_version": st.just("1.0"),
            "signals": st.lists(st.dictionaries(st.sampled_from(COLUMN_NAMES), JSON_VALUES)),
        }
    )
    | JSON_VALUES
)
def test_any_json_as_a_batch_is_read_or_refused_never_raised(batch):
    parsed = formats.read_json(json.dumps(batch).encode())

    assert all(problem.code and problem.message for problem in parsed.problems)
    for raw in parsed.rows:
        _answer_of(raw)


def _answer_of(raw: RawRow) -> None:
    item, problems = check_row(raw, today=TODAY)
    assert (item is None) == any(problem.severity == ERROR for problem in [*raw.problems, *problems])


@given(
    reference=st.text(alphabet=st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
    reminder=st.dates(),
    signal=st.dates(),
)
def test_the_shared_logs_payload_is_the_canonical_json_a_creditor_recomputes(reference, reminder, signal):
    """The bytes the shared log hashes for a signal are what the log's canonical encoder makes of
    the reference and the dates, for any reference: creditors recompute them to find their
    signals (the API's description of a proof)."""
    from dataclasses import replace

    from meedoen.ledger.entries import canonical

    item, _ = check_row(RawRow(number=2, values=signal_row()), today=TODAY)
    assert item is not None
    item = replace(item, creditor_reference=reference, reminder_date=reminder, signal_date=signal)
    wanted = {"creditor_reference": reference, "reminder_date": reminder.isoformat(), "signal_date": signal.isoformat()}
    assert item.ledger_payload() == canonical(wanted)
