"""Signals of payment arrears that creditors deliver, the cases they are linked into, and the
agreements, tokens and municipal settings that govern the intake.

A signal holds the personal data the creditor sent (name, date of birth, address, contact details,
arrears). The BSN, when sent, is not stored: only its pseudonym (``resident_ref``). A case holds no
names or addresses, only keyed pseudonyms of the household and its address, so the case list can be
read without reading personal data.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meedoen.areas.models import Area
from meedoen.core.ids import uuid7
from meedoen.organisations.models import Municipality, Organisation

# The organisation kinds that deliver signals: the "vaste lasten" partners of the Wgs.
CREDITOR_KINDS = (
    Organisation.Kind.HOUSING_CORPORATION,
    Organisation.Kind.ENERGY_SUPPLIER,
    Organisation.Kind.WATER_COMPANY,
    Organisation.Kind.HEALTH_INSURER,
)
DEFAULT_REGULAR_TERM_DAYS = 28
DEFAULT_URGENT_TERM_WORKING_DAYS = 3


class CreditorAgreement(models.Model):
    """A creditor may deliver signals about residents of a municipality while this is active."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("creditor agreement")
        verbose_name_plural = _("creditor agreements")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "municipality"], name="early_signals_agreement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} - {self.municipality_id}"


class CreditorToken(models.Model):
    """An API token of a creditor. Only the SHA-256 of the token is kept; the token is shown once."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    token_sha256 = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    # The first characters of the token, so staff and the creditor can tell tokens apart.
    prefix = models.CharField(_("prefix"), max_length=16)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("creditor token")
        verbose_name_plural = _("creditor tokens")

    def __str__(self) -> str:
        return self.prefix


class MunicipalitySettings(models.Model):
    """How a municipality handles signals. Without a row, the defaults apply."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="early_signals_settings",
    )
    regular_term_days = models.PositiveSmallIntegerField(
        _("term for a first offer (days)"),
        default=DEFAULT_REGULAR_TERM_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Calendar days from receipt of a signal to the first offer of a conversation."),
    )
    urgent_term_working_days = models.PositiveSmallIntegerField(
        _("term for a first offer when the situation threatens (working days)"),
        default=DEFAULT_URGENT_TERM_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Working days from receipt of an eviction or end-of-supply signal to the first offer."),
    )
    retention_days = models.PositiveSmallIntegerField(
        _("retention term (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Days after a case without follow-up closes before the personal data of its signals is "
            "removed. Empty: the term of the installation (EARLY_SIGNALS_RETENTION_DAYS)."
        ),
    )
    retention_after_help_days = models.PositiveSmallIntegerField(
        _("retention term after help (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Days after a case closed with help accepted before the personal data of its signals is removed. "
            "Empty: the term of the installation (EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS)."
        ),
    )

    class Meta:
        verbose_name = _("early-signalling settings")
        verbose_name_plural = _("early-signalling settings")

    def __str__(self) -> str:
        return str(self.municipality_id)

    @classmethod
    def of(cls, municipality_id: int) -> MunicipalitySettings:
        """The municipality's settings, or the defaults (unsaved) when it has set none."""
        found = cls.objects.filter(municipality_id=municipality_id).first()
        return found or cls(municipality_id=municipality_id)


