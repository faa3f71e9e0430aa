"""Finding a case when someone calls: by the case number on the offer letter, by the creditor's
reference, or by the household's postcode and house number.

Cases keep no address, only its keyed pseudonym; an address is found by drawing the pseudonym of
what the officer typed, exactly as the intake drew it. Only the municipality's early-signalling
officers search, and every case found is recorded as a read of that household's data (that it has
a case, and how far it is) and of each resident whose BSN pseudonym its signals carry, as opening it
would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from meedoen.core.access import Actor, Role, require_role
from meedoen.core.audit import record_access
from meedoen.core.text import without_hidden
from meedoen.early_signals.linking import address_key, address_ref
from meedoen.early_signals.models import Case, CreditorAgreement, Signal, case_number_end
from meedoen.early_signals.selectors import CASE_PURPOSE, CaseSummary, case_summary, open_first, record_status_reads
from meedoen.organisations.models import Municipality

BY_NUMBER, BY_ADDRESS, BY_REFERENCE = "case_number", "address", "creditor_reference"
SEARCHED = {
    BY_NUMBER: _("case number"),
    BY_ADDRESS: _("postcode and house number"),
    BY_REFERENCE: _("reference of a creditor"),
}
MAX_FOUND = 50
MAX_QUERY = 60

# "5141 AB 12", "5141AB12", "5141 ab, 12-a", "5141 AB 12 bis".
_ADDRESS = re.compile(
    r"^(?:NL-?)?(?P<digits>[1-9][0-9]{3}) ?-?(?P<letters>[A-Z]{2})[ ,]*(?P<number>[0-9]{1,5})"
    r"(?:[ \-/]*(?P<addition>[A-Z0-9]{1,6}))?$"
)


@dataclass(frozen=True)
class CaseSearch:
    query: str
    searched: tuple[str, ...]  # the ways the query was read: BY_NUMBER, BY_ADDRESS, BY_REFERENCE
    cases: tuple[CaseSummary, ...]
    more: bool  # more cases matched than are shown


def read_query(query: str) -> tuple[tuple[str, str], ...]:
    """What the officer typed, read every way it can be: as (what it is, the key to look for). A
    creditor's reference can be anything, so every text is one; "1234-AB12" is a case number and a
    postcode with a house number, "5141AB12" as well. Characters nobody types (``core.text``) are
    left out first: a case number or an address holds none, a reference pasted with a zero-width
    space in it is still found, and PostgreSQL cannot compare a NUL. Nothing left is nothing to
    look for."""
    typed = " ".join(without_hidden(query).split())
    if not typed:
        return ()
    compact = typed.upper()
    readings = []
    number = case_number_end(compact)
    if number:
        readings.append((BY_NUMBER, number))
    address = _ADDRESS.match(compact)
    if address:
        postcode = f"{address['digits']}{address['letters']}"
        readings.append((BY_ADDRESS, address_key(postcode, int(address["number"]), address["addition"] or "")))
    readings.append((BY_REFERENCE, typed))
    return tuple(readings)


def find_cases(*, actor: Actor, municipality: Municipality, query: str) -> CaseSearch:
    """The municipality's cases that match ``query`` read any of its ways, open ones first, then the
    most recently opened. The search and each case found are recorded before the answer leaves."""
    require_role(actor, Role.EARLY_SIGNALS_OFFICER, municipality_id=municipality.pk)
    readings = read_query(query[:MAX_QUERY])
    if not readings:
        return CaseSearch(query=query, searched=(), cases=(), more=False)
    matches = models.Q()
    for searched, key in readings:
        if searched == BY_NUMBER:
            matches |= models.Q(uuid__iendswith=key)
        elif searched == BY_ADDRESS:
            matches |= models.Q(address_ref=address_ref(municipality.code, key))
        else:
            # By the creditors that deliver here: the index on (creditor, reference) finds each at once.
            creditors = CreditorAgreement.objects.filter(municipality=municipality).values_list(
                "organisation_id", flat=True
            )
            signals = Signal.objects.filter(
                creditor_id__in=list(creditors), creditor_reference=key, municipality=municipality
            )
            matches |= models.Q(pk__in=signals.values("case_id"))
    cases = Case.objects.filter(matches, municipality=municipality)
    found = list(open_first(cases.select_related("district"))[: MAX_FOUND + 1])
    shown = found[:MAX_FOUND]
    organisations = actor.organisation_ids(municipality.pk, Role.EARLY_SIGNALS_OFFICER)
    organisation_id = min(organisations) if len(organisations) == 1 else None
    record_access(
        action="early_signals.case.search",
        actor_id=actor.user_id,
        actor_label=actor.label,
        details={"by": [searched for searched, _ in readings], "found": len(shown)},
        municipality_id=municipality.pk,
        organisation_id=organisation_id,
    )
    record_status_reads(actor, shown, purpose=CASE_PURPOSE, organisation_id=organisation_id)
    return CaseSearch(
        query=query,
        searched=tuple(searched for searched, _ in readings),
        cases=tuple(case_summary(case) for case in shown),
        more=len(found) > MAX_FOUND,
    )
