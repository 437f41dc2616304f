"""Volumes and milestones on plain rows, and milestones located from counts (the SQL path)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest

from caseway.registry import volumes
from caseway.registry.volumes import Milestone


def test_annual_volumes_by_center_procedure_group_and_approach() -> None:
    rows = [
        {"center": "A", "year": 2024, "procedure_group": "urology", "approach": "robotic"},
        {"center": "A", "year": 2024, "procedure_group": "urology", "approach": "robotic"},
        {"center": "A", "year": 2025, "procedure_group": "urology", "approach": "robotic"},
        {"center": "A", "year": 2025, "procedure_group": "urology", "approach": "open"},
        {"center": "B", "year": 2023, "procedure_group": "thoracic", "approach": None},
    ]
    table = volumes.annual_volumes(rows)
    assert table == {
        ("A", "urology", "open"): {2025: 1},
        ("A", "urology", "robotic"): {2024: 2, 2025: 1},
        ("B", "thoracic", None): {2023: 1},
    }
    assert volumes.annual_volumes(rows, by=("center",)) == {
        ("A",): {2024: 2, 2025: 2},
        ("B",): {2023: 1},
    }
    assert volumes.annual_volumes(rows, by=()) == {(): {2023: 1, 2024: 2, 2025: 2}}
    assert volumes.totals_by_year(table) == {2023: 1, 2024: 2, 2025: 2}


def series(days: int = 1200, seed: int = 7) -> list[dict[str, Any]]:
    """Synthetic operations: 5 to 29 a day over ~3 years at two centers, ids shuffled so that
    the order within a day is decided by id, not by position in the list."""
    rng = random.Random(seed)
    start = dt.date(2021, 1, 1)
    rows = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for _ in range(5 + offset % 25):
            rows.append({"date": day, "year": day.year, "center": rng.choice("AB")})
    ids = list(range(1, len(rows) + 1))
    rng.shuffle(ids)
    for row, surgery_id in zip(rows, ids, strict=True):
        row["id"] = surgery_id
    rng.shuffle(rows)
    return rows


def brute_force(rows: list[dict[str, Any]], thresholds: tuple[int, ...]) -> list[Milestone]:
    ordered = sorted(rows, key=lambda r: (r["date"], r["id"]))
    return [
        Milestone(t, ordered[t - 1]["date"], ordered[t - 1]["id"])
        for t in thresholds
        if t <= len(ordered)
    ]


def test_the_20000th_case_and_other_milestones() -> None:
    rows = series()
    thresholds = (1, 1_000, 5_000, 10_000, 20_000, 50_000)
    found = volumes.milestones(rows, thresholds)
    assert found == brute_force(rows, thresholds)
    assert [m.number for m in found] == [1, 1_000, 5_000, 10_000, 20_000]  # 20,400 in all
    # by hand: day k has 5 + k % 25 operations, 425 per 25 days. Days 0-1174 (47 cycles)
    # hold 19,975; days 1175-1177 add 5 + 6 + 7 = 18 (19,993); day 1178 adds 8 (20,001): the
    # 20,000th operation is the 7th of day 1178.
    assert found[-1].date == dt.date(2021, 1, 1) + dt.timedelta(days=1178)
    day_ids = sorted(r["id"] for r in rows if r["date"] == found[-1].date)
    assert found[-1].surgery_id == day_ids[6]
    assert volumes.milestones(rows, ()) == []
    assert volumes.milestones([], (1,)) == []


def test_ties_within_a_day_go_by_surgery_id() -> None:
    day = dt.date(2024, 5, 2)
    rows = [{"date": day, "id": 30}, {"date": day, "id": 10}, {"date": day, "id": 20}]
    rows.insert(0, {"date": dt.date(2024, 5, 1), "id": 99})
    found = volumes.milestones(rows, (1, 2, 3, 4))
    assert [(m.number, m.surgery_id) for m in found] == [(1, 99), (2, 10), (3, 20), (4, 30)]


def test_milestones_by_center() -> None:
    rows = series(days=400)
    thresholds = (100, 2_000, 3_000)
    by_center = volumes.milestones_by(rows, "center", thresholds)
    assert set(by_center) == {"A", "B"}
    for center, found in by_center.items():
        assert found == brute_force([r for r in rows if r["center"] == center], thresholds)


def test_cumulative_counts_by_date() -> None:
    rows = series(days=30)
    cumulative = volumes.cumulative_by_date(rows)
    assert cumulative[0] == (dt.date(2021, 1, 1), 5)
    assert cumulative[1] == (dt.date(2021, 1, 2), 11)
    assert cumulative[-1][1] == len(rows)
    assert [d for d, _ in cumulative] == sorted(d for d, _ in cumulative)


def test_crossing_of_ordered_counts() -> None:
    counts = [(2020, 10), (2021, 0), (2022, 5)]
    assert volumes.crossing(counts, 10) == volumes.Crossing(2020, 10, 0)
    assert volumes.crossing(counts, 11) == volumes.Crossing(2022, 1, 10)
    assert volumes.crossing(counts, 15) == volumes.Crossing(2022, 5, 10)
    assert volumes.crossing(counts, 16) is None
    with pytest.raises(ValueError):
        volumes.crossing(counts, 0)


def test_locate_milestones_from_counts_reads_only_the_years_and_days_it_needs() -> None:
    rows = series()
    years = sorted(Counter(r["year"] for r in rows).items())
    asked_years: list[int] = []
    asked_days: list[dt.date] = []

    def days_of_year(year: int) -> list[tuple[dt.date, int]]:
        asked_years.append(year)
        return sorted(Counter(r["date"] for r in rows if r["year"] == year).items())

    def ids_on_day(day: dt.date) -> list[int]:
        asked_days.append(day)
        return sorted(r["id"] for r in rows if r["date"] == day)

    thresholds = (1_000, 5_000, 10_000, 20_000, 50_000)
    found = volumes.locate_milestones(years, days_of_year, ids_on_day, thresholds)
    assert found == volumes.milestones(rows, thresholds)
    assert len(asked_days) == 4  # one day per milestone reached
    assert len(asked_years) == len(set(asked_years)) <= 3  # each year's days loaded once


def test_locate_milestones_refuses_inconsistent_counts() -> None:
    with pytest.raises(ValueError):
        volumes.locate_milestones(
            [(2024, 10)], lambda _y: [(dt.date(2024, 1, 1), 3)], lambda _d: [1, 2, 3], (5,)
        )
