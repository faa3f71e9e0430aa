"""Reads of the social map for staff, already checked against the actor's role."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meedoen.areas.models import Area
from meedoen.areas.selectors import districts_of
from meedoen.core.access import Actor, Role, require_role, scope_to_organisations
from meedoen.organisations.models import Municipality, Organisation
from meedoen.socialmap.models import Location, Offer, OfferLocation, TaxonomyTerm
from meedoen.socialmap.search_rows import REMOTE_WAYS_IN
from meedoen.socialmap.taxonomy import TARGET_GROUPS_CODE, THEMES_CODE

# --- coordination: where offers overlap and where help is missing ---------------------------------

# From this many active offers for the same theme and target group in one area, they overlap enough
# that partners should talk about working together (the poverty LAB's "fragmented" finding).
FRAGMENTATION_FROM = 3


class Coverage(models.TextChoices):
    GAP = "gap", _("gap")
    COVERED = "covered", _("covered")
    FRAGMENTATION = "fragmentation", _("fragmentation")


@dataclass(frozen=True)
class Heading:
    """A row, column or area of the coordination matrix: its code and the name staff read."""

    code: str
    name: str


@dataclass(frozen=True)
class MatrixCell:
    theme: Heading
    target_group: Heading
    area: Heading
    offers: int

    @property
    def coverage(self) -> Coverage:
        if self.offers == 0:
            return Coverage.GAP
        if self.offers >= FRAGMENTATION_FROM:
            return Coverage.FRAGMENTATION
        return Coverage.COVERED

    @property
    def is_gap(self) -> bool:
        return self.coverage == Coverage.GAP

    @property
    def is_fragmented(self) -> bool:
        return self.coverage == Coverage.FRAGMENTATION


@dataclass(frozen=True)
class CoordinationMatrix:
    """Active offers per theme x target group x area of one municipality.

    The areas are the municipality's districts and the municipality as a whole; the whole is not
    the sum of its districts, since one offer can count in several districts.
    """

    municipality: Heading
    themes: tuple[Heading, ...]
    target_groups: tuple[Heading, ...]
    districts: tuple[Heading, ...]
    counts: Mapping[tuple[str, str, str], int]
    # Active offers without a theme or without a target group: they fall outside every cell.
    unclassified: int

    @property
    def areas(self) -> tuple[Heading, ...]:
        return (*self.districts, self.municipality)

    def area(self, code: str) -> Heading | None:
        return next((area for area in self.areas if area.code == code), None)

    def cell(self, theme: Heading, target_group: Heading, area: Heading) -> MatrixCell:
        return MatrixCell(theme, target_group, area, self.counts.get((theme.code, target_group.code, area.code), 0))

    def rows(self, area: Heading) -> list[tuple[Heading, list[MatrixCell]]]:
        """The table of one area: a row per theme, a cell per target group."""
        return [(theme, [self.cell(theme, group, area) for group in self.target_groups]) for theme in self.themes]

    def cells(self, area: Heading) -> Iterator[MatrixCell]:
        for _theme, row in self.rows(area):
            yield from row


def coordination_matrix(*, actor: Actor, municipality: Municipality) -> CoordinationMatrix:
    """How many active offers of the municipality there are for each theme, target group and district.

    An offer counts for a district when it has a place there (a location in the district or in one
    of its neighbourhoods), or when it reaches everyone: a way in by phone, WhatsApp, e-mail, online
    form or home visit (``search_rows.REMOTE_WAYS_IN``), the same rule the resident search uses for its
    district filter. For the municipality as a whole every active offer counts. An offer counts for
    every theme and every target group it names; one without a target group is in no column, as a
    resident filtering on a target group would not find it either (``unclassified`` counts them).

    A fixed handful of queries whatever the size of the map; the counting happens here.
    """
    require_role(actor, Role.POLICY_OFFICER, Role.APPLICATION_MANAGER, municipality_id=municipality.pk)
    active = Offer.objects.filter(municipalities=municipality, status=Offer.Status.ACTIVE)

    terms: dict[str, dict[int, Heading]] = {THEMES_CODE: {}, TARGET_GROUPS_CODE: {}}
    for pk, taxonomy, code, name in (
        TaxonomyTerm.objects.filter(taxonomy__code__in=list(terms))
        .order_by("position", "name")
        .values_list("pk", "taxonomy__code", "code", "name")
    ):
        terms[taxonomy][pk] = Heading(code, name)
    districts = tuple(Heading(area.code, area.name) for area in districts_of(municipality.code))
    district_codes = {district.code for district in districts}
    whole = Heading(municipality.code, municipality.name)

    remote = {way.value for way in REMOTE_WAYS_IN}
    offer_ids: list[int] = []
    everywhere: set[int] = set()
    for pk, ways in active.values_list("pk", "ways_in").iterator():
        offer_ids.append(pk)
        if remote.intersection(ways or ()):
            everywhere.add(pk)
    themes_of = _terms_of(Offer.themes.through.objects.filter(offer__in=active), terms[THEMES_CODE])
    groups_of = _terms_of(Offer.target_groups.through.objects.filter(offer__in=active), terms[TARGET_GROUPS_CODE])
    places: dict[int, set[str]] = defaultdict(set)
    for offer_id, area_code, level, parent_code in (
        OfferLocation.objects.filter(offer__in=active, location__area__isnull=False)
        .values_list("offer_id", "location__area__code", "location__area__level", "location__area__parent__code")
        .iterator()
    ):
        district = area_code if level == Area.Level.DISTRICT else parent_code
        if district in district_codes:
            places[offer_id].add(district)

    counts: Counter[tuple[str, str, str]] = Counter()
    unclassified = 0
    for offer_id in offer_ids:
        themes, groups = themes_of.get(offer_id, ()), groups_of.get(offer_id, ())
        if not themes or not groups:
            unclassified += 1
            continue
        areas = [whole.code, *(district_codes if offer_id in everywhere else places.get(offer_id, set()))]
        for theme in themes:
            for group in groups:
                for area in areas:
                    counts[(theme, group, area)] += 1
    return CoordinationMatrix(
        municipality=whole,
        themes=tuple(terms[THEMES_CODE].values()),
        target_groups=tuple(terms[TARGET_GROUPS_CODE].values()),
        districts=districts,
        counts=dict(counts),
        unclassified=unclassified,
    )


def _terms_of(links: QuerySet[Any], terms: Mapping[int, Heading]) -> dict[int, list[str]]:
    """Offer id -> codes of its terms, from rows of an offer-term link table."""
    found: dict[int, list[str]] = defaultdict(list)
    for offer_id, term_id in links.values_list("offer_id", "taxonomyterm_id").iterator():
        if term_id in terms:
            found[offer_id].append(terms[term_id].code)
    return found


# --- maintainers: partner staff keep their own offers and places ----------------------------------

# An offer nobody confirmed for this many months is flagged to its maintainers and to the
# application manager: a resident should not travel to help that no longer exists.
STALE_AFTER_MONTHS = 6
# Roles that read every offer of their municipality without changing any.
OFFER_READERS = (Role.POLICY_OFFICER, Role.CASEWORKER, Role.APPLICATION_MANAGER)


def stale_on_or_before(today: date) -> date:
    """The latest check that leaves an offer stale today: the same day six calendar months back
    (or the last day of that month when it is shorter)."""
    months = today.year * 12 + today.month - 1 - STALE_AFTER_MONTHS
    year, month_index = divmod(months, 12)
    month = month_index + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _with_staleness(offers: QuerySet[Offer], today: date | None) -> QuerySet[Offer]:
    """Annotate ``is_stale``: not checked for STALE_AFTER_MONTHS or more."""
    threshold = stale_on_or_before(today or timezone.localdate())
    return offers.annotate(is_stale=ExpressionWrapper(Q(last_checked__lte=threshold), output_field=BooleanField()))


def organisations_maintained_by(*, actor: Actor, municipality_id: int) -> QuerySet[Organisation]:
    """The organisations whose offers and places the actor keeps in this municipality."""
    require_role(actor, Role.OFFER_MAINTAINER, municipality_id=municipality_id)
    organisations = Organisation.objects.filter(municipalities=municipality_id).order_by("name", "pk")
    return scope_to_organisations(
        organisations, actor, Role.OFFER_MAINTAINER, municipality_id=municipality_id, field="pk"
    )


def offers_maintained_by(*, actor: Actor, municipality_id: int, today: date | None = None) -> QuerySet[Offer]:
    """The offers in this municipality of the organisations where the actor holds the role
    aanbieder, each annotated with ``is_stale``."""
    require_role(actor, Role.OFFER_MAINTAINER, municipality_id=municipality_id)
    offers = scope_to_organisations(
        Offer.objects.filter(municipalities=municipality_id),
        actor,
        Role.OFFER_MAINTAINER,
        municipality_id=municipality_id,
    )
    return (
        _with_staleness(offers, today)
        .select_related("organisation")
        .prefetch_related("municipalities")
        .order_by("organisation__name", "name", "pk")
    )


def offer_maintained_by(*, actor: Actor, municipality_id: int, offer_uuid: UUID) -> Offer | None:
    """One offer the actor keeps in this municipality; None for any other, however it exists."""
    return offers_maintained_by(actor=actor, municipality_id=municipality_id).filter(uuid=offer_uuid).first()


def may_maintain(actor: Actor, offer: Offer) -> bool:
    """Whether the actor keeps the offer in every municipality it is offered in, as the services
    demand for a change. An offer shared with a municipality where they hold no role is read-only
    to them."""
    if not actor.second_factor:
        return False
    return all(
        actor.has_role(Role.OFFER_MAINTAINER, municipality_id=municipality.pk, organisation_id=offer.organisation_id)
        for municipality in offer.municipalities.all()
    )


def offer_municipalities(*, actor: Actor, organisation: Organisation) -> QuerySet[Municipality]:
    """Where the actor may offer the organisation's help: where it works and they keep its offers."""
    if not actor.second_factor:
        return Municipality.objects.none()
    kept = [
        municipality_id
        for municipality_id in actor.municipality_ids(Role.OFFER_MAINTAINER)
        if actor.has_role(Role.OFFER_MAINTAINER, municipality_id=municipality_id, organisation_id=organisation.pk)
    ]
    return organisation.municipalities.filter(pk__in=kept).order_by("name")


