"""Forms for the directory; each carries the version it was based on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caseway.core.ui import VersionedForm, https_formfield
from caseway.organizations.choices import SPOKEN_LANGUAGES
from caseway.organizations.models import (
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstitutionForm(VersionedForm):
    class Meta:
        model = Institution
        fields = [
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
        ]
        widgets = {"member_since": DATE}
        formfield_callback = https_formfield


class RegistrationForm(VersionedForm):
    class Meta:
        model = InstitutionRegistration
        fields = ["institution", "kind", "number", "issued_by", "issued_on", "expires_on", "notes"]
        widgets = {"issued_on": DATE, "expires_on": DATE}


class CenterForm(VersionedForm):
    class Meta:
        model = Center
        fields = [
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
        ]


class DepartmentForm(VersionedForm):
    class Meta:
        model = Department
        fields = ["institution", "name_en", "name_ko", "kind"]


class ClinicianForm(VersionedForm):
    languages = forms.MultipleChoiceField(
        label=_("languages spoken"),
        choices=SPOKEN_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Clinician
        fields = [
            "institution",
            "department",
            "center",
            "name_en",
            "name_ko",
            "title",
            "specialty",
            "languages",
            "email",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            voided=False
        ).select_related("institution")
        self.fields["center"].queryset = Center.objects.filter(  # type: ignore[attr-defined]
            voided=False
        ).select_related("institution")
