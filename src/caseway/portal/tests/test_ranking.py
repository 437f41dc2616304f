"""Evidence ranking: verified evidence orders the results, declared data never does."""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterable
from datetime import date

import pytest
from django.utils import translation

from caseway.portal import ranking
from caseway.portal.ranking import (
    AccreditationFact,
    CenterFacts,
    IndicatorFact,
    Result,
    VolumeCell,
    describe,
    rank,
)
from caseway.portal.vocabulary import parse

OVARIAN_SCOPE = ("C56", "C57", "C48")


def accreditation(
    status: str = "valid",
    *,
    icd10: Iterable[str] = OVARIAN_SCOPE,
    groups: Iterable[str] = ("ovarian_cytoreduction",),
    approaches: Iterable[str] = (),
    body: str = "ESGO",
    until: date = date(2026, 10, 8),
) -> AccreditationFact:
    return AccreditationFact(
        body=body,
        name={"en": "Advanced ovarian cancer surgery", "ko": "진행성 난소암 수술"},
        icd10=frozenset(icd10),
        procedure_groups=frozenset(groups),
        approaches=frozenset(approaches),
        status=status,
        valid_until=until,
    )


def cell(
    n: int, icd10: str = "C56", group: str = "ovarian_cytoreduction", approach: str = "open"
) -> VolumeCell:
    return VolumeCell(icd10=icd10, procedure_group=group, approach=approach, count_12m=n)


def indicator(
    attained: str | None = "optimal",
    *,
    value: float | None = 0.8,
    icd10: Iterable[str] = OVARIAN_SCOPE,
) -> IndicatorFact:
    return IndicatorFact(
        name={"en": "Complete resection rate"},
        value=value,
        low=None,
        high=None,
        attained=attained,
        icd10=frozenset(icd10),
    )


def center(
    id: int,
    *,
    code: str | None = None,
    accreditations: Iterable[AccreditationFact] = (),
    volumes: Iterable[VolumeCell] = (),
    indicators: Iterable[IndicatorFact] = (),
    declared_icd10: Iterable[str] = (),
    declared_groups: Iterable[str] = (),
    languages: Iterable[str] = ("ko",),
    city: tuple[str, str] = ("Seoul", "서울"),
    name: str | None = None,
) -> CenterFacts:
    return CenterFacts(
        id=id,
        code=code or f"K{id:03d}",
        name={"en": name or f"Center {id}", "ko": f"센터 {id}"},
        institution={"en": f"Hospital {id}", "ko": f"병원 {id}"},
        city={"en": city[0], "ko": city[1]},
        languages=frozenset(languages),
        declared_icd10=frozenset(declared_icd10),
        declared_procedure_groups=frozenset(declared_groups),
        accreditations=tuple(accreditations),
        volumes=tuple(volumes),
        indicators=tuple(indicators),
    )


def ids(results: list[Result]) -> list[int]:
    return [r.center.id for r in results]


def by_id(results: list[Result]) -> dict[int, Result]:
    return {r.center.id: r for r in results}


def kinds(result: Result) -> list[str]:
    return [reason.kind for reason in result.reasons]


# --- tiers ----------------------------------------------------------------------------------------
def test_evidence_tiers() -> None:
    centers = [
        center(1, declared_icd10=["C56"]),  # says so, nothing else
        center(2, volumes=[cell(500)]),
        center(3, accreditations=[accreditation("renewal_pending")]),
        center(4, accreditations=[accreditation("valid")], volumes=[cell(20)]),
        center(5, accreditations=[accreditation("expired")], declared_icd10=["C56"]),
        center(6, accreditations=[accreditation("renewal_due")]),
        center(7, volumes=[cell(900, icd10="C61", group="urology")]),  # another condition
    ]
    results = rank(centers, parse("ovarian cancer"))
    assert ids(results) == [4, 6, 3, 2, 1, 5]
    found = by_id(results)
    assert found[6].score == ranking.ACCREDITATION_POINTS["valid"]
    assert found[3].score == ranking.ACCREDITATION_POINTS["renewal_pending"]
    assert found[5].score == 0
    assert kinds(found[5]) == ["declared"]
    assert kinds(found[1]) == ["declared"]


