"""The synthetic registry generator: reproducible, faithful to the seed facts, valid records,
and bulk writes whose derived facts are exactly what ``refresh_facts`` derives."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from caseway.audit.models import AuditEvent
from caseway.registry import indicators as engine
from caseway.registry import synthetic
from caseway.registry.aggregate import compute_in_database
from caseway.registry.models import Complication, Procedure, Surgery, SurgeryFacts, TeamMember
from caseway.registry.services import refresh_facts

TODAY = dt.date(2026, 11, 27)
YEARS = synthetic.demo_years(TODAY)
CENTERS = synthetic.demo_centers()
ESGO = engine.builtin_profiles()["esgo-aoc-2016"]
OVARIAN_VOLUME = engine.load_profile(
    {
        "id": "ovarian-volume",
        "version": "test",
        "name": {"en": "Ovarian cancer operations"},
        "indicators": [
            {
                "id": "ovarian-operations",
                "name": {"en": "Ovarian cancer operations a year"},
                "kind": "count",
                "population": [
                    {"field": "procedure_group", "op": "eq", "value": "ovarian_cytoreduction"}
                ],
            }
        ],
    }
)


@pytest.fixture(scope="module")
def smc() -> list[synthetic.SyntheticSurgery]:
    return list(synthetic.generate([CENTERS["smc-gcc"]], YEARS, today=TODAY))


@pytest.fixture(scope="module")
def smc_records(smc: list[synthetic.SyntheticSurgery]) -> list[dict[str, Any]]:
    return synthetic.fact_records(smc, TODAY)


@pytest.fixture(scope="module")
def severance_to_2018() -> list[synthetic.SyntheticSurgery]:
    """Severance's robotic program from its first case to the end of 2018."""
    return list(synthetic.generate([CENTERS["sev-rmis"]], [2018], today=TODAY))


# --- plain data -------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_rows_and_another_seed_others() -> None:
    center = CENTERS["hanbit-cancer"]
    first = synthetic.generate_center_year(center, 2021, today=TODAY)
    again = synthetic.generate_center_year(center, 2021, today=TODAY)
    other = synthetic.generate_center_year(center, 2021, seed=7, today=TODAY)
    assert first == again and len(first) > 100
    assert first != other
    # A center-year is the same alone or inside a ten-year run (its own seeded stream).
    decade = [s for s in synthetic.generate([center], YEARS, today=TODAY) if s.date.year == 2021]
    assert decade == first
    assert len({s.key for s in decade}) == len(decade)


def test_the_20000th_robotic_case_at_severance_is_in_june_2018(
    severance_to_2018: list[synthetic.SyntheticSurgery],
) -> None:
    robotic = sorted((s for s in severance_to_2018 if s.robotic), key=lambda s: (s.date, s.key))
    assert robotic[0].date.year == 2005 and robotic[0].date >= dt.date(2005, 7, 15)
    assert robotic[19_999].date.year == 2018 and robotic[19_999].date.month == 6
    # Through the indicator engine: the cases before 2018, then 2018's robotic-volume counts
    # month by month, cross 20,000 in June.
    before = sum(s.date.year < 2018 for s in robotic)
    records = synthetic.fact_records([s for s in severance_to_2018 if s.date.year == 2018], TODAY)
    for record in records:
        record["month"] = record["date"].month
    profile = engine.builtin_profiles()["robotic-program"]
    counts = engine.compute(profile, records, group_by=("center", "year", "month"))
    cumulative, crossed = before, None
    for key in sorted(counts):
        cumulative += int(counts[key]["robotic-volume"].value or 0)
        if crossed is None and cumulative >= 20_000:
            crossed = key[1:]
    assert crossed == (2018, 6)
    assert cumulative == len(robotic)


def test_the_robotic_program_has_platforms_by_era_conversions_and_times(
    severance_to_2018: list[synthetic.SyntheticSurgery],
) -> None:
    platforms = Counter((s.date.year, s.platform) for s in severance_to_2018)
    assert platforms[(2005, "da Vinci")] > 0
    assert platforms[(2012, "da Vinci Si")] > 0
    assert platforms[(2018, "da Vinci Xi")] > platforms[(2018, "da Vinci Si")]
    assert platforms[(2018, synthetic.PLATFORM_SP)] > 0  # from October 2018
    assert not any(
        s.platform == synthetic.PLATFORM_SP and s.date < dt.date(2018, 10, 1)
        for s in severance_to_2018
    )
    recent = [s for s in severance_to_2018 if s.date.year >= 2016]
    converted = [s for s in recent if s.converted_to]
    assert 0.005 < len(converted) / len(recent) < 0.03
    assert all(s.conversion_reason for s in converted)
    consoles = [s.console_min for s in recent if s.console_min is not None]
    dockings = [s.docking_min for s in recent if s.docking_min is not None]
    assert 60 < statistics.median(consoles) < 240 and 3 < statistics.median(dockings) < 20
    assert any(m.role == "console" for s in recent for m in s.team)


