"""Resident search over the social map: one interface, two engines.

PostgreSQL matches with its ``dutch`` text search configuration over a stored tsvector column;
SQLite (the demo) matches with FTS5 over stems made in ``socialmap.text``. Either match is the first
step of one query that also applies the filters, scores every candidate (synonyms, own district),
counts them and returns the page in order; only that step differs between the engines.
Nothing a resident types is stored or logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from meedoen.areas.models import Area
from meedoen.organisations.models import Municipality
from meedoen.socialmap.models import Location, Offer, OfferLocation
from meedoen.socialmap.taxonomy import SYNONYMS
from meedoen.socialmap.text import query_words, stem, stemmed_document

FTS_TABLE = "socialmap_offer_fts"
# How many text matches are ranked per query; a resident reads the first few dozen at most.
CANDIDATES = 1000
# On SQLite, how many of the best text matches FTS5 hands over before they are checked against the
# municipality and status; if fewer than CANDIDATES pass, the search ranks every match instead.
FTS_ROWS = 2 * CANDIDATES
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
    page reads its places, hours and terms), how many there are in all, why they were found, and
    which of them have a place in the resident's district."""

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
    """The offers that answer the query, best first: a text match scores up to 1.0 (the best one
    1.0), an offer in a theme the query's everyday words point to THEME_WEIGHT more, and one with a
    place in the resident's district LOCAL_WEIGHT more; equal scores go by name. Without words every
    offer that passes the filters is a candidate."""
    words = query_words(query.text)
    themes_from_words = synonym_themes(words)
    search = _Search(municipality.pk, query, words, themes_from_words, limit=limit)
    rows = search.run(fts_rows=FTS_ROWS)
    if search.engine == "sqlite" and words and (not rows or rows[0][3]):
        # The best FTS_ROWS matches held fewer than CANDIDATES active offers of the municipality
        # (or nothing was found at all): rank every match, as the bare query does.
        rows = search.run(fts_rows=None)
    total = int(rows[0][2]) if rows else 0
    shown = rows[: max(limit, 0)]
    by_id = Offer.objects.select_related("organisation").in_bulk([row[0] for row in shown])
    return OfferResults(
        offers=[by_id[row[0]] for row in shown if row[0] in by_id],
        total=total,
        words=words,
        synonym_themes=themes_from_words,
        local_ids=frozenset(row[0] for row in shown if row[1]),
    )