def test_renewal_pending_is_weaker_than_valid_and_expired_counts_nothing() -> None:
    valid, pending, expired = (
        rank([center(1, accreditations=[accreditation(status)])], parse("C56"))
        for status in ("valid", "renewal_pending", "expired")
    )
    assert valid[0].score > pending[0].score > 0
    assert expired == [], "an expired accreditation alone is no evidence"


def test_the_best_covering_accreditation_counts_once() -> None:
    two = center(1, accreditations=[accreditation("valid"), accreditation("valid", body="KGOG")])
    one = center(2, accreditations=[accreditation("valid")])
    results = by_id(rank([two, one], parse("ovarian cancer")))
    assert results[1].score == results[2].score


def test_unknown_status_counts_nothing() -> None:
    assert rank([center(1, accreditations=[accreditation("suspended")])], parse("C56")) == []


# --- volume ---------------------------------------------------------------------------------------
def test_volume_has_diminishing_returns() -> None:
    counts = {1: 9, 2: 99, 3: 999, 4: 1999}
    centers = [center(i, volumes=[cell(n)]) for i, n in counts.items()]
    points = {
        i: r.evidence_score_parts["volume"] for i, r in by_id(rank(centers, parse("C56"))).items()
    }
    assert points[1] == pytest.approx(100.0)
    assert points[2] == pytest.approx(200.0)
    assert points[3] == pytest.approx(300.0)
    assert points[4] < 2 * points[3]
    assert points[4] - points[3] < points[3] - points[2]


def test_volume_cells_must_match_every_kind_the_query_names() -> None:
    facts = center(
        1,
        volumes=[
            cell(40, "C61", "urology", "robotic_multiport"),
            cell(2, "C61", "urology", "robotic_single_port"),
            cell(500, "C61", "urology", "open"),
            cell(300, "C64", "urology", "robotic_multiport"),
            cell(7, "C61", "other", "robotic_multiport"),
            cell(0, "C61", "urology", "robotic_multiport"),
            cell(-5, "C61", "urology", "robotic_multiport"),
        ],
    )
    [result] = rank([facts], parse("robotic prostatectomy"))
    assert result.reasons[0].data["count"] == 42
    [result] = rank([facts], parse("prostate cancer"))
    assert result.reasons[0].data["count"] == 549
    [result] = rank([facts], parse("단일공 전립선절제술"))
    assert result.reasons[0].data["count"] == 2


@pytest.mark.parametrize(
    ("query", "scope", "cell_code"),
    [("C56", "C56.9", "C56"), ("c56.9", "C56", "C56"), ("ovarian cancer", "C57", "C48")],
)
def test_codes_match_by_prefix_either_way(query: str, scope: str, cell_code: str) -> None:
    facts = center(1, accreditations=[accreditation(icd10=[scope])], volumes=[cell(9, cell_code)])
    [result] = rank([facts], parse(query))
    assert result.evidence_score_parts["accreditation"] == 1000
    assert result.evidence_score_parts["volume"] == pytest.approx(100)


def test_a_code_does_not_match_its_neighbours() -> None:
    facts = center(1, accreditations=[accreditation(icd10=["C57"])], volumes=[cell(9, "C57")])
    assert rank([facts], parse("C56")) == []


# --- what an accreditation covers -----------------------------------------------------------------
def test_an_accreditation_must_name_what_is_asked() -> None:
    facts = center(1, accreditations=[accreditation()])
    assert rank([facts], parse("hysterectomy")) == [], "another procedure group"
    assert rank([facts], parse("prostate cancer")) == [], "another condition"
    assert rank([facts], parse("robotic surgery")) == [], "it says nothing about robots"
    assert rank([facts], parse("cytoreduction"))[0].score == 1000


