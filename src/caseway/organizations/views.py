"""Directory pages: institutions, their registrations, centers, departments and clinicians."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from caseway.core.ui import PageSet
from caseway.organizations import forms
from caseway.organizations.models import (
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

NAMESPACE = "organizations"

institutions = PageSet(
    model=Institution,
    namespace=NAMESPACE,
    list_columns=["name", "city", "code", "member_since"],
    detail_fields=[
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
    ],
    form_class=forms.InstitutionForm,
    search_fields=["name_en", "name_ko", "code", "city_en", "city_ko"],
    ordering=("name_en",),
    related_lists=[
        ("centers", _("Centers"), ["name", "kind", "code"]),
        ("departments", _("Departments"), ["name", "kind"]),
        ("registrations", _("Registrations"), ["kind", "number", "expires_on", "status"]),
    ],
)

registrations = PageSet(
    model=InstitutionRegistration,
    namespace=NAMESPACE,
    list_columns=["number", "institution", "kind", "expires_on", "status"],
    detail_fields=[
        "institution",
        "kind",
        "number",
        "issued_by",
        "issued_on",
        "expires_on",
        "status",
        "notes",
    ],
    form_class=forms.RegistrationForm,
    search_fields=["number", "institution__name_en", "institution__name_ko"],
    ordering=("expires_on",),
)

centers = PageSet(
    model=Center,
    namespace=NAMESPACE,
    list_columns=["name", "institution", "kind", "established_year"],
    detail_fields=[
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
    ],
    form_class=forms.CenterForm,
    search_fields=["name_en", "name_ko", "code", "institution__name_en", "institution__name_ko"],
    ordering=("name_en",),
    related_lists=[("clinicians", _("Clinicians"), ["name", "specialty", "languages"])],
)

departments = PageSet(
    model=Department,
    namespace=NAMESPACE,
    list_columns=["name", "institution", "kind"],
    detail_fields=["institution", "name_en", "name_ko", "kind"],
    form_class=forms.DepartmentForm,
    search_fields=["name_en", "name_ko", "institution__name_en", "institution__name_ko"],
    ordering=("institution__name_en", "name_en"),
    related_lists=[("clinicians", _("Clinicians"), ["name", "specialty", "languages"])],
)

clinicians = PageSet(
    model=Clinician,
    namespace=NAMESPACE,
    list_columns=["name", "institution", "department", "specialty", "languages"],
    detail_fields=[
        "institution",
        "department",
        "center",
        "name_en",
        "name_ko",
        "title",
        "specialty",
        "languages",
        "email",
    ],
    form_class=forms.ClinicianForm,
    search_fields=[
        "name_en",
        "name_ko",
        "specialty",
        "department__name_en",
        "department__name_ko",
        "institution__name_en",
        "institution__name_ko",
    ],
    ordering=("name_en",),
)

PAGE_SETS = [institutions, registrations, centers, departments, clinicians]
