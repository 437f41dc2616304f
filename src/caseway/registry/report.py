"""Accreditation evidence: one center's indicators of a profile, over the last calendar years,
with the eligibility checks, the points and the cases behind every number.

An assessor reads this to decide, so it must say what the numbers rest on: where a target is
configurable it says the target is local, not published; where data are missing it says how
complete the indicator is and which fields are missing how often, instead of a silently
smaller denominator; and its appendix lists every surgery (by surgery id and, only when the
caller passes them, the patient's MRN; never names) with what it counted for in every
indicator, so any number can be recounted from the list.

Plain Python in, plain dataclasses out: the caller loads the records (``SurgeryFacts``
rows as ``as_record()``) and the templates ``registry/report.html`` (web page) and
``registry/report_print.html`` (PDF through ``pdf.render_pdf``) only display. Wording that
depends on data (level names, units, trends) is resolved here in the report's language, so
the context holds plain strings.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caseway.registry import indicators as engine
from caseway.registry.indicators import Eligibility, Indicator, Profile, Result

#: Calendar years of trends shown (the report year and the two before).
TREND_YEARS = 3

#: Codes of the case table, one per indicator column (explained by ``Report.legend``): the
#: 1s of a column add up to its numerator, its 1s and 0s to its denominator. ASCII, so the
#: printed list aligns in a monospaced font.
IN_NUMERATOR = "1"
IN_DENOMINATOR = "0"
EXCLUDED_MISSING = "?"
NOT_IN_POPULATION = "."
#: Width of one indicator column in the printed case list (a median shows its value).
CODE_WIDTH = 4
EN_DASH = "\u2013"  # between the ends of an interval

LEVEL_LABELS = {
    "optimal": gettext_lazy("optimal"),
    "intermediate": gettext_lazy("intermediate"),
    "minimum": gettext_lazy("minimum"),
    "target": gettext_lazy("target"),
    "center-of-excellence": gettext_lazy("center of excellence"),
    "not_met": gettext_lazy("not met"),
}
UNIT_LABELS = {
    "days": gettext_lazy("days"),
    "surgeries": gettext_lazy("surgeries"),
    "operations": gettext_lazy("operations"),
}
#: Engine record fields, named as the surgery form names them.
FIELD_LABELS = {
    "residual": gettext_lazy("residual disease"),
    "timing": gettext_lazy("timing"),
    "primary_surgeon": gettext_lazy("primary surgeon"),
    "primary_surgeon_specialty": gettext_lazy("primary surgeon's specialty"),
    "in_trial": gettext_lazy("in a clinical trial"),
    "mdt_discussed": gettext_lazy("planned at a multidisciplinary meeting"),
    "preop_workup_complete": gettext_lazy("required pre-operative work-up done"),
    "operative_report_complete": gettext_lazy("operative report checklist"),
    "pathology_report_complete": gettext_lazy("pathology report complete"),
    "complications_prospective": gettext_lazy("complications recorded prospectively"),
    "converted": gettext_lazy("conversion"),
    "proctored": gettext_lazy("proctored"),
    "death_30d": gettext_lazy("death within 30 days"),
    "death_90d": gettext_lazy("death within 90 days"),
    "major_morbidity_30d": gettext_lazy("major morbidity within 30 days"),
    "days_to_chemo": gettext_lazy("days to adjuvant chemotherapy"),
}

Direction = Literal["up", "down", "flat"]
Judgement = Literal["better", "worse", "unchanged"]


# --- the context ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Level:
    """One level of a target, e.g. optimal: > 65%."""

    name: str
    label: str
    threshold: float
    text: str


@dataclass(frozen=True)
class MissingField:
    field: str
    label: str
    count: int


@dataclass(frozen=True)
class YearResult:
    """An indicator in one calendar year, ready to display."""

    year: int
    denominator: int
    numerator: int
    value: float | None
    low: float | None
    high: float | None
    attained: str | None
    attained_label: str
    points: int
    completeness: float | None
    missing: tuple[MissingField, ...]
    missing_total: int
    value_text: str
    interval_text: str
    completeness_text: str

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def met(self) -> bool:
        return self.attained not in (None, "not_met")


@dataclass(frozen=True)
class Trend:
    """How the value moved from the first to the last of the trend years with data.

    ``clear`` is for rates only: True when the 95% intervals of the two years do not overlap,
    so the change is unlikely to be chance; None for counts and medians (no interval).
    """

    direction: Direction | None
    judgement: Judgement | None
    change_text: str
    clear: bool | None
    label: str


@dataclass(frozen=True)
class Section:
    """One indicator: definition, target, the trend years and the report year."""

    number: int
    id: str
    name: str
    kind: str
    unit: str
    levels: tuple[Level, ...]
    target_text: str
    higher_is_better: bool
    configurable: bool
    note: str
    max_points: int
    years: tuple[YearResult, ...]  # oldest first, the report year last
    trend: Trend
    chart: str = ""  # an inline SVG the caller made (funnel.render_svg); trusted markup

    @property
    def current(self) -> YearResult:
        return self.years[-1]


@dataclass(frozen=True)
class EligibilityYear:
    year: int
    value: float | None
    value_text: str
    passed: bool


@dataclass(frozen=True)
class EligibilityCheck:
    id: str
    name: str
    indicator: str
    indicator_name: str
    rule_text: str
    configurable: bool
    note: str
    years: tuple[EligibilityYear, ...]

    @property
    def passed(self) -> bool:
        return all(y.passed for y in self.years)


@dataclass(frozen=True)
class CaseRow:
    """One surgery of the appendix: what it counted for in each indicator (codes, in the
    order of the sections). ``line`` is the same row as aligned plain text for the printed
    report: WeasyPrint lays out a table cell in about 1.5 ms, so 3,000 surgeries by 14 columns
    would take a minute as a table and take about three seconds as lines."""

    id: Any
    mrn: str
    date: dt.date | None
    year: int
    cells: tuple[str, ...]
    line: str = ""


@dataclass(frozen=True)
class CaseYear:
    year: int
    rows: tuple[CaseRow, ...]


@dataclass(frozen=True)
class PointsYear:
    year: int
    points: int
    published_points: int  # from published targets only (configurable targets are local)


@dataclass(frozen=True)
class Report:
    profile_id: str
    profile_version: str
    profile_name: str
    profile_source: str
    language: str
    center_name: str
    year: int
    years: tuple[int, ...]
    generated_on: dt.date
    sections: tuple[Section, ...]
    eligibility: tuple[EligibilityCheck, ...]
    points: tuple[PointsYear, ...]  # one per trend year, oldest first
    max_points: int
    cases: tuple[CaseYear, ...]
    case_count: int
    show_mrn: bool
    legend: tuple[tuple[str, str], ...] = field(default=())
    case_header: str = ""  # the column heads of ``CaseRow.line``

    @property
    def eligible(self) -> bool | None:
        """None when the profile has no eligibility checks."""
        return all(c.passed for c in self.eligibility) if self.eligibility else None

    @property
    def current_points(self) -> PointsYear:
        return self.points[-1]

    @property
    def configurable_targets(self) -> int:
        return sum(1 for s in self.sections if s.configurable)


# --- building it ---------------------------------------------------------------------------------
def report_years(profile: Profile, year: int) -> tuple[int, ...]:
    """The calendar years whose records the report needs (oldest first): the trend years, or
    more when an eligibility check looks further back. The caller loads exactly these."""
    span = max([TREND_YEARS, *(check.years for check in profile.eligibility)])
    return tuple(range(year - span + 1, year + 1))


def build_report(
    profile: Profile,
    records: Sequence[Mapping[str, Any]],
    year: int,
    language: str,
    *,
    center_name: str = "",
    identifiers: Mapping[Any, str] | None = None,
    charts: Mapping[str, str] | None = None,
    generated_on: dt.date | None = None,
) -> Report:
    """The report context for one center's records (``SurgeryFacts.as_record()`` rows).

    ``records`` should cover :func:`report_years`; rows of other years are ignored, and rows
    that are not current (voided or superseded surgeries) are left out. ``identifiers`` maps
    surgery id to the patient's MRN for the case list; without it only surgery ids are shown.
    ``charts`` maps an indicator id to an SVG to show with it.
    """
    language = (language or "en").split("-")[0]
    with translation.override(language):
        return _build(
            profile,
            records,
            year,
            language,
            center_name=center_name,
            identifiers=identifiers,
            charts=charts or {},
            generated_on=generated_on or timezone.localdate(),
        )


def _build(
    profile: Profile,
    records: Sequence[Mapping[str, Any]],
    year: int,
    language: str,
    *,
    center_name: str,
    identifiers: Mapping[Any, str] | None,
    charts: Mapping[str, str],
    generated_on: dt.date,
) -> Report:
    all_years = report_years(profile, year)
    trend_years = all_years[-TREND_YEARS:]
    wanted = set(all_years)
    # copies: compute() adds derived fields (surgeon_volume) to the records it is given
    rows = [
        dict(r) for r in records if r.get("year") in wanted and r.get("current", True) is not False
    ]
    grouped = engine.compute(profile, rows, group_by=("year",), keep_cases=True)

    def result(indicator: Indicator, y: int) -> Result:
        found = grouped.get((y,), {}).get(indicator.id)
        return found if found is not None else engine.evaluate(indicator, [])

    sections = tuple(
        _section(
            number,
            indicator,
            [result(indicator, y) for y in trend_years],
            trend_years,
            language,
            charts.get(indicator.id, ""),
        )
        for number, indicator in enumerate(profile.indicators, start=1)
    )
    by_id = {i.id: i for i in profile.indicators}
    checks = tuple(
        _eligibility(check, by_id[check.indicator], result, year, language)
        for check in profile.eligibility
    )
    points = tuple(
        PointsYear(
            y,
            sum(s.years[i].points for s in sections),
            sum(s.years[i].points for s in sections if not s.configurable),
        )
        for i, y in enumerate(trend_years)
    )
    cases, case_header = _cases(profile, rows, grouped, trend_years, identifiers)
    return Report(
        profile_id=profile.id,
        profile_version=profile.version,
        profile_name=_name(profile.name, language),
        profile_source=profile.source,
        language=language,
        center_name=center_name,
        year=year,
        years=trend_years,
        generated_on=generated_on,
        sections=sections,
        eligibility=checks,
        points=points,
        max_points=sum(s.max_points for s in sections),
        cases=cases,
        case_count=sum(len(c.rows) for c in cases),
        show_mrn=identifiers is not None,
        case_header=case_header,
        legend=(
            (IN_NUMERATOR, _("counted in the numerator (or counted, for a volume)")),
            (IN_DENOMINATOR, _("in the denominator, not in the numerator")),
            (EXCLUDED_MISSING, _("left out: required data missing")),
            (NOT_IN_POPULATION, _("not in the indicator's population")),
        ),
    )


def _name(names: Mapping[str, str], language: str) -> str:
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


def _section(
    number: int,
    indicator: Indicator,
    results: Sequence[Result],
    years: Sequence[int],
    language: str,
    chart: str,
) -> Section:
    target = indicator.target
    levels = tuple(
        Level(name, _level_label(name), threshold, _threshold_text(indicator, threshold))
        for name, threshold in (target.levels if target else ())
    )
    if len(levels) == 1 and levels[0].name == "target":
        target_text = levels[0].text  # "target >= 90%" says target twice
    else:
        target_text = "; ".join(f"{level.label} {level.text}" for level in levels)
    per_year = tuple(_year_result(indicator, r, y) for r, y in zip(results, years, strict=True))
    return Section(
        number=number,
        id=indicator.id,
        name=_name(indicator.name, language),
        kind=indicator.kind,
        unit=str(UNIT_LABELS.get(indicator.unit, indicator.unit)),
        levels=levels,
        target_text=target_text,
        higher_is_better=target.higher_is_better if target else True,
        configurable=bool(target and target.configurable),
        note=target.note if target else "",
        max_points=max(indicator.points.values(), default=0),
        years=per_year,
        trend=_trend(indicator, per_year),
        chart=chart,
    )


def _level_label(name: str) -> str:
    label = LEVEL_LABELS.get(name)
    return str(label) if label is not None else name.replace("-", " ").replace("_", " ")


def _threshold_text(indicator: Indicator, threshold: float) -> str:
    target = indicator.target
    assert target is not None
    if target.higher_is_better:
        sign = ">" if target.strict else "≥"
    else:
        sign = "<" if target.strict else "≤"
    return f"{sign} {_format(indicator, threshold, trim=True)}"


def _format(indicator: Indicator, value: float | None, trim: bool = False) -> str:
    """A value as the report prints it: rates in percent, counts whole, medians with unit.
    ``trim`` drops a trailing ".0" (targets read "65%", results keep their decimal)."""
    if value is None:
        return "—"
    if indicator.kind == "rate":
        text = f"{value * 100:.1f}"
        return f"{text.removesuffix('.0') if trim else text}%"
    if indicator.kind == "count":
        return f"{round(value):,}"
    unit = UNIT_LABELS.get(indicator.unit, indicator.unit)
    return f"{value:g} {unit}".strip()


def _year_result(indicator: Indicator, result: Result, year: int) -> YearResult:
    missing = tuple(
        MissingField(name, str(FIELD_LABELS.get(name, name.replace("_", " "))), count)
        for name, count in sorted(result.missing.items())
    )
    interval = ""
    if indicator.kind == "rate" and result.value is not None:
        interval = f"{_format(indicator, result.low)} {EN_DASH} {_format(indicator, result.high)}"
    completeness = result.completeness
    return YearResult(
        year=year,
        denominator=result.denominator,
        numerator=result.numerator,
        value=result.value,
        low=result.low,
        high=result.high,
        attained=result.attained,
        attained_label=_level_label(result.attained) if result.attained else "",
        points=result.points,
        completeness=completeness,
        missing=missing,
        missing_total=sum(m.count for m in missing),
        value_text=_format(indicator, result.value),
        interval_text=interval,
        completeness_text="—" if completeness is None else f"{completeness * 100:.1f}%",
    )


def _trend(indicator: Indicator, years: Sequence[YearResult]) -> Trend:
    """From the first to the last trend year with data. A rate that moved by less than the
    0.1 percentage point the report prints is unchanged; a rate that moved is called clear
    only when the two years' 95% intervals do not overlap (a conservative check, but one an
    assessor can verify from the table)."""
    with_data = [y for y in years if y.value is not None]
    if len(with_data) < 2:
        return Trend(None, None, "", None, _("not enough years with data"))
    first, last = with_data[0], with_data[-1]
    assert first.value is not None and last.value is not None
    change = last.value - first.value
    if indicator.kind == "rate":
        change = round(change, 3)
    direction: Direction = "up" if change > 0 else "down" if change < 0 else "flat"
    if direction == "flat":
        return Trend("flat", "unchanged", "", None, _("unchanged"))
    higher_is_better = indicator.target.higher_is_better if indicator.target else True
    judgement: Judgement = "better" if (direction == "up") == higher_is_better else "worse"
    clear: bool | None = None
    if indicator.kind == "rate":
        change_text = _("%(change)+.1f percentage points since %(year)s") % {
            "change": change * 100,
            "year": first.year,
        }
        assert first.low is not None and first.high is not None
        assert last.low is not None and last.high is not None
        clear = last.low > first.high or last.high < first.low
    elif indicator.kind == "count":
        change_text = _("%(change)+d since %(year)s") % {
            "change": round(change),
            "year": first.year,
        }
    else:
        change_text = _("%(change)+g since %(year)s") % {"change": change, "year": first.year}
    label = _("improving") if judgement == "better" else _("worsening")
    if clear is False:
        label = _("%(trend)s, within chance (95%% intervals overlap)") % {"trend": label}
    return Trend(direction, judgement, change_text, clear, label)


def _eligibility(
    check: Eligibility,
    indicator: Indicator,
    result: Callable[[Indicator, int], Result],
    year: int,
    language: str,
) -> EligibilityCheck:
    years = []
    for y in range(year - check.years + 1, year + 1):
        value = result(indicator, y).value
        passed = (
            value is not None
            and (check.min is None or value >= check.min)
            and (check.max is None or value <= check.max)
        )
        years.append(EligibilityYear(y, value, _format(indicator, value), passed))
    bounds = []
    if check.min is not None:
        bounds.append(f"≥ {_format(indicator, check.min, trim=True)}")
    if check.max is not None:
        bounds.append(f"≤ {_format(indicator, check.max, trim=True)}")
    rule = _("%(bounds)s in each of the last %(years)s calendar years") % {
        "bounds": " ".join(bounds),
        "years": check.years,
    }
    return EligibilityCheck(
        id=check.id,
        name=_name(check.name, language),
        indicator=indicator.id,
        indicator_name=_name(indicator.name, language),
        rule_text=rule,
        configurable=check.configurable,
        note=check.note,
        years=tuple(years),
    )


def _cases(
    profile: Profile,
    rows: Sequence[Mapping[str, Any]],
    grouped: Mapping[tuple[Any, ...], Mapping[str, Result]],
    years: Sequence[int],
    identifiers: Mapping[Any, str] | None,
) -> tuple[tuple[CaseYear, ...], str]:
    """Every surgery of the trend years that is in some indicator's population, with its code
    in every indicator, and the head of the printed columns. Membership of the denominator is
    the engine's own case list, so the codes recount to the numbers shown."""
    counted = {
        (year, ind.id): set(results[ind.id].cases)
        for (year,), results in grouped.items()
        for ind in profile.indicators
    }
    # only surgeries that count somewhere: the others stand behind no number
    wanted_years = set(years)
    shown = [
        r
        for r in rows
        if r.get("year") in wanted_years and any(i.in_population(r) for i in profile.indicators)
    ]
    id_width = max([_width(_("Surgery")), *(_width(str(r.get("id"))) for r in shown)])
    mrn_width = 0
    if identifiers is not None:
        mrns = (_width(identifiers.get(r.get("id"), "")) for r in shown)
        mrn_width = max([_width(_("MRN")), *mrns])
    date_width = max(10, _width(_("Date")))

    def line(first: str, mrn: str, day: str, cells: Sequence[str]) -> str:
        parts = [_pad(first, id_width)]
        if identifiers is not None:
            parts.append(_pad(mrn, mrn_width))
        parts.append(_pad(day, date_width))
        return "  ".join(parts) + "".join(_pad(cell, CODE_WIDTH, right=True) for cell in cells)

    header = line(
        _("Surgery"), _("MRN"), _("Date"), [str(n) for n in range(1, len(profile.indicators) + 1)]
    )
    out = []
    for year in years:
        year_rows = sorted(
            (r for r in shown if r.get("year") == year),
            key=lambda r: (r.get("date") or dt.date.min, _sortable(r.get("id"))),
        )
        cases = []
        for row in year_rows:
            cells = tuple(
                _code(ind, row, counted.get((year, ind.id), set())) for ind in profile.indicators
            )
            mrn = identifiers.get(row.get("id"), "") if identifiers is not None else ""
            day = row.get("date")
            text = line(str(row.get("id")), mrn, day.isoformat() if day else "", cells)
            cases.append(CaseRow(row.get("id"), mrn, day, year, cells, text))
        out.append(CaseYear(year, tuple(cases)))
    return tuple(out), header


def _width(text: str) -> int:
    """Columns a text takes in a monospaced CJK font: Hangul and other wide characters two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _code(indicator: Indicator, row: Mapping[str, Any], counted: set[Any]) -> str:
    if row.get("id") in counted:
        if indicator.kind == "rate":
            hit = all(c.holds(row) for c in indicator.numerator)
            return IN_NUMERATOR if hit else IN_DENOMINATOR
        if indicator.kind == "median":
            return f"{row.get(indicator.value_field)}"
        return IN_NUMERATOR
    return EXCLUDED_MISSING if indicator.in_population(row) else NOT_IN_POPULATION
