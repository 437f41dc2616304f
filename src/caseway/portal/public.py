"""What the public portal reads. Anonymous visitors see only this: centers and institutions of
the association, what a center publishes (profile texts, accreditations it shows, published
news) and the evidence snapshot (counts and rates). No query here touches patient rows.

Search builds the ranking engine's plain facts from a handful of queries; the parts that do
not depend on the query (names, cities, languages, accreditations, published indicators) are
kept five minutes per process as objects (``core.cache.remember_object``: unpickling a
thousand centers' facts on every search cost more than ranking them), the volume cells that
can count for the query are read per query, and a query's results are kept a minute. Center
pages are kept a minute too. Public pages say when their evidence was computed; a profile or
accreditation edited by staff shows within five minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from caseway.core.cache import remember_object
from caseway.organizations.models import Center, Clinician, Department, Institution
from caseway.portal import ranking, vocabulary
from caseway.portal.choices import AccreditationStatus, NewsStatus
from caseway.portal.models import (
    Accreditation,
    CenterProfile,
    NewsItem,
    PublicEvidence,
    VolumeCell,
)

INDEX_SECONDS = 300
RESULTS_SECONDS = 60
PAGE_SECONDS = 60


def centers() -> list[Center]:
    """Every current center of the association, with its institution."""
    return list(
        Center.objects.filter(voided=False, institution__voided=False)
        .select_related("institution")
        .order_by("institution__name_en", "name_en")
    )


def institutions() -> list[Institution]:
    return remember_object(
        "portal-institutions",
        INDEX_SECONDS,
        lambda: list(Institution.objects.filter(voided=False).order_by("name_en")),
    )


def published_accreditations(center_ids: list[int] | None = None) -> list[Accreditation]:
    rows = Accreditation.objects.filter(voided=False, published=True)
    if center_ids is not None:
        rows = rows.filter(center_id__in=center_ids)
    return list(rows.order_by("-granted_on"))


def published_news(center: Center | None = None, limit: int = 20) -> list[NewsItem]:
    rows = NewsItem.objects.filter(voided=False, status=NewsStatus.PUBLISHED)
    if center is not None:
        rows = rows.filter(center=center)
    return list(rows.select_related("center").order_by("-event_date", "-pk")[:limit])


@dataclass
class CenterPage:
    """Everything a center's page shows."""

    center: Center
    profile: CenterProfile | None
    accreditations: list[tuple[Accreditation, AccreditationStatus]]
    evidence: dict[str, Any]
    evidence_as_of: dt.datetime | None
    departments: list[Department]
    clinicians: list[Clinician]
    boards: list[Any]
    news: list[NewsItem]
    languages: list[str] = field(default_factory=list)

    @property
    def institution(self) -> Institution:
        return self.center.institution

    def text(self, key: str, language: str | None = None) -> str:
        if self.profile is None or not self.profile.published:
            return ""
        return self.profile.text(key, language)


def center_page(code: str, today: dt.date | None = None) -> CenterPage | None:
    day = today or timezone.localdate()
    return remember_object(
        f"portal-center:{day.isoformat()}:{code}", PAGE_SECONDS, lambda: _center_page(code, day)
    )


def _center_page(code: str, today: dt.date) -> CenterPage | None:
    center = (
        Center.objects.filter(code=code, voided=False, institution__voided=False)
        .select_related("institution")
        .first()
    )
    if center is None:
        return None
    profile = CenterProfile.objects.filter(center=center).first()
    snapshot = PublicEvidence.objects.filter(center=center).first()
    clinicians = list(
        Clinician.objects.filter(voided=False)
        .filter(Q(center=center) | Q(center__isnull=True, institution=center.institution))
        .select_related("department")
        .order_by("department__name_en", "name_en")
    )
    from caseway.tumorboard.models import Board

    boards = list(Board.objects.filter(center=center, voided=False).order_by("code"))
    return CenterPage(
        center=center,
        profile=profile,
        accreditations=[(a, a.status(today)) for a in published_accreditations([center.pk])],
        evidence=snapshot.document if snapshot else {},
        evidence_as_of=snapshot.computed_at if snapshot else None,
        departments=list(
            Department.objects.filter(institution=center.institution, voided=False).order_by(
                "name_en"
            )
        ),
        clinicians=clinicians,
        boards=boards,
        news=published_news(center, limit=10),
        languages=sorted({code for c in clinicians for code in (c.languages or [])}),
    )


