"""FHIR import speed: resources per second end to end, beside fhir.resources' parse-only rate.

Writes a synthetic 100,000-resource NDJSON file (caseway.records.synthetic), measures in the
same run how fast fhir.resources alone parses and validates it (the floor), then imports it with
`caseway fhir import` into a fresh SQLite database and a fresh PostgreSQL database (the
command's wall time: start-up, validation, mapping, checks, writes and audit). Goal: end to end
at least half the parse-only rate. Writes docs/benchmarks.md.

    .venv/bin/python benchmarks/fhir_import.py [--resources 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.report import machine, write_section  # noqa: E402

BIN = Path(sys.executable).parent
SECTION = "## Patient records: FHIR NDJSON import"
PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgres://caseway:caseway@127.0.0.1:5432/caseway_import_bench")


def write_ndjson(path: Path, resources: int) -> int:
    from caseway.records.synthetic import cohort

    written = 0
    with path.open("w", encoding="utf-8") as out:
        for resource in cohort(20261125, resources // 9 + 1, "smc-gcc", dt.date(2026, 11, 25)):
            out.write(json.dumps(resource, ensure_ascii=False) + "\n")
            written += 1
            if written >= resources:
                break
    return written


def parse_only_rate(path: Path) -> float:
    from fhir.resources.R4B import get_fhir_model_class

    started = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            resource = json.loads(line)
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            count += 1
    return count / (time.perf_counter() - started)


def caseway(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(BIN / "caseway"), *args], env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"caseway {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def import_rate(path: Path, count: int, database_url: str, data_dir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWAY_")}
    env.pop("DATABASE_URL", None)
    env.update(CASEWAY_ENV="development", CASEWAY_DATA_DIR=str(data_dir),
               DJANGO_SETTINGS_MODULE="caseway.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    caseway(env, "setup", "--verbosity", "0")
    caseway(env, "demo")
    started = time.perf_counter()
    result = caseway(env, "fhir", "import", str(path), "--center", "smc-gcc")
    elapsed = time.perf_counter() - started
    print(result.stdout.strip())
    return count / elapsed


def recreate_postgres() -> None:
    name = PG_URL.rsplit("/", 1)[-1]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} OWNER caseway"):
        subprocess.run(["su", "postgres", "-c", f'psql -q -c "{sql}"'], check=True,
                       capture_output=True)




def write_results(count: int, floor: float, rates: dict[str, float]) -> str:
    lines = [SECTION, "",
             f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
             f"{count:,} synthetic resources (Patient, Condition, staging, tumor markers, ECOG, "
             "biomarkers, Procedure, MedicationStatement) in one NDJSON file, imported with "
             "`caseway fhir import` (wall time of the command). Script: "
             "`benchmarks/fhir_import.py`. Goal: end to end at least half the parse-only rate.",
             "", "| measurement | resources/s | share of the floor |", "|---|---:|---:|",
             f"| floor: fhir.resources parse + validate only | {floor:,.0f} | 100% |"]
    for name, rate in rates.items():
        lines.append(f"| import into {name} | {rate:,.0f} | {rate / floor:.0%} |")
    block = "\n".join(lines) + "\n"
    return write_section(SECTION, block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings_test")
    import django

    django.setup()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        path = work / "cohort.ndjson"
        count = write_ndjson(path, args.resources)
        floor = parse_only_rate(path)
        print(f"{count:,} resources; parse-only {floor:,.0f}/s")
        rates = {"SQLite": import_rate(path, count, "", work / "sqlite")}
        recreate_postgres()
        rates["PostgreSQL 15"] = import_rate(path, count, PG_URL, work / "pg")
    print(write_results(count, floor, rates))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
