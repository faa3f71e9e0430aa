"""Reads of early signalling, for the early-signalling officers (vroegsignaleerders) of a
municipality; and, for a creditor, the proof that the municipality received one of its signals.

The list of cases holds no personal data (dates, counts, priority). Opening a case shows the
signals' personal data and is recorded in the audit log first: once for the household, and once
for every resident whose BSN pseudonym a signal carries, so they see the read under "My data".
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from meedoen.core.access import Actor, Role, require_role, scope_to_municipalities
from meedoen.core.audit import record_access, record_read
from meedoen.early_signals.deadlines import add_working_days
from meedoen.early_signals.models import (
    CREDITOR_KINDS,
    OPEN_STATUSES,
    Case,
    CaseJoin,
    CaseSeparation,
    ContactAttempt,
    CreditorKindThreshold,
    LetterTemplate,
    MunicipalitySettings,
    Signal,
    SignalTombstone,
    case_number,
)
from meedoen.ledger.selectors import BatchItemProof, batch_item
from meedoen.organisations.models import Organisation

CASE_PURPOSE = "early signalling: offer of help"
"""Why the team opens a case (the purpose of the read it records)."""

CASE_STATUS_FIELDS = ("case_status",)
"""What a case listed beside another reveals of its household: that it has one, and how far it is."""

SAME_ADDRESS_SHOWN = 20
"""At most this many other cases at a case's address are listed on it (an address with more is a
care home or a student house, where a list says nothing more)."""

PERSONAL_FIELDS = (
    "initials",
    "given_name",
    "surname_prefix",
    "surname",
    "date_of_birth",
    "street",
    "house_number",
    "house_number_addition",
    "postcode",
    "city",
    "phone",
    "email",
    "arrears_amount",
    "months_in_arrears",
)


class CaseNotFoundError(Exception):
    """No such case, or not one the actor may see: the two are not told apart."""


@dataclass(frozen=True)
class CaseSummary:
    uuid: uuid.UUID
    status: str
    opened_at: datetime
    first_offer_due: date
    threatening: bool
    priority: int
    signal_count: int
    creditor_count: int
    district_code: str
    district_name: str
    first_offer_at: datetime | None
    first_contact_at: datetime | None
    closed_at: datetime | None
    outcome: str
    threat_due: date | None = None
    signals_seen: int = 0
    withdrawn_signals: int | None = None  # counted for the trays only (None: not counted)

    @property
    def new_signals(self) -> int:
        """Signals that came in since the team last opened the case (none before it ever did)."""
        return self.signal_count - self.signals_seen if self.signals_seen else 0

    @property
    def number(self) -> str:
        return case_number(self.uuid)

    @property
    def threat_overdue(self) -> bool:
        """A threatening signal came after the first offer, and nobody responded by its due day."""
        return (
            self.threat_due is not None and self.status != Case.Status.CLOSED and timezone.localdate() > self.threat_due
        )

    @property
    def offer_overdue(self) -> bool:
        """No offer made yet and the term has passed (today is after the due day)."""
        return (
            self.first_offer_at is None
            and self.status != Case.Status.CLOSED
            and timezone.localdate() > self.first_offer_due
        )

    @property
    def offer_in_time(self) -> bool | None:
        """Whether the first offer was made within the term; None while no offer is made."""
        if self.first_offer_at is None:
            return None
        return timezone.localdate(self.first_offer_at) <= self.first_offer_due


@dataclass(frozen=True)
class AttemptDetail:
    uuid: uuid.UUID
    channel: str
    attempted_at: datetime
    reached: bool
    note: str


@dataclass(frozen=True)
class SignalDetail:
    uuid: uuid.UUID
    creditor: str
    creditor_reference: str
    kind: str
    received_at: datetime
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
    arrears_amount: Decimal
    months_in_arrears: int
    reminder_date: date
    signal_date: date
    # Codes of the warnings its row had (rows.NOTED_WARNINGS): a value read otherwise, or left out.
    receipt_warnings: tuple[str, ...] = ()
    # When and why its creditor withdrew it (models.WithdrawalReason); None while it stands.
    withdrawn_at: datetime | None = None
    withdrawal_reason: str = ""


@dataclass(frozen=True)
class RemovedWithdrawal:
    """A signal of the case its creditor withdrew as sent in error, whose personal data is gone:
    what its tombstone says."""

    creditor: str
    creditor_reference: str
    kind: str
    received_at: datetime
    withdrawn_at: datetime
    withdrawal_reason: str


@dataclass(frozen=True)
class Separation:
    """Signals the team moved out of one case into a case of their own (services.case_separate),
    seen from one of the two cases: no personal data."""

    other: uuid.UUID  # the other case
    separated_at: datetime
    signal_count: int
    moved_out: bool  # out of this case (else: into it, which they opened)

    @property
    def other_number(self) -> str:
        return case_number(self.other)


@dataclass(frozen=True)
class CaseDetail:
    case: CaseSummary
    signals: tuple[SignalDetail, ...]
    attempts: tuple[AttemptDetail, ...]
    removed_withdrawals: tuple[RemovedWithdrawal, ...] = ()
    # The municipality's other cases at the same address: a partner or housemate, or the same person
    # under a name the linking could not join. Open ones first, then the most recently opened.
    same_address: tuple[CaseSummary, ...] = ()
    more_at_address: bool = False  # more cases at the address than SAME_ADDRESS_SHOWN
    joined_into: uuid.UUID | None = None  # the case this one was joined with (services.case_join)
    separations: tuple[Separation, ...] = ()  # signals moved out of this case, or into it

    @property
    def standing(self) -> tuple[SignalDetail, ...]:
        """The signals that stand: those their creditor did not withdraw."""
        return tuple(signal for signal in self.signals if signal.withdrawn_at is None)

    @property
    def withdrawn(self) -> tuple[SignalDetail, ...]:
        return tuple(signal for signal in self.signals if signal.withdrawn_at is not None)


@dataclass(frozen=True)
class TrayCount:
    status: str
    label: str
    count: int
    overdue: int


def _visible_cases(actor: Actor) -> QuerySet[Case]:
    return scope_to_municipalities(Case.objects.all(), actor, Role.EARLY_SIGNALS_OFFICER)


def case_summary(case: Case, *, withdrawn_signals: int | None = None) -> CaseSummary:
    """What the team sees of a case in a list: no personal data."""
    return CaseSummary(
        uuid=case.uuid,
        status=case.status,
        opened_at=case.opened_at,
        first_offer_due=case.first_offer_due,
        threatening=case.threatening,
        priority=case.priority,
        signal_count=case.signal_count,
        creditor_count=case.creditor_count,
        district_code=case.district.code if case.district is not None else "",
        district_name=case.district.name if case.district is not None else "",
        first_offer_at=case.first_offer_at,
        first_contact_at=case.first_contact_at,
        closed_at=case.closed_at,
        outcome=case.outcome,
        threat_due=case.threat_due,
        signals_seen=case.signals_seen,
        withdrawn_signals=withdrawn_signals,
    )


def _withdrawn_signals(cases: Sequence[Case]) -> Counter[int]:
    """How many signals of each case (by key) their creditors withdrew: those that stand withdrawn,
    and those whose data went at once (sent in error). Two queries for a page of a tray."""
    withdrawn: Counter[int] = Counter(
        dict(
            Signal.objects.filter(case_id__in=[case.pk for case in cases], withdrawn_at__isnull=False)
            .values("case_id")
            .annotate(count=Count("id"))
            .values_list("case_id", "count")
        )
    )
    by_uuid = {case.uuid: case.pk for case in cases}
    removed = (
        SignalTombstone.objects.filter(case_uuid__in=list(by_uuid), withdrawn_at__isnull=False)
        .values("case_uuid")
        .annotate(count=Count("id"))
        .values_list("case_uuid", "count")
    )
    for case_uuid, count in removed:
        withdrawn[by_uuid[case_uuid]] += count
    return withdrawn


def _tray(actor: Actor, municipality_id: int, district_code: str | None) -> QuerySet[Case]:
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality_id)
    cases = _visible_cases(actor).filter(municipality_id=municipality_id)
    if district_code == NO_DISTRICT:
        cases = cases.filter(district__isnull=True)
    elif district_code:
        cases = cases.filter(district__code=district_code)
    return cases


# The district filter value for cases whose postcode lies in no known district.
NO_DISTRICT = "-"


def cases_of_municipality(
    *,
    actor: Actor,
    municipality_id: int,
    status: str = Case.Status.NEW,
    district_code: str | None = None,
    limit: int | None = None,
) -> list[CaseSummary]:
    """One tray of the municipality's cases, the soonest deadline and highest priority first; closed
    cases the most recently closed first. No personal data."""
    cases = _tray(actor, municipality_id, district_code).filter(status=status).select_related("district")
    cases = cases.order_by("-closed_at", "-id") if status == Case.Status.CLOSED else _soonest_first(cases)
    return [case_summary(case) for case in (cases[:limit] if limit is not None else cases)]


def _soonest_first(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Open cases by the day their team must act: a new threat's due day, else the term of the first
    offer while none is made; cases with nothing due follow, by their term. Then priority and age."""
    acting_due = models.Case(
        models.When(threat_due__isnull=False, then=F("threat_due")),
        models.When(first_offer_at__isnull=True, then=F("first_offer_due")),
        default=None,
        output_field=models.DateField(),
    )
    return cases.annotate(acting_due=acting_due).order_by(
        F("acting_due").asc(nulls_last=True), "first_offer_due", "-priority", "opened_at", "id"
    )


