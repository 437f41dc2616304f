"""Coded values of the organisations domain."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentKind(models.TextChoices):
    OBSTETRICS_GYNECOLOGY = "obstetrics_gynecology", _("Obstetrics and gynecology")
    RADIATION_ONCOLOGY = "radiation_oncology", _("Radiation oncology")
    PATHOLOGY = "pathology_translational_genomics", _("Pathology and translational genomics")
    RADIOLOGY = "radiology", _("Radiology")
    HEMATOLOGY_ONCOLOGY = "hematology_oncology", _("Hematology-oncology")
    NUCLEAR_MEDICINE = "nuclear_medicine", _("Nuclear medicine and molecular imaging")
    HEPATOBILIARY_SURGERY = (
        "hepatobiliary_pancreatic_surgery",
        _("Hepatobiliary and pancreatic surgery"),
    )
    VASCULAR_SURGERY = "vascular_surgery", _("Vascular surgery")
    UROLOGY = "urology", _("Urology")
    THORACIC_SURGERY = "thoracic_surgery", _("Thoracic surgery")
    GENERAL_SURGERY = "general_surgery", _("General surgery")
    COLORECTAL_SURGERY = "colorectal_surgery", _("Colorectal surgery")
    BREAST_SURGERY = "breast_surgery", _("Breast surgery")
    OTOLARYNGOLOGY = "otolaryngology", _("Otolaryngology")
    NEUROSURGERY = "neurosurgery", _("Neurosurgery")
    CARDIOTHORACIC_SURGERY = "cardiothoracic_surgery", _("Cardio-thoracic surgery")
    MEDICAL_ONCOLOGY = "medical_oncology", _("Medical oncology")
    ANESTHESIOLOGY = "anesthesiology", _("Anesthesiology")
    INTERNAL_MEDICINE = "internal_medicine", _("Internal medicine")
    OTHER = "other", _("Other")


class CenterKind(models.TextChoices):
    CANCER = "cancer", _("Cancer center")
    SURGICAL = "surgical", _("Surgical center")
    TRAINING = "training", _("Training center")
    OTHER = "other", _("Other center")


class RegistrationKind(models.TextChoices):
    FOREIGN_PATIENT_ATTRACTION = (
        "foreign_patient_attraction",
        _("Foreign patient attraction registration"),
    )
    MEDICAL_INSTITUTION = "medical_institution", _("Medical institution license")
    OTHER = "other", _("Other registration")


class RegistrationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Renewal due")
    EXPIRED = "expired", _("Expired")


#: Languages a clinician can speak, by ISO 639-1 code. Names are given in the UI language.
SPOKEN_LANGUAGES = [
    ("ko", _("Korean")),
    ("en", _("English")),
    ("ja", _("Japanese")),
    ("zh", _("Chinese")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("mn", _("Mongolian")),
    ("vi", _("Vietnamese")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
]
SPOKEN_LANGUAGE_CODES = frozenset(code for code, _name in SPOKEN_LANGUAGES)
