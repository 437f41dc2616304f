"""Coded values of the tumor board. Codes are stable (stored, exported, used by the scheduler);
labels are translated."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video conference")
    HYBRID = "hybrid", _("In person and video")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class CaseUrgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon")
    URGENT = "urgent", _("Urgent")


#: The scheduler's integer urgency for each code.
URGENCY_WEIGHT = {CaseUrgency.ROUTINE: 0, CaseUrgency.SOON: 1, CaseUrgency.URGENT: 2}


class Complexity(models.TextChoices):
    SIMPLE = "simple", _("Simple")
    STANDARD = "standard", _("Standard")
    COMPLEX = "complex", _("Complex")


class Triage(models.TextChoices):
    """Pre-meeting triage, as in the NHS guidance on streamlining MDT meetings."""

    PENDING = "pending", _("Not triaged")
    FULL = "full", _("Full discussion")
    STANDARD_OF_CARE = "standard_of_care", _("Standard of care (listed, not discussed)")
    NOT_READY = "not_ready", _("Not ready")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCHEDULED = "scheduled", _("Scheduled")
    DISCUSSED = "discussed", _("Discussed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Intent(models.TextChoices):
    CURATIVE = "curative", _("Curative")
    PALLIATIVE = "palliative", _("Palliative")


class Modality(models.TextChoices):
    """Steps of a treatment plan. The SNOMED CT codes for the CarePlan are in ``fhir.py``."""

    PRIMARY_CYTOREDUCTION = "primary_cytoreduction", _("Primary cytoreductive surgery")
    INTERVAL_CYTOREDUCTION = "interval_cytoreduction", _("Interval cytoreductive surgery")
    SURGERY = "surgery", _("Surgery")
    NEOADJUVANT_CHEMOTHERAPY = "neoadjuvant_chemotherapy", _("Neoadjuvant chemotherapy")
    ADJUVANT_CHEMOTHERAPY = "adjuvant_chemotherapy", _("Adjuvant chemotherapy")
    CHEMOTHERAPY = "chemotherapy", _("Chemotherapy")
    MAINTENANCE = "maintenance", _("Maintenance therapy (e.g. PARP inhibitor)")
    TARGETED_THERAPY = "targeted_therapy", _("Targeted therapy")
    IMMUNOTHERAPY = "immunotherapy", _("Immunotherapy")
    HORMONE_THERAPY = "hormone_therapy", _("Hormone therapy")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    CHEMORADIOTHERAPY = "chemoradiotherapy", _("Chemoradiotherapy")
    BRACHYTHERAPY = "brachytherapy", _("Brachytherapy")
    SURVEILLANCE = "surveillance", _("Surveillance")
    SUPPORTIVE_CARE = "supportive_care", _("Best supportive care")


#: Modalities that are an operation (the plan then names the surgical departments it needs).
SURGICAL_MODALITIES = frozenset(
    {Modality.PRIMARY_CYTOREDUCTION, Modality.INTERVAL_CYTOREDUCTION, Modality.SURGERY}
)


class NonConcordance(models.TextChoices):
    """Why a recommendation departs from the guideline."""

    PATIENT_PREFERENCE = "patient_preference", _("Patient preference")
    COMORBIDITY = "comorbidity", _("Comorbidity or frailty")
    CLINICAL_TRIAL = "clinical_trial", _("Clinical trial")
    NO_GUIDELINE = "no_guideline", _("No guideline covers the situation")
    CLINICAL_JUDGEMENT = "clinical_judgement", _("Clinical judgement of the board")
    OTHER = "other", _("Other")


class ImplementationStatus(models.TextChoices):
    PENDING = "pending", _("Not yet known")
    IMPLEMENTED = "implemented", _("Carried out")
    PARTIAL = "partial", _("Partly carried out")
    NOT_IMPLEMENTED = "not_implemented", _("Not carried out")


class DeviationReason(models.TextChoices):
    """Why a plan was not (fully) carried out."""

    PATIENT_DECLINED = "patient_declined", _("Patient declined")
    CONDITION_CHANGED = "condition_changed", _("Clinical condition changed")
    NEW_INFORMATION = "new_information", _("New information (results, imaging)")
    NOT_FIT = "not_fit", _("Patient not fit for the planned treatment")
    DIED = "died", _("Patient died")
    TREATED_ELSEWHERE = "treated_elsewhere", _("Treated elsewhere")
    CLINICIAN_DECISION = "clinician_decision", _("Treating clinician's decision")
    CAPACITY = "capacity", _("Capacity or waiting time")
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", _("Lost to follow-up")
    OTHER = "other", _("Other")


class ReadinessItem(models.TextChoices):
    """What a board can require before a case is scheduled (``readiness.py`` checks them)."""

    IMAGING = "imaging", _("Imaging")
    TUMOR_MARKERS = "tumor_markers", _("Tumor markers")
    PATHOLOGY_REVIEW = "pathology_review", _("Pathology review")
    GENOMIC_RESULTS = "genomic_results", _("Genomic results")
    STAGING = "staging", _("Staging")
    PERFORMANCE_STATUS = "performance_status", _("Performance status")


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    COORDINATOR = "coordinator", _("Coordinator")