def tray_counts(*, actor: Actor, municipality_id: int, district_code: str | None = None) -> list[TrayCount]:
    """How many cases each tray holds, and how many of them are past a term: the first offer's, or
    that of a threatening signal after it."""
    cases = _tray(actor, municipality_id, district_code)
    today = timezone.localdate()
    counts = {
        row["status"]: row
        for row in cases.values("status").annotate(
            count=Count("id"),
            overdue=Count(
                "id",
                filter=(Q(first_offer_at__isnull=True, first_offer_due__lt=today) | Q(threat_due__lt=today))
                & ~Q(status=Case.Status.CLOSED),
            ),
        )
    }
    return [
        TrayCount(
            status=status,
            label=str(label),
            count=counts.get(status, {}).get("count", 0),
            overdue=counts.get(status, {}).get("overdue", 0),
        )
        for status, label in Case.Status.choices
    ]


def case_detail(*, actor: Actor, case_id: uuid.UUID, purpose: str, with_same_address: bool = False) -> CaseDetail:
    """A case with its signals' personal data. The read is recorded before the data is returned.
    ``with_same_address``: with the other cases at its address (for the case page, not for a
    letter), each a recorded read as well."""
    if not actor.second_factor or not actor.municipality_ids(Role.EARLY_SIGNALS_OFFICER):
        raise PermissionDenied("no role that allows this")
    case = _visible_cases(actor).filter(uuid=case_id).select_related("district", "joined_into").first()
    if case is None:
        raise CaseNotFoundError(str(case_id))
    signals = list(Signal.objects.filter(case=case).select_related("creditor").order_by("received_at", "id"))
    attempts = list(ContactAttempt.objects.filter(case=case).order_by("attempted_at", "id"))
    # Only withdrawn tombstones are indexed by case (and a case's other tombstones hold nothing to show).
    removed = list(
        SignalTombstone.objects.filter(case_uuid=case.uuid, withdrawn_at__isnull=False)
        .select_related("creditor")
        .order_by("received_at", "id")
    )
    organisations = actor.organisation_ids(case.municipality_id, Role.EARLY_SIGNALS_OFFICER)
    organisation_id = min(organisations) if len(organisations) == 1 else None
    # A case whose personal data the retention term removed has no pseudonym and shows none: no read.
    subjects = [case.household_ref] if case.household_ref else []
    subjects += sorted({signal.resident_ref for signal in signals if signal.resident_ref})
    _record_reads(actor, case, subjects, purpose=purpose, fields=PERSONAL_FIELDS, organisation_id=organisation_id)
    same_address = _same_address(case) if with_same_address else []
    more_at_address = len(same_address) > SAME_ADDRESS_SHOWN
    del same_address[SAME_ADDRESS_SHOWN:]
    record_status_reads(actor, same_address, purpose=purpose, organisation_id=organisation_id)
    return CaseDetail(
        case=case_summary(case),
        signals=tuple(_signal_detail(signal) for signal in signals),
        attempts=tuple(
            AttemptDetail(
                uuid=attempt.uuid,
                channel=attempt.channel,
                attempted_at=attempt.attempted_at,
                reached=attempt.reached,
                note=attempt.note,
            )
            for attempt in attempts
        ),
        removed_withdrawals=tuple(
            RemovedWithdrawal(
                creditor=tombstone.creditor.name,
                creditor_reference=tombstone.creditor_reference,
                kind=tombstone.kind,
                received_at=tombstone.received_at,
                withdrawn_at=tombstone.withdrawn_at,
                withdrawal_reason=tombstone.withdrawal_reason,
            )
            for tombstone in removed
            if tombstone.withdrawn_at is not None
        ),
        same_address=tuple(case_summary(other) for other in same_address),
        more_at_address=more_at_address,
        joined_into=case.joined_into.uuid if case.joined_into is not None else None,
        separations=_separations(case),
    )


