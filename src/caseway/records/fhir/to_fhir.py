"""Caseway's record as FHIR R4 (mCODE) resources: plain dicts, validated by the callers' tests.

Every exported row carries an identifier in ``urn:caseway:fhir:row:<kind>`` so importing an
export again matches the same rows instead of duplicating them, and the identifier it was
imported with, if any.

A surgical registry record is exported as a Procedure with the registry's codings, extensions,
performers and complications, and Observations part of it (residual disease, PCI, blood loss):
the elements ``from_fhir`` reads back, so a round trip keeps what is mapped.
"""

from __future__ import annotations

from typing import Any

from caseway.records import models as m
from caseway.records.fhir import codes as c

ROW_SYSTEM = c.CASEWAY + "row:"
#: Identifier system of a registry surgery (not a record row: the importer never matches on it).
REGISTRY_ROW = ROW_SYSTEM + "surgery"
#: FHIR logical id prefixes of Caseway rows exported as Observations or treatments.
PREFIX = {
    "staging": "stage",
    "measurement": "meas",
    "biomarker": "bio",
    "variant": "var",
    "statusassessment": "status",
    "treatment": "tx",
    "document": "doc",
    "surgery": "surg",
}


def resource_id(row: Any) -> str:
    prefix = PREFIX.get(row._meta.model_name)
    return f"{prefix}-{row.pk}" if prefix else str(row.pk)


def _identifiers(row: Any) -> list[dict[str, Any]]:
    ids = [{"system": ROW_SYSTEM + row._meta.model_name, "value": str(row.pk)}]
    if row.source_key and "|" in row.source_key:
        system, value = row.source_key.split("|", 1)
        ids.append({"system": system, "value": value} if system else {"value": value})
    return ids


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _subject(row: Any) -> dict[str, str]:
    return {"reference": f"Patient/{row.patient_id}"}


def patient(p: m.Patient, identifiers: list[m.Identifier]) -> dict[str, Any]:
    ids = [
        {
            "type": {"coding": [_coding(c.V2_0203, "MR")]},
            "system": c.MRN_SYSTEM + p.center.code,
            "value": p.mrn,
        }
    ]
    if p.passport_number:
        ids.append(
            {
                "type": {"coding": [_coding(c.V2_0203, "PPN")]},
                "system": c.PASSPORT_SYSTEM + (p.nationality or "XX"),
                "value": p.passport_number,
            }
        )
    ids += [{"system": i.system, "value": i.value} for i in identifiers if not i.voided]
    names = [{"use": "official", "text": p.name_original}]
    if p.name_romanized:
        names.append({"use": "usual", "text": p.name_romanized})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p.pk),
        "meta": {"profile": [c.PROFILE_PATIENT]},
        "identifier": ids,
        "name": names,
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
        "communication": [
            {
                "language": {"coding": [_coding("urn:ietf:bcp:47", p.preferred_language)]},
                "preferred": True,
            }
        ],
    }
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone})
    if p.email:
        telecom.append({"system": "email", "value": p.email})
    if telecom:
        resource["telecom"] = telecom
    if p.address:
        resource["address"] = [{"text": p.address}]
    if p.nationality:
        resource["extension"] = [
            {
                "url": c.NATIONALITY_EXT,
                "extension": [
                    {
                        "url": "code",
                        "valueCodeableConcept": {
                            "coding": [_coding("urn:iso:std:iso:3166", p.nationality)]
                        },
                    }
                ],
            }
        ]
    if p.referring_doctor:
        doctor: dict[str, Any] = {"display": p.referring_doctor}
        if p.referring_doctor_contact:
            doctor["identifier"] = {
                "system": c.CASEWAY + "referrer-contact",
                "value": p.referring_doctor_contact,
            }
        resource["generalPractitioner"] = [doctor]
    return resource


