"""Synthetic surgical-registry data: seeded, plain data, fast enough for a national benchmark.

Two halves, kept apart on purpose:

* **Generation** (``generate``, ``generate_center_year``, ``demo_centers``,
  ``national_centers``, ``national_plan``) builds ``SyntheticSurgery`` dataclasses and touches
  neither the database nor the ORM, so the indicator engine, the tests and the benchmark can use
  millions of records without a database, and every center-year is reproducible on its own: its
  random stream is seeded by (seed, center, year), so generating one year gives exactly the rows
  that year has inside a ten-year run.
* **Writing** (``write_surgeries``, ``create_patients``, ``fact_records``) turns them into model
  instances and stores them in bulk (the importer's ``insert_rows``: COPY on PostgreSQL); facts
  come from ``services.derive_facts``, the derivation single saves use, so bulk data and
  hand-entered data cannot disagree.

Patients. A surgery needs a patient of its own center. Each synthetic surgery names a synthetic
person (``SyntheticPatient``: key, sex, birth date); a secondary cytoreduction names the person
of an earlier primary one. ``write_surgeries`` gives the distinct persons, in order of first
appearance, the patients it is handed, cyclically: hand it one patient per person
(``create_patients`` makes minimal ones in bulk, as the demo does) for a coherent registry, or a
small pool (as the benchmark does) when only the surgeries matter.

Distributions are plausible, not epidemiology: primary vs interval cytoreduction, complete
resection by center, PCI by region, procedure lists that give the Aletti score, surgeon volumes
skewed within each center (some surgeons below 10 cases a year), robotic platforms by era,
conversions, Clavien-Dindo complications within 90 days, deaths, time to adjuvant chemotherapy,
and a few percent of fields left empty so completeness reports have something to show. Never
presented as real data.
"""

# Seeded pseudo-random numbers are the point here (reproducible data), not secrets:
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from caseway.registry.choices import (
    OPERATIVE_REPORT_ITEMS,
    AlettiGroup,
    Approach,
    ProcedureGroup,
    SurgeonSpecialty,
    TeamRole,
    Timing,
    Urgency,
)

if TYPE_CHECKING:
    from caseway.organizations.models import Center
    from caseway.records.models import Patient
    from caseway.registry.models import SurgeryFacts

DEFAULT_SEED = 20261125
SNOMED = "http://snomed.info/sct"

# Coded values as plain strings: generation runs millions of times and stores plain data.
OPEN, LAPAROSCOPIC, VAGINAL = Approach.OPEN.value, Approach.LAPAROSCOPIC.value, "vaginal"
MULTIPORT, SINGLE_PORT = Approach.ROBOTIC_MULTIPORT.value, Approach.ROBOTIC_SINGLE_PORT.value
PRIMARY, INTERVAL = Timing.PRIMARY.value, Timing.INTERVAL.value
SECONDARY, TERTIARY, NOT_APPLICABLE = (
    Timing.SECONDARY.value,
    Timing.TERTIARY.value,
    Timing.NOT_APPLICABLE.value,
)
ELECTIVE, URGENT, EMERGENCY = Urgency.ELECTIVE.value, Urgency.URGENT.value, Urgency.EMERGENCY.value
ROLE_PRIMARY, ROLE_CONSOLE, ROLE_BEDSIDE = "primary", "console", "bedside"
ROLE_PROCTOR, ROLE_TRAINEE = TeamRole.PROCTOR.value, TeamRole.TRAINEE.value
GYN_ONC = SurgeonSpecialty.GYNECOLOGIC_ONCOLOGY.value
REPORT_ITEMS = tuple(key for key, _label in OPERATIVE_REPORT_ITEMS)
OVARIAN = ProcedureGroup.OVARIAN_CYTOREDUCTION.value


# --- the procedure catalogue ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One procedure of a center's catalogue. The local code is the center's prefix and this
    number (centers code differently; that is why procedures are mapped to a standard code).
    SNOMED CT codes are given only where we are sure of them; the rest stay unmapped, as many
    local codes are in practice."""

    number: int
    name: str
    snomed: str = ""
    aletti: str = ""


_A = AlettiGroup
CATALOGUE: dict[str, CatalogueEntry] = {
    "th_bso": CatalogueEntry(
        101,
        "Total abdominal hysterectomy with bilateral salpingo-oophorectomy",
        "116144002",
        _A.HYSTERECTOMY_BSO.value,
    ),
    "bso": CatalogueEntry(102, "Bilateral salpingo-oophorectomy", "", _A.HYSTERECTOMY_BSO.value),
    "omentectomy": CatalogueEntry(103, "Omentectomy", "", _A.OMENTECTOMY.value),
    "pelvic_lnd": CatalogueEntry(104, "Pelvic lymphadenectomy", "", _A.PELVIC_LND.value),
    "pa_lnd": CatalogueEntry(105, "Para-aortic lymphadenectomy", "", _A.PARAAORTIC_LND.value),
    "pelvic_stripping": CatalogueEntry(106, "Pelvic peritonectomy", "", _A.PELVIC_STRIPPING.value),
    "abdominal_stripping": CatalogueEntry(
        107, "Parietal peritonectomy of the abdominal wall", "", _A.ABDOMINAL_STRIPPING.value
    ),
    "rectosigmoid": CatalogueEntry(
        108, "Rectosigmoid resection with anastomosis", "", _A.RECTOSIGMOID.value
    ),
    "large_bowel": CatalogueEntry(
        109, "Large bowel resection (transverse or right colon)", "", _A.LARGE_BOWEL.value
    ),
    "diaphragm": CatalogueEntry(
        110, "Diaphragmatic peritonectomy or full-thickness resection", "", _A.DIAPHRAGM.value
    ),
    "splenectomy": CatalogueEntry(111, "Splenectomy", "", _A.SPLENECTOMY.value),
    "liver": CatalogueEntry(112, "Liver resection (wedge or segmental)", "", _A.LIVER.value),
    "small_bowel": CatalogueEntry(113, "Small bowel resection", "", _A.SMALL_BOWEL.value),
    "appendectomy": CatalogueEntry(114, "Appendectomy", "80146002"),
    "ileostomy": CatalogueEntry(115, "Diverting loop ileostomy"),
    "peritoneal_biopsy": CatalogueEntry(116, "Peritoneal washings and biopsies"),
    "total_hysterectomy": CatalogueEntry(
        121, "Total hysterectomy", "116140006", _A.HYSTERECTOMY_BSO.value
    ),
    "radical_hysterectomy": CatalogueEntry(122, "Radical hysterectomy", "116142003"),
    "sentinel_node": CatalogueEntry(123, "Sentinel lymph node mapping and biopsy"),
    "myomectomy": CatalogueEntry(124, "Myomectomy"),
    "prostatectomy": CatalogueEntry(201, "Radical prostatectomy", "26294005"),
    "partial_nephrectomy": CatalogueEntry(202, "Partial nephrectomy"),
    "radical_nephrectomy": CatalogueEntry(203, "Radical nephrectomy"),
    "cystectomy": CatalogueEntry(204, "Radical cystectomy with urinary diversion"),
    "lar": CatalogueEntry(301, "Low anterior resection of the rectum"),
    "right_hemicolectomy": CatalogueEntry(302, "Right hemicolectomy"),
    "distal_gastrectomy": CatalogueEntry(401, "Distal gastrectomy with D2 lymphadenectomy"),
    "total_gastrectomy": CatalogueEntry(402, "Total gastrectomy with D2 lymphadenectomy"),
    "thyroidectomy": CatalogueEntry(501, "Total thyroidectomy"),
    "central_neck": CatalogueEntry(502, "Central neck dissection"),
    "tors": CatalogueEntry(503, "Transoral resection of an oropharyngeal tumor"),
    "lobectomy": CatalogueEntry(601, "Lobectomy of the lung"),
    "mediastinal_lnd": CatalogueEntry(602, "Mediastinal lymph node dissection"),
    "hepatectomy": CatalogueEntry(701, "Anatomical liver resection"),
    "cholecystectomy": CatalogueEntry(702, "Cholecystectomy", "38102005"),
    "distal_pancreatectomy": CatalogueEntry(703, "Distal pancreatectomy"),
    "mitral_repair": CatalogueEntry(801, "Mitral valve repair"),
}


# --- plain data ----------------------------------------------------------------------------------
@dataclass(slots=True)
class SyntheticProcedure:
    local_code: str
    name: str
    standard_system: str
    standard_code: str
    aletti_group: str


@dataclass(slots=True)
class SyntheticTeamMember:
    name: str
    role: str
    specialty: str


@dataclass(slots=True)
class SyntheticComplication:
    description: str
    grade: str
    day: int
    present_at_discharge: bool = False


@dataclass(frozen=True, slots=True)
class SyntheticPatient:
    """A person: the same key on two surgeries is the same patient."""

    key: str
    sex: str
    birth_date: dt.date


@dataclass(slots=True)
class SyntheticSurgery:
    """One operation as plain data; the scalar field names are ``Surgery``'s own."""

    center: str
    key: str
    patient: SyntheticPatient
    date: dt.date
    urgency: str
    specialty: str
    indication: str
    procedure_group: str
    approach: str
    case_type: str = ""  # the ``CASE_TYPES`` key it was generated from (not a Surgery field)
    timing: str = NOT_APPLICABLE
    neoadjuvant_cycles: int | None = None
    advanced_ovarian: bool = False
    platform: str = ""
    converted_to: str = ""
    conversion_reason: str = ""
    incision_to_closure_min: int | None = None
    docking_min: int | None = None
    console_min: int | None = None
    blood_loss_ml: int | None = None
    transfused: bool | None = None
    pci_preop: dict[str, int] | None = None
    pci_intraop: dict[str, int] | None = None
    residual_mm: float | None = None
    residual_locations: str = ""
    incomplete_reason: str = ""
    operative_report: dict[str, bool] = field(default_factory=dict)
    pathology_report_complete: bool | None = None
    mdt_discussed: bool | None = None
    in_trial: bool | None = None
    preop_workup_complete: bool | None = None
    complications_prospective: bool | None = None
    reoperation: bool | None = None
    interventional_radiology: bool | None = None
    icu_transfer: bool | None = None
    readmission: bool | None = None
    death_date: dt.date | None = None
    length_of_stay: int | None = None
    adjuvant_chemo_start: dt.date | None = None
    procedures: list[SyntheticProcedure] = field(default_factory=list)
    team: list[SyntheticTeamMember] = field(default_factory=list)
    complications: list[SyntheticComplication] = field(default_factory=list)

    @property
    def robotic(self) -> bool:
        return self.approach in (MULTIPORT, SINGLE_PORT)

    def surgery_fields(self) -> dict[str, Any]:
        """The values of ``Surgery``'s own fields (without center, patient and bookkeeping)."""
        values = {name: getattr(self, name) for name in SURGERY_FIELDS}
        if self.residual_mm is not None:
            values["residual_mm"] = Decimal(str(self.residual_mm))
        return values


