"""Derived surgical scores, computed from recorded facts and never typed (plain Python).

* Peritoneal Cancer Index (Jacquet & Sugarbaker): 13 regions (0-12), lesion size 0-3 each,
  total 0-39.
* Comprehensive Complication Index (Slankamenac 2013): sqrt(sum of grade weights) / 2, capped at
  100; any grade V gives 100.
* Aletti surgical complexity score (Am J Obstet Gynecol 2007;197:676): points per procedure,
  total 1-18; low <= 3, intermediate 4-7, high >= 8.
* Completeness of cytoreduction (Sugarbaker CC score) and the residual-disease category from the
  largest residual nodule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

PCI_REGIONS = tuple(range(13))

#: Clavien-Dindo grade -> CCI weight. The "d" suffix (present at discharge) keeps the grade.
CCI_WEIGHTS = {"I": 300, "II": 1750, "IIIa": 2750, "IIIb": 4550, "IVa": 7200, "IVb": 8550}
CLAVIEN_DINDO = ("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V")
MAJOR_FROM = "IIIa"

#: Aletti procedure groups and their points. A procedure counts once per operation.
ALETTI_POINTS = {
    "hysterectomy_bso": 1,
    "omentectomy": 1,
    "pelvic_lymphadenectomy": 1,
    "paraaortic_lymphadenectomy": 1,
    "pelvic_peritoneum_stripping": 1,
    "abdominal_peritoneum_stripping": 1,
    "rectosigmoidectomy_anastomosis": 3,
    "large_bowel_resection": 2,
    "diaphragm_stripping_resection": 2,
    "splenectomy": 2,
    "liver_resection": 2,
    "small_bowel_resection": 1,
}


class ScoreError(ValueError):
    """Input that a score cannot be computed from; the message says which."""


def pci_total(regions: Mapping[Any, int]) -> int:
    """Sum of the 13 lesion-size scores; every region must be scored 0-3."""
    total = 0
    seen = set()
    for region, score in regions.items():
        number = int(region)
        if number not in PCI_REGIONS:
            raise ScoreError(f"PCI region {region} does not exist (0-12).")
        if score not in (0, 1, 2, 3):
            raise ScoreError(f"PCI region {region}: lesion size {score} is not 0-3.")
        seen.add(number)
        total += score
    missing = sorted(set(PCI_REGIONS) - seen)
    if missing:
        raise ScoreError(f"PCI regions not scored: {', '.join(map(str, missing))}.")
    return total


def clavien_dindo_base(grade: str) -> str:
    """The grade without the 'd' (disability at discharge) suffix, validated."""
    base = grade[:-1] if grade.endswith("d") and grade != "d" else grade
    if base not in CLAVIEN_DINDO:
        raise ScoreError(
            f"{grade!r} is not a Clavien-Dindo grade (I, II, IIIa, IIIb, IVa, IVb, V; "
            "optionally with d)."
        )
    return base


def is_major(grade: str) -> bool:
    """Clavien-Dindo IIIa or worse."""
    return CLAVIEN_DINDO.index(clavien_dindo_base(grade)) >= CLAVIEN_DINDO.index(MAJOR_FROM)


def comprehensive_complication_index(grades: Iterable[str]) -> float:
    """CCI from every complication of one operation (one grade each); 0 when there are none."""
    total = 0
    for grade in grades:
        base = clavien_dindo_base(grade)
        if base == "V":
            return 100.0
        total += CCI_WEIGHTS[base]
    return round(min(100.0, math.sqrt(total) / 2), 1)


def aletti_score(procedures: Iterable[str]) -> int:
    """Aletti surgical complexity score from the Aletti groups of the procedures performed."""
    groups = set(procedures)
    unknown = sorted(groups - set(ALETTI_POINTS))
    if unknown:
        raise ScoreError(f"Not an Aletti procedure group: {', '.join(unknown)}.")
    return sum(ALETTI_POINTS[group] for group in groups)


def aletti_category(score: int) -> str:
    if score <= 3:
        return "low"
    if score <= 7:
        return "intermediate"
    return "high"


def completeness_of_cytoreduction(largest_residual_mm: float | None) -> str:
    """Sugarbaker CC score from the largest residual nodule (None or 0: no residual disease)."""
    if not largest_residual_mm:
        return "CC-0"
    if largest_residual_mm < 2.5:
        return "CC-1"
    if largest_residual_mm <= 25:
        return "CC-2"
    return "CC-3"


def residual_category(largest_residual_mm: float | None) -> str:
    """Complete (no gross residual), up to 1 cm, or over 1 cm."""
    if not largest_residual_mm:
        return "complete"
    return "le_1cm" if largest_residual_mm <= 10 else "gt_1cm"


def days_between(start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days
