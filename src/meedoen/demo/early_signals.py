"""The demo's early signalling: creditors of every kind with agreements and an API token each, and
about sixty synthetic signals per municipality, delivered over the last five months through the
intake itself, so that cases, links, shared-log entries and audit records are real; the team's work
on them (letters, calls, visits, outcomes) is recorded through the services too, as are two
signals their creditors withdrew.

Every person, street and reference here is invented; the postcode areas are those of the real
villages, so each case lands in its district. The tokens are derived from a fixed text and are
therefore public: the demo issues them only with the demo settings (``DEMO_MODE``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Min
from django.utils import timezone

from meedoen.core.access import Actor
from meedoen.early_signals import letters
from meedoen.early_signals.deadlines import first_offer_due
from meedoen.early_signals.formats import COLUMN_NAMES, FORMAT_VERSION
from meedoen.early_signals.models import (
    CREDITOR_KINDS,
    Case,
    ContactAttempt,
    CreditorAgreement,
    CreditorToken,
    Delivery,
    LetterTemplate,
    MunicipalitySettings,
    Signal,
    SignalTombstone,
    WithdrawalReason,
)
from meedoen.early_signals.services import (
    TOKEN_START,
    agreement_set,
    attempt_record,
    case_close,
    case_move,
    letter_template_set,
    signals_deliver_file,
    signals_deliver_json,
    token_create,
    token_digest,
)
from meedoen.early_signals.withdrawals import WITHDRAWN, signal_withdraw
from meedoen.organisations.models import Municipality, Organisation

# The demo's creditors, by their key in demo.personas: the local housing corporation and the
# regional energy supplier, drinking-water company and health insurer.
CREDITOR_KEYS = ("woningcorporatie", "energie", "water", "zorgverzekeraar")
# The team that works the signals (the vroegsignaleerder personas belong to it).
TEAM_KEY = "gemeente"
TOKEN_LABEL = "demo"  # noqa: S105  (a label, not a secret)
# How residents reach the demo team, in the offer letter (an address at a domain that never exists).
DEMO_CONTACT = (
    "Mail naar vroegsignalering@{slug}.example, of kom op werkdagen tussen 9 en 12 uur langs bij het"
    " spreekuur in het gemeentehuis."
)
REFERENCE_START = "DEMO"
# Each creditor delivers on its own weekday, at its own time.
DELIVERY_DAY = {"woningcorporatie": 0, "energie": 1, "water": 2, "zorgverzekeraar": 3}
DELIVERY_TIME = {
    "woningcorporatie": time(9, 10),
    "energie": time(10, 40),
    "water": time(8, 25),
    "zorgverzekeraar": time(14, 5),
}
MONTHLY_AMOUNT = {"woningcorporatie": 640, "energie": 160, "water": 28, "zorgverzekeraar": 145}

# Villages with their four-digit postcode areas (see areas/data/demo-postcodes.json) and invented streets.
VILLAGES = {
    "GM0867": (
        ("Waalwijk", ("5141", "5142", "5143", "5144", "5145", "5146"), 6),
        ("Sprang-Capelle", ("5161", "5162"), 3),
        ("Waspik", ("5165",), 2),
    ),
    "GM0938": (
        ("Meerssen", ("6231",), 4),
        ("Ulestraten", ("6235",), 2),
        ("Bunde", ("6241",), 2),
        ("Geulle", ("6243",), 1),
    ),
}
STREETS = (
    "Denkbeeldstraat",
    "Verzonnenlaan",
    "Voorbeeldhof",
    "Proefweg",
    "Fictiesingel",
    "Oefenpad",
    "Schetsplein",
    "Ontwerpstraat",
)
GIVEN_NAMES = (
    "Anna", "Bram", "Chantal", "Dirk", "Esra", "Femke", "Gerrit", "Hanna", "Ilse", "Jeroen", "Kees", "Latifa",
    "Marco", "Nadia", "Otto", "Petra", "Quinten", "Rosa", "Sem", "Tamara", "Umut", "Vera", "Wim", "Yara",
)  # fmt: skip
SURNAMES = (
    ("", "Aarts"), ("van", "Beek"), ("", "Claessens"), ("de", "Bruijn"), ("", "Driessen"), ("van den", "Heuvel"),
    ("", "Evers"), ("", "Franssen"), ("", "Geurts"), ("van", "Hal"), ("", "Hendriks"), ("", "Jacobs"),
    ("", "Kuijpers"), ("", "Linders"), ("van der", "Meer"), ("", "Nijssen"), ("", "Op den Kamp"), ("", "Peeters"),
    ("", "Raaijmakers"), ("", "Schreurs"), ("", "Timmermans"), ("", "Ubachs"), ("", "Vermeulen"), ("", "Wouters"),
)  # fmt: skip

# Names people are called by, beside the initials of other given names ("Lies" for "E.", Elisabeth).
CALL_NAMES = ("Lies", "Mien", "Toos")
# A twin's given name, with the same initial as a name of GIVEN_NAMES.
TWIN_NAMES = (
    "Arjen", "Bas", "Carmen", "Daan", "Emre", "Fleur", "Gijs", "Hugo", "Iris", "Joost", "Kim", "Lars",
    "Mila", "Noor", "Olga", "Pim", "Quirine", "Ruben", "Saar", "Thijs", "Ufuk", "Vince", "Wessel", "Yusuf",
)  # fmt: skip
# How many households end up in which tray, and how long ago their first signal came (days).
PLANS = (
    ("closed", 20, (55, 150)),
    ("in_help", 7, (35, 100)),
    ("contacted", 7, (18, 60)),
    ("to_contact", 8, (8, 40)),
    ("new", 5, (0, 12)),
    ("overdue", 2, (33, 45)),
    ("threatening", 1, (6, 8)),
)
OUTCOMES = (
    Case.Outcome.QUICK_FIX,
    Case.Outcome.PAYMENT_ARRANGEMENT,
    Case.Outcome.REFERRED_DEBT_HELP,
    Case.Outcome.NO_CONTACT,
    Case.Outcome.PAYMENT_ARRANGEMENT,
    Case.Outcome.REFERRED_PARTNER,
    Case.Outcome.SELF_RESOLVED,
    Case.Outcome.DECLINED,
    Case.Outcome.QUICK_FIX,
    Case.Outcome.NO_CONTACT,
)
NOTES: dict[str, str] = {
    ContactAttempt.Channel.LETTER: "Brief met aanbod van een gesprek verstuurd.",
    ContactAttempt.Channel.PHONE: "Gebeld.",
    ContactAttempt.Channel.TEXT: "Sms gestuurd met het aanbod.",
    ContactAttempt.Channel.EMAIL: "E-mail met het aanbod gestuurd.",
    ContactAttempt.Channel.HOME_VISIT: "Langs geweest (Vroeg Eropaf).",
}


@dataclass(frozen=True)
class DemoToken:
    organisation: str
    slug: str
    token: str
    municipalities: tuple[str, ...]


@dataclass
class _Household:
    number: int
    plan: str
    row: dict[str, Any]
    signals: list[tuple[str, datetime, str]] = field(default_factory=list)  # creditor key, received, kind
    references: list[str] = field(default_factory=list)


def demo_token(slug: str) -> str:
    """The demo token of a creditor: derived from a fixed text, so it is public and the same on every load."""
    digest = hashlib.sha256(f"Meedoen demo creditor token, public: {slug}".encode()).hexdigest()
    return f"{TOKEN_START}demo_{digest[:40]}"


def load_early_signals(
    actor: Actor, municipalities: dict[str, Municipality], organisations: dict[tuple[str, str], Organisation]
) -> None:
    """Agreements and tokens for the demo creditors; signals and the team's work on them, once."""
    for code, municipality in municipalities.items():
        for key in CREDITOR_KEYS:
            creditor = organisations[(code, key)]
            if not CreditorAgreement.objects.filter(organisation=creditor, municipality=municipality).exists():
                agreement_set(actor=actor, organisation=creditor, municipality=municipality)
    if settings.DEMO_MODE:
        every_creditor = {organisations[(code, key)] for code in municipalities for key in CREDITOR_KEYS}
        for creditor in sorted(every_creditor, key=lambda organisation: organisation.slug):
            raw = demo_token(creditor.slug)
            if not CreditorToken.objects.filter(token_sha256=token_digest(raw)).exists():
                token_create(actor=actor, organisation=creditor, label=TOKEN_LABEL, raw=raw)
    for municipality in municipalities.values():
        if not LetterTemplate.objects.filter(municipality=municipality).exists():
            # The standard text, with how residents reach the team (an invented address).
            letter_template_set(
                actor=actor,
                municipality=municipality,
                subject=letters.STANDARD_SUBJECT,
                body=letters.STANDARD_BODY,
                urgent_subject=letters.STANDARD_URGENT_SUBJECT,
                urgent_body=letters.STANDARD_URGENT_BODY,
                sender=letters.STANDARD_SENDER,
                contact=DEMO_CONTACT.format(slug=municipality.slug),
            )
    for code, municipality in municipalities.items():
        if _delivered_before(municipality):
            continue
        team = organisations[(code, TEAM_KEY)]
        creditors = {key: organisations[(code, key)] for key in CREDITOR_KEYS}
        _load_municipality(actor, municipality, team, creditors)