SURGERY_FIELDS = tuple(
    name
    for name in SyntheticSurgery.__dataclass_fields__
    if name not in ("center", "key", "patient", "case_type", "procedures", "team", "complications")
)


# --- what kinds of operation there are ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CaseType:
    """A kind of operation with its typical course. ``procedures`` are catalogue keys with the
    chance each is done; ``approaches`` the non-robotic mix (robotic share is the center's)."""

    key: str
    group: str
    service: str
    indication: str
    procedures: tuple[tuple[str, float], ...]
    approaches: tuple[tuple[str, float], ...]
    minutes: int
    stay: int
    blood: int
    major: float
    death: float
    sex: str = "female"
    age: tuple[int, int] = (55, 11)
    robotic_fit: float = 1.0  # how readily it is done robotically
    single_port_fit: bool = False
    cancer: bool = True
    thoracic_or_neck: bool = False


#: Surgeon specialty of each service (the pool a case's surgeon is drawn from).
SERVICE_SPECIALTY = {
    "gyn_onc": GYN_ONC,
    "gynecology": SurgeonSpecialty.GENERAL_GYNECOLOGY.value,
    "urology": SurgeonSpecialty.UROLOGY.value,
    "colorectal": SurgeonSpecialty.GENERAL_SURGERY.value,
    "upper_gi": SurgeonSpecialty.GENERAL_SURGERY.value,
    "endocrine": SurgeonSpecialty.GENERAL_SURGERY.value,
    "general": SurgeonSpecialty.GENERAL_SURGERY.value,
    "hepatobiliary": SurgeonSpecialty.HEPATOBILIARY.value,
    "thoracic": SurgeonSpecialty.THORACIC.value,
    "cardiac": SurgeonSpecialty.THORACIC.value,
    "ent": SurgeonSpecialty.OTHER.value,
}

_G = ProcedureGroup
# fmt: off
# One case type per block: name, group, service, indication, procedures, approaches, then
# minutes, stay (days), blood loss (ml), major complication and 90-day death rates.
CASE_TYPES: dict[str, CaseType] = {
    c.key: c
    for c in (
        CaseType(
            "ovarian_aoc", OVARIAN, "gyn_onc", "Advanced ovarian cancer", (), ((OPEN, 1),),
            300, 10, 900, 0.15, 0.02, age=(59, 10), robotic_fit=0.0,
        ),
        CaseType(
            "ovarian_secondary", OVARIAN, "gyn_onc", "Recurrent ovarian cancer",
            (("small_bowel", 0.25), ("large_bowel", 0.2), ("splenectomy", 0.12),
             ("pa_lnd", 0.3), ("pelvic_stripping", 0.3), ("diaphragm", 0.25),
             ("liver", 0.08), ("peritoneal_biopsy", 0.6)),
            ((OPEN, 0.9), (LAPAROSCOPIC, 0.1)),
            220, 8, 500, 0.13, 0.015, age=(60, 10), robotic_fit=0.1,
        ),
        CaseType(
            "ovarian_early", _G.GYNECOLOGIC_ONCOLOGY.value, "gyn_onc",
            "Early-stage ovarian cancer, surgical staging",
            (("th_bso", 1.0), ("omentectomy", 0.95), ("pelvic_lnd", 0.8), ("pa_lnd", 0.75),
             ("appendectomy", 0.3), ("peritoneal_biopsy", 0.95)),
            ((OPEN, 0.6), (LAPAROSCOPIC, 0.4)),
            200, 6, 350, 0.06, 0.002, age=(52, 11), robotic_fit=0.6,
        ),
        CaseType(
            "endometrial", _G.GYNECOLOGIC_ONCOLOGY.value, "gyn_onc", "Endometrial cancer",
            (("total_hysterectomy", 1.0), ("bso", 0.95), ("sentinel_node", 0.6),
             ("pelvic_lnd", 0.4), ("pa_lnd", 0.15)),
            ((LAPAROSCOPIC, 0.75), (OPEN, 0.2), (VAGINAL, 0.05)),
            150, 4, 150, 0.04, 0.002, age=(58, 10), single_port_fit=True,
        ),
        CaseType(
            "cervical", _G.GYNECOLOGIC_ONCOLOGY.value, "gyn_onc", "Cervical cancer",
            (("radical_hysterectomy", 1.0), ("pelvic_lnd", 0.95), ("sentinel_node", 0.3),
             ("bso", 0.3)),
            ((OPEN, 0.5), (LAPAROSCOPIC, 0.5)),
            210, 7, 350, 0.07, 0.002, age=(49, 11),
        ),
        CaseType(
            "benign_gyn", _G.BENIGN_GYNECOLOGY.value, "gynecology",
            "Uterine leiomyoma or adenomyosis",
            (("total_hysterectomy", 0.55), ("myomectomy", 0.45)),
            ((LAPAROSCOPIC, 0.7), (OPEN, 0.2), (VAGINAL, 0.1)),
            120, 3, 150, 0.02, 0.0005, age=(45, 7), single_port_fit=True, cancer=False,
        ),
        CaseType(
            "prostatectomy", _G.UROLOGY.value, "urology", "Prostate cancer",
            (("prostatectomy", 1.0), ("pelvic_lnd", 0.5)),
            ((OPEN, 0.4), (LAPAROSCOPIC, 0.6)),
            180, 5, 300, 0.03, 0.001, sex="male", age=(66, 7), robotic_fit=1.6,
            single_port_fit=True,
        ),
        CaseType(
            "partial_nephrectomy", _G.UROLOGY.value, "urology", "Renal tumor",
            (("partial_nephrectomy", 1.0),),
            ((OPEN, 0.4), (LAPAROSCOPIC, 0.6)),
            170, 5, 200, 0.05, 0.001, sex="any", age=(57, 12), robotic_fit=1.3,
            single_port_fit=True,
        ),
        CaseType(
            "nephrectomy", _G.UROLOGY.value, "urology", "Renal cell carcinoma",
            (("radical_nephrectomy", 1.0),),
            ((OPEN, 0.3), (LAPAROSCOPIC, 0.7)),
            160, 5, 200, 0.04, 0.003, sex="any", age=(60, 11), robotic_fit=0.6,
        ),
        CaseType(
            "cystectomy", _G.UROLOGY.value, "urology", "Muscle-invasive bladder cancer",
            (("cystectomy", 1.0), ("pelvic_lnd", 0.95)),
            ((OPEN, 0.8), (LAPAROSCOPIC, 0.2)),
            360, 12, 700, 0.2, 0.02, sex="any", age=(68, 8), robotic_fit=0.6,
        ),
        CaseType(
            "rectal", _G.COLORECTAL.value, "colorectal", "Rectal cancer",
            (("lar", 1.0), ("ileostomy", 0.5)),
            ((OPEN, 0.3), (LAPAROSCOPIC, 0.7)),
            240, 8, 200, 0.1, 0.008, sex="any", age=(62, 11), single_port_fit=True,
        ),
        CaseType(
            "colon", _G.COLORECTAL.value, "colorectal", "Colon cancer",
            (("right_hemicolectomy", 1.0),),
            ((OPEN, 0.25), (LAPAROSCOPIC, 0.75)),
            180, 7, 150, 0.08, 0.008, sex="any", age=(65, 11), robotic_fit=0.5,
        ),
        CaseType(
            "gastrectomy", _G.UPPER_GI.value, "upper_gi", "Gastric cancer",
            (("distal_gastrectomy", 0.8), ("total_gastrectomy", 0.2)),
            ((OPEN, 0.35), (LAPAROSCOPIC, 0.65)),
            220, 8, 200, 0.08, 0.005, sex="any", age=(60, 11), robotic_fit=0.8,
        ),
        CaseType(
            "thyroidectomy", _G.HEAD_NECK.value, "endocrine", "Papillary thyroid carcinoma",
            (("thyroidectomy", 1.0), ("central_neck", 0.8)),
            ((OPEN, 0.85), (LAPAROSCOPIC, 0.15)),
            130, 3, 30, 0.015, 0.0002, sex="any", age=(45, 12), robotic_fit=1.2,
            single_port_fit=True, thoracic_or_neck=True,
        ),
        CaseType(
            "tors", _G.HEAD_NECK.value, "ent", "Oropharyngeal cancer",
            (("tors", 1.0),),
            ((OPEN, 1.0),),
            150, 7, 100, 0.06, 0.003, sex="any", age=(60, 10), single_port_fit=True,
            thoracic_or_neck=True,
        ),
        CaseType(
            "lobectomy", _G.THORACIC.value, "thoracic", "Non-small cell lung cancer",
            (("lobectomy", 1.0), ("mediastinal_lnd", 0.9)),
            ((OPEN, 0.15), (LAPAROSCOPIC, 0.85)),
            190, 6, 150, 0.06, 0.008, sex="any", age=(64, 9), robotic_fit=0.7,
            thoracic_or_neck=True,
        ),
        CaseType(
            "hepatectomy", _G.HEPATOBILIARY.value, "hepatobiliary", "Hepatocellular carcinoma",
            (("hepatectomy", 1.0), ("cholecystectomy", 0.6)),
            ((OPEN, 0.6), (LAPAROSCOPIC, 0.4)),
            260, 9, 500, 0.1, 0.01, sex="any", age=(60, 10), robotic_fit=0.5,
        ),
        CaseType(
            "pancreatectomy", _G.HEPATOBILIARY.value, "hepatobiliary",
            "Pancreatic body or tail tumor",
            (("distal_pancreatectomy", 1.0),),
            ((OPEN, 0.5), (LAPAROSCOPIC, 0.5)),
            240, 9, 300, 0.15, 0.01, sex="any", age=(62, 10), robotic_fit=0.6,
        ),
        CaseType(
            "cholecystectomy", _G.HEPATOBILIARY.value, "general", "Symptomatic gallstones",
            (("cholecystectomy", 1.0),),
            ((LAPAROSCOPIC, 0.95), (OPEN, 0.05)),
            70, 2, 30, 0.015, 0.0005, sex="any", age=(52, 14), robotic_fit=0.1,
            single_port_fit=True, cancer=False,
        ),
        CaseType(
            "appendectomy", _G.OTHER.value, "general", "Acute appendicitis",
            (("appendectomy", 1.0),),
            ((LAPAROSCOPIC, 0.92), (OPEN, 0.08)),
            55, 2, 20, 0.02, 0.0003, sex="any", age=(35, 15), robotic_fit=0.0, cancer=False,
        ),
        CaseType(
            "mitral", _G.CARDIAC.value, "cardiac", "Degenerative mitral regurgitation",
            (("mitral_repair", 1.0),),
            ((OPEN, 1.0),),
            270, 7, 400, 0.08, 0.01, sex="any", age=(58, 12), robotic_fit=0.4,
            cancer=False, thoracic_or_neck=True,
        ),
    )
}
# fmt: on
URGENT_CASES = frozenset({"appendectomy", "cholecystectomy"})