def condition(row: m.Condition) -> dict[str, Any]:
    profile = {"primary": c.PROFILE_PRIMARY, "secondary": c.PROFILE_SECONDARY}.get(row.role)
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": resource_id(row),
        "identifier": _identifiers(row),
        "clinicalStatus": {
            "coding": [
                _coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")
            ]
        },
        "verificationStatus": {
            "coding": [
                _coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed")
            ]
        },
        "category": [
            {
                "coding": [
                    _coding(
                        "http://terminology.hl7.org/CodeSystem/condition-category",
                        "problem-list-item",
                    )
                ]
            }
        ],
        "code": {
            "coding": [
                _coding(c.ICD10, row.icd10) if row.icd10 else _coding(row.code_system, row.code)
            ],
            "text": row.description,
        },
        "subject": _subject(row),
    }
    if profile:
        resource["meta"] = {"profile": [profile]}
    extensions = []
    if row.morphology or row.histotype:
        concept: dict[str, Any] = {}
        if row.morphology:
            concept["coding"] = [_coding(c.ICDO3, row.morphology)]
        if row.histotype:
            concept["text"] = row.histotype
        extensions.append({"url": c.EXT_HISTOLOGY, "valueCodeableConcept": concept})
    if row.grade:
        extensions.append({"url": c.EXT_GRADE, "valueString": row.grade})
    if extensions:
        resource["extension"] = extensions
    if row.topography:
        resource["bodySite"] = [{"coding": [_coding(c.ICDO3, row.topography)]}]
    if row.diagnosed_on:
        resource["onsetDateTime"] = row.diagnosed_on.isoformat()
    return resource


def _observation(
    row: Any, profile: str | None, code: dict[str, Any], day: Any, category: str = "laboratory"
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id(row),
        "identifier": _identifiers(row),
        "status": "final",
        "category": [{"coding": [_coding(c.OBSERVATION_CATEGORY, category)]}],
        "code": code,
        "subject": _subject(row),
        "effectiveDateTime": day.isoformat(),
    }
    if profile:
        resource["meta"] = {"profile": [profile]}
    return resource


def staging(row: m.Staging) -> dict[str, Any]:
    is_figo = row.system.startswith("figo")
    loinc = c.LOINC_STAGE_PATHOLOGICAL if row.basis == "pathological" else c.LOINC_STAGE_CLINICAL
    resource = _observation(
        row,
        c.PROFILE_FIGO if is_figo else c.PROFILE_TNM_GROUP,
        {"coding": [_coding(c.LOINC, loinc)]},
        row.staged_on,
        "survey",
    )
    resource["method"] = {"coding": [_coding(c.CASEWAY + "staging-system", row.system)]}
    resource["valueCodeableConcept"] = {
        "coding": [_coding(c.STAGING_SYSTEM + row.system, row.stage)]
    }
    resource["focus"] = [{"reference": f"Condition/{row.condition_id}"}]
    components = [
        {"code": {"text": name.upper()}, "valueCodeableConcept": {"text": value}}
        for name, value in (("t", row.t), ("n", row.n), ("m", row.m))
        if value
    ]
    if components:
        resource["component"] = components
    return resource


def status(row: m.StatusAssessment) -> dict[str, Any]:
    resource = _observation(
        row,
        c.PROFILE_DISEASE_STATUS,
        {"coding": [_coding(c.LOINC, c.LOINC_DISEASE_STATUS)]},
        row.assessed_on,
        "exam",
    )
    resource["valueCodeableConcept"] = {"coding": [_coding(c.DISEASE_STATUS, row.status)]}
    resource["focus"] = [{"reference": f"Condition/{row.condition_id}"}]
    return resource