def demo_tokens() -> list[DemoToken]:
    """The demo's creditor tokens that still work, to print with the demo logins."""
    if not settings.DEMO_MODE:
        return []
    found = []
    for creditor in Organisation.objects.filter(kind__in=CREDITOR_KINDS).order_by("name"):
        raw = demo_token(creditor.slug)
        if not CreditorToken.objects.filter(token_sha256=token_digest(raw), revoked_at__isnull=True).exists():
            continue
        towns = CreditorAgreement.objects.filter(organisation=creditor, active=True).order_by("municipality__name")
        found.append(
            DemoToken(creditor.name, creditor.slug, raw, tuple(towns.values_list("municipality__name", flat=True)))
        )
    return found


def _delivered_before(municipality: Municipality) -> bool:
    start = f"{REFERENCE_START}-{municipality.code}-"
    return (
        Signal.objects.filter(municipality=municipality, creditor_reference__startswith=start).exists()
        or SignalTombstone.objects.filter(municipality=municipality, creditor_reference__startswith=start).exists()
    )


# --- the households and their signals ----------------------------------------------------------------------


def _households(municipality: Municipality, now: datetime, rng: random.Random) -> list[_Household]:
    villages = [village for village in VILLAGES[municipality.code] for _ in range(village[2])]
    plans = [(plan, span) for plan, count, span in PLANS for _ in range(count)]
    households = []
    for number, (plan, (earliest, latest)) in enumerate(plans, start=1):
        town, areas, _weight = rng.choice(villages)
        prefix, surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN_NAMES)
        letters = rng.choice("ABCDEGHJKLMNPRTVWXZ") + rng.choice("ABCDEGHJKLMNPRTVWXZ")
        row = {
            "municipality": municipality.code,
            "initials": f"{given[0]}.",
            "given_name": given,
            "surname_prefix": prefix,
            "surname": surname,
            "date_of_birth": date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            "street": rng.choice(STREETS),
            "house_number": rng.randint(1, 180),
            "house_number_addition": rng.choice(["", "", "", "A", "B", "2"]),
            "postcode": f"{rng.choice(areas)} {letters}",
            "city": town,
            # Numbers in 06-0..., a range that is not handed out, and addresses at example.org.
            "phone": f"06 0{rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else "",
            "email": f"{given.lower()}.{surname.lower().replace(' ', '')}@example.org" if rng.random() < 0.3 else "",
        }
        household = _Household(number, plan, row)
        first_creditor = rng.choice(CREDITOR_KEYS)
        days_ago = rng.randint(earliest, latest)
        kind = "arrears"
        if plan == "threatening":
            first_creditor, kind = "woningcorporatie", "threat"
        elif first_creditor == "energie" and rng.random() < 0.25:
            kind = "end_of_supply"
        elif first_creditor == "woningcorporatie" and rng.random() < 0.1:
            kind = "threat"
        household.signals.append((first_creditor, _delivery_moment(first_creditor, now, days_ago), kind))
        # Some households are signalled by a second (and third) creditor within a few weeks.
        extra = 0 if plan in ("new", "overdue", "threatening") else rng.choice([0, 0, 0, 0, 1, 1, 2])
        others = [key for key in CREDITOR_KEYS if key != first_creditor]
        rng.shuffle(others)
        for creditor in others[:extra]:
            later = max(0, days_ago - rng.randint(3, 20))
            household.signals.append((creditor, _delivery_moment(creditor, now, later), "arrears"))
        households.append(household)
    # First, so that the case a creditor withdraws (the last household in "new") is another.
    return [_called_by(households, now), *households, _twin(households, now)]