def test_an_approach_must_be_shown_by_evidence() -> None:
    centers = [
        center(1, accreditations=[accreditation()]),  # ovarian, no robotic operations
        center(
            2, accreditations=[accreditation()], volumes=[cell(5, approach="robotic_multiport")]
        ),
        center(3, declared_icd10=["C56"], volumes=[cell(80, approach="open")]),
        center(
            4,
            accreditations=[
                accreditation(icd10=[], groups=[], approaches=["robotic_multiport"], body="SRS")
            ],
        ),
        center(5, accreditations=[accreditation(approaches=["open"])]),
    ]
    results = rank(centers, parse("robotic surgery for ovarian cancer"))
    assert ids(results) == [2, 4]
    assert by_id(results)[2].score == pytest.approx(1000 + 100 * math.log10(6))


# --- indicators -----------------------------------------------------------------------------------
def test_indicators_meeting_their_target() -> None:
    facts = center(
        1,
        indicators=[
            indicator("optimal"),
            indicator("minimum"),
            indicator(None),  # published, missed
            indicator("optimal", value=None),  # no data: not published
            indicator("optimal", icd10=["C50"]),  # about another condition
        ],
    )
    [result] = rank([facts], parse("ovarian cancer"))
    assert result.evidence_score_parts["indicators"] == 30
    assert result.reasons[0].kind == "indicators"
    assert result.reasons[0].data["published"] == 3
    assert result.reasons[0].data["attained"] == 2


def test_indicator_points_are_capped() -> None:
    facts = center(1, indicators=[indicator("optimal") for _ in range(12)])
    [result] = rank([facts], parse("C56"))
    assert result.evidence_score_parts["indicators"] == ranking.INDICATOR_CAP


def test_indicators_need_a_condition_in_the_query() -> None:
    facts = center(
        1, volumes=[cell(9, "C54", "gyn_oncology")], indicators=[indicator(icd10=["C54"])]
    )
    [result] = rank([facts], parse("hysterectomy"))
    assert result.evidence_score_parts["indicators"] == 0
    [result] = rank([facts], parse("endometrial cancer hysterectomy"))
    assert result.evidence_score_parts["indicators"] == 20


# --- declared data never changes a score ----------------------------------------------------------
def evidence_centers() -> list[CenterFacts]:
    rng = random.Random(6)
    centers = []
    for i in range(1, 41):
        statuses = rng.sample(["valid", "renewal_due", "renewal_pending", "expired"], k=2)
        centers.append(
            center(
                i,
                code=f"K{rng.randint(0, 9999):04d}",
                accreditations=[accreditation(s) for s in statuses[: rng.randint(0, 2)]],
                volumes=[
                    cell(
                        rng.randint(0, 400),
                        rng.choice(["C56", "C61", "C53", "C54"]),
                        rng.choice(["ovarian_cytoreduction", "urology", "gyn_oncology"]),
                        rng.choice(["open", "laparoscopic", "robotic_multiport"]),
                    )
                    for _ in range(rng.randint(0, 6))
                ],
                indicators=[
                    indicator(rng.choice(["optimal", "minimum", None]))
                    for _ in range(rng.randint(0, 4))
                ],
            )
        )
    return centers


QUERIES = ["ovarian cancer", "C61", "robotic prostatectomy", "hysterectomy", "cervical cancer", ""]