def _separations(case: Case) -> tuple[Separation, ...]:
    """The separations out of ``case`` and the one that opened it, in the order they were made."""
    found = CaseSeparation.objects.filter(Q(case=case) | Q(into=case)).select_related("case", "into")
    return tuple(
        Separation(
            other=separation.into.uuid if separation.case_id == case.pk else separation.case.uuid,
            separated_at=separation.separated_at,
            signal_count=len(separation.signals),
            moved_out=separation.case_id == case.pk,
        )
        for separation in found.order_by("separated_at", "pk")
    )


def signal_ids_of(*, actor: Actor, case: Case) -> list[str]:
    """The ids of the signals of ``case`` that hold their data (standing or withdrawn): those the
    team may move into a case of their own (``services.case_separate``). What the case page shows
    of them is a recorded read (``case_detail``); this list checks the choice it offered."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=case.municipality_id)
    return [
        str(key)
        for key in Signal.objects.filter(case=case).order_by("received_at", "pk").values_list("uuid", flat=True)
    ]


def record_status_reads(actor: Actor, cases: Sequence[Case], *, purpose: str, organisation_id: int | None) -> None:
    """Record that ``actor`` saw that each of ``cases`` exists and how far it is: a read of its
    household, and of every resident whose BSN pseudonym one of its signals carries, so that they see
    it under "My data" as they see an opening of their case. A case whose data the retention term
    removed has no pseudonyms left and reveals no one's."""
    kept = [case for case in cases if case.household_ref]
    residents: dict[int, set[str]] = {}
    signals = Signal.objects.filter(case__in=kept).exclude(resident_ref="").values_list("case_id", "resident_ref")
    for case_id, resident_ref in signals.distinct():
        residents.setdefault(case_id, set()).add(resident_ref)
    for case in kept:
        subjects = [case.household_ref, *sorted(residents.get(case.pk, ()))]
        status = CASE_STATUS_FIELDS
        _record_reads(actor, case, subjects, purpose=purpose, fields=status, organisation_id=organisation_id)