# --- search ---------------------------------------------------------------------------------------
def _names(obj: Any) -> dict[str, str]:
    return {"en": obj.name_en, "ko": obj.name_ko}


def _static_facts(today: dt.date) -> list[ranking.CenterFacts]:
    """Per center: names, city, languages spoken, declared scope, published accreditations
    and indicators: everything but volumes (which depend on the query)."""
    all_centers = centers()
    ids = [c.pk for c in all_centers]
    languages: dict[int | None, set[str]] = {}
    for center_id, institution_id, spoken in Clinician.objects.filter(voided=False).values_list(
        "center_id", "institution_id", "languages"
    ):
        key = center_id if center_id is not None else -institution_id
        languages.setdefault(key, set()).update(spoken or [])
    profiles = {p.center_id: p for p in CenterProfile.objects.filter(center_id__in=ids)}
    evidence = {e.center_id: e.document for e in PublicEvidence.objects.filter(center_id__in=ids)}
    accreditations: dict[int, list[ranking.AccreditationFact]] = {}
    for a in published_accreditations(ids):
        accreditations.setdefault(a.center_id, []).append(
            ranking.AccreditationFact(
                body=a.body,
                name={"en": a.program_en, "ko": a.program_ko},
                icd10=frozenset(a.scope_icd10),
                procedure_groups=frozenset(a.scope_procedure_groups),
                approaches=frozenset(a.scope_approaches),
                status=str(a.status(today)),
                valid_until=a.valid_until,
            )
        )
    facts = []
    for center in all_centers:
        profile = profiles.get(center.pk)
        shown = profile is not None and profile.published
        spoken = languages.get(center.pk, set()) | languages.get(-center.institution_id, set())
        facts.append(
            ranking.CenterFacts(
                id=center.pk,
                code=center.code,
                name=_names(center),
                institution=_names(center.institution),
                city={"en": center.institution.city_en, "ko": center.institution.city_ko},
                languages=frozenset(spoken),
                declared_icd10=frozenset(profile.declared_icd10 if shown and profile else []),
                declared_procedure_groups=frozenset(
                    profile.declared_procedure_groups if shown and profile else []
                ),
                accreditations=tuple(accreditations.get(center.pk, [])),
                volumes=(),
                indicators=tuple(
                    ranking.IndicatorFact(
                        name=i["name"],
                        value=i["value"],
                        low=i["low"],
                        high=i["high"],
                        attained=i["attained"],
                        icd10=frozenset(i.get("scope", {}).get("icd10", [])),
                    )
                    for i in evidence.get(center.pk, {}).get("indicators", [])
                ),
            )
        )
    return facts


def _volume_cells(query: vocabulary.Query) -> dict[int, list[ranking.VolumeCell]]:
    """Only the cells that can count for the query: the ranking counts a cell when it matches
    every kind of term the query has (condition AND procedure group AND approach), so the
    same AND filters here (cells hold 3-character codes; shorter prefixes such as "C" match by
    prefix)."""
    filters = []
    if query.icd10:
        exact = {code[:3] for code in query.icd10 if len(code) >= 3}
        short = [code for code in query.icd10 if len(code) < 3]
        codes = [Q(icd10__in=sorted(exact))] if exact else []
        codes += [Q(icd10__startswith=code) for code in short]
        filters.append(reduce(or_, codes))
    if query.procedure_groups:
        filters.append(Q(procedure_group__in=sorted(query.procedure_groups)))
    if query.approaches:
        filters.append(Q(approach__in=sorted(query.approaches)))
    if not filters:
        return {}
    cells: dict[int, list[ranking.VolumeCell]] = {}
    rows = VolumeCell.objects.filter(*filters, count_12m__gt=0).values_list(
        "center_id", "icd10", "procedure_group", "approach", "count_12m"
    )
    for center_id, icd10, group, approach, count in rows:
        cells.setdefault(center_id, []).append(
            ranking.VolumeCell(
                icd10=icd10, procedure_group=group, approach=approach, count_12m=count
            )
        )
    return cells