class _Search:
    """One statement per search: the candidates, filtered and scored, counted, and the first page
    of them in order, as rows of (id, in the district, how many in all, whether SQLite's text match
    was cut too short).

    The candidates are the best CANDIDATES text matches among the municipality's active offers,
    and the offers in the themes the words point to (every offer when there are no words). The
    filters apply after that cut, as semi-joins (``IN (subquery)``), so that no offer appears twice
    and no DISTINCT runs over thousands of rows. Equal scores are ordered by ``search_name`` in
    byte order, which is Python's order of the case-folded names, then by id.
    """

    def __init__(
        self,
        municipality_id: int,
        query: OfferQuery,
        words: Sequence[str],
        themes_from_words: Sequence[str],
        *,
        limit: int,
    ) -> None:
        self.engine = connection.vendor
        self.municipality_id = municipality_id
        self.query = query
        self.words = words
        self.themes_from_words = themes_from_words
        # At least one row, so that the count comes back also when no page is asked for.
        self.limit = max(limit, 1)

    def run(self, *, fts_rows: int | None) -> list[tuple[Any, ...]]:
        sql = _Sql()
        if self.words:
            self._with_words(sql, fts_rows)
        else:
            self._everything(sql)
        sql.add("SELECT id, local, count(*) OVER (),")
        if self.engine == "sqlite" and self.words and fts_rows is not None:
            sql.add("(SELECT count(*) FROM top) >= %s AND (SELECT count(*) FROM matched) < %s", [fts_rows, CANDIDATES])
        else:
            sql.add("FALSE")
        sql.add("FROM scored")
        if self.query.district:
            # A place in the district, or a way in that needs no visit (phone, mail, at home).
            sql.add("WHERE local OR", *self._remote_way_in())
        collate = ' COLLATE "C"' if self.engine == "postgresql" else ""
        sql.add(
            f"ORDER BY base + CASE WHEN local THEN {LOCAL_WEIGHT} ELSE 0.0 END DESC, search_name{collate}, id LIMIT %s",
            [self.limit],
        )
        with connection.cursor() as cursor:
            cursor.execute(sql.text(), sql.params)
            return list(cursor.fetchall())

    # --- the two shapes of the statement ---

    def _everything(self, sql: _Sql) -> None:
        """No words: every active offer that passes the filters, all with the same base score."""
        sql.add("WITH")
        self._near(sql)
        sql.add("scored AS (SELECT o.id, o.search_name, o.ways_in, 0.0 AS base,", *self._local(), "AS local")
        sql.add("FROM socialmap_offer o WHERE o.status = %s AND", [Offer.Status.ACTIVE.value], *self._in_municipality())
        sql.add("AND", *self._passes(), ")")

    def _matched(self, sql: _Sql, fts_rows: int | None) -> None:
        """``matched``: the best CANDIDATES text matches among the municipality's active offers,
        with their raw score (higher is better), and ``best``, the highest of those scores."""
        if self.engine == "postgresql":
            sql.add("WITH matched AS MATERIALIZED (", *_text_sql(self.municipality_id, self.words), "),")
        else:
            # FTS5 ranks the matches with the LIMIT inside its own query, so that only the best
            # ``fts_rows`` are checked against the municipality and status (None: every match).
            sql.add(
                f"WITH top AS (SELECT rowid AS id, -bm25({FTS_TABLE}) AS raw FROM {FTS_TABLE}"  # noqa: S608
                f" WHERE {FTS_TABLE} MATCH %s ORDER BY raw DESC, rowid LIMIT %s),",
                [_fts_expression(self.words), -1 if fts_rows is None else fts_rows],
            )
            sql.add("matched AS (SELECT id, raw FROM top WHERE EXISTS (SELECT 1 FROM socialmap_offer o")
            sql.add("WHERE o.id = top.id AND o.status = %s) AND", [Offer.Status.ACTIVE.value])
            sql.add(*self._in_municipality("top.id"), "ORDER BY raw DESC, id LIMIT %s),", [CANDIDATES])
        sql.add("best AS (SELECT coalesce(nullif(max(raw), 0), 1.0) AS raw FROM matched),")

    def _with_words(self, sql: _Sql, fts_rows: int | None) -> None:
        """The text matches, scored one by one, and the other offers in the synonym themes, which
        all score THEME_WEIGHT. Both parts look offers up by id in ``socialmap_offer_search_rows``,
        an index that holds everything the ranking reads of an offer, so that the wide offer rows
        themselves are not read."""
        self._matched(sql, fts_rows)
        materialized = " MATERIALIZED" if self.engine == "postgresql" else ""
        if self.themes_from_words:
            themed = _compiled(_offers_in_themes(self.themes_from_words))
            sql.add(f"themed AS{materialized} (", *themed, "),")
        self._near(sql)
        in_theme = "o.id IN (SELECT offer_id FROM themed)" if self.themes_from_words else "FALSE"
        # The text matches: their status and municipality are checked in ``matched`` ...
        sql.add("scored AS (SELECT o.id, o.search_name, o.ways_in,", *self._local(), "AS local,")
        sql.add(f"matched.raw / best.raw + CASE WHEN {in_theme} THEN {THEME_WEIGHT} ELSE 0.0 END AS base")
        sql.add("FROM matched CROSS JOIN best JOIN socialmap_offer o ON o.id = matched.id")
        sql.add("WHERE", *self._passes())
        if self.themes_from_words:
            # ... and the other offers in the synonym themes. On SQLite the unary + keeps the
            # planner from reading every active offer through the status index instead.
            status = "o.status" if self.engine == "postgresql" else "+o.status"
            sql.add("UNION ALL SELECT o.id, o.search_name, o.ways_in,", *self._local())
            sql.add(f"AS local, {THEME_WEIGHT} AS base")
            sql.add("FROM socialmap_offer o WHERE o.id IN (SELECT offer_id FROM themed)")
            sql.add("AND o.id NOT IN (SELECT id FROM matched) AND", status, "= %s", [Offer.Status.ACTIVE.value])
            sql.add("AND", *self._in_municipality(), "AND", *self._passes())
        sql.add(")")

    # --- pieces ---

    def _near(self, sql: _Sql) -> None:
        """``near``: the offers with a place in the district or one of its neighbourhoods."""
        if not self.query.district:
            return
        code = self.query.district
        areas = Area.objects.filter(Q(code=code) | Q(parent__code=code)).values("id")
        near = OfferLocation.objects.filter(location__area__in=areas).values("offer_id")
        materialized = " MATERIALIZED" if self.engine == "postgresql" else ""
        sql.add(f"near AS{materialized} (", *_compiled(near), "),")

    def _local(self) -> tuple[str, list[Any]]:
        return ("o.id IN (SELECT offer_id FROM near)" if self.query.district else "FALSE"), []

    def _in_municipality(self, column: str = "o.id") -> tuple[str, list[Any]]:
        if self.engine == "postgresql":  # one hashed set
            return (
                f"{column} IN (SELECT offer_id FROM socialmap_offer_municipalities WHERE municipality_id = %s)",  # noqa: S608
                [self.municipality_id],
            )
        # SQLite looks each offer up in the (offer, municipality) unique index.
        exists = f"EXISTS (SELECT 1 FROM socialmap_offer_municipalities om WHERE om.offer_id = {column}"  # noqa: S608
        return f"{exists} AND om.municipality_id = %s)", [self.municipality_id]

    def _passes(self) -> tuple[str, list[Any]]:
        """The resident's filters on offer ``o``: every chosen theme and any chosen target group.
        Whether an offer can be reached from the district is checked on the scored rows."""
        sql = _Sql()
        sql.add("TRUE")
        for code in self.query.themes:
            sql.add("AND o.id IN (", *_compiled(_offers_in_themes([code])), ")")
        if self.query.target_groups:
            in_groups = Offer.target_groups.through.objects.filter(taxonomyterm__code__in=self.query.target_groups)
            sql.add("AND o.id IN (", *_compiled(in_groups.values("offer_id")), ")")
        return sql.text(), sql.params

    def _remote_way_in(self) -> tuple[str, list[Any]]:
        """Whether a scored row's ``ways_in`` holds one of REMOTE_WAYS_IN."""
        ways = [str(way) for way in REMOTE_WAYS_IN]
        if self.engine == "postgresql":
            return "ways_in ?| %s", [ways]
        # SQLite keeps the JSON list as text; a code is a whole quoted word in it.
        return "(" + " OR ".join(["ways_in LIKE %s"] * len(ways)) + ")", [f'%"{way}"%' for way in ways]


