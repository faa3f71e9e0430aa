"""The regelingencheck for residents: three short steps of questions, then what they may be entitled to, on
screen, as a print view and as a PDF.

Nothing is kept on the server: the answers travel in the form (hidden inputs between the steps) and are
posted again for the print view and the PDF, never put in an address, a session, the database or a log.
"Samen invullen" (``?samen=1``) is the same check with bigger type and more explanation, for a helper who
sits with a resident. Because no session holds the answers, nothing times out; and when the CSRF check
fails (an old page, a login in another tab) the step comes back with the answers still in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_stubs_ext import StrOrPromise

from meedoen.core.numbers import whole_number
from meedoen.core.pdf import html_to_pdf
from meedoen.entitlements.answers import Housing
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.outcomes import Likelihood, SchemeOutcome, euros
from meedoen.entitlements.selectors import check_household, schemes_valid_on
from meedoen.organisations.models import Municipality, Organisation
from meedoen.organisations.selectors import municipality_by_slug, partner_organisations
from meedoen.portal.check_forms import LAST_STEP, STEPS, CheckAnswers, CheckForm
from meedoen.socialmap.models import Offer

log = structlog.get_logger(__name__)

STYLESHEET = "meedoen/check.css"
HELPING_KINDS = (Organisation.Kind.MUNICIPALITY_TEAM, Organisation.Kind.DEBT_HELP, Organisation.Kind.WELFARE)

LIKELIHOOD_WORDS = {
    Likelihood.LIKELY: gettext_lazy("Likely yes"),
    Likelihood.MAYBE: gettext_lazy("Maybe"),
    Likelihood.NO: gettext_lazy("Likely not"),
}
GROUP_TITLES = {
    Likelihood.LIKELY: gettext_lazy("You can probably get this"),
    Likelihood.MAYBE: gettext_lazy("You may be able to get this"),
    Likelihood.NO: gettext_lazy("You can probably not get this"),
}
ALLOWANCE_DESCRIPTIONS = {
    "zorgtoeslag": gettext_lazy("Money from the government towards the cost of your health insurance."),
    "huurtoeslag": gettext_lazy("Money from the government towards your rent."),
    "kindgebonden-budget": gettext_lazy(
        "Money from the government for parents of children under 18, on top of kinderbijslag."
    ),
}
ALLOWANCE_KIND = "toeslag"


# --- the pages ------------------------------------------------------------------------------------------


def start(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """The first step, with a word about the check and who can help instead."""
    return _step_page(request, municipality, CheckForm(step=1, samen=_samen(request)), intro=True)


@csrf_exempt  # checked in the view, so a failed check keeps the answers instead of showing the 403 page
@never_cache
def check(request: HttpRequest, slug: str) -> HttpResponse:
    """One step of the questions (next, back, samen on or off), and after the last one the outcome."""
    municipality = _municipality(slug)
    samen = _samen(request)
    if request.method != "POST":
        return HttpResponseRedirect(_start_url(municipality, samen))
    answers = _posted_answers(request)
    step = _posted_step(request)
    if _csrf_refused(request, "step"):
        return _step_page(request, municipality, CheckForm(initial=answers, step=step, samen=samen), csrf_failed=True)
    action = request.POST.get("action", "next")
    if action == "back":
        return _step_page(request, municipality, CheckForm(initial=answers, step=step - 1, samen=samen))
    if action in {"stay", "edit"}:
        shown = 1 if action == "edit" else step
        return _step_page(request, municipality, CheckForm(initial=answers, step=shown, samen=samen))
    if action == "result":
        step = LAST_STEP
    form = _checked(answers, step, samen)
    if not form.is_valid():
        return _step_page(request, municipality, form)
    if form.step < LAST_STEP:
        return _step_page(request, municipality, CheckForm(initial=answers, step=form.step + 1, samen=samen))
    assert form.answers is not None
    return render(request, "portal/check/result.html", _outcome_context(request, municipality, form, form.answers))


@csrf_exempt
@never_cache
def check_print(request: HttpRequest, slug: str) -> HttpResponse:
    """The outcome as one clean list to print, from the answers posted again."""
    return _document(request, slug, lambda context: render(request, "portal/check/document.html", context))


@csrf_exempt
@never_cache
def check_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The same list as a PDF to keep or take along; rendered from the posted answers, stored nowhere."""

    def pdf(context: dict[str, Any]) -> HttpResponse:
        html = render_to_string("portal/check/document.html", {**context, "styles": _styles()}, request=request)
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        name = f"regelingencheck-{context['municipality'].slug}-{context['day'].isoformat()}"
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response

    return _document(request, slug, pdf)


def helping_organisations(municipality: Municipality) -> QuerySet[Organisation]:
    """The organisations that can go through the check with a resident."""
    return partner_organisations(municipality).filter(kind__in=HELPING_KINDS)