#: Robotic platforms by era. Multi-port: the first system (2005), S, Si, then Xi; single-port SP
#: from late 2018.
PLATFORM_SP = "da Vinci SP"


def multiport_platform(rng: random.Random, year: int) -> str:
    if year <= 2006:
        return "da Vinci"
    if year <= 2009:
        return "da Vinci S" if year < 2009 or rng.random() < 0.5 else "da Vinci Si"
    if year <= 2014:
        return "da Vinci Si"
    return "da Vinci Xi" if rng.random() < min(0.95, 0.3 + 0.15 * (year - 2015)) else "da Vinci Si"


def single_port_share(year: int, month: int) -> float:
    if year < 2018 or (year == 2018 and month < 10):
        return 0.0
    return min(0.3, 0.08 + 0.04 * (year - 2018))


CONVERSION_REASONS = (
    "Dense adhesions",
    "Bleeding not controlled robotically",
    "Bulky tumor, poor exposure",
    "Could not tolerate pneumoperitoneum or Trendelenburg position",
    "System fault",
    "Unclear anatomy",
)
RESIDUAL_LOCATIONS = (
    "small bowel serosa",
    "root of the mesentery",
    "porta hepatis",
    "right hemidiaphragm",
    "lesser sac",
    "celiac axis nodes",
    "liver hilum",
)
INCOMPLETE_REASONS = (
    "Diffuse small bowel serosal carcinomatosis",
    "Disease at the root of the mesentery",
    "Porta hepatis involvement",
    "Operation limited by the patient's condition",
    "Unresectable disease above the diaphragm",
)
COMPLICATIONS: dict[str, tuple[str, ...]] = {
    "I": (
        "Postoperative ileus managed conservatively",
        "Wound seroma opened at the bedside",
        "Urinary retention",
    ),
    "II": (
        "Anemia treated with transfusion",
        "Urinary tract infection",
        "Pneumonia treated with antibiotics",
        "Deep vein thrombosis on anticoagulation",
        "Surgical site infection treated with antibiotics",
    ),
    "IIIa": (
        "Pleural effusion drained by thoracentesis",
        "Intra-abdominal collection drained percutaneously",
        "Lymphocele drained percutaneously",
        "Ureteric stent for a ureteric injury",
    ),
    "IIIb": (
        "Anastomotic leak, relaparotomy",
        "Postoperative bleeding, reoperation",
        "Small bowel obstruction, reoperation",
        "Fascial dehiscence repaired under general anesthesia",
    ),
    "IVa": (
        "Septic shock with single-organ failure (ICU)",
        "Pulmonary embolism requiring intensive care",
        "Respiratory failure requiring ventilation",
    ),
    "IVb": ("Multi-organ failure",),
    "V": ("Death",),
}
#: Complications after thoracic, neck and cardiac operations (no anastomotic leaks there).
COMPLICATIONS_CHEST_NECK: dict[str, tuple[str, ...]] = {
    **COMPLICATIONS,
    "I": ("Transient hypocalcemia", "Wound seroma opened at the bedside"),
    "II": ("Pneumonia treated with antibiotics", "Atrial fibrillation treated medically"),
    "IIIb": ("Bleeding, reoperation", "Persistent air leak, reoperation"),
}
MAJOR_GRADES = (("IIIa", 0.42), ("IIIb", 0.33), ("IVa", 0.18), ("IVb", 0.07))
NEOADJUVANT_CYCLES = ((3, 0.6), (4, 0.3), (2, 0.03), (6, 0.07))
FIGO_ADVANCED = (("IIIA2", 0.04), ("IIIB", 0.08), ("IIIC", 0.63), ("IVA", 0.09), ("IVB", 0.16))


# --- centers -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quality:
    """Shares of cases with each process item done (when recorded), and how often a field is
    simply not recorded."""

    mdt: float = 0.95
    trial: float = 0.06
    preop: float = 0.92
    op_report: float = 0.9
    pathology: float = 0.92
    prospective: float = 0.95
    missing: float = 0.03
    pci_recorded: float = 0.7


@dataclass(frozen=True, slots=True)
class Ovarian:
    """The center's advanced ovarian cancer surgery."""

    per_year: float  # ovarian cancer operations a year: cytoreductions, secondary included
    primary_share: float = 0.6  # upfront surgery among primary and interval
    complete_rate: float = 0.65  # no gross residual, at the center's mean PCI
    complete_trend: float = 0.0  # change per year
    secondary_share: float = 0.12  # surgery for recurrence among all ovarian operations
    surgeons: int = 4
    other_specialty: float = 0.03  # done by a surgeon who is not a gynecologic oncologist
    radicality: float = 1.0  # how often extensive upper-abdominal procedures are done
    major: float = 0.15  # Clavien-Dindo >= IIIa
    death: float = 0.02  # within 90 days


@dataclass(frozen=True, slots=True)
class RoboticProgram:
    """A robotic program: a logistic ramp of monthly volumes from the first case, optionally
    scaled so that the ``milestone`` (count, year, month) case falls in that month exactly."""

    start: dt.date
    plateau: float  # robotic operations a year once mature (before milestone scaling)
    midpoint: float  # year when half the plateau is reached
    spread: float  # years over which the ramp rises
    early_mix: tuple[tuple[str, float], ...]
    late_mix: tuple[tuple[str, float], ...]
    mature_year: int
    milestone: tuple[int, int, int] | None = None
    growth: float = 0.0  # further growth a year after the ramp (new consoles)


@dataclass(frozen=True, slots=True)
class CenterProfile:
    code: str
    prefix: str  # local procedure codes start with it
    first_year: int
    streams: tuple[tuple[str, float], ...] = ()  # case type, operations a year
    ovarian: Ovarian | None = None
    robotic: float = 0.2  # share of eligible operations done robotically (outside a program)
    robotic_from: int = 2010
    program: RoboticProgram | None = None
    quality: Quality = Quality()
    skew: float = 1.0  # Zipf exponent of surgeon volumes
    growth: float = 0.0  # yearly change of stream volumes
    noise: float = 0.03  # year-to-year variation of volumes