def test_about_350_ovarian_cancer_operations_a_year_at_smc(
    smc_records: list[dict[str, Any]],
) -> None:
    results = engine.compute(OVARIAN_VOLUME, smc_records)
    volumes = [results[("smc-gcc", year)]["ovarian-operations"].value for year in YEARS]
    assert all(v is not None and 320 <= v <= 380 for v in volumes), volumes
    assert 340 <= statistics.mean(v for v in volumes if v is not None) <= 360


def test_smc_passes_the_esgo_targets_and_smaller_centers_do_not(
    smc_records: list[dict[str, Any]],
) -> None:
    results = engine.compute(ESGO, smc_records)
    for year in YEARS:
        by_indicator = results[("smc-gcc", year)]
        complete = by_indicator["complete-resection"]
        assert complete.attained == "optimal", (year, complete.value)
        for indicator in ESGO.indicators:
            result = by_indicator[indicator.id]
            assert result.attained != "not_met", (year, indicator.id, result.value)
    # Some fields are left empty on purpose: completeness has something to show.
    missing = Counter()
    for year in YEARS:
        for result in results[("smc-gcc", year)].values():
            missing.update(result.missing)
    assert missing["residual"] > 0 and missing["mdt_discussed"] > 0
    dasol = engine.compute(
        ESGO,
        synthetic.fact_records(
            synthetic.generate([CENTERS["dasol-gyn"]], YEARS, today=TODAY), TODAY
        ),
    )
    assert any(
        dasol[("dasol-gyn", year)]["high-volume-surgeons"].attained == "not_met" for year in YEARS
    )


def test_ovarian_cytoreductions_look_like_a_real_series(
    smc: list[synthetic.SyntheticSurgery], smc_records: list[dict[str, Any]]
) -> None:
    first_line = [s for s in smc if s.timing in ("primary", "interval")]
    primary = sum(s.timing == "primary" for s in first_line) / len(first_line)
    assert 0.55 <= primary <= 0.65
    cycles = Counter(s.neoadjuvant_cycles for s in first_line if s.timing == "interval")
    assert cycles[3] + cycles[4] > 0.85 * sum(cycles.values())
    recorded = [s.residual_mm for s in first_line if s.residual_mm is not None]
    assert 0.6 <= sum(r == 0 for r in recorded) / len(recorded) <= 0.8
    assert len(recorded) < len(first_line)  # a few not recorded
    assert all(s.incomplete_reason for s in first_line if s.residual_mm)
    by_id = {r["id"]: r for r in smc_records}
    facts = [r for r in smc_records if r["aoc_cytoreduction"]]
    assert {r["id"] for r in facts} <= set(by_id)
    alettis = Counter(engine_category(r["aletti_score"]) for r in facts)
    assert all(alettis[c] > 0.1 * len(facts) for c in ("low", "intermediate", "high"))
    pcis = [r["pci"] for r in facts if r["pci"] is not None]
    assert 8 <= statistics.mean(pcis) <= 16 and 0.85 * len(facts) < len(pcis) < len(facts)
    major = [r["major_morbidity_30d"] for r in facts if r["major_morbidity_30d"] is not None]
    assert 0.1 <= sum(major) / len(major) <= 0.2
    assert any(r["death_90d"] for r in facts)
    chemo = [r["days_to_chemo"] for r in facts if r["days_to_chemo"] is not None]
    assert 21 <= statistics.median(chemo) <= 42 and len(chemo) < len(facts)
    assert all(c.day <= 90 for s in smc for c in s.complications)
    assert all(s.death_date is None or s.death_date >= s.date for s in smc)
    coded = Counter(p.standard_code for s in smc for p in s.procedures)
    assert coded["116144002"] > 0 and coded[""] > 0  # some mapped to SNOMED CT, some not


def engine_category(score: int | None) -> str:
    from caseway.registry.scores import aletti_category

    return "none" if score is None else aletti_category(score)


