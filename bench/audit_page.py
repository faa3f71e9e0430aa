"""The audit log page at a municipality's scale, on PostgreSQL: what an auditor's page view costs
when a year of the log holds a hundred thousand or a million records.

The generator is seeded. For two municipalities (the one the auditor works for and a neighbour,
with about a third of the records, so that the municipality filter has rows to pass by) it spreads
a year of what the platform writes over the year, in the order it happened:

- **Signals received**: a change per signal (``early_signals.signal.receive``), by a creditor's
  system, a delivery of a few hundred to a few thousand signals per request;
- **Cases opened**: a read per resident the case names (its household and one to three residents),
  by a caseworker, all with the request's id and the case as object;
- **Feedback calls**: a creditor's call recorded once (``early_signals.feedback.read``) and a read
  per household it tells about (one to several hundred), with the request's id and no object;
- **Other work**: caseworkers' changes to cases (attempts, moves, closings) and searches.

The records are written with ``COPY``, the table then vacuumed and analysed (as autovacuum would
after such growth). Then, as ``workspace.audit_page.page_context`` asks them of the selectors
(``audit_lines_for_municipality``, Django's ``Paginator``, ``reads_together``), each view is timed:
the default page (the last 31 days), one case (its records and its signals', over all time), one
caseworker over a whole year, and the count the heading shows. Each is the median of a few runs
after one that warms the cache; the plan's main node is shown, and any sequential scan of the
audit table.

``python -m bench audit_page`` runs it from the suite; ``python -m bench.audit_page --sizes
100000,1000000`` alone. It runs on the server of a postgres ``DATABASE_URL`` (else
postgres@127.0.0.1:5432) in a scratch database that is created, recreated for every size and
dropped at the end: ``BENCH_DATABASE`` or ``--database`` names it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench import run_apart

DATABASE = "meedoen_bench_audit"
SIZES = (100_000, 1_000_000)
SEED = 2026
REPEAT = 5
HERE, NEIGHBOUR = 1, 2  # the auditor's municipality and another one
NEIGHBOUR_SHARE = 0.35
CASEWORKERS = 14  # per municipality
CREDITORS = ("woonstichting-grachtenzicht", "energie-verzonnen", "stroomkracht", "zorgverzekeraar-zuid", "dunea")
SIGNAL_TYPE, CASE_TYPE = "early_signals.signal", "early_signals.case"
CASE_PURPOSE = "early signalling: offer of help"
FEEDBACK_PURPOSE = "feedback to the creditor that delivered the signal (Wgs)"
CASE_FIELDS = '{"fields": ["date_of_birth", "given_name", "initials", "surname", "surname_prefix"]}'
FEEDBACK_FIELDS = '{"fields": ["case_status", "closed_on", "help_accepted"]}'
# A record as ``core.audit.record_changes`` writes it: its values in the order of RECORD_COLUMNS.
Row = tuple[datetime, str, str, int | None, str, int | None, int | None, str, str, str, str, str, str]


@dataclass
class _Municipality:
    """What the generator keeps of one municipality while it writes."""

    number: int
    residents: int
    cases: int
    signals: int = 0
    case_signals: dict[int, list[int]] | None = None  # of the auditor's municipality: each case's signals
    openings: dict[int, int] | None = None

    def caseworker(self, rng: random.Random) -> tuple[int, str]:
        worker = rng.randrange(CASEWORKERS)
        return 100 * self.number + worker, f"medewerker{self.number}-{worker:02d}"


@dataclass(frozen=True)
class Generated:
    records: int
    here: int
    case_objects: tuple[tuple[str, str], ...]  # a case of the auditor's municipality, with its signals
    caseworker: str  # the busiest caseworker's login name there


def _ref(rng: random.Random, municipality: int, residents: int) -> str:
    # A stable pseudonym per resident, as long as the platform's.
    return f"{municipality:02d}{rng.randrange(residents):030x}"


def _request(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _happenings(rng: random.Random, place: _Municipality, budget: int, now: datetime) -> Iterator[list[Row]]:
    """What happens in one municipality over a year, each as its records, in no particular order;
    about ``budget`` records in all."""
    year = 365 * 24 * 3600
    made = 0
    here = place.number
    while made < budget:
        at = now - timedelta(seconds=rng.random() * year)
        roll = rng.random()
        rows: list[Row] = []
        request = _request(rng)
        if roll < 0.005:  # a delivery of signals
            creditor = rng.choice(CREDITORS)
            for n in range(int(rng.lognormvariate(6.2, 0.8))):
                place.signals += 1
                case = rng.randrange(place.cases)
                if place.case_signals is not None:
                    place.case_signals.setdefault(case, []).append(place.signals)
                subject = _ref(rng, here, place.residents)
                details = f'{{"case": "{case}", "linked": {"true" if rng.random() < 0.2 else "false"}}}'
                rows.append(
                    (at + timedelta(milliseconds=2 * n), "change", "early_signals.signal.receive", None,
                     f"creditor:{creditor}", here, 9, SIGNAL_TYPE, str(place.signals), subject, "", details, request)
                )  # fmt: skip
        elif roll < 0.61:  # a case opened by a caseworker: its household and residents
            case = rng.randrange(place.cases)
            if place.openings is not None:
                place.openings[case] = place.openings.get(case, 0) + 1
            actor_id, label = place.caseworker(rng)
            for _ in range(rng.randint(2, 4)):
                subject = _ref(rng, here, place.residents)
                rows.append(
                    (at, "read", "personal_data.read", actor_id, label, here, 3, CASE_TYPE, str(case), subject,
                     CASE_PURPOSE, CASE_FIELDS, request)
                )  # fmt: skip
        elif roll < 0.637:  # a creditor's feedback call
            creditor = rng.choice(CREDITORS)
            households = max(1, int(rng.lognormvariate(3.5, 1.2)))
            rows.append(
                (at, "access", "early_signals.feedback.read", None, f"creditor:{creditor}", here, 9, "", "", "", "",
                 f'{{"creditor": "{creditor}", "via": "api", "items": {households}}}', request)
            )  # fmt: skip
            for _ in range(households):
                subject = _ref(rng, here, place.residents)
                rows.append(
                    (at, "read", "personal_data.read", None, f"creditor:{creditor}", here, 9, "", "", subject,
                     FEEDBACK_PURPOSE, FEEDBACK_FIELDS, request)
                )  # fmt: skip
        else:  # a caseworker's change to a case, or a search
            actor_id, label = place.caseworker(rng)
            action = rng.choice(
                ("early_signals.case.attempt", "early_signals.case.move", "early_signals.case.close",
                 "early_signals.case.search")
            )  # fmt: skip
            case = rng.randrange(place.cases)
            kind, obj = ("access", ("", "")) if action.endswith("search") else ("change", (CASE_TYPE, str(case)))
            rows.append((at, kind, action, actor_id, label, here, 3, *obj, "", "", "{}", request))
        made += len(rows)
        yield rows


def generate(size: int, now: datetime, seed: int = SEED) -> Generated:
    """Write a year of both municipalities' records, about ``size`` in all, in time order."""
    from django.db import connection, transaction

    from meedoen.core.audit import RECORD_COLUMNS

    rng = random.Random(seed)
    places = []
    for number, share in ((HERE, 1 - NEIGHBOUR_SHARE), (NEIGHBOUR, NEIGHBOUR_SHARE)):
        records = int(size * share)
        place = _Municipality(number, residents=max(1000, records // 10), cases=max(100, records // 8))
        if number == HERE:
            place.case_signals, place.openings = {}, {}
        places.append((place, records))
    happenings = [rows for place, records in places for rows in _happenings(rng, place, records, now)]
    happenings.sort(key=lambda rows: rows[0][0])
    columns = ", ".join(RECORD_COLUMNS)
    written = here = 0
    with transaction.atomic(), connection.cursor() as cursor, cursor.copy(
        f"COPY core_auditevent ({columns}) FROM STDIN"
    ) as copy:  # fmt: skip
        for rows in happenings:
            for row in rows:
                copy.write_row(row)
            written += len(rows)
            here += len(rows) if rows[0][5] == HERE else 0
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) core_auditevent")
    place = places[0][0]
    openings, case_signals = place.openings or {}, place.case_signals or {}
    # A case opened more than once, with signals: the kind an auditor looks into.
    case = max(case_signals, key=lambda key: (openings.get(key, 0), len(case_signals[key])))
    objects = ((CASE_TYPE, str(case)), *((SIGNAL_TYPE, str(signal)) for signal in case_signals[case]))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT actor_label FROM core_auditevent WHERE municipality_id = %s AND actor_id IS NOT NULL"
            " GROUP BY actor_label ORDER BY count(*) DESC LIMIT 1",
            [HERE],
        )
        (caseworker,) = cursor.fetchone()
    return Generated(written, here, objects, caseworker)


