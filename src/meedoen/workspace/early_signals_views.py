"""The early-signalling team's pages: the five trays of cases (no personal data), a case with its
signals and contact attempts (an audited read), the forms to record an attempt, move and close a
case, and the offer letter as PDF. The application manager keeps the municipality's terms,
thresholds and offer letter on the settings page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from meedoen.areas.selectors import districts_of
from meedoen.core.access import Actor, Role, require_role
from meedoen.core.numbers import whole_number
from meedoen.early_signals import letters, lookup, services
from meedoen.early_signals.models import Case, ContactAttempt, Signal
from meedoen.early_signals.selectors import (
    CASE_PURPOSE,
    NO_DISTRICT,
    TRAY_PAGE_SIZE,
    CaseDetail,
    CaseNotFoundError,
    CaseSummary,
    InactivePage,
    SignalDetail,
    TrayPage,
    case_detail,
    case_of_municipality,
    cases_joined_with,
    inactive_count,
    inactive_page,
    municipality_settings_of,
    offer_due_soon,
    open_cases_at_address,
    retention_removes_next,
    signal_ids_of,
    threat_due_soon,
    tray_counts,
    tray_page,
)
from meedoen.early_signals.withdrawals import reason_label
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.selectors import partner_organisations
from meedoen.workspace.decorators import staff_view
from meedoen.workspace.early_signals_forms import (
    ATTEMPT_ALIASES,
    AttemptForm,
    CloseForm,
    JoinForm,
    LetterTemplateForm,
    MoveForm,
    ReopenForm,
    SeparateForm,
    SplitForm,
    TermsForm,
    ThresholdsForm,
)
from meedoen.workspace.form_handling import Saved, saved_or_shown
from meedoen.workspace.views import _page

# Recorded with every opening of a case page, and shown to the resident under "My data".
TRAY, DISTRICT, PAGE = "bak", "wijk", "pagina"
SEARCH = "zoek"
# Shows, instead of a tray, the reached cases without activity for longer than the retention term.
INACTIVE = "stil"
CASES_PER_PAGE = TRAY_PAGE_SIZE


@dataclass(frozen=True)
class Row:
    """A case in a tray, with how its term stands, to be said in words and not only in colour."""

    case: CaseSummary
    tray: str
    outcome: str
    overdue: bool
    overdue_days: int
    due_today: bool
    due_soon: bool
    # A threatening signal after the first offer: how its own term stands.
    threat_overdue_days: int
    threat_due_today: bool
    threat_due_soon: bool
    # In the list of cases without activity: when the last attempt, move or signal was.
    last_activity: datetime | None = None


def _row(case: CaseSummary) -> Row:
    today = timezone.localdate()
    overdue = case.offer_overdue
    due_soon = offer_due_soon(case)
    return Row(
        case=case,
        tray=str(Case.Status(case.status).label),
        outcome=str(Case.Outcome(case.outcome).label) if case.outcome else "",
        overdue=overdue,
        overdue_days=(today - case.first_offer_due).days if overdue else 0,
        due_today=due_soon and case.first_offer_due == today,
        due_soon=due_soon,
        threat_overdue_days=(today - case.threat_due).days if case.threat_overdue and case.threat_due else 0,
        threat_due_today=case.threat_due == today and case.status != Case.Status.CLOSED,
        threat_due_soon=threat_due_soon(case),
    )


# --- trays ---------------------------------------------------------------------------------------------------


@staff_view
def trays(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The five trays with their counts, one tray's cases as a table, filtered by district."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality.pk)
    status = request.GET.get(TRAY, "")
    if status not in Case.Status.values:
        status = Case.Status.NEW
    districts = list(districts_of(municipality.code))
    district = request.GET.get(DISTRICT, "")
    if district not in {area.code for area in districts} | {NO_DISTRICT}:
        district = ""
    asked_page = request.GET.get(PAGE, "")
    counts = tray_counts(actor=actor, municipality_id=municipality.pk, district_code=district or None)
    waiting = inactive_count(actor=actor, municipality_id=municipality.pk, district_code=district or None)
    inactive = request.GET.get(INACTIVE) == "1"
    number = whole_number(asked_page, digits=9) or 1
    page: TrayPage | InactivePage
    if inactive:
        page = inactive_page(
            actor=actor,
            municipality_id=municipality.pk,
            district_code=district or None,
            number=number,
            per_page=CASES_PER_PAGE,
        )
        rows = [replace(_row(item.case), last_activity=item.last_activity) for item in page.cases]
    else:
        page = tray_page(
            actor=actor,
            municipality_id=municipality.pk,
            status=status,
            district_code=district or None,
            number=number,
            per_page=CASES_PER_PAGE,
        )
        rows = [_row(case) for case in page.cases]
    current = next(count for count in counts if count.status == status)
    staying: dict[str, str | int] = {INACTIVE: "1"} if inactive else {}

    def link(**changes: str | int) -> str:
        query: dict[str, str | int] = {TRAY: status, **({DISTRICT: district} if district else {}), **changes}
        return f"{reverse('workspace:early_signals')}?{urlencode(query)}"

    return _page(
        request,
        actor,
        municipality,
        "workspace/early_signals/trays.html",
        tabs=[(count, link(**{TRAY: count.status})) for count in counts],
        current=current,
        closed=status == Case.Status.CLOSED and not inactive,
        rows=rows,
        page=page,
        previous_link=link(**{PAGE: page.number - 1, **staying}) if page.has_previous else "",
        next_link=link(**{PAGE: page.number + 1, **staying}) if page.has_next else "",
        districts=districts,
        district=district,
        no_district=NO_DISTRICT,
        tray="" if inactive else status,
        inactive=inactive,
        waiting=waiting,
        waiting_link=link(**{INACTIVE: "1"}),
        may_keep_settings=actor.has_role(Role.APPLICATION_MANAGER, municipality_id=municipality.pk),
        search_param=SEARCH,
    )


# --- finding a case ------------------------------------------------------------------------------------------


@never_cache
@staff_view
@require_safe
def search(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """The cases that match a case number, a creditor's reference, or a postcode and house number.
    Each case found is a recorded read, as opening it is."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality.pk)
    query = " ".join(request.GET.get(SEARCH, "").split())[: lookup.MAX_QUERY]
    found = lookup.find_cases(actor=actor, municipality=municipality, query=query) if query else None
    if found is not None and not found.searched:
        found = None  # only characters nobody types: nothing was looked for
    return _page(
        request,
        actor,
        municipality,
        "workspace/early_signals/search.html",
        query=query,
        found=found,
        searched=", ".join(str(lookup.SEARCHED[way]) for way in found.searched) if found else "",
        rows=[_row(case) for case in found.cases] if found else [],
        search_param=SEARCH,
    )


