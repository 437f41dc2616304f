"""The synthetic cohort is plausible: stage spread and biomarker prevalence per cancer."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from caseway.records.synthetic import GYNECOLOGIC, cohort

TODAY = dt.date(2026, 11, 25)


def test_ovarian_patients_look_like_an_ovarian_cancer_population() -> None:
    ovarian = tuple(p for p in GYNECOLOGIC if p.icd10 == "C56.9")
    resources = list(cohort(7, 3000, "smc-gcc", TODAY, ovarian))
    stages = Counter(
        r["valueCodeableConcept"]["coding"][0]["code"]
        for r in resources
        if r["resourceType"] == "Observation" and r["id"].endswith("-s")
    )
    assert stages.most_common(1)[0][0] == "IIIC"
    advanced = sum(n for stage, n in stages.items() if stage.startswith(("III", "IV")))
    assert 0.65 < advanced / sum(stages.values()) < 0.85
    brca1 = [
        r["valueCodeableConcept"]["coding"][0]["code"]
        for r in resources
        if r["id"].endswith("-b-brca1")
    ]
    share = brca1.count("pathogenic_variant") / len(brca1)
    assert 0.10 < share < 0.18
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert {p["gender"] for p in patients} == {"female"}


def test_the_same_seed_gives_the_same_cohort() -> None:
    assert list(cohort(1, 50, "x", TODAY)) == list(cohort(1, 50, "x", TODAY))
    assert list(cohort(1, 50, "x", TODAY)) != list(cohort(2, 50, "x", TODAY))