def _called_by(households: list[_Household], now: datetime) -> _Household:
    """A person of a household in the tray "to contact" again, two days ago, from a creditor that
    knows her by the name she is called by instead of the initials of her given names: linking keeps
    the two apart, the case page shows them side by side and lets the team join them."""
    known = next(household for household in households if household.plan == "to_contact")
    given = known.row["given_name"]
    called = next(name for name in CALL_NAMES if name[0] != given[0])
    again = _Household(len(households) + 1, "new", known.row | {"initials": "", "given_name": called})
    creditor = next((key for key in CREDITOR_KEYS if key not in {signal[0] for signal in known.signals}), "energie")
    again.signals.append((creditor, _delivery_moment(creditor, now, 2), "arrears"))
    return again


def _twin(households: list[_Household], now: datetime) -> _Household:
    """The twin of a person in a household in the tray "new", with the same initial, at the same
    address, from another creditor a day ago: linking takes the two for one person and puts the
    twin's signal in that case, from which the team moves it to a case of its own."""
    known = next(household for household in households if household.plan == "new")
    given = known.row["given_name"]
    name = next(twin for twin in TWIN_NAMES if twin[0] == given[0])
    # A plan of its own: the team has not begun on that case, and no creditor withdraws this signal.
    twin = _Household(len(households) + 2, "twin", known.row | {"initials": f"{name[0]}.", "given_name": name})
    creditor = next(key for key in CREDITOR_KEYS if key not in {signal[0] for signal in known.signals})
    twin.signals.append((creditor, _delivery_moment(creditor, now, 1), "arrears"))
    return twin


