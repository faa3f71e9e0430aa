"""The table the resident search reads: one narrow row per offer and municipality it is offered in.

A row holds everything the search ranks and filters by, so that a search reads neither the wide
offer rows nor the tables of statuses, themes, target groups, places and areas: whether the offer
is active, its case-folded name, whether it can be reached without a visit, the codes of its
themes and target groups (what residents filter by), the ids of the areas of its places, and on
PostgreSQL its dutch ``tsvector`` (SQLite matches words in its FTS5 table). Sets are arrays on
PostgreSQL and space-separated text with a space at either end (" voedsel meedoen ", " 3 17 ") on
SQLite, where a member is found as " voedsel " in it.

Who keeps the rows right:

- ``refresh`` writes the rows of the offers it is given, from the offers as stored.
  ``search.index_offers`` calls it after every change of an offer or its relations (the services
  and the HSDS import do that), ``services.location_save`` for the offers at a place it saved, and
  the HSDS import for the offers whose places or links it changed.
- Triggers, for changes any plain UPDATE or DELETE makes: a new status sets ``active``; deleting
  an offer, or its link to a municipality, deletes its rows; on PostgreSQL emptying the offer table
  (TRUNCATE) empties this one.

Installed by migration socialmap/0008; changing the table or the triggers here needs a new
migration. On SQLite, a migration that makes Django rebuild ``socialmap_offer`` or
``socialmap_offer_municipalities`` drops their triggers: install them again in that migration
(``test_search_rows`` fails until then). A change to REMOTE_WAYS_IN, or to the code of a theme or
target group, needs ``search.rebuild_index``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from meedoen.socialmap.models import Offer

TABLE = "socialmap_search_row"
# Ways in that need no visit to a place: an offer with one of them reaches every district.
REMOTE_WAYS_IN = (
    Offer.WayIn.PHONE,
    Offer.WayIn.WHATSAPP,
    Offer.WayIn.EMAIL,
    Offer.WayIn.ONLINE_FORM,
    Offer.WayIn.HOME_VISIT,
)
ACTIVE = Offer.Status.ACTIVE.value

POSTGRESQL_TABLE = f"""
CREATE TABLE {TABLE} (
    offer_id bigint NOT NULL,
    municipality_id bigint NOT NULL,
    active boolean NOT NULL,
    remote boolean NOT NULL,
    search_name text NOT NULL,
    theme_codes text[] NOT NULL,
    target_group_codes text[] NOT NULL,
    area_ids bigint[] NOT NULL,
    vector tsvector NOT NULL,
    PRIMARY KEY (offer_id, municipality_id)
);
CREATE INDEX {TABLE}_vector ON {TABLE} USING gin (vector);
CREATE INDEX {TABLE}_themes ON {TABLE} USING gin (theme_codes);
"""
POSTGRESQL_TRIGGERS = f"""
CREATE FUNCTION {TABLE}_status() RETURNS trigger AS $$
BEGIN
    UPDATE {TABLE} SET active = (NEW.status = '{ACTIVE}') WHERE offer_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_status AFTER UPDATE OF status ON socialmap_offer
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION {TABLE}_status();

CREATE FUNCTION {TABLE}_forget_offer() RETURNS trigger AS $$
BEGIN
    DELETE FROM {TABLE} WHERE offer_id = OLD.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_forget_offer AFTER DELETE ON socialmap_offer
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_forget_offer();

CREATE FUNCTION {TABLE}_forget_link() RETURNS trigger AS $$
BEGIN
    DELETE FROM {TABLE} WHERE offer_id = OLD.offer_id AND municipality_id = OLD.municipality_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_forget_link AFTER DELETE ON socialmap_offer_municipalities
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_forget_link();

