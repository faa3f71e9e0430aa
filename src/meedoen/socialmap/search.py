"""Resident search over the social map: one interface, two engines.

PostgreSQL matches with its ``dutch`` text search configuration over a stored tsvector column;
SQLite (the demo) matches with FTS5 over stems made in ``socialmap.text``. Both give candidates
with a relevance score; everything after that (synonyms, filters, local-first order) is shared.
Nothing a resident types is stored or logged.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from meedoen.areas.models import Area
from meedoen.organisations.models import Municipality
from meedoen.socialmap.models import Location, Offer, OfferLocation
from meedoen.socialmap.taxonomy import SYNONYMS
from meedoen.socialmap.text import query_words, stem, stemmed_document

FTS_TABLE = "socialmap_offer_fts"
# How many text matches are ranked per query; a resident reads the first few dozen at most.
CANDIDATES = 1000
# Weights next to the best full text match (1.0): an offer in a theme the query's everyday words
# point to, and an offer with a place in the resident's own district.
THEME_WEIGHT = 0.5
LOCAL_WEIGHT = 0.5
REMOTE_WAYS_IN = (
    Offer.WayIn.PHONE,
    Offer.WayIn.WHATSAPP,
    Offer.WayIn.EMAIL,
    Offer.WayIn.ONLINE_FORM,
    Offer.WayIn.HOME_VISIT,
)

_SYNONYM_STEMS: dict[str, tuple[str, ...]] = {}
for _word, _themes in SYNONYMS.items():
    _SYNONYM_STEMS[stem(_word)] = tuple(dict.fromkeys(_SYNONYM_STEMS.get(stem(_word), ()) + _themes))


@dataclass(frozen=True)
class OfferQuery:
    text: str = ""
    themes: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    district: str = ""


@dataclass
class OfferResults:
    """One page of offers (with their organisation: a result shows no more, and an offer's own
    page reads its places, hours and terms), how many there are in all, and why they were found."""

    offers: list[Offer]
    total: int
    words: list[str]
    synonym_themes: list[str] = field(default_factory=list)
    local_ids: frozenset[int] = frozenset()


def synonym_themes(words: Iterable[str]) -> list[str]:
    """Theme codes that the everyday words of a query point to."""
    found: dict[str, None] = {}
    for word in words:
        for theme in _SYNONYM_STEMS.get(stem(word), ()):
            found.setdefault(theme, None)
    return list(found)


def search_offers(municipality: Municipality, query: OfferQuery, *, limit: int = 50) -> OfferResults:
    words = query_words(query.text)
    themes_from_words = synonym_themes(words)
    in_district = _with_a_place_in(query.district) if query.district else frozenset()
    offers = _filtered(municipality, query, in_district)
    ranking = _Ranking(limit, in_district)

    # The text matches (at most CANDIDATES) are scored one by one.
    text_scores = dict(text_matches(municipality, words)) if words else {}
    if text_scores:
        matched = offers.filter(pk__in=_id_set(text_scores))
        for pk, name, in_theme in _rows(matched, themes_from_words):
            score = text_scores[pk]
            if in_theme:
                score += THEME_WEIGHT
            ranking.add(pk, name, score)

    # The rest share one score: THEME_WEIGHT for an offer found only through its theme (or 0 for
    # every offer when there are no words), plus LOCAL_WEIGHT in the resident's district.
    if not words:
        ranking.add_rest(offers, 0.0)
    elif themes_from_words:
        in_themes = offers.filter(pk__in=_offers_in_themes(themes_from_words))
        ranking.add_rest(in_themes.exclude(pk__in=_id_set(text_scores)), THEME_WEIGHT)

    page = ranking.page()
    by_id = {offer.pk: offer for offer in Offer.objects.filter(pk__in=page).select_related("organisation")}
    return OfferResults(
        offers=[by_id[pk] for pk in page],
        total=ranking.total,
        words=words,
        synonym_themes=themes_from_words,
        local_ids=frozenset(ranking.local),
    )


class _Ranking:
    """Offers by score, best first, ties by name. On a large map a common word has thousands of
    candidates: those whose score keeps them off the first page are counted, not read."""

    def __init__(self, limit: int, in_district: frozenset[int]) -> None:
        self.limit = limit
        self.in_district = in_district
        self.scores: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self.local: set[int] = set()
        self.unread = 0

    @property
    def total(self) -> int:
        return len(self.scores) + self.unread

    def add(self, pk: int, name: str, score: float) -> None:
        if pk in self.in_district:
            score += LOCAL_WEIGHT
            self.local.add(pk)
        self.scores[pk] = score
        self.names[pk] = name

    def can_reach_page(self, score: float) -> bool:
        """Whether an offer with this score could be among the first ``limit`` (a tie can)."""
        if self.limit <= 0:
            return False
        if len(self.scores) < self.limit:
            return True
        return score >= heapq.nlargest(self.limit, self.scores.values())[-1]

    def add_rest(self, rest: QuerySet[Offer], base: float) -> None:
        """Offers that all score ``base``, or ``base + LOCAL_WEIGHT`` in the district."""
        if self.can_reach_page(base):
            for pk, name, _in_theme in _rows(rest, ()):
                self.add(pk, name, base)
            return
        if not self.in_district:
            self.unread += rest.count()
            return
        ids = list(rest.order_by().values_list("pk", flat=True))
        local = [pk for pk in ids if pk in self.in_district]
        if local and self.can_reach_page(base + LOCAL_WEIGHT):
            for pk, name, _in_theme in _rows(rest.filter(pk__in=_id_set(local)), ()):
                self.add(pk, name, base)
            self.unread += len(ids) - len(local)
        else:
            self.local.update(local)
            self.unread += len(ids)

    def page(self) -> list[int]:
        return heapq.nsmallest(
            max(self.limit, 0), self.scores, key=lambda pk: (-self.scores[pk], self.names[pk].casefold())
        )


def _filtered(municipality: Municipality, query: OfferQuery, in_district: frozenset[int]) -> QuerySet[Offer]:
    """Active offers of the municipality that pass the resident's filters.

    Every filter is a semi-join (``pk IN (subquery)``), never a join, so that no offer appears twice
    and no DISTINCT is needed over thousands of rows.
    """
    offers = Offer.objects.filter(municipalities=municipality, status=Offer.Status.ACTIVE)
    for code in query.themes:
        offers = offers.filter(pk__in=_offers_in_themes([code]))
    if query.target_groups:
        in_groups = Offer.target_groups.through.objects.filter(taxonomyterm__code__in=query.target_groups)
        offers = offers.filter(pk__in=in_groups.values("offer_id"))
    if query.district:
        reachable = Q(pk__in=_id_set(in_district))
        for way in REMOTE_WAYS_IN:
            # SQLite has no JSON containment; a code is a whole quoted word in the stored list.
            reachable |= (
                Q(ways_in__contains=[way]) if connection.vendor == "postgresql" else Q(ways_in__icontains=f'"{way}"')
            )
        offers = offers.filter(reachable)
    return offers


def _offers_in_themes(codes: Sequence[str]) -> QuerySet[Any]:
    return Offer.themes.through.objects.filter(taxonomyterm__code__in=codes).values("offer_id")


def _with_a_place_in(district: str) -> frozenset[int]:
    """Offers with a place in the district or in one of its neighbourhoods."""
    areas = Area.objects.filter(Q(code=district) | Q(parent__code=district))
    return frozenset(OfferLocation.objects.filter(location__area__in=areas).values_list("offer_id", flat=True))


def _id_set(ids: Collection[int]) -> RawSQL:
    """A subquery yielding these ids, sent as one parameter however many there are (a list of a
    thousand ids costs Django more to prepare than the database to read)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)], output_field=BigIntegerField())
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))], output_field=BigIntegerField())