class CreditorKindThreshold(models.Model):
    """The least arrears a municipality takes up, per kind of creditor (for regular arrears)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    creditor_kind = models.CharField(
        _("kind of creditor"), max_length=30, choices=[(kind.value, kind.label) for kind in CREDITOR_KINDS]
    )
    minimum_amount = models.DecimalField(
        _("minimum arrears (euro)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    minimum_months_in_arrears = models.PositiveSmallIntegerField(
        _("minimum months in arrears"), default=0, validators=[MaxValueValidator(240)]
    )

    class Meta:
        verbose_name = _("threshold per kind of creditor")
        verbose_name_plural = _("thresholds per kind of creditor")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "creditor_kind"], name="early_signals_threshold_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} - {self.creditor_kind}"


class Delivery(models.Model):
    """The receipt of one delivery: a file or an API batch. Counts only, never the rows' contents."""

    class Channel(models.TextChoices):
        CSV = "csv", _("CSV file")
        XLSX = "xlsx", _("XLSX file")
        JSON = "json", _("JSON (API)")

    uuid = models.UUIDField(_("id"), default=uuid7, unique=True, editable=False)
    creditor = models.ForeignKey(Organisation, verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    format_version = models.CharField(_("format version"), max_length=10)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    fatal = models.BooleanField(_("refused as a whole"), default=False)
    # Who sent it, as the audit log names them: a clerk's login name, ``creditor:<slug>:<key>`` for
    # an API key, ``system:<name>`` for the platform operator.
    delivered_by = models.CharField(_("delivered by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return str(self.uuid)


CASE_NUMBER_DIGITS = 8


# As printed (9F3A-C21D), and as typed: without the dash, or with a space for it.
_CASE_NUMBER = re.compile(r"(?P<first>[0-9A-F]{4})[- ]?(?P<last>[0-9A-F]{4})", re.IGNORECASE)


def case_number(case_uuid: uuid.UUID) -> str:
    """The number by which residents, creditors and the team name a case, such as ``9F3A-C21D``: the
    last eight hexadecimal digits of its id, which are random (the first ones are its time)."""
    digits = case_uuid.hex[-CASE_NUMBER_DIGITS:].upper()
    return f"{digits[:4]}-{digits[4:]}"


def case_number_end(text: str) -> str | None:
    """The end of the ids of the cases with the case number ``text`` (``9f3a-C21D``, ``9F3AC21D``,
    ``9f3a c21d``), to look them up with ``uuid__iendswith``; None when ``text`` is no case number."""
    number = _CASE_NUMBER.fullmatch(text.strip())
    return f"{number['first']}{number['last']}".lower() if number else None


class Case(models.Model):
    """The signals about one household in one municipality, while help is being offered."""

    class Status(models.TextChoices):
        """The trays of the early-signalling team, in the order a case moves through them."""

        NEW = "new", _("new")
        TO_CONTACT = "to_contact", _("to contact")
        CONTACTED = "contacted", _("contacted")
        IN_HELP = "in_help", _("in help")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        NO_CONTACT = "no_contact", _("no contact")
        QUICK_FIX = "quick_fix", _("contact: solved directly")
        PAYMENT_ARRANGEMENT = "payment_arrangement", _("contact: payment arrangement")
        REFERRED_DEBT_HELP = "referred_debt_help", _("contact: referred to debt help")
        REFERRED_PARTNER = "referred_partner", _("contact: referred to another partner")
        SELF_RESOLVED = "self_resolved", _("contact: solves it themselves")
        DECLINED = "declined", _("contact: declines help")
        # Set only when the creditors withdrew every signal of a case the team had not yet tried to
        # reach (early_signals.withdrawals); the team never chooses them.
        WITHDRAWN = "withdrawn", _("withdrawn by the creditor")
        WITHDRAWN_IN_ERROR = "withdrawn_in_error", _("withdrawn by the creditor: sent in error")
        # Set only when the team joins the case with another case about the same person
        # (services.case_join): its signals and attempts went there.
        JOINED = "joined", _("joined with another case")

    class ReopenReason(models.TextChoices):
        """Why a closed case is opened again: a choice, so that the audit log and the shared log
        hold no free text about the household."""

        LATE_CONTACT = "late_contact", _("the household got in touch after the case was closed")
        WRONG_OUTCOME = "wrong_outcome", _("the outcome was recorded wrongly")
        CLOSED_BY_MISTAKE = "closed_by_mistake", _("the case was closed by mistake")
        # Set only when the team undoes a join (services.case_split); not offered when reopening.
        JOINED_IN_ERROR = "joined_in_error", _("the case was joined with another case in error")

    uuid = models.UUIDField(_("id"), default=uuid7, unique=True, editable=False)
    # No index of its own: each index in Meta starts with the municipality and serves for it. No
    # constraint in the database (ADR 0012), as for the district.
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # Keyed pseudonyms (HMAC): of the household, for the shared log, and of its address, to find the
    # open cases at an address without keeping the address on the case. Cases are never looked up
    # by household, so that pseudonym has no index (every new case would pay for one).
    household_ref = models.CharField(_("household pseudonym"), max_length=64)
    address_ref = models.CharField(_("address pseudonym"), max_length=64)
    status = models.CharField(_("tray"), max_length=10, choices=Status.choices, default=Status.NEW)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    # The district of the household's address, from its postcode (areas.PostcodeArea); empty when
    # the municipality has not said which district the postcode lies in.
    district = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # The first attempt of any kind is the offer of help the law sets a term for; the first attempt
    # that reached the household is the first contact.
    first_offer_at = models.DateTimeField(_("first offer made at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when the retention term removed the personal data of the case's signals (see retention).
    erased_at = models.DateTimeField(_("personal data removed at"), null=True, blank=True)
    threatening = models.BooleanField(_("threatening situation"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    signal_count = models.PositiveIntegerField(_("signals"), default=0)
    # How many signals the case had when the team last opened it: the others came in since. The
    # intake does not write it; opening the case does (services.case_seen).
    signals_seen = models.PositiveIntegerField(_("signals seen by the team"), default=0)
    creditor_count = models.PositiveIntegerField(_("creditors"), default=0)
    first_offer_due = models.DateField(_("first offer due"))
    # A threatening signal that joins the case after its first offer: the team must respond to it
    # within the urgent term as well, by this day; cleared by an attempt made after that signal came.
    threat_due = models.DateField(_("respond to the new threatening signal by"), null=True, blank=True)
    # The case this one was joined with (outcome JOINED), so that its number still leads somewhere.
    joined_into = models.ForeignKey(
        "self",
        verbose_name=_("joined with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,  # looked up only beside the address, whose index finds the cases there
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["first_offer_due", "-priority", "opened_at"]
        indexes = [
            # The address's pseudonym holds the municipality's code, so it leads: an intake looks up
            # the addresses of all municipalities of a chunk at once (early_signals.services).
            models.Index(fields=["address_ref", "status"], name="early_signals_case_address"),
            models.Index(fields=["municipality", "status", "first_offer_due"], name="early_signals_case_due"),
            models.Index(fields=["municipality", "opened_at"], name="early_signals_case_opened"),
        ]

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def number(self) -> str:
        return case_number(self.uuid)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def help_accepted(self) -> bool | None:
        """Whether the household accepted help: None while the case is open."""
        if self.status != self.Status.CLOSED:
            return None
        return self.outcome in HELP_ACCEPTED


class WithdrawalReason(models.TextChoices):
    """Why a creditor withdrew a signal it delivered: a choice, never free text, which could hold
    personal data."""

    PAID = "paid", _("arrears paid")
    ARRANGEMENT = "arrangement", _("payment arrangement made with the creditor")
    SENT_IN_ERROR = "sent_in_error", _("sent in error")


class PlaceInLog(models.Model):
    """Where the shared log holds a signal (ADR 0010): the item at ``ledger_position`` of the
    batch of entry ``ledger_entry``; empty for a signal received before batches. A tombstone keeps
    it: the log holds no personal data. The log is append-only, so the entry never goes; no
    constraint is checked and no index written for it (nothing looks signals up by entry)."""

    ledger_entry = models.ForeignKey(
        "ledger.Entry",
        verbose_name=_("shared-log entry"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    ledger_position = models.PositiveIntegerField(_("position in the shared-log entry"), null=True, blank=True)

    class Meta:
        abstract = True


class Signal(PlaceInLog):
    """One signal of a creditor about one person, as delivered (after checking and normalising)."""

    class Kind(models.TextChoices):
        ARREARS = "arrears", _("payment arrears")
        END_OF_SUPPLY = "end_of_supply", _("notice of end of supply")
        THREAT = "threat", _("eviction or other threat")

    uuid = models.UUIDField(_("id"), default=uuid7, unique=True, editable=False)
    # No constraint in the database for any of the four references (ADR 0012): checking them cost
    # PostgreSQL a quarter of its work at national scale; Django still refuses to delete what they
    # refer to. Looked up through the index on (municipality, received_at), which starts with it.
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="signals", db_constraint=False
    )
    # Without an index: signals are never looked up by delivery (a delivery keeps counts only and
    # is never removed), and by creditor through the unique reference, which starts with it.
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.PROTECT,
        related_name="signals",
        db_index=False,
        db_constraint=False,
    )
    creditor = models.ForeignKey(
        Organisation,
        verbose_name=_("creditor"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    creditor_reference = models.CharField(_("creditor's reference"), max_length=64)
    # SHA-256 of the checked content, to tell a repeated delivery from a reused reference.
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    initials = models.CharField(_("initials"), max_length=20, blank=True)
    given_name = models.CharField(_("given name"), max_length=200, blank=True)
    surname_prefix = models.CharField(_("surname prefix"), max_length=20, blank=True)
    surname = models.CharField(_("surname"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    street = models.CharField(_("street"), max_length=200)
    house_number = models.PositiveIntegerField(_("house number"))
    house_number_addition = models.CharField(_("house number addition"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("place"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    resident_ref = models.CharField(_("resident pseudonym (from the BSN)"), max_length=64, blank=True)

    arrears_amount = models.DecimalField(_("arrears (euro)"), max_digits=10, decimal_places=2)
    months_in_arrears = models.PositiveSmallIntegerField(_("months in arrears"))
    reminder_date = models.DateField(_("date of the creditor's reminder"))
    signal_date = models.DateField(_("date of the signal"))
    # The codes of the warnings of its row that the team should know of: a value read otherwise
    # than delivered, or left out (rows.NOTED_WARNINGS), separated by spaces. Codes only, no values.
    receipt_warnings = models.CharField(_("warnings on receipt"), max_length=100, blank=True)
    # Set when the creditor withdrew the signal (early_signals.withdrawals): only the creditor that
    # delivered it withdraws it, so the creditor is who withdrew. Both empty while it stands.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(
        _("why it was withdrawn"), max_length=20, choices=WithdrawalReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "creditor_reference"], name="early_signals_signal_reference"),
            models.CheckConstraint(condition=models.Q(arrears_amount__gte=0), name="early_signals_signal_amount"),
        ]
        # The monitor counts a municipality's signals of some months: a range of this index, not
        # every signal the municipality ever received. It replaces the index on the municipality
        # alone, so the intake keeps the same number of indexes to write.
        indexes = [models.Index(fields=["municipality", "received_at"], name="early_signals_signal_received")]

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def threatening(self) -> bool:
        return self.kind in THREATENING_KINDS

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


THREATENING_KINDS = frozenset({Signal.Kind.END_OF_SUPPLY.value, Signal.Kind.THREAT.value})
OPEN_STATUSES = tuple(status for status in Case.Status.values if status != Case.Status.CLOSED)
# The trays of a case nobody has begun to work on: a case moved on by hand is the team's.
UNTOUCHED = (Case.Status.NEW, Case.Status.TO_CONTACT)
# Outcomes in which the household took up help (the creditor hears "help accepted").
HELP_ACCEPTED = frozenset(
    {
        Case.Outcome.QUICK_FIX.value,
        Case.Outcome.PAYMENT_ARRANGEMENT.value,
        Case.Outcome.REFERRED_DEBT_HELP.value,
        Case.Outcome.REFERRED_PARTNER.value,
    }
)
# The outcomes a withdrawal sets; the team closes a case with one of the others (TEAM_OUTCOMES),
# except JOINED, which joining a case sets.
WITHDRAWAL_OUTCOMES = frozenset({Case.Outcome.WITHDRAWN.value, Case.Outcome.WITHDRAWN_IN_ERROR.value})
TEAM_OUTCOMES = tuple(
    outcome for outcome in Case.Outcome.values if outcome not in WITHDRAWAL_OUTCOMES and outcome != Case.Outcome.JOINED
)


class CaseJoin(models.Model):
    """Two cases the team joined (services.case_join): what moved from the joined case to the case
    kept, and how both stood before, so that a join made in error can be undone
    (services.case_split). No personal data: ids, trays and dates."""

    uuid = models.UUIDField(_("id"), default=uuid7, unique=True, editable=False)
    kept = models.ForeignKey(Case, verbose_name=_("case kept"), on_delete=models.PROTECT, related_name="joins")
    joined = models.ForeignKey(Case, verbose_name=_("case joined with it"), on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    # The ids of the signals, attempts and withdrawn signals whose data is gone (tombstones) that
    # moved, and of the signals the case kept had: those that came later are told apart by them.
    signals = models.JSONField(_("signals moved"), default=list)
    attempts = models.JSONField(_("attempts moved"), default=list)
    tombstones = models.JSONField(_("removed withdrawn signals moved"), default=list)
    kept_signals = models.JSONField(_("signals of the case kept"), default=list)
    kept_attempts = models.JSONField(_("attempts of the case kept"), default=list)
    # What the join changed and the counts of the cases cannot tell again afterwards: trays, terms
    # and the signals the team had seen (ids). The joined case keeps its opening and its term for
    # the first offer on its row.
    kept_status = models.CharField(_("tray of the case kept before"), max_length=10, choices=Case.Status.choices)
    kept_opened_at = models.DateTimeField(_("case kept opened at, before"))
    kept_first_offer_due = models.DateField(_("first offer of the case kept due, before"))
    kept_threat_due = models.DateField(_("threat of the case kept to answer by, before"), null=True, blank=True)
    kept_seen = models.JSONField(_("signals of the case kept seen, before"), default=list)
    joined_status = models.CharField(_("tray of the joined case before"), max_length=10, choices=Case.Status.choices)
    joined_threat_due = models.DateField(_("threat of the joined case to answer by, before"), null=True, blank=True)
    joined_seen = models.JSONField(_("signals of the joined case seen, before"), default=list)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("joined case")
        verbose_name_plural = _("joined cases")
        ordering = ["joined_at", "id"]
        constraints = [
            # A case joined is closed, so it stands joined into one case at a time.
            models.UniqueConstraint(
                fields=["joined"], condition=models.Q(undone_at__isnull=True), name="early_signals_join_standing"
            )
        ]

    def __str__(self) -> str:
        return f"{self.joined_id} → {self.kept_id}"

    @classmethod
    def latest_standing(cls, kept: Case) -> CaseJoin | None:
        """The join into ``kept`` that may be undone: joins into one case are undone the latest first."""
        return cls.objects.filter(kept=kept, undone_at__isnull=True).order_by("joined_at", "pk").last()


class CaseSeparation(models.Model):
    """Signals the team moved out of a case into a case of their own (services.case_separate): they
    are about someone else at the address, whom linking took for the same person. Kept so that each
    case leads to the other, on its page and in its audit trail. No personal data: ids and a time.
    A separation is undone by joining the two cases again."""

    uuid = models.UUIDField(_("id"), default=uuid7, unique=True, editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("case the signals left"), on_delete=models.PROTECT, related_name="separations"
    )
    into = models.ForeignKey(
        Case, verbose_name=_("case the signals opened"), on_delete=models.PROTECT, related_name="separated_from"
    )
    separated_at = models.DateTimeField(_("separated at"), default=timezone.now)
    signals = models.JSONField(_("signals moved"), default=list)

    class Meta:
        verbose_name = _("signals separated from a case")
        verbose_name_plural = _("signals separated from cases")
        ordering = ["separated_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.into_id}"


class ContactAttempt(models.Model):
    """One attempt of the team to reach the household of a case, and whether it reached them."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("letter")
        PHONE = "phone", _("phone")
        TEXT = "text", _("SMS or WhatsApp")
        EMAIL = "email", _("e-mail")
        HOME_VISIT = "home_visit", _("home visit (Vroeg Eropaf)")

    uuid = models.UUIDField(_("id"), default=uuid7, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attempts")
    channel = models.CharField(_("way"), max_length=20, choices=Channel.choices)
    attempted_at = models.DateTimeField(_("when"), default=timezone.now)
    reached = models.BooleanField(_("reached the household"), default=False)
    # A short working note. It may hold personal details and goes with the case's personal data.
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel}"


class LetterTemplate(models.Model):
    """The municipality's own text of the offer letter. Without a row, the standard text is used."""

    municipality = models.OneToOneField(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=5000)
    sender = models.CharField(_("signed by"), max_length=200)
    # How residents reach the team: the letter names it where the text says {contact}.
    contact = models.CharField(
        _("how residents reach the team"),
        max_length=300,
        blank=True,
        help_text=_("Phone number, e-mail address or walk-in hours, in one or two short sentences."),
    )
    # The letter when the situation threatens (eviction, end of supply). Empty in a text saved before
    # it existed: the standard text for it is then used, with this sender and contact.
    urgent_subject = models.CharField(_("subject when the situation threatens"), max_length=200, blank=True)
    urgent_body = models.TextField(_("text when the situation threatens"), max_length=5000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("offer letter")
        verbose_name_plural = _("offer letters")

    def __str__(self) -> str:
        return str(self.municipality_id)


class SignalTombstone(PlaceInLog):
    """What remains of a signal after its personal data was removed: no personal data, no
    pseudonyms; enough to count, to answer the creditor and to show that the removal happened."""

    class Reason(models.TextChoices):
        RETENTION = "retention", _("retention term passed")
        # The creditor withdrew the signal as sent in error: its data goes at once, and with it the
        # data of a case that the withdrawal closed.
        SENT_IN_ERROR = "sent_in_error", _("withdrawn by the creditor as sent in error")

    signal_uuid = models.UUIDField(_("signal id"), unique=True)
    case_uuid = models.UUIDField(_("case id"))
    delivery_uuid = models.UUIDField(_("delivery id"))
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    creditor = models.ForeignKey(Organisation, verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+")
    creditor_reference = models.CharField(_("creditor's reference"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20, choices=Signal.Kind.choices)
    signal_date = models.DateField(_("date of the signal"))
    received_at = models.DateTimeField(_("received at"))
    case_closed_at = models.DateTimeField(_("case closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Case.Outcome.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    removed_at = models.DateTimeField(_("personal data removed at"), default=timezone.now)
    # As the signal had them: a withdrawn signal stays withdrawn once its data is removed.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(
        _("why it was withdrawn"), max_length=20, choices=WithdrawalReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("removed signal")
        verbose_name_plural = _("removed signals")
        ordering = ["removed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "creditor_reference"], name="early_signals_tombstone_reference"
            ),
        ]
        # The case page names the withdrawn signals whose data is gone: only those are indexed by
        # case, so the retention run, which writes the others, writes no index for it.
        indexes = [
            models.Index(
                fields=["case_uuid"],
                condition=models.Q(withdrawn_at__isnull=False),
                name="early_signals_withdrawn_case",
            )
        ]

    def __str__(self) -> str:
        return str(self.signal_uuid)
