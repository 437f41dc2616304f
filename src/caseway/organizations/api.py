"""Directory endpoints under /api/directory/, all through the access gate."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, FilterLookup, FilterSchema, ModelSchema, Router, Schema

from caseway.core.api import Resource, add_resource_routes
from caseway.organizations.choices import CenterKind, DepartmentKind, RegistrationKind
from caseway.organizations.models import (
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

BOOKKEEPING = ["version", "created_at", "updated_at", "voided", "voided_at", "void_reason"]


class InstitutionOut(ModelSchema):
    class Meta:
        model = Institution
        fields = [
            "id",
            "code",
            "name_en",
            "name_ko",
            "city_en",
            "city_ko",
            "address",
            "website",
            "founded_year",
            "member_since",
            "ipc_contact_name",
            "ipc_phone",
            "ipc_email",
            *BOOKKEEPING,
        ]


class InstitutionIn(Schema):
    code: str = Field(max_length=40)
    name_en: str = Field(min_length=1, max_length=200)
    name_ko: str = Field(min_length=1, max_length=200)
    city_en: str = Field(min_length=1, max_length=100)
    city_ko: str = Field(min_length=1, max_length=100)
    address: str = ""
    website: str = ""
    founded_year: int | None = None
    member_since: dt.date | None = None
    ipc_contact_name: str = ""
    ipc_phone: str = ""
    ipc_email: str = ""


class InstitutionPatch(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ko: str | None = Field(None, min_length=1, max_length=200)
    city_en: str | None = Field(None, min_length=1, max_length=100)
    city_ko: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = None
    website: str | None = None
    founded_year: int | None = None
    member_since: dt.date | None = None
    ipc_contact_name: str | None = None
    ipc_phone: str | None = None
    ipc_email: str | None = None


class InstitutionFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name_en__icontains", "name_ko__icontains", "code"])] = (
        None
    )
    city: Annotated[str | None, FilterLookup(["city_en__iexact", "city_ko__iexact"])] = None
    voided: bool | None = None


class RegistrationOut(ModelSchema):
    status: str

    class Meta:
        model = InstitutionRegistration
        fields = [
            "id",
            "institution",
            "kind",
            "number",
            "issued_by",
            "issued_on",
            "expires_on",
            "notes",
            *BOOKKEEPING,
        ]


class RegistrationIn(Schema):
    institution: int
    kind: RegistrationKind
    number: str = Field(min_length=1, max_length=80)
    issued_by: str = Field(min_length=1, max_length=200)
    issued_on: dt.date
    expires_on: dt.date
    notes: str = ""


class RegistrationPatch(Schema):
    number: str | None = Field(None, min_length=1, max_length=80)
    issued_by: str | None = Field(None, min_length=1, max_length=200)
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    notes: str | None = None


class RegistrationFilter(FilterSchema):
    institution: int | None = None
    kind: RegistrationKind | None = None
    expires_before: Annotated[dt.date | None, FilterLookup("expires_on__lt")] = None


class CenterOut(ModelSchema):
    class Meta:
        model = Center
        fields = [
            "id",
            "institution",
            "code",
            "name_en",
            "name_ko",
            "kind",
            "description_en",
            "description_ko",
            "established_year",
            "phone",
            "email",
            *BOOKKEEPING,
        ]


class CenterIn(Schema):
    institution: int
    code: str = Field(max_length=40)
    name_en: str = Field(min_length=1, max_length=200)
    name_ko: str = Field(min_length=1, max_length=200)
    kind: CenterKind
    description_en: str = ""
    description_ko: str = ""
    established_year: int | None = None
    phone: str = ""
    email: str = ""


class CenterPatch(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ko: str | None = Field(None, min_length=1, max_length=200)
    kind: CenterKind | None = None
    description_en: str | None = None
    description_ko: str | None = None
    established_year: int | None = None
    phone: str | None = None
    email: str | None = None


class CenterFilter(FilterSchema):
    institution: int | None = None
    kind: CenterKind | None = None
    q: Annotated[str | None, FilterLookup(["name_en__icontains", "name_ko__icontains", "code"])] = (
        None
    )


class DepartmentOut(ModelSchema):
    class Meta:
        model = Department
        fields = ["id", "institution", "name_en", "name_ko", "kind", *BOOKKEEPING]


class DepartmentIn(Schema):
    institution: int
    name_en: str = Field(min_length=1, max_length=200)
    name_ko: str = Field(min_length=1, max_length=200)
    kind: DepartmentKind


class DepartmentPatch(Schema):
    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ko: str | None = Field(None, min_length=1, max_length=200)
    kind: DepartmentKind | None = None


class DepartmentFilter(FilterSchema):
    institution: int | None = None
    kind: DepartmentKind | None = None


class ClinicianOut(ModelSchema):
    class Meta:
        model = Clinician
        fields = [
            "id",
            "institution",
            "department",
            "center",
            "name_en",
            "name_ko",
            "title",
            "specialty",
            "languages",
            "email",
            *BOOKKEEPING,
        ]


class ClinicianIn(Schema):
    institution: int
    department: int
    center: int | None = None
    name_en: str = Field(min_length=1, max_length=200)
    name_ko: str = ""
    title: str = ""
    specialty: str = Field(min_length=1, max_length=200)
    languages: list[str] = []
    email: str = ""


class ClinicianPatch(Schema):
    department: int | None = None
    center: int | None = None
    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_ko: str | None = None
    title: str | None = None
    specialty: str | None = Field(None, min_length=1, max_length=200)
    languages: list[str] | None = None
    email: str | None = None


class ClinicianFilter(FilterSchema):
    institution: int | None = None
    department: int | None = None
    center: int | None = None
    language: Annotated[str | None, FilterLookup("languages__icontains")] = None
    q: Annotated[
        str | None,
        FilterLookup(["name_en__icontains", "name_ko__icontains", "specialty__icontains"]),
    ] = None


RESOURCES = {
    "institutions": Resource(
        Institution,
        InstitutionOut,
        InstitutionIn,
        InstitutionPatch,
        InstitutionFilter,
        ordering=("name_en",),
    ),
    "registrations": Resource(
        InstitutionRegistration,
        RegistrationOut,
        RegistrationIn,
        RegistrationPatch,
        RegistrationFilter,
        ordering=("expires_on",),
    ),
    "centers": Resource(
        Center, CenterOut, CenterIn, CenterPatch, CenterFilter, ordering=("name_en",)
    ),
    "departments": Resource(
        Department,
        DepartmentOut,
        DepartmentIn,
        DepartmentPatch,
        DepartmentFilter,
        ordering=("institution", "name_en"),
    ),
    "clinicians": Resource(
        Clinician, ClinicianOut, ClinicianIn, ClinicianPatch, ClinicianFilter, ordering=("name_en",)
    ),
}

router = Router()
for prefix, resource in RESOURCES.items():
    sub = Router()
    add_resource_routes(sub, resource)
    router.add_router(f"/{prefix}", sub)