@pytest.mark.parametrize("text", QUERIES)
def test_declared_data_never_changes_a_score_or_the_order_of_evidence(text: str) -> None:
    query = parse(text)
    base = evidence_centers()
    before = rank(base, query, limit=1000)
    scores = {r.center.id: r.score for r in before}
    rng = random.Random(text)
    codes = ["C56", "C61", "C53", "C54", "C50", "C16", "C"]
    groups = ["ovarian_cytoreduction", "urology", "gyn_oncology", "cardiac"]
    for _ in range(60):
        changed = [
            dataclasses.replace(
                c,
                declared_icd10=frozenset(rng.sample(codes, k=rng.randint(0, len(codes)))),
                declared_procedure_groups=frozenset(rng.sample(groups, k=rng.randint(0, 4))),
                name={"en": rng.choice(["Best robotic center", "No. 1 in Korea", c.name["en"]])},
                institution={"en": "World-class hospital"},
            )
            for c in base
        ]
        after = rank(changed, query, limit=1000)
        with_evidence = [r for r in after if r.reasons[0].kind not in ("declared", "listed")]
        assert {r.center.id: r.score for r in with_evidence} == {
            i: s for i, s in scores.items() if i in {r.center.id for r in with_evidence}
        }
        assert ids(with_evidence) == [i for i in ids(before) if i in set(ids(with_evidence))]
        assert {r.center.id for r in with_evidence} == {
            r.center.id for r in before if r.reasons[0].kind not in ("declared", "listed")
        }
        evidence_first = [r.reasons[0].kind not in ("declared", "listed") for r in after]
        assert evidence_first == sorted(evidence_first, reverse=True)


def test_a_declared_only_center_never_outranks_evidence() -> None:
    centers = [
        center(1, code="A0001", declared_icd10=["C56", "C57", "C48"], name="Best ovarian center"),
        center(2, code="Z9999", indicators=[indicator(None)]),  # published, none met: score 0
        center(3, code="Z9998", volumes=[cell(1)]),
    ]
    results = rank(centers, parse("ovarian cancer"))
    assert ids(results) == [3, 2, 1]
    assert by_id(results)[2].score == by_id(results)[1].score == 0


def test_a_promotional_name_changes_nothing() -> None:
    plain = [center(1, volumes=[cell(50)]), center(2, volumes=[cell(60)])]
    loud = [plain[0], dataclasses.replace(plain[1], name={"en": "Best robotic center"})]
    assert [(r.center.id, r.score) for r in rank(plain, parse("C56"))] == [
        (r.center.id, r.score) for r in rank(loud, parse("C56"))
    ]


def test_ties_break_by_code_not_by_input_order() -> None:
    centers = [
        center(i, code=code, volumes=[cell(10)]) for i, code in [(1, "K3"), (2, "K1"), (3, "K2")]
    ]
    assert ids(rank(centers, parse("C56"))) == [2, 3, 1]
    assert ids(rank(list(reversed(centers)), parse("C56"))) == [2, 3, 1]


# --- filters and listing --------------------------------------------------------------------------
def test_filters_only_include_or_exclude() -> None:
    centers = [
        center(1, volumes=[cell(10)], languages=["ko", "en"], city=("Seoul", "서울")),
        center(2, volumes=[cell(200)], languages=["ko", "ru"], city=("Busan", "부산")),
        center(3, volumes=[cell(30)], languages=["ru"], city=("Seoul", "서울")),
    ]
    query = parse("ovarian cancer")
    everyone = by_id(rank(centers, query))
    assert ids(rank(centers, query, language_spoken="ru")) == [2, 3]
    assert ids(rank(centers, query, language_spoken="RU-ru")) == [2, 3]
    assert ids(rank(centers, query, city=" seoul ")) == [3, 1]
    assert ids(rank(centers, query, city="서울")) == [3, 1]
    assert ids(rank(centers, query, city="서울", language_spoken="en")) == [1]
    assert rank(centers, query, city="Daegu") == []
    assert ids(rank(centers, query, city="", language_spoken=" ")) == [2, 3, 1]
    for result in rank(centers, query, language_spoken="ru", city="Seoul"):
        assert result.score == everyone[result.center.id].score


def test_without_terms_every_center_is_listed_by_its_evidence() -> None:
    centers = [
        center(1),
        center(2, volumes=[cell(5, "C61", "urology")]),
        center(3, accreditations=[accreditation()]),
        center(4, city=("Busan", "부산")),
    ]
    results = rank(centers, parse(""))
    assert ids(results) == [3, 2, 1, 4]
    assert kinds(by_id(results)[1]) == ["listed"]
    assert ids(rank(centers, parse("xyzzy"))) == ids(results), "nothing understood: no terms"
    assert ids(rank(centers, parse(""), city="Busan")) == [4]


