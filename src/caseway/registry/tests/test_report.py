"""The accreditation report: context (trends, eligibility, points, missing data, local targets,
the cases behind the numbers), its two templates, and the PDF with a Korean font."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from caseway.registry import indicators as engine
from caseway.registry import pdf, report
from caseway.registry.report import EXCLUDED_MISSING, IN_DENOMINATOR, IN_NUMERATOR

ESGO = engine.builtin_profiles()["esgo-aoc-2016"]
ROBOTIC = engine.builtin_profiles()["robotic-program"]
GENERATED = dt.date(2026, 1, 15)


def surgery(n: int, year: int, **fields: Any) -> dict[str, Any]:
    """An engine record as ``SurgeryFacts.as_record()`` gives it, all ESGO items in order."""
    record = {
        "id": n,
        "center": 1,
        "year": year,
        "date": dt.date(year, 1 + n % 12, 1 + n % 28),
        "current": True,
        "aoc_cytoreduction": True,
        "aoc_surgery": True,
        "timing": "primary",
        "residual": "complete",
        "primary_surgeon": "Surgeon One",
        "primary_surgeon_specialty": "gyn_onc",
        "in_trial": False,
        "mdt_discussed": True,
        "preop_workup_complete": True,
        "operative_report_complete": True,
        "pathology_report_complete": True,
        "complications_prospective": True,
        "robotic": False,
        "converted": False,
        "proctored": False,
    }
    record.update(fields)
    return record


def year_of(
    year: int, total: int, complete: int, start: int, **fields: Any
) -> list[dict[str, Any]]:
    """``total`` cytoreductions in ``year``, the first ``complete`` of them complete."""
    return [
        surgery(
            start + i,
            year,
            residual="complete" if i < complete else "le_1cm",
            **fields,
        )
        for i in range(total)
    ]


def center_records() -> list[dict[str, Any]]:
    """2023: 30/60 complete; 2024: 40/60; 2025: 72/80 with 5 residuals not recorded, 1 voided
    surgery, and 3 operations outside every ESGO population."""
    records = year_of(2023, 60, 30, 1000) + year_of(2024, 60, 40, 2000)
    records += year_of(2025, 80, 72, 3000)
    records += [surgery(3100 + i, 2025, residual=None) for i in range(5)]
    records.append(surgery(3200, 2025, current=False))  # superseded by an amendment
    records += [
        surgery(3300 + i, 2025, aoc_cytoreduction=False, aoc_surgery=False) for i in range(3)
    ]
    records.append(surgery(900, 2021))  # before the years of the report: ignored
    return records


def build(records: list[dict[str, Any]], **kwargs: Any) -> report.Report:
    kwargs.setdefault("generated_on", GENERATED)
    return report.build_report(ESGO, records, 2025, kwargs.pop("language", "en"), **kwargs)


def section(rep: report.Report, indicator: str) -> report.Section:
    return next(s for s in rep.sections if s.id == indicator)


# --- context --------------------------------------------------------------------------------------
def test_report_years_cover_the_trend_and_every_eligibility_check() -> None:
    assert report.report_years(ESGO, 2025) == (2023, 2024, 2025)
    longer = engine.load_profile(
        {
            "id": "p",
            "version": "1",
            "name": {"en": "P"},
            "indicators": [{"id": "v", "name": {"en": "V"}, "kind": "count", "population": []}],
            "eligibility": [
                {"id": "e", "name": {"en": "E"}, "indicator": "v", "min": 1, "years": 5}
            ],
        }
    )
    assert report.report_years(longer, 2025) == (2021, 2022, 2023, 2024, 2025)


def test_per_year_results_and_a_clear_improving_trend() -> None:
    rep = build(center_records())
    assert rep.years == (2023, 2024, 2025)
    resection = section(rep, "complete-resection")
    assert [(y.year, y.numerator, y.denominator) for y in resection.years] == [
        (2023, 30, 60),
        (2024, 40, 60),
        (2025, 72, 80),
    ]
    assert resection.current.value_text == "90.0%"
    assert resection.current.attained == "optimal" and resection.current.points == 5
    assert resection.years[0].attained == "not_met"  # 50% is not > 50%
    assert resection.target_text == "optimal > 65%; minimum > 50%"
    trend = resection.trend
    assert (trend.direction, trend.judgement, trend.clear) == ("up", "better", True)
    assert trend.change_text == "+40.0 percentage points since 2023"
    assert trend.label == "improving"


def test_a_small_change_is_within_chance_and_lower_is_better_reads_as_worse() -> None:
    outcomes = engine.builtin_profiles()["local-outcomes"]
    records = [
        {"id": n, "center": 1, "year": year, "date": dt.date(year, 3, 1), "death_30d": n % 50 < k}
        for year, k in ((2023, 1), (2024, 1), (2025, 2))
        for n in range(year * 1000, year * 1000 + 100)
    ]
    rep = report.build_report(outcomes, records, 2025, "en", generated_on=GENERATED)
    mortality = section(rep, "mortality-30d")
    assert [y.value_text for y in mortality.years] == ["2.0%", "2.0%", "4.0%"]
    trend = mortality.trend
    assert (trend.direction, trend.judgement, trend.clear) == ("up", "worse", False)
    assert "within chance" in trend.label
    flat = section(rep, "mortality-90d").trend  # no data in any year
    assert flat.direction is None and flat.label == "not enough years with data"


def test_eligibility_passes_with_20_or_more_in_each_of_3_years() -> None:
    rep = build(center_records())
    (check,) = rep.eligibility
    assert check.id == "annual-cytoreductions"
    assert [(y.year, y.value, y.passed) for y in check.years] == [
        (2023, 60.0, True),
        (2024, 60.0, True),
        (2025, 85.0, True),  # the 5 without a recorded residual are still cytoreductions
    ]
    assert check.passed and rep.eligible is True
    assert check.rule_text == "≥ 20 in each of the last 3 calendar years"


def test_eligibility_fails_when_one_year_is_short_or_empty() -> None:
    records = year_of(2023, 25, 20, 1000) + year_of(2024, 19, 15, 2000)
    records += year_of(2025, 30, 25, 3000)
    rep = build(records)
    (check,) = rep.eligibility
    assert [y.passed for y in check.years] == [True, False, True]
    assert not check.passed and rep.eligible is False
    no_2023 = build(year_of(2024, 30, 25, 2000) + year_of(2025, 30, 25, 3000))
    first_year = no_2023.eligibility[0].years[0]
    assert (first_year.value, first_year.passed) == (0.0, False)


def test_a_profile_without_checks_has_no_eligibility_verdict() -> None:
    outcomes = engine.builtin_profiles()["local-outcomes"]
    rep = report.build_report(outcomes, [], 2025, "en", generated_on=GENERATED)
    assert rep.eligibility == () and rep.eligible is None


def test_configurable_targets_are_marked_local() -> None:
    rep = build(center_records())
    assert section(rep, "clinical-trials").configurable
    assert section(rep, "clinical-trials").note == (
        "ESGO requires participation; the share is set locally."
    )
    assert not section(rep, "complete-resection").configurable
    assert rep.configurable_targets == 4
    robotic = report.build_report(ROBOTIC, [], 2025, "en", generated_on=GENERATED)
    (check,) = robotic.eligibility
    assert check.configurable and not check.passed


def test_missing_data_shows_completeness_and_counts() -> None:
    rep = build(center_records())
    current = section(rep, "complete-resection").current
    assert current.missing_total == 5
    assert [(m.field, m.label, m.count) for m in current.missing] == [
        ("residual", "residual disease", 5)
    ]
    assert current.completeness == pytest.approx(80 / 85)
    assert current.completeness_text == "94.1%"
    assert section(rep, "upfront-surgery").current.missing_total == 0


def test_points_per_year_and_on_published_targets() -> None:
    rep = build(center_records())
    now = rep.current_points
    by_id = {s.id: s.current.points for s in rep.sections}
    assert now.points == sum(by_id.values())
    local = {s.id for s in rep.sections if s.configurable}
    assert now.published_points == sum(p for i, p in by_id.items() if i not in local)
    # ESGO 2016: resection 5, upfront 3, volume 5, surgeon rule 3, gynecologic oncologist 3,
    # trials 3, operative and pathology reports 3 each, prospective complications 3; the MDT
    # and work-up indicators have no verified points.
    assert rep.max_points == 5 + 3 + 5 + 3 + 3 + 3 + 3 + 3 + 3
    assert [p.year for p in rep.points] == [2023, 2024, 2025]


def test_the_case_list_recounts_to_every_number() -> None:
    records = center_records()
    rep = build(records, identifiers={r["id"]: f"MRN-{r['id']}" for r in records})
    assert rep.show_mrn
    listed = {row.id for group in rep.cases for row in group.rows}
    assert 3200 not in listed  # not current
    assert not listed & {3300, 3301, 3302}  # in no indicator's population
    assert 900 not in listed  # outside the years shown
    assert rep.case_count == 60 + 60 + 85
    for group in rep.cases:
        for number, sec in enumerate(rep.sections):
            codes = Counter(row.cells[number] for row in group.rows)
            result = sec.years[rep.years.index(group.year)]
            if sec.kind == "rate":
                assert codes[IN_NUMERATOR] == result.numerator, sec.id
                assert codes[IN_NUMERATOR] + codes[IN_DENOMINATOR] == result.denominator
            else:
                assert codes[IN_NUMERATOR] == result.denominator, sec.id
            assert codes[EXCLUDED_MISSING] == result.missing_total, sec.id
    first = rep.cases[0].rows[0]
    assert first.mrn == f"MRN-{first.id}"
    assert first.line.startswith(str(first.id))
    assert first.line.split()[1] == first.mrn and first.line.split()[2] == first.date.isoformat()
    dates = [(row.date, row.id) for row in rep.cases[2].rows]
    assert dates == sorted(dates)


def test_no_mrn_unless_the_caller_passes_them_and_records_are_left_unchanged() -> None:
    records = center_records()
    rep = build(records)
    assert not rep.show_mrn
    assert all(row.mrn == "" for group in rep.cases for row in group.rows)
    assert "surgeon_volume" not in records[0]  # the engine's derived field went on copies


def test_names_in_the_language_of_the_report() -> None:
    rep = build(center_records(), language="ko")
    assert rep.profile_name == "ESGO 진행성 난소암 수술 질 지표 (2016)"
    assert section(rep, "complete-resection").name == "완전 절제율"
    assert rep.eligibility[0].name == "최근 3년간 매년 종양감축술 20건 이상"
    assert build([], language="ko-kr").language == "ko"
    assert build([], language="fr").profile_name == ESGO.name["en"]


def test_eligibility_in_profiles_is_checked_when_loaded() -> None:
    (check,) = ESGO.eligibility
    assert (check.indicator, check.min, check.max, check.years) == ("center-volume", 20, None, 3)
    base: dict[str, Any] = {
        "id": "p",
        "version": "1",
        "name": {"en": "P"},
        "indicators": [{"id": "v", "name": {"en": "V"}, "kind": "count", "population": []}],
    }
    for bad in (
        {"id": "e", "name": {"en": "E"}, "indicator": "nope", "min": 1},
        {"id": "e", "name": {"en": "E"}, "indicator": "v"},
        {"id": "e", "name": {"en": "E"}, "indicator": "v", "min": 1, "years": 0},
    ):
        with pytest.raises(engine.ProfileError):
            engine.load_profile({**base, "eligibility": [bad]})
    assert engine.load_profile(base).eligibility == ()


# --- templates and PDF ----------------------------------------------------------------------------
def test_the_web_page_extends_the_site_layout() -> None:
    records = center_records()
    rep = build(records, charts={"complete-resection": '<svg id="funnel-test"></svg>'})
    html = render_to_string("registry/report.html", {"report": rep, "pdf_url": "/report.pdf"})
    assert "site-header" in html and 'data-testid="report"' in html
    assert '<svg id="funnel-test"></svg>' in html  # the caller's chart, as markup
    assert 'href="/report.pdf"' in html
    assert 'data-testid="cases-2025"' in html and '<table class="cases"' in html
    assert "Local target, not published" in html
    assert "5 without residual disease" in html
    assert "MRN" not in html  # no identifiers passed: no MRN column
    assert "3,200" not in html and ">3200<" not in html
    assert "2,025" not in html  # years are not grouped by thousands


def test_the_print_document_renders_in_korean() -> None:
    records = center_records()
    rep = build(records, language="ko", identifiers={r["id"]: f"MRN-{r['id']}" for r in records})
    with translation.override("ko"):
        html = render_to_string("registry/report_print.html", {"report": rep})
    assert html.startswith("<!doctype html>")
    assert '<html lang="ko">' in html
    assert "ESGO 진행성 난소암 수술 질 지표 (2016)" in html and "완전 절제율" in html
    assert "@page" in html and "counter(pages)" in html and "size: A4" in html
    assert 'class="case-lines"' in html and '<table class="cases"' not in html
    assert "MRN-3000" in html
    assert "Surgeon One" not in html  # names never appear in the evidence


def test_the_pdf_embeds_a_korean_font() -> None:
    records = year_of(2023, 22, 15, 1000) + year_of(2024, 22, 16, 2000)
    records += year_of(2025, 24, 20, 3000)
    rep = build(records, language="ko", center_name="서울 센터")
    with translation.override("ko"):
        html = render_to_string("registry/report_print.html", {"report": rep})
    data = pdf.render_pdf(html, base_url=None)
    assert data.startswith(b"%PDF-")
    fonts = pdf.font_names(data)
    assert any("Noto-Sans-CJK-KR" in name for name in fonts), fonts
