"""Run the foundation benchmarks on a fresh database and print their figures.

Each benchmark runs at several sizes (the cost curve) and against a baseline measured in the same
run: the same rows written with one bare ``executemany`` inside one transaction, or the bare
query. Set ``DATABASE_URL`` to run on PostgreSQL (a scratch database, ``meedoen_bench`` unless
``BENCH_DATABASE`` names another, is created and dropped); the default is a temporary SQLite file.
Name benchmarks to run only those, e.g. ``python -m bench socialmap`` (the names are in ``main``).
"""

from __future__ import annotations

import gc
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import ROOT

sys.path.insert(0, str(ROOT / "src"))


@dataclass(frozen=True)
class Measurement:
    name: str
    size: int
    seconds: float
    peak_mib: float

    @property
    def per_item_us(self) -> float:
        return self.seconds / self.size * 1_000_000


def measure(name: str, size: int, work: Callable[[], object]) -> Measurement:
    """Wall time of one run, and how much the process's peak resident memory grew during it.

    tracemalloc is not used: it slows Python-heavy code far more than the bare baselines.
    """
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    return Measurement(name=name, size=size, seconds=seconds, peak_mib=grown_kib / 1024)


def synthetic_areas(municipalities: int, districts_per_municipality: int) -> dict[str, dict[str, int]]:
    data: dict[str, dict[str, int]] = {}
    for m in range(municipalities):
        code = f"{1000 + m:04d}"
        data[f"GM{code}"] = {"AantalInwoners_5": 20_000 + m, "Woningvoorraad_35": 9_000 + m}
        for d in range(districts_per_municipality):
            data[f"WK{code}{d:02d}"] = {"AantalInwoners_5": 2_000 + d, "Woningvoorraad_35": 900 + d}
    return data


def setup_django() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = os.environ.get("BENCH_DATABASE", "meedoen_bench")
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise SystemExit("BENCH_DATABASE: a database name of lower-case letters, digits and _")
        url = url.rsplit("/", 1)[0] + f"/{name}"
        # The name is checked above; it becomes one argument, never shell text.
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S603,S607
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S603,S607
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='meedoen-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "meedoen.conf.test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url.split(":", 1)[0]


def clear_areas() -> None:
    from meedoen.areas.models import Area

    for level in ("buurt", "wijk", "gemeente"):  # children first: parents are protected
        Area.objects.filter(level=level).delete()


def bench_area_import(sizes: list[int]) -> list[Measurement]:
    from django.db import connection, transaction

    from meedoen.areas.services import areas_import_cbs
    from meedoen.core.access import Actor

    results = []
    for municipalities in sizes:
        data = synthetic_areas(municipalities, 10)
        rows = len(data)
        clear_areas()

        def run_import(data: dict[str, dict[str, int]] = data) -> None:
            areas_import_cbs(actor=Actor.system("bench"), data=data, reference_year=2024)

        results.append(measure("areas_import_cbs (create)", rows, run_import))
        results.append(measure("areas_import_cbs (re-run, unchanged)", rows, run_import))
        clear_areas()

        def bare_insert(data: dict[str, dict[str, int]] = data) -> None:
            # Every row as a parentless municipality: same width, none of the parent look-ups.
            values = [(code, code, v["AantalInwoners_5"], v["Woningvoorraad_35"]) for code, v in data.items()]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO areas_area (code, name, level, population, dwellings, reference_year, parent_id)"
                    " VALUES (%s, %s, 'gemeente', %s, %s, 2024, NULL)",
                    values,
                )

        # The baseline skips validation, parents and idempotence: the floor of what storing costs.
        results.append(measure("baseline: bare executemany INSERT", rows, bare_insert))
        clear_areas()
    return results