def _record_reads(
    actor: Actor,
    case: Case,
    subjects: Sequence[str],
    *,
    purpose: str,
    fields: Sequence[str],
    organisation_id: int | None,
) -> None:
    """A read of ``fields`` of ``case`` for each of ``subjects`` (pseudonyms of its household and residents)."""
    for subject_ref in subjects:
        record_read(
            actor=actor,
            subject_ref=subject_ref,
            purpose=purpose,
            fields=fields,
            municipality_id=case.municipality_id,
            organisation_id=organisation_id,
            obj=case,
        )


def _same_address(case: Case) -> list[Case]:
    """The other open cases of the municipality at the case's address, and the cases joined with
    this one: one more than are shown, to tell that there are more. Closed cases are not listed: one
    may be of someone who lived there before, and its outcome is no business of this case (a search
    by the address finds them)."""
    if not case.address_ref:
        return []
    others = _others_at_address(case).filter(Q(status__in=OPEN_STATUSES) | Q(joined_into=case))
    return list(others[: SAME_ADDRESS_SHOWN + 1])


def open_cases_at_address(*, actor: Actor, case: Case) -> list[CaseSummary]:
    """The open cases of the municipality at the address of ``case``, but for ``case`` itself: those
    the team may join with it (``services.case_join``). What the case page lists of them is a
    recorded read (``case_detail``); this list checks the choice it offered."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=case.municipality_id)
    if not case.address_ref:
        return []
    return [case_summary(other) for other in _others_at_address(case).filter(status__in=OPEN_STATUSES)]


def cases_joined_with(*, actor: Actor, case: Case) -> list[CaseSummary]:
    """The case whose join into ``case`` the team may undo (``services.case_split``): that of the
    latest join that stands, as long as its data is there; none when there is no such join."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=case.municipality_id)
    join = CaseJoin.latest_standing(case)
    if join is None:
        return []
    joined = Case.objects.select_related("district").get(pk=join.joined_id)
    if joined.outcome != Case.Outcome.JOINED or joined.joined_into_id != case.pk or joined.erased_at is not None:
        return []
    return [case_summary(joined)]


