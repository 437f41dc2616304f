"""Registry CSV import speed: surgery rows per second end to end, beside a csv-module baseline.

Writes a synthetic CSV of N surgeries (default 1,000,000; a realistic mix of ovarian
cytoreductions with PCI, residual disease and complications, robotic cases with conversions,
and other operations, each with its procedures, team and complications), measures in the same
run how fast the standard csv module alone reads it (the floor: parsing, nothing checked or
stored), then, for SQLite and for PostgreSQL, prepares a fresh database (`caseway setup`,
`caseway demo`, and one synthetic patient per two rows inserted in bulk) and times
`caseway registry import FILE --center smc-gcc`: start-up, reading, every row checked with the
model's rules, bulk inserts of surgeries, procedures, team, complications and derived facts,
and the audit event, in one transaction. A second import of the same file (every row found
unchanged) is timed too. Writes its section of docs/benchmarks.md.

    .venv/bin/python benchmarks/registry_import.py [--rows 1000000] [--no-reimport]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.report import machine, write_section  # noqa: E402

BIN = Path(sys.executable).parent
SECTION = "## Registry: CSV import rate"
CENTER = "bench-gcc"
PG_BASE = os.environ.get("BENCH_POSTGRES", "postgres://caseway:caseway@127.0.0.1:5432")
PG_NAME = "caseway_registry_bench"
SEED = 20261127


# --- the file -------------------------------------------------------------------------------------
def mrn(number: int) -> str:
    return f"R{number:08d}"


ALETTI = [
    ("HYS01", "Total hysterectomy with BSO", "hysterectomy_bso"),
    ("OME01", "Infragastric omentectomy", "omentectomy"),
    ("LND01", "Pelvic lymphadenectomy", "pelvic_lymphadenectomy"),
    ("LND02", "Para-aortic lymphadenectomy", "paraaortic_lymphadenectomy"),
    ("PER01", "Pelvic peritonectomy", "pelvic_peritoneum_stripping"),
    ("PER02", "Abdominal peritonectomy", "abdominal_peritoneum_stripping"),
    ("RSR01", "Rectosigmoid resection with anastomosis", "rectosigmoidectomy_anastomosis"),
    ("DPH01", "Diaphragm stripping", "diaphragm_stripping_resection"),
    ("SPL01", "Splenectomy", "splenectomy"),
    ("SBR01", "Small bowel resection", "small_bowel_resection"),
]
SURGEONS = ["Kim Ji-won", "Lee Min-ho", "Park Seo-yeon", "Choi Dong-hyun", "Jung Ha-eun"]
GRADES = ["I", "II", "II", "IIIa", "IIIb", "IIIbd", "IVa"]
YES_NO = ("yes", "no")


def surgery_row(rng: random.Random, number: int, patients: int) -> dict[str, Any]:
    """One plausible operation (values are synthetic; the mix, not the medicine, matters)."""
    day = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(3650))
    row: dict[str, Any] = {
        "source_id": f"OR-{number:08d}",
        "mrn": mrn(rng.randrange(1, patients + 1)),
        "date": day.isoformat(),
        "specialty": "gyn_onc",
        "mdt_discussed": rng.choice(YES_NO),
        "preop_workup_complete": "yes",
        "complications_prospective": "yes",
        "pathology_report_complete": rng.choice(YES_NO),
        "length_of_stay": rng.randint(1, 20),
        "blood_loss_ml": rng.randrange(50, 1500, 50),
        "incision_to_closure_min": rng.randint(60, 420),
        "team": f"{rng.choice(SURGEONS)}|primary;{rng.choice(SURGEONS)}|trainee",
    }
    kind = rng.random()
    if kind < 0.4:
        interval = rng.random() < 0.4
        residual = rng.choice([0, 0, 0, 0, 5, 15])
        steps = rng.sample(ALETTI, rng.randint(2, 7))
        row.update(
            condition_icd10="C56.9",
            indication="High-grade serous ovarian cancer, FIGO IIIC",
            procedure_group="ovarian_cytoreduction",
            timing="interval" if interval else "primary",
            neoadjuvant_cycles=rng.randint(3, 6) if interval else "",
            advanced_ovarian="yes",
            approach="open",
            pci_intraop=",".join(str(rng.randint(0, 3)) for _ in range(13)),
            residual_mm=residual,
            residual_locations="Small bowel mesentery" if residual else "",
            incomplete_reason="Miliary disease" if residual else "",
            procedures=";".join(f"{c}|{n}|||{g}" for c, n, g in steps),
            transfused=rng.choice(YES_NO),
            adjuvant_chemo_start=(day + dt.timedelta(days=rng.randint(21, 60))).isoformat(),
            **{f"oprep_{k}": "yes" for k in ("pci", "bowel", "procedures")},
        )
    elif kind < 0.75:
        converted = rng.random() < 0.1
        row.update(
            indication="Endometrial cancer",
            procedure_group="gyn_oncology",
            approach="robotic_multiport",
            platform="da Vinci Xi",
            docking_min=rng.randint(5, 25),
            console_min=rng.randint(60, 240),
            converted_to="open" if converted else "",
            conversion_reason="Dense adhesions" if converted else "",
            procedures="TLH01|Total hysterectomy with BSO;SLN01|Sentinel lymph node biopsy",
            team=f"{rng.choice(SURGEONS)}|console;{rng.choice(SURGEONS)}|bedside",
        )
    else:
        row.update(
            indication="Benign adnexal mass",
            procedure_group="gyn_benign",
            specialty="gynecology",
            approach="laparoscopic",
            procedures="ADX01|Laparoscopic adnexectomy",
        )
    if rng.random() < 0.2:
        row["complications"] = ";".join(
            f"Complication {n}|{rng.choice(GRADES)}|{rng.randint(0, 30)}"
            for n in range(rng.randint(1, 2))
        )
    return row


def write_csv(path: Path, rows: int, patients: int) -> None:
    from caseway.registry.tabular import COLUMNS

    names = [c.name for c in COLUMNS]
    rng = random.Random(SEED)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for number in range(1, rows + 1):
            row = surgery_row(rng, number, patients)
            writer.writerow([row.get(name, "") for name in names])


def parse_only_rate(path: Path) -> float:
    """The floor: the csv module reading every row, nothing else."""
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as text:
        count = sum(1 for _row in csv.reader(text)) - 1
    return count / (time.perf_counter() - started)


# --- the databases --------------------------------------------------------------------------------
def make_patients(count: int) -> None:
    """In a configured database: a center, and ``count`` patients there, each with an ovarian
    cancer diagnosis, inserted in bulk (setup for the benchmark, not what it measures)."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from caseway.accounts.actor import Actor
    from caseway.core import versioning
    from caseway.organizations.choices import CenterKind
    from caseway.organizations.models import Center, Institution
    from caseway.records.fhir.importer import insert_rows
    from caseway.records.models import Condition, Patient

    actor = Actor.system("bench")
    institution = versioning.create(
        actor,
        Institution(
            code="bench",
            name_en="Benchmark Hospital",
            name_ko="벤치마크 병원",
            city_en="Seoul",
            city_ko="서울",
        ),
    )
    center = versioning.create(
        actor,
        Center(
            institution=institution,
            code=CENTER,
            name_en="Gynecologic Cancer Center",
            name_ko="부인암센터",
            kind=CenterKind.CANCER,
        ),
    )
    now = timezone.now()

    def defaults(model: Any) -> dict[str, Any]:
        return {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }

    base = defaults(Patient) | {"center_id": center.pk, "created_at": now, "updated_at": now}
    condition = defaults(Condition) | {"created_at": now, "updated_at": now}
    batch = 50_000
    with transaction.atomic():
        for start in range(1, count + 1, batch):
            numbers = range(start, min(start + batch, count + 1))
            insert_rows(
                Patient,
                [
                    base
                    | {
                        "mrn": mrn(n),
                        "name_original": f"Patient {n}",
                        "sex": "female",
                        "birth_date": dt.date(1950 + n % 40, 1 + n % 12, 1 + n % 28),
                    }
                    for n in numbers
                ],
            )
            ids = Patient.objects.filter(
                center=center, mrn__in=[mrn(n) for n in numbers]
            ).values_list("id", flat=True)
            insert_rows(
                Condition,
                [
                    condition
                    | {
                        "patient_id": pk,
                        "role": "primary",
                        "icd10": "C56.9",
                        "description": "Ovarian cancer",
                    }
                    for pk in ids
                ],
            )