CREATE FUNCTION {TABLE}_empty() RETURNS trigger AS $$
BEGIN
    TRUNCATE {TABLE};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_empty AFTER TRUNCATE ON socialmap_offer
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_empty();
"""  # noqa: S608  (constants only)
POSTGRESQL_DROP = f"""
DROP TRIGGER IF EXISTS {TABLE}_status ON socialmap_offer;
DROP TRIGGER IF EXISTS {TABLE}_forget_offer ON socialmap_offer;
DROP TRIGGER IF EXISTS {TABLE}_forget_link ON socialmap_offer_municipalities;
DROP TRIGGER IF EXISTS {TABLE}_empty ON socialmap_offer;
DROP FUNCTION IF EXISTS {TABLE}_status();
DROP FUNCTION IF EXISTS {TABLE}_forget_offer();
DROP FUNCTION IF EXISTS {TABLE}_forget_link();
DROP FUNCTION IF EXISTS {TABLE}_empty();
DROP TABLE IF EXISTS {TABLE};
"""

SQLITE_TABLE = [
    f"""CREATE TABLE {TABLE} (
        offer_id integer NOT NULL,
        municipality_id integer NOT NULL,
        active integer NOT NULL,
        remote integer NOT NULL,
        search_name text NOT NULL,
        theme_codes text NOT NULL,
        target_group_codes text NOT NULL,
        area_ids text NOT NULL,
        PRIMARY KEY (municipality_id, offer_id)
    ) WITHOUT ROWID""",
    f"CREATE INDEX {TABLE}_offer ON {TABLE} (offer_id)",
]
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {TABLE}_status AFTER UPDATE OF status ON socialmap_offer
        WHEN OLD.status IS NOT NEW.status
        BEGIN UPDATE {TABLE} SET active = (NEW.status = '{ACTIVE}') WHERE offer_id = NEW.id; END""",  # noqa: S608
    f"""CREATE TRIGGER {TABLE}_forget_offer AFTER DELETE ON socialmap_offer
        BEGIN DELETE FROM {TABLE} WHERE offer_id = OLD.id; END""",  # noqa: S608
    f"""CREATE TRIGGER {TABLE}_forget_link AFTER DELETE ON socialmap_offer_municipalities
        BEGIN DELETE FROM {TABLE} WHERE offer_id = OLD.offer_id AND municipality_id = OLD.municipality_id; END""",  # noqa: S608
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_status",
    f"DROP TRIGGER IF EXISTS {TABLE}_forget_offer",
    f"DROP TRIGGER IF EXISTS {TABLE}_forget_link",
    f"DROP TABLE IF EXISTS {TABLE}",
]