# --- steps ------------------------------------------------------------------------------------------------


def _municipality(slug: str) -> Municipality:
    municipality = municipality_by_slug(slug)
    if municipality is None:
        raise Http404("no such municipality")
    return municipality


def _samen(request: HttpRequest) -> bool:
    return request.GET.get("samen") == "1"


def _with_samen(url: str, samen: bool) -> str:
    return f"{url}?samen=1" if samen else url


def _start_url(municipality: Municipality, samen: bool) -> str:
    return _with_samen(reverse("portal:entitlements", args=[municipality.slug]), samen)


def _posted_answers(request: HttpRequest) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in CheckForm.base_fields}


def _posted_step(request: HttpRequest) -> int:
    text = request.POST.get("step", "")
    return whole_number(text, digits=1) or 1


def _checked(answers: dict[str, str], step: int, samen: bool) -> CheckForm:
    """The answers checked up to ``step``; when an earlier step has a problem, that step is the one shown."""
    form = CheckForm(data=answers, step=step, samen=samen)
    if not form.is_valid() and form.first_step_with_errors() < form.step:
        form = CheckForm(data=answers, step=form.first_step_with_errors(), samen=samen)
        form.is_valid()
    return form


def _step_page(
    request: HttpRequest, municipality: Municipality, form: CheckForm, *, intro: bool = False, csrf_failed: bool = False
) -> HttpResponse:
    check_url = reverse("portal:check", args=[municipality.slug])
    context = {
        "municipality": municipality,
        "form": form,
        "samen": form.samen,
        "steps": STEPS,
        "last_step": LAST_STEP,
        "intro": intro,
        "csrf_failed": csrf_failed,
        "action_url": _with_samen(check_url, form.samen),
        "toggle_url": _with_samen(check_url, not form.samen),
        "samen_start_url": _start_url(municipality, not form.samen),
        "organisations": helping_organisations(municipality),
    }
    return render(request, "portal/check/step.html", context)


# --- the outcome ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeItem:
    """One scheme or allowance as the resident reads it."""

    outcome: SchemeOutcome
    words: StrOrPromise
    description: str
    amount: str
    apply_url: str
    apply_text: str


@dataclass(frozen=True)
class OutcomeGroup:
    likelihood: Likelihood
    title: StrOrPromise
    items: list[OutcomeItem]


def _document(request: HttpRequest, slug: str, respond: Callable[[dict[str, Any]], HttpResponse]) -> HttpResponse:
    municipality = _municipality(slug)
    samen = _samen(request)
    if request.method != "POST":
        return HttpResponseRedirect(_start_url(municipality, samen))
    answers = _posted_answers(request)
    if _csrf_refused(request, "document"):
        form = CheckForm(initial=answers, step=LAST_STEP, samen=samen)
        return _step_page(request, municipality, form, csrf_failed=True)
    form = _checked(answers, LAST_STEP, samen)
    if not form.is_valid():
        return _step_page(request, municipality, form)
    assert form.answers is not None
    context = _outcome_context(request, municipality, form, form.answers)
    return respond(context)


def _outcome_context(
    request: HttpRequest, municipality: Municipality, form: CheckForm, answers: CheckAnswers
) -> dict[str, Any]:
    day = timezone.localdate()
    outcomes = check_household(municipality, answers.household, on=day)
    schemes = {scheme.code: scheme for scheme in schemes_valid_on(municipality, day)}
    items = [_item(request, municipality, outcome, schemes.get(outcome.code)) for outcome in outcomes]
    groups = [
        OutcomeGroup(likelihood, GROUP_TITLES[likelihood], [i for i in items if i.outcome.likelihood == likelihood])
        for likelihood in (Likelihood.LIKELY, Likelihood.MAYBE, Likelihood.NO)
    ]
    organisations = list(helping_organisations(municipality))
    check_url = reverse("portal:check", args=[municipality.slug])
    return {
        "municipality": municipality,
        "form": form,
        "samen": form.samen,
        "day": day,
        "last_step": LAST_STEP,
        "groups": [group for group in groups if group.items],
        "counts": {group.likelihood.value: len(group.items) for group in groups},
        "answer_lines": _answer_lines(answers),
        "has_debts": answers.has_debts,
        "owns_home": answers.household.housing == Housing.OWNER,
        "organisations": organisations,
        "debt_helpers": [o for o in organisations if o.kind == Organisation.Kind.DEBT_HELP],
        "check_url": _with_samen(check_url, form.samen),
        "print_url": _with_samen(reverse("portal:check-print", args=[municipality.slug]), form.samen),
        "pdf_url": _with_samen(reverse("portal:check-pdf", args=[municipality.slug]), form.samen),
        "start_url": _start_url(municipality, form.samen),
    }


