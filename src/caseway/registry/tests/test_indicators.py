"""The indicator engine on plain records: rates, intervals, targets, completeness, groups."""

from __future__ import annotations

from typing import Any

import pytest

from caseway.registry import indicators as engine


def test_wilson_interval_matches_published_values() -> None:
    # Newcombe (1998), method 3: 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605.
    assert tuple(round(x, 4) for x in engine.wilson(81, 263)) == (0.2553, 0.3662)
    assert tuple(round(x, 4) for x in engine.wilson(15, 148)) == (0.0624, 0.1605)
    assert engine.wilson(0, 0) == (0.0, 0.0)


def record(n: int, **fields: Any) -> dict[str, Any]:
    base = {
        "id": n,
        "center": "gcc",
        "year": 2025,
        "aoc_cytoreduction": True,
        "aoc_surgery": True,
        "timing": "primary",
        "residual": "complete",
        "primary_surgeon": "s1",
        "primary_surgeon_specialty": "gyn_onc",
        "in_trial": False,
        "mdt_discussed": True,
        "preop_workup_complete": True,
        "operative_report_complete": True,
        "pathology_report_complete": True,
        "complications_prospective": True,
    }
    base.update(fields)
    return base


def test_the_esgo_profile_on_a_small_center() -> None:
    profile = engine.builtin_profiles()["esgo-aoc-2016"]
    records = [record(n) for n in range(14)]
    records += [record(100 + n, residual="le_1cm", timing="interval") for n in range(5)]
    records.append(record(200, residual=None))  # not recorded: reported, not counted
    records.append(record(300, aoc_cytoreduction=False, aoc_surgery=False))  # not counted
    # A secondary cytoreduction counts for volumes (QI 2), not for the first-line rates (QI 1).
    records.append(record(400, aoc_cytoreduction=False, timing="secondary"))
    results = engine.compute(profile, records)[("gcc", 2025)]
    complete = results["complete-resection"]
    assert (complete.numerator, complete.denominator) == (14, 19)
    assert complete.missing == {"residual": 1}
    assert complete.completeness == pytest.approx(19 / 20)
    assert complete.value == pytest.approx(14 / 19)
    assert complete.attained == "optimal" and complete.points == 5
    assert results["upfront-surgery"].value == pytest.approx(15 / 20)
    volume = results["center-volume"]
    assert (volume.value, volume.attained, volume.points) == (21.0, "minimum", 1)
    assert results["high-volume-surgeons"].value == 1.0  # s1 did 21 this year
    trials = results["clinical-trials"]
    assert trials.attained == "not_met" and trials.target_configurable


def test_lower_is_better_and_medians() -> None:
    profile = engine.builtin_profiles()["local-outcomes"]
    records = [
        {
            "id": n,
            "center": "c",
            "year": 2025,
            "death_30d": n == 0,
            "death_90d": n < 2,
            "major_morbidity_30d": n < 3,
            "days_to_chemo": 20 + n,
        }
        for n in range(50)
    ]
    results = engine.compute(profile, records)[("c", 2025)]
    assert results["mortality-30d"].value == pytest.approx(0.02)
    assert results["mortality-30d"].attained == "target"
    assert results["mortality-90d"].attained == "target"
    assert results["time-to-chemotherapy"].value == 44.5
    assert results["time-to-chemotherapy"].attained == "not_met"


def test_groups_by_surgeon_and_keeps_the_cases_behind_a_number() -> None:
    profile = engine.builtin_profiles()["esgo-aoc-2016"]
    records = [record(n, primary_surgeon="a" if n % 2 else "b") for n in range(10)]
    by_surgeon = engine.compute(profile, records, ("primary_surgeon",), keep_cases=True)
    assert sorted(by_surgeon[("a",)]["complete-resection"].cases) == [1, 3, 5, 7, 9]


def test_a_broken_profile_is_named() -> None:
    with pytest.raises(engine.ProfileError, match="x/y: unknown operator"):
        engine.load_profile(
            {
                "id": "x",
                "version": "1",
                "name": {},
                "indicators": [
                    {
                        "id": "y",
                        "name": {},
                        "kind": "rate",
                        "population": [{"field": "a", "op": "like"}],
                    }
                ],
            }
        )
