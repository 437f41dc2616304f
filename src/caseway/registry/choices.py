"""Coded values of the surgical registry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    ELECTIVE = "elective", _("Elective")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Timing(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    INTERVAL = "interval", _("Interval (after neoadjuvant chemotherapy)")
    SECONDARY = "secondary", _("Secondary")
    TERTIARY = "tertiary", _("Tertiary")
    NOT_APPLICABLE = "na", _("Not a cytoreduction")


class ProcedureGroup(models.TextChoices):
    """What kind of operation, for volumes (finer detail is in the procedure list)."""

    OVARIAN_CYTOREDUCTION = "ovarian_cytoreduction", _("Ovarian cancer cytoreduction")
    GYNECOLOGIC_ONCOLOGY = "gyn_oncology", _("Other gynecologic cancer surgery")
    BENIGN_GYNECOLOGY = "gyn_benign", _("Benign gynecologic surgery")
    UROLOGY = "urology", _("Urologic surgery")
    COLORECTAL = "colorectal", _("Colorectal surgery")
    UPPER_GI = "upper_gi", _("Stomach and upper GI surgery")
    HEPATOBILIARY = "hepatobiliary", _("Hepatobiliary and pancreatic surgery")
    THORACIC = "thoracic", _("Thoracic surgery")
    HEAD_NECK = "head_neck", _("Head, neck and thyroid surgery")
    CARDIAC = "cardiac", _("Cardiac surgery")
    OTHER = "other", _("Other")


class Approach(models.TextChoices):
    OPEN = "open", _("Open")
    LAPAROSCOPIC = "laparoscopic", _("Laparoscopic")
    ROBOTIC_MULTIPORT = "robotic_multiport", _("Robotic, multi-port")
    ROBOTIC_SINGLE_PORT = "robotic_single_port", _("Robotic, single-port")
    VAGINAL = "vaginal", _("Vaginal")
    HYBRID = "hybrid", _("Hybrid")


ROBOTIC_APPROACHES = frozenset({Approach.ROBOTIC_MULTIPORT, Approach.ROBOTIC_SINGLE_PORT})


class ConversionTarget(models.TextChoices):
    NONE = "", _("Not converted")
    OPEN = "open", _("Converted to open")
    LAPAROSCOPIC = "laparoscopic", _("Converted to laparoscopic")


class TeamRole(models.TextChoices):
    PRIMARY = "primary", _("Primary surgeon")
    CONSOLE = "console", _("Console surgeon")
    BEDSIDE = "bedside", _("Bedside assistant")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROCTOR = "proctor", _("Proctor")
    TRAINEE = "trainee", _("Trainee")


class SurgeonSpecialty(models.TextChoices):
    GYNECOLOGIC_ONCOLOGY = "gyn_onc", _("Gynecologic oncology")
    GENERAL_GYNECOLOGY = "gynecology", _("General gynecology")
    UROLOGY = "urology", _("Urology")
    GENERAL_SURGERY = "general_surgery", _("General surgery")
    HEPATOBILIARY = "hepatobiliary", _("Hepatobiliary surgery")
    VASCULAR = "vascular", _("Vascular surgery")
    THORACIC = "thoracic", _("Thoracic surgery")
    OTHER = "other", _("Other")


class ClavienDindo(models.TextChoices):
    I = "I", "I"  # noqa: E741
    II = "II", "II"
    IIIA = "IIIa", "IIIa"
    IIIB = "IIIb", "IIIb"
    IVA = "IVa", "IVa"
    IVB = "IVb", "IVb"
    V = "V", "V"


class AlettiGroup(models.TextChoices):
    NONE = "", _("Not in the Aletti score")
    HYSTERECTOMY_BSO = "hysterectomy_bso", _("Hysterectomy with bilateral salpingo-oophorectomy")
    OMENTECTOMY = "omentectomy", _("Omentectomy")
    PELVIC_LND = "pelvic_lymphadenectomy", _("Pelvic lymphadenectomy")
    PARAAORTIC_LND = "paraaortic_lymphadenectomy", _("Para-aortic lymphadenectomy")
    PELVIC_STRIPPING = "pelvic_peritoneum_stripping", _("Pelvic peritoneum stripping")
    ABDOMINAL_STRIPPING = "abdominal_peritoneum_stripping", _("Abdominal peritoneum stripping")
    RECTOSIGMOID = "rectosigmoidectomy_anastomosis", _("Rectosigmoidectomy with anastomosis")
    LARGE_BOWEL = "large_bowel_resection", _("Large bowel resection")
    DIAPHRAGM = "diaphragm_stripping_resection", _("Diaphragm stripping or resection")
    SPLENECTOMY = "splenectomy", _("Splenectomy")
    LIVER = "liver_resection", _("Liver resection")
    SMALL_BOWEL = "small_bowel_resection", _("Small bowel resection")


#: The operative-report items ESGO asks to be described for advanced ovarian cancer surgery.
OPERATIVE_REPORT_ITEMS = (
    ("peritoneal_extent", _("Extent of disease in the peritoneal cavity at the start")),
    ("pci", _("Peritoneal Cancer Index by region")),
    ("upper_abdomen", _("Upper abdomen: diaphragm, liver, spleen, lesser sac")),
    ("bowel", _("Small and large bowel, mesentery")),
    ("retroperitoneum", _("Retroperitoneal lymph nodes")),
    ("procedures", _("Procedures performed")),
    ("residual_size_location", _("Size and location of residual disease")),
    ("reason_incomplete", _("Reason when resection is incomplete")),
)