def _rows(offers: QuerySet[Offer], themes: Sequence[str]) -> list[tuple[int, str, Any]]:
    """(id, name, in one of ``themes``) of every offer.

    Up to thousands of rows on a large map, so they are read with a bare cursor: the ORM's per-row
    conversions cost more than the query. The flag is an ``IN (subquery)`` test, which both
    engines answer from one hashed set instead of a lookup per row.
    """
    in_theme = (
        ExpressionWrapper(Q(pk__in=_offers_in_themes(themes)), output_field=BooleanField()) if themes else Value(False)
    )
    rows = offers.order_by().annotate(in_theme=in_theme)
    try:
        sql, params = rows.values_list("pk", "name", "in_theme").query.sql_with_params()
    except EmptyResultSet:  # nothing to look up
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[int, str, Any]] = cursor.fetchall()
    return found


# --- the engines ---------------------------------------------------------------------------------


def text_matches(municipality: Municipality, words: Sequence[str]) -> list[tuple[int, float]]:
    """(offer id, score between 0 and 1) of the best text matches, best first."""
    if not words:
        return []
    if connection.vendor == "postgresql":
        rows = _postgresql_matches(municipality.pk, words)
        best = max((score for _, score in rows), default=0.0) or 1.0
        return [(pk, score / best) for pk, score in rows]
    rows = _sqlite_matches(municipality.pk, words)
    # bm25 is negative, lower is better.
    best = min((score for _, score in rows), default=0.0) or -1.0
    return [(pk, score / best) for pk, score in rows]


