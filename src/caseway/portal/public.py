"""What the public portal reads. Anonymous visitors see only this: centers and institutions of
the association, what a center publishes (profile texts, accreditations it shows, published
news) and the evidence snapshot (counts and rates). No query here touches patient rows.

Search builds the ranking engine's plain facts from a handful of queries; the parts that do
not depend on the query (names, cities, languages, accreditations, published indicators) are
kept an hour per process as objects (unpickling a thousand centers' facts on every search
cost more than ranking them), the operations that count for the query are summed in SQL per
query, and a query's results are kept a minute. These memories are keyed by the portal's
generation (``pagecache.remember``), so a change to what pages show is never hidden by them;
rendered pages themselves are kept by ``pagecache``. Public pages say when their evidence was
computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from caseway.organizations.models import Center, Clinician, Department, Institution
from caseway.portal import pagecache, ranking, vocabulary
from caseway.portal.choices import AccreditationStatus, NewsStatus
from caseway.portal.models import (
    Accreditation,
    CenterProfile,
    NewsItem,
    PublicEvidence,
    VolumeCell,
)

INDEX_SECONDS = 3600
RESULTS_SECONDS = 60


def centers() -> list[Center]:
    """Every current center of the association, with its institution."""
    return list(
        Center.objects.filter(voided=False, institution__voided=False)
        .select_related("institution")
        .order_by("institution__name_en", "name_en")
    )


def institutions() -> list[Institution]:
    return pagecache.remember(
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
    today = today or timezone.localdate()
    found = list(
        Center.objects.filter(code=code, voided=False, institution__voided=False)
        .select_related("institution", "profile")
        .order_by()[:1]
    )
    if not found:
        return None
    center = found[0]
    profile: CenterProfile | None = getattr(center, "profile", None)
    snapshot = next(iter(PublicEvidence.objects.filter(pk=center.pk)), None)
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
    # Declarations and indicators of published profiles only (the evidence document of a
    # center without one has no indicators; one unpublished since the refresh shows none).
    declared = {
        center_id: (frozenset(icd10 or ()), frozenset(groups or ()))
        for center_id, icd10, groups in CenterProfile.objects.filter(
            center_id__in=ids, published=True
        ).values_list("center_id", "declared_icd10", "declared_procedure_groups")
    }
    evidence = dict(
        PublicEvidence.objects.filter(center_id__in=list(declared)).values_list(
            "center_id", "document"
        )
    )
    nothing: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
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
        declared_icd10, declared_groups = declared.get(center.pk, nothing)
        spoken = languages.get(center.pk, set()) | languages.get(-center.institution_id, set())
        facts.append(
            ranking.CenterFacts(
                id=center.pk,
                code=center.code,
                name=_names(center),
                institution=_names(center.institution),
                city={"en": center.institution.city_en, "ko": center.institution.city_ko},
                languages=frozenset(spoken),
                declared_icd10=declared_icd10,
                declared_procedure_groups=declared_groups,
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


def operations_for(query: vocabulary.Query) -> dict[int, int]:
    """Per center, the operations of the last 12 months that count for the query, summed in
    SQL with the ranking's rule for volume cells: a cell counts when it matches every kind of
    term the query has (condition AND procedure group AND approach). Cells hold 3-character
    codes, so C56.9 asks for C56 and shorter prefixes such as "C" match by prefix; a query
    without terms counts every cell (the ranking then orders by all the evidence). Tested
    equal to the ranking's own matching of the cells on random data."""
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
    rows = (
        VolumeCell.objects.filter(*filters, count_12m__gt=0)
        .order_by()
        .values_list("center_id")
        .annotate(operations=Sum("count_12m"))
    )
    return dict(rows)


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
    if not pagecache.enabled():
        return _search(text, language_spoken, city, limit, day)
    key = f"portal-search:{day.isoformat()}:{language_spoken}:{city}:{limit}:{text}"
    return pagecache.remember(
        key, RESULTS_SECONDS, lambda: _search(text, language_spoken, city, limit, day)
    )


def _search(
    text: str, language_spoken: str | None, city: str | None, limit: int, today: dt.date
) -> SearchResults:
    query = vocabulary.parse(text or "")
    static = pagecache.remember(
        f"portal-facts:{today.isoformat()}", INDEX_SECONDS, lambda: _static_facts(today)
    )
    ranked = ranking.rank_page(
        static,
        query,
        language_spoken=language_spoken or None,
        city=city or None,
        limit=limit,
        operations=operations_for(query),
    )
    return SearchResults(query, ranked.results, language_spoken, city, total=ranked.total)


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