# --- a case ----------------------------------------------------------------------------------------------------


def _case(actor: Actor, municipality: Municipality, case_id: UUID) -> Case:
    """A case of the current municipality; 404 for any other, so ids of other municipalities tell nothing."""
    try:
        return case_of_municipality(actor=actor, municipality_id=municipality.pk, case_id=case_id)
    except CaseNotFoundError:
        raise Http404("no case of this municipality") from None


def _team(actor: Actor, municipality: Municipality) -> Organisation:
    """The organisation the officer works for in this municipality: it signs what they do."""
    ids = actor.organisation_ids(municipality.pk, Role.EARLY_SIGNALS_OFFICER)
    organisation = partner_organisations(municipality).filter(pk__in=ids).order_by("pk").first()
    if organisation is None:
        raise Http404("no organisation of this officer here")
    return organisation


def _saved_case_url(case: Case) -> str:
    """Where a saved form of a case goes: the case page, opened at the top of its content, where it
    says what was saved. A form on these pages is sent to an address that points at the form, so
    a refused form opens at its errors; without a place of its own, the page after saving would
    open there too."""
    return reverse("workspace:early-signals-case", kwargs={"case": case.uuid}) + "#main"


def _saved_settings_url() -> str:
    """Where a saved form of the settings goes, opened at its top as ``_saved_case_url`` says."""
    return reverse("workspace:early_signals_settings") + "#main"


# What the team should know of how a signal's values were read, by the code of the warning its row
# had (the creditor was told the same in its answer). A text may name the postcode as it was read.
RECEIPT_NOTES: dict[str, Promise] = {
    "postcode_lookalike": gettext_lazy(
        "The postcode was delivered with a letter and a digit that look alike swapped, and was read as "
        "%(postcode)s. Check the address before you send a letter."
    ),
    "postcode_elsewhere": gettext_lazy(
        "The postcode is not among the postcodes of the municipality. Check that the household lives here."
    ),
    "house_number_split": gettext_lazy("The house number was delivered with its addition in it; they were split."),
    "phone_dropped": gettext_lazy("The phone number delivered cannot be called; it was left out."),
    "email_dropped": gettext_lazy("The e-mail address delivered is not valid; it was left out."),
    "bsn_dropped": gettext_lazy("The BSN delivered is not valid; it was left out."),
}


