"""Patient/$everything and the bulk (NDJSON per resource type) export of a center."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
    m.Document,
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
