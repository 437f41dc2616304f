"""Forms for the patient record; related choices come through the access gate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caseway.core.ui import GatedForm
from caseway.organizations.models import Center
from caseway.records import models as m
from caseway.records.files import FileRejected, Inspected, inspect
from caseway.records.files import max_bytes as max_document_bytes
from caseway.records.services import attach

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(GatedForm):
    national_id = forms.CharField(
        label=_("national identifier"),
        required=False,
        max_length=40,
        help_text=_("Optional. Stored encrypted, shown to no one, never used to find a patient."),
        widget=forms.PasswordInput(render_value=False),
    )
    gated_choices = {"center": Center}

    class Meta:
        model = m.Patient
        fields = [
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
        ]
        widgets = {"birth_date": DATE}

    def changes(self) -> dict[str, Any]:
        changed = super().changes()
        national_id = changed.pop("national_id", "")
        if national_id:
            changed["national_id"] = national_id  # the model property encrypts it
        return changed

    def save(self, commit: bool = True) -> m.Patient:
        patient: m.Patient = super().save(commit=False)
        if self.cleaned_data.get("national_id"):
            patient.national_id = self.cleaned_data["national_id"]
        if commit:
            patient.save()
        return patient


def row_form(model: type[Any], fields: list[str], dates: list[str]) -> type[GatedForm]:
    """A gated form for a row about a patient: patients offered are those the actor may see."""
    gated: dict[str, type[Any]] = {"patient": m.Patient}
    if "condition" in fields:
        gated["condition"] = m.Condition
    meta = type(
        "Meta",
        (),
        {"model": model, "fields": ["patient", *fields], "widgets": {name: DATE for name in dates}},
    )
    return type(f"{model.__name__}Form", (GatedForm,), {"Meta": meta, "gated_choices": gated})


ConditionForm = row_form(
    m.Condition,
    [
        "role",
        "icd10",
        "description",
        "topography",
        "morphology",
        "histotype",
        "grade",
        "diagnosed_on",
    ],
    ["diagnosed_on"],
)
StagingForm = row_form(
    m.Staging, ["condition", "system", "stage", "t", "n", "m", "basis", "staged_on"], ["staged_on"]
)
MeasurementForm = row_form(
    m.Measurement, ["kind", "code", "name", "value", "unit", "measured_on"], ["measured_on"]
)
BiomarkerForm = row_form(
    m.Biomarker, ["kind", "origin", "result", "reported_on", "report"], ["reported_on"]
)
VariantForm = row_form(
    m.Variant,
    [
        "gene",
        "hgvs_protein",
        "hgvs_cdna",
        "category",
        "origin",
        "classification",
        "reported_on",
        "report",
    ],
    ["reported_on"],
)
TreatmentForm = row_form(
    m.Treatment,
    ["kind", "line", "description", "code", "started_on", "ended_on", "condition"],
    ["started_on", "ended_on"],
)
StatusForm = row_form(m.StatusAssessment, ["condition", "status", "assessed_on"], ["assessed_on"])
ConsentForm = row_form(
    m.Consent,
    ["category", "purpose", "scope", "given_on", "withdrawn_on"],
    ["given_on", "withdrawn_on"],
)


class DocumentForm(GatedForm):
    """Upload a PDF, image or DICOM file (checked by content), or write a report's text."""

    upload = forms.FileField(
        label=_("file"), required=False, help_text=_("PDF, PNG, JPEG or DICOM.")
    )
    gated_choices = {"patient": m.Patient}

    class Meta:
        model = m.Document
        fields = ["patient", "title", "document_date", "text"]
        widgets = {"document_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspected: Inspected | None = None
        self.content = b""
        if self.instance.pk:
            del self.fields["upload"]  # a stored file is never replaced; void and upload anew

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            if upload.size > max_document_bytes():
                raise forms.ValidationError(_("The file is too large."))
            self.content = upload.read()
            try:
                self.inspected = inspect(self.content)
            except FileRejected as exc:
                raise forms.ValidationError(str(exc)) from None
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.instance.pk and not data.get("upload") and not data.get("text"):
            raise forms.ValidationError(_("Attach a file or write the report's text."))
        return data

    def save(self, commit: bool = True) -> m.Document:
        document: m.Document = super().save(commit=False)
        if not document.pk:
            attach(document, self.inspected, self.content)
        if commit:
            document.save()
        return document


class ShareForm(forms.Form):
    """Share a record with another center (needs the patient's health-data consent)."""

    shared_with = forms.ModelChoiceField(label=_("share with"), queryset=Center.objects.none())
    reason = forms.CharField(label=_("reason"), max_length=300)
    until = forms.DateField(label=_("until"), required=False, widget=DATE)

    def __init__(self, *args: Any, patient: m.Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = (  # type: ignore[attr-defined]
            Center.objects.filter(voided=False)
            .exclude(pk=patient.center_id)
            .select_related("institution")
        )