def _delivery_moment(creditor: str, now: datetime, days_ago: int) -> datetime:
    """The creditor's weekly delivery on or before the day ``days_ago`` days back; never in the future."""
    day = timezone.localdate(now) - timedelta(days=days_ago)
    day -= timedelta(days=(day.weekday() - DELIVERY_DAY[creditor]) % 7)
    moment = timezone.make_aware(datetime.combine(day, DELIVERY_TIME[creditor]))
    return min(moment, now - timedelta(minutes=30))


def _signal_row(
    household: _Household, creditor: str, received: datetime, kind: str, rng: random.Random
) -> dict[str, Any]:
    signal_day = timezone.localdate(received) - timedelta(days=rng.randint(0, 2))
    months = rng.randint(1, 5) if kind == "arrears" else rng.randint(2, 8)
    amount = Decimal(MONTHLY_AMOUNT[creditor] * months + rng.randint(0, 99)) + Decimal(rng.randint(0, 99)) / 100
    reference = (
        f"{REFERENCE_START}-{household.row['municipality']}-{creditor[:3].upper()}-"
        f"{household.number:03d}-{len(household.references) + 1}"
    )
    household.references.append(reference)
    return household.row | {
        "creditor_reference": reference,
        "signal_kind": kind,
        "bsn": "",
        "arrears_amount": f"{amount:.2f}",
        "months_in_arrears": months,
        "reminder_date": (signal_day - timedelta(days=rng.randint(10, 30))).isoformat(),
        "signal_date": signal_day.isoformat(),
    }


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row.get(name) for name in COLUMN_NAMES])
    return buffer.getvalue().encode("utf-8")