def measurement(row: m.Measurement) -> dict[str, Any]:
    profile = {
        "tumor_marker": c.PROFILE_TUMOR_MARKER,
        "ecog": c.PROFILE_ECOG,
        "karnofsky": c.PROFILE_KARNOFSKY,
    }.get(row.kind)
    codings = [_coding(c.MEASUREMENT_KIND, row.kind)]
    if row.code:
        codings.insert(0, _coding(c.LOINC, row.code, row.name))
    resource = _observation(
        row,
        profile,
        {"coding": codings, "text": row.name},
        row.measured_on,
        "survey" if row.kind in ("ecog", "karnofsky") else "laboratory",
    )
    if row.kind in ("ecog", "karnofsky"):
        resource["valueInteger"] = int(row.value)
    else:
        quantity: dict[str, Any] = {"value": float(row.value)}
        if row.unit:
            quantity["unit"] = row.unit
        resource["valueQuantity"] = quantity
    return resource


def biomarker(row: m.Biomarker) -> dict[str, Any]:
    resource = _observation(
        row,
        None,
        {"coding": [_coding(c.BIOMARKER, row.kind)], "text": row.get_kind_display()},
        row.reported_on,
    )
    resource["valueCodeableConcept"] = {"coding": [_coding(c.BIOMARKER_RESULT, row.result)]}
    if row.origin:
        resource["component"] = [
            {
                "code": {"coding": [_coding(c.LOINC, c.LOINC_GENOMIC_SOURCE)]},
                "valueCodeableConcept": {
                    "coding": [_coding(c.LOINC, c.GENOMIC_SOURCE[row.origin])]
                },
            }
        ]
    if row.report:
        resource["note"] = [{"text": row.report}]
    return resource


def variant(row: m.Variant) -> dict[str, Any]:
    resource = _observation(
        row,
        c.PROFILE_VARIANT,
        {"coding": [_coding(c.LOINC, c.LOINC_VARIANT_ASSESSMENT)]},
        row.reported_on,
    )
    resource["valueCodeableConcept"] = {
        "coding": [
            _coding(c.LOINC, c.CLINICAL_SIGNIFICANCE[row.classification]),
            _coding(c.VARIANT_CLASSIFICATION, row.classification),
        ]
    }
    components = [
        {
            "code": {"coding": [_coding(c.LOINC, c.LOINC_GENE)]},
            "valueCodeableConcept": {"coding": [_coding(c.HGNC, row.gene, row.gene)]},
        },
        {
            "code": {"coding": [_coding(c.LOINC, c.LOINC_GENOMIC_SOURCE)]},
            "valueCodeableConcept": {"coding": [_coding(c.LOINC, c.GENOMIC_SOURCE[row.origin])]},
        },
        {
            "code": {"coding": [_coding(c.VARIANT_CATEGORY, "category")]},
            "valueCodeableConcept": {"coding": [_coding(c.VARIANT_CATEGORY, row.category)]},
        },
    ]
    if row.hgvs_protein:
        components.append(
            {
                "code": {"coding": [_coding(c.LOINC, c.LOINC_PROTEIN_CHANGE)]},
                "valueCodeableConcept": {"coding": [_coding(c.HGVS, row.hgvs_protein)]},
            }
        )
    if row.hgvs_cdna:
        components.append(
            {
                "code": {"coding": [_coding(c.LOINC, c.LOINC_CDNA_CHANGE)]},
                "valueCodeableConcept": {"coding": [_coding(c.HGVS, row.hgvs_cdna)]},
            }
        )
    resource["component"] = components
    if row.report:
        resource["note"] = [{"text": row.report}]
    return resource


