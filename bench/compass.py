"""The quality compass's local picture at national scale. Django must be set up first.

(1) A generated file shaped like the full CBS "Kerncijfers wijken en buurten" table (342
municipalities, 3,400 districts, 14,000 neighbourhoods, the table's 120 numeric columns with CBS's
own keys, some figures left out as CBS does) is imported with ``indicators_import_cbs_kwb``: time
and peak memory, next to the time to only parse the file (the floor) and to parse and check it.

(2) The dashboard of one municipality with 200 indicators x 100 areas x 10 years: render time of
the whole page over HTTP (middleware, access, selectors, template) as p50/p95, next to the bare
SQL query of the rows it reads (the floor).
"""

from __future__ import annotations

import gc
import json
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SEED = 2024
MUNICIPALITIES, DISTRICTS, NEIGHBOURHOODS, COLUMNS = 342, 3_400, 14_000, 120
DASHBOARD_INDICATORS, DASHBOARD_AREAS, DASHBOARD_YEARS = 200, 100, 10
DASHBOARD_RUNS = 40


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Seconds, and how many MiB the process's peak resident memory grew."""
    gc.collect()
    before = _rss_mib()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started, _rss_mib() - before


def national_file(path: Path, scale: float = 1.0) -> tuple[int, int]:
    """Write the generated national table (or a share of it) as CBS OData JSON; return (rows, figures)."""
    from meedoen.compass.management.commands.import_cbs_kwb import BUNDLED_METADATA

    topics = json.loads(BUNDLED_METADATA.read_text(encoding="utf-8"))
    numeric = [t for t in topics if t.get("Datatype") in {"Long", "Double"} and t.get("Unit") != "code"][:COLUMNS]
    rng = random.Random(SEED)
    codes = ["NL01"]
    district_number = 0
    municipalities_, districts_, neighbourhoods_ = (
        round(MUNICIPALITIES * scale),
        round(DISTRICTS * scale),
        round(NEIGHBOURHOODS * scale),
    )
    for m in range(municipalities_):
        municipality = f"{m + 1:04d}"
        codes.append(f"GM{municipality}")
        # Spread districts and neighbourhoods as evenly as whole numbers allow.
        districts = districts_ // municipalities_ + (m < districts_ % municipalities_)
        for d in range(districts):
            codes.append(f"WK{municipality}{d:02d}")
            neighbourhoods = neighbourhoods_ // districts_ + (district_number < neighbourhoods_ % districts_)
            codes.extend(f"BU{municipality}{d:02d}{b:02d}" for b in range(neighbourhoods))
            district_number += 1
    figures = 0
    with path.open("w", encoding="utf-8") as out:  # row by row, so the generator holds little memory
        out.write('{"value": [')
        for index, code in enumerate(codes):
            row: dict[str, object] = {"ID": index, "WijkenEnBuurten": f"{code:<10}", "Codering_3": f"{code:<10}"}
            for topic in numeric:
                if rng.random() < 0.05:
                    row[topic["Key"]] = None  # CBS leaves out what is secret or unknown
                    continue
                figures += 1
                row[topic["Key"]] = (
                    rng.randrange(0, 5_000) if topic["Datatype"] == "Long" else round(rng.uniform(0, 100), 1)
                )
            out.write(("," if index else "") + json.dumps(row))
        out.write("]}")
    return len(codes), figures


def _clear_figures_and_areas() -> None:
    from django.db import connection

    from meedoen.areas.models import Area

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM compass_observation")
    for level in ("buurt", "wijk", "gemeente", "land"):  # children first: parents are protected
        Area.objects.filter(level=level).delete()


def bench_national_import() -> None:
    """The national table, then three tenths and a tenth of it (the cost curve). The largest goes
    first, so its peak memory is measured from a process that has not held a file yet; the smaller
    ones then show no growth."""
    from meedoen.compass.kwb import parse_metadata, parse_values, read_rows
    from meedoen.compass.management.commands.import_cbs_kwb import BUNDLED_METADATA
    from meedoen.compass.services.monitor import indicators_import_cbs_kwb
    from meedoen.core.access import Actor

    columns = parse_metadata(json.loads(BUNDLED_METADATA.read_text(encoding="utf-8")))
    actor = Actor.system("bench")
    print(f"Local picture: CBS import ({COLUMNS} columns; the national table and shares of it, OData JSON)")
    print(f"  {'what':<52} {'areas':>7} {'figures':>10} {'seconds':>9} {'µs/figure':>10} {'RSS +MiB':>9}")
    for scale in (1.0, 0.3, 0.1):
        path = Path(tempfile.mkdtemp(prefix="meedoen-bench-")) / "kwb-national.json"
        rows, figures = national_file(path, scale)
        _clear_figures_and_areas()

        def run_import(path: Path = path) -> None:
            indicators_import_cbs_kwb(
                actor=actor, content=path.read_bytes(), file_name=path.name, columns=columns, period="2024"
            )

        first = _timed(run_import)
        again = _timed(run_import)

        def parse(path: Path = path) -> object:
            return json.loads(path.read_bytes())

        def check(path: Path = path) -> object:
            return parse_values(read_rows(path.read_bytes(), file_name=path.name), columns)

        floor = _timed(parse)
        checked = _timed(check)
        for name, (seconds, mib) in (
            ("indicators_import_cbs_kwb (first time)", first),
            ("indicators_import_cbs_kwb (same file again)", again),
            ("floor: parse the file only (json.loads)", floor),
            ("parse and check every cell (no database)", checked),
        ):
            print(
                f"  {name:<52} {rows:>7,} {figures:>10,} {seconds:>9.2f} {seconds / figures * 1e6:>10.2f} {mib:>9.1f}"
            )
        print(
            f"  {f'{path.stat().st_size / 1024 / 1024:.0f} MiB file; import / floor: {first[0] / floor[0]:.1f}x':<52}"
        )
        path.unlink()
    print("  goal: the national table under 60 s")
    print()


