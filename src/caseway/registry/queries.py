"""Reading the registry for indicators, comparisons, volumes and reports, through the gate.

Indicator numbers are aggregates of one center; the cases behind them are patient data and
their reads are audited. Comparisons across centers give each center's counts only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from caseway.core import access, journal
from caseway.core.access import Action, Forbidden, NotFound
from caseway.organizations.models import Center
from caseway.records.policies import clinical_places
from caseway.registry import aggregate, policies
from caseway.registry import indicators as engine
from caseway.registry.models import Surgery, SurgeryFacts
from caseway.registry.services import refresh_open_follow_up

#: How far back pages look for outcomes whose follow-up window has just closed (90-day outcomes
#: plus a margin); older ones are caught up by ``caseway registry refresh``.
FOLLOW_UP_WINDOW = 120


def profiles() -> dict[str, engine.Profile]:
    return engine.builtin_profiles()


def profile(profile_id: str) -> engine.Profile:
    try:
        return profiles()[profile_id]
    except KeyError:
        raise NotFound(f"No indicator profile {profile_id!r}.") from None


def localized(names: dict[str, str]) -> str:
    language = (get_language() or "en").split("-")[0]
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


def centers_for(actor: Any) -> QuerySet[Center]:
    """Centers whose registry the actor reads (their clinical roles), for choosers."""
    if getattr(actor, "is_system", False):
        return Center.objects.filter(voided=False).order_by("code")
    access.authorize(actor, Surgery, Action.VIEW)
    institutions, centers = clinical_places(actor)
    return Center.objects.filter(
        Q(institution_id__in=institutions) | Q(pk__in=centers), voided=False
    ).order_by("code")


def center_for(actor: Any, code_or_pk: Any) -> Center:
    """One center the actor reads the registry of: 404 otherwise (never tells which exist)."""
    lookup = {"pk": int(code_or_pk)} if str(code_or_pk).isdigit() else {"code": code_or_pk}
    center = centers_for(actor).filter(**lookup).first()
    if center is None:
        raise NotFound("No such center.")
    return center


def current_facts(center: Center | None = None) -> QuerySet[SurgeryFacts]:
    facts = SurgeryFacts.objects.filter(current=True)
    return facts.filter(center=center) if center is not None else facts


def years_of(center: Center) -> list[int]:
    return sorted(
        current_facts(center).order_by().values_list("year", flat=True).distinct(), reverse=True
    )


def indicators(
    center: Center, year: int, chosen: engine.Profile, by_surgeon: bool = False
) -> dict[tuple[Any, ...], dict[str, engine.Result]]:
    """Every indicator of one center and year (one SQL aggregate); per surgeon on request."""
    refresh_open_follow_up(center.pk, recent_days=FOLLOW_UP_WINDOW)
    facts = current_facts(center).filter(year=year)
    group_by: tuple[str, ...] = (
        ("center", "year", "primary_surgeon")
        if by_surgeon
        else (
            "center",
            "year",
        )
    )
    return aggregate.compute_in_database(chosen, facts, group_by)


def records(center: Center, years: Sequence[int]) -> list[dict[str, Any]]:
    """Engine records of a center for these years (for case lists and reports)."""
    names = [f.attname for f in SurgeryFacts._meta.concrete_fields]
    rows = current_facts(center).filter(year__in=list(years)).order_by("date").values(*names)
    out = []
    for row in rows:
        row["id"] = row.pop("surgery_id")
        row["center"] = row.pop("center_id")
        out.append(row)
    return out


def cases(
    actor: Any, center: Center, year: int, chosen: engine.Profile, indicator_id: str
) -> tuple[engine.Indicator, engine.Result, list[Surgery]]:
    """The surgeries behind one number: read as patient data, so the read is audited."""
    indicator = next((i for i in chosen.indicators if i.id == indicator_id), None)
    if indicator is None:
        raise NotFound(f"No indicator {indicator_id!r} in {chosen.id}.")
    rows = records(center, [year])
    if "surgeon_volume" in chosen.derived:
        engine.add_surgeon_volume(rows, chosen.volume_population)
    result = engine.evaluate(indicator, rows, keep_cases=True)
    surgeries = list(
        access.scope(actor, Surgery)
        .filter(pk__in=result.cases)
        .select_related("patient", "facts")
        .order_by("date")
    )
    access.record_search(
        actor,
        Surgery,
        {"center": center.code, "year": year, "profile": chosen.id, "indicator": indicator_id},
    )
    return indicator, result, surgeries


def comparison(actor: Any, chosen: engine.Profile, year: int) -> dict[int, dict[str, Any]]:
    """Each center's results for one year: counts only, no patient rows (for funnel plots)."""
    if not policies.may_compare(actor) and not getattr(actor, "is_system", False):
        raise Forbidden("You are not allowed to compare centers.")
    results = aggregate.compute_in_database(chosen, current_facts().filter(year=year), ("center",))
    journal_detail = {"profile": chosen.id, "year": year}
    journal.record(actor, "search", entity_type="registry.comparison", detail=journal_detail)
    return {key[0]: value for key, value in results.items()}