def treatment(row: m.Treatment) -> dict[str, Any]:
    code: dict[str, Any] = {"text": row.description}
    if row.code:
        code["coding"] = [{"code": row.code}]
    period: dict[str, Any] = {"start": row.started_on.isoformat()}
    if row.ended_on:
        period["end"] = row.ended_on.isoformat()
    extensions = [{"url": c.EXT_TREATMENT_LINE, "valueInteger": row.line}] if row.line else []
    reason = [{"reference": f"Condition/{row.condition_id}"}] if row.condition_id else []
    common: dict[str, Any] = {
        "id": resource_id(row),
        "identifier": _identifiers(row),
        "subject": _subject(row),
    }
    if extensions:
        common["extension"] = extensions
    if row.kind == "systemic":
        resource = {
            "resourceType": "MedicationStatement",
            **common,
            "status": "completed" if row.ended_on else "active",
            "medicationCodeableConcept": code,
            "effectivePeriod": period,
        }
        if reason:
            resource["reasonReference"] = reason
        return resource
    profile = c.PROFILE_SURGERY if row.kind == "surgery" else c.PROFILE_RADIOTHERAPY
    resource = {
        "resourceType": "Procedure",
        **common,
        "meta": {"profile": [profile]},
        "status": "completed" if row.ended_on or row.kind == "surgery" else "in-progress",
        "category": {"text": row.kind},
        "code": code,
        "performedPeriod": period,
    }
    if reason:
        resource["reasonReference"] = reason
    return resource


def document(row: m.Document) -> dict[str, Any]:
    if not row.file:
        resource: dict[str, Any] = {
            "resourceType": "DiagnosticReport",
            "id": resource_id(row),
            "identifier": _identifiers(row),
            "status": "final",
            "code": {"text": row.title},
            "subject": _subject(row),
            "effectiveDateTime": row.document_date.isoformat(),
        }
        if row.text:
            resource["conclusion"] = row.text
        return resource
    attachment = {
        "contentType": row.content_type,
        "size": row.size,
        "title": row.title,
        "url": f"/records/documents/{row.pk}/file/",
    }
    return {
        "resourceType": "DocumentReference",
        "id": resource_id(row),
        "identifier": _identifiers(row),
        "status": "current",
        "subject": _subject(row),
        "date": f"{row.document_date.isoformat()}T00:00:00Z",
        "description": row.title,
        "content": [{"attachment": attachment}],
    }


# --- the surgical registry ------------------------------------------------------------------------
def _procedure_coding(row: Any) -> dict[str, Any]:
    """A registry procedure row as one coding of Procedure.code (``from_fhir`` reads it back)."""
    if row.standard_code:
        coding = _coding(row.standard_system, row.standard_code, row.name)
        if row.local_code != row.standard_code or row.standard_system != c.SNOMED:
            coding["extension"] = [{"url": c.EXT_LOCAL_CODE, "valueString": row.local_code}]
    else:
        coding = {"code": row.local_code, "display": row.name}
    if row.aletti_group:
        coding.setdefault("extension", []).append(
            {"url": c.ALETTI_GROUP, "valueCode": row.aletti_group}
        )
    return coding


def _surgery_extensions(surgery: Any) -> list[dict[str, Any]]:
    extensions = []
    for url, (name, element) in c.SURGERY_EXTENSIONS.items():
        value = getattr(surgery, name)
        if value not in (None, ""):  # blank: not recorded, so not said
            extensions.append({"url": url, element: value})
    if surgery.converted_to:
        parts = [{"url": "target", "valueCode": surgery.converted_to}]
        if surgery.conversion_reason:
            parts.append({"url": "reason", "valueString": surgery.conversion_reason})
        extensions.append({"url": c.EXT_SURGICAL_CONVERSION, "extension": parts})
    return extensions


