"""Patient/$everything and the bulk (NDJSON per resource type) export of a center."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from caseway.core import access
from caseway.core.access import Forbidden
from caseway.records import models as m
from caseway.records.fhir import to_fhir
from caseway.registry.models import Complication, Procedure, Surgery, TeamMember

#: Rows exported, in the order a reader expects them.
EXPORTED_ROWS: list[type[Any]] = [
    m.Condition,
    m.Staging,
    m.StatusAssessment,
    m.Measurement,
    m.Biomarker,
    m.Variant,
    m.Treatment,
    m.Document,
]


def registry_surgeries(
    patient: m.Patient, actor: Any, *, journal_each: bool = True
) -> list[Surgery]:
    """The patient's current registry surgeries the actor may see, children prefetched.

    The registry has its own policy (the operating center's clinical staff), stricter than the
    record's (a shared record is seen by another center too), so without an actor to check it
    against nothing from the registry is exported. Superseded (amended) versions are left out.
    The reading is journaled per patient unless the caller journals a whole export.
    """
    if actor is None:
        return []
    try:
        visible = access.scope(actor, Surgery)
    except Forbidden:
        return []
    children = [
        Prefetch(name, queryset=model.objects.filter(voided=False).order_by("pk"))
        for name, model in (
            ("procedures", Procedure),
            ("team", TeamMember),
            ("complications", Complication),
        )
    ]
    surgeries = list(
        visible.filter(patient=patient, voided=False)
        .exclude(amendments__voided=False)
        .order_by("date", "pk")
        .prefetch_related(*children)
    )
    if surgeries and journal_each:
        access.record_search(actor, Surgery, {"patient": patient.pk, "export": "$everything"})
    return surgeries


def patient_resources(
    patient: m.Patient, actor: Any = None, *, journal_each: bool = True
) -> Iterator[dict[str, Any]]:
    """Every resource of one patient: the Patient, then each row (voided rows left out).

    With an ``actor``, the registry surgeries they may see come too: a surgery the import wrote
    beside a surgical treatment (same source key) enriches that treatment's Procedure; one
    recorded in the registry only is a Procedure of its own. Each is followed by its registry
    Observations. Then the tumor-board CarePlans they may see. ``journal_each=False`` when the
    caller journals the whole export (a bulk export), not one entry per patient.
    """
    yield to_fhir.patient(patient, list(patient.identifiers.filter(voided=False)))
    surgeries = registry_surgeries(patient, actor, journal_each=journal_each)
    by_key = {s.source_key: s for s in surgeries if s.source_key}
    linked: set[int] = set()
    for model in EXPORTED_ROWS:
        for row in model._default_manager.filter(patient=patient, voided=False).order_by("pk"):
            resource = to_fhir.row_resource(row)
            surgery = (
                by_key.get(row.source_key) if model is m.Treatment and row.source_key else None
            )
            if surgery is None or surgery.pk in linked or row.kind != "surgery":
                yield resource
                continue
            linked.add(surgery.pk)
            yield to_fhir.surgery_procedure(surgery, resource)
            yield from to_fhir.surgery_observations(surgery, resource["id"])
    for surgery in surgeries:
        if surgery.pk not in linked:
            resource = to_fhir.surgery_procedure(surgery)
            yield resource
            yield from to_fhir.surgery_observations(surgery, resource["id"])
    yield from board_care_plans(patient, actor, journal_each=journal_each)


def board_care_plans(
    patient: m.Patient, actor: Any, *, journal_each: bool = True
) -> Iterator[dict[str, Any]]:
    """The patient's signed, current tumor-board recommendations the actor may see, as
    CarePlans (the board's policy decides, as the registry's does for surgeries)."""
    from caseway.tumorboard.fhir import care_plan
    from caseway.tumorboard.models import Recommendation

    if actor is None:
        return
    try:
        visible = access.scope(actor, Recommendation)
    except Forbidden:
        return
    plans = list(
        visible.filter(case__patient=patient, voided=False, signed_at__isnull=False)
        .exclude(amendments__voided=False)
        .order_by("signed_at", "pk")
    )
    if plans and journal_each:
        access.record_search(
            actor, Recommendation, {"patient": patient.pk, "export": "$everything"}
        )
    for plan in plans:
        yield care_plan(plan)


def everything(patient: m.Patient, base_url: str = "", actor: Any = None) -> dict[str, Any]:
    """The searchset Bundle answering Patient/{id}/$everything (registry surgeries: see
    ``patient_resources``; pass the requesting actor to include them)."""
    entries = [
        {
            "fullUrl": f"{base_url}{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in patient_resources(patient, actor)
    ]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
