"""The regelingencheck for residents, through HTTP: three steps of questions, the outcome with reasons and
amounts, a print view and a PDF, "samen invullen" for helpers; every bad answer gets a clear message next to
its question, a failed CSRF check keeps the answers, and nothing a resident answers is stored or logged."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from weasyprint.formatting_structure.boxes import TextBox

from meedoen.core.access import Actor
from meedoen.core.pdf import html_to_pdf, rendered
from meedoen.entitlements.models import Scheme
from meedoen.entitlements.services import scheme_update
from meedoen.entitlements.tests.factories import load_demo_file_schemes
from meedoen.organisations.models import Organisation
from meedoen.organisations.tests.factories import OrganisationFactory
from meedoen.portal import check_views
from meedoen.socialmap.models import Offer
from meedoen.socialmap.tests.factories import make_offer

pytestmark = pytest.mark.django_db

START = "/gemeente/waalwijk/regelingen/"
CHECK = "/gemeente/waalwijk/regelingen/check/"
PRINT = "/gemeente/waalwijk/regelingen/afdrukken/"
PDF = "/gemeente/waalwijk/regelingen/pdf/"

HOUSEHOLD = {"applicant_age": "34", "has_partner": "nee", "partner_age": "", "children_count": "2"}
HOUSEHOLD["children_ages"] = "6, 12"
INCOME = {"applicant_income": "1.350", "partner_income": "", "years_on_low_income": "4"}
HOME = {
    "housing": "huur",
    "housing_costs": "720",
    "fixed_costs": "350",
    "savings": "400",
    "has_debts": "nee",
    "debts": "",
}
SINGLE_PARENT = {**HOUSEHOLD, **INCOME, **HOME}


@pytest.fixture(autouse=True)
def _on_a_day_the_demo_schemes_apply():
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


@pytest.fixture
def schemes(world):
    """The demo file's schemes of Waalwijk; special assistance has an offer on the social map."""
    created = load_demo_file_schemes(world.waalwijk)
    offer = make_offer(world.ww_team, world.waalwijk, name="Bijzondere bijstand aanvragen")
    scheme = Scheme.objects.get(municipality=world.waalwijk, code="bijzondere-bijstand")
    scheme_update(actor=Actor.system("test"), scheme=scheme, fields={"offer": offer})
    OrganisationFactory(name="Schuldhulp Waalwijk", kind=Organisation.Kind.DEBT_HELP, municipalities=[world.waalwijk])
    return created


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def post(client: Client, data: dict[str, str], *, step: int = 3, action: str = "next", url: str = CHECK):
    return client.post(url, {**data, "step": str(step), "action": action})


def likelihood_of(html: str, name: str) -> str:
    found = re.search(r'meedoen-outcome--(\w+)">\s*<h3[^>]*>' + re.escape(name) + "</h3>", html)
    assert found, f"{name} is not in the outcome"
    return found.group(1)


def error_of(html: str, field: str) -> str:
    found = re.search(rf'id="vraag-{field}_error">([^<]*)</div>', html)
    return unescape(found.group(1)) if found else ""


# --- the way through -------------------------------------------------------------------------------------


def test_the_page_starts_the_check_and_still_says_who_can_help(english, schemes):
    html = english.get(START).content.decode()
    assert f'action="{CHECK}"' in html
    assert 'name="applicant_age"' in html and 'name="children_ages"' in html
    assert 'name="applicant_income"' not in html.split('type="hidden"')[0]  # income comes in step 2
    assert "Step 1 of 3" in html
    assert "We do not save your answers" in html
    assert "Gemeente Waalwijk" in html and "Schuldhulp Waalwijk" in html  # who can help, as before
    assert 'href="/gemeente/waalwijk/"' in html


