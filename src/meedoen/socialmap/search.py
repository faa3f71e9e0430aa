"""Resident search over the social map: one interface, two engines.

Every search is one statement over ``socialmap_search_row`` (see socialmap.search_rows): a narrow
row per offer and municipality with all the search ranks and filters by, so that a search reads
neither the wide offer rows nor the tables of themes, groups, places and areas. PostgreSQL matches
words with its ``dutch`` text search configuration over the row's ``tsvector``; SQLite matches them
with FTS5 over stems made in ``socialmap.text``. Only that first step differs between the engines;
the rest of the statement (filters, scores, the count and the page in order) is the same.
Nothing a resident types is stored or logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from meedoen.areas.models import Area
from meedoen.organisations.models import Municipality
from meedoen.socialmap import search_rows
from meedoen.socialmap.models import Offer
from meedoen.socialmap.taxonomy import SYNONYMS
from meedoen.socialmap.text import query_words, stem, stemmed_document

FTS_TABLE = "socialmap_offer_fts"
ROWS = search_rows.TABLE
# How many text matches are ranked per query; a resident reads the first few dozen at most.
CANDIDATES = 1000
# On SQLite, how many of the best text matches FTS5 hands over before they are checked against the
# municipality and status; if fewer than CANDIDATES pass, the search ranks every match instead.
FTS_ROWS = 2 * CANDIDATES
# Weights next to the best full text match (1.0): an offer in a theme the query's everyday words
# point to, and an offer with a place in the resident's own district.
THEME_WEIGHT = 0.5
LOCAL_WEIGHT = 0.5

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
    """One page of offers with what a result in the list shows (see RESULT_FIELDS; an offer's own
    page reads its places, hours and terms), how many there are in all, why they were found, and
    which of them have a place in the resident's district."""

    offers: list[Offer]
    total: int
    words: list[str]
    synonym_themes: list[str] = field(default_factory=list)
    local_ids: frozenset[int] = frozenset()


# What a result in the resident's list shows of an offer: the page reads only these columns.
RESULT_FIELDS = ("uuid", "name", "description", "ways_in", "phone", "whatsapp", "email", "organisation__name")


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
    rows = _ranked(municipality, query, words, themes_from_words, limit=limit)
    shown = rows[: max(limit, 0)]
    offers = Offer.objects.select_related("organisation").only(*RESULT_FIELDS)
    by_id = offers.in_bulk([row[0] for row in shown])
    return OfferResults(
        offers=[by_id[row[0]] for row in shown if row[0] in by_id],
        total=int(rows[0][2]) if rows else 0,
        words=words,
        synonym_themes=themes_from_words,
        local_ids=frozenset(row[0] for row in shown if row[1]),
    )


def search_offer_ids(municipality: Municipality, query: OfferQuery, *, limit: int) -> list[int]:
    """The ids of the offers ``search_offers`` finds, in its order, without reading the offers."""
    words = query_words(query.text)
    rows = _ranked(municipality, query, words, synonym_themes(words), limit=limit)
    return [row[0] for row in rows[: max(limit, 0)]]


def _ranked(
    municipality: Municipality,
    query: OfferQuery,
    words: Sequence[str],
    themes_from_words: Sequence[str],
    *,
    limit: int,
) -> list[tuple[Any, ...]]:
    search = _Search(municipality.pk, query, words, themes_from_words, limit=limit)
    rows = search.run(fts_rows=FTS_ROWS)
    if search.engine == "sqlite" and words and (not rows or rows[0][3]):
        # The best FTS_ROWS matches held fewer than CANDIDATES active offers of the municipality
        # (or nothing was found at all): rank every match, as the bare query does.
        rows = search.run(fts_rows=None)
    return rows