def demo_centers(scale: float = 1.0) -> dict[str, CenterProfile]:
    """The five demo centers, with the seed facts: about 350 ovarian cancer operations a year
    at the ESGO-accredited SMC Gynecologic Cancer Center, and Severance's robotic program from
    2005 whose 20,000th case falls in June 2018. ``scale`` shrinks every volume, the milestone
    count with it (a small demo, such as the test suite's, keeps the shape, not the numbers)."""
    severance = RoboticProgram(
        start=dt.date(2005, 7, 15),
        plateau=2600,
        midpoint=2009.5,
        spread=1.6,
        early_mix=(
            ("prostatectomy", 0.34),
            ("thyroidectomy", 0.3),
            ("gastrectomy", 0.1),
            ("rectal", 0.08),
            ("endometrial", 0.05),
            ("partial_nephrectomy", 0.04),
            ("benign_gyn", 0.04),
            ("mitral", 0.03),
            ("lobectomy", 0.02),
        ),
        late_mix=(
            ("thyroidectomy", 0.2),
            ("prostatectomy", 0.18),
            ("rectal", 0.1),
            ("colon", 0.04),
            ("gastrectomy", 0.08),
            ("endometrial", 0.08),
            ("benign_gyn", 0.08),
            ("partial_nephrectomy", 0.07),
            ("hepatectomy", 0.03),
            ("pancreatectomy", 0.03),
            ("lobectomy", 0.04),
            ("tors", 0.04),
            ("cystectomy", 0.01),
            ("mitral", 0.02),
        ),
        mature_year=2016,
        milestone=(20_000, 2018, 6),
        growth=0.03,
    )
    saerom = RoboticProgram(
        start=dt.date(2014, 3, 3),
        plateau=650,
        midpoint=2017.0,
        spread=1.5,
        early_mix=(("prostatectomy", 0.5), ("benign_gyn", 0.3), ("rectal", 0.2)),
        late_mix=(
            ("prostatectomy", 0.3),
            ("benign_gyn", 0.2),
            ("endometrial", 0.1),
            ("rectal", 0.15),
            ("gastrectomy", 0.1),
            ("partial_nephrectomy", 0.1),
            ("thyroidectomy", 0.05),
        ),
        mature_year=2020,
    )
    centers = (
        CenterProfile(
            "smc-gcc",
            "SMC",
            2008,
            streams=(("endometrial", 200), ("cervical", 100), ("ovarian_early", 50)),
            ovarian=Ovarian(
                per_year=350,
                primary_share=0.6,
                complete_rate=0.75,
                complete_trend=0.005,
                surgeons=7,
                other_specialty=0.01,
                radicality=1.25,
                major=0.16,
                death=0.012,
            ),
            robotic=0.3,
            robotic_from=2009,
            quality=Quality(
                mdt=0.985,
                trial=0.14,
                preop=0.97,
                op_report=0.96,
                pathology=0.97,
                prospective=0.985,
                missing=0.012,
                pci_recorded=0.93,
            ),
            noise=0.02,
        ),
        CenterProfile(
            "sev-rmis",
            "SEV",
            2005,
            program=severance,
            quality=Quality(missing=0.02),
            skew=1.1,
        ),
        CenterProfile(
            "hanbit-cancer",
            "HBT",
            2012,
            streams=(("endometrial", 80), ("cervical", 50), ("ovarian_early", 20)),
            ovarian=Ovarian(
                per_year=90,
                primary_share=0.52,
                complete_rate=0.62,
                surgeons=4,
                other_specialty=0.06,
                radicality=0.9,
                major=0.2,
                death=0.022,
            ),
            robotic=0.15,
            robotic_from=2015,
            quality=Quality(mdt=0.9, trial=0.04, op_report=0.82, pathology=0.88, missing=0.035),
            skew=1.3,
            growth=0.02,
        ),
        CenterProfile(
            "dasol-gyn",
            "DSL",
            2016,
            streams=(("endometrial", 40), ("cervical", 25), ("benign_gyn", 60)),
            ovarian=Ovarian(
                per_year=35,
                primary_share=0.45,
                complete_rate=0.56,
                complete_trend=0.01,
                surgeons=3,
                other_specialty=0.14,
                radicality=0.75,
                major=0.22,
                death=0.025,
            ),
            robotic=0.1,
            robotic_from=2018,
            quality=Quality(
                mdt=0.82,
                trial=0.02,
                preop=0.85,
                op_report=0.7,
                pathology=0.8,
                missing=0.05,
                pci_recorded=0.45,
            ),
            skew=1.4,
            growth=0.06,
        ),
        CenterProfile(
            "saerom-robot",
            "SRM",
            2014,
            program=saerom,
            quality=Quality(missing=0.04),
            skew=1.2,
        ),
    )
    return {center.code: _scaled(center, scale) for center in centers}


def _scaled(center: CenterProfile, scale: float) -> CenterProfile:
    if scale == 1.0:
        return center
    program = center.program
    if program is not None:
        milestone = program.milestone
        if milestone is not None:
            milestone = (max(1, round(milestone[0] * scale)), milestone[1], milestone[2])
        program = replace(program, plateau=program.plateau * scale, milestone=milestone)
    ovarian = center.ovarian
    if ovarian is not None:
        ovarian = replace(ovarian, per_year=ovarian.per_year * scale)
    return replace(
        center,
        streams=tuple((key, volume * scale) for key, volume in center.streams),
        ovarian=ovarian,
        program=program,
    )


#: Case mixes of the national centers' kinds (operations a year at a typical center).
NATIONAL_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "general": (
        ("appendectomy", 900),
        ("cholecystectomy", 1000),
        ("gastrectomy", 350),
        ("colon", 300),
        ("rectal", 200),
        ("thyroidectomy", 500),
        ("lobectomy", 200),
        ("hepatectomy", 120),
        ("pancreatectomy", 40),
        ("prostatectomy", 150),
        ("nephrectomy", 90),
        ("partial_nephrectomy", 80),
        ("cystectomy", 25),
        ("benign_gyn", 400),
        ("endometrial", 90),
        ("cervical", 40),
        ("ovarian_early", 15),
        ("mitral", 40),
        ("tors", 15),
    ),
    "gynecologic": (
        ("endometrial", 150),
        ("cervical", 90),
        ("ovarian_early", 40),
        ("benign_gyn", 250),
    ),
    "robotic": (
        ("prostatectomy", 450),
        ("partial_nephrectomy", 150),
        ("thyroidectomy", 400),
        ("rectal", 200),
        ("gastrectomy", 200),
        ("endometrial", 120),
        ("benign_gyn", 250),
        ("lobectomy", 80),
        ("tors", 40),
    ),
}


def national_centers(count: int = 50, seed: int = DEFAULT_SEED) -> list[CenterProfile]:
    """``count`` fictional centers of a national registry: general tertiary hospitals,
    gynecologic cancer centers and robotic centers of different sizes and quality."""
    rng = random.Random(f"{seed}:national")
    centers = []
    for number in range(count):
        kind = ("general", "general", "gynecologic", "robotic")[number % 4]
        size = rng.lognormvariate(0, 0.5)
        streams = tuple((key, volume * size) for key, volume in NATIONAL_MIXES[kind])
        ovarian = None
        if kind == "gynecologic" or rng.random() < 0.6:
            ovarian = Ovarian(
                per_year=max(8.0, rng.lognormvariate(math.log(70), 0.7)),
                primary_share=rng.uniform(0.45, 0.68),
                complete_rate=rng.uniform(0.52, 0.78),
                complete_trend=rng.uniform(0, 0.01),
                surgeons=rng.randint(2, 7),
                other_specialty=rng.uniform(0.0, 0.15),
                radicality=rng.uniform(0.7, 1.3),
                major=rng.uniform(0.1, 0.2),
                death=rng.uniform(0.01, 0.03),
            )
        centers.append(
            CenterProfile(
                code=f"nat-{number + 1:03d}",
                prefix=f"N{number + 1:02d}",
                first_year=2000,
                streams=streams,
                ovarian=ovarian,
                robotic=rng.uniform(0.4, 0.8) if kind == "robotic" else rng.uniform(0.05, 0.35),
                robotic_from=rng.randint(2007, 2016),
                quality=Quality(
                    mdt=rng.uniform(0.8, 0.99),
                    trial=rng.uniform(0.0, 0.12),
                    preop=rng.uniform(0.8, 0.98),
                    op_report=rng.uniform(0.6, 0.97),
                    pathology=rng.uniform(0.75, 0.98),
                    prospective=rng.uniform(0.7, 0.99),
                    missing=rng.uniform(0.01, 0.06),
                    pci_recorded=rng.uniform(0.3, 0.95),
                ),
                skew=rng.uniform(0.8, 1.5),
                growth=rng.uniform(-0.01, 0.05),
            )
        )
    return centers


# --- volumes -------------------------------------------------------------------------------------
def _ovarian_split(ovarian: Ovarian, total: float) -> dict[str, float]:
    secondary = total * ovarian.secondary_share
    return {"ovarian_aoc": total - secondary, "ovarian_secondary": secondary}


def expected_counts(center: CenterProfile, year: int) -> dict[str, float]:
    """Operations a year by case type, before year-to-year noise (robotic program excluded)."""
    if year < center.first_year:
        return {}
    factor = (1 + center.growth) ** (year - 2020)
    counts = {key: volume * factor for key, volume in center.streams}
    if center.ovarian is not None:
        counts.update(_ovarian_split(center.ovarian, center.ovarian.per_year))
    return counts


