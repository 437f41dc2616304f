"""The portal's evidence, derived from the registry and replaced whole by ``refresh``.

Computing volumes and indicators from millions of surgeries on every page view would make the
portal slow for the people on the slowest connections; the evidence changes when the registry
does, so a job (``caseway portal refresh``, nightly and after imports) writes two small things:

* ``VolumeCell``: each center's operations in the last 12 months per condition (3-character
  ICD-10), procedure group and approach, what search ranks volume by;
* ``PublicEvidence``: one document per center with annual volumes, milestones and the
  indicators it chose to publish (with their Wilson intervals), what its page and the
  partners' JSON show, with the date they were computed.

Only counts and rates leave the registry; no surgery, date of a patient's operation or surgeon
appears (milestone dates are the center's own public facts, such as its 20,000th robotic case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr, Upper
from django.utils import timezone

from caseway.organizations.models import Center
from caseway.portal import pagecache
from caseway.portal.models import CenterProfile, PublicEvidence, VolumeCell
from caseway.registry import aggregate, queries
from caseway.registry.choices import ROBOTIC_APPROACHES
from caseway.registry.models import SurgeryFacts

#: What each indicator profile is about, so search can tell whose indicators bear on a query.
PROFILE_SCOPE: dict[str, dict[str, list[str]]] = {
    "esgo-aoc-2016": {
        "icd10": ["C56", "C57", "C48"],
        "procedure_groups": ["ovarian_cytoreduction"],
        "approaches": [],
    },
    "robotic-program": {
        "icd10": [],
        "procedure_groups": [],
        "approaches": sorted(ROBOTIC_APPROACHES),
    },
    "local-outcomes": {"icd10": [], "procedure_groups": [], "approaches": []},
}
YEARS_SHOWN = 10


def refresh(center_ids: Iterable[int] | None = None, today: dt.date | None = None) -> int:
    """Recompute the evidence of the given centers (all when None); returns how many."""
    today = today or timezone.localdate()
    centers = Center.objects.filter(voided=False).select_related("institution")
    if center_ids is not None:
        centers = centers.filter(pk__in=list(center_ids))
    centers_list = list(centers)
    ids = [c.pk for c in centers_list]
    profiles = {
        p.center_id: p for p in CenterProfile.objects.filter(center_id__in=ids, published=True)
    }
    now = timezone.now()
    documents = {c.pk: _document(c, profiles.get(c.pk), today) for c in centers_list}
    cells = _volume_cells(ids, today)
    with transaction.atomic():
        VolumeCell.objects.filter(center_id__in=ids).delete()  # derived: replaced whole
        VolumeCell.objects.bulk_create(cells, batch_size=5000)
        PublicEvidence.objects.filter(center_id__in=ids).delete()
        PublicEvidence.objects.bulk_create(
            [
                PublicEvidence(center_id=pk, computed_at=now, document=doc)
                for pk, doc in documents.items()
            ],
            batch_size=500,
        )
        pagecache.changed_on_commit()
    return len(ids)


def _volume_cells(center_ids: list[int], today: dt.date) -> list[VolumeCell]:
    since = today - dt.timedelta(days=365)
    rows = (
        SurgeryFacts.objects.filter(
            center_id__in=center_ids, current=True, date__gt=since, date__lte=today
        )
        .order_by()
        .values(
            "center_id",
            "procedure_group",
            "approach",
            icd=Upper(Substr("surgery__condition__icd10", 1, 3)),
        )
        .annotate(n=Count("pk"))
    )
    return [
        VolumeCell(
            center_id=row["center_id"],
            icd10=row["icd"] or "",
            procedure_group=row["procedure_group"],
            approach=row["approach"],
            count_12m=row["n"],
        )
        for row in rows
    ]


def _document(center: Center, profile: CenterProfile | None, today: dt.date) -> dict[str, Any]:
    first_year = today.year - YEARS_SHOWN + 1
    annual: dict[int, dict[str, Any]] = {}
    for row in (
        queries.current_facts(center)
        .filter(year__gte=first_year)
        .order_by()
        .values("year", "procedure_group", "robotic")
        .annotate(n=Count("pk"))
    ):
        year = annual.setdefault(row["year"], {"year": row["year"], "total": 0, "robotic": 0})
        year["total"] += row["n"]
        year["robotic"] += row["n"] if row["robotic"] else 0
        groups = year.setdefault("by_group", {})
        groups[row["procedure_group"]] = groups.get(row["procedure_group"], 0) + row["n"]
    milestones = []
    for kind, robotic_only in (("all", False), ("robotic", True)):
        found = queries.volumes(center, robotic_only=robotic_only)["milestones"]
        milestones += [{"kind": kind, "count": m.number, "date": m.date.isoformat()} for m in found]
    return {
        "as_of": today.isoformat(),
        "annual": [annual[y] for y in sorted(annual)],
        "milestones": milestones,
        "indicators": _published_indicators(center, profile, today),
    }


def _published_indicators(
    center: Center, profile: CenterProfile | None, today: dt.date
) -> list[dict[str, Any]]:
    """The indicators the center chose to publish, for the last complete calendar year."""
    if profile is None or not profile.published_indicators:
        return []
    year = today.year - 1
    chosen: dict[str, list[str]] = {}
    for entry in profile.published_indicators:
        chosen.setdefault(entry["profile"], []).append(entry["indicator"])
    facts = queries.current_facts(center).filter(year=year)
    out = []
    for profile_id, wanted in chosen.items():
        definition = queries.profile(profile_id)
        results = aggregate.compute_in_database(definition, facts, ("center", "year"))
        row = next(iter(results.values()), {})
        by_id = {i.id: i for i in definition.indicators}
        for indicator_id in wanted:
            indicator, result = by_id[indicator_id], row.get(indicator_id)
            target = indicator.target
            out.append(
                {
                    "profile": profile_id,
                    "profile_version": definition.version,
                    "indicator": indicator_id,
                    "name": dict(indicator.name),
                    "kind": indicator.kind,
                    "unit": indicator.unit,
                    "year": year,
                    "numerator": getattr(result, "numerator", 0),
                    "denominator": getattr(result, "denominator", 0),
                    "value": getattr(result, "value", None),
                    "low": getattr(result, "low", None),
                    "high": getattr(result, "high", None),
                    "attained": getattr(result, "attained", None),
                    "target": _target(target),
                    "scope": PROFILE_SCOPE.get(profile_id, {}),
                }
            )
    return out


def _target(target: Any) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "levels": [[name, level] for name, level in target.levels],
        "higher_is_better": target.higher_is_better,
        "strict": target.strict,
        "configurable": target.configurable,
    }