class _Search:
    """One statement per search over the search rows of the municipality's active offers: the
    candidates, filtered and scored, counted, and the first page of them in order, as rows of
    (id, in the district, how many in all, whether SQLite's text match was cut too short).

    The candidates are the best CANDIDATES text matches (``matched``), and the other offers in the
    themes the words point to (every offer when there are no words). The filters apply after that
    cut. Equal scores are ordered by ``search_name`` in byte order, which is Python's order of the
    case-folded names, then by id.
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
        # The district and its neighbourhoods, looked up once: a place in one of them is local.
        code = query.district
        self.near_areas = (
            list(Area.objects.filter(Q(code=code) | Q(parent__code=code)).values_list("id", flat=True)) if code else []
        )

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
        collate = ' COLLATE "C"' if self.engine == "postgresql" else ""
        sql.add(
            f"FROM scored ORDER BY base + CASE WHEN local THEN {LOCAL_WEIGHT} ELSE 0.0 END DESC,"
            f" search_name{collate}, id LIMIT %s",
            [self.limit],
        )
        if self.engine == "postgresql" and self.words:
            return _through_the_word_index(sql.text(), sql.params)
        with connection.cursor() as cursor:
            cursor.execute(sql.text(), sql.params)
            return list(cursor.fetchall())

    # --- the two shapes of the statement ---

    def _everything(self, sql: _Sql) -> None:
        """No words: every active offer that passes the filters, all with the same base score."""
        sql.add("WITH scored AS (SELECT n.offer_id AS id, n.search_name,", *self._local("n"), "AS local, 0.0 AS base")
        sql.add(f"FROM {ROWS} n WHERE n.municipality_id = %s AND n.active AND", [self.municipality_id])
        sql.add(*self._passes("n"), ")")

    def _with_words(self, sql: _Sql, fts_rows: int | None) -> None:
        """The text matches, scored one by one, and the other offers in the synonym themes, which
        all score THEME_WEIGHT."""
        self._matched(sql, fts_rows)
        sql.add("best AS (SELECT coalesce(nullif(max(raw), 0), 1.0) AS raw FROM matched),")
        sql.add("scored AS (SELECT m.offer_id AS id, m.search_name,", *self._local("m"), "AS local,")
        sql.add("m.raw / best.raw + CASE WHEN", *self._in_synonym_themes("m"), f"THEN {THEME_WEIGHT} ELSE 0.0 END")
        sql.add("AS base FROM matched m CROSS JOIN best WHERE", *self._passes("m"))
        if self.themes_from_words:
            sql.add("UNION ALL SELECT n.offer_id, n.search_name,", *self._local("n"), f", {THEME_WEIGHT}")
            sql.add(f"FROM {ROWS} n WHERE n.municipality_id = %s AND n.active", [self.municipality_id])
            sql.add("AND", *self._in_synonym_themes("n"), "AND", *self._passes("n"))
            sql.add("AND n.offer_id NOT IN (SELECT offer_id FROM matched)")
        sql.add(")")

    def _matched(self, sql: _Sql, fts_rows: int | None) -> None:
        """``matched``: the best CANDIDATES text matches among the municipality's active offers,
        with their raw score (higher is better) and what the filters and scores read of them."""
        columns = ", ".join(f"n.{column}" for column in self._read_columns())
        if self.engine == "postgresql":
            sql.add(f"WITH matched AS MATERIALIZED (SELECT {columns}, ts_rank(n.vector, q)::float8 AS raw")
            sql.add(f"FROM {ROWS} n CROSS JOIN to_tsquery('dutch', %s) q", [_tsquery(self.words)])
            # "+ 0": the municipality is checked on the rows the index on words finds, not looked
            # up in an index of its own (see _through_the_word_index).
            sql.add("WHERE n.municipality_id + 0 = %s AND n.active AND n.vector @@ q", [self.municipality_id])
            sql.add("ORDER BY raw DESC, n.offer_id LIMIT %s),", [CANDIDATES])
            return
        # FTS5 ranks the matches with the LIMIT inside its own query, so that only the best
        # ``fts_rows`` are checked against the municipality and status (None: every match).
        sql.add(
            f"WITH top AS (SELECT rowid AS id, -bm25({FTS_TABLE}) AS raw FROM {FTS_TABLE}"  # noqa: S608
            f" WHERE {FTS_TABLE} MATCH %s ORDER BY raw DESC, rowid LIMIT %s),",
            [_fts_expression(self.words), -1 if fts_rows is None else fts_rows],
        )
        sql.add(f"matched AS (SELECT {columns}, top.raw FROM top JOIN {ROWS} n")  # noqa: S608
        sql.add("ON n.municipality_id = %s AND n.offer_id = top.id WHERE n.active", [self.municipality_id])
        sql.add("ORDER BY top.raw DESC, top.id LIMIT %s),", [CANDIDATES])

    def _read_columns(self) -> list[str]:
        """What the rest of the statement reads of a text match: only the sets this search's
        filters and scores look at, so that ranking and sorting the matches moves narrow rows."""
        columns = ["offer_id", "search_name"]
        if self.themes_from_words or self.query.themes:
            columns.append("theme_codes")
        if self.query.target_groups:
            columns.append("target_group_codes")
        if self.query.district:
            columns += ["remote", "area_ids"]
        return columns

    # --- pieces: conditions on the search row ``row`` ---

    def _in_synonym_themes(self, row: str) -> tuple[str, list[Any]]:
        return self._holds_any(f"{row}.theme_codes", self.themes_from_words)

    def _local(self, row: str) -> tuple[str, list[Any]]:
        """Whether the offer has a place in the district or one of its neighbourhoods."""
        if not self.query.district:
            return "FALSE", []
        return self._holds_any(f"{row}.area_ids", self.near_areas)

    def _passes(self, row: str) -> tuple[str, list[Any]]:
        """The resident's filters: every chosen theme, any chosen target group, and a place in the
        district or a way in that needs no visit (phone, mail, at home)."""
        sql = _Sql()
        sql.add("TRUE")
        for code in self.query.themes:
            sql.add("AND", *self._holds_any(f"{row}.theme_codes", [code]))
        if self.query.target_groups:
            sql.add("AND", *self._holds_any(f"{row}.target_group_codes", self.query.target_groups))
        if self.query.district:
            sql.add("AND (", *self._local(row), f"OR {row}.remote)")
        return sql.text(), sql.params

    def _holds_any(self, column: str, members: Sequence[str | int]) -> tuple[str, list[Any]]:
        """Whether the set in ``column`` holds one of ``members`` (codes, or ids of areas)."""
        if not members:
            return "FALSE", []
        if self.engine == "postgresql":
            kind = "bigint" if all(isinstance(member, int) for member in members) else "text"
            return f"{column} && %s::{kind}[]", [list(members)]
        # SQLite keeps a set as text such as " voedsel meedoen "; a member is a whole word in it.
        return "(" + " OR ".join([f"instr({column}, %s) > 0"] * len(members)) + ")", [f" {m} " for m in members]


def _through_the_word_index(statement: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL: run a statement with words so that the text match reads the GIN index.

    The planner prices a word test (``@@``) at a fraction of what it costs, so for a common word
    it tests every row of the municipality (about 1.4 µs a row with prefixes) instead of asking
    the index, which knows the matches at once; on 20,000 offers that is 10 to 15 ms of a search.
    Sequential scans are refused for this one statement: ``SET LOCAL`` inside its own
    transaction, put back at once when the search runs inside a longer transaction. The statement
    compares the municipality as ``municipality_id + 0``, which no index answers, so the index on
    words is the one way left to the text matches. (An instance serving many municipalities would
    want the municipality inside that index, with the btree_gin extension.)"""
    inside_a_change = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        before, _ = cursor.fetchall()[0]
        cursor.execute(statement, params)
        rows = list(cursor.fetchall())
        if inside_a_change:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
    return rows


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


