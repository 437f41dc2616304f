"""Registry indicators at national scale: the whole ESGO profile for every center in one year,
beside one hand-written SQL aggregate over the surgery table (the floor).

Generates a national registry with ``caseway.registry.synthetic``: 2,000,000 surgeries over ten
years across 50 centers (``--surgeries`` scales it down for trial runs), their facts derived by
``services.derive_facts``. The dataset is generated once and loaded into a fresh SQLite and a
fresh PostgreSQL database with the importer's ``insert_rows`` (COPY on PostgreSQL), each in its
own process, followed by ``VACUUM ANALYZE`` (``ANALYZE`` on SQLite). Procedures, team and
complications are not loaded: facts are derived from them before loading, and neither query
reads them. Surgeries share a pool of minimal patients per center.

In the same run, warm and interleaved, several times each (medians reported):

* floor: one raw SQL aggregate over ``registry_surgery`` computing the two headline rates
  (complete resection, upfront surgery) per center for the year;
* ours: ``aggregate.compute_in_database(esgo-aoc-2016, SurgeryFacts(year, current), group_by=
  ("center", "year"))``: every indicator of the profile for every center (two queries).

Goal: within 2x of the floor and under 1 s on PostgreSQL. Writes docs/benchmarks.md. The
PostgreSQL database is dropped and created again (``BENCH_DATABASE_URL``; its own name, so the
registry import benchmark's database is left alone); ``--keep PATH`` keeps the generated
dataset for another run.

    .venv/bin/python benchmarks/registry_indicators.py [--surgeries 2000000] [--runs 9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.report import machine, write_section  # noqa: E402

SAVED = ROOT / "var" / "registry-bench-result.json"  # the last run, with the plans
SECTION = "## Registry: ESGO indicators at national scale"
PG_URL = os.environ.get(
    "BENCH_DATABASE_URL",
    "postgres://caseway:caseway@127.0.0.1:5432/caseway_registry_indicators_bench",
)
SEED = 20261125
CENTERS = 50
YEARS = list(range(2016, 2026))
MEASURED_YEAR = 2025
TODAY = dt.date(2026, 11, 25)
PATIENTS_PER_CENTER = 2000
CHUNK = 20_000

FLOOR_SQL = """
SELECT center_id,
       SUM(CASE WHEN residual_mm = 0 THEN 1 ELSE 0 END) AS complete,
       COUNT(residual_mm) AS residual_recorded,
       SUM(CASE WHEN timing = 'primary' THEN 1 ELSE 0 END) AS upfront,
       COUNT(*) AS cytoreductions
FROM registry_surgery
WHERE advanced_ovarian AND timing IN ('primary', 'interval') AND NOT voided
  AND date >= %s AND date < %s