def _postgresql_matches(municipality_id: int, words: Sequence[str]) -> list[tuple[int, float]]:
    # Words are [a-z0-9]+ (see text.words), so they are safe as tsquery lexemes; the prefix match
    # lets "schuld" find "schuldhulp", which Dutch compounds need.
    tsquery = " | ".join(f"{word}:*" for word in words)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT o.id, ts_rank(o.search_vector, q) AS score
            FROM socialmap_offer o
            JOIN socialmap_offer_municipalities om ON om.offer_id = o.id AND om.municipality_id = %s
            CROSS JOIN to_tsquery('dutch', %s) q
            WHERE o.status = 'active' AND o.search_vector @@ q
            ORDER BY score DESC, o.id
            LIMIT %s
            """,
            [municipality_id, tsquery, CANDIDATES],
        )
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def _sqlite_matches(municipality_id: int, words: Sequence[str]) -> list[tuple[int, float]]:
    expression = " OR ".join(f'"{stem(word)}"*' for word in words)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT f.rowid, bm25({FTS_TABLE}) AS score
            FROM {FTS_TABLE} f
            JOIN socialmap_offer_municipalities om ON om.offer_id = f.rowid AND om.municipality_id = %s
            JOIN socialmap_offer o ON o.id = f.rowid AND o.status = 'active'
            WHERE {FTS_TABLE} MATCH %s
            ORDER BY score, f.rowid
            LIMIT %s
            """,  # noqa: S608  (the table name is a constant)
            [municipality_id, expression, CANDIDATES],
        )
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


# --- keeping the index up to date -----------------------------------------------------------------


def document_for(offer: Offer) -> str:
    """The searchable text of an offer: its words and the names of its themes and groups."""
    parts = [
        offer.name,
        offer.description,
        offer.conditions,
        offer.costs,
        offer.organisation.name,
        *(term.name for term in offer.themes.all()),
        *(term.name for term in offer.target_groups.all()),
    ]
    return "\n".join(part for part in parts if part)


def index_offers(offers: Iterable[Offer]) -> int:
    """Refresh the search text (and, on SQLite, the FTS5 rows) of these offers."""
    batch = list(offers)
    for offer in batch:
        offer.search_document = document_for(offer)
    if not batch:
        return 0
    with connection.cursor() as cursor:
        # A plain UPDATE per row: bulk_update's CASE expression costs more to build than to run.
        cursor.executemany(
            f"UPDATE {Offer._meta.db_table} SET search_document = %s WHERE id = %s",  # noqa: S608
            [(offer.search_document, offer.pk) for offer in batch],
        )
        if connection.vendor == "sqlite":
            cursor.executemany(
                f"INSERT OR REPLACE INTO {FTS_TABLE}(rowid, document) VALUES (%s, %s)",  # noqa: S608
                [(offer.pk, stemmed_document(offer.search_document)) for offer in batch],
            )
    return len(batch)


def unindex_offer(offer_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [offer_id])  # noqa: S608


def rebuild_index(batch_size: int = 1000) -> int:
    """Index every offer again, for example after a change to the stemming or stop words."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    total = 0
    offers = Offer.objects.select_related("organisation").prefetch_related("themes", "target_groups").order_by("pk")
    last = 0
    while chunk := list(offers.filter(pk__gt=last)[:batch_size]):
        total += index_offers(chunk)
        last = chunk[-1].pk
    if connection.vendor == "sqlite":
        # SQLite gathers no planner statistics by itself (PostgreSQL's autovacuum does); without
        # them it reads every active offer for a district search instead of the few it needs.
        with connection.cursor() as cursor:
            for model in (Offer, Offer.municipalities.through, Offer.themes.through, OfferLocation, Location):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return total