def planned_counts(center: CenterProfile, year: int, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """This year's operations by case type: expected counts with seeded year-to-year noise."""
    rng = random.Random(f"{seed}:{center.code}:{year}:volume")
    counts = {}
    for key, expected in expected_counts(center, year).items():
        counts[key] = max(0, round(expected * (1 + rng.gauss(0, center.noise))))
    return counts


def national_plan(
    centers: Sequence[CenterProfile], years: Sequence[int], total: int
) -> dict[tuple[str, int], dict[str, int]]:
    """Exactly ``total`` operations split over centers, years and case types in proportion to
    their expected counts (largest remainders), so a benchmark size is exact."""
    cells = [
        ((center.code, year), key, expected)
        for center in centers
        for year in years
        for key, expected in expected_counts(center, year).items()
    ]
    scale = total / sum(expected for _where, _key, expected in cells)
    floors = [math.floor(expected * scale) for _where, _key, expected in cells]
    left = total - sum(floors)
    order = sorted(
        range(len(cells)), key=lambda i: (floors[i] - cells[i][2] * scale, i)
    )  # largest remainder first
    for i in order[:left]:
        floors[i] += 1
    plan: dict[tuple[str, int], dict[str, int]] = {}
    for (where, key, _expected), count in zip(cells, floors, strict=True):
        plan.setdefault(where, {})[key] = count
    return plan


@cache
def program_schedule(program: RoboticProgram, last_year: int) -> dict[tuple[int, int], int]:
    """Robotic operations per (year, month) from the first case to ``last_year``: a logistic
    ramp summed month by month, scaled so the milestone case falls in its month (the cumulative
    count is rounded, never the monthly one, so the total stays exact)."""
    horizon = max(last_year, program.milestone[1] if program.milestone else last_year)
    months: list[tuple[int, int]] = []
    cumulative: list[float] = []
    total = 0.0
    year, month = program.start.year, program.start.month
    while year <= horizon:
        t = year + (month - 0.5) / 12
        rate = program.plateau / (1 + math.exp(-(t - program.midpoint) / program.spread))
        rate *= (1 + program.growth) ** max(0.0, t - program.mature_year)
        share = 1.0
        if (year, month) == (program.start.year, program.start.month):
            share = 1 - (program.start.day - 1) / 30
        total += rate / 12 * share
        months.append((year, month))
        cumulative.append(total)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    scale = 1.0
    if program.milestone is not None:
        count, year, month = program.milestone
        i = months.index((year, month))
        before = cumulative[i - 1] if i else 0.0
        scale = count / ((before + cumulative[i]) / 2)
    schedule: dict[tuple[int, int], int] = {}
    previous = 0
    for when, value in zip(months, cumulative, strict=True):
        if when[0] > last_year:
            break
        rounded = round(value * scale)
        schedule[when] = rounded - previous
        previous = rounded
    return schedule


# --- surgeons ------------------------------------------------------------------------------------
SURNAMES = (
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh",
    "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Jeon", "Ko", "Moon", "Yang",
)  # fmt: skip
GIVEN = (
    "Ji-hoon", "Seo-yeon", "Min-jun", "Ha-eun", "Do-yoon", "Su-bin", "Ye-jun", "Ji-woo",
    "Eun-ji", "Jae-hyun", "Na-rae", "Sung-min", "Hye-jin", "Tae-yang", "Yu-na", "Joon-ho",
    "Dong-hyun", "Min-seo", "Hyun-woo", "Ji-yeon", "Sang-hoon", "Eun-young", "Jin-woo",
    "So-yeon", "Kyung-min", "Young-jae", "Mi-kyung", "Seung-ho", "Hae-won", "Chan-woo",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Surgeon:
    name: str
    specialty: str
    weight: float
    first_year: int
    last_year: int


def _names(code: str) -> Iterator[str]:
    """Distinct surgeon names of one center, in a seeded order."""
    rng = random.Random(f"names:{code}")
    pairs = [f"{given} {surname}" for surname in SURNAMES for given in GIVEN]
    rng.shuffle(pairs)
    yield from pairs
    number = 2
    while True:  # a very large center: repeat names with a distinguishing initial
        for name in pairs:
            yield f"{name} {chr(64 + number)}."
        number += 1


@cache
def surgeon_pools(center: CenterProfile, seed: int) -> dict[str, tuple[Surgeon, ...]]:
    """Surgeons of each service of the center with skewed volumes (Zipf): a few do most
    operations, a junior does few, some join during the decade and one senior retires."""
    rng = random.Random(f"{seed}:{center.code}:surgeons")
    names = _names(center.code)
    volumes: dict[str, float] = {}
    mixes = [*center.streams]
    if center.program is not None:
        program = center.program
        for key, share in (*program.early_mix, *program.late_mix):
            mixes.append((key, program.plateau * share / 2))
    for key, volume in mixes:
        service = CASE_TYPES[key].service
        volumes[service] = volumes.get(service, 0.0) + volume
    pools: dict[str, tuple[Surgeon, ...]] = {}
    for service, volume in sorted(volumes.items()):
        size = max(2, min(14, round(volume / 90)))
        pools[service] = _pool(rng, names, size, SERVICE_SPECIALTY[service], center.skew)
    if center.ovarian is not None:
        pools["ovarian"] = _pool(rng, names, center.ovarian.surgeons, GYN_ONC, center.skew)
        gynecologist = SurgeonSpecialty.GENERAL_GYNECOLOGY.value
        general = SurgeonSpecialty.GENERAL_SURGERY.value
        pools["ovarian_other"] = (
            Surgeon(next(names), gynecologist, 1.0, 1990, 2100),
            Surgeon(next(names), general, 0.5, 1990, 2100),
        )
    return pools


def _pool(
    rng: random.Random, names: Iterator[str], size: int, specialty: str, skew: float
) -> tuple[Surgeon, ...]:
    surgeons = []
    retiring = rng.randrange(size) if size > 2 else -1
    for rank in range(size):
        first, last = 1990, 2100
        if rank >= max(1, size // 2):
            first = rng.randint(2008, 2022)  # joined during the decade
        if rank == retiring and rank < size // 2:
            last = rng.randint(2016, 2024)
        surgeons.append(Surgeon(next(names), specialty, 1 / (rank + 1) ** skew, first, last))
    # A junior or occasional operator: under ten cases a year at most centers.
    surgeons.append(Surgeon(next(names), specialty, 0.004 * size, 2012, 2100))
    return tuple(surgeons)


def _active(pool: tuple[Surgeon, ...], year: int) -> tuple[list[Surgeon], list[float]]:
    """The surgeons operating this year, with cumulative weights for ``random.choices``."""
    active = [s for s in pool if s.first_year <= year <= s.last_year] or list(pool)
    return active, list(itertools.accumulate(s.weight for s in active))


@cache
def _cumulative(weighted: tuple[tuple[Any, float], ...]) -> tuple[list[Any], list[float]]:
    return [v for v, _w in weighted], list(itertools.accumulate(w for _v, w in weighted))


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    """A value of (value, weight) pairs drawn by weight (cumulative weights cached: this
    runs millions of times)."""
    values, cumulative = _cumulative(weighted)
    return rng.choices(values, cum_weights=cumulative)[0]


# --- dates ---------------------------------------------------------------------------------------
@cache
def _weekdays(year: int, month: int = 0) -> tuple[dt.date, ...]:
    """Operating days (Monday to Friday) of a year, or of one month of it."""
    first = dt.date(year, month or 1, 1)
    last = dt.date(year, 12, 31) if not month else _month_end(year, month)
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


# --- generation ----------------------------------------------------------------------------------
class _Year:
    """Generation of one center-year: one seeded random stream, shared helpers."""

    def __init__(self, center: CenterProfile, year: int, seed: int, today: dt.date | None) -> None:
        self.center = center
        self.year = year
        self.seed = seed
        self.today = today
        self.rng = random.Random(f"{seed}:{center.code}:{year}")
        self.pools = surgeon_pools(center, seed)
        self.active = {name: _active(pool, year) for name, pool in self.pools.items()}
        self.number = 0
        self.cytoreductions = 0
        self.missing = center.quality.missing

    # small helpers -------------------------------------------------------------------------
    def flag(self, share: float) -> bool | None:
        """True with probability ``share``; None (not recorded) a few percent of the time."""
        rng = self.rng.random
        if rng() < self.missing:
            return None
        return rng() < share

    def maybe(self, value: Any) -> Any:
        return None if self.rng.random() < self.missing else value

    def around(self, typical: float, spread: float = 0.25, low: float = 1) -> int:
        return max(int(low), round(typical * math.exp(self.rng.gauss(0, spread))))

    def next_key(self) -> str:
        self.number += 1
        return f"synthetic:{self.center.code}:{self.year}:{self.number:05d}"

    def person(self, key: str, case: CaseType, day: dt.date) -> SyntheticPatient:
        sex = case.sex
        if sex == "any":
            sex = "female" if self.rng.random() < 0.5 else "male"
        age = max(18, min(92, round(self.rng.gauss(*case.age))))
        born = dt.date(day.year - age, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
        return SyntheticPatient(key, sex, born)

    def procedure(self, key: str) -> SyntheticProcedure:
        entry = CATALOGUE[key]
        return SyntheticProcedure(
            f"{self.center.prefix}-{entry.number:04d}",
            entry.name,
            SNOMED if entry.snomed else "",
            entry.snomed,
            entry.aletti,
        )

    def surgeon(self, pool: str) -> Surgeon:
        active, cumulative = self.active.get(pool) or self.active["ovarian"]
        return self.rng.choices(active, cum_weights=cumulative)[0]

    def after(self, day: dt.date, days: int) -> dt.date | None:
        """A date ``days`` after surgery, or None if it is after today (not happened yet)."""
        when = day + dt.timedelta(days=days)
        return None if self.today is not None and when > self.today else when

    # course of an operation --------------------------------------------------------------
    def complications(
        self, surgery: SyntheticSurgery, case: CaseType, major: float, death: float
    ) -> None:
        """Clavien-Dindo graded complications within 90 days, outcome flags that agree with
        them, and the death date when the patient died."""
        rng = self.rng
        events = COMPLICATIONS_CHEST_NECK if case.thoracic_or_neck else COMPLICATIONS
        found: list[SyntheticComplication] = []
        died_on: int | None = None
        if rng.random() < death:
            died_on = rng.randint(2, 30) if rng.random() < 0.55 else rng.randint(31, 90)
        if died_on is not None or rng.random() < major:
            grade = _pick(rng, MAJOR_GRADES)
            day = rng.randint(1, 14) if rng.random() < 0.8 else rng.randint(15, 45)
            if died_on is not None:
                grade, day = ("IVb" if rng.random() < 0.5 else "IVa"), min(day, died_on)
            found.append(
                SyntheticComplication(
                    rng.choice(events[grade]), grade, day, grade != "IIIa" and rng.random() < 0.08
                )
            )
        if rng.random() < major * 1.6 + 0.04:
            for _n in range(1 if rng.random() < 0.8 else 2):
                grade = "I" if rng.random() < 0.45 else "II"
                found.append(
                    SyntheticComplication(rng.choice(events[grade]), grade, rng.randint(0, 12))
                )
        if died_on is not None:
            surgery.death_date = self.after(surgery.date, died_on)
            if surgery.death_date is not None:
                found.append(SyntheticComplication("Death", "V", died_on))
        found = [c for c in found if self.after(surgery.date, c.day) is not None]
        found.sort(key=lambda c: c.day)
        surgery.complications = found
        grades = {c.grade for c in found}
        surgery.reoperation = self.maybe("IIIb" in grades)
        surgery.interventional_radiology = self.maybe("IIIa" in grades)
        surgery.icu_transfer = self.maybe(bool(grades & {"IVa", "IVb"}) or rng.random() < 0.03)
        stay = self.around(case.stay, 0.3) + (6 if grades & {"IIIb", "IVa", "IVb"} else 0)
        if surgery.death_date is not None and died_on is not None and died_on < stay:
            stay = died_on
        surgery.length_of_stay = self.maybe(stay)
        late = any(c.day > stay for c in found)
        surgery.readmission = self.maybe(late or rng.random() < 0.03)
        surgery.complications_prospective = self.flag(self.center.quality.prospective)

    def team(self, surgery: SyntheticSurgery, surgeon: Surgeon, robotic: bool) -> None:
        """Primary (or console) surgeon and assistants; now and then nobody was recorded."""
        rng = self.rng
        if rng.random() < self.missing / 2:
            return
        lead = ROLE_CONSOLE if robotic and rng.random() < 0.7 else ROLE_PRIMARY
        team = [SyntheticTeamMember(surgeon.name, lead, surgeon.specialty)]
        if robotic:
            team.append(SyntheticTeamMember("Bedside assistant", ROLE_BEDSIDE, surgeon.specialty))
            if surgeon.first_year == self.year and rng.random() < 0.5:
                proctor = self.surgeon_for_proctoring(surgeon)
                team.append(SyntheticTeamMember(proctor, ROLE_PROCTOR, surgeon.specialty))
        if rng.random() < 0.35:
            team.append(SyntheticTeamMember("Clinical fellow", ROLE_TRAINEE, surgeon.specialty))
        surgery.team = team

    def surgeon_for_proctoring(self, surgeon: Surgeon) -> str:
        for pool in self.pools.values():
            if surgeon in pool:
                return pool[0].name if pool[0] != surgeon else pool[1].name
        return "Visiting proctor"

    def approach(self, case: CaseType, robotic_share: float, month: int) -> str:
        rng = self.rng
        if rng.random() < robotic_share * case.robotic_fit:
            if case.single_port_fit and rng.random() < single_port_share(self.year, month):
                return SINGLE_PORT
            return MULTIPORT
        approaches = case.approaches
        if case.key == "cervical" and self.year >= 2019:
            # After the LACC trial (2018) radical hysterectomy went back to open surgery.
            approaches = ((OPEN, 0.85), (LAPAROSCOPIC, 0.15))
        return _pick(rng, approaches)

    def robotic_share(self) -> float:
        center = self.center
        if self.year < center.robotic_from:
            return 0.0
        return center.robotic * min(1.0, (self.year - center.robotic_from + 1) / 8)

    # one operation ---------------------------------------------------------------------------
    def operation(
        self, case: CaseType, day: dt.date, approach: str, program_year: int | None = None
    ) -> SyntheticSurgery:
        """Any operation other than an ovarian cytoreduction."""
        rng = self.rng
        quality = self.center.quality
        key = self.next_key()
        urgent = case.key in URGENT_CASES and rng.random() < 0.6
        surgeon = self.surgeon(case.service)
        surgery = SyntheticSurgery(
            center=self.center.code,
            key=key,
            patient=self.person(key, case, day),
            date=day,
            urgency=(EMERGENCY if rng.random() < 0.3 else URGENT) if urgent else ELECTIVE,
            specialty=surgeon.specialty,
            indication=case.indication,
            procedure_group=case.group,
            approach=approach,
            case_type=case.key,
        )
        surgery.procedures = [
            self.procedure(name) for name, chance in case.procedures if rng.random() < chance
        ] or [self.procedure(case.procedures[0][0])]
        robotic = approach in (MULTIPORT, SINGLE_PORT)
        minutes = self.around(case.minutes, 0.25, 30)
        if robotic:
            surgery.platform = (
                PLATFORM_SP if approach == SINGLE_PORT else multiport_platform(rng, self.year)
            )
            xi = surgery.platform in ("da Vinci Xi", PLATFORM_SP)
            surgery.docking_min = self.maybe(self.around(8 if xi else 16, 0.35, 2))
            learning = 1.0
            if program_year is not None:
                learning = 1 + 0.45 * math.exp(-program_year / 3)
            console = self.around(case.minutes * 0.72 * learning, 0.25, 20)
            surgery.console_min = self.maybe(console)
            minutes = console + (surgery.docking_min or 12) + self.around(25, 0.3, 5)
            if rng.random() < 0.015:
                surgery.converted_to = OPEN if rng.random() < 0.7 else LAPAROSCOPIC
                surgery.conversion_reason = rng.choice(CONVERSION_REASONS)
        elif approach == LAPAROSCOPIC and rng.random() < 0.03:
            surgery.converted_to = OPEN
            surgery.conversion_reason = rng.choice(CONVERSION_REASONS[:4])
        surgery.incision_to_closure_min = self.maybe(minutes)
        blood = case.blood * (0.4 if approach != OPEN else 1.0)
        surgery.blood_loss_ml = self.maybe(self.around(blood, 0.6, 5))
        surgery.transfused = self.maybe(rng.random() < min(0.6, blood / 2500))
        if case.cancer:
            surgery.mdt_discussed = self.flag(quality.mdt * 0.9)
            surgery.pathology_report_complete = self.flag(quality.pathology)
            surgery.in_trial = self.flag(quality.trial / 2)
        major = case.major * (0.8 if approach != OPEN else 1.0)
        self.complications(surgery, case, major, case.death)
        self.team(surgery, surgeon, robotic)
        return surgery

    def cytoreduction(self, day: dt.date) -> SyntheticSurgery:
        """Primary or interval cytoreduction for stage III-IV ovarian cancer."""
        ovarian = self.center.ovarian
        assert ovarian is not None
        rng = self.rng
        quality = self.center.quality
        case = CASE_TYPES["ovarian_aoc"]
        key = self.next_key()
        self.cytoreductions += 1
        timing = PRIMARY if rng.random() < ovarian.primary_share else INTERVAL
        stage = _pick(rng, FIGO_ADVANCED)
        pci = self.pci(timing)
        total = sum(pci.values())
        surgery = SyntheticSurgery(
            center=self.center.code,
            key=key,
            patient=self.ovarian_person(self.year, self.cytoreductions),
            date=day,
            urgency=URGENT if rng.random() < 0.03 else ELECTIVE,
            specialty=GYN_ONC,
            indication=f"Advanced ovarian cancer, FIGO {stage}",
            procedure_group=OVARIAN,
            approach=OPEN,
            case_type=case.key,
            timing=timing,
            advanced_ovarian=True,
        )
        if timing == INTERVAL:
            surgery.neoadjuvant_cycles = _pick(rng, NEOADJUVANT_CYCLES)
            if total <= 10 and rng.random() < 0.05:
                surgery.approach = LAPAROSCOPIC if rng.random() < 0.5 else MULTIPORT
                if surgery.approach == MULTIPORT:
                    surgery.platform = multiport_platform(rng, self.year)
        surgery.procedures = [self.procedure(k) for k in self.debulking(pci, timing)]
        aletti = self.aletti(surgery.procedures)
        # Complete resection: the center's rate, less likely with more disease.
        mean_pci = 13.4 if timing == PRIMARY else 9.6  # the means of ``pci``
        rate = ovarian.complete_rate + ovarian.complete_trend * (self.year - 2020)
        complete = rng.random() < max(0.05, min(0.97, rate + 0.018 * (mean_pci - total)))
        if complete:
            residual = 0.0
        else:
            residual = round(rng.uniform(1, 10) if rng.random() < 0.7 else rng.uniform(11, 45), 1)
            surgery.residual_locations = ", ".join(
                rng.sample(RESIDUAL_LOCATIONS, rng.randint(1, 2))
            )
            surgery.incomplete_reason = rng.choice(INCOMPLETE_REASONS)
        surgery.residual_mm = self.maybe(residual)
        if rng.random() < quality.pci_recorded:
            surgery.pci_intraop = pci
            if timing == PRIMARY and rng.random() < 0.15:
                surgery.pci_preop = {r: max(0, s - (rng.random() < 0.2)) for r, s in pci.items()}
        surgery.incision_to_closure_min = self.maybe(self.around(150 + 28 * aletti, 0.2, 60))
        blood = 250 + 140 * aletti
        surgery.blood_loss_ml = self.maybe(self.around(blood, 0.45, 50))
        surgery.transfused = self.maybe(rng.random() < min(0.85, blood / 2200))
        surgery.operative_report = self.report(complete)
        surgery.pathology_report_complete = self.flag(quality.pathology)
        surgery.mdt_discussed = self.flag(quality.mdt)
        surgery.in_trial = self.flag(quality.trial)
        surgery.preop_workup_complete = self.flag(quality.preop)
        major = ovarian.major * (0.7 + 0.06 * aletti)
        self.complications(surgery, case, major, ovarian.death)
        surgery.icu_transfer = surgery.icu_transfer or (
            self.maybe(aletti >= 8 and rng.random() < 0.4)
        )
        self.chemotherapy(surgery)
        self.ovarian_team(surgery)
        return surgery

    def secondary(self, day: dt.date) -> SyntheticSurgery:
        """Cytoreduction for recurrence, in a patient of an earlier primary cytoreduction."""
        rng = self.rng
        ovarian = self.center.ovarian
        assert ovarian is not None
        case = CASE_TYPES["ovarian_secondary"]
        surgery = self.operation(case, day, self.approach(case, self.robotic_share(), day.month))
        earlier = round(ovarian.per_year * (1 - ovarian.secondary_share))
        surgery.patient = self.ovarian_person(
            self.year - rng.randint(1, 4), rng.randint(1, earlier)
        )
        surgery.timing = SECONDARY if rng.random() < 0.88 else TERTIARY
        surgery.advanced_ovarian = True
        surgery.residual_mm = self.maybe(0.0 if rng.random() < 0.7 else round(rng.uniform(2, 20)))
        if surgery.residual_mm:
            surgery.incomplete_reason = rng.choice(INCOMPLETE_REASONS)
            surgery.residual_locations = rng.choice(RESIDUAL_LOCATIONS)
        surgery.operative_report = self.report(not surgery.residual_mm)
        self.chemotherapy(surgery)
        self.ovarian_team(surgery)
        return surgery

    def ovarian_person(self, year: int, number: int) -> SyntheticPatient:
        """The patient of the ``number``-th cytoreduction of ``year`` at this center. Her birth
        date follows from the key alone, so a later operation for recurrence names the same
        person without the two center-years sharing any state."""
        key = f"{self.center.code}:{year}:cytoreduction:{number}"
        digest = zlib.crc32(f"{self.seed}:{key}".encode())
        age = 45 + digest % 15 + (digest >> 8) % 15  # 45-73, most often about 59
        born = dt.date(year - age, 1, 1) + dt.timedelta(days=(digest >> 16) % 365)
        return SyntheticPatient(key, "female", born)

    def pci(self, timing: str) -> dict[str, int]:
        """Peritoneal Cancer Index by region: pelvis and omentum (central) nearly always
        involved, the upper abdomen often, the small bowel less; less after chemotherapy."""
        rng = self.rng.random
        burden = self.rng.betavariate(2.2, 2.0) * (1.0 if timing == PRIMARY else 0.65)
        scores = {}
        for region, involved in enumerate(PCI_INVOLVEMENT):
            score = 0
            if rng() < involved * (0.5 + burden):
                score = 1 + (rng() < burden + 0.2) + (rng() < burden * 0.8)
            scores[str(region)] = min(3, score)
        return scores

    def debulking(self, pci: Mapping[str, int], timing: str) -> list[str]:
        """The procedure list of a cytoreduction, driven by where the disease is."""
        rng = self.rng.random
        radical = self.center.ovarian.radicality if self.center.ovarian else 1.0
        upper = max(pci["1"], pci["3"])
        done = ["th_bso" if rng() > 0.05 else "bso", "omentectomy", "peritoneal_biopsy"]
        lnd = 0.45 if self.year < 2019 else 0.2  # fewer after the LION trial
        if timing == PRIMARY and rng() < lnd:
            done += ["pelvic_lnd", "pa_lnd"]
        if pci["6"] >= 1 and rng() < 0.75 * radical:
            done.append("pelvic_stripping")
        if pci["6"] >= 2 and rng() < (0.6 if timing == PRIMARY else 0.4) * radical:
            done.append("rectosigmoid")
            if rng() < 0.15:
                done.append("ileostomy")
        if sum(pci[str(r)] for r in range(1, 9)) >= 6 and rng() < 0.55 * radical:
            done.append("abdominal_stripping")
        if upper >= 2 and rng() < 0.75 * radical:
            done.append("diaphragm")
        if pci["3"] >= 2 and rng() < 0.3 * radical:
            done.append("splenectomy")
        if pci["1"] >= 3 and rng() < 0.2 * radical:
            done.append("liver")
        if pci["0"] >= 3 and rng() < 0.15 * radical:
            done.append("large_bowel")
        if max(pci[str(r)] for r in range(9, 13)) >= 2 and rng() < 0.35 * radical:
            done.append("small_bowel")
        if rng() < 0.2:
            done.append("appendectomy")
        return done

    @staticmethod
    def aletti(procedures: Iterable[SyntheticProcedure]) -> int:
        from caseway.registry.scores import ALETTI_POINTS

        groups = {p.aletti_group for p in procedures if p.aletti_group}
        return sum(ALETTI_POINTS[g] for g in groups)

    def report(self, complete: bool) -> dict[str, bool]:
        """The ESGO operative-report checklist; an incomplete report misses an item or two;
        now and then none was filled in at all."""
        rng = self.rng
        if rng.random() < self.missing:
            return {}
        items = dict.fromkeys(REPORT_ITEMS, True)
        if rng.random() >= self.center.quality.op_report:
            for item in rng.sample(("pci", "retroperitoneum", "upper_abdomen", "bowel"), 2)[
                : rng.randint(1, 2)
            ]:
                items[item] = False
        return items

    def chemotherapy(self, surgery: SyntheticSurgery) -> None:
        """Adjuvant (or resumed) chemotherapy three to six weeks after surgery, later after a
        major complication; none after an early death; sometimes not recorded."""
        rng = self.rng
        if surgery.death_date is not None and (surgery.death_date - surgery.date).days < 60:
            return
        days = rng.gauss(31, 6)
        if any(c.grade not in ("I", "II") for c in surgery.complications):
            days += rng.uniform(7, 25)
        elif rng.random() < 0.06:
            days += rng.uniform(10, 30)
        surgery.adjuvant_chemo_start = self.maybe(self.after(surgery.date, max(14, round(days))))

    def ovarian_team(self, surgery: SyntheticSurgery) -> None:
        ovarian = self.center.ovarian
        assert ovarian is not None
        pool = "ovarian_other" if self.rng.random() < ovarian.other_specialty else "ovarian"
        surgeon = self.surgeon(pool)
        surgery.specialty = surgeon.specialty
        self.team(surgery, surgeon, surgery.robotic)


#: Chance a region is involved in advanced ovarian cancer (0 central and 6 pelvis most often).
PCI_INVOLVEMENT = (0.95, 0.55, 0.35, 0.4, 0.4, 0.45, 0.95, 0.45, 0.45, 0.25, 0.25, 0.3, 0.35)


def generate_center_year(
    center: CenterProfile,
    year: int,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    counts: Mapping[str, int] | None = None,
) -> list[SyntheticSurgery]:
    """Every operation of one center in one year, in date order. ``counts`` (case type to
    number) overrides the center's own volumes, as ``national_plan`` does; a robotic program's
    operations follow its monthly schedule. Nothing after ``today`` is generated."""
    gen = _Year(center, year, seed, today)
    rng = gen.rng
    counts = planned_counts(center, year, seed) if counts is None else counts
    days = _weekdays(year)
    surgeries: list[SyntheticSurgery] = []
    share = gen.robotic_share()
    for key, count in counts.items():
        case = CASE_TYPES[key]
        for _n in range(count):
            day = rng.choice(days)
            if key == "ovarian_aoc":
                surgeries.append(gen.cytoreduction(day))
            elif key == "ovarian_secondary":
                surgeries.append(gen.secondary(day))
            else:
                surgeries.append(gen.operation(case, day, gen.approach(case, share, day.month)))
    program = center.program
    if program is not None and year >= program.start.year:
        schedule = program_schedule(program, year)
        span = max(1, program.mature_year - program.start.year)
        blend = min(1.0, max(0.0, (year - program.start.year) / span))
        mix = tuple(_blend(program.early_mix, program.late_mix, blend))
        for month in range(1, 13):
            month_days = [d for d in _weekdays(year, month) if d >= program.start]
            for _n in range(schedule.get((year, month), 0)):
                case = CASE_TYPES[_pick(rng, mix)]
                day = rng.choice(month_days)
                approach = MULTIPORT
                if case.single_port_fit and rng.random() < single_port_share(year, month) * 1.4:
                    approach = SINGLE_PORT
                surgeries.append(
                    gen.operation(case, day, approach, program_year=year - program.start.year)
                )
    if today is not None:
        surgeries = [s for s in surgeries if s.date <= today]
    surgeries.sort(key=lambda s: (s.date, s.key))
    return surgeries


def _blend(
    early: tuple[tuple[str, float], ...], late: tuple[tuple[str, float], ...], t: float
) -> list[tuple[str, float]]:
    keys = dict.fromkeys([k for k, _w in early] + [k for k, _w in late])
    first, second = dict(early), dict(late)
    return [(k, (1 - t) * first.get(k, 0.0) + t * second.get(k, 0.0)) for k in keys]


def generate(
    centers: Iterable[CenterProfile],
    years: Iterable[int],
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    plan: Mapping[tuple[str, int], Mapping[str, int]] | None = None,
) -> Iterator[SyntheticSurgery]:
    """Every operation of these centers in these years, center by center, year by year. A
    robotic program also yields its years before ``years`` (its cumulative count starts with
    its first case)."""
    years = sorted(set(years))
    for center in centers:
        program_years = []
        if center.program is not None and years:
            program_years = list(range(center.program.start.year, years[0]))
        for year in [*program_years, *years]:
            if plan is not None:
                counts: Mapping[str, int] | None = plan.get((center.code, year), {})
            elif year in years:
                counts = None
            else:
                counts = {}  # before the window: the program's operations only
            yield from generate_center_year(center, year, seed, today, counts)


def demo_years(today: dt.date) -> list[int]:
    """The ten calendar years before ``today``."""
    return list(range(today.year - 10, today.year))


# --- the ORM side: facts and bulk writes -------------------------------------------------------
_LAYOUTS: dict[type[Any], tuple[tuple[str, ...], tuple[Any, ...]]] = {}


def _layout(model: type[Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Column names (attnames) of a model in field order, with their defaults."""
    if model not in _LAYOUTS:
        fields = model._meta.concrete_fields
        _LAYOUTS[model] = tuple(f.attname for f in fields), tuple(f.get_default() for f in fields)
    return _LAYOUTS[model]


def _instance(model: type[Any], values: Mapping[str, Any]) -> Any:
    """An unsaved instance built positionally: Django's fast path (the one ``from_db`` takes),
    several times cheaper than keyword arguments when millions are built. Fields not given take
    their (immutable) defaults."""
    names, defaults = _layout(model)
    return model(*[values.get(n, d) for n, d in zip(names, defaults, strict=True)])


def build_models(
    surgery: SyntheticSurgery,
    center_id: Any,
    patient_id: Any,
    pk: Any = None,
    bookkeeping: Mapping[str, Any] | None = None,
) -> tuple[Any, list[Any], list[Any], list[Any]]:
    """Unsaved ``Surgery``, procedures, team and complications for one synthetic operation.
    ``bookkeeping`` gives column values every row shares (``created_by_id``, ``created_at``...)."""
    from caseway.registry.models import Complication, Procedure, Surgery, TeamMember

    shared = {**(bookkeeping or {}), "surgery_id": pk}
    values = surgery.surgery_fields()
    values.update(shared)
    values.update(id=pk, center_id=center_id, patient_id=patient_id, source_key=surgery.key)
    model = _instance(Surgery, values)
    procedures = [
        _instance(
            Procedure,
            {
                **shared,
                "local_code": p.local_code,
                "name": p.name,
                "standard_system": p.standard_system,
                "standard_code": p.standard_code,
                "aletti_group": p.aletti_group,
            },
        )
        for p in surgery.procedures
    ]
    team = [
        _instance(TeamMember, {**shared, "name": m.name, "role": m.role, "specialty": m.specialty})
        for m in surgery.team
    ]
    complications = [
        _instance(
            Complication,
            {
                **shared,
                "description": c.description,
                "grade": c.grade,
                "day": c.day,
                "present_at_discharge": c.present_at_discharge,
            },
        )
        for c in surgery.complications
    ]
    return model, procedures, team, complications


def derive(surgery: SyntheticSurgery, center_id: Any, pk: Any, today: dt.date) -> SurgeryFacts:
    """The facts of one synthetic operation through ``services.derive_facts`` (no database)."""
    from caseway.registry.services import derive_facts

    model, procedures, team, complications = build_models(surgery, center_id, None, pk)
    return derive_facts(model, procedures, team, complications, today)


def fact_records(
    surgeries: Iterable[SyntheticSurgery], today: dt.date, first_id: int = 1
) -> list[dict[str, Any]]:
    """Indicator-engine records of synthetic operations, derived exactly as stored facts are
    (``derive_facts`` on unsaved instances; no database). ``center`` is the center code."""
    return [
        derive(surgery, surgery.center, number, today).as_record()
        for number, surgery in enumerate(surgeries, start=first_id)
    ]


def create_patients(
    center: Center,
    people: Sequence[SyntheticPatient],
    actor: Any = None,
    mrn_prefix: str = "R",
) -> list[Patient]:
    """Minimal patients (number, name, sex, birth date) of ``center`` for these people, in
    bulk, with one journal event; medical record numbers continue after the center's
    ``mrn_prefix`` ones."""
    from django.utils import timezone

    from caseway.core import journal
    from caseway.records.models import Patient

    actor = actor or _system_actor()
    user = getattr(actor, "user", None)
    taken = Patient.objects.filter(center=center, mrn__startswith=f"{mrn_prefix}-").count()
    now = timezone.now()
    rng = random.Random(f"patients:{center.code}:{taken}")
    patients = []
    for number, person in enumerate(people, start=taken + 1):
        index = rng.randrange(len(SURNAMES))
        name = f"{SURNAMES[index]} {rng.choice(GIVEN)}"
        patients.append(
            Patient(
                center_id=center.pk,
                mrn=f"{mrn_prefix}-{number:07d}",
                name_original=name,
                name_romanized=name,
                sex=person.sex,
                birth_date=person.birth_date,
                nationality="KR",
                created_at=now,
                updated_at=now,
                created_by=user,
                updated_by=user,
            )
        )
    for patient, pk in zip(patients, _allocate_ids(Patient, len(patients)), strict=True):
        patient.pk = patient.id = pk
    _insert(Patient, patients)
    created = patients
    journal.record(
        actor,
        "create",
        entity_type="records.patient",
        entity_id="bulk",
        center_id=center.pk,
        institution_id=center.institution_id,
        detail={"bulk": "synthetic registry patients", "patients": len(created)},
    )
    return created


def people(surgeries: Iterable[SyntheticSurgery]) -> list[SyntheticPatient]:
    """The distinct people behind the operations, in order of first appearance."""
    seen: dict[str, SyntheticPatient] = {}
    for surgery in surgeries:
        seen.setdefault(surgery.patient.key, surgery.patient)
    return list(seen.values())


@dataclass
class WriteReport:
    surgeries: int = 0
    procedures: int = 0
    team: int = 0
    complications: int = 0
    facts: int = 0
    ids: list[int] = field(default_factory=list)


def write_surgeries(
    center: Center,
    surgeries: Sequence[SyntheticSurgery],
    patients: Sequence[Any],
    actor: Any = None,
    today: dt.date | None = None,
    sign_before: dt.date | None = None,
    conditions: Mapping[str, int] | None = None,
    batch_size: int = 5000,
) -> WriteReport:
    """Store synthetic operations of one center in bulk, with their rows and derived facts.

    ``actor`` is who loads them (default: the system); its user is the rows' creator.
    ``patients`` (instances or ids, all of ``center``) are given to the distinct people in
    order of first appearance, cyclically. Surgeries dated before ``sign_before`` are stored
    signed (historical records are); ``conditions`` maps a person's key to the condition
    (of her patient) the operation treated. No signals fire (bulk), so facts are derived here with
    ``derive_facts`` exactly as ``refresh_facts`` would, and one journal event records the
    load. All or nothing.

    Rows go in by the importer's fast path (``insert_rows``: COPY on PostgreSQL, one
    prepared ``executemany`` on SQLite) with ids allocated first, not ``bulk_create``:
    Django caps a SQLite INSERT at 999 parameters, about 19 surgeries a statement, which made
    the demo's 57,000 surgeries take minutes.
    """
    from django.db import transaction
    from django.utils import timezone

    from caseway.core import journal
    from caseway.records.models import Patient
    from caseway.registry.models import (
        Complication,
        Procedure,
        Surgery,
        SurgeryFacts,
        TeamMember,
    )
    from caseway.registry.services import derive_facts

    if not patients:
        raise ValueError("Give at least one patient of the center.")
    patient_ids = [getattr(p, "pk", p) for p in patients]
    own = set(Patient.objects.filter(center=center).values_list("pk", flat=True))
    if not own.issuperset(patient_ids):
        # Surgery.clean's rule, checked once for the whole batch.
        raise ValueError(f"Every patient must exist and belong to {center.code}.")
    today = today or timezone.localdate()
    now = timezone.now()
    actor = actor or _system_actor()
    user = getattr(actor, "user", None)
    user_id = getattr(user, "pk", None)
    bookkeeping = {
        "created_by_id": user_id,
        "updated_by_id": user_id,
        "created_at": now,
        "updated_at": now,
    }
    assigned: dict[str, Any] = {}
    report = WriteReport()
    with transaction.atomic():
        for start in range(0, len(surgeries), batch_size):
            chunk = surgeries[start : start + batch_size]
            built = []
            for surgery in chunk:
                patient_id = assigned.setdefault(
                    surgery.patient.key, patient_ids[len(assigned) % len(patient_ids)]
                )
                model, procedures, team, complications = build_models(
                    surgery, center.pk, patient_id, bookkeeping=bookkeeping
                )
                model.condition_id = (conditions or {}).get(surgery.patient.key)
                if sign_before is not None and surgery.date < sign_before:
                    signed = dt.datetime.combine(
                        surgery.date + dt.timedelta(days=7), dt.time(17), dt.UTC
                    )
                    model.signed_at, model.signed_by_id = min(signed, now), user_id
                built.append((model, procedures, team, complications))
            ids = _allocate_ids(Surgery, len(built))
            children: dict[type[Any], list[Any]] = {Procedure: [], TeamMember: [], Complication: []}
            facts = []
            for (model, procedures, team, complications), pk in zip(built, ids, strict=True):
                model.pk = model.id = pk
                for row in (*procedures, *team, *complications):
                    row.surgery_id = pk
                    children[type(row)].append(row)
                facts.append(derive_facts(model, procedures, team, complications, today))
                report.ids.append(pk)
            _insert(Surgery, [b[0] for b in built])
            for child_model, rows in children.items():
                _insert(child_model, rows)
            _insert(SurgeryFacts, facts)
            report.surgeries += len(built)
            report.procedures += len(children[Procedure])
            report.team += len(children[TeamMember])
            report.complications += len(children[Complication])
            report.facts += len(facts)
        journal.record(
            actor,
            "create",
            entity_type="registry.surgery",
            entity_id="bulk",
            center_id=center.pk,
            institution_id=center.institution_id,
            detail={
                "bulk": "synthetic registry data",
                "surgeries": report.surgeries,
                "procedures": report.procedures,
                "team": report.team,
                "complications": report.complications,
            },
        )
    return report


def _allocate_ids(model: type[Any], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, so they (and the rows that refer to them) can go in
    by the fast path. PostgreSQL: drawn from the table's sequence, as the importer does.
    SQLite: after the highest id the table has had; call it inside the write transaction
    (SQLite's writers are serialised, so nobody else can take them meanwhile)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connection

    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            # Caseway runs on SQLite and PostgreSQL only (settings refuse anything else).
            raise ImproperlyConfigured(f"Caseway does not support {connection.vendor}.")
        # The table name comes from the model definition, quoted.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
    first = max(highest, row[0] if row else 0) + 1
    return list(range(first, first + count))


def _insert(model: type[Any], objects: Sequence[Any]) -> None:
    """Insert model instances with the importer's ``insert_rows``; a primary key is written
    when the instance has one (the children's are left to the database)."""
    from caseway.records.fhir.importer import insert_rows

    if not objects:
        return
    pk = model._meta.pk
    with_pk = getattr(objects[0], pk.attname) is not None
    names = [f.attname for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    rows = [{name: getattr(obj, name) for name in names} for obj in objects]
    if with_pk and pk.attname != "id":
        for row in rows:  # insert_rows writes the primary key when the rows have an "id"
            row["id"] = row[pk.attname]
    insert_rows(model, rows)
    for obj in objects:
        obj._state.adding = False


def _system_actor() -> Any:
    from caseway.accounts.actor import Actor

    return Actor.system("synthetic registry")