GROUP BY center_id
"""


# --- the dataset (generated once, in the parent) ----------------------------------------------
def generate(path: Path, total: int) -> dict[str, Any]:
    """Surgery and facts rows in chunks (pickled), center by center, year by year."""
    from caseway.registry import synthetic
    from caseway.registry.models import Surgery, SurgeryFacts

    centers = synthetic.national_centers(CENTERS, SEED)
    plan = synthetic.national_plan(centers, YEARS, total)
    surgery_fields = [f.attname for f in Surgery._meta.concrete_fields]
    fact_fields = [f.attname for f in SurgeryFacts._meta.concrete_fields]
    started = time.perf_counter()
    pk = 0
    surgeries: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    chunks = 0
    with path.open("wb") as out:

        def flush() -> None:
            nonlocal chunks
            pickle.dump((surgeries, facts), out, protocol=pickle.HIGHEST_PROTOCOL)
            surgeries.clear()
            facts.clear()
            chunks += 1

        for number, center in enumerate(centers, start=1):
            for year in YEARS:
                counts = plan.get((center.code, year), {})
                for synthetic_surgery in synthetic.generate_center_year(
                    center, year, SEED, TODAY, counts
                ):
                    pk += 1
                    patient = (number - 1) * PATIENTS_PER_CENTER + pk % PATIENTS_PER_CENTER + 1
                    model, procedures, team, complications = synthetic.build_models(
                        synthetic_surgery, number, patient, pk, {"created_at": started_at()}
                    )
                    fact = _derive(model, procedures, team, complications)
                    surgeries.append({name: getattr(model, name) for name in surgery_fields})
                    row = {name: getattr(fact, name) for name in fact_fields}
                    row["id"] = pk  # tells insert_rows to include the primary key (surgery_id)
                    facts.append(row)
                    if len(surgeries) >= CHUNK:
                        flush()
                        if chunks % 10 == 0:
                            print(f"  generated {pk:,} surgeries", flush=True)
        if surgeries:
            flush()
    seconds = time.perf_counter() - started
    print(f"generated {pk:,} surgeries in {seconds:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    return {"surgeries": pk, "centers": len(centers), "generate_s": seconds}


_NOW: list[dt.datetime] = []


def started_at() -> dt.datetime:
    """One creation time for every row (a load happens at one moment)."""
    if not _NOW:
        _NOW.append(dt.datetime.now(dt.UTC))
    return _NOW[0]


def _derive(model: Any, procedures: Any, team: Any, complications: Any) -> Any:
    from caseway.registry.services import derive_facts

    return derive_facts(model, procedures, team, complications, TODAY)


def chunks(path: Path) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    with path.open("rb") as source:
        while True:
            try:
                yield pickle.load(source)  # noqa: S301 (our own file, written above)
            except EOFError:
                return


# --- one database (in a child process) --------------------------------------------------------
def load(path: Path) -> dict[str, float]:
    """Organisations, a patient pool, then surgeries and facts by the importer's fast path."""
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from caseway.organizations.models import Center, Institution
    from caseway.records.fhir.importer import insert_rows
    from caseway.records.models import Patient
    from caseway.registry.models import Surgery, SurgeryFacts

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter()
    with transaction.atomic():
        Institution.objects.bulk_create(
            Institution(
                pk=n,
                code=f"nat-{n:03d}",
                name_en=f"Hospital {n}",
                name_ko=f"병원 {n}",
                city_en="Seoul",
                city_ko="서울",
            )
            for n in range(1, CENTERS + 1)
        )
        Center.objects.bulk_create(
            Center(
                pk=n,
                institution_id=n,
                code=f"nat-{n:03d}",
                kind="cancer",
                name_en=f"Center {n}",
                name_ko=f"센터 {n}",
            )
            for n in range(1, CENTERS + 1)
        )
        defaults = {f.attname: f.get_default() for f in Patient._meta.concrete_fields}
        insert_rows(
            Patient,
            [
                {
                    **defaults,
                    "id": (center - 1) * PATIENTS_PER_CENTER + n,
                    "center_id": center,
                    "mrn": f"R-{n:07d}",
                    "name_original": f"Patient {n}",
                    "sex": "female",
                    "birth_date": dt.date(1960, 1, 1),
                    "created_at": started_at(),
                    "updated_at": started_at(),
                }
                for center in range(1, CENTERS + 1)
                for n in range(1, PATIENTS_PER_CENTER + 1)
            ],
        )
        for surgeries, facts in chunks(path):
            insert_rows(Surgery, surgeries)
            insert_rows(SurgeryFacts, facts)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Institution, Center, Patient, Surgery]
            ):
                cursor.execute(sql)
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    analyzed = time.perf_counter()
    return {
        "migrate_s": migrated - started,
        "load_s": loaded - migrated,
        "analyze_s": analyzed - loaded,
    }


def floor(year: int) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [dt.date(year, 1, 1), dt.date(year + 1, 1, 1)])
        return list(cursor.fetchall())


def ours(year: int) -> dict[tuple[Any, ...], Any]:
    from caseway.registry.aggregate import compute_in_database
    from caseway.registry.indicators import builtin_profiles
    from caseway.registry.models import SurgeryFacts

    return compute_in_database(
        builtin_profiles()["esgo-aoc-2016"],
        SurgeryFacts.objects.filter(year=year, current=True),
        group_by=("center", "year"),
    )


def check(floor_rows: list[tuple[Any, ...]], results: dict[tuple[Any, ...], Any]) -> int:
    """The two headline rates agree between the floor and the profile (same counts)."""
    for center, complete, recorded, upfront, cytoreductions in floor_rows:
        by_indicator = results[(center, MEASURED_YEAR)]
        resection, primary = by_indicator["complete-resection"], by_indicator["upfront-surgery"]
        assert (resection.numerator, resection.denominator) == (complete, recorded), center
        assert (primary.numerator, primary.denominator) == (upfront, cytoreductions), center
    return sum(row[4] for row in floor_rows)


