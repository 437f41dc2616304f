"""A patient's timeline: every dated entry of the record, newest first, one query per kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from caseway.records import models as m


@dataclass(frozen=True)
class Entry:
    day: dt.date
    kind: str
    summary: str
    detail: str
    model: str
    pk: int


def _entries(patient: m.Patient) -> list[Entry]:
    entries: list[Entry] = []
    live = {"patient": patient, "voided": False}
    for condition in m.Condition.objects.filter(**live).exclude(diagnosed_on=None):
        entries.append(
            Entry(
                condition.diagnosed_on,  # type: ignore[arg-type]  # None excluded above
                str(_("Diagnosis")),
                str(condition),
                condition.histotype,
                "condition",
                condition.pk,
            )
        )
    for stage in m.Staging.objects.filter(**live).select_related("condition"):
        entries.append(
            Entry(
                stage.staged_on,
                str(_("Staging")),
                str(stage),
                f"{stage.get_basis_display()} · {stage.condition.icd10}",
                "staging",
                stage.pk,
            )
        )
    for status in m.StatusAssessment.objects.filter(**live):
        entries.append(
            Entry(
                status.assessed_on,
                str(_("Disease status")),
                status.get_status_display(),
                "",
                "statusassessment",
                status.pk,
            )
        )
    for measurement in m.Measurement.objects.filter(**live):
        entries.append(
            Entry(
                measurement.measured_on,
                measurement.get_kind_display(),
                str(measurement),
                measurement.code,
                "measurement",
                measurement.pk,
            )
        )
    for biomarker in m.Biomarker.objects.filter(**live):
        entries.append(
            Entry(
                biomarker.reported_on,
                str(_("Biomarker")),
                str(biomarker),
                biomarker.get_origin_display() if biomarker.origin else "",
                "biomarker",
                biomarker.pk,
            )
        )
    for variant in m.Variant.objects.filter(**live):
        entries.append(
            Entry(
                variant.reported_on,
                str(_("Genomic variant")),
                str(variant),
                f"{variant.get_origin_display()} · {variant.get_classification_display()}",
                "variant",
                variant.pk,
            )
        )
    for treatment in m.Treatment.objects.filter(**live):
        period = f"→ {treatment.ended_on}" if treatment.ended_on else ""
        entries.append(
            Entry(
                treatment.started_on,
                treatment.get_kind_display(),
                str(treatment),
                period,
                "treatment",
                treatment.pk,
            )
        )
    for document in m.Document.objects.filter(**live):
        entries.append(
            Entry(
                document.document_date,
                document.get_kind_display(),
                document.title,
                document.study_description or document.modality,
                "document",
                document.pk,
            )
        )
    for consent in m.Consent.objects.filter(**live):
        entries.append(
            Entry(
                consent.given_on,
                str(_("Consent")),
                str(consent),
                consent.purpose,
                "consent",
                consent.pk,
            )
        )
    return entries


def timeline(patient: m.Patient) -> list[Entry]:
    return sorted(_entries(patient), key=lambda e: (e.day, e.model, e.pk), reverse=True)


def patient_detail_extra(actor: Any, patient: m.Patient) -> dict[str, Any]:
    return {"timeline": timeline(patient)}