@dataclass
class SearchResults:
    query: vocabulary.Query
    results: list[ranking.Result]
    language_spoken: str | None
    city: str | None
    #: How many centers matched (``results`` holds the strongest ``limit`` of them).
    total: int = 0


def search(
    text: str,
    *,
    language_spoken: str | None = None,
    city: str | None = None,
    limit: int = 50,
    today: dt.date | None = None,
) -> SearchResults:
    day = today or timezone.localdate()
    if not settings.CASEWAY_PORTAL_RESULT_CACHE:
        return _search(text, language_spoken, city, limit, day)
    key = f"portal-search:{day.isoformat()}:{language_spoken}:{city}:{limit}:{text}"
    return remember_object(
        key, RESULTS_SECONDS, lambda: _search(text, language_spoken, city, limit, day)
    )


def _search(
    text: str, language_spoken: str | None, city: str | None, limit: int, today: dt.date
) -> SearchResults:
    query = vocabulary.parse(text or "")
    static = remember_object(
        f"portal-facts:{today.isoformat()}", INDEX_SECONDS, lambda: _static_facts(today)
    )
    cells = _volume_cells(query)
    facts = [
        ranking.CenterFacts(**{**vars(f), "volumes": tuple(cells.get(f.id, ()))})
        if f.id in cells
        else f
        for f in static
    ]
    ranked = ranking.rank(
        facts, query, language_spoken=language_spoken or None, city=city or None, limit=len(facts)
    )
    return SearchResults(query, ranked[:limit], language_spoken, city, total=len(ranked))


def center_json(page: CenterPage, base_url: str = "") -> dict[str, Any]:
    """A center's published evidence for partners' sites: stable keys, codes not labels."""
    center = page.center
    profile_shown = page.profile is not None and page.profile.published
    return {
        "code": center.code,
        "name": _names(center),
        "institution": {"code": center.institution.code, "name": _names(center.institution)},
        "city": {"en": center.institution.city_en, "ko": center.institution.city_ko},
        "url": f"{base_url}/portal/en/centers/{center.code}/",
        "summary": (page.profile.texts if profile_shown and page.profile else {}),
        "conditions_treated": page.profile.declared_icd10 if profile_shown and page.profile else [],
        "accreditations": [
            {
                "body": a.body,
                "program": {"en": a.program_en, "ko": a.program_ko},
                "level": a.level,
                "scope": {
                    "icd10": a.scope_icd10,
                    "procedure_groups": a.scope_procedure_groups,
                    "approaches": a.scope_approaches,
                },
                "granted_on": a.granted_on.isoformat(),
                "valid_until": a.valid_until.isoformat(),
                "renewal_submitted_on": (
                    a.renewal_submitted_on.isoformat() if a.renewal_submitted_on else None
                ),
                "status": str(status),
                "public_url": a.public_url or None,
            }
            for a, status in page.accreditations
        ],
        "evidence": page.evidence,
        "evidence_computed_at": page.evidence_as_of.isoformat() if page.evidence_as_of else None,
        "languages_spoken": page.languages,
        "international_patient_center": {
            "contact": center.institution.ipc_contact_name,
            "phone": center.institution.ipc_phone,
            "email": center.institution.ipc_email,
        },
    }


def accreditation_is_current(status: AccreditationStatus) -> bool:
    return status in (AccreditationStatus.VALID, AccreditationStatus.RENEWAL_DUE)
