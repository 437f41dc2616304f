"""Is a case ready for its board? A plain-data check of the board's checklist against what the
patient's record holds (no ORM: the service gathers the dates, this module decides).

Each checklist item is met by evidence in the record, recent enough when the board sets a
window (``within_days``), or by a person confirming it on the case (a pathologist's review of
the slides is not a row in the record; it is confirmed). What is missing is said in words, so
the submitting clinician knows what to bring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caseway.tumorboard.choices import ReadinessItem


@dataclass(frozen=True)
class Evidence:
    """Dates of what the record holds for one patient, newest first per kind."""

    imaging: tuple[dt.date, ...] = ()
    tumor_markers: tuple[dt.date, ...] = ()
    pathology_reports: tuple[dt.date, ...] = ()
    genomic_results: tuple[dt.date, ...] = ()
    staging: tuple[dt.date, ...] = ()
    performance_status: tuple[dt.date, ...] = ()


#: Item -> the evidence that meets it (pathology review: a report only counts once confirmed).
_SOURCES = {
    ReadinessItem.IMAGING: "imaging",
    ReadinessItem.TUMOR_MARKERS: "tumor_markers",
    ReadinessItem.GENOMIC_RESULTS: "genomic_results",
    ReadinessItem.STAGING: "staging",
    ReadinessItem.PERFORMANCE_STATUS: "performance_status",
}


@dataclass(frozen=True)
class ItemResult:
    item: str
    met: bool
    detail: str
    within_days: int | None = None
    latest: dt.date | None = None

    @property
    def label(self) -> str:
        return str(ReadinessItem(self.item).label)


@dataclass(frozen=True)
class Readiness:
    items: tuple[ItemResult, ...] = field(default_factory=tuple)

    @property
    def ready(self) -> bool:
        return all(i.met for i in self.items)

    @property
    def missing(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if not i.met)


def _within(days: int | None) -> str:
    if days is None:
        return ""
    if days % 7 == 0:
        weeks = days // 7
        return ngettext("within %(n)s week", "within %(n)s weeks", weeks) % {"n": weeks}
    return ngettext("within %(n)s day", "within %(n)s days", days) % {"n": days}


def evaluate(
    checklist: Iterable[Mapping[str, object]],
    evidence: Evidence,
    confirmed: Mapping[str, object],
    today: dt.date,
) -> Readiness:
    """Each checklist item, met or not, with the reason in words."""
    results = []
    for entry in checklist:
        item = str(entry["item"])
        raw_days = entry.get("within_days")
        days = raw_days if isinstance(raw_days, int) else None
        when = _within(days)
        if item in confirmed:
            results.append(ItemResult(item, True, _("confirmed on the case"), days))
            continue
        source = _SOURCES.get(ReadinessItem(item))
        if source is None:  # pathology review: confirmed by a person, or missing
            reports = evidence.pathology_reports
            detail = (
                _("a pathology report is on file; its review is not confirmed yet")
                if reports
                else _("no pathology report on file and no review confirmed")
            )
            results.append(ItemResult(item, False, detail, days, reports[0] if reports else None))
            continue
        dates = getattr(evidence, source)
        latest = max(dates) if dates else None
        if latest is None:
            results.append(ItemResult(item, False, _("nothing in the record"), days))
        elif days is not None and (today - latest).days > days:
            detail = _("latest %(date)s, not %(window)s") % {
                "date": latest.isoformat(),
                "window": when,
            }
            results.append(ItemResult(item, False, detail, days, latest))
        else:
            results.append(ItemResult(item, True, latest.isoformat(), days, latest))
    return Readiness(tuple(results))