class _Sql:
    """SQL text and its parameters, written in the order they appear. Only constants and
    placeholders go into the text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, *pieces: str | list[Any]) -> None:
        for piece in pieces:
            if isinstance(piece, str):
                self.parts.append(piece)
            else:
                self.params += piece

    def text(self) -> str:
        return "\n".join(self.parts)


def _offers_in_themes(codes: Sequence[str]) -> QuerySet[Any]:
    return Offer.themes.through.objects.filter(taxonomyterm__code__in=codes).values("offer_id")


def _compiled(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


# --- the engines ---------------------------------------------------------------------------------


def text_matches(municipality: Municipality, words: Sequence[str]) -> list[tuple[int, float]]:
    """(offer id, score between 0 and 1) of the best text matches, best first."""
    if not words:
        return []
    sql, params = _text_sql(municipality.pk, words)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(int(pk), float(raw)) for pk, raw in cursor.fetchall()]
    best = max((raw for _, raw in rows), default=0.0) or 1.0
    return [(pk, raw / best) for pk, raw in rows]


def _text_sql(municipality_id: int, words: Sequence[str]) -> tuple[str, list[Any]]:
    """The engine's match and rank on its own: (id, raw score, higher is better) of the best
    CANDIDATES active offers of the municipality."""
    if connection.vendor == "postgresql":
        sql = """
            SELECT o.id, ts_rank(o.search_vector, q)::float8 AS raw
            FROM socialmap_offer o
            JOIN socialmap_offer_municipalities om ON om.offer_id = o.id AND om.municipality_id = %s
            CROSS JOIN to_tsquery('dutch', %s) q
            WHERE o.status = 'active' AND o.search_vector @@ q
            ORDER BY raw DESC, o.id
            LIMIT %s
        """
        return sql, [municipality_id, _tsquery(words), CANDIDATES]
    sql = f"""
        SELECT f.rowid AS id, -bm25({FTS_TABLE}) AS raw
        FROM {FTS_TABLE} f
        JOIN socialmap_offer_municipalities om ON om.offer_id = f.rowid AND om.municipality_id = %s
        JOIN socialmap_offer o ON o.id = f.rowid AND o.status = 'active'
        WHERE {FTS_TABLE} MATCH %s
        ORDER BY raw DESC, f.rowid
        LIMIT %s
    """  # noqa: S608  (the table name is a constant)
    return sql, [municipality_id, _fts_expression(words), CANDIDATES]


def _tsquery(words: Sequence[str]) -> str:
    """PostgreSQL: any of the words, each also as the start of a longer word. Words are [a-z0-9]+
    (see text.words), so they are safe as tsquery lexemes; the prefix match lets "schuld" find
    "schuldhulp", which Dutch compounds need. The rank is read as float8 so that a score is the
    same number in SQL and in Python."""
    return " | ".join(f"{word}:*" for word in words)


def _fts_expression(words: Sequence[str]) -> str:
    """SQLite: the same over the stems in the FTS5 index. bm25 is negative, lower is better;
    the search negates it, so that it ranks like ts_rank."""
    return " OR ".join(f'"{stem(word)}"*' for word in words)


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
        offer.search_name = offer.name.casefold()
    if not batch:
        return 0
    with connection.cursor() as cursor:
        # A plain UPDATE per row: bulk_update's CASE expression costs more to build than to run.
        cursor.executemany(
            f"UPDATE {Offer._meta.db_table} SET search_document = %s, search_name = %s WHERE id = %s",  # noqa: S608
            [(offer.search_document, offer.search_name, offer.pk) for offer in batch],
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
