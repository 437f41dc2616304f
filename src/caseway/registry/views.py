"""Registry pages: surgeries and their rows, signing and amending, indicators with the cases
behind them, comparison across centers, volumes and milestones, imports and reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caseway.accounts.actor import actor_for
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.ui import PageSet, may
from caseway.organizations.models import Center
from caseway.registry import forms, queries, scores, services
from caseway.registry import models as m
from caseway.registry.choices import OPERATIVE_REPORT_ITEMS, Approach, ProcedureGroup

NAMESPACE = "registry"
DEFAULT_PROFILE = "esgo-aoc-2016"


def surgery_detail_extra(actor: Any, surgery: m.Surgery) -> dict[str, Any]:
    facts = m.SurgeryFacts.objects.filter(surgery=surgery).first()
    report = surgery.operative_report or {}
    residual = None if surgery.residual_mm is None else float(surgery.residual_mm)
    return {
        "facts": facts,
        "cc_score": None if residual is None else scores.completeness_of_cytoreduction(residual),
        "aletti_category": None
        if facts is None or facts.aletti_score is None
        else scores.aletti_category(facts.aletti_score),
        "checklist": [(label, report.get(key)) for key, label in OPERATIVE_REPORT_ITEMS],
        "versions": services.history(surgery)[1:],
        "amended_by": surgery.amendments.filter(voided=False).first(),
        "can_sign": may(actor, m.Surgery, Action.SIGN, surgery),
        "can_amend": surgery.signed_at is not None
        and not surgery.voided
        and may(actor, m.Surgery, Action.SIGN, services.unsigned_copy(surgery)),
        "can_add_rows": may(actor, m.Surgery, Action.CHANGE, surgery),
    }


surgeries = PageSet(
    model=m.Surgery,
    namespace=NAMESPACE,
    plural="surgeries",
    list_columns=["date", "patient", "center", "indication", "approach", "timing", "signed_at"],
    detail_fields=[f for f in forms.SurgeryForm.Meta.fields if f != "operative_report"],
    form_class=forms.SurgeryForm,
    search_fields=["indication", "patient__mrn", "patient__name_romanized", "source_key"],
    filter_fields=["center", "approach", "timing"],
    ordering=("-date", "-pk"),
    detail_template="registry/surgery_detail.html",
    detail_extra=surgery_detail_extra,
    related_lists=[
        (
            "procedures",
            gettext_lazy("Procedures"),
            ["local_code", "name", "standard_code", "aletti_group"],
        ),
        ("team", gettext_lazy("Team"), ["name", "role", "specialty"]),
        (
            "complications",
            gettext_lazy("Complications"),
            ["day", "description", "grade", "present_at_discharge"],
        ),
    ],
)


def _rows(model: type[Any], form: Any, columns: list[str]) -> PageSet:
    return PageSet(
        model=model,
        namespace=NAMESPACE,
        list_columns=["surgery", *columns],
        detail_fields=["surgery", *columns],
        form_class=form,
        search_fields=["surgery__patient__mrn", *columns[:1]],
        ordering=("-surgery__date", "pk"),
    )


procedures = _rows(
    m.Procedure,
    forms.ProcedureForm,
    ["local_code", "name", "standard_system", "standard_code", "aletti_group"],
)
team = _rows(m.TeamMember, forms.TeamMemberForm, ["name", "role", "specialty", "clinician"])
complications = _rows(
    m.Complication, forms.ComplicationForm, ["description", "grade", "present_at_discharge", "day"]
)

PAGE_SETS = [surgeries, procedures, team, complications]


# --- signing and amending ------------------------------------------------------------------------
@login_required
@require_POST
def sign_surgery(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    surgery = access.fetch(actor, m.Surgery, Action.SIGN, pk=pk)
    try:
        version = int(request.POST.get("version", "0"))
        services.sign(actor, surgery, version)
        messages.success(request, _("The record is signed. Corrections are now amendments."))
    except versioning.PreconditionFailed:
        messages.error(request, _("Someone else changed this record; review it and sign again."))
    except (ValidationError, ValueError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("registry:surgery_detail", pk)


@login_required
def amend_surgery(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    original = access.fetch(actor, m.Surgery, Action.VIEW, pk=pk)
    access.authorize(actor, m.Surgery, Action.SIGN, services.unsigned_copy(original))
    form = forms.AmendmentForm(
        request.POST or None, instance=services.unsigned_copy(original), actor=actor
    )
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name]
            for name in forms.AmendmentForm.Meta.fields
            if name in form.changed_data
        }
        try:
            amended = services.amend(
                actor, original, changes, form.cleaned_data["amendment_reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The amendment is signed; the original is kept."))
            return redirect("registry:surgery_detail", amended.pk)
    return render(request, "registry/amend.html", {"form": form, "original": original})


# --- indicators --------------------------------------------------------------------------------
def _choice(request: HttpRequest, actor: Any) -> dict[str, Any]:
    """Center, year and profile from the query string, defaulting to what the actor has."""
    centers = list(queries.centers_for(actor))
    wanted = request.GET.get("center")
    center = queries.center_for(actor, wanted) if wanted else (centers[0] if centers else None)
    years = queries.years_of(center) if center else []
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    chosen = queries.profile(request.GET.get("profile") or DEFAULT_PROFILE)
    return {
        "centers": centers,
        "center": center,
        "years": years,
        "year": year,
        "profile": chosen,
        "profile_name": queries.localized(chosen.name),
        "profiles": [(p.id, queries.localized(p.name)) for p in queries.profiles().values()],
    }


def indicator_rows(chosen: Any, results: dict[str, Any]) -> list[dict[str, Any]]:
    """What a table of indicators shows, in the active language."""
    rows = []
    for indicator in chosen.indicators:
        result = results.get(indicator.id)
        rows.append(
            {
                "indicator": indicator,
                "name": queries.localized(indicator.name),
                "result": result,
                "target": indicator.target,
            }
        )
    return rows


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    choice = _choice(request, actor)
    rows: list[dict[str, Any]] = []
    surgeons: list[tuple[str, list[dict[str, Any]]]] = []
    if choice["center"] is not None:
        results = queries.indicators(choice["center"], choice["year"], choice["profile"])
        key = (choice["center"].pk, choice["year"])
        rows = indicator_rows(choice["profile"], results.get(key, {}))
        if request.GET.get("by") == "surgeon":
            by_surgeon = queries.indicators(
                choice["center"], choice["year"], choice["profile"], by_surgeon=True
            )
            surgeons = sorted(
                (str(k[2] or _("(not recorded)")), indicator_rows(choice["profile"], v))
                for k, v in by_surgeon.items()
            )
    total = sum(r["result"].points for r in rows if r["result"])
    return render(
        request,
        "registry/indicators.html",
        {**choice, "rows": rows, "surgeons": surgeons, "points": total},
    )


@login_required
def indicator_cases(request: HttpRequest, indicator_id: str) -> HttpResponse:
    actor = actor_for(request)
    choice = _choice(request, actor)
    if choice["center"] is None:
        raise access.NotFound("No center.")
    indicator, result, surgeries_ = queries.cases(
        actor, choice["center"], choice["year"], choice["profile"], indicator_id
    )
    numerator = set()
    if indicator.kind == "rate":
        records = {r["id"]: r for r in queries.records(choice["center"], [choice["year"]])}
        for surgery in surgeries_:
            record = records.get(surgery.pk)
            if record is not None and all(
                c.holds(record) for c in indicator.numerator if c.field != "surgeon_volume"
            ):
                numerator.add(surgery.pk)
    return render(
        request,
        "registry/cases.html",
        {
            **choice,
            "indicator": indicator,
            "indicator_name": queries.localized(indicator.name),
            "result": result,
            "surgeries": surgeries_,
            "numerator": numerator,
        },
    )


# --- comparison, volumes -------------------------------------------------------------------------
@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """A funnel plot per rate indicator: every center's rate against its volume. Association
    analysts see every center named; others see their own centers named, the rest as dots."""
    from caseway.registry import funnel
    from caseway.registry.policies import names_all_centers

    actor = actor_for(request)
    chosen = queries.profile(request.GET.get("profile") or DEFAULT_PROFILE)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year - 1)
    except ValueError:
        year = timezone.localdate().year - 1
    rates = [i for i in chosen.indicators if i.kind == "rate"]
    wanted = request.GET.get("indicator") or (rates[0].id if rates else "")
    indicator = next((i for i in rates if i.id == wanted), None)
    if indicator is None:
        raise access.NotFound("No such rate indicator.")
    results = queries.comparison(actor, chosen, year)
    own = (
        set(queries.centers_for(actor).values_list("pk", flat=True))
        if may(actor, m.Surgery, Action.VIEW)
        else set()
    )
    named = names_all_centers(actor)
    codes = dict(Center.objects.filter(pk__in=results).values_list("pk", "code"))
    points = []
    for center_id, by_indicator in sorted(results.items(), key=lambda kv: codes.get(kv[0], "")):
        result = by_indicator[indicator.id]
        if result.denominator:
            label = codes.get(center_id, "") if named or center_id in own else ""
            points.append(
                funnel.FunnelPoint(label, result.numerator, result.denominator, center_id in own)
            )
    plot = svg = None
    if points:
        plot = funnel.build_funnel(points)
        svg = funnel.render_svg(
            plot,
            x_label=_("Cases in the year (volume)"),
            y_label=queries.localized(indicator.name),
            target_label=_("Association rate"),
            # xgettext:no-python-format
            limit_95_label=_("95% limits"),
            # xgettext:no-python-format
            limit_998_label=_("99.8% limits"),
        )
    return render(
        request,
        "registry/compare.html",
        {
            "profile": chosen,
            "profile_name": queries.localized(chosen.name),
            "profiles": [(p.id, queries.localized(p.name)) for p in queries.profiles().values()],
            "year": year,
            "indicator": indicator,
            "rates": [(i.id, queries.localized(i.name)) for i in rates],
            "plot": plot,
            "svg": svg,
            "listed": [c for c in (plot.points if plot else ()) if c.point.label],
            "centers": len(points),
        },
    )


@login_required
def volumes(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    centers = list(queries.centers_for(actor))
    wanted = request.GET.get("center")
    center = queries.center_for(actor, wanted) if wanted else (centers[0] if centers else None)
    robotic = request.GET.get("robotic") == "1"
    data = (
        queries.volumes(center, robotic_only=robotic) if center else {"years": [], "milestones": []}
    )
    group_names, approach_names = dict(ProcedureGroup.choices), dict(Approach.choices)
    groups = [
        {
            **row,
            "procedure_group": group_names.get(row["procedure_group"], row["procedure_group"]),
            "approach": approach_names.get(row["approach"], row["approach"]),
        }
        for row in (queries.yearly_volumes(center) if center else [])
    ]
    return render(
        request,
        "registry/volumes.html",
        {"centers": centers, "center": center, "robotic": robotic, "groups": groups, **data},
    )


# --- accreditation report ---------------------------------------------------------------------
@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The accreditation evidence of a center: a page, or (``?format=pdf``) the PDF."""
    actor = actor_for(request)
    choice = _choice(request, actor)
    if choice["center"] is None:
        raise access.NotFound("No center.")
    center, year, chosen = choice["center"], choice["year"], choice["profile"]
    if request.GET.get("format") == "pdf":
        from caseway.registry.pdf import render_pdf

        pdf = render_pdf(queries.report_html(actor, center, year, chosen))
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"caseway-{center.code}-{chosen.id}-{year}-{get_language()}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    built = queries.report(actor, center, year, chosen, get_language() or "en")
    return render(request, "registry/report.html", {**choice, "report": built})


# --- import ------------------------------------------------------------------------------------
@login_required
def import_surgeries(request: HttpRequest) -> HttpResponse:
    from caseway.registry import tabular

    actor = actor_for(request)
    access.authorize(actor, m.Surgery, Action.ADD)
    form = forms.ImportForm(
        request.POST or None, request.FILES or None, centers=queries.centers_for(actor)
    )
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = tabular.import_bytes(
            actor, form.cleaned_data["center"], upload.name, upload.read()
        )
        if report.ok:
            messages.success(request, report.summary())
            return redirect("registry:indicators")
    return render(request, "registry/import.html", {"form": form, "report": report})


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty import file with every column of the data dictionary, as CSV or XLSX."""
    from caseway.registry import tabular

    access.authorize(actor_for(request), m.Surgery, Action.ADD)
    if kind == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(tabular.template_xlsx(), content_type=content_type)
    else:
        response = HttpResponse(tabular.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="caseway-surgeries.{kind}"'
    return response
