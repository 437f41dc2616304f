"""Patient records under /api/records/, through the access gate (reads are audited)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, ModelSchema, Router, Schema, Status
from ninja.orm import create_schema

from caseway.accounts.actor import actor_for
from caseway.core import access
from caseway.core.access import Action
from caseway.core.api import Resource, add_resource_routes, partial_schema
from caseway.organizations.models import Center
from caseway.records import models as m
from caseway.records import services
from caseway.records.choices import (
    BiomarkerKind,
    ConditionRole,
    ConsentCategory,
    MeasurementKind,
    Origin,
    Sex,
    StagingBasis,
    TreatmentKind,
    VariantCategory,
    VariantClassification,
)

BOOKKEEPING = ["version", "created_at", "updated_at", "voided", "void_reason"]


class PatientOut(ModelSchema):
    class Meta:
        model = m.Patient
        fields = [
            "id",
            "center",
            "mrn",
            "passport_number",
            "name_original",
            "name_romanized",
            "sex",
            "birth_date",
            "nationality",
            "preferred_language",
            "phone",
            "email",
            "address",
            "referring_doctor",
            "referring_doctor_contact",
            *BOOKKEEPING,
        ]


class PatientIn(Schema):
    center: int
    mrn: str = Field(min_length=1, max_length=40)
    passport_number: str = ""
    name_original: str = Field(min_length=1, max_length=200)
    name_romanized: str = ""
    sex: Sex
    birth_date: dt.date
    nationality: str = ""
    preferred_language: str = "ko"
    phone: str = ""
    email: str = ""
    address: str = ""
    referring_doctor: str = ""
    referring_doctor_contact: str = ""


class PatientPatch(Schema):
    passport_number: str | None = None
    name_original: str | None = Field(None, min_length=1, max_length=200)
    name_romanized: str | None = None
    sex: Sex | None = None
    birth_date: dt.date | None = None
    nationality: str | None = None
    preferred_language: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    referring_doctor: str | None = None
    referring_doctor_contact: str | None = None


class PatientFilter(FilterSchema):
    center: int | None = None
    mrn: str | None = None
    q: Annotated[
        str | None, FilterLookup(["name_original__icontains", "name_romanized__icontains"])
    ] = None


class RowFilter(FilterSchema):
    patient: int | None = None


def _row_out(model: type[Any]) -> type[Schema]:
    names = [f.name for f in model._meta.fields if f.editable or f.name in ("id", *BOOKKEEPING)]
    return create_schema(model, name=f"{model.__name__}Out", fields=names)


class ConditionIn(Schema):
    patient: int
    role: ConditionRole
    icd10: str
    description: str = Field(min_length=1, max_length=300)
    topography: str = ""
    morphology: str = ""
    histotype: str = ""
    grade: str = ""
    diagnosed_on: dt.date | None = None


class StagingIn(Schema):
    patient: int
    condition: int
    system: str
    stage: str
    t: str = ""
    n: str = ""
    m: str = ""
    basis: StagingBasis
    staged_on: dt.date


class MeasurementIn(Schema):
    patient: int
    kind: MeasurementKind
    code: str = ""
    name: str = Field(min_length=1, max_length=100)
    value: Decimal
    unit: str = ""
    measured_on: dt.date


class BiomarkerIn(Schema):
    patient: int
    kind: BiomarkerKind
    origin: Origin | None = None
    result: str
    reported_on: dt.date
    report: str = ""


class VariantIn(Schema):
    patient: int
    gene: str
    hgvs_protein: str = ""
    hgvs_cdna: str = ""
    category: VariantCategory
    origin: Origin
    classification: VariantClassification
    reported_on: dt.date
    report: str = ""


class TreatmentIn(Schema):
    patient: int
    kind: TreatmentKind
    line: int | None = None
    description: str = Field(min_length=1, max_length=300)
    code: str = ""
    started_on: dt.date
    ended_on: dt.date | None = None
    condition: int | None = None


class ConsentIn(Schema):
    patient: int
    category: ConsentCategory
    purpose: str = Field(min_length=1, max_length=300)
    scope: str = ""
    given_on: dt.date
    withdrawn_on: dt.date | None = None


class ShareIn(Schema):
    patient: int
    shared_with: int
    reason: str = Field(min_length=3, max_length=300)
    until: dt.date | None = None


router = Router()
_patients = Router()
add_resource_routes(
    _patients,
    Resource(
        m.Patient,
        PatientOut,
        PatientIn,
        PatientPatch,
        PatientFilter,
        ordering=("name_romanized", "pk"),
    ),
)
router.add_router("/patients", _patients)

ROWS: dict[str, tuple[type[Any], type[Schema]]] = {
    "conditions": (m.Condition, ConditionIn),
    "stagings": (m.Staging, StagingIn),
    "measurements": (m.Measurement, MeasurementIn),
    "biomarkers": (m.Biomarker, BiomarkerIn),
    "variants": (m.Variant, VariantIn),
    "treatments": (m.Treatment, TreatmentIn),
    "consents": (m.Consent, ConsentIn),
}
for _prefix, (_model, _schema) in ROWS.items():
    _sub = Router()
    add_resource_routes(
        _sub,
        Resource(
            _model,
            _row_out(_model),
            _schema,
            partial_schema(_schema, exclude=("patient",)),
            RowFilter,
        ),
    )
    router.add_router(f"/{_prefix}", _sub)

ShareOut = _row_out(m.Share)


@router.post("/shares", response={201: ShareOut}, tags=["record shares"])
def share(request: HttpRequest, payload: ShareIn) -> Status[m.Share]:
    """Share a record with another center; requires the patient's health-data consent."""
    actor = actor_for(request)
    patient = access.fetch(actor, m.Patient, Action.VIEW, pk=payload.patient)
    center = access.fetch(actor, Center, Action.VIEW, pk=payload.shared_with)
    return Status(201, services.share_record(actor, patient, center, payload.reason, payload.until))
