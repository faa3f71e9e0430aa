"""The offer letter: the municipality's own text or the standard text, its placeholders filled as plain
text, everything escaped, the read of the personal data recorded, and only for the early-signalling
officers of the municipality. The application manager keeps the text; a placeholder the letter cannot
fill is refused when the text is saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meedoen.core.models import AuditEvent
from meedoen.early_signals import letters
from meedoen.early_signals.letters import (
    OFFER_LETTER_PURPOSE,
    Addressee,
    LetterText,
    compose,
    letter_html,
    letter_pdf,
    offer_letter,
    placeholder_problems,
)
from meedoen.early_signals.models import Case, LetterTemplate, MunicipalitySettings
from meedoen.early_signals.selectors import CaseNotFoundError
from meedoen.early_signals.services import letter_template_clear, letter_template_set, municipality_settings_update
from meedoen.early_signals.tests.conftest import TODAY
from meedoen.early_signals.tests.factories import deliver_rows, signal_row
from meedoen.early_signals.tests.test_access import REFUSED_PERSONAS, actor_for

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"
ADDRESSEE = Addressee(
    name="Jolien van Voorbeeld",
    street_line="Verzonnenstraat 12",
    place_line="5141 ZX Waalwijk",
    creditor="Woonstichting Langstraat",
)


def text(**changes: str) -> LetterText:
    fields = {
        "subject": "Hulp van de gemeente {gemeente}",
        "body": "Beste {naam},\n\n{schuldeiser} meldde een achterstand.\nU woont op {adres}.\n\n"
        "Brief van {datum}. Bel ons voor {reageer_voor}. {contact}",
        "sender": "Team Geldzorgen {gemeente}",
        "contact": "Bel 0416 123 456.",
        **changes,
    }
    return LetterText(own=True, **fields)


def words_of(letter: letters.OfferLetter) -> str:
    return " ".join(" ".join(lines) for lines in letter.paragraphs)


def assert_short_sentences(words: str) -> None:
    sentences = [s for s in words.replace("?", ".").split(".") if s.strip()]
    assert max(len(sentence.split()) for sentence in sentences) <= 15


@pytest.fixture
def case(creditors, world) -> Case:
    deliver_rows(creditors.housing, signal_row(bsn="111222333"))
    return Case.objects.get(municipality=world.waalwijk)


# --- the text --------------------------------------------------------------------------------------------


def test_every_placeholder_is_filled(world):
    letter = compose(text=text(), municipality=world.waalwijk, addressee=ADDRESSEE, today=date(2026, 3, 20))

    assert letter.subject == "Hulp van de gemeente Waalwijk"
    assert letter.paragraphs == (
        ("Beste Jolien van Voorbeeld,",),
        ("Woonstichting Langstraat meldde een achterstand.", "U woont op Verzonnenstraat 12."),
        ("Brief van 20 maart 2026. Bel ons voor 3 april 2026. Bel 0416 123 456.",),
    )
    assert letter.sender == "Team Geldzorgen Waalwijk"
    assert letter.recipient == ("Jolien van Voorbeeld", "Verzonnenstraat 12", "5141 ZX Waalwijk")
    assert letter.creditor == "Woonstichting Langstraat"


def test_the_standard_text_is_plain_dutch_and_says_what_who_and_by_when(world):
    letter = compose(
        text=letters.standard_text(), municipality=world.waalwijk, addressee=ADDRESSEE, today=date(2026, 3, 20)
    )
    words = words_of(letter)

    assert letter.paragraphs[0] == ("Beste Jolien van Voorbeeld,",)
    assert "Woonstichting Langstraat heeft ons laten weten dat je een betaalachterstand hebt." in words
    assert "gratis" in words and "nergens aan vast" in words
    assert "vóór 3 april 2026" in words
    # Without a way of contact set, the letter names the municipality.
    assert "Bel of mail de gemeente Waalwijk, of kom langs bij het gemeentehuis." in words
    assert letter.sender == "Team hulp bij geldzorgen, gemeente Waalwijk"
    assert "{" not in words and "}" not in words
    assert_short_sentences(words)


def test_the_letter_when_the_situation_threatens_says_it_is_urgent_and_asks_for_contact_within_a_week(world):
    # Thursday 2 April 2026: Good Friday and Easter Monday are no working days.
    letter = compose(
        text=letters.standard_text(),
        municipality=world.waalwijk,
        addressee=ADDRESSEE,
        today=date(2026, 4, 2),
        urgent=True,
    )
    words = words_of(letter)

    assert letter.subject == letters.STANDARD_URGENT_SUBJECT
    assert "Woonstichting Langstraat heeft ook laten weten dat dit snel grote gevolgen kan hebben." in words
    assert "Neem zo snel mogelijk contact met ons op. Het liefst vóór 13 april 2026." in words
    assert "gratis" in words and "nergens aan vast" in words
    assert "Bel of mail de gemeente Waalwijk, of kom langs bij het gemeentehuis." in words
    assert letter.sender == "Team hulp bij geldzorgen, gemeente Waalwijk"
    assert "{" not in words and "}" not in words
    assert_short_sentences(words)
    # The letter for arrears, on the same day, gives two weeks.
    regular = compose(
        text=letters.standard_text(), municipality=world.waalwijk, addressee=ADDRESSEE, today=date(2026, 4, 2)
    )
    assert "vóór 16 april 2026" in words_of(regular)


def test_own_text_for_a_threatening_situation_and_the_standard_one_while_it_has_none(world, personas):
    manager = actor_for(personas["ww_application_manager"])
    letter_template_set(
        actor=manager,
        municipality=world.waalwijk,
        subject="Eigen",
        body="Beste {naam},",
        sender="Wij",
        contact="Bel 0416 123 456.",
        urgent_subject="Snel",
        urgent_body="Beste {naam}, bel vóór {reageer_voor}. {contact}",
    )

    own = letters.letter_text_of(world.waalwijk)
    assert own.words(urgent=True) == ("Snel", "Beste {naam}, bel vóór {reageer_voor}. {contact}")
    assert own.words(urgent=False) == ("Eigen", "Beste {naam},")
    letter = compose(text=own, municipality=world.waalwijk, addressee=ADDRESSEE, today=date(2026, 3, 20), urgent=True)
    assert letter.paragraphs == (("Beste Jolien van Voorbeeld, bel vóór 27 maart 2026. Bel 0416 123 456.",),)

    # A text saved before the letter for threatening situations existed: the standard one, with this sender.
    LetterTemplate.objects.filter(municipality=world.waalwijk).update(urgent_subject="", urgent_body="")
    older = letters.letter_text_of(world.waalwijk)
    assert older.words(urgent=True) == (letters.STANDARD_URGENT_SUBJECT, letters.STANDARD_URGENT_BODY)
    assert (
        compose(text=older, municipality=world.waalwijk, addressee=ADDRESSEE, today=TODAY.date(), urgent=True).sender
        == "Wij"
    )


def test_the_municipalitys_own_text_is_used_once_saved(world, personas):
    manager = actor_for(personas["ww_application_manager"])
    assert letters.letter_text_of(world.waalwijk) == letters.standard_text()

    letter_template_set(actor=manager, municipality=world.waalwijk, subject="Eigen", body="Beste {naam},", sender="Wij")

    own = letters.letter_text_of(world.waalwijk)
    assert (own.subject, own.body, own.sender, own.own) == ("Eigen", "Beste {naam},", "Wij", True)
    assert letters.letter_text_of(world.meerssen) == letters.standard_text()


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("Beste {naam},", None),
        ("Je {bsn} is bekend.", "Unknown placeholder: {bsn}."),
        ("Beste {Naam},", "Unknown placeholder: {Naam}."),
        ("{naam.__class__}", "Unknown placeholder: {naam.__class__}."),
        ("{{ request.user }}", "Unknown placeholder"),
        ("{% load static %}", "Unknown placeholder: {% load static %}."),
        ("Beste {naam,", "A curly bracket without its pair"),
        ("Beste naam},", "A curly bracket without its pair"),
    ],
)
def test_placeholders_the_letter_cannot_fill_are_named(written, problem):
    problems = placeholder_problems(written)

    if problem is None:
        assert problems == []
    else:
        assert any(found.startswith(problem) for found in problems), problems


def test_text_is_never_run_as_a_template(world):
    written = text(body="{% now 'Y' %} {{ naam }} {naam.__class__} {naam}")

    letter = compose(text=written, municipality=world.waalwijk, addressee=ADDRESSEE, today=date(2026, 3, 20))

    assert letter.paragraphs == (("{% now 'Y' %} {{ naam }} {naam.__class__} Jolien van Voorbeeld",),)


def test_hostile_text_is_escaped_in_the_letter(world):
    hostile = Addressee(name=HOSTILE, street_line="<b>Straat</b> 1", place_line="5141 ZX", creditor="A & B")
    written = text(
        subject=HOSTILE, body=f"<i>{{naam}}</i> {HOSTILE} {{schuldeiser}}", sender='"><img src=x onerror=alert(1)>'
    )

    html = letters.letter_document(
        compose(text=written, municipality=world.waalwijk, addressee=hostile, today=date(2026, 3, 20))
    )

    assert "<script>" not in html and "<b>" not in html and "<i>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A &amp; B" in html
    assert "&lt;i&gt;&lt;script&gt;" in html


def test_the_letter_becomes_a_pdf(world):
    letter = compose(text=text(), municipality=world.waalwijk, addressee=ADDRESSEE, today=date(2026, 3, 20))

    assert letter_pdf(letter).startswith(b"%PDF")
    assert "<p>Woonstichting Langstraat meldde een achterstand.<br>U woont op" in letter_html(letter)


# --- the letter of a case ------------------------------------------------------------------------------------


def test_an_officer_gets_the_letter_of_a_case_and_the_read_is_recorded(case, personas, world):
    from meedoen.accounts.pseudonyms import resident_ref_for_bsn

    officer = actor_for(personas["ww_early_signals"])

    letter = offer_letter(actor=officer, municipality=world.waalwijk, case_id=case.uuid)

    assert letter.recipient == ("Jolien van Voorbeeld", "Verzonnenstraat 12", "5141 ZX Waalwijk")
    assert letter.creditor == "Woonstichting Langstraat"
    assert letter.date == date(2026, 3, 20)
    assert letter.reference == case.number
    assert f"Datum: 20 maart 2026<br>Zaaknummer: {case.number}</p>" in letter_html(letter)
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ)
    assert sorted(event.subject_ref for event in reads) == sorted(
        [case.household_ref, resident_ref_for_bsn("111222333")]
    )
    assert {(event.reason, event.actor_label) for event in reads} == {(OFFER_LETTER_PURPOSE, "ww-vroeg")}


def test_the_letter_goes_to_the_person_of_the_most_recent_signal_and_names_its_creditor(case, creditors, personas):
    deliver_rows(
        creditors.energy,
        signal_row(creditor_reference="EV-9", given_name="", initials="J."),
    )
    case.refresh_from_db()
    assert case.signal_count == 2

    letter = offer_letter(
        actor=actor_for(personas["ww_early_signals"]), municipality=case.municipality, case_id=case.uuid
    )

    assert letter.recipient[0] == "J. van Voorbeeld"  # as the most recent signal has it
    assert letter.creditor == "Energie Verzonnen"
    assert "Energie Verzonnen heeft ons laten weten" in " ".join(letter.paragraphs[1])


@pytest.mark.parametrize("kind", ["end_of_supply", "threat"])
def test_a_threatening_case_gets_the_urgent_letter_naming_the_creditor_of_the_threat(case, creditors, personas, kind):
    officer = actor_for(personas["ww_early_signals"])
    regular = offer_letter(actor=officer, municipality=case.municipality, case_id=case.uuid)
    assert regular.subject == letters.STANDARD_SUBJECT

    deliver_rows(creditors.energy, signal_row(creditor_reference="EV-9", signal_kind=kind))
    # A later signal of arrears from another creditor leaves the situation threatening.
    deliver_rows(creditors.housing, signal_row(creditor_reference="WS-0002", given_name="", initials="J."))
    case.refresh_from_db()
    assert (case.signal_count, case.threatening) == (3, True)

    letter = offer_letter(actor=officer, municipality=case.municipality, case_id=case.uuid)

    assert letter.subject == letters.STANDARD_URGENT_SUBJECT
    assert letter.creditor == "Energie Verzonnen"
    assert letter.recipient[0] == "J. van Voorbeeld"  # the person as the most recent signal has them
    words = words_of(letter)
    assert "Energie Verzonnen heeft ook laten weten dat dit snel grote gevolgen kan hebben." in words
    assert f"vóór {letters.dutch_date(letters.reply_by(letter.date, urgent=True))}" in words


def test_no_one_else_gets_the_letter_and_nothing_is_recorded(case, personas, world):
    for persona in REFUSED_PERSONAS:
        with pytest.raises((PermissionDenied, CaseNotFoundError)):
            offer_letter(actor=actor_for(personas[persona]), municipality=world.waalwijk, case_id=case.uuid)
            pytest.fail(f"{persona} got the letter")
    # An officer of Waalwijk asking for it as if in Meerssen, where they hold no role.
    with pytest.raises(PermissionDenied):
        offer_letter(actor=actor_for(personas["ww_early_signals"]), municipality=world.meerssen, case_id=case.uuid)

    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()


def test_without_personal_data_left_there_is_no_letter(case, personas, world):
    case.signals.all().delete()

    with pytest.raises(letters.LetterUnavailableError):
        offer_letter(actor=actor_for(personas["ww_early_signals"]), municipality=world.waalwijk, case_id=case.uuid)


# --- keeping the text and the settings --------------------------------------------------------------------------


def test_the_manager_saves_the_text_and_the_change_is_recorded(world, personas):
    manager = actor_for(personas["ww_application_manager"])

    letter_template_set(
        actor=manager,
        municipality=world.waalwijk,
        subject=" Hulp ",
        body="Beste {naam},",
        sender="Team",
        contact="Bel ons.",
    )
    letter_template_set(
        actor=manager,
        municipality=world.waalwijk,
        subject="Hulp",
        body="Hoi {naam},",
        sender="Team",
        contact="Bel ons.",
    )

    saved = LetterTemplate.objects.get(municipality=world.waalwijk)
    assert (saved.subject, saved.body, saved.contact) == ("Hulp", "Hoi {naam},", "Bel ons.")
    changes = AuditEvent.objects.filter(action="early_signals.letter_template.set").order_by("id")
    assert [event.details["fields"] for event in changes] == [["body", "contact", "sender", "subject"], ["body"]]
    assert {event.municipality_id for event in changes} == {world.waalwijk.pk}

    letter_template_clear(actor=manager, municipality=world.waalwijk)
    assert not LetterTemplate.objects.exists()


def test_a_text_with_an_unknown_placeholder_is_refused_with_its_field(world, personas):
    manager = actor_for(personas["ww_application_manager"])

    with pytest.raises(ValidationError) as refused:
        letter_template_set(
            actor=manager, municipality=world.waalwijk, subject="Over {bsn}", body="Beste {naam", sender="Team"
        )

    assert set(refused.value.error_dict) == {"subject", "body"}
    assert not LetterTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action="early_signals.letter_template.set").exists()


def test_only_the_manager_of_the_municipality_keeps_the_text(world, personas):
    for persona in ("ww_early_signals", "ww_policy", "ww_auditor", "ms_application_manager", "no_second_factor"):
        with pytest.raises(PermissionDenied):
            letter_template_set(
                actor=actor_for(personas[persona]), municipality=world.waalwijk, subject="S", body="B", sender="T"
            )
        with pytest.raises(PermissionDenied):
            letter_template_clear(actor=actor_for(personas[persona]), municipality=world.waalwijk)

    assert not LetterTemplate.objects.exists()


def test_the_retention_term_is_kept_unless_given(world, personas):
    manager = actor_for(personas["ww_application_manager"])

    municipality_settings_update(
        actor=manager, municipality=world.waalwijk, regular_term_days=28, urgent_term_working_days=3, retention_days=90
    )
    municipality_settings_update(
        actor=manager, municipality=world.waalwijk, regular_term_days=21, urgent_term_working_days=3
    )

    row = MunicipalitySettings.objects.get(municipality=world.waalwijk)
    assert (row.regular_term_days, row.retention_days) == (21, 90)
    with pytest.raises(ValidationError) as refused:
        municipality_settings_update(
            actor=manager,
            municipality=world.waalwijk,
            regular_term_days=21,
            urgent_term_working_days=3,
            retention_days=0,
        )
    assert "retention_days" in refused.value.error_dict