def bench_audit(sizes: list[int]) -> list[Measurement]:
    from django.db import connection, transaction

    from meedoen.core.access import Actor
    from meedoen.core.audit import record_change

    actor = Actor(user_id=1, label="bench", second_factor=True)
    results = []
    for size in sizes:

        def one_transaction_each(size: int = size) -> None:
            for number in range(size):
                with transaction.atomic():
                    record_change(actor=actor, action="bench.change", municipality_id=1, details={"n": number})

        results.append(measure("record_change, one transaction each", size, one_transaction_each))

        def bare(size: int = size) -> None:
            for number in range(size):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO core_auditevent (created_at, kind, action, actor_id, actor_label, municipality_id,"
                        " organisation_id, object_type, object_id, subject_ref, reason, details, request_id)"
                        " VALUES (CURRENT_TIMESTAMP, 'change', 'bench.bare', 1, 'bench', 1,"
                        " NULL, '', '', '', '', %s, '')",
                        [f'{{"n": {number}}}'],
                    )

        results.append(measure("baseline: bare INSERT, one transaction each", size, bare))
    return results


def bench_actor(sizes: list[int]) -> list[Measurement]:
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import RequestFactory

    from meedoen.accounts.models import User
    from meedoen.demo.loader import load_demo
    from meedoen.organisations.middleware import actor_for_request

    load_demo()
    user = User.objects.get(username="zuid-aanbieder")
    user.is_verified = lambda: True  # type: ignore[attr-defined]  # as the OTP middleware sets it
    request = RequestFactory().get("/werkplek/")
    request.user = user
    request.session = SessionStore()
    results = []
    for size in sizes:

        def resolve(size: int = size) -> None:
            for _ in range(size):
                actor_for_request(request)

        results.append(measure("actor_for_request (grants of one user)", size, resolve))

        def bare(size: int = size) -> None:
            with connection.cursor() as cursor:
                for _ in range(size):
                    cursor.execute(
                        "SELECT municipality_id, organisation_id, role"
                        " FROM organisations_membership WHERE user_id = %s",
                        [user.pk],
                    )
                    cursor.fetchall()

        results.append(measure("baseline: bare SELECT of the same rows", size, bare))
    return results


def main() -> None:
    engine = setup_django()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    print(f"Meedoen benchmarks · {time.strftime('%Y-%m-%d')} · commit {commit or '?'} · {engine}")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"{python} · {platform.machine()} · {os.cpu_count()} cores")
    print()
    only = set(sys.argv[1:])
    groups: list[tuple[str, str, Callable[[], list[Measurement]]]] = [
        ("areas", "CBS area import (10 districts per municipality)", lambda: bench_area_import([100, 400, 1600])),
        ("audit", "Audit log writes", lambda: bench_audit([500, 2000])),
        ("actor", "Actor per request (access layer)", lambda: bench_actor([1000, 4000])),
    ]
    for key, title, run in groups:
        if only and key not in only:
            continue
        results = run()
        print(title)
        print(f"  {'what':<45} {'n':>7} {'seconds':>9} {'µs/item':>9} {'RSS +MiB':>9}")
        for m in results:
            print(f"  {m.name:<45} {m.size:>7} {m.seconds:>9.3f} {m.per_item_us:>9.1f} {m.peak_mib:>9.2f}")
        print()
    if not only or "socialmap" in only:
        from bench.socialmap import QUERIES, bench_search, print_timings

        title = f"Social map search ({len(QUERIES)} resident questions, latency per question)"
        print_timings(title, bench_search([5_000, 20_000]))
    if not only or "entitlements" in only:
        from bench.entitlements import bench_check_page, bench_entitlements

        bench_entitlements()
        bench_check_page()
    if not only or "compass" in only:
        from bench.compass import bench_compass

        bench_compass()
    if not only or "ledger" in only:
        from bench.ledger import bench_ledger

        bench_ledger()  # always on PostgreSQL, in a process of its own (see bench/ledger.py)
    if not only or "early_signals" in only:
        from bench.early_signals import bench_early_signals

        bench_early_signals()  # always on PostgreSQL, in a process of its own (see bench/early_signals.py)
    if not only or "audit_page" in only:
        from bench.audit_page import bench_audit_page

        bench_audit_page()  # always on PostgreSQL, in a process of its own (see bench/audit_page.py)


if __name__ == "__main__":
    main()