def _receipt_notes(signal: SignalDetail) -> list[str]:
    return [
        str(RECEIPT_NOTES[code]) % {"postcode": signal.postcode}
        for code in signal.receipt_warnings
        if code in RECEIPT_NOTES
    ]


def _case_page(
    request: HttpRequest,
    actor: Actor,
    municipality: Municipality,
    case_id: UUID,
    *,
    attempt_form: AttemptForm | None = None,
    move_form: MoveForm | None = None,
    close_form: CloseForm | None = None,
    reopen_form: ReopenForm | None = None,
    join_form: JoinForm | None = None,
    split_form: SplitForm | None = None,
    separate_form: SeparateForm | None = None,
) -> HttpResponse:
    found = _case(actor, municipality, case_id)
    detail: CaseDetail = case_detail(actor=actor, case_id=found.uuid, purpose=CASE_PURPOSE, with_same_address=True)
    services.case_seen(actor=actor, case=found)
    standing = detail.standing
    # The standing signals after the first ``seen`` came in since the team last opened the case.
    seen = detail.case.signals_seen if detail.case.new_signals else len(standing)
    forms = (attempt_form, move_form, close_form, reopen_form, join_form, split_form, separate_form)
    invalid = any(form is not None and form.errors for form in forms)
    joinable = [other for other in detail.same_address if other.status != Case.Status.CLOSED]
    is_open = found.status != Case.Status.CLOSED
    joined = cases_joined_with(actor=actor, case=found)
    separate_form = separate_form or SeparateForm()
    separate_form.describe(detail.signals)
    return _page(
        request,
        actor,
        municipality,
        "workspace/early_signals/case.html",
        detail=detail,
        row=_row(detail.case),
        signals=[
            (signal, Signal.Kind(signal.kind).label, _receipt_notes(signal), index >= seen)
            for index, signal in enumerate(standing)
        ],
        # Which signals their creditors withdrew, when and why: the team decides what that changes.
        withdrawn=[
            (signal, Signal.Kind(signal.kind).label, _receipt_notes(signal), reason_label(signal.withdrawal_reason))
            for signal in detail.withdrawn
        ],
        removed_withdrawals=[
            (item, Signal.Kind(item.kind).label, reason_label(item.withdrawal_reason))
            for item in detail.removed_withdrawals
        ],
        attempts=[(item, ContactAttempt.Channel(item.channel).label) for item in detail.attempts],
        same_address=[_row(other) for other in detail.same_address],
        is_open=is_open,
        letter_lacks_contact=letters.lacks_contact(
            letters.letter_text_of(municipality), urgent=detail.case.threatening
        ),
        attempt_form=attempt_form or AttemptForm(),
        move_form=move_form or MoveForm(current=detail.case.status, attempted=detail.case.first_offer_at is not None),
        close_form=close_form or CloseForm(),
        reopen_form=reopen_form or ReopenForm(),
        join_form=join_form or JoinForm(cases=joinable),
        can_join=bool(joinable) and is_open,
        split_form=split_form or SplitForm(cases=joined),
        joined_with=joined,
        separate_form=separate_form,
        removed_after_days=retention_removes_next(found, max((s.received_at for s in detail.signals), default=None)),
        # Signals move out only while one that stands stays behind and one moves.
        can_separate=is_open and len(standing) > 1,
        can_reopen=found.status == Case.Status.CLOSED
        and found.erased_at is None
        and found.outcome != Case.Outcome.JOINED,
        back_link=f"{reverse('workspace:early_signals')}?{urlencode({TRAY: detail.case.status})}",
        status=400 if invalid else 200,
    )