def _others_at_address(case: Case) -> QuerySet[Case]:
    """The municipality's other cases at the address of ``case``, open ones first."""
    others = Case.objects.filter(municipality_id=case.municipality_id, address_ref=case.address_ref)
    return open_first(others.exclude(pk=case.pk).select_related("district"))


def open_first(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Open cases before closed ones, each the most recently opened first."""
    closed_last = models.Case(models.When(status=Case.Status.CLOSED, then=1), default=0)
    return cases.order_by(closed_last, "-opened_at", "-id")


def _signal_detail(signal: Signal) -> SignalDetail:
    return SignalDetail(
        uuid=signal.uuid,
        creditor=signal.creditor.name,
        creditor_reference=signal.creditor_reference,
        kind=signal.kind,
        received_at=signal.received_at,
        initials=signal.initials,
        given_name=signal.given_name,
        surname_prefix=signal.surname_prefix,
        surname=signal.surname,
        date_of_birth=signal.date_of_birth,
        street=signal.street,
        house_number=signal.house_number,
        house_number_addition=signal.house_number_addition,
        postcode=signal.postcode,
        city=signal.city,
        phone=signal.phone,
        email=signal.email,
        arrears_amount=signal.arrears_amount,
        months_in_arrears=signal.months_in_arrears,
        reminder_date=signal.reminder_date,
        signal_date=signal.signal_date,
        receipt_warnings=tuple(signal.receipt_warnings.split()),
        withdrawn_at=signal.withdrawn_at,
        withdrawal_reason=signal.withdrawal_reason,
    )


# --- the early-signalling team's pages and the municipality's settings -----------------------------------

TRAY_PAGE_SIZE = 50


@dataclass(frozen=True)
class _Paged:
    """Where a page of a list of cases stands among its pages."""

    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class TrayPage(_Paged):
    """One page of a tray, in the order of :func:`cases_of_municipality`. No personal data."""

    cases: tuple[CaseSummary, ...]


def tray_page(
    *,
    actor: Actor,
    municipality_id: int,
    status: str,
    district_code: str | None = None,
    number: int = 1,
    per_page: int = TRAY_PAGE_SIZE,
) -> TrayPage:
    """Page ``number`` of one tray (the last page when ``number`` lies beyond it)."""
    cases = _tray(actor, municipality_id, district_code).filter(status=status).select_related("district")
    cases = cases.order_by("-closed_at", "-id") if status == Case.Status.CLOSED else _soonest_first(cases)
    page = Paginator(cases, per_page).get_page(number)
    shown = list(page.object_list)
    withdrawn = _withdrawn_signals(shown)
    return TrayPage(
        cases=tuple(case_summary(case, withdrawn_signals=withdrawn[case.pk]) for case in shown),
        number=page.number,
        pages=page.paginator.num_pages,
        total=page.paginator.count,
    )


def case_of_municipality(*, actor: Actor, municipality_id: int, case_id: uuid.UUID) -> Case:
    """A case of this municipality, for the early-signalling officer to act on. The case holds no
    personal data; reading its signals goes through :func:`case_detail`."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality_id)
    case = _visible_cases(actor).filter(municipality_id=municipality_id, uuid=case_id).first()
    if case is None:
        raise CaseNotFoundError(str(case_id))
    return case


def letter_template_of(*, municipality_id: int) -> LetterTemplate | None:
    """The municipality's own text of the offer letter; None while it uses the standard text."""
    return LetterTemplate.objects.filter(municipality_id=municipality_id).first()


@dataclass(frozen=True)
class ThresholdSetting:
    creditor_kind: str
    label: str
    minimum_amount: Decimal
    minimum_months_in_arrears: int


@dataclass(frozen=True)
class MunicipalitySettingsView:
    regular_term_days: int
    urgent_term_working_days: int
    retention_days: int | None
    retention_after_help_days: int | None
    thresholds: tuple[ThresholdSetting, ...]


def municipality_settings_of(*, actor: Actor, municipality_id: int) -> MunicipalitySettingsView:
    """The terms, retention terms and thresholds of a municipality (the defaults where it set none),
    for its application managers."""
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality_id)
    row = MunicipalitySettings.of(municipality_id)
    stored = {
        threshold.creditor_kind: threshold
        for threshold in CreditorKindThreshold.objects.filter(municipality_id=municipality_id)
    }
    thresholds = []
    for kind in CREDITOR_KINDS:
        threshold = stored.get(kind.value)
        thresholds.append(
            ThresholdSetting(
                creditor_kind=kind.value,
                label=str(kind.label),
                minimum_amount=threshold.minimum_amount if threshold is not None else Decimal(0),
                minimum_months_in_arrears=threshold.minimum_months_in_arrears if threshold is not None else 0,
            )
        )
    return MunicipalitySettingsView(
        regular_term_days=row.regular_term_days,
        urgent_term_working_days=row.urgent_term_working_days,
        retention_days=row.retention_days,
        retention_after_help_days=row.retention_after_help_days,
        thresholds=tuple(thresholds),
    )