def test_limit() -> None:
    centers = [center(i, volumes=[cell(i)]) for i in range(1, 11)]
    assert ids(rank(centers, parse("C56"), limit=3)) == [10, 9, 8]
    assert rank(centers, parse("C56"), limit=0) == []


# --- reasons --------------------------------------------------------------------------------------
def test_at_most_two_reasons_strongest_first() -> None:
    everything = center(
        1,
        accreditations=[accreditation()],
        volumes=[cell(312)],
        indicators=[indicator() for _ in range(3)],
    )
    # 2 operations: 100 * log10(3) = 47.7 points, under 3 indicators at 20 each.
    small = center(2, volumes=[cell(2)], indicators=[indicator() for _ in range(3)])
    results = by_id(rank([everything, small], parse("ovarian cancer")))
    assert kinds(results[1]) == ["accreditation", "volume"]
    assert kinds(results[2]) == ["indicators", "volume"]


def test_describe_in_english() -> None:
    rich = center(
        1,
        accreditations=[accreditation()],
        volumes=[cell(312)],
        indicators=[indicator() for _ in range(3)],
    )
    pending = center(2, accreditations=[accreditation("renewal_pending", until=date(2025, 1, 31))])
    only_indicators = center(3, indicators=[indicator(), indicator(), indicator(None)])
    declared = center(4, declared_icd10=["C56"])
    results = by_id(rank([rich, pending, only_indicators, declared], parse("난소암")))
    assert describe(results[1], "en") == [
        "ESGO-accredited: Advanced ovarian cancer surgery (valid until 2026-10-08)",
        "312 operations for ovarian cancer in the last 12 months (registry)",
    ]
    assert describe(results[2], "en") == [
        "ESGO: Advanced ovarian cancer surgery (expired on 2025-01-31; renewal submitted)"
    ]
    assert describe(results[3], "en") == [
        "Publishes 3 quality indicators for ovarian cancer, 2 meeting their target"
    ]
    assert describe(results[4], "en") == ["Says it treats ovarian cancer; no registry evidence yet"]


def test_describe_names_the_approach_codes_and_singulars() -> None:
    facts = center(1, volumes=[cell(1, "C61", "urology", "robotic_multiport")])
    [result] = rank([facts], parse("robotic prostatectomy"))
    assert describe(result, "en") == [
        "1 operation for prostatectomy (robotic surgery) in the last 12 months (registry)"
    ]
    [result] = rank([facts], parse("C61"))
    assert describe(result, "en") == ["1 operation for C61 in the last 12 months (registry)"]
    result = rank([facts, center(2)], parse(""))[0]
    assert describe(result, "en") == ["1 operation in the last 12 months (registry)"]
    assert describe(rank([center(2)], parse(""))[0], "en") == ["No registry evidence yet"]


def test_describe_in_korean_keeps_its_structure() -> None:
    facts = center(1, accreditations=[accreditation()], volumes=[cell(312)])
    [result] = rank([facts], parse("ovarian cancer"))
    with translation.override("en"):
        lines = describe(result, "ko")
        assert translation.get_language() == "en", "describe leaves the active language alone"
    assert len(lines) == 2
    assert all(isinstance(line, str) and line for line in lines)
    assert "진행성 난소암 수술" in lines[0] and "2026-10-08" in lines[0]
    assert "312" in lines[1] and "난소암" in lines[1]
    with translation.override("ko"):
        assert describe(result, "ko") == lines


def test_describe_falls_back_to_english_names() -> None:
    facts = center(1, accreditations=[accreditation()])
    [result] = rank([facts], parse("ovarian cancer"))
    assert "Advanced ovarian cancer surgery" in describe(result, "mn")[0]