@never_cache
@staff_view
@require_safe
def case(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    """A case with the personal data of its signals; the read is recorded before the page is built."""
    return _case_page(request, actor, municipality, case)


@never_cache
@require_POST
@staff_view
def attempt(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    found = _case(actor, municipality, case)
    form = AttemptForm(request.POST)

    def save() -> Saved:
        services.attempt_record(
            actor=actor,
            case=found,
            organisation=_team(actor, municipality),
            channel=form.cleaned_data["channel"],
            attempted_at=form.attempted_at,
            reached=form.was_reached,
            note=form.cleaned_data["note"],
        )
        return Saved(_("The attempt is recorded."), _saved_case_url(found))

    return saved_or_shown(
        request,
        form,
        save,
        lambda: _case_page(request, actor, municipality, case, attempt_form=form),
        aliases=ATTEMPT_ALIASES,
    )


@never_cache
@require_POST
@staff_view
def move(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    found = _case(actor, municipality, case)
    form = MoveForm(request.POST, current=found.status, attempted=found.first_offer_at is not None)

    def save() -> Saved:
        moved = services.case_move(
            actor=actor, case=found, organisation=_team(actor, municipality), status=form.cleaned_data["status"]
        )
        label = Case.Status(moved.status).label
        return Saved(_("The case is in the tray “%(tray)s” now.") % {"tray": label}, _saved_case_url(found))

    return saved_or_shown(request, form, save, lambda: _case_page(request, actor, municipality, case, move_form=form))


@never_cache
@require_POST
@staff_view
def close(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    found = _case(actor, municipality, case)
    form = CloseForm(request.POST)

    def save() -> Saved:
        services.case_close(
            actor=actor, case=found, organisation=_team(actor, municipality), outcome=form.cleaned_data["outcome"]
        )
        return Saved(_("The case is closed."), _saved_case_url(found))

    return saved_or_shown(request, form, save, lambda: _case_page(request, actor, municipality, case, close_form=form))


@never_cache
@require_POST
@staff_view
def reopen(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    found = _case(actor, municipality, case)
    form = ReopenForm(request.POST)

    def save() -> Saved:
        reopened = services.case_reopen(
            actor=actor, case=found, organisation=_team(actor, municipality), reason=form.cleaned_data["reason"]
        )
        label = Case.Status(reopened.status).label
        return Saved(_("The case is open again, in the tray “%(tray)s”.") % {"tray": label}, _saved_case_url(found))

    return saved_or_shown(request, form, save, lambda: _case_page(request, actor, municipality, case, reopen_form=form))


@never_cache
@require_POST
@staff_view
def join(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    """Join another open case at the same address with this one: the team found they are about the
    same person."""
    found = _case(actor, municipality, case)
    form = JoinForm(request.POST, cases=open_cases_at_address(actor=actor, case=found))

    def save() -> Saved:
        other = _case(actor, municipality, UUID(form.cleaned_data["other"]))
        services.case_join(actor=actor, case=found, other=other, organisation=_team(actor, municipality))
        return Saved(
            _("Case %(number)s is joined with this case: its signals and attempts are here now.")
            % {"number": other.number},
            _saved_case_url(found),
        )

    return saved_or_shown(request, form, save, lambda: _case_page(request, actor, municipality, case, join_form=form))


@never_cache
@require_POST
@staff_view
def split(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    """Undo the join of a case with this one: the team found they are about two people after all."""
    found = _case(actor, municipality, case)
    form = SplitForm(request.POST, cases=cases_joined_with(actor=actor, case=found))

    def save() -> Saved:
        joined = _case(actor, municipality, UUID(form.cleaned_data["joined"]))
        services.case_split(actor=actor, case=found, joined=joined, organisation=_team(actor, municipality))
        return Saved(
            _("The join is undone: case %(number)s is open again with its own signals and attempts.")
            % {"number": joined.number},
            _saved_case_url(found),
        )

    return saved_or_shown(request, form, save, lambda: _case_page(request, actor, municipality, case, split_form=form))


@never_cache
@require_POST
@staff_view
def separate(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    """Move signals about someone else out of this case into a case of their own."""
    found = _case(actor, municipality, case)
    form = SeparateForm(request.POST, signals=signal_ids_of(actor=actor, case=found))

    def save() -> Saved:
        into = services.case_separate(
            actor=actor, case=found, signals=form.cleaned_data["signals"], organisation=_team(actor, municipality)
        )
        return Saved(
            _("The signals are in a case of their own now: case %(number)s, in the tray “new”.")
            % {"number": into.number},
            _saved_case_url(into),
        )

    return saved_or_shown(
        request, form, save, lambda: _case_page(request, actor, municipality, case, separate_form=form)
    )


@never_cache
@staff_view
@require_safe
def letter(request: HttpRequest, actor: Actor, municipality: Municipality, case: UUID) -> HttpResponse:
    """The offer letter as PDF, for the person of the case's most recent signal (an audited read)."""
    try:
        built = letters.offer_letter(actor=actor, municipality=municipality, case_id=case)
    except (CaseNotFoundError, letters.LetterUnavailableError):
        raise Http404("no letter for this case") from None
    response = HttpResponse(letters.letter_pdf(built), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="aanbodbrief-{case.hex[:8]}.pdf"'
    return response


# --- settings ------------------------------------------------------------------------------------------------


def _settings_page(
    request: HttpRequest,
    actor: Actor,
    municipality: Municipality,
    *,
    terms_form: TermsForm | None = None,
    thresholds_form: ThresholdsForm | None = None,
    letter_form: LetterTemplateForm | None = None,
    unsaved_text: letters.LetterText | None = None,
) -> HttpResponse:
    current = municipality_settings_of(actor=actor, municipality_id=municipality.pk)
    text = letters.letter_text_of(municipality)
    invalid = any(form is not None and form.errors for form in (terms_form, thresholds_form, letter_form))
    return _page(
        request,
        actor,
        municipality,
        "workspace/early_signals/settings.html",
        terms_form=terms_form
        or TermsForm(
            initial={
                "regular_term_days": current.regular_term_days,
                "urgent_term_working_days": current.urgent_term_working_days,
                "retention_days": current.retention_days,
                "retention_after_help_days": current.retention_after_help_days,
            }
        ),
        thresholds_form=thresholds_form or ThresholdsForm(thresholds=current.thresholds),
        letter_form=letter_form
        or LetterTemplateForm(
            initial={
                "subject": text.subject,
                "body": text.body,
                "urgent_subject": text.urgent_subject,
                "urgent_body": text.urgent_body,
                "sender": text.sender,
                "contact": text.contact,
            }
        ),
        own_letter=text.own,
        contact_missing=not text.contact.strip(),
        preview=letters.letter_html(
            letters.example_letter(text=unsaved_text or text, municipality=municipality, urgent=False)
        ),
        urgent_preview=letters.letter_html(
            letters.example_letter(text=unsaved_text or text, municipality=municipality, urgent=True)
        ),
        previewing_unsaved=unsaved_text is not None,
        status=400 if invalid else 200,
    )


def _require_manager(actor: Actor, municipality: Municipality) -> None:
    require_role(actor, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)


@staff_view
def settings_page(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    _require_manager(actor, municipality)
    return _settings_page(request, actor, municipality)


@require_POST
@staff_view
def settings_terms(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    _require_manager(actor, municipality)
    form = TermsForm(request.POST)

    def save() -> Saved:
        services.municipality_settings_update(
            actor=actor,
            municipality=municipality,
            regular_term_days=form.cleaned_data["regular_term_days"],
            urgent_term_working_days=form.cleaned_data["urgent_term_working_days"],
            retention_days=form.cleaned_data["retention_days"],
            retention_after_help_days=form.cleaned_data["retention_after_help_days"],
        )
        return Saved(
            _(
                "The terms are saved. The terms for a first offer apply to signals received from now on, the "
                "retention terms to every case from the next daily run on."
            ),
            _saved_settings_url(),
        )

    return saved_or_shown(request, form, save, lambda: _settings_page(request, actor, municipality, terms_form=form))


@require_POST
@staff_view
def settings_thresholds(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    _require_manager(actor, municipality)
    current = municipality_settings_of(actor=actor, municipality_id=municipality.pk)
    form = ThresholdsForm(request.POST, thresholds=current.thresholds)

    def save() -> Saved:
        stored = {t.creditor_kind: (t.minimum_amount, t.minimum_months_in_arrears) for t in current.thresholds}
        # All kinds or none: a refusal of one leaves the others as they were.
        with transaction.atomic():
            for kind, (amount, months) in form.values().items():
                if stored.get(kind) != (amount, months):
                    services.threshold_set(
                        actor=actor,
                        municipality=municipality,
                        creditor_kind=kind,
                        minimum_amount=amount,
                        minimum_months_in_arrears=months,
                    )
        return Saved(_("The thresholds are saved. They apply to signals received from now on."), _saved_settings_url())

    return saved_or_shown(
        request, form, save, lambda: _settings_page(request, actor, municipality, thresholds_form=form)
    )


@require_POST
@staff_view
def settings_letter(request: HttpRequest, actor: Actor, municipality: Municipality) -> HttpResponse:
    """Save the offer letter, preview it unsaved, or go back to the standard text."""
    _require_manager(actor, municipality)
    action = request.POST.get("action", "save")
    if action == "standard":
        services.letter_template_clear(actor=actor, municipality=municipality)
        messages.success(request, _("The letter uses the standard text again."))
        return redirect(_saved_settings_url())
    form = LetterTemplateForm(request.POST)
    if action == "preview" and form.is_valid():
        unsaved = form.letter_text()
        return _settings_page(request, actor, municipality, letter_form=form, unsaved_text=unsaved)

    def save() -> Saved:
        text = form.letter_text()
        services.letter_template_set(
            actor=actor,
            municipality=municipality,
            subject=text.subject,
            body=text.body,
            sender=text.sender,
            contact=text.contact,
            urgent_subject=text.urgent_subject,
            urgent_body=text.urgent_body,
        )
        return Saved(_("The offer letter is saved."), _saved_settings_url())

    return saved_or_shown(request, form, save, lambda: _settings_page(request, actor, municipality, letter_form=form))