def offers_of_municipality(
    *, actor: Actor, municipality_id: int, stale_only: bool = False, today: date | None = None
) -> QuerySet[Offer]:
    """Every offer of the municipality, of every partner, for staff who read the social map without
    keeping it; each annotated with ``is_stale``."""
    require_role(actor, *OFFER_READERS, municipality_id=municipality_id)
    offers = Offer.objects.filter(municipalities=municipality_id)
    if stale_only:
        offers = offers.filter(last_checked__lte=stale_on_or_before(today or timezone.localdate()))
    return _with_staleness(offers, today).select_related("organisation").order_by("organisation__name", "name", "pk")


def locations_of_municipalities(*, actor: Actor, municipality_ids: Iterable[int]) -> QuerySet[Location]:
    """The places of every partner in these municipalities: a maintainer may give an offer at any
    of them (a consultation hour in a community centre, say)."""
    wanted = sorted(set(municipality_ids))
    for municipality_id in wanted:
        require_role(actor, Role.OFFER_MAINTAINER, municipality_id=municipality_id)
    return (
        Location.objects.filter(municipality__in=wanted)
        .select_related("organisation", "municipality")
        .order_by("municipality__name", "organisation__name", "name", "pk")
    )


def locations_maintained_by(*, actor: Actor, municipality_id: int) -> QuerySet[Location]:
    """The places the actor's organisations keep in this municipality, with their opening hours."""
    require_role(actor, Role.OFFER_MAINTAINER, municipality_id=municipality_id)
    locations = scope_to_organisations(
        Location.objects.filter(municipality=municipality_id),
        actor,
        Role.OFFER_MAINTAINER,
        municipality_id=municipality_id,
    )
    return (
        locations.select_related("organisation", "area", "area__parent")
        .prefetch_related("opening_hours")
        .order_by("organisation__name", "name", "pk")
    )


def location_maintained_by(*, actor: Actor, municipality_id: int, location_uuid: UUID) -> Location | None:
    """One place the actor's organisation keeps in this municipality; None for any other."""
    return locations_maintained_by(actor=actor, municipality_id=municipality_id).filter(uuid=location_uuid).first()


def taxonomy_terms(code: str) -> QuerySet[TaxonomyTerm]:
    """The terms of one managed list (THEMES_CODE or TARGET_GROUPS_CODE), in their order. The lists
    are public."""
    return TaxonomyTerm.objects.filter(taxonomy__code=code).select_related("taxonomy").order_by("position", "name")
