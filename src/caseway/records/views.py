"""Patient record pages: patients with their timeline, and each kind of entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from caseway.accounts.actor import actor_for
from caseway.core import access
from caseway.core.access import Action
from caseway.core.ui import PageSet
from caseway.records import forms, services
from caseway.records import models as m
from caseway.records.timeline import patient_detail_extra

NAMESPACE = "records"

patients = PageSet(
    model=m.Patient,
    namespace=NAMESPACE,
    list_columns=["name_original", "name_romanized", "mrn", "birth_date", "nationality", "center"],
    detail_fields=[
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
    ],
    form_class=forms.PatientForm,
    search_fields=["name_original", "name_romanized", "mrn", "passport_number"],
    ordering=("name_romanized", "name_original"),
    detail_template="records/patient_detail.html",
    detail_extra=patient_detail_extra,
    related_lists=[
        ("conditions", _("Conditions"), ["icd10", "description", "role", "diagnosed_on"]),
        ("consents", _("Consents"), ["category", "purpose", "given_on", "withdrawn_on"]),
        ("shares", _("Shared with"), ["shared_with", "reason", "until"]),
    ],
)


def _rows(
    model: type[m.PatientRow],
    form: type[forms.GatedForm],
    columns: list[str],
    search: list[str],
    ordering: tuple[str, ...],
) -> PageSet:
    fields = [f.name for f in model._meta.fields if f.editable and f.name not in ("id",)]
    return PageSet(
        model=model,
        namespace=NAMESPACE,
        list_columns=["patient", *columns],
        detail_fields=fields,
        form_class=form,
        search_fields=[
            "patient__name_original",
            "patient__name_romanized",
            "patient__mrn",
            *search,
        ],
        ordering=ordering,
    )


conditions = _rows(
    m.Condition,
    forms.ConditionForm,
    ["icd10", "description", "diagnosed_on"],
    ["icd10", "description"],
    ("-diagnosed_on",),
)
stagings = _rows(
    m.Staging,
    forms.StagingForm,
    ["system", "stage", "basis", "staged_on"],
    ["stage"],
    ("-staged_on",),
)
measurements = _rows(
    m.Measurement,
    forms.MeasurementForm,
    ["kind", "name", "value", "unit", "measured_on"],
    ["name", "code"],
    ("-measured_on",),
)
biomarkers = _rows(
    m.Biomarker,
    forms.BiomarkerForm,
    ["kind", "origin", "result", "reported_on"],
    ["result"],
    ("-reported_on",),
)
variants = _rows(
    m.Variant,
    forms.VariantForm,
    ["gene", "hgvs_protein", "classification", "reported_on"],
    ["gene"],
    ("-reported_on",),
)
treatments = _rows(
    m.Treatment,
    forms.TreatmentForm,
    ["kind", "description", "started_on", "ended_on"],
    ["description"],
    ("-started_on",),
)
statuses = _rows(
    m.StatusAssessment, forms.StatusForm, ["status", "assessed_on"], ["status"], ("-assessed_on",)
)
consents = _rows(
    m.Consent,
    forms.ConsentForm,
    ["category", "given_on", "withdrawn_on"],
    ["purpose"],
    ("-given_on",),
)

documents = _rows(
    m.Document,
    forms.DocumentForm,
    ["title", "kind", "document_date"],
    ["title"],
    ("-document_date",),
)
documents.detail_fields = [
    "patient",
    "title",
    "kind",
    "document_date",
    "text",
    "size",
    "sha256",
    "modality",
    "study_date",
    "study_description",
    "series_count",
]
documents.detail_template = "records/document_detail.html"

PAGE_SETS = [
    patients,
    conditions,
    stagings,
    statuses,
    measurements,
    biomarkers,
    variants,
    treatments,
    consents,
    documents,
]


def document_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The stored file, through the gate (the read is audited), never from a public URL."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    document = access.fetch(actor_for(request), m.Document, Action.VIEW, pk=pk)
    if not document.file:
        raise access.NotFound()
    extension = (document.file.name or "").rsplit(".", 1)[-1]
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"document-{document.pk}.{extension}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def share_patient(request: HttpRequest, pk: int) -> HttpResponse:
    """Share a record with another center; refused without consent, audited when done."""
    actor = actor_for(request)
    patient = access.fetch(actor, m.Patient, Action.CHANGE, pk=pk)
    form = forms.ShareForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.share_record(
                actor,
                patient,
                form.cleaned_data["shared_with"],
                form.cleaned_data["reason"],
                form.cleaned_data["until"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The record is shared."))
            return redirect("records:patient_detail", pk=patient.pk)
    return render(
        request,
        "records/share.html",
        {"form": form, "object": patient},
        status=422 if form.errors else 200,
    )