# --- the engines ---------------------------------------------------------------------------------


def text_matches(municipality: Municipality, words: Sequence[str]) -> list[tuple[int, float]]:
    """(offer id, score between 0 and 1) of the best text matches, best first."""
    if not words:
        return []
    sql, params = text_match_sql(municipality.pk, words)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(int(pk), float(raw)) for pk, raw in cursor.fetchall()]
    best = max((raw for _, raw in rows), default=0.0) or 1.0
    return [(pk, raw / best) for pk, raw in rows]


def text_match_sql(municipality_id: int, words: Sequence[str]) -> tuple[str, list[Any]]:
    """The engine's match and rank on its own: (id, raw score, higher is better) of the best
    CANDIDATES active offers of the municipality. Also the floor of the search benchmark."""
    if connection.vendor == "postgresql":
        sql = f"""
            SELECT n.offer_id, ts_rank(n.vector, q)::float8 AS raw
            FROM {ROWS} n CROSS JOIN to_tsquery('dutch', %s) q
            WHERE n.municipality_id = %s AND n.active AND n.vector @@ q
            ORDER BY raw DESC, n.offer_id
            LIMIT %s
        """  # noqa: S608  (the table name is a constant)
        return sql, [_tsquery(words), municipality_id, CANDIDATES]
    sql = f"""
        SELECT f.rowid AS id, -bm25({FTS_TABLE}) AS raw
        FROM {FTS_TABLE} f
        JOIN {ROWS} n ON n.municipality_id = %s AND n.offer_id = f.rowid AND n.active
        WHERE {FTS_TABLE} MATCH %s
        ORDER BY raw DESC, f.rowid
        LIMIT %s
    """  # noqa: S608  (the table names are constants)
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
    """Refresh the search text (and, on SQLite, the FTS5 rows) and the search rows of these
    offers."""
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
    refresh_search_rows(offer.pk for offer in batch)
    return len(batch)


def refresh_search_rows(offer_ids: Iterable[int]) -> None:
    """Write the search rows of these offers again from what is stored, after a change that
    leaves their text as it is: a place of theirs moved to another area, or they got a new place or
    municipality."""
    search_rows.refresh(connection, offer_ids)


def unindex_offer(offer_id: int) -> None:
    """Forget a deleted offer's FTS5 row (SQLite); its search rows went with it (a trigger)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [offer_id])  # noqa: S608


def rebuild_index(batch_size: int = 1000) -> int:
    """Index every offer again, for example after a change to the stemming or stop words."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    total = _index_in_chunks(Offer.objects.all(), batch_size)
    if connection.vendor == "sqlite":
        # SQLite gathers no planner statistics by itself (PostgreSQL's autovacuum does): give it
        # those of the table every search reads.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ROWS}")
    return total


def index_offers_with_terms(term_ids: Sequence[int], batch_size: int = 1000) -> int:
    """Index again the offers that have one of these themes or target groups, whose names are part
    of their search text."""
    offers = Offer.objects.filter(Q(themes__in=term_ids) | Q(target_groups__in=term_ids)).distinct()
    return _index_in_chunks(offers, batch_size)


def _index_in_chunks(offers: QuerySet[Offer], batch_size: int) -> int:
    offers = offers.select_related("organisation").prefetch_related("themes", "target_groups").order_by("pk")
    total = last = 0
    while chunk := list(offers.filter(pk__gt=last)[:batch_size]):
        total += index_offers(chunk)
        last = chunk[-1].pk
    return total