def test_a_resident_answers_three_steps_and_sees_what_fits_likely_first(english, schemes):
    step2 = post(english, HOUSEHOLD, step=1).content.decode()
    assert "Step 2 of 3" in step2 and 'id="vraag-applicant_income"' in step2
    assert 'type="hidden" name="children_ages" value="6, 12"' in step2
    assert 'id="vraag-partner_income"' not in step2  # no partner, no partner's income
    step3 = post(english, {**HOUSEHOLD, **INCOME}, step=2).content.decode()
    assert "Step 3 of 3" in step3 and 'id="vraag-housing_costs"' in step3
    assert 'type="hidden" name="applicant_income" value="1.350"' in step3

    response = post(english, SINGLE_PARENT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "What you may be entitled to" in html
    assert "no-store" in response["Cache-Control"]
    headings = [html.index(title) for title in ("You can probably get this", "You may be able to get this")]
    assert headings == sorted(headings)
    assert html.index("You may be able to get this") < html.index("You can probably not get this")
    assert likelihood_of(html, "Individuele inkomenstoeslag") == "likely"
    assert likelihood_of(html, "Bijzondere bijstand") == "maybe"
    assert likelihood_of(html, "Voedselpakket (Voedselbank Waalwijk)") == "no"
    for name in ("Zorgtoeslag", "Huurtoeslag", "Kindgebonden budget"):
        assert likelihood_of(html, name) == "likely"
    # In words and a sign, never colour alone; why; how much; how to apply.
    assert '<span class="meedoen-likelihood__icon" aria-hidden="true">✓</span> Likely yes' in html
    assert '<span class="meedoen-likelihood__icon" aria-hidden="true">?</span> Maybe' in html
    assert '<span class="meedoen-likelihood__icon" aria-hidden="true">✗</span> Likely not' in html
    assert "105% of social assistance (bijstand) for a single parent" in html
    assert "About € 600 a year." in html  # income supplement: 420 plus 90 for each of two children
    assert re.search(r"About € \d+ a month \(€ [\d,]+ a year\)\.", html)
    assert "Apply at Dienst Toeslagen with DigiD" in html
    assert "https://www.belastingdienst.nl/" in html
    offer = Offer.objects.get(name="Bijzondere bijstand aanvragen")
    assert f'href="http://testserver/gemeente/waalwijk/hulp/{offer.uuid}/"' in html
    assert "Where and how to apply for Bijzondere bijstand" in html
    assert "worked out in a simple way" in html  # honest about the simplified allowances
    assert "This is not a decision" in html
    assert "2 children, aged 6 and 12" in html and "€ 1,350" in html  # the answers, to check
    assert "runs this scheme." in html and "The rules are in:" in html
    assert "You said you have debts" not in html


def test_a_couple_is_asked_the_partners_age_and_income(english, schemes):
    couple = {**SINGLE_PARENT, "has_partner": "ja", "partner_age": "41", "partner_income": "900"}
    step2 = post(english, couple, step=1).content.decode()
    assert 'id="vraag-partner_income"' in step2
    html = post(english, couple).content.decode()
    assert "Yes, 41 years" in html and "€ 900" in html
    assert "for a couple" in html


def test_an_owner_pays_a_mortgage_and_gets_no_rent_allowance(english, schemes):
    owner = {**SINGLE_PARENT, "housing": "koop", "housing_costs": "900"}
    html = post(english, owner).content.decode()
    assert likelihood_of(html, "Huurtoeslag") == "no"
    assert "I own my home" in html and "€ 900" in html
    assert "the value of your home counts as well" in html


def test_debts_point_to_debt_help(english, schemes):
    html = post(english, {**SINGLE_PARENT, "has_debts": "ja", "debts": "2.500"}).content.decode()
    assert "You said you have debts" in html
    assert "Schuldhulp Waalwijk" in html
    assert 'href="/gemeente/waalwijk/hulp/?q=schulden"' in html
    assert "Yes, about € 2,500" in html


def test_back_and_change_keep_every_answer_without_complaining(english, schemes):
    back = post(english, {**HOUSEHOLD, **INCOME, "applicant_income": "nonsense"}, step=2, action="back")
    html = back.content.decode()
    assert "Step 1 of 3" in html
    assert 'value="34"' in html and 'type="hidden" name="applicant_income" value="nonsense"' in html
    assert "meedoen-error-summary" not in html and 'aria-invalid="true"' not in html
    edit = post(english, SINGLE_PARENT, action="edit").content.decode()
    assert "Step 1 of 3" in edit
    assert 'type="hidden" name="savings" value="400"' in edit


def test_the_print_view_is_one_clean_list_with_a_way_back(english, schemes):
    response = post(english, SINGLE_PARENT, url=PRINT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "/static/meedoen/check.css" in html
    assert "What you may be entitled to in Waalwijk" in html
    assert "Print this page" in html
    assert html.count("<form") == 1 and 'value="result"' in html
    assert likelihood_of(html, "Zorgtoeslag") == "likely"
    back = post(english, SINGLE_PARENT, action="result").content.decode()
    assert "Download as PDF" in back


def test_the_pdf_is_made_from_the_answers_posted_again(english, schemes):
    response = post(english, SINGLE_PARENT, url=PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="regelingencheck-waalwijk-2026-11-28.pdf"'
    assert "no-store" in response["Cache-Control"]


# What a single parent with € 1,350 a month reads in Dutch: estimates in whole euros, the Dutch way.
DUTCH_AMOUNTS = (
    "Het netto-inkomen van je huishouden is € 1.350 per maand. Dat is niet meer dan de grens van € 1.490.",
    "Die grens is 105% van de bijstand voor een alleenstaande ouder (€ 1.419 per maand).",
    "We schatten je bruto-inkomen (je inkomen vóór belasting) op ongeveer € 18.630 per jaar.",
    "Na huur en vaste lasten heb je ongeveer € 1.641 per maand om van te leven.",
    "De voedselbank helpt als dat minder is dan € 545 per maand voor 3 personen.",
    "Ongeveer € 600 per jaar.",
)


def test_the_outcome_in_dutch_gives_amounts_in_whole_euros(client, schemes):
    html = unescape(post(client, SINGLE_PARENT).content.decode())
    for words in DUTCH_AMOUNTS:
        assert words in html
    # Cents only for the rent limit of huurtoeslag, which the law sets to the cent.
    assert re.findall(r"€ [\d.]+,\d\d", html) == ["€ 932,93"]
    assert "Je krijgt toeslag over de huur tot € 932,93." in html


def test_the_outcome_says_how_to_apply_in_short_steps(client, schemes):
    html = unescape(post(client, SINGLE_PARENT).content.decode())
    assert (
        "<strong>Zo vraag je het aan:</strong> Vul het formulier in op de website van de gemeente. "
        "Lukt dat niet? Bel het Werkplein, dan helpen zij je."
    ) in html


def test_the_outcome_in_dutch_has_no_english_or_jargon_left(client, schemes):
    html = unescape(
        post(client, {**SINGLE_PARENT, "children_count": "3", "children_ages": "0, 6, 12"}).content.decode()
    )
    partner = Scheme.objects.get(municipality__slug="waalwijk", code="voedselbank").organisation
    assert f'<p class="utrecht-paragraph meedoen-outcome__by">{partner.name} regelt dit.</p>' in html
    assert "De regels staan in: <a" in html
    assert "<dd>3 kinderen van 0, 6 en 12 jaar</dd>" in html
    assert "Bij huurtoeslag en kindgebonden budget laten we dingen weg." in html
    for leftover in ("Rule:", "Dit staat in:", "leeftijd: ", "sociaal minimum", " from ", '__by">van '):
        assert leftover not in html
    one = unescape(post(client, {**SINGLE_PARENT, "children_count": "1", "children_ages": "6"}).content.decode())
    assert "<dd>1 kind van 6 jaar</dd>" in one


def test_the_pdf_gives_the_same_amounts_in_whole_euros(client, schemes, monkeypatch):
    documents: list[str] = []

    def kept(html: str) -> bytes:
        documents.append(html)
        return html_to_pdf(html)

    monkeypatch.setattr(check_views, "html_to_pdf", kept)
    response = post(client, SINGLE_PARENT, url=PDF)
    assert response.content.startswith(b"%PDF")
    # The text as WeasyPrint laid it out on the pages of this PDF (see core/tests/test_pdf.py).
    boxes = [box for page in rendered(documents[0]).pages for box in page._page_box.descendants()]
    text = " ".join(" ".join(box.text for box in boxes if isinstance(box, TextBox)).split())
    for words in DUTCH_AMOUNTS:
        assert words in text
    assert ",00" not in text


def test_the_pages_with_answers_only_answer_a_post(english, schemes):
    for url in (CHECK, PRINT, PDF):
        response = english.get(url + "?samen=1")
        assert response.status_code == 302
        assert response["Location"] == START + "?samen=1"


def test_the_pdf_or_print_view_of_broken_answers_shows_the_question_instead(english, schemes):
    for url in (PRINT, PDF):
        response = post(english, {**SINGLE_PARENT, "savings": "-5"}, url=url)
        html = response.content.decode()
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert error_of(html, "savings") == "An amount cannot be negative."


def test_an_unknown_municipality_is_not_found(english, schemes):
    for url in (CHECK, PRINT, PDF):
        assert english.post(url.replace("waalwijk", "nergens"), SINGLE_PARENT).status_code == 404


def test_an_offer_that_is_no_longer_active_is_not_linked(english, schemes):
    offer = Offer.objects.get(name="Bijzondere bijstand aanvragen")
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.INACTIVE)
    html = post(english, SINGLE_PARENT).content.decode()
    assert str(offer.uuid) not in html
    assert re.search(r'href="https://www.waalwijk.nl/">Website of [^<]* about Bijzondere bijstand</a>', html)


def test_the_check_is_in_dutch_by_default(client, schemes):
    html = client.get(START).content.decode()
    assert '<html lang="nl"' in html
    assert "Waar heb ik recht op?" in html


# --- bad input ---------------------------------------------------------------------------------------------

BAD_ANSWERS = [
    # (field, answers changed, the message next to the field, the step it is on)
    ("applicant_age", {"applicant_age": "veertig"}, "Enter a whole number, such as 42.", 1),
    ("applicant_age", {"applicant_age": ""}, "This question is required.", 1),
    ("applicant_age", {"applicant_age": "121"}, "An age of at most 120.", 1),
    ("applicant_age", {"applicant_age": "16"}, "The check is for people of 18 or older.", 1),
    ("applicant_age", {"applicant_age": "<script>alert(1)</script>"}, "Enter a whole number, such as 42.", 1),
    ("has_partner", {"has_partner": ""}, "Choose yes or no.", 1),
    ("has_partner", {"has_partner": "misschien"}, "Choose one of the answers.", 1),
    ("partner_age", {"has_partner": "ja", "partner_income": "0"}, "You said you have a partner; fill in their age.", 1),
    ("partner_age", {"partner_age": "40"}, "You said you have no partner; leave this empty.", 1),
    ("children_ages", {"children_ages": "6"}, "You said 2 children live with you. Fill in an age for each child.", 1),
    ("children_ages", {"children_count": "1"}, "You gave 2 ages for 1 children. Fill in one age for each child.", 1),
    ("children_ages", {"children_ages": "6, 19"}, "A child's age is a whole number from 0 to 17", 1),
    ("children_ages", {"children_ages": "zes"}, "Give the ages as whole numbers separated by commas", 1),
    ("children_count", {"children_count": "twee"}, "Enter a whole number, such as 2. Fill in 0 if none.", 1),
    ("children_count", {"children_count": "²"}, "Enter a whole number, such as 2. Fill in 0 if none.", 1),
    ("applicant_age", {"applicant_age": "٤٢"}, "Enter a whole number, such as 42.", 1),
    ("applicant_income", {"applicant_income": "١٢٥٠"}, "Enter an amount in euros, such as 1250 or 1250,50.", 2),
    ("applicant_income", {"applicant_income": "-200"}, "An amount cannot be negative.", 2),
    ("applicant_income", {"applicant_income": "250000"}, "This amount is not possible here", 2),
    ("applicant_income", {"applicant_income": "veel"}, "Enter an amount in euros, such as 1250 or 1250,50.", 2),
    ("applicant_income", {"applicant_income": ""}, "This question is required (0 if none).", 2),
    ("applicant_income", {"applicant_income": "12,345"}, "Enter an amount in euros, such as 1250 or 1250,50.", 2),
    ("applicant_income", {"applicant_income": "1" * 30}, "Enter an amount in euros, such as 1250 or 1250,50.", 2),
    ("children_ages", {"children_ages": "1, " * 40}, "Give the ages as whole numbers separated by commas", 1),
    ("partner_income", {"has_partner": "ja", "partner_age": "40"}, "fill in their income (0 if none).", 2),
    ("years_on_low_income", {"years_on_low_income": "200"}, "A whole number of years from 0 to 100.", 2),
    ("housing", {"housing": ""}, "Choose one of the answers.", 3),
    ("housing", {"housing": "kasteel"}, "Choose one of the answers.", 3),
    ("housing_costs", {"housing_costs": "-1"}, "An amount cannot be negative.", 3),
    ("housing_costs", {"housing_costs": "30000"}, "This amount is not possible here", 3),
    ("savings", {"savings": "1.000.000.000"}, "This amount is not possible here", 3),
    ("savings", {"savings": "=1+1"}, "Enter an amount in euros", 3),
    ("has_debts", {"has_debts": ""}, "Choose yes or no.", 3),
    ("debts", {"debts": "300"}, "You said you have no debts. Leave this empty, or choose yes above.", 3),
    ("debts", {"has_debts": "ja", "debts": "-300"}, "An amount cannot be negative.", 3),
]


@pytest.mark.parametrize(("field", "changed", "message", "step"), BAD_ANSWERS)
def test_every_bad_answer_gets_a_clear_message_next_to_its_question(english, schemes, field, changed, message, step):
    response = post(english, {**SINGLE_PARENT, **changed})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Step {step} of 3" in html  # the step that asks it, even when posted from the last
    assert message in error_of(html, field)
    anchor = f"vraag-{field}_0" if field in {"has_partner", "housing", "has_debts"} else f"vraag-{field}"
    assert f'href="#{anchor}"' in html  # the summary links to the question
    field_input = re.search(rf'<input [^>]*id="{anchor}"[^>]*>', html)
    assert field_input and 'aria-invalid="true"' in field_input.group(0)
    assert "<script>alert(1)</script>" not in html
    assert "What you may be entitled to" not in html


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"step": "9", "action": "next"},
        {"step": "-1", "action": "back"},
        {"step": "x", "action": "explode", "applicant_age": "\x00"},
        {**SINGLE_PARENT, "step": "3", "unknown": "field", "housing_costs": "1" * 5000},
    ],
)
def test_any_post_at_all_gets_a_page_not_an_error(english, schemes, posted):
    for url in (CHECK, PRINT):
        assert english.post(url, posted).status_code == 200