# The rows of the chosen offers ({chosen}: a condition on offer ``o``), one per municipality link,
# built set by set (themes, groups, places), so that writing a thousand rows costs a few joins
# whatever the planner knows about the tables.
_POSTGRESQL_ROWS = f"""
    WITH chosen AS (SELECT o.id, o.status, o.ways_in, o.search_name, o.search_document
                    FROM socialmap_offer o WHERE {{chosen}}),
    themes AS (SELECT t.offer_id, array_agg(DISTINCT term.code ORDER BY term.code) AS codes
               FROM socialmap_offer_themes t JOIN socialmap_taxonomyterm term ON term.id = t.taxonomyterm_id
               WHERE t.offer_id IN (SELECT id FROM chosen) GROUP BY t.offer_id),
    target_groups AS (SELECT g.offer_id, array_agg(DISTINCT term.code ORDER BY term.code) AS codes
                      FROM socialmap_offer_target_groups g
                      JOIN socialmap_taxonomyterm term ON term.id = g.taxonomyterm_id
                      WHERE g.offer_id IN (SELECT id FROM chosen) GROUP BY g.offer_id),
    areas AS (SELECT ol.offer_id, array_agg(DISTINCT l.area_id ORDER BY l.area_id) AS ids
              FROM socialmap_offerlocation ol JOIN socialmap_location l ON l.id = ol.location_id
              WHERE ol.offer_id IN (SELECT id FROM chosen) AND l.area_id IS NOT NULL GROUP BY ol.offer_id)
    INSERT INTO {TABLE} (offer_id, municipality_id, active, remote, search_name, theme_codes,
                         target_group_codes, area_ids, vector)
    SELECT c.id, om.municipality_id, c.status = %s, c.ways_in ?| %s, c.search_name,
        coalesce(themes.codes, '{{{{}}}}'), coalesce(target_groups.codes, '{{{{}}}}'), coalesce(areas.ids, '{{{{}}}}'),
        to_tsvector('dutch'::regconfig, c.search_document)
    FROM chosen c JOIN socialmap_offer_municipalities om ON om.offer_id = c.id
    LEFT JOIN themes ON themes.offer_id = c.id
    LEFT JOIN target_groups ON target_groups.offer_id = c.id
    LEFT JOIN areas ON areas.offer_id = c.id
"""  # noqa: S608  (constants only)
_SQLITE_ROWS = f"""
    WITH chosen AS (SELECT o.id, o.status, o.ways_in, o.search_name FROM socialmap_offer o WHERE {{chosen}}),
    themes AS (SELECT t.offer_id, group_concat(term.code, ' ') AS codes
               FROM socialmap_offer_themes t JOIN socialmap_taxonomyterm term ON term.id = t.taxonomyterm_id
               WHERE t.offer_id IN (SELECT id FROM chosen) GROUP BY t.offer_id),
    target_groups AS (SELECT g.offer_id, group_concat(term.code, ' ') AS codes
                      FROM socialmap_offer_target_groups g
                      JOIN socialmap_taxonomyterm term ON term.id = g.taxonomyterm_id
                      WHERE g.offer_id IN (SELECT id FROM chosen) GROUP BY g.offer_id),
    areas AS (SELECT ol.offer_id, group_concat(l.area_id, ' ') AS ids
              FROM socialmap_offerlocation ol JOIN socialmap_location l ON l.id = ol.location_id
              WHERE ol.offer_id IN (SELECT id FROM chosen) AND l.area_id IS NOT NULL GROUP BY ol.offer_id)
    INSERT INTO {TABLE} (offer_id, municipality_id, active, remote, search_name, theme_codes,
                         target_group_codes, area_ids)
    SELECT c.id, om.municipality_id, c.status = %s,
        ({" OR ".join(["c.ways_in LIKE %s"] * len(REMOTE_WAYS_IN))}), c.search_name,
        ' ' || coalesce(themes.codes, '') || ' ', ' ' || coalesce(target_groups.codes, '') || ' ',
        ' ' || coalesce(areas.ids, '') || ' '
    FROM chosen c JOIN socialmap_offer_municipalities om ON om.offer_id = c.id
    LEFT JOIN themes ON themes.offer_id = c.id
    LEFT JOIN target_groups ON target_groups.offer_id = c.id
    LEFT JOIN areas ON areas.offer_id = c.id
"""  # noqa: S608  (constants only)


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the table and its triggers, and fill it from the offers as stored."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_TABLE)
            cursor.execute(POSTGRESQL_TRIGGERS)
        elif connection.vendor == "sqlite":
            for statement in (*SQLITE_TABLE, *SQLITE_TRIGGERS):
                cursor.execute(statement)
        else:
            raise NotImplementedError(f"no search table for {connection.vendor}")
    refresh(connection)


def remove(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_DROP)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def refresh(connection: BaseDatabaseWrapper, offer_ids: Iterable[int] | None = None) -> None:
    """Write the rows of these offers again (of every offer: None): one per municipality it is
    offered in, none for a municipality it has left."""
    ids = None if offer_ids is None else sorted(set(offer_ids))
    if ids == []:
        return
    rows: str
    params: list[Any]
    among_params: list[Any]
    if connection.vendor == "postgresql":
        rows, params = _POSTGRESQL_ROWS, [ACTIVE, [str(way) for way in REMOTE_WAYS_IN]]
        among, among_params = "= ANY(%s)", [ids]
    else:
        rows, params = _SQLITE_ROWS, [ACTIVE, *(f'%"{way}"%' for way in REMOTE_WAYS_IN)]
        # One JSON parameter, however many offers: SQLite limits the number of parameters.
        among, among_params = "IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
            cursor.execute(rows.format(chosen="TRUE"), params)
        else:
            cursor.execute(f"DELETE FROM {TABLE} WHERE offer_id {among}", among_params)  # noqa: S608
            cursor.execute(rows.format(chosen=f"o.id {among}"), [*among_params, *params])
