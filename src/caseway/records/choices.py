"""Coded values of the patient record."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from caseway.records.staging import SYSTEMS


class Sex(models.TextChoices):
    """FHIR administrative gender."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ConsentCategory(models.TextChoices):
    HEALTH_DATA = "health_data", _("Processing of health data")
    SHARING = "sharing", _("Sharing with another center")
    RESEARCH = "research", _("Research use")
    CONTACT = "contact", _("Contact and reminders")


class ConditionRole(models.TextChoices):
    PRIMARY = "primary", _("Primary cancer")
    SECONDARY = "secondary", _("Secondary (metastatic) cancer")
    OTHER = "other", _("Other condition")


class StagingBasis(models.TextChoices):
    CLINICAL = "clinical", _("Clinical")
    PATHOLOGICAL = "pathological", _("Pathological")


StagingSystem = models.TextChoices(  # type: ignore[call-overload]
    "StagingSystem",
    [(code.replace("-", "_").upper(), (code, name)) for code, (name, _stages) in SYSTEMS.items()],
)


class DiseaseStatus(models.TextChoices):
    """mCODE CancerDiseaseStatus values."""

    NO_EVIDENCE = "no_evidence", _("No evidence of disease")
    RESPONSE = "improving", _("Responding (improving)")
    STABLE = "stable", _("Stable")
    PROGRESSION = "worsening", _("Progressing (worsening)")
    UNDETERMINED = "undetermined", _("Undetermined")


class MeasurementKind(models.TextChoices):
    TUMOR_MARKER = "tumor_marker", _("Tumor marker")
    ECOG = "ecog", _("ECOG performance status")
    KARNOFSKY = "karnofsky", _("Karnofsky performance status")
    HRD_SCORE = "hrd_score", _("HRD score")
    TMB = "tmb", _("Tumor mutational burden")
    PD_L1 = "pd_l1", _("PD-L1 expression")


class BiomarkerKind(models.TextChoices):
    BRCA1 = "brca1", _("BRCA1")
    BRCA2 = "brca2", _("BRCA2")
    HRD = "hrd", _("Homologous recombination deficiency")
    MMR = "mmr", _("Mismatch repair")
    MSI = "msi", _("Microsatellite instability")


class Origin(models.TextChoices):
    GERMLINE = "germline", _("Germline")
    SOMATIC = "somatic", _("Somatic")


class VariantCategory(models.TextChoices):
    MUTATION = "mutation", _("Mutation")
    COPY_NUMBER = "copy_number", _("Copy-number change")
    STRUCTURAL = "structural", _("Structural variant")


class VariantClassification(models.TextChoices):
    PATHOGENIC = "pathogenic", _("Pathogenic")
    LIKELY_PATHOGENIC = "likely_pathogenic", _("Likely pathogenic")
    UNCERTAIN = "uncertain", _("Uncertain significance")
    LIKELY_BENIGN = "likely_benign", _("Likely benign")
    BENIGN = "benign", _("Benign")


class TreatmentKind(models.TextChoices):
    SURGERY = "surgery", _("Surgery")
    SYSTEMIC = "systemic", _("Systemic therapy")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