def test_broken_encodings_and_oversized_posts_get_a_page_or_a_plain_refusal(english, schemes):
    broken = english.post(
        CHECK, b"step=1&applicant_age=%ff%fe&has_partner=nee", content_type="application/x-www-form-urlencoded"
    )
    assert broken.status_code == 200
    assert error_of(broken.content.decode(), "applicant_age") == "Enter a whole number, such as 42."
    many = english.post(CHECK, {f"field{number}": "1" for number in range(2000)})
    assert many.status_code == 400  # Django's own limit on the number of fields


def test_a_problem_on_a_later_page_does_not_block_an_earlier_one(english, schemes):
    # A too long value typed on step 2, then back to step 1: step 1 goes on to step 2, which shows the problem.
    data = {**HOUSEHOLD, "applicant_income": "9" * 50}
    html = post(english, data, step=1).content.decode()
    assert "Step 2 of 3" in html
    html = post(english, data, step=2).content.decode()
    assert error_of(html, "applicant_income") == "Enter an amount in euros, such as 1250 or 1250,50."


# --- nothing stored, nothing logged --------------------------------------------------------------------------


def rows_per_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the database
            counts[table] = cursor.fetchone()[0]
    return counts


def test_nothing_a_resident_answers_is_stored_logged_or_put_in_an_address(english, schemes, caplog):
    distinctive = {
        **SINGLE_PARENT,
        "applicant_age": "47",
        "applicant_income": "1387,65",
        "savings": "777,77",
        "has_debts": "ja",
        "debts": "4321",
    }
    before = rows_per_table()
    responses = []
    with caplog.at_level(logging.DEBUG):
        responses.append(english.get(START))
        for step in (1, 2, 3):
            responses.append(post(english, distinctive, step=step))
        responses.append(post(english, {**distinctive, "savings": "-777,77"}))
        responses.append(post(english, distinctive, url=PRINT))
        responses.append(post(english, distinctive, url=PDF))
        responses.append(post(english, distinctive, action="edit"))
    assert rows_per_table() == before
    for value in ("1387", "777,77", "4321", "4.321", "4,321"):
        assert value not in caplog.text
    for response in responses:
        assert response.status_code == 200
        assert set(response.cookies) <= {"csrftoken"}
        html = response.content.decode(errors="replace")
        for address in re.findall(r'(?:href|action|formaction)="([^"]*)"', html):
            assert "1387" not in address and "4321" not in address and "777" not in address