def _load_municipality(
    actor: Actor, municipality: Municipality, team: Organisation, creditors: dict[str, Organisation]
) -> None:
    now = timezone.now()
    # Made-up data, the same on every load; nothing secret is drawn from it.
    rng = random.Random(f"meedoen demo signals {municipality.code}")  # noqa: S311
    households = _households(municipality, now, rng)
    # One delivery per creditor and moment: the housing corporation sends files, the others use the API.
    deliveries: dict[tuple[datetime, str], list[tuple[_Household, dict[str, Any]]]] = defaultdict(list)
    for household in households:
        for creditor, received, kind in household.signals:
            row = _signal_row(household, creditor, received, kind, rng)
            deliveries[(received, creditor)].append((household, row))
    for (received, creditor), items in sorted(deliveries.items()):
        rows = [row for _household, row in items]
        if creditor == "woningcorporatie":
            answer = signals_deliver_file(actor=actor, creditor=creditors[creditor], content=_csv(rows))
        else:
            batch = {"format_version": FORMAT_VERSION, "signals": rows}
            answer = signals_deliver_json(
                actor=actor, creditor=creditors[creditor], content=json.dumps(batch).encode("utf-8")
            )
        refused = [row.creditor_reference for row in answer.rows if row.outcome != "accepted"]
        if answer.fatal or refused:
            raise RuntimeError(f"the demo signals were not all accepted: {refused or answer.problems}")
        _backdate_delivery(answer.receipt.delivery, received)
    _backdate_cases(municipality)
    _work(actor, municipality, team, households, now, rng)
    _withdraw(actor, municipality, creditors, households, now)


# --- history ---------------------------------------------------------------------------------------------
#
# The intake stamps what it receives with the present moment, and so does the team's work. The demo
# tells five months in one go, so it moves those moments back afterwards to when they happened in
# the story. Entries in the shared log keep the moment they were really written.


def _backdate_delivery(delivery: Any, received: datetime) -> None:
    Delivery.objects.filter(uuid=delivery).update(received_at=received, completed_at=received + timedelta(seconds=4))
    Signal.objects.filter(delivery__uuid=delivery).update(received_at=received)


def _backdate_cases(municipality: Municipality) -> None:
    terms = MunicipalitySettings.objects.get(municipality=municipality)
    cases = Case.objects.filter(municipality=municipality).annotate(first=Min("signals__received_at"))
    for case in cases:
        due = min(
            first_offer_due(
                received_on=timezone.localdate(signal.received_at),
                threatening=signal.threatening,
                regular_term_days=terms.regular_term_days,
                urgent_term_working_days=terms.urgent_term_working_days,
            )
            for signal in case.signals.all()
        )
        Case.objects.filter(pk=case.pk).update(opened_at=case.first, first_offer_due=due)


def _work(
    actor: Actor,
    municipality: Municipality,
    team: Organisation,
    households: list[_Household],
    now: datetime,
    rng: random.Random,
) -> None:
    """What the team did with each household's case, as its plan says."""
    outcomes = iter(OUTCOMES * 3)
    for household in households:
        if household.plan in ("new", "overdue", "threatening", "twin"):
            continue
        case = Case.objects.get(municipality=municipality, signals__creditor_reference=household.references[0])
        story = _Story(actor=actor, team=team, case=case, now=now, rng=rng)
        story.events.append(max(case.opened_at, *(received for _creditor, received, _kind in household.signals)))
        story.tell(household.plan, next(outcomes) if household.plan == "closed" else "")
    # A case nobody worked on yet last changed when its last signal came.
    for case in Case.objects.filter(municipality=municipality, status=Case.Status.NEW).annotate(
        last=Max("signals__received_at")
    ):
        Case.objects.filter(pk=case.pk).update(updated_at=case.last)