def bench_dashboard() -> None:
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from meedoen.accounts.models import User
    from meedoen.areas.models import Area
    from meedoen.compass.models import FigureImport, Indicator, Observation
    from meedoen.compass.services.monitor import _insert_observations
    from meedoen.core.access import Role
    from meedoen.organisations.models import Membership, Municipality, Organisation

    rng = random.Random(SEED)
    country = Area.objects.get_or_create(code="NL01", defaults={"name": "Nederland", "level": "land"})[0]
    top = Area.objects.create(code="GM9001", name="Benchdorp", level="gemeente")
    districts = Area.objects.bulk_create(
        Area(code=f"WK9001{d:02d}", name=f"Wijk {d:02d}", level="wijk", parent=top) for d in range(DASHBOARD_AREAS - 1)
    )
    districts = list(Area.objects.filter(parent=top))
    municipality = Municipality.objects.create(code="GM9001", name="Benchdorp", slug="benchdorp")
    organisation = Organisation.objects.create(name="Gemeente Benchdorp", kind="gemeente", slug="gemeente-benchdorp")
    user = User.objects.create_user(username="bench-beleid", password=None)
    Membership.objects.create(user=user, organisation=organisation, municipality=municipality, role=Role.POLICY_OFFICER)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    indicators = Indicator.objects.bulk_create(
        Indicator(
            municipality=municipality,
            code=f"bench-{i:03d}",
            name=f"Indicator {i:03d}",
            unit="aantal" if i % 2 else "%",
            kind="aantal" if i % 2 else "percentage",
            source="bench",
            origin="eigen",
            decimals=0 if i % 2 else 1,
        )
        for i in range(DASHBOARD_INDICATORS)
    )
    indicators = list(Indicator.objects.filter(municipality=municipality))
    batch = FigureImport.objects.create(municipality=municipality, origin="eigen", file_name="bench", sha256="0" * 64)
    areas = [top, *districts, country]
    years = [str(2015 + y) for y in range(DASHBOARD_YEARS)]
    _insert_observations(
        (indicator.pk, area.pk, year, float(rng.randrange(0, 2_000)), batch.pk)
        for indicator in indicators
        for area in areas
        for year in years
    )
    stored = Observation.objects.filter(indicator__municipality=municipality).count()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get("/werkplek/kompas/beeld/")  # warm-up: templates compiled, caches filled
    assert response.status_code == 200 and "Indicator 199" in response.text, response.status_code

    def page() -> None:
        client.get("/werkplek/kompas/beeld/")

    def bare() -> None:
        """The two reads of the page, as bare SQL: every period of the municipality and the
        Netherlands, and the latest period of every district."""
        ids = [i.pk for i in indicators]
        marks = ",".join(["%s"] * len(ids))
        district_marks = ",".join(["%s"] * len(districts))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indicator_id, area_id, period, value FROM compass_observation"
                f" WHERE indicator_id IN ({marks}) AND area_id IN (%s, %s)",
                [*ids, top.pk, country.pk],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT indicator_id, area_id, period, value FROM compass_observation"
                f" WHERE indicator_id IN ({marks}) AND area_id IN ({district_marks}) AND period = %s",
                [*ids, *(d.pk for d in districts), years[-1]],
            )
            cursor.fetchall()

    timings = {}
    for name, work in (("dashboard page over HTTP", page), ("floor: bare SELECT of the rows it reads", bare)):
        samples = []
        for _ in range(DASHBOARD_RUNS):
            started = time.perf_counter()
            work()
            samples.append((time.perf_counter() - started) * 1000)
        timings[name] = samples
    print(
        f"Local picture: dashboard of one municipality ({DASHBOARD_INDICATORS} indicators x {DASHBOARD_AREAS}"
        f" areas x {DASHBOARD_YEARS} years = {stored:,} stored figures), {DASHBOARD_RUNS} runs"
    )
    print(f"  {'what':<52} {'p50 ms':>9} {'p95 ms':>9}")
    for name, samples in timings.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"  {name:<52} {statistics.median(samples):>9.1f} {p95:>9.1f}")
    print("  goal: p95 under 300 ms on PostgreSQL")
    print()


def bench_compass() -> None:
    bench_national_import()
    bench_dashboard()
