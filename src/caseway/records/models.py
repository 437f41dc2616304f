"""The clinical record of a patient, owned by one center.

Every row is versioned and voided, never deleted. A patient belongs to the center that
registered them; other centers see the record only through an explicit, consented share.
Internal models are Caseway's own; FHIR (mCODE) is mapped at the boundary (``fhir/``).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caseway.core import crypto
from caseway.core.versioning import VersionedModel, VoidableModel
from caseway.records import staging
from caseway.records.choices import (
    BiomarkerKind,
    ConditionRole,
    ConsentCategory,
    DiseaseStatus,
    MeasurementKind,
    Origin,
    Sex,
    StagingBasis,
    StagingSystem,
    TreatmentKind,
    VariantCategory,
    VariantClassification,
)

icd10_validator = RegexValidator(
    r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$", _("Enter an ICD-10 code such as C56.9.")
)
topography_validator = RegexValidator(
    r"^C[0-9]{2}\.[0-9]$", _("Enter an ICD-O-3 topography code such as C56.9.")
)
morphology_validator = RegexValidator(
    r"^[89][0-9]{3}/[0-39]$", _("Enter an ICD-O-3 morphology code such as 8461/3.")
)
country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter country code such as MN."))
language_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$", _("Use a language code such as ko or zh-Hans.")
)


_today_cache: tuple[float, dt.date] = (0.0, dt.date.min)


def _today() -> dt.date:
    """Today in the display time zone, recomputed at most once a minute (imports check
    thousands of dates per second)."""
    global _today_cache
    now = time.monotonic()
    if now - _today_cache[0] > 60:
        _today_cache = (now, timezone.localdate())
    return _today_cache[1]


def _not_future(day: dt.date | None, field: str) -> None:
    if day and day > _today() + dt.timedelta(days=1):
        raise ValidationError({field: _("This date is in the future.")})


class Patient(VersionedModel, VoidableModel):
    """A person whose care a center manages. Never keyed on a national resident number."""

    center = models.ForeignKey(
        "organizations.Center", models.PROTECT, related_name="patients", verbose_name=_("center")
    )
    mrn = models.CharField(_("medical record number"), max_length=40)
    passport_number = models.CharField(_("passport number"), max_length=40, blank=True)
    national_id_encrypted = models.TextField(editable=False, blank=True)
    name_original = models.CharField(_("name (original script)"), max_length=200)
    name_romanized = models.CharField(_("name (romanized)"), max_length=200, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    nationality = models.CharField(
        _("nationality"), max_length=2, blank=True, validators=[country_validator]
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=12, default="ko", validators=[language_validator]
    )
    phone = models.CharField(_("telephone"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    referring_doctor = models.CharField(_("referring doctor"), max_length=200, blank=True)
    referring_doctor_contact = models.CharField(
        _("referring doctor's contact"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["name_romanized", "name_original"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "mrn"],
                condition=Q(voided=False),
                name="patient_unique_mrn",
                violation_error_message=_("This center already has a patient with this number."),
            ),
        ]

    def __str__(self) -> str:
        if self.name_romanized and self.name_romanized != self.name_original:
            return f"{self.name_original} ({self.name_romanized})"
        return self.name_original

    @property
    def patient_id(self) -> int:
        return self.pk

    @property
    def institution_id(self) -> int:
        return self.center.institution_id

    @property
    def national_id(self) -> str:
        """The national identifier, decrypted; stored only encrypted and never used as a key."""
        return crypto.decrypt(self.national_id_encrypted) if self.national_id_encrypted else ""

    @national_id.setter
    def national_id(self, value: str) -> None:
        self.national_id_encrypted = crypto.encrypt(value) if value else ""

    def clean(self) -> None:
        super().clean()
        _not_future(self.birth_date, "birth_date")
        if self.birth_date and self.birth_date.year < 1890:
            raise ValidationError({"birth_date": _("Enter a birth date after 1890.")})


class PatientRow(VersionedModel, VoidableModel):
    """Abstract base of everything recorded about a patient."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    #: Where an imported row came from ("system|value" of its identifier, or "Type/id"), so
    #: importing the same data again updates nothing and duplicates nothing.
    source_key = models.CharField(max_length=300, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    @property
    def center_id(self) -> int:
        return self.patient.center_id

    @property
    def institution_id(self) -> int:
        return self.patient.center.institution_id


class Identifier(PatientRow):
    """Any further identifier of the patient (FHIR system and value), used to match imports."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="identifiers", verbose_name=_("patient")
    )
    system = models.CharField(_("system"), max_length=200)
    value = models.CharField(_("value"), max_length=100)

    class Meta:
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        indexes = [models.Index(fields=["system", "value"], name="identifier_lookup")]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


class Consent(PatientRow):
    """A consent, with its purpose and scope. Health-data processing is its own category."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="consents", verbose_name=_("patient")
    )
    category = models.CharField(_("category"), max_length=20, choices=ConsentCategory.choices)
    purpose = models.CharField(_("purpose"), max_length=300)
    scope = models.CharField(_("scope"), max_length=300, blank=True)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.given_on})"

    def active_on(self, day: dt.date) -> bool:
        return (
            not self.voided
            and self.given_on <= day
            and (self.withdrawn_on is None or self.withdrawn_on > day)
        )

    def clean(self) -> None:
        super().clean()
        _not_future(self.given_on, "given_on")
        if self.withdrawn_on and self.given_on and self.withdrawn_on < self.given_on:
            raise ValidationError({"withdrawn_on": _("Withdrawal is before the consent.")})