# --- samen invullen ------------------------------------------------------------------------------------------


def test_samen_invullen_has_bigger_type_more_explanation_and_keeps_to_it(english, schemes):
    html = english.get(START + "?samen=1").content.decode()
    assert "meedoen-check--samen" in html
    assert "You are filling this in together" in html
    assert "More explanation:" in html and "A housemate, a parent or a grown-up child is not a partner." in html
    assert f'action="{CHECK}?samen=1"' in html
    # the explanation is part of the question's description, so a screen reader reads it too
    assert re.search(r'id="vraag-has_partner_helptext">[^<]*<span class="meedoen-check__explanation">', html)

    step2 = english.post(CHECK + "?samen=1", {**HOUSEHOLD, "step": "1", "action": "next"}).content.decode()
    assert "Step 2 of 3" in step2 and "meedoen-check--samen" in step2
    assert f'action="{CHECK}?samen=1"' in step2
    assert "Look at a bank statement or pay slip together." in step2
    assert "a benefit such as bijstand or WW (money when you lost your job)" in step2

    result = english.post(CHECK + "?samen=1", {**SINGLE_PARENT, "step": "3"}).content.decode()
    assert "meedoen-check--samen" in result
    assert f'formaction="{PDF}?samen=1"' in result and f'formaction="{PRINT}?samen=1"' in result