def dashboard(runs: int) -> dict[str, float]:
    """A center's indicator page as a clinician of the busiest center opens it (the whole
    Django request in process: session, gate, one SQL aggregate, template), beside the
    cheapest page (/healthz) as the baseline."""
    from django.db.models import Count
    from django.test import Client

    from caseway.accounts.roles import Role
    from caseway.core.testing import person
    from caseway.organizations.models import Center
    from caseway.registry.models import SurgeryFacts

    busiest = (
        SurgeryFacts.objects.filter(year=MEASURED_YEAR, aoc_surgery=True)
        .values("center")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    center = Center.objects.get(pk=busiest["center"])
    client = Client()
    client.force_login(person("bench-dashboard@bench.invalid", Role.CLINICIAN, center=center))
    url = f"/registry/?center={center.code}&year={MEASURED_YEAR}&profile=esgo-aoc-2016"
    timings: dict[str, list[float]] = {"baseline": [], "dashboard": []}
    for _warm in range(2):
        assert client.get(url).status_code == 200
    for _run in range(runs):
        for name, path in (("baseline", "/healthz"), ("dashboard", url)):
            started = time.perf_counter()
            response = client.get(path)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    return {
        "baseline_ms": statistics.median(timings["baseline"]) * 1000,
        "dashboard_ms": statistics.median(timings["dashboard"]) * 1000,
        "dashboard_p95_ms": sorted(timings["dashboard"])[int(0.95 * (runs - 1))] * 1000,
        "dashboard_cases": busiest["n"],
    }


def measure(runs: int) -> dict[str, Any]:
    """Both, warm, interleaved; medians. Then the statements ours ran, each timed, and on
    PostgreSQL the plans (EXPLAIN ANALYZE) for the report."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    floor_rows, results = floor(MEASURED_YEAR), ours(MEASURED_YEAR)  # warm-up
    population = check(floor_rows, results)
    timings: dict[str, list[float]] = {"floor": [], "ours": []}
    for _run in range(runs):
        for name, query in (("floor", floor), ("ours", ours)):
            started = time.perf_counter()
            query(MEASURED_YEAR)
            timings[name].append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        ours(MEASURED_YEAR)
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"]
        statements.append({"sql": sql, "ms": _median_ms(lambda sql=sql: _run_sql(sql), runs)})
    plans = {}
    if connection.vendor == "postgresql":
        floor_sql = FLOOR_SQL.replace("%s", "'{}'").format(
            dt.date(MEASURED_YEAR, 1, 1), dt.date(MEASURED_YEAR + 1, 1, 1)
        )
        plans["floor"] = _explain(floor_sql)
        for number, statement in enumerate(statements):
            plans[f"ours {number + 1}"] = _explain(statement["sql"])
    facts = _count("SELECT COUNT(*) FROM registry_surgeryfacts")
    year_facts = _count("SELECT COUNT(*) FROM registry_surgeryfacts WHERE year = %s", MEASURED_YEAR)
    return {
        "floor_ms": statistics.median(timings["floor"]) * 1000,
        "ours_ms": statistics.median(timings["ours"]) * 1000,
        "floor_runs_ms": [t * 1000 for t in timings["floor"]],
        "ours_runs_ms": [t * 1000 for t in timings["ours"]],
        "statements": statements,
        "plans": plans,
        "centers_in_year": len(results),
        "population": population,
        "facts": facts,
        "year_facts": year_facts,
        "server": _server_version(),
    }


def _run_sql(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()


def _median_ms(call: Callable[[], None], runs: int) -> float:
    call()
    samples = []
    for _run in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _count(sql: str, *params: Any) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.pg_version // 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def child(path: Path, runs: int, output: Path) -> None:
    import django

    django.setup()
    result = load(path)
    result.update(measure(runs))
    result.update(dashboard(max(runs, 20)))
    output.write_text(json.dumps(result, indent=1))


# --- orchestration ------------------------------------------------------------------------------
def run_child(path: Path, runs: int, database_url: str, data_dir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWAY_")}
    env.update(
        CASEWAY_ENV="development",
        CASEWAY_DEBUG="0",
        CASEWAY_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="caseway.settings",
        DATABASE_URL=database_url,
        CASEWAY_ALLOWED_HOSTS="testserver,localhost",
        PYTHONPATH=str(ROOT / "src"),
    )
    output = data_dir / "result.json"
    command = [sys.executable, __file__, "--child", str(path), "--runs", str(runs)]
    subprocess.run([*command, "--output", str(output)], env=env, check=True)
    return dict(json.loads(output.read_text()))


def recreate_postgres() -> None:
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")




def verdict(results: dict[str, dict[str, Any]]) -> str:
    """Whether the goal is met, database by database, from the medians."""
    parts = []
    for name, result in results.items():
        ratio = result["ours_ms"] / result["floor_ms"]
        met = ratio <= 2 and (name != "postgresql" or result["ours_ms"] < 1000)
        parts.append(f"{result['server']} {'met' if met else 'not met'} ({ratio:.2f}x)")
        if not met and result["statements"]:
            slowest = max(result["statements"], key=lambda s: s["ms"])
            parts[-1] = parts[-1][:-1] + f"; slowest statement {slowest['ms']:.0f} ms)"
    return "Goal: " + "; ".join(parts) + "."


def write_results(
    dataset: dict[str, Any], runs: int, results: dict[str, dict[str, Any]], when: str
) -> str:
    any_result = next(iter(results.values()))
    lines = [
        SECTION,
        "",
        f"Run {when} UTC on {machine()}.",
        f"{dataset['surgeries']:,} synthetic surgeries over {YEARS[0]}-{YEARS[-1]} across "
        f"{dataset['centers']} centers (`caseway.registry.synthetic`, facts by "
        f"`derive_facts`), loaded into fresh databases (COPY on PostgreSQL), then `VACUUM "
        f"ANALYZE` (`ANALYZE` on SQLite). Measured year {MEASURED_YEAR}: "
        f"{any_result['year_facts']:,} surgeries, {any_result['population']:,} primary or "
        f"interval cytoreductions for advanced ovarian cancer, {any_result['centers_in_year']} "
        f"centers. Median of {runs} warm runs, floor and ours interleaved. Script: "
        "`benchmarks/registry_indicators.py`. Goal: within 2x of the floor and under 1 s on "
        "PostgreSQL.",
        "",
        "- floor: one hand-written SQL aggregate over `registry_surgery`, the two headline rates "
        "(complete resection, upfront surgery) per center;",
        "- ours: `compute_in_database(esgo-aoc-2016, SurgeryFacts(year, current), "
        "group_by=(center, year))`, all 11 ESGO indicators per center (the list of groups, one "
        "aggregate over the records some indicator is about, one grouped by surgeon for the "
        "surgeon-volume rule).",
        "",
        "| database | floor ms | ours ms | ratio | ours' statements replayed alone: groups, "
        "aggregate, by surgeon (ms) | load (min) |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for result in results.values():
        parts = ", ".join(f"{s['ms']:.0f}" for s in result["statements"])
        lines.append(
            f"| {result['server']} | {result['floor_ms']:.0f} | {result['ours_ms']:.0f} | "
            f"{result['ours_ms'] / result['floor_ms']:.2f}x | {parts} | "
            f"{result['load_s'] / 60:.1f} |"
        )
    lines += ["", verdict(results)]
    lines += [
        "",
        f"A center's indicator dashboard (`GET /registry/?center=…&year={MEASURED_YEAR}`, the "
        "busiest center, signed in as its clinician; the whole request in process, median of "
        "20 or more warm requests) beside `GET /healthz` as the baseline. Goal: under 300 ms.",
        "",
        "| database | baseline ms | dashboard ms | dashboard p95 ms | center's cytoreductions |",
        "|---|---:|---:|---:|---:|",
    ]
    for result in results.values():
        lines.append(
            f"| {result['server']} | {result['baseline_ms']:.1f} | {result['dashboard_ms']:.0f} | "
            f"{result['dashboard_p95_ms']:.0f} | {result['dashboard_cases']:,} |"
        )
    block = "\n".join(lines) + "\n"
    return write_section(SECTION, block)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--surgeries", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    parser.add_argument("--keep", help="Reuse (or keep) the generated dataset at this path.")
    parser.add_argument(
        "--rewrite-docs", action="store_true", help="Write the docs from the last saved result."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.runs, Path(args.output))
        return
    if args.rewrite_docs:
        saved = json.loads(SAVED.read_text())
        print(write_results(saved["dataset"], saved["runs"], saved["results"], saved["when"]))
        return
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings_test")
        os.environ["CASEWAY_DATA_DIR"] = str(work / "generator")
        import django

        django.setup()
        path = Path(args.keep) if args.keep else work / "dataset.pickle"
        meta = path.with_suffix(".json")
        if args.keep and path.exists() and meta.exists():
            dataset = json.loads(meta.read_text())
        else:
            dataset = generate(path, args.surgeries)
            meta.write_text(json.dumps(dataset))
        results = {}
        print("SQLite: loading and measuring", flush=True)
        results["sqlite"] = run_child(
            path, args.runs, f"sqlite:///{work / 'bench.sqlite3'}", _dir(work / "sqlite")
        )
        print(json.dumps({k: v for k, v in results["sqlite"].items() if k != "plans"}, indent=1))
        print("PostgreSQL: loading and measuring", flush=True)
        recreate_postgres()
        results["postgresql"] = run_child(path, args.runs, PG_URL, _dir(work / "pg"))
        print(json.dumps(results["postgresql"], indent=1))
        when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
        SAVED.parent.mkdir(exist_ok=True)
        saved = {"dataset": dataset, "runs": args.runs, "results": results, "when": when}
        SAVED.write_text(json.dumps(saved, indent=1))
    if not args.no_write:
        print(write_results(dataset, args.runs, results, when))


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