# A case whose term ends within this many working days is flagged before it runs late.
DUE_SOON_WORKING_DAYS = 2


def _due_soon(due: date) -> bool:
    """``due`` is today or within two working days."""
    today = timezone.localdate()
    return today <= due <= add_working_days(today, DUE_SOON_WORKING_DAYS)


def offer_due_soon(case: CaseSummary) -> bool:
    """No offer made yet, and the term ends today or within two working days."""
    if case.first_offer_at is not None or case.status == Case.Status.CLOSED:
        return False
    return _due_soon(case.first_offer_due)


def threat_due_soon(case: CaseSummary) -> bool:
    """A threatening signal after the first offer waits for a response due today or within two
    working days."""
    if case.threat_due is None or case.status == Case.Status.CLOSED:
        return False
    return _due_soon(case.threat_due)


# --- the creditor's proof of receipt -------------------------------------------------------------------

PROOF_ACTION = "early_signals.proof.read"


@dataclass(frozen=True)
class SignalProof:
    """That the municipality received a creditor's signal, in two RFC 9162 steps (``in_log``): the
    signal as an item of the entry that stands for the signals of a written chunk of its delivery,
    by its path to the entry's root, and that entry in the municipality's shared log, by its
    inclusion (None until the entry is sequenced and a checkpoint includes it). No personal data:
    the item holds a hash of the reference and dates and names no household."""

    creditor_reference: str
    in_log: BatchItemProof


def signal_proof(*, actor: Actor, creditor: Organisation, reference: str, via: str = "api") -> SignalProof | None:
    """The proof that the municipality received ``creditor``'s signal with ``reference``, also
    after its personal data was removed; None when the creditor has no such signal, or it was
    received before signals were written to the log as items (it has no place to prove). Only the
    creditor's own signals are looked up, so another creditor's reference is simply not found.
    Every call is recorded in the audit log before the answer is returned."""
    proof = _signal_proof(creditor, reference)
    record_access(
        action=PROOF_ACTION,
        actor_id=actor.user_id,
        actor_label=actor.label,
        details={"creditor": creditor.slug, "via": via, "found": proof is not None},
    )
    return proof


def _signal_proof(creditor: Organisation, reference: str) -> SignalProof | None:
    place = _place_in_log(creditor, reference)
    found = batch_item(*place) if place is not None else None
    return SignalProof(reference, found) if found is not None else None


def _place_in_log(creditor: Organisation, reference: str) -> tuple[int, int] | None:
    """The entry and position of the creditor's signal, or of what remains of it after its
    personal data was removed. Only these two columns are read: none of the signal's personal data."""
    for model in (Signal, SignalTombstone):
        place = (
            model._default_manager.filter(creditor=creditor, creditor_reference=reference)
            .values_list("ledger_entry_id", "ledger_position")
            .first()
        )
        if place is not None:
            entry_id, position = place
            return (entry_id, position) if entry_id is not None and position is not None else None
    return None


# --- retention terms, and the reached cases that wait on the team ------------------------------------------


@dataclass(frozen=True)
class RetentionTerms:
    """A municipality's two retention terms in days: its own where it set one, else the installation's."""

    without_help_days: int
    after_help_days: int