@dataclass(frozen=True)
class View:
    name: str
    lines: int  # lines that fit (the paginator's count)
    shown: int  # lines on the first page
    ms: float  # median
    spread: tuple[float, float]
    plan: str  # the main node of the heaviest statement's plan
    seq_scan: bool


def _plan(queryset: Any) -> tuple[str, bool]:
    text: str = queryset.explain()
    first = text.splitlines()[0].strip()
    return re.sub(r"\s+\(cost=.*", "", first), "Seq Scan on core_auditevent" in text


def _median_ms(work: Callable[[], object], repeat: int) -> tuple[float, tuple[float, float]]:
    work()  # warms the cache, as the second view of an auditor's session finds it
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), (min(times), max(times))


def measure(generated: Generated, now: datetime, repeat: int) -> list[View]:
    from django.core.paginator import Paginator

    from meedoen.core.access import Actor, Grant, Role
    from meedoen.core.selectors import AuditQuery, audit_lines_for_municipality, reads_together
    from meedoen.workspace.audit_page import PAGE_SIZE, RECENT_DAYS

    auditor = Actor(user_id=1, label="auditor", second_factor=True, grants=frozenset({Grant(HERE, 1, Role.AUDITOR)}))
    queries = (
        ("(a) default page: last 31 days", AuditQuery(start=now - timedelta(days=RECENT_DAYS))),
        (f"(b) one case ({len(generated.case_objects)} objects), all time", AuditQuery(objects=generated.case_objects)),
        ("(c) one caseworker, van a year ago", AuditQuery(actor=generated.caseworker, start=now - timedelta(days=366))),
    )
    views = []
    for name, query in queries:

        def page_view(query: AuditQuery = query) -> tuple[int, int]:
            lines = audit_lines_for_municipality(actor=auditor, municipality_id=HERE, query=query)
            page = Paginator(lines, PAGE_SIZE).get_page(1)
            events = list(page.object_list)
            reads_together(actor=auditor, municipality_id=HERE, lines=events, query=query)
            return page.paginator.count, len(events)

        count, shown = page_view()
        ms, spread = _median_ms(page_view, repeat)
        lines = audit_lines_for_municipality(actor=auditor, municipality_id=HERE, query=query)
        views.append(View(f"{name}: page", count, shown, ms, spread, *_plan(lines[:PAGE_SIZE])))
        if name.startswith("(a)"):

            def heading(query: AuditQuery = query) -> int:
                lines = audit_lines_for_municipality(actor=auditor, municipality_id=HERE, query=query)
                return Paginator(lines, PAGE_SIZE).count

            ms, spread = _median_ms(heading, repeat)
            plan, seq = _plan(lines.order_by())
            views.append(View("(d) the count alone (of a)", count, 0, ms, spread, plan, seq))
    return views