def surgery_procedure(surgery: Any, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """A registry surgery (children prefetched, voided ones left out) as a surgical Procedure.

    ``record`` is the record's own Procedure for the same operation (the treatment the import
    wrote beside the surgery): the registry's elements are added to it, so one operation is one
    Procedure. Without it (a surgery recorded in the registry only) the Procedure is built here.
    """
    if record is None:
        resource: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": resource_id(surgery),
            "identifier": _identifiers(surgery),
            "meta": {"profile": [c.PROFILE_SURGERY]},
            "status": "completed",
            "category": {
                "coding": [_coding(c.SNOMED, c.SNOMED_SURGICAL_PROCEDURE, "Surgical procedure")],
                "text": "surgery",
            },
            "code": {"text": surgery.indication},
            "subject": _subject(surgery),
            "performedDateTime": surgery.date.isoformat(),
        }
        if surgery.condition_id:
            resource["reasonReference"] = [{"reference": f"Condition/{surgery.condition_id}"}]
    else:
        resource = dict(record)
        resource["identifier"] = [
            *record["identifier"],
            {"system": REGISTRY_ROW, "value": str(surgery.pk)},
        ]
    codings = [_procedure_coding(row) for row in surgery.procedures.all()]
    if codings:
        resource["code"] = {**resource["code"], "coding": codings}
    extensions = _surgery_extensions(surgery)
    if extensions:
        resource["extension"] = [*resource.get("extension", []), *extensions]
    performers = [
        {
            "extension": [{"url": c.EXT_SURGEON_SPECIALTY, "valueCode": member.specialty}],
            "function": {"coding": [_coding(c.SURGICAL_ROLE, member.role)]},
            "actor": {"display": member.name},
        }
        for member in surgery.team.all()
    ]
    if performers:
        resource["performer"] = performers
    complications = [
        {
            "extension": [{"url": c.EXT_COMPLICATION_DAY, "valueInteger": row.day}],
            "coding": [
                _coding(c.CLAVIEN_DINDO, row.grade + ("d" if row.present_at_discharge else ""))
            ],
            "text": row.description,
        }
        for row in surgery.complications.all()
    ]
    if complications:
        resource["complication"] = complications
    return resource


def surgery_observations(surgery: Any, procedure_id: str) -> list[dict[str, Any]]:
    """Residual disease, PCI at surgery and blood loss, as Observations part of the Procedure."""

    def observation(suffix: str, code: str, text: str) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": f"{procedure_id}-{suffix}",
            "status": "final",
            "category": [{"coding": [_coding(c.OBSERVATION_CATEGORY, "procedure")]}],
            "code": {"coding": [_coding(c.REGISTRY, code)], "text": text},
            "subject": _subject(surgery),
            "partOf": [{"reference": f"Procedure/{procedure_id}"}],
            "effectiveDateTime": surgery.date.isoformat(),
        }

    resources = []
    if surgery.residual_mm is not None:
        residual = observation("residual", "residual-disease-mm", "Largest residual nodule")
        residual["valueQuantity"] = {
            "value": float(surgery.residual_mm),
            "unit": "mm",
            "system": c.UCUM,
            "code": "mm",
        }
        if surgery.residual_locations:
            residual["bodySite"] = {"text": surgery.residual_locations}
        if surgery.incomplete_reason:
            residual["note"] = [{"text": surgery.incomplete_reason}]
        resources.append(residual)
    if surgery.pci_intraop:
        pci = observation("pci", "pci", "Peritoneal Cancer Index at surgery")
        pci["valueInteger"] = sum(surgery.pci_intraop.values())
        pci["component"] = [
            {
                "code": {"coding": [_coding(c.REGISTRY, f"pci-region-{region}")]},
                "valueInteger": score,
            }
            for region, score in sorted(surgery.pci_intraop.items(), key=lambda i: int(i[0]))
        ]
        resources.append(pci)
    if surgery.blood_loss_ml is not None:
        blood = observation("blood-loss", "blood-loss-ml", "Estimated blood loss")
        blood["valueQuantity"] = {
            "value": surgery.blood_loss_ml,
            "unit": "mL",
            "system": c.UCUM,
            "code": "mL",
        }
        resources.append(blood)
    return resources


EXPORTERS: dict[type[Any], Any] = {
    m.Condition: condition,
    m.Staging: staging,
    m.StatusAssessment: status,
    m.Measurement: measurement,
    m.Biomarker: biomarker,
    m.Variant: variant,
    m.Treatment: treatment,
    m.Document: document,
}


def row_resource(row: Any) -> dict[str, Any]:
    return EXPORTERS[type(row)](row)