def _item(
    request: HttpRequest, municipality: Municipality, outcome: SchemeOutcome, scheme: Scheme | None
) -> OutcomeItem:
    if outcome.kind == ALLOWANCE_KIND:
        description = str(ALLOWANCE_DESCRIPTIONS.get(outcome.code, ""))
    else:
        description = scheme.description if scheme else ""
    apply_url, apply_text = "", ""
    offer = scheme.offer if scheme else None
    if outcome.offer_uuid and offer is not None and offer.status == Offer.Status.ACTIVE:
        # In full: the link also works on paper and in the PDF.
        apply_url = request.build_absolute_uri(reverse("portal:offer", args=[municipality.slug, outcome.offer_uuid]))
        apply_text = _("Where and how to apply for %(name)s") % {"name": outcome.name}
    elif outcome.url and outcome.kind == ALLOWANCE_KIND:
        apply_url = outcome.url
        apply_text = _("Trial calculation for %(name)s at the Belastingdienst") % {"name": outcome.name}
    elif outcome.url:
        apply_url = outcome.url
        apply_text = _("Website of %(organisation)s about %(name)s") % {
            "organisation": outcome.organisation or municipality.name,
            "name": outcome.name,
        }
    return OutcomeItem(
        outcome=outcome,
        words=LIKELIHOOD_WORDS[outcome.likelihood],
        description=description,
        amount=_amount(outcome),
        apply_url=apply_url,
        apply_text=apply_text,
    )


def _amount(outcome: SchemeOutcome) -> str:
    if outcome.likelihood == Likelihood.NO:
        return ""
    if outcome.amount_per_year is None:
        return _("The amount depends on your situation.")
    year = outcome.amount_per_year
    if outcome.amount_is_once:
        return _("About %(amount)s, once.") % {"amount": euros(year)}
    if outcome.kind == ALLOWANCE_KIND:
        return _("About %(month)s a month (%(year)s a year).") % {"month": euros(year / 12), "year": euros(year)}
    return _("About %(year)s a year.") % {"year": euros(year)}


def _answer_lines(answers: CheckAnswers) -> list[tuple[str, str]]:
    """The answers in words, to check on screen and to take along on paper."""
    household = answers.household
    lines = [(_("Your age"), _("%(age)d years") % {"age": household.applicant_age})]
    if household.has_partner:
        assert household.partner_age is not None
        lines.append((_("Partner"), _("Yes, %(age)d years") % {"age": household.partner_age}))
    else:
        lines.append((_("Partner"), _("No")))
    count = len(household.children_ages)
    ages = get_text_list([str(age) for age in household.children_ages], _("and"))
    children = (
        ngettext("%(count)d child, aged %(ages)s", "%(count)d children, aged %(ages)s", count)
        % {"count": count, "ages": ages}
        if count
        else _("None")
    )
    lines.append((_("Children under 18"), children))
    lines.append((_("Your net income per month"), euros(household.applicant_income, cents=True)))
    if household.partner_income is not None:
        lines.append((_("Your partner's net income per month"), euros(household.partner_income, cents=True)))
    years = household.years_on_low_income
    low_for = _("%(years)d years") % {"years": years} if years is not None else _("Not known")
    lines.append((_("Low income for"), low_for))
    lines.append((_("Where you live"), str(Housing(household.housing).label)))
    lines.append((_("Rent or mortgage per month"), euros(answers.housing_costs, cents=True)))
    lines.append((_("Other fixed costs per month"), euros(answers.other_fixed_costs, cents=True)))
    lines.append((_("Savings"), euros(household.savings, cents=True)))
    if not answers.has_debts:
        debts = _("No")
    elif household.debts:
        debts = _("Yes, about %(amount)s") % {"amount": euros(household.debts, cents=True)}
    else:
        debts = _("Yes")
    lines.append((_("Debts"), debts))
    return lines


def _styles() -> str:
    path = finders.find(STYLESHEET)
    assert isinstance(path, str), STYLESHEET
    return Path(path).read_text(encoding="utf-8")


# --- the CSRF check, answered by the page itself -----------------------------------------------------------


class _CsrfRefusedError(Exception):
    pass


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, raising instead of answering with the 403 page."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        raise _CsrfRefusedError(reason)


def _no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover - the check never calls on
    raise AssertionError("the CSRF check runs as process_view only")


def _checked_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - named for the check, never called
    raise AssertionError("only its (missing) csrf_exempt mark is read")


def _csrf_refused(request: HttpRequest, page: str) -> bool:
    """True when the form's CSRF token does not match; logged with the reason only, never an answer."""
    try:
        _CsrfCheck(_no_response).process_view(request, _checked_view, (), {})
    except _CsrfRefusedError as refused:
        log.info("entitlement_check.csrf_refused", page=page, reason=str(refused))
        return True
    return False
