"""Patient/$everything and the bulk (NDJSON per resource type) export of a center."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db import models

from caseway.records import models as m
from caseway.records.fhir import to_fhir

#: Rows exported, in the order a reader expects them.
EXPORTED_ROWS: list[type[Any]] = [
    m.Condition,
    m.Staging,
    m.StatusAssessment,
    m.Measurement,
    m.Biomarker,
    m.Variant,
    m.Treatment,
]


def patient_resources(patient: m.Patient) -> Iterator[dict[str, Any]]:
    """Every resource of one patient: the Patient, then each row (voided rows left out)."""
    yield to_fhir.patient(patient, list(patient.identifiers.filter(voided=False)))
    for model in EXPORTED_ROWS:
        for row in model._default_manager.filter(patient=patient, voided=False).order_by("pk"):
            yield to_fhir.row_resource(row)


def everything(patient: m.Patient, base_url: str = "") -> dict[str, Any]:
    """The searchset Bundle answering Patient/{id}/$everything."""
    entries = [
        {
            "fullUrl": f"{base_url}{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in patient_resources(patient)
    ]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def bulk_lines(patients: models.QuerySet[m.Patient]) -> dict[str, Iterator[str]]:
    """NDJSON lines per resource type for many patients (the Bulk Data file layout)."""

    def lines(resource_type: str) -> Iterator[str]:
        for patient in patients.iterator(chunk_size=500):
            for resource in patient_resources(patient):
                if resource["resourceType"] == resource_type:
                    yield json.dumps(resource, ensure_ascii=False) + "\n"

    return {
        t: lines(t)
        for t in ("Patient", "Condition", "Observation", "Procedure", "MedicationStatement")
    }