def retention_terms_of(municipality_settings: MunicipalitySettings | None) -> RetentionTerms:
    own = municipality_settings
    return RetentionTerms(
        without_help_days=(own.retention_days if own else None) or settings.EARLY_SIGNALS_RETENTION_DAYS,
        after_help_days=(own.retention_after_help_days if own else None)
        or settings.EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS,
    )


def first_day_in_term(today: date, term_days: int) -> date:
    """What happened on day D lies within a term through day D + term, by the Dutch date: on
    ``today``, what happened before the day this returns lies past the term."""
    return today - timedelta(days=term_days)


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def retention_removes_next(case: Case, last_signal_at: datetime | None) -> int | None:
    """The retention term in days when the next retention run closes ``case`` and removes its data:
    it is open, nobody reached the household, and its last signal (``last_signal_at``) came in
    before the term (early_signals.retention); None otherwise."""
    if case.status == Case.Status.CLOSED or case.first_contact_at is not None or last_signal_at is None:
        return None
    term_days, first_kept = _kept_without_help(case.municipality_id)
    return term_days if last_signal_at < first_kept else None


def _kept_without_help(municipality_id: int) -> tuple[int, datetime]:
    """The municipality's retention term without help, in days, and the moment from which what
    happened lies within it today."""
    term_days = retention_terms_of(MunicipalitySettings.of(municipality_id)).without_help_days
    return term_days, start_of(first_day_in_term(timezone.localdate(), term_days))


def _last_activity() -> Greatest:
    """The later of the case's last change by the team (an attempt, a move: every service that
    changes a case sets ``updated_at``) and its last signal (a signal that joins does not)."""
    last_signal = Signal.objects.filter(case_id=OuterRef("pk")).order_by("-received_at").values("received_at")[:1]
    return Greatest("updated_at", Coalesce(Subquery(last_signal), "updated_at"))


def reached_without_activity(cases: QuerySet[Case], since: datetime) -> QuerySet[Case]:
    """The open cases among ``cases`` in which the household was reached and nothing happened from
    ``since`` on: no attempt, no move or other change, no signal. Annotated with ``last_activity``.
    The retention run counts them; they stay open, for the team to close or to continue."""
    return (
        cases.filter(
            status__in=OPEN_STATUSES,
            erased_at__isnull=True,
            first_contact_at__isnull=False,
        )
        .annotate(last_activity=_last_activity())
        .filter(last_activity__lt=since)
    )


@dataclass(frozen=True)
class InactiveCase:
    case: CaseSummary
    last_activity: datetime


@dataclass(frozen=True)
class InactivePage(_Paged):
    """One page of the open cases of a municipality in which the household was reached and that had
    no activity for more than ``term_days`` (its retention term), the longest quiet first. No
    personal data."""

    term_days: int
    cases: tuple[InactiveCase, ...]


def _inactive(actor: Actor, municipality_id: int, district_code: str | None) -> tuple[int, QuerySet[Case]]:
    term_days, since = _kept_without_help(municipality_id)
    return term_days, reached_without_activity(_tray(actor, municipality_id, district_code), since)


@dataclass(frozen=True)
class InactiveCount:
    count: int
    term_days: int


def inactive_count(*, actor: Actor, municipality_id: int, district_code: str | None = None) -> InactiveCount:
    """How many open cases in which the household was reached had no activity for more than the
    municipality's retention term, and that term in days."""
    term_days, cases = _inactive(actor, municipality_id, district_code)
    return InactiveCount(count=cases.count(), term_days=term_days)


def inactive_page(
    *,
    actor: Actor,
    municipality_id: int,
    district_code: str | None = None,
    number: int = 1,
    per_page: int = TRAY_PAGE_SIZE,
) -> InactivePage:
    """Page ``number`` of the cases :func:`inactive_count` counts (the last page when ``number``
    lies beyond it), the longest without activity first."""
    term_days, cases = _inactive(actor, municipality_id, district_code)
    page = Paginator(cases.select_related("district").order_by("last_activity", "id"), per_page).get_page(number)
    return InactivePage(
        term_days=term_days,
        cases=tuple(
            InactiveCase(case=case_summary(case), last_activity=case.last_activity) for case in page.object_list
        ),
        number=page.number,
        pages=page.paginator.num_pages,
        total=page.paginator.count,
    )
