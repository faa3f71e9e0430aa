"""What a resident is told in "Mijn gegevens" of the reads of their data by early signalling: why,
and which data, in plain words. The audit log keeps the purpose and the field names as recorded."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from meedoen.early_signals.feedback import PURPOSE as FEEDBACK_PURPOSE
from meedoen.early_signals.letters import OFFER_LETTER_PURPOSE
from meedoen.early_signals.selectors import CASE_PURPOSE

PURPOSES: dict[str, Promise] = {
    CASE_PURPOSE: pgettext_lazy("why your data was read", "To offer you help with money worries"),
    OFFER_LETTER_PURPOSE: pgettext_lazy("why your data was read", "To send you a letter that offers help"),
    FEEDBACK_PURPOSE: pgettext_lazy(
        "why your data was read", "To tell the organisation that reported your arrears whether you got help"
    ),
}

FIELDS: dict[str, Promise] = {
    "initials": pgettext_lazy("your data", "initials"),
    "given_name": pgettext_lazy("your data", "first name"),
    "surname_prefix": pgettext_lazy("your data", "prefix of your surname"),
    "surname": pgettext_lazy("your data", "surname"),
    "date_of_birth": pgettext_lazy("your data", "date of birth"),
    "street": pgettext_lazy("your data", "street"),
    "house_number": pgettext_lazy("your data", "house number"),
    "house_number_addition": pgettext_lazy("your data", "addition to your house number"),
    "postcode": pgettext_lazy("your data", "postcode"),
    "city": pgettext_lazy("your data", "town"),
    "phone": pgettext_lazy("your data", "phone number"),
    "email": pgettext_lazy("your data", "email address"),
    "arrears_amount": pgettext_lazy("your data", "amount of the arrears"),
    "months_in_arrears": pgettext_lazy("your data", "months of arrears"),
    "case_status": pgettext_lazy("your data", "how far your case is"),
    "help_accepted": pgettext_lazy("your data", "whether you wanted help"),
    "closed_on": pgettext_lazy("your data", "the day your case was closed"),
}


def purpose_shown(purpose: str) -> str:
    """Why, in words for the resident; a purpose of another module as it was recorded."""
    return str(PURPOSES.get(purpose, purpose))


def fields_shown(fields: list[str]) -> str:
    """Which data, in words for the resident, in the order of the form they were read from."""
    read = set(fields)
    worded = [str(label) for name, label in FIELDS.items() if name in read]
    return ", ".join([*worded, *(name for name in fields if name not in FIELDS)])
