"""Creditors, signal rows and delivery files for the early-signalling tests.

Every person, street and reference here is invented. Streets do not exist; postcodes lie in the
ranges of the demo municipalities (Waalwijk 5141-5146, Sprang-Capelle 5161-5162, Waspik 5165;
Meerssen 6231, Bunde 6241, Ulestraten 6235).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from meedoen.core.access import Actor
from meedoen.early_signals.formats import COLUMN_NAMES
from meedoen.early_signals.models import Case, CreditorAgreement
from meedoen.early_signals.services import DeliveryAnswer, attempt_record, signals_deliver_file, signals_deliver_json
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.tests.factories import OrganisationFactory

SYSTEM = Actor.system("test")


def make_creditor(
    name: str,
    kind: str,
    *,
    agreements: Iterable[Municipality] = (),
    slug: str = "",
) -> Organisation:
    agreements = list(agreements)
    organisation = OrganisationFactory(
        name=name, kind=kind, slug=slug or name.lower().replace(" ", "-"), municipalities=agreements
    )
    for municipality in agreements:
        CreditorAgreement.objects.create(organisation=organisation, municipality=municipality)
    return organisation


def signal_row(**fields: Any) -> dict[str, Any]:
    """A valid signal about Jolien van Voorbeeld in Waalwijk; ``fields`` change or add values."""
    row: dict[str, Any] = {
        "municipality": "GM0867",
        "creditor_reference": "WS-0001",
        "signal_kind": "arrears",
        "initials": "J.",
        "given_name": "Jolien",
        "surname_prefix": "van",
        "surname": "Voorbeeld",
        "date_of_birth": "1984-03-17",
        "street": "Verzonnenstraat",
        "house_number": "12",
        "house_number_addition": "",
        "postcode": "5141 ZX",
        "city": "Waalwijk",
        "phone": "06 12345678",
        "email": "",
        "bsn": "",
        "arrears_amount": "412.50",
        "months_in_arrears": "2",
        "reminder_date": "2026-03-02",
        "signal_date": "2026-03-16",
    }
    row.update(fields)
    return row


def csv_bytes(
    rows: Iterable[Mapping[str, Any]],
    *,
    columns: Iterable[str] = COLUMN_NAMES,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO(newline="")
    names = list(columns)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row.get(name) for name in names])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Iterable[Mapping[str, Any]], *, columns: Iterable[str] = COLUMN_NAMES) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    names = list(columns)
    sheet.append(names)
    for row in rows:
        sheet.append([row.get(name) for name in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def deliver_file(creditor: Organisation, content: bytes, *, format_version: str = "1.0") -> DeliveryAnswer:
    return signals_deliver_file(actor=SYSTEM, creditor=creditor, content=content, format_version=format_version)


def deliver_rows(creditor: Organisation, *rows: Mapping[str, Any]) -> DeliveryAnswer:
    return deliver_file(creditor, csv_bytes(rows))


def deliver_dated_now(creditor: Organisation, **fields: Any) -> None:
    """A signal delivered now (as the test's clock has it), dated yesterday, its reminder ten days
    ago; ``fields`` change or add values: a step of a story told in time."""
    today = timezone.localdate()
    row = signal_row(
        signal_date=str(today - timedelta(days=1)), reminder_date=str(today - timedelta(days=10)), **fields
    )
    answer = deliver_rows(creditor, row)
    assert answer.receipt.accepted == 1, answer.all_problems()


def deliver_json(creditor: Organisation, content: bytes) -> DeliveryAnswer:
    return signals_deliver_json(actor=SYSTEM, creditor=creditor, content=content)


def problems_of(answer: DeliveryAnswer) -> list[tuple[str, int | None, str, str]]:
    """(severity, row, field, message) of every problem, the delivery's first."""
    return [(p.severity, p.row, p.field, p.message) for p in answer.all_problems()]


def codes_of(answer: DeliveryAnswer) -> list[tuple[str, int | None, str, str]]:
    """(severity, row, field, code) of every problem, the delivery's first."""
    return [(p.severity, p.row, p.field, p.code) for p in answer.all_problems()]


def signals_in_log() -> int:
    """How many signals the shared log holds: the items of its batches of received signals."""
    from meedoen.ledger.models import Batch

    return sum(Batch.objects.filter(item_kind="signal.received").values_list("size", flat=True))


def unanswered_letter(case: Case, team: Organisation) -> None:
    """A letter with the offer that nobody answered: what a team records before it closes a case as
    "no contact"."""
    attempt_record(
        actor=SYSTEM, case=case, organisation=team, channel="letter", attempted_at=timezone.now(), reached=False
    )