def _withdraw(
    actor: Actor,
    municipality: Municipality,
    creditors: dict[str, Organisation],
    households: list[_Household],
    now: datetime,
) -> None:
    """Two creditors take a signal back: one the team already works on (the arrears were paid; the
    case stays, and its page says so), and the only signal of a case nobody began on (a payment
    arrangement; the case closes as withdrawn)."""
    worked_on = next(household for household in households if household.plan == "contacted")
    untouched = next(household for household in reversed(households) if household.plan == "new")
    for household, reason in ((worked_on, WithdrawalReason.PAID), (untouched, WithdrawalReason.ARRANGEMENT)):
        creditor, received, _kind = household.signals[0]
        reference = household.references[0]
        answer = signal_withdraw(actor=actor, creditor=creditors[creditor], reference=reference, reason=reason)
        if answer.outcome != WITHDRAWN:
            raise RuntimeError(f"the demo withdrawal of {reference} was answered {answer.outcome}")
        last = max(moment for _creditor, moment, _kind in household.signals)
        at = min(now - timedelta(hours=1), max(last, received) + timedelta(days=2, hours=3))
        Signal.objects.filter(creditor=creditors[creditor], creditor_reference=reference).update(withdrawn_at=at)
        closed = Case.objects.filter(
            municipality=municipality, signals__creditor_reference=reference, status=Case.Status.CLOSED
        )
        closed.update(closed_at=at, updated_at=at)


@dataclass
class _Story:
    """The team's work on one case, told through the services, then moved back to when it happened."""

    actor: Actor
    team: Organisation
    case: Case
    now: datetime
    rng: random.Random
    events: list[datetime] = field(default_factory=list)

    def later(self, days: tuple[int, int]) -> datetime:
        """Some days after the last thing that happened, yet in the past."""
        at = self.events[-1] + timedelta(days=self.rng.randint(*days), hours=self.rng.randint(1, 6))
        at = min(at, max(self.now - timedelta(hours=1), self.events[-1] + timedelta(minutes=1)))
        self.events.append(at)
        return at

    def attempt(self, channel: str, *, reached: bool, days: tuple[int, int]) -> None:
        attempt_record(
            actor=self.actor,
            case=self.case,
            organisation=self.team,
            channel=channel,
            attempted_at=self.later(days),
            reached=reached,
            note=NOTES[channel],
        )

    def tell(self, plan: str, outcome: str) -> None:
        rng, case = self.rng, self.case
        # A few first offers come after the term.
        self.attempt(ContactAttempt.Channel.LETTER, reached=False, days=(25, 40) if rng.random() < 0.2 else (2, 12))
        reaching = rng.choice([ContactAttempt.Channel.PHONE, ContactAttempt.Channel.HOME_VISIT])
        if plan == "to_contact" and rng.random() < 0.5:
            self.attempt(
                rng.choice([ContactAttempt.Channel.PHONE, ContactAttempt.Channel.TEXT]), reached=False, days=(3, 7)
            )
        elif plan in ("contacted", "in_help"):
            self.attempt(reaching, reached=True, days=(3, 9))
        if plan == "in_help":
            case_move(actor=self.actor, case=case, organisation=self.team, status=Case.Status.IN_HELP)
            self.later((2, 10))
        elif plan == "closed":
            if outcome == Case.Outcome.NO_CONTACT:
                self.attempt(ContactAttempt.Channel.PHONE, reached=False, days=(3, 7))
                self.attempt(ContactAttempt.Channel.HOME_VISIT, reached=False, days=(5, 12))
            else:
                self.attempt(reaching, reached=True, days=(3, 9))
            case_close(actor=self.actor, case=case, organisation=self.team, outcome=outcome)
            Case.objects.filter(pk=case.pk).update(closed_at=self.later((3, 21)))
        ContactAttempt.objects.filter(case=case).update(recorded_at=F("attempted_at"))
        Case.objects.filter(pk=case.pk).update(updated_at=self.events[-1])