def import_directly(path: Path) -> None:
    """What the CLI does, for a checkout whose ``caseway registry`` command is missing."""
    import django

    django.setup()
    from caseway.accounts.actor import Actor
    from caseway.organizations.models import Center
    from caseway.registry import tabular

    report = tabular.import_file(Actor.system("bench"), Center.objects.get(code=CENTER), path)
    print(report.summary())
    if not report.ok:
        print("\n".join(report.lines()[:20]))
        sys.exit(1)


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWAY_")}
    env.pop("DATABASE_URL", None)
    env.update(
        CASEWAY_ENV="development",
        CASEWAY_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="caseway.settings",
        PYTHONPATH=str(ROOT / "src"),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def has_cli(env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [str(BIN / "caseway"), "registry", "import", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0


def timed_import(env: dict[str, str], path: Path, cli: bool) -> tuple[float, str]:
    command = (
        [str(BIN / "caseway"), "registry", "import", str(path), "--center", CENTER]
        if cli
        else [sys.executable, __file__, "--import-directly", str(path)]
    )
    started = time.perf_counter()
    result = run(env, *command)
    return time.perf_counter() - started, result.stdout.strip()


def measure(
    name: str, path: Path, rows: int, database_url: str, data_dir: Path, reimport: bool
) -> dict[str, float]:
    env = environment(database_url, data_dir)
    run(env, str(BIN / "caseway"), "setup", "--verbosity", "0")
    run(env, sys.executable, __file__, "--make-patients", str(max(1, rows // 2)))
    cli = has_cli(env)
    seconds, output = timed_import(env, path, cli)
    print(f"{name}: {output} ({seconds:.1f} s{'' if cli else ', called directly'})")
    rates = {"import": rows / seconds}
    if reimport:
        seconds, output = timed_import(env, path, cli)
        print(f"{name} again: {output} ({seconds:.1f} s)")
        rates["again"] = rows / seconds
    return rates


def recreate_postgres(name: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} OWNER caseway"):
        subprocess.run(
            ["su", "postgres", "-c", f'psql -q -c "{sql}"'], check=True, capture_output=True
        )


# --- the results ----------------------------------------------------------------------------------
def write_results(rows: int, size: int, floor: float, rates: dict[str, dict[str, float]]) -> str:
    sys.path.insert(0, str(ROOT))

    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"{rows:,} synthetic surgeries ({size / 2**20:,.0f} MiB of CSV, "
        f"{len(_columns())} columns; ovarian cytoreductions with PCI, residual disease and "
        "procedures, robotic cases with conversions, other operations; a fifth with "
        f"complications) for {max(1, rows // 2):,} synthetic patients of one center, "
        "imported with `caseway registry import` "
        "(wall time of the command: start-up, reading, every row checked with the model's "
        "rules, bulk inserts of surgeries, procedures, team, complications and derived facts, "
        "one transaction). Script: `benchmarks/registry_import.py`. Baseline: the standard "
        "csv module reading the same file, nothing checked or stored.",
        "",
        "| measurement | rows/s | share of the baseline |",
        "|---|---:|---:|",
        f"| baseline: csv module parse only | {floor:,.0f} | 100% |",
    ]
    for name, measured in rates.items():
        lines.append(
            f"| import into {name} | {measured['import']:,.0f} | {measured['import'] / floor:.1%} |"
        )
        if "again" in measured:
            lines.append(
                f"| same file again into {name} (all unchanged) | {measured['again']:,.0f} | "
                f"{measured['again'] / floor:.1%} |"
            )
    block = "\n".join(lines) + "\n"
    return write_section(SECTION, block)


def _columns() -> list[str]:
    from caseway.registry.tabular import COLUMNS

    return [c.name for c in COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-reimport", action="store_true", help="skip the second import")
    parser.add_argument("--no-results", action="store_true", help="do not write the docs")
    parser.add_argument("--make-patients", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--import-directly", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_patients:
        make_patients(args.make_patients)
        return
    if args.import_directly:
        import_directly(args.import_directly)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings_test")
    import django

    django.setup()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        path = work / "surgeries.csv"
        started = time.perf_counter()
        write_csv(path, args.rows, max(1, args.rows // 2))
        size = path.stat().st_size
        print(f"wrote {args.rows:,} rows, {size:,} bytes in {time.perf_counter() - started:.0f} s")
        floor = parse_only_rate(path)
        print(f"csv module parse only: {floor:,.0f} rows/s")
        reimport = not args.no_reimport
        rates = {"SQLite": measure("SQLite", path, args.rows, "", work / "sqlite", reimport)}
        recreate_postgres(PG_NAME)
        rates["PostgreSQL 15"] = measure(
            "PostgreSQL 15", path, args.rows, f"{PG_BASE}/{PG_NAME}", work / "pg", reimport
        )
    if not args.no_results:
        print(write_results(args.rows, size, floor, rates))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
