"""The offer letter: the first offer of help on paper, to the person of a case's most recent signal.

A municipality words the letter itself (``LetterTemplate``) or uses the standard text below, in plain
Dutch at B1 level. A case whose situation threatens (an eviction, an end of supply) gets a letter of
its own: it says the matter is urgent and asks for contact within a week rather than two. A text
names the letter's details through a small fixed set of placeholders such as ``{naam}``; they are
replaced as plain text, so nothing a user wrote is ever run as a template, and every value is
escaped when the letter becomes HTML.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meedoen.core.access import Actor
from meedoen.core.pdf import html_to_pdf
from meedoen.early_signals.deadlines import add_working_days
from meedoen.early_signals.models import THREATENING_KINDS
from meedoen.early_signals.selectors import SignalDetail, case_detail, case_of_municipality, letter_template_of
from meedoen.organisations.models import Municipality

# Recorded as the purpose of the read of the personal data the letter holds.
OFFER_LETTER_PURPOSE = "offer letter"
# The letter asks the resident to get in touch within this many days; when the situation threatens,
# within this many working days (a week).
REPLY_DAYS = 14
URGENT_REPLY_WORKING_DAYS = 5

PLACEHOLDERS: Mapping[str, str | Promise] = {
    "naam": gettext_lazy("the name of the person the letter is for"),
    "adres": gettext_lazy("their street and house number"),
    "schuldeiser": gettext_lazy("the creditor that reported the arrears"),
    "datum": gettext_lazy("the date of the letter"),
    "reageer_voor": gettext_lazy(
        "the day by which we ask them to get in touch: two weeks after the letter, or five working days when the "
        "situation threatens"
    ),
    "contact": gettext_lazy("how residents reach the team, as set below"),
    "gemeente": gettext_lazy("the name of the municipality"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_ANY_BRACES = re.compile(r"\{([^{}]*)\}")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")

STANDARD_SUBJECT = "Gratis hulp bij geldzorgen"
STANDARD_BODY = "\n\n".join(
    (
        "Beste {naam},",
        "{schuldeiser} heeft ons laten weten dat je een betaalachterstand hebt. "
        "Er is dus een rekening nog niet betaald.",
        "Bedrijven zoals {schuldeiser} mogen dit aan de gemeente doorgeven. "
        "Zo kunnen we je op tijd helpen, voordat het probleem groter wordt.",
        "Wij willen graag met je praten. Samen kijken we wat je nodig hebt. "
        "Bijvoorbeeld een betalingsregeling. Of hulp bij je geldzaken.",
        "Onze hulp is gratis. Je zit nergens aan vast. Jij beslist zelf of je hulp wilt.",
        "Neem vóór {reageer_voor} contact met ons op. {contact}",
        "Is de rekening al betaald, of heb je al hulp? Laat het ons dan ook even weten.",
        "Met vriendelijke groet,",
    )
)
STANDARD_URGENT_SUBJECT = "Gratis hulp bij geldzorgen: neem snel contact op"
STANDARD_URGENT_BODY = "\n\n".join(
    (
        "Beste {naam},",
        "{schuldeiser} heeft ons laten weten dat je een betaalachterstand hebt. "
        "Er is dus een rekening nog niet betaald.",
        "{schuldeiser} heeft ook laten weten dat dit snel grote gevolgen kan hebben. "
        "Bedrijven zoals {schuldeiser} mogen dit aan de gemeente doorgeven. "
        "Zo kunnen we je op tijd helpen.",
        "Er is nog tijd om er samen iets aan te doen. "
        "Bijvoorbeeld met een betalingsregeling. Of met hulp bij je geldzaken.",
        "Onze hulp is gratis. Je zit nergens aan vast. Jij beslist zelf of je hulp wilt.",
        "Neem zo snel mogelijk contact met ons op. Het liefst vóór {reageer_voor}. {contact}",
        "Is de rekening al betaald, of heb je al hulp? Laat het ons dan ook even weten.",
        "Met vriendelijke groet,",
    )
)
STANDARD_SENDER = "Team hulp bij geldzorgen, gemeente {gemeente}"
# Said where the text asks for {contact} while the municipality has not said how to reach the team.
STANDARD_CONTACT = "Bel of mail de gemeente {gemeente}, of kom langs bij het gemeentehuis."

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)

LETTER_STYLES = """
@page { size: A4; margin: 25mm 22mm; }
body { font-family: sans-serif; font-size: 11pt; line-height: 1.5; color: #000; }
.meedoen-letter__sender-address { margin-block-end: 12mm; }
.meedoen-letter__recipient { margin-block: 0 12mm; }
.meedoen-letter__meta { margin-block-end: 8mm; }
.meedoen-letter__subject { font-weight: bold; }
p { margin-block: 0 4mm; }
"""


class LetterUnavailableError(Exception):
    """The case holds no signal that stands with personal data (removed after the retention term, or
    withdrawn by its creditor)."""


@dataclass(frozen=True)
class LetterText:
    """The words of a municipality's offer letters, placeholders still in them: the letter for arrears
    and the letter for a situation that threatens, with the same sender and contact."""

    subject: str
    body: str
    sender: str
    contact: str
    own: bool
    urgent_subject: str = STANDARD_URGENT_SUBJECT
    urgent_body: str = STANDARD_URGENT_BODY

    def words(self, *, urgent: bool) -> tuple[str, str]:
        """The subject and body of the letter for arrears, or of the one for a threatening situation."""
        return (self.urgent_subject, self.urgent_body) if urgent else (self.subject, self.body)


@dataclass(frozen=True)
class Addressee:
    name: str
    street_line: str
    place_line: str
    creditor: str


@dataclass(frozen=True)
class OfferLetter:
    """A letter ready to print: every placeholder replaced, nothing escaped yet."""

    municipality: str
    date: date
    recipient: tuple[str, ...]
    subject: str
    paragraphs: tuple[tuple[str, ...], ...]
    sender: str
    creditor: str
    # The case number (``Case.number``), by which the household and the team find the case again.
    reference: str = ""


# --- the text --------------------------------------------------------------------------------------------


def standard_text() -> LetterText:
    return LetterText(subject=STANDARD_SUBJECT, body=STANDARD_BODY, sender=STANDARD_SENDER, contact="", own=False)


def lacks_contact(text: LetterText, *, urgent: bool = False) -> bool:
    """Whether the letter (for a threatening situation when ``urgent``) asks for {contact} while the
    municipality has not said how residents reach the team: the letter then only names the
    municipality (``STANDARD_CONTACT``)."""
    _subject, body = text.words(urgent=urgent)
    return "{contact}" in body and not text.contact.strip()


def letter_text_of(municipality: Municipality) -> LetterText:
    """The municipality's own text, else the standard text."""
    template = letter_template_of(municipality_id=municipality.pk)
    if template is None:
        return standard_text()
    return LetterText(
        subject=template.subject,
        body=template.body,
        sender=template.sender,
        contact=template.contact,
        own=True,
        # A text saved before the letter for threatening situations existed has none of its own.
        urgent_subject=template.urgent_subject or STANDARD_URGENT_SUBJECT,
        urgent_body=template.urgent_body or STANDARD_URGENT_BODY,
    )


def placeholder_problems(text: str) -> list[str]:
    """What is wrong with the placeholders of ``text``: unknown names, or a bracket without its pair."""
    problems = []
    unknown = sorted({name for name in _ANY_BRACES.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        problems.append(
            _("Unknown placeholder: %(names)s. The letter knows only %(known)s.")
            % {
                "names": ", ".join("{" + name + "}" for name in unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            }
        )
    if "{" in _ANY_BRACES.sub("", text) or "}" in _ANY_BRACES.sub("", text):
        problems.append(_("A curly bracket without its pair. Write a placeholder as {naam}."))
    return problems


def check_letter_text(texts: Mapping[str, str]) -> None:
    """Raise a ValidationError per field of ``texts`` (field name: text) whose placeholders the
    letter cannot fill."""
    errors = {name: problems for name, text in texts.items() if (problems := placeholder_problems(text))}
    if errors:
        raise ValidationError(errors)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every known placeholder replaced by its value, as plain text."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def dutch_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def reply_by(today: date, *, urgent: bool) -> date:
    """The day by which a letter dated ``today`` asks the resident to get in touch."""
    if urgent:
        return add_working_days(today, URGENT_REPLY_WORKING_DAYS)
    return today + timedelta(days=REPLY_DAYS)


def compose(
    *,
    text: LetterText,
    municipality: Municipality,
    addressee: Addressee,
    today: date,
    urgent: bool = False,
    reference: str = "",
) -> OfferLetter:
    """The letter ``text`` gives for ``addressee``, dated ``today``: the one for a threatening
    situation when ``urgent``; ``reference`` is the case's number."""
    subject, body_text = text.words(urgent=urgent)
    base = {"gemeente": municipality.name}
    contact = text.contact.strip() or fill(STANDARD_CONTACT, base)
    values = {
        **base,
        "naam": addressee.name,
        "adres": addressee.street_line,
        "schuldeiser": addressee.creditor,
        "datum": dutch_date(today),
        "reageer_voor": dutch_date(reply_by(today, urgent=urgent)),
        "contact": contact,
    }
    body = fill(body_text.replace("\r\n", "\n").strip(), values)
    paragraphs = tuple(
        tuple(line.strip() for line in block.splitlines() if line.strip())
        for block in _BLANK_LINE.split(body)
        if block.strip()
    )
    return OfferLetter(
        municipality=municipality.name,
        date=today,
        recipient=(addressee.name, addressee.street_line, addressee.place_line),
        subject=fill(subject, values),
        paragraphs=paragraphs,
        sender=fill(text.sender, values),
        creditor=addressee.creditor,
        reference=reference,
    )


def addressee_of(signal: SignalDetail) -> Addressee:
    first = signal.given_name or signal.initials
    name = " ".join(part for part in (first, signal.surname_prefix, signal.surname) if part)
    return Addressee(
        name=name,
        street_line=f"{signal.street} {signal.house_number}{signal.house_number_addition}".strip(),
        place_line=f"{signal.postcode} {signal.city}".strip(),
        creditor=signal.creditor,
    )


# Invented details, for the preview of a text before it is used.
EXAMPLE_ADDRESSEE = Addressee(
    name="Jolien van Voorbeeld",
    street_line="Verzonnenstraat 12",
    place_line="1234 AB Voorbeeldstad",
    creditor="Woonstichting Voorbeeld",
)


EXAMPLE_REFERENCE = "9F3A-C21D"


def example_letter(*, text: LetterText, municipality: Municipality, urgent: bool = False) -> OfferLetter:
    return compose(
        text=text,
        municipality=municipality,
        addressee=EXAMPLE_ADDRESSEE,
        today=timezone.localdate(),
        urgent=urgent,
        reference=EXAMPLE_REFERENCE,
    )


# --- the letter of a case -----------------------------------------------------------------------------------


def offer_letter(*, actor: Actor, municipality: Municipality, case_id: uuid.UUID) -> OfferLetter:
    """The offer letter for the person of the case's most recent signal, naming that signal's
    creditor, and the case's number. When the case's situation threatens, it is the letter for
    that, naming the creditor of the most recent signal that threatens. (One creditor: the letter's
    text speaks of it in the singular.) Only an early-signalling officer of the municipality gets
    it, and the read of the personal data in it is recorded first (purpose "offer letter")."""
    case_of_municipality(actor=actor, municipality_id=municipality.pk, case_id=case_id)
    detail = case_detail(actor=actor, case_id=case_id, purpose=OFFER_LETTER_PURPOSE)
    # A signal its creditor withdrew is no reason to write: the letter speaks of those that stand.
    signals = detail.standing
    if not signals:
        raise LetterUnavailableError(str(case_id))
    # The signals come in the order they were received: the last is the most recent.
    addressee = addressee_of(signals[-1])
    urgent = detail.case.threatening
    if urgent:
        threat = next((s for s in reversed(signals) if s.kind in THREATENING_KINDS), signals[-1])
        addressee = replace(addressee, creditor=threat.creditor)
    return compose(
        text=letter_text_of(municipality),
        municipality=municipality,
        addressee=addressee,
        today=timezone.localdate(),
        urgent=urgent,
        reference=detail.case.number,
    )


# --- as HTML and PDF ---------------------------------------------------------------------------------------


def _lines(lines: tuple[str, ...]) -> SafeString:
    return format_html_join(SafeString("<br>"), "{}", ((line,) for line in lines))


def letter_html(letter: OfferLetter) -> SafeString:
    """The letter as an HTML fragment; every text in it escaped."""
    paragraphs = format_html_join("\n", "<p>{}</p>", ((_lines(lines),) for lines in letter.paragraphs))
    return format_html(
        '<article class="meedoen-letter" lang="nl">\n'
        '<p class="meedoen-letter__sender-address">{municipality}</p>\n'
        '<p class="meedoen-letter__recipient">{recipient}</p>\n'
        '<p class="meedoen-letter__meta">Datum: {date}{reference}</p>\n'
        '<p class="meedoen-letter__subject">Onderwerp: {subject}</p>\n'
        "{paragraphs}\n"
        '<p class="meedoen-letter__signature">{sender}</p>\n'
        "</article>",
        municipality=f"Gemeente {letter.municipality}",
        recipient=_lines(letter.recipient),
        date=dutch_date(letter.date),
        reference=format_html("<br>Zaaknummer: {}", letter.reference) if letter.reference else "",
        subject=letter.subject,
        paragraphs=paragraphs,
        sender=letter.sender,
    )


def letter_document(letter: OfferLetter) -> str:
    """The letter as a whole HTML document that carries its own styles."""
    return format_html(
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        "<style>{styles}</style>\n</head>\n<body>\n{letter}\n</body>\n</html>\n",
        title=letter.subject,
        styles=SafeString(LETTER_STYLES),
        letter=letter_html(letter),
    )


def letter_pdf(letter: OfferLetter) -> bytes:
    return html_to_pdf(letter_document(letter))