def test_surgeon_volumes_are_skewed_with_some_below_ten_a_year(
    smc: list[synthetic.SyntheticSurgery],
) -> None:
    volumes = Counter(
        (s.date.year, m.name)
        for s in smc
        if s.timing in ("primary", "interval")
        for m in s.team
        if m.role in ("primary", "console")
    )
    for year in (2016, 2025):
        counts = sorted((v for (y, _name), v in volumes.items() if y == year), reverse=True)
        assert counts[0] > 3 * counts[len(counts) // 2 + 1]
        assert counts[-1] < 10


def test_a_secondary_cytoreduction_is_an_earlier_patient(
    smc: list[synthetic.SyntheticSurgery],
) -> None:
    first_line = {s.patient.key: s.patient for s in smc if s.timing in ("primary", "interval")}
    secondary = [s for s in smc if s.timing in ("secondary", "tertiary")]
    again = [s for s in secondary if s.patient.key in first_line]
    assert len(again) > 0.5 * len(secondary)
    assert all(first_line[s.patient.key] == s.patient for s in again)


def test_the_national_plan_is_exact() -> None:
    centers = synthetic.national_centers(12)
    plan = synthetic.national_plan(centers, [2024, 2025], 5_000)
    assert sum(sum(c.values()) for c in plan.values()) == 5_000
    rows = list(synthetic.generate(centers, [2024, 2025], plan=plan))
    assert len(rows) == 5_000
    assert len({s.center for s in rows}) == 12


# --- the database path --------------------------------------------------------------------------
def _sample(world: SimpleNamespace, step: int = 1) -> dict[Any, list[synthetic.SyntheticSurgery]]:
    """A year of SMC's ovarian cancer surgery at center A, some Severance cases at center B."""
    smc_2021 = synthetic.generate_center_year(CENTERS["smc-gcc"], 2021, today=TODAY)
    severance = synthetic.generate_center_year(CENTERS["sev-rmis"], 2021, today=TODAY)
    ovarian = [s for s in smc_2021 if s.procedure_group == "ovarian_cytoreduction"]
    return {world.center_a: ovarian[::step], world.center_b: severance[:: 40 * step]}


def _write(world: SimpleNamespace, step: int = 1) -> dict[Any, list[synthetic.SyntheticSurgery]]:
    sample = _sample(world, step)
    for center, surgeries in sample.items():
        patients = synthetic.create_patients(center, synthetic.people(surgeries))
        synthetic.write_surgeries(center, surgeries, patients, sign_before=TODAY)
    return sample


def _facts() -> list[dict[str, Any]]:
    return sorted(
        (f.as_record() for f in SurgeryFacts.objects.all()), key=lambda record: record["id"]
    )


@pytest.mark.django_db
def test_bulk_writes_store_valid_records_whose_facts_refresh_to_the_same(
    world: SimpleNamespace,
) -> None:
    sample = _write(world, step=3)
    total = sum(len(surgeries) for surgeries in sample.values())
    assert Surgery.objects.count() == total == SurgeryFacts.objects.count()
    plain = [s for surgeries in sample.values() for s in surgeries]
    assert Procedure.objects.count() == sum(len(s.procedures) for s in plain)
    assert TeamMember.objects.count() == sum(len(s.team) for s in plain)
    assert Complication.objects.count() == sum(len(s.complications) for s in plain)
    for surgery in Surgery.objects.select_related("patient"):
        surgery.full_clean()  # every rule of a hand-entered record holds
        assert surgery.signed_at is not None
    for generated in plain[:50]:
        stored = Surgery.objects.get(source_key=generated.key)
        for name, value in generated.surgery_fields().items():
            assert getattr(stored, name) == value, name
        assert stored.center.code in ("center-a", "center-b")
    before = _facts()
    refresh_facts(Surgery.objects.values_list("pk", flat=True))
    assert _facts() == before
    assert AuditEvent.objects.filter(entity_type="registry.surgery", entity_id="bulk").count() == 2


@pytest.mark.django_db
def test_the_database_path_gives_the_plain_results(world: SimpleNamespace) -> None:
    sample = _write(world)
    in_database = compute_in_database(
        ESGO, SurgeryFacts.objects.filter(current=True), group_by=("center", "year")
    )
    records = []
    for center, surgeries in sample.items():
        for record in synthetic.fact_records(surgeries, timezone.localdate()):
            record["center"] = center.pk
            records.append(record)
    plain = engine.compute(ESGO, records)
    assert set(in_database) == set(plain)
    for key, by_indicator in plain.items():
        for indicator, expected in by_indicator.items():
            got = in_database[key][indicator]
            assert (got.numerator, got.denominator, got.missing, got.value) == (
                expected.numerator,
                expected.denominator,
                expected.missing,
                expected.value,
            ), (key, indicator)
    smc_2021 = in_database[(world.center_a.pk, 2021)]
    assert smc_2021["complete-resection"].attained == "optimal"
    assert smc_2021["center-volume"].value is not None and smc_2021["center-volume"].value >= 100


@pytest.mark.django_db
def test_patients_are_given_cyclically_and_must_be_of_the_center(world: SimpleNamespace) -> None:
    surgeries = _sample(world)[world.center_b][:9]
    with pytest.raises(ValueError, match="belong to center-b"):
        synthetic.write_surgeries(world.center_b, surgeries, [world.patient_a])
    report = synthetic.write_surgeries(world.center_b, surgeries, [world.patient_b])
    assert report.surgeries == 9
    assert set(Surgery.objects.values_list("patient_id", flat=True)) == {world.patient_b.pk}