class Share(PatientRow):
    """A record shared on purpose with another center (a referral or second opinion)."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="shares", verbose_name=_("patient")
    )
    shared_with = models.ForeignKey(
        "organizations.Center", models.PROTECT, related_name="+", verbose_name=_("shared with")
    )
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("record share")
        verbose_name_plural = _("record shares")

    def __str__(self) -> str:
        return f"{self.patient} → {self.shared_with}"

    def clean(self) -> None:
        super().clean()
        if self.patient_id and self.shared_with_id == self.patient.center_id:
            raise ValidationError({"shared_with": _("The record already belongs to this center.")})
        if self.patient_id and not _has_consent(self.patient, ConsentCategory.HEALTH_DATA):
            raise ValidationError(
                _("Sharing needs the patient's consent to process health data; record it first.")
            )


def _has_consent(patient: Patient, category: str) -> bool:
    today = timezone.localdate()
    return any(c.active_on(today) for c in patient.consents.filter(category=category))


class Condition(PatientRow):
    """A diagnosis: primary or secondary cancer, or another condition (comorbidity)."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="conditions", verbose_name=_("patient")
    )
    role = models.CharField(_("role"), max_length=10, choices=ConditionRole.choices)
    icd10 = models.CharField(_("ICD-10"), max_length=10, blank=True, validators=[icd10_validator])
    #: The diagnosis in another code system (e.g. SNOMED CT from an mCODE source), kept as
    #: received when no ICD-10 code came with it.
    code_system = models.CharField(_("other code system"), max_length=200, blank=True)
    code = models.CharField(_("other code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=300)
    topography = models.CharField(
        _("ICD-O-3 topography"), max_length=6, blank=True, validators=[topography_validator]
    )
    morphology = models.CharField(
        _("ICD-O-3 morphology"), max_length=6, blank=True, validators=[morphology_validator]
    )
    histotype = models.CharField(_("histotype"), max_length=200, blank=True)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    diagnosed_on = models.DateField(_("diagnosed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["diagnosed_on"]

    def __str__(self) -> str:
        return f"{self.icd10 or self.code} {self.description}"

    def clean(self) -> None:
        super().clean()
        _not_future(self.diagnosed_on, "diagnosed_on")
        if not self.icd10 and not (self.code_system and self.code):
            raise ValidationError({"icd10": _("Give an ICD-10 code, or a code and its system.")})


class Staging(PatientRow):
    """A stage of a condition on a date, by one staging system, clinical or pathological."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="stagings", verbose_name=_("patient")
    )
    condition = models.ForeignKey(
        Condition, models.PROTECT, related_name="stagings", verbose_name=_("condition")
    )
    system = models.CharField(_("staging system"), max_length=30, choices=StagingSystem.choices)
    stage = models.CharField(_("stage"), max_length=20)
    t = models.CharField("T", max_length=10, blank=True)
    n = models.CharField("N", max_length=10, blank=True)
    m = models.CharField("M", max_length=10, blank=True)
    basis = models.CharField(_("basis"), max_length=12, choices=StagingBasis.choices)
    staged_on = models.DateField(_("staged on"))

    class Meta:
        verbose_name = _("staging")
        verbose_name_plural = _("stagings")
        ordering = ["staged_on"]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.stage}"

    def clean(self) -> None:
        super().clean()
        _not_future(self.staged_on, "staged_on")
        if self.system and self.stage and not staging.valid_stage(self.system, self.stage):
            raise ValidationError(
                {
                    "stage": _("%(stage)s is not a stage of %(system)s.")
                    % {"stage": self.stage, "system": self.get_system_display()}
                }
            )
        if self.condition_id and self.patient_id and self.condition.patient_id != self.patient_id:
            raise ValidationError({"condition": _("The condition is another patient's.")})


class StatusAssessment(PatientRow):
    """Disease status of a condition over time (mCODE CancerDiseaseStatus)."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="statuses", verbose_name=_("patient")
    )
    condition = models.ForeignKey(
        Condition, models.PROTECT, related_name="statuses", verbose_name=_("condition")
    )
    status = models.CharField(_("status"), max_length=15, choices=DiseaseStatus.choices)
    assessed_on = models.DateField(_("assessed on"))

    class Meta:
        verbose_name = _("disease status")
        verbose_name_plural = _("disease statuses")
        ordering = ["assessed_on"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.assessed_on})"


#: (unit, minimum, maximum) per kind; a tumor marker's unit is given with the value.
MEASUREMENT_LIMITS: dict[str, tuple[str, float, float]] = {
    MeasurementKind.ECOG: ("", 0, 5),
    MeasurementKind.KARNOFSKY: ("%", 0, 100),
    MeasurementKind.HRD_SCORE: ("", 0, 100),
    MeasurementKind.TMB: ("mut/Mb", 0, 1000),
    MeasurementKind.PD_L1: ("%", 0, 100),
}


class Measurement(PatientRow):
    """A dated number: a tumor marker (e.g. CA-125), performance status, HRD score, TMB, PD-L1."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="measurements", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=MeasurementKind.choices)
    code = models.CharField(
        _("code"), max_length=40, blank=True, help_text=_("LOINC code, e.g. 10334-1 for CA-125.")
    )
    name = models.CharField(_("name"), max_length=100)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    measured_on = models.DateField(_("measured on"))

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["measured_on"]
        indexes = [
            models.Index(fields=["patient", "kind", "measured_on"], name="measurement_series")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.value} {self.unit}".strip()

    def clean(self) -> None:
        super().clean()
        _not_future(self.measured_on, "measured_on")
        limits = MEASUREMENT_LIMITS.get(self.kind)
        if limits and self.value is not None:
            unit, low, high = limits
            if not low <= float(self.value) <= high:
                raise ValidationError(
                    {
                        "value": _("The value must be between %(low)s and %(high)s.")
                        % {"low": low, "high": high}
                    }
                )
            self.unit = self.unit or unit
        if self.kind == MeasurementKind.TUMOR_MARKER and self.value is not None and self.value < 0:
            raise ValidationError({"value": _("A tumor marker cannot be negative.")})


#: Allowed results per biomarker.
BIOMARKER_RESULTS: dict[str, tuple[str, ...]] = {
    BiomarkerKind.BRCA1: ("pathogenic_variant", "no_pathogenic_variant", "vus"),
    BiomarkerKind.BRCA2: ("pathogenic_variant", "no_pathogenic_variant", "vus"),
    BiomarkerKind.HRD: ("positive", "negative", "indeterminate"),
    BiomarkerKind.MMR: ("deficient", "proficient"),
    BiomarkerKind.MSI: ("msi_high", "msi_low", "stable"),
}


class Biomarker(PatientRow):
    """A biomarker status from a dated report: BRCA1/2 (germline or somatic), HRD, MMR, MSI."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="biomarkers", verbose_name=_("patient")
    )
    kind = models.CharField(_("biomarker"), max_length=10, choices=BiomarkerKind.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, blank=True)
    result = models.CharField(_("result"), max_length=25)
    reported_on = models.DateField(_("reported on"))
    report = models.CharField(_("report"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("biomarker")
        verbose_name_plural = _("biomarkers")
        ordering = ["reported_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.result}"

    def clean(self) -> None:
        super().clean()
        _not_future(self.reported_on, "reported_on")
        allowed = BIOMARKER_RESULTS.get(self.kind, ())
        if self.kind and self.result not in allowed:
            raise ValidationError(
                {"result": _("Use one of: %(values)s.") % {"values": ", ".join(allowed)}}
            )
        if self.kind in (BiomarkerKind.BRCA1, BiomarkerKind.BRCA2) and not self.origin:
            raise ValidationError(
                {"origin": _("Say whether the BRCA test was germline or somatic.")}
            )


class Variant(PatientRow):
    """A genomic variant from a dated report."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="variants", verbose_name=_("patient")
    )
    gene = models.CharField(
        _("gene"),
        max_length=20,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9-]{0,19}$", _("Use the HGNC gene symbol."))],
    )
    hgvs_protein = models.CharField(
        _("protein change (HGVS)"),
        max_length=100,
        blank=True,
        validators=[RegexValidator(r"^p\.", _("Start with p."))],
    )
    hgvs_cdna = models.CharField(
        _("cDNA change (HGVS)"),
        max_length=100,
        blank=True,
        validators=[RegexValidator(r"^c\.", _("Start with c."))],
    )
    category = models.CharField(_("category"), max_length=15, choices=VariantCategory.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    classification = models.CharField(
        _("classification"), max_length=20, choices=VariantClassification.choices
    )
    reported_on = models.DateField(_("reported on"))
    report = models.CharField(_("report"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("genomic variant")
        verbose_name_plural = _("genomic variants")
        ordering = ["reported_on"]

    def __str__(self) -> str:
        return f"{self.gene} {self.hgvs_protein}".strip()


class Treatment(PatientRow):
    """A treatment line: surgery, a systemic regimen (start and stop) or a radiotherapy course."""

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="treatments", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=TreatmentKind.choices)
    line = models.PositiveSmallIntegerField(
        _("line"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    description = models.CharField(
        _("description"), max_length=300, help_text=_("Procedure, regimen or radiotherapy course.")
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    condition = models.ForeignKey(
        Condition,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="treatments",
        verbose_name=_("condition"),
    )

    class Meta:
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")
        ordering = ["started_on"]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        super().clean()
        _not_future(self.started_on, "started_on")
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end is before the start.")})


class BulkExport(models.Model):
    """A FHIR Bulk Data export of a center's patients, produced by a background job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    center = models.ForeignKey(
        "organizations.Center", models.PROTECT, related_name="+", verbose_name=_("center")
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("bulk export")
        verbose_name_plural = _("bulk exports")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.center} {self.requested_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def institution_id(self) -> int:
        return self.center.institution_id


class Document(PatientRow):
    """An uploaded document or image, or a report. Stored under a random name with its checksum;
    served only through the access gate."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF document")
        IMAGE = "image", _("Image")
        DICOM = "dicom", _("DICOM image")
        REPORT = "report", _("Report")

    patient = models.ForeignKey(
        Patient, models.PROTECT, related_name="documents", verbose_name=_("patient")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, editable=False)
    document_date = models.DateField(_("date"))
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to="documents/", blank=True, editable=False)
    content_type = models.CharField(max_length=60, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0, editable=False)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64, blank=True, editable=False)
    modality = models.CharField(_("modality"), max_length=16, blank=True, editable=False)
    study_date = models.DateField(_("study date"), null=True, blank=True, editable=False)
    study_description = models.CharField(
        _("study description"), max_length=200, blank=True, editable=False
    )
    study_uid = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    series_uid = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-document_date"]

    def __str__(self) -> str:
        return self.title

    @property
    def series_count(self) -> int:
        """Series of this DICOM study held for the patient."""
        if not self.study_uid:
            return 0
        return (
            Document.objects.filter(
                patient_id=self.patient_id, study_uid=self.study_uid, voided=False
            )
            .values("series_uid")
            .distinct()
            .count()
        )


RECORD_MODELS: list[type[Any]] = [
    Identifier,
    Consent,
    Share,
    Condition,
    Staging,
    StatusAssessment,
    Measurement,
    Biomarker,
    Variant,
    Treatment,
    Document,
]