def yearly_volumes(center: Center) -> list[dict[str, Any]]:
    """Surgeries per year by procedure group and approach (one GROUP BY)."""
    return [
        dict(row)
        for row in current_facts(center)
        .order_by()
        .values("year", "procedure_group", "approach")
        .annotate(surgeries=Count("pk"))
        .order_by("year", "procedure_group", "approach")
    ]


def volumes(center: Center, robotic_only: bool = False) -> dict[str, Any]:
    """Annual counts with running totals, and the milestones reached (e.g. the 20,000th robotic
    case), from counts the database computes: never loads every surgery."""
    from caseway.registry.volumes import locate_milestones

    facts = current_facts(center)
    if robotic_only:
        facts = facts.filter(robotic=True)
    yearly = [
        (year, count)
        for year, count in facts.order_by()
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    ]
    running, years = 0, []
    for year, count in yearly:
        running += count
        years.append((year, count, running))

    def days_of_year(year: int) -> list[tuple[Any, int]]:
        return list(
            facts.filter(year=year)
            .order_by()
            .values_list("date")
            .annotate(n=Count("pk"))
            .order_by("date")
        )

    def ids_on_day(day: Any) -> list[int]:
        return list(
            facts.filter(date=day).order_by("surgery_id").values_list("surgery_id", flat=True)
        )

    return {
        "years": years,
        "milestones": locate_milestones(yearly, days_of_year, ids_on_day),
    }


def report(actor: Any, center: Center, year: int, chosen: engine.Profile, language: str) -> Any:
    """The accreditation report of a center: its records for the report's years, with the
    patients' MRNs in the case list. Reading it is reading patient data: it is journaled as an
    export for accreditation (the purpose is the reason)."""
    from caseway.registry.report import build_report, report_years

    access.authorize(actor, Surgery, Action.VIEW, Surgery(center=center))
    refresh_open_follow_up(center.pk, recent_days=FOLLOW_UP_WINDOW)
    years = report_years(chosen, year)
    rows = records(center, years)
    mrns = dict(
        Surgery.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "patient__mrn")
    )
    journal.record(
        actor,
        "export",
        entity_type="registry.report",
        center_id=center.pk,
        institution_id=center.institution_id,
        detail={"center": center.code, "year": year, "profile": chosen.id, "cases": len(rows)},
        reason=f"Accreditation evidence: {chosen.id} {year}",
    )
    return build_report(chosen, rows, year, language, center_name=str(center), identifiers=mrns)


def report_html(actor: Any, center: Center, year: int, chosen: engine.Profile) -> str:
    """The printable report (for the PDF and the command line), in the active language."""
    from django.template.loader import render_to_string

    language = (get_language() or "en").split("-")[0]
    built = report(actor, center, year, chosen, language)
    return render_to_string("registry/report_print.html", {"report": built})