def print_views(title: str, views: Sequence[View]) -> None:
    print(title)
    print(f"  {'view':<48} {'lines':>8} {'shown':>5} {'ms':>8} {'min-max ms':>15}  plan (main node)")
    for view in views:
        spread = f"{view.spread[0]:.0f}-{view.spread[1]:.0f}"
        seq = "; Seq Scan on core_auditevent" if view.seq_scan else ""
        print(f"  {view.name:<48} {view.lines:>8} {view.shown:>5} {view.ms:>8.1f} {spread:>15}  {view.plan}{seq}")
    print()


INDEXES_OF_THE_PAGE = ("core_audit_of_object", "core_audit_of_actor")  # migration core/0004


def drop_indexes_of_the_page() -> None:
    """The baseline: the table as it was before the audit log page had indexes of its own."""
    from django.db import connection

    with connection.cursor() as cursor:
        for name in INDEXES_OF_THE_PAGE:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


def run(sizes: Sequence[int], database: str, repeat: int, baseline: bool = False) -> None:
    from django.db import connection
    from django.utils import timezone

    from bench.early_signals import fresh_database

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"Audit log page on PostgreSQL {server.split()[0]} (median of {repeat} page views after one)")
    print()
    begun = time.perf_counter()
    for number, size in enumerate(sizes):
        if number:
            fresh_database(database)
        now = timezone.now()
        started = time.perf_counter()
        generated = generate(size, now)
        written = time.perf_counter() - started
        print(
            f"  {generated.records:,} records over a year ({generated.here:,} of the auditor's municipality),"
            f" written with COPY, vacuumed and analysed in {written:.1f} s"
        )
        print_views(f"Page views at {generated.records:,} records", measure(generated, now, repeat))
        if baseline:
            drop_indexes_of_the_page()
            title = f"Page views at {generated.records:,} records, without the page's indexes (the baseline)"
            print_views(title, measure(generated, now, repeat))
    print(f"{time.perf_counter() - begun:.0f} s in all")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_page", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="records in the log, comma-separated, each in a fresh database (default %(default)s)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", DATABASE),
        help="scratch database, created and dropped (default: BENCH_DATABASE, else %(default)s)",
    )
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timed page views per view (default %(default)s)")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="after each size's views, drop the indexes of the page's filters (migration core/0004) and"
        " measure the views again",
    )
    options = parser.parse_args(argv)
    sizes = [int(size.replace("_", "")) for size in options.sizes.split(",") if size]
    if not sizes or min(sizes) < 10_000:
        parser.error("sizes of at least 10,000 records")
    if options.repeat < 1:
        parser.error("--repeat: 1 or more")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", options.database):
        parser.error("--database: a name of lower-case letters, digits and _")

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    os.environ["DATABASE_URL"] = url
    os.environ["BENCH_DATABASE"] = options.database
    from bench.__main__ import setup_django  # creates the scratch database afresh and migrates

    setup_django()
    try:
        run(sizes, options.database, options.repeat, options.baseline)
    finally:
        from django.db import connections

        connections.close_all()
        # The name is checked above; it becomes one argument, never shell text.
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", options.database], check=False)  # noqa: S603,S607


def bench_audit_page(sizes: Sequence[int] = SIZES) -> None:
    """Run the audit log page benchmark from the suite, in a process of its own on PostgreSQL, in a
    scratch database named after the suite's own."""
    database = f"{os.environ.get('BENCH_DATABASE', 'meedoen_bench')}_audit"
    arguments = ["--sizes", ",".join(map(str, sizes)), "--database", database]
    run_apart("bench.audit_page", arguments, "the audit log page benchmark")


if __name__ == "__main__":
    main()
