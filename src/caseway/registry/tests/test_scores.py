"""Derived scores against published worked examples."""

from __future__ import annotations

import pytest

from caseway.registry import scores


@pytest.mark.parametrize(
    ("grades", "expected"),
    [
        # Single complications: the index values published with the CCI (Slankamenac 2013).
        (["I"], 8.7),
        (["II"], 20.9),
        (["IIIa"], 26.2),
        (["IIIb"], 33.7),
        (["IVa"], 42.4),
        (["IVb"], 46.2),
        (["V"], 100.0),
        # Several: sqrt(sum of weights) / 2, e.g. I + II + IIIa -> sqrt(4800) / 2 = 34.6.
        (["I", "II", "IIIa"], 34.6),
        (["II", "II"], 29.6),
        (["IVb", "IVb"], 65.4),
        (["IIIbd"], 33.7),
        ([], 0.0),
    ],
)
def test_comprehensive_complication_index(grades: list[str], expected: float) -> None:
    assert scores.comprehensive_complication_index(grades) == expected


def test_cci_is_capped_at_100() -> None:
    assert scores.comprehensive_complication_index(["IVb"] * 6) == 100.0


def test_unknown_grades_are_refused() -> None:
    with pytest.raises(scores.ScoreError, match="not a Clavien-Dindo grade"):
        scores.comprehensive_complication_index(["IIIc"])


def test_major_morbidity_starts_at_iiia() -> None:
    assert [scores.is_major(g) for g in ("II", "IIIa", "IVbd", "V")] == [False, True, True, True]


def test_aletti_score_worked_examples() -> None:
    # The maximum: every procedure group of the published table scores 18.
    assert scores.aletti_score(scores.ALETTI_POINTS) == 18
    # A standard staging: hysterectomy-BSO, omentectomy, pelvic and para-aortic nodes -> 4.
    staging = [
        "hysterectomy_bso",
        "omentectomy",
        "pelvic_lymphadenectomy",
        "paraaortic_lymphadenectomy",
    ]
    assert scores.aletti_score(staging) == 4
    assert scores.aletti_category(4) == "intermediate"
    # Upper-abdominal cytoreduction: + rectosigmoidectomy (3), diaphragm (2), splenectomy (2).
    radical = [
        *staging,
        "rectosigmoidectomy_anastomosis",
        "diaphragm_stripping_resection",
        "splenectomy",
    ]
    assert scores.aletti_score(radical) == 11
    assert scores.aletti_category(11) == "high"
    assert scores.aletti_category(3) == "low"
    with pytest.raises(scores.ScoreError):
        scores.aletti_score(["appendectomy"])


def test_pci_needs_all_thirteen_regions() -> None:
    full = dict.fromkeys(range(13), 3)
    assert scores.pci_total(full) == 39
    assert scores.pci_total({**dict.fromkeys(range(13), 0), 0: 2, 9: 1}) == 3
    with pytest.raises(scores.ScoreError, match="not scored: 12"):
        scores.pci_total({r: 1 for r in range(12)})
    with pytest.raises(scores.ScoreError, match="not 0-3"):
        scores.pci_total({**full, 4: 4})


def test_cytoreduction_categories() -> None:
    assert [scores.completeness_of_cytoreduction(mm) for mm in (0, 2, 10, 30)] == [
        "CC-0",
        "CC-1",
        "CC-2",
        "CC-3",
    ]
    assert [scores.residual_category(mm) for mm in (None, 5, 10, 11)] == [
        "complete",
        "le_1cm",
        "le_1cm",
        "gt_1cm",
    ]