def test_switching_samen_invullen_on_or_off_keeps_the_answers(english, schemes):
    plain = english.get(START).content.decode()
    assert "meedoen-check--samen" not in plain and "More explanation:" not in plain
    assert f'formaction="{CHECK}?samen=1"' in plain

    on = english.post(CHECK + "?samen=1", {**HOUSEHOLD, **INCOME, "step": "2", "action": "stay"}).content.decode()
    assert "meedoen-check--samen" in on and "Step 2 of 3" in on
    assert 'value="1.350"' in on and "meedoen-error-summary" not in on
    assert f'formaction="{CHECK}"' in on  # the way back to normal type

    off = english.post(CHECK, {**HOUSEHOLD, **INCOME, "step": "2", "action": "stay"}).content.decode()
    assert "meedoen-check--samen" not in off and 'value="1.350"' in off


# --- a failed CSRF check -----------------------------------------------------------------------------------


@pytest.fixture
def strict_client(english):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies["django_language"] = "en"
    return strict


def token_in(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_a_failed_csrf_check_shows_the_step_again_with_the_answers_kept(strict_client, schemes, caplog):
    strict_client.get(START)
    stale = {**HOUSEHOLD, **INCOME, "step": "2", "action": "next", "csrfmiddlewaretoken": "x" * 64}
    with caplog.at_level(logging.DEBUG):
        response = strict_client.post(CHECK, stale)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your answers are still here" in html
    assert "Step 2 of 3" in html and 'value="1.350"' in html
    assert 'type="hidden" name="children_ages" value="6, 12"' in html
    assert "entitlement_check.csrf_refused" in caplog.text and "1.350" not in caplog.text

    again = strict_client.post(CHECK, {**stale, "csrfmiddlewaretoken": token_in(html)}).content.decode()
    assert "Step 3 of 3" in again


def test_without_any_csrf_cookie_the_answers_come_back_and_the_next_try_works(strict_client, schemes):
    response = strict_client.post(CHECK, {**SINGLE_PARENT, "step": "3", "action": "next"})
    html = response.content.decode()
    assert response.status_code == 200 and "Your answers are still here" in html
    assert "csrftoken" in response.cookies
    result = strict_client.post(CHECK, {**SINGLE_PARENT, "step": "3", "csrfmiddlewaretoken": token_in(html)})
    assert "What you may be entitled to" in result.content.decode()


def test_a_pdf_asked_with_a_stale_page_comes_back_as_the_last_step_not_a_403(strict_client, schemes):
    strict_client.get(START)
    response = strict_client.post(PDF, {**SINGLE_PARENT, "csrfmiddlewaretoken": "y" * 64})
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Your answers are still here" in html and "Step 3 of 3" in html
    assert 'value="720"' in html


@pytest.mark.parametrize("step", ["²", "٢", "9" * 5000, "-1", ""])
def test_a_step_that_is_no_step_starts_at_the_first(english, schemes, step):
    response = english.post(CHECK, {**SINGLE_PARENT, "step": step, "action": "next"})

    assert response.status_code == 200
    assert "Step 2 of 3" in response.content.decode()
