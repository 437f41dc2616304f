"""The tumor-board part of the demo: boards for the demo cancer centers, a year of their meetings
with recorded recommendations and follow-up, and the next four weeks with cases waiting.

Everything is written through ``caseway.tumorboard.services``, as a coordinator and the
clinicians would write it, so the demo's boards carry versions and journal entries like real
ones and exercise the same rules (quorum, provisional decisions, signing, amendments). The
demo only sets the clock afterwards: the services stamp every row with the time of loading,
while a demo year must look lived, so :func:`_backdate` moves the timestamps of the rows
(submission, recommendation, signature, follow-up) to when they would have happened. The
journal keeps the true time of loading.

Cases are the center's own demo patients, taken along realistic journeys from the record's
diagnosis, stage and biomarkers: a new advanced ovarian cancer goes to primary cytoreduction
and then adjuvant carboplatin-paclitaxel with a PARP inhibitor when BRCA or HRD is positive,
or to neoadjuvant chemotherapy and interval cytoreduction; a locally advanced cervical cancer
to chemoradiotherapy with brachytherapy; an early endometrial cancer to robotic surgery and
adjuvant treatment by final pathology. A plan not carried out because the situation changed
comes back to the board, linked by ``rediscuss``; patients diagnosed before the year come back
with recurrences, which also lets a small demo fill its meetings from a handful of patients.

Each service call costs several milliseconds (validation with a query per foreign key,
versioning, the audit chain), and a year of meetings is thousands of calls, so the volume is
kept modest: the Samsung board discusses about three cases a week (a real one discusses more),
the Hanbit board meets every two weeks and the Dasol board every four. A smaller demo
(``--patients``, the test suite) covers proportionally fewer weeks, at least six, and builds a
board beyond the first only when its center has enough patients to fill it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Model, OuterRef, Subquery

from caseway.accounts.actor import Actor
from caseway.core import versioning
from caseway.organizations.choices import DepartmentKind
from caseway.organizations.models import Center, Clinician, Department
from caseway.records.models import (
    Biomarker,
    Condition,
    Document,
    Measurement,
    Patient,
    Staging,
    Treatment,
)
from caseway.tumorboard import services
from caseway.tumorboard.choices import (
    SURGICAL_MODALITIES,
    CaseStatus,
    CaseUrgency,
    Complexity,
    DeviationReason,
    ImplementationStatus,
    Intent,
    MeetingMode,
    MeetingStatus,
    Modality,
    NonConcordance,
    ParticipantRole,
    Triage,
    Weekday,
)
from caseway.tumorboard.models import (
    Board,
    BoardCase,
    BoardMember,
    Implementation,
    Meeting,
    Participation,
    Recommendation,
)

GYN = DepartmentKind.OBSTETRICS_GYNECOLOGY.value
RADONC = DepartmentKind.RADIATION_ONCOLOGY.value
PATHOLOGY = DepartmentKind.PATHOLOGY.value
RADIOLOGY = DepartmentKind.RADIOLOGY.value
HEMONC = DepartmentKind.HEMATOLOGY_ONCOLOGY.value
NUCMED = DepartmentKind.NUCLEAR_MEDICINE.value
HPB = DepartmentKind.HEPATOBILIARY_SURGERY.value
UROLOGY = DepartmentKind.UROLOGY.value
VASCULAR = DepartmentKind.VASCULAR_SURGERY.value
THORACIC = DepartmentKind.THORACIC_SURGERY.value
GENERAL = DepartmentKind.GENERAL_SURGERY.value

#: The six core departments of a gynecologic cancer board.
GYN_CORE = (GYN, RADONC, PATHOLOGY, RADIOLOGY, HEMONC, NUCMED)
#: A year of weekly meetings at full size.
PAST_WEEKS = 52
#: The smallest past a demo keeps, however small: enough for every kind of row to appear.
MIN_PAST_WEEKS = 6
#: A board beyond the first is built when its center has this many patients of its sites.
MIN_BOARD_PATIENTS = 10
UPCOMING_DAYS = 28
#: Share of past meetings where a core department did not come (no quorum, provisional).
NO_QUORUM_RATE = 0.05


@dataclass(frozen=True)
class BoardSpec:
    """One demo board: its center, pattern, quorum and how busy it is at full size."""

    center: str
    code: str
    name_en: str
    name_ko: str
    tumor_sites: tuple[str, ...]
    quorum: tuple[str, ...]
    #: Standing members by department: how many clinicians of each.
    members: tuple[tuple[str, int], ...]
    weekday: int
    start: dt.time
    duration: int
    mode: str
    readiness: tuple[tuple[str, int | None], ...]
    #: Cases a meeting holds at least at full size (recurrences fill up to it).
    cases_per_meeting: int
    #: Cases waiting to be scheduled at full size.
    waiting: int
    interval_weeks: int = 1
    location: str = ""
    video_url: str = ""
    site_quorum: tuple[tuple[str, tuple[str, ...]], ...] = ()


BOARDS = (
    BoardSpec(
        center="smc-gcc",
        code="smc-gcc-gyn",
        name_en="Gynecologic Cancer Tumor Board",
        name_ko="부인암 다학제 진료 회의",
        tumor_sites=("C48", "C51", "C52", "C53", "C54", "C55", "C56", "C57", "C58"),
        quorum=GYN_CORE,
        members=((GYN, 2), (RADONC, 1), (PATHOLOGY, 1), (RADIOLOGY, 1), (HEMONC, 1), (NUCMED, 1)),
        weekday=Weekday.TUESDAY,
        start=dt.time(7, 30),
        duration=90,
        mode=MeetingMode.IN_PERSON,
        location="Cancer Hospital B1, multidisciplinary conference room",
        readiness=(
            ("imaging", 56),
            ("tumor_markers", 28),
            ("pathology_review", None),
            ("genomic_results", None),
        ),
        cases_per_meeting=3,
        waiting=20,
    ),
    BoardSpec(
        center="hanbit-cancer",
        code="hanbit-womens-mdt",
        name_en="Women's Cancer Tumor Board",
        name_ko="여성암 다학제 진료 회의",
        tumor_sites=("C53", "C54", "C56", "C57"),
        quorum=(GYN, PATHOLOGY, RADIOLOGY, HEMONC),
        # Cervical cancer is treated mostly with radiotherapy: its cases need the radiation
        # oncologist, whom the board's other cases do not.
        site_quorum=(("C53", (RADONC,)),),
        members=((GYN, 1), (RADONC, 1), (PATHOLOGY, 1), (RADIOLOGY, 1), (HEMONC, 1)),
        weekday=Weekday.THURSDAY,
        start=dt.time(17, 30),
        duration=60,
        interval_weeks=2,
        mode=MeetingMode.HYBRID,
        location="Main building 3F, conference room 2",
        video_url="https://meet.hanbit.invalid/womens-cancer-board",
        readiness=(("imaging", 56), ("pathology_review", None), ("staging", None)),
        cases_per_meeting=2,
        waiting=4,
    ),
    BoardSpec(
        center="dasol-gyn",
        code="dasol-gyn-onc-mdt",
        name_en="Gynecologic Oncology Tumor Board",
        name_ko="부인종양 다학제 진료 회의",
        tumor_sites=("C53", "C54", "C56"),
        quorum=(GYN, RADONC, PATHOLOGY, RADIOLOGY, HEMONC),
        members=((GYN, 1), (RADONC, 1), (PATHOLOGY, 1), (RADIOLOGY, 1), (HEMONC, 1)),
        weekday=Weekday.WEDNESDAY,
        start=dt.time(16, 0),
        duration=60,
        interval_weeks=4,
        mode=MeetingMode.VIDEO,
        video_url="https://meet.dasol.invalid/gyn-oncology-board",
        readiness=(("imaging", 56), ("tumor_markers", 28), ("pathology_review", None)),
        cases_per_meeting=2,
        waiting=2,
    ),
)

#: Names for clinicians a demo institution lacks (romanized given name + surname, Korean).
FALLBACK_NAMES = (
    ("Hye-won Kim", "김혜원"),
    ("Sang-hoon Lee", "이상훈"),
    ("Mi-ra Park", "박미라"),
    ("Jong-min Choi", "최종민"),
    ("Eun-young Jung", "정은영"),
    ("Kyung-soo Kang", "강경수"),
)
DEPARTMENT_KO = {
    GYN: "산부인과",
    RADONC: "방사선종양학과",
    PATHOLOGY: "병리과",
    RADIOLOGY: "영상의학과",
    HEMONC: "혈액종양내과",
    NUCMED: "핵의학과",
}
SPECIALTY = {
    GYN: "Gynecologic oncology",
    RADONC: "Radiation oncology",
    PATHOLOGY: "Gynecologic pathology",
    RADIOLOGY: "Abdominal imaging",
    HEMONC: "Medical oncology",
    NUCMED: "PET-CT",
    HPB: "Hepatobiliary surgery",
}
#: Korean public holidays on fixed dates: a meeting on one of them is cancelled.
HOLIDAYS = {(1, 1), (3, 1), (5, 5), (6, 6), (8, 15), (10, 3), (10, 9), (12, 25)}

# --- the patient's situation ----------------------------------------------------------------------


@dataclass
class Facts:
    """What the record says about one patient's cancer, as the board would read it."""

    patient_id: int
    condition_id: int
    icd10: str
    histotype: str
    stage: str
    diagnosed: dt.date
    international: bool
    brca: str = ""  # "BRCA1" / "BRCA2" with a pathogenic variant
    hrd: bool | None = None
    mmr_deficient: bool | None = None
    tested: bool = False  # any genomic result on file
    #: The record's treatments: (kind, start), for dates a plan was carried out on.
    treatments: list[tuple[str, dt.date]] = field(default_factory=list)

    @property
    def site(self) -> str:
        return {"C56": "ovary", "C54": "endometrium", "C53": "cervix"}.get(self.icd10[:3], "ovary")

    @property
    def advanced(self) -> bool:
        return self.stage.startswith(("III", "IV"))

    @property
    def histology(self) -> str:
        return (self.histotype or "carcinoma").lower()


def _facts(center: Center, sites: Iterable[str]) -> list[Facts]:
    """The center's patients with a primary cancer of the board's sites (a few queries)."""
    prefixes = tuple(sites)
    rows = [
        row
        for row in Condition.objects.filter(patient__center=center, role="primary", voided=False)
        .order_by("patient_id", "pk")
        .values_list("pk", "patient_id", "icd10", "histotype", "diagnosed_on")
        if row[2].startswith(prefixes)
    ]
    stages = dict(
        Staging.objects.filter(patient__center=center, voided=False)
        .order_by("staged_on", "pk")
        .values_list("condition_id", "stage")
    )
    foreign = set(
        Patient.objects.filter(center=center).exclude(nationality="KR").values_list("pk", flat=True)
    )
    facts: dict[int, Facts] = {}
    for pk, patient_id, icd10, histotype, diagnosed in rows:
        if patient_id in facts or diagnosed is None:
            continue
        facts[patient_id] = Facts(
            patient_id,
            pk,
            icd10,
            histotype,
            stages.get(pk, ""),
            diagnosed,
            patient_id in foreign,
        )
    biomarkers = Biomarker.objects.filter(patient_id__in=facts, voided=False).values_list(
        "patient_id", "kind", "result"
    )
    for patient_id, kind, result in biomarkers:
        fact = facts[patient_id]
        fact.tested = True
        if kind in ("brca1", "brca2") and result == "pathogenic_variant":
            fact.brca = kind.upper()
        elif kind == "hrd":
            fact.hrd = result == "positive"
        elif kind == "mmr":
            fact.mmr_deficient = result == "deficient"
    treatments = Treatment.objects.filter(patient_id__in=facts, voided=False).order_by(
        "started_on", "pk"
    )
    for patient_id, kind, started in treatments.values_list("patient_id", "kind", "started_on"):
        facts[patient_id].treatments.append((kind, started))
    return list(facts.values())


# --- what the board discusses and recommends ------------------------------------------------------

CARBO_PACLI = "Carboplatin AUC 5 + paclitaxel 175 mg/m² every 3 weeks"
TRIALS = {
    "ovary": "Phase III trial of a first-line PARP inhibitor combination (screening)",
    "interval": "Phase II trial of HIPEC at interval cytoreduction",
    "resistant": "Phase I/II antibody-drug conjugate trial in platinum-resistant disease",
    "cervix": "Phase III trial of immunotherapy with chemoradiotherapy",
    "endometrium": "Phase II trial of immunotherapy maintenance (mismatch-repair proficient)",
}
NON_CONCORDANT = (
    (
        NonConcordance.COMORBIDITY,
        "ECOG 2 with chronic kidney disease: dose-reduced regimen instead of the standard one",
    ),
    (
        NonConcordance.PATIENT_PREFERENCE,
        "The patient declined the recommended operation after counselling; plan adapted",
    ),
    (
        NonConcordance.CLINICAL_JUDGEMENT,
        "Prior treatment and tumor biology make the guideline option unlikely to help",
    ),
    (NonConcordance.NO_GUIDELINE, "Rare presentation that the guideline does not cover"),
)
#: Extra surgical departments an operation may need, with why and how often.
UPPER_ABDOMEN = (
    (HPB, "diaphragmatic peritonectomy and splenectomy for upper-abdominal disease", 6),
    (UROLOGY, "ureterolysis or partial cystectomy for bladder and ureteric involvement", 2),
    (VASCULAR, "resection of bulky para-aortic nodes adherent to the inferior vena cava", 1),
    (THORACIC, "video-assisted thoracoscopy for pleural disease", 1),
)


def _step(modality: str, detail: str) -> dict[str, str]:
    return {"modality": modality, "detail": detail}


@dataclass
class Discussion:
    """One case for the board: the question, how it is triaged, what is recommended and what
    comes next (a later discussion, some weeks on)."""

    question: str
    steps: list[dict[str, str]]
    intent: str = Intent.CURATIVE
    urgency: str = CaseUrgency.ROUTINE
    complexity: str = Complexity.STANDARD
    triage: str = Triage.FULL
    summary: str = ""
    surgical_plan: str = ""
    surgical_departments: list[str] = field(default_factory=list)
    trial: str = ""
    further_tests: str = ""
    #: (stage of the journey, weeks after the meeting, why the case comes back)
    next: tuple[str, int, str] | None = None


def _maintenance(facts: Facts) -> tuple[dict[str, str], str]:
    """Maintenance by BRCA and HRD status, and the test to order when the result is missing."""
    if facts.brca:
        return _step(
            Modality.MAINTENANCE, f"Olaparib 300 mg twice daily for 2 years ({facts.brca} mutated)"
        ), ""
    if facts.hrd:
        return _step(
            Modality.MAINTENANCE, "Olaparib + bevacizumab (HRD positive, BRCA wild type)"
        ), ""
    if facts.hrd is False:
        return _step(Modality.MAINTENANCE, "Bevacizumab to 15 months (HR proficient)"), ""
    return _step(
        Modality.MAINTENANCE, "PARP inhibitor if BRCA or HRD positive; otherwise bevacizumab"
    ), "Germline BRCA1/2 and tumor HRD testing"


def _upper_abdomen(rng: random.Random, available: set[str]) -> tuple[str, str] | None:
    options = [(d, why, w) for d, why, w in UPPER_ABDOMEN if d in available]
    if not options or rng.random() >= 0.3:
        return None
    department, why, _weight = rng.choices(options, weights=[w for *_x, w in options])[0]
    return department, why


def discussion(stage: str, facts: Facts, rng: random.Random, available: set[str]) -> Discussion:
    """The case a stage of the journey brings to the board, with the board's recommendation.
    ``available`` are the institution's departments (an operation names only those)."""
    fig = facts.stage or "stage unknown"
    if stage == "ovary_new" and facts.advanced:
        upper = _upper_abdomen(rng, available)
        nact = facts.stage.startswith("IVB") or rng.random() < 0.35
        question = (
            f"New FIGO {fig} {facts.histology} of the ovary: primary cytoreduction or "
            "neoadjuvant chemotherapy?"
        )
        if nact:
            return Discussion(
                question,
                [
                    _step(Modality.NEOADJUVANT_CHEMOTHERAPY, f"{CARBO_PACLI}, 3 cycles"),
                    _step(Modality.INTERVAL_CYTOREDUCTION, "After CT and CA-125 response review"),
                    _step(Modality.ADJUVANT_CHEMOTHERAPY, "3 further cycles after surgery"),
                ],
                urgency=CaseUrgency.SOON,
                complexity=Complexity.COMPLEX,
                summary="Complete resection unlikely upfront (disease at the mesenteric root).",
                further_tests="Diagnostic laparoscopy (Fagotti score) if resectability is in doubt",
                trial=TRIALS["interval"] if rng.random() < 0.1 else "",
                next=("ovary_interval", 10, "Response review after 3 cycles of chemotherapy"),
            )
        plan = (
            "Midline laparotomy: total hysterectomy, bilateral salpingo-oophorectomy, "
            "omentectomy and peritonectomy as needed, aiming at no residual disease"
        )
        return Discussion(
            question,
            [
                _step(Modality.PRIMARY_CYTOREDUCTION, "Aim: no macroscopic residual disease"),
                _step(Modality.ADJUVANT_CHEMOTHERAPY, f"{CARBO_PACLI}, 6 cycles"),
            ],
            urgency=CaseUrgency.SOON,
            complexity=Complexity.COMPLEX,
            summary="Resectable on CT and PET-CT; fit for extensive surgery (ECOG 0-1).",
            surgical_plan=plan + (f"; {upper[1]}" if upper else ""),
            surgical_departments=[upper[0]] if upper else [],
            trial=TRIALS["ovary"] if rng.random() < 0.1 else "",
            next=("ovary_postop", 5, "Operated: final pathology and residual disease"),
        )
    if stage == "ovary_new":
        return Discussion(
            f"Apparently early (FIGO {fig}) {facts.histology} of the ovary: surgical staging?",
            [
                _step(
                    Modality.SURGERY,
                    "Comprehensive staging: hysterectomy, bilateral salpingo-oophorectomy, "
                    "omentectomy, peritoneal biopsies, pelvic and para-aortic lymphadenectomy",
                )
            ],
            next=("ovary_early_adjuvant", 4, "Staged: final pathology"),
        )
    if stage == "ovary_postop":
        residual = rng.choices(
            [
                "no macroscopic residual disease",
                "residual disease of 1 cm or less",
                "residual disease over 1 cm",
            ],
            weights=[70, 20, 10],
        )[0]
        maintenance, tests = _maintenance(facts)
        return Discussion(
            f"After primary cytoreduction ({residual}, FIGO {fig}): adjuvant chemotherapy and "
            "maintenance?",
            [_step(Modality.ADJUVANT_CHEMOTHERAPY, f"{CARBO_PACLI}, 6 cycles"), maintenance],
            complexity=Complexity.SIMPLE,
            triage=Triage.STANDARD_OF_CARE if rng.random() < 0.4 else Triage.FULL,
            further_tests=tests,
        )
    if stage == "ovary_interval":
        before = rng.randint(400, 2500)
        after = max(12, before // rng.randint(8, 40))
        upper = _upper_abdomen(rng, available)
        maintenance, tests = _maintenance(facts)
        return Discussion(
            f"After 3 cycles of neoadjuvant chemotherapy, CA-125 {before} to {after} U/mL and "
            "partial response on CT: interval cytoreduction?",
            [
                _step(Modality.INTERVAL_CYTOREDUCTION, "Aim: no macroscopic residual disease"),
                _step(Modality.ADJUVANT_CHEMOTHERAPY, f"{CARBO_PACLI}, 3 cycles"),
                maintenance,
            ],
            complexity=Complexity.COMPLEX,
            surgical_plan="Interval cytoreduction by laparotomy"
            + (f"; {upper[1]}" if upper else ""),
            surgical_departments=[upper[0]] if upper else [],
            further_tests=tests,
        )
    if stage == "ovary_early_adjuvant":
        low_risk = facts.stage in ("IA", "IB") and "serous" not in facts.histology
        steps = (
            [_step(Modality.SURVEILLANCE, "Review every 3 months for 2 years, CA-125 and CT")]
            if low_risk
            else [_step(Modality.ADJUVANT_CHEMOTHERAPY, f"{CARBO_PACLI}, 6 cycles")]
        )
        return Discussion(
            f"Surgically staged FIGO {fig} {facts.histology} of the ovary: adjuvant treatment?",
            steps,
            complexity=Complexity.SIMPLE,
            triage=Triage.STANDARD_OF_CARE if rng.random() < 0.5 else Triage.FULL,
        )
    if stage == "ovary_recurrence":
        months = rng.randint(5, 30)
        if months >= 6 and rng.random() < 0.5:
            return Discussion(
                f"Isolated recurrence {months} months after the last platinum (AGO score "
                "positive): secondary cytoreduction?",
                [
                    _step(Modality.SURGERY, "Secondary cytoreduction"),
                    _step(
                        Modality.CHEMOTHERAPY,
                        "Carboplatin + pegylated liposomal doxorubicin, 6 cycles",
                    ),
                ],
                intent=Intent.PALLIATIVE,
                complexity=Complexity.COMPLEX,
                surgical_plan="Laparotomy, resection of the recurrent nodules",
            )
        if months >= 6:
            maintenance, tests = _maintenance(facts)
            return Discussion(
                f"Platinum-sensitive recurrence {months} months after the last platinum: "
                "second-line treatment?",
                [
                    _step(Modality.CHEMOTHERAPY, "Carboplatin + pegylated liposomal doxorubicin"),
                    maintenance,
                ],
                intent=Intent.PALLIATIVE,
                further_tests=tests,
            )
        return Discussion(
            f"Platinum-resistant recurrence {months} months after the last platinum: options?",
            [_step(Modality.CHEMOTHERAPY, "Weekly paclitaxel + bevacizumab")],
            intent=Intent.PALLIATIVE,
            trial=TRIALS["resistant"] if rng.random() < 0.3 else "",
        )
    if stage == "endometrium_new" and not facts.advanced:
        mmr = _mmr(facts)
        return Discussion(
            f"Endometrial {facts.histology}, FIGO {fig} on MRI, {mmr}: surgery?",
            [
                _step(
                    Modality.SURGERY,
                    "Robotic total hysterectomy, bilateral salpingo-oophorectomy and sentinel "
                    "lymph node mapping",
                )
            ],
            complexity=Complexity.SIMPLE,
            triage=Triage.STANDARD_OF_CARE if rng.random() < 0.3 else Triage.FULL,
            next=("endometrium_postop", 4, "Operated: final pathology and molecular class"),
        )
    if stage == "endometrium_new":
        if facts.stage.startswith("IVB"):
            immuno = (
                "Dostarlimab (mismatch-repair deficient)"
                if facts.mmr_deficient
                else ("Pembrolizumab")
            )
            return Discussion(
                f"Metastatic endometrial {facts.histology}, FIGO {fig}, {_mmr(facts)}: systemic "
                "treatment?",
                [
                    _step(Modality.CHEMOTHERAPY, f"{CARBO_PACLI}, 6 cycles"),
                    _step(Modality.IMMUNOTHERAPY, immuno),
                ],
                intent=Intent.PALLIATIVE,
            )
        return Discussion(
            f"Endometrial {facts.histology}, FIGO {fig}, {_mmr(facts)}: surgery and adjuvant "
            "treatment?",
            [
                _step(
                    Modality.SURGERY,
                    "Hysterectomy, bilateral salpingo-oophorectomy, lymph node debulking",
                ),
                _step(Modality.ADJUVANT_CHEMOTHERAPY, f"{CARBO_PACLI}, 6 cycles"),
            ],
            complexity=Complexity.COMPLEX,
            surgical_plan="Laparotomy; debulking of enlarged pelvic and para-aortic nodes",
        )
    if stage == "endometrium_postop":
        if facts.stage == "IA":
            steps = [_step(Modality.SURVEILLANCE, "Review every 3-6 months")]
        else:
            steps = [_step(Modality.BRACHYTHERAPY, "Vaginal vault brachytherapy, 21 Gy in 3")]
        return Discussion(
            f"Final pathology after hysterectomy: FIGO {fig}, {_mmr(facts)}: adjuvant treatment?",
            steps,
            complexity=Complexity.SIMPLE,
            triage=Triage.STANDARD_OF_CARE if rng.random() < 0.6 else Triage.FULL,
        )
    if stage == "endometrium_recurrence":
        if rng.random() < 0.5:
            return Discussion(
                "Isolated vaginal vault recurrence: salvage radiotherapy?",
                [
                    _step(Modality.RADIOTHERAPY, "Pelvic external-beam radiotherapy 45 Gy"),
                    _step(Modality.BRACHYTHERAPY, "Image-guided vaginal brachytherapy boost"),
                ],
            )
        return Discussion(
            f"Distant recurrence (lung and nodes), {_mmr(facts)}: systemic treatment?",
            [
                _step(
                    Modality.IMMUNOTHERAPY,
                    "Pembrolizumab" if facts.mmr_deficient else "Pembrolizumab + lenvatinib",
                )
            ],
            intent=Intent.PALLIATIVE,
            trial=TRIALS["endometrium"] if rng.random() < 0.2 else "",
        )
    if stage == "cervix_new" and facts.stage.startswith(("IA", "IB")):
        return Discussion(
            f"Cervical {facts.histology}, FIGO {fig} on MRI: radical hysterectomy?",
            [
                _step(
                    Modality.SURGERY,
                    "Open radical hysterectomy (type C) with pelvic lymphadenectomy",
                )
            ],
            surgical_plan="Open approach (LACC trial); sentinel nodes first",
            next=("cervix_postop", 4, "Operated: nodes, margins and risk factors"),
        )
    if stage == "cervix_new" and facts.stage.startswith("IVB"):
        return Discussion(
            f"Metastatic cervical {facts.histology}, FIGO {fig}: systemic treatment?",
            [
                _step(Modality.CHEMOTHERAPY, "Cisplatin + paclitaxel + bevacizumab"),
                _step(Modality.IMMUNOTHERAPY, "Pembrolizumab (PD-L1 CPS 1 or more)"),
            ],
            intent=Intent.PALLIATIVE,
            urgency=CaseUrgency.SOON,
            further_tests="PD-L1 (22C3) combined positive score",
        )
    if stage == "cervix_new":
        return Discussion(
            f"Locally advanced cervical {facts.histology}, FIGO {fig}: chemoradiotherapy?",
            [
                _step(
                    Modality.CHEMORADIOTHERAPY,
                    "Pelvic external-beam radiotherapy 45-50.4 Gy with weekly cisplatin 40 mg/m²",
                ),
                _step(Modality.BRACHYTHERAPY, "MRI-guided brachytherapy, 28 Gy in 4 fractions"),
            ],
            urgency=CaseUrgency.SOON,
            trial=TRIALS["cervix"] if rng.random() < 0.1 else "",
            next=("cervix_response", 14, "PET-CT 3 months after chemoradiotherapy"),
        )
    if stage == "cervix_postop":
        risk = rng.choices(["node_positive", "intermediate", "low"], weights=[25, 30, 45])[0]
        steps = {
            "node_positive": [
                _step(Modality.CHEMORADIOTHERAPY, "Pelvic radiotherapy with weekly cisplatin")
            ],
            "intermediate": [_step(Modality.RADIOTHERAPY, "Pelvic radiotherapy 45-50.4 Gy")],
            "low": [_step(Modality.SURVEILLANCE, "Review every 3 months for 2 years")],
        }[risk]
        finding = {
            "node_positive": "pelvic node metastasis",
            "intermediate": "deep stromal invasion with lymphovascular space invasion",
            "low": "clear margins, nodes negative",
        }[risk]
        return Discussion(
            f"After radical hysterectomy ({finding}): adjuvant treatment?",
            steps,
            complexity=Complexity.SIMPLE,
            triage=Triage.STANDARD_OF_CARE if rng.random() < 0.5 else Triage.FULL,
        )
    if stage == "cervix_response":
        if rng.random() < 0.8:
            return Discussion(
                "PET-CT 3 months after chemoradiotherapy: complete metabolic response",
                [_step(Modality.SURVEILLANCE, "Review every 3 months, MRI at 6 months")],
                complexity=Complexity.SIMPLE,
                triage=Triage.STANDARD_OF_CARE if rng.random() < 0.6 else Triage.FULL,
            )
        return Discussion(
            "PET-CT 3 months after chemoradiotherapy: persistent central disease",
            [_step(Modality.SURGERY, "Salvage radical hysterectomy")],
            complexity=Complexity.COMPLEX,
            surgical_plan="Laparotomy; frozen section of the margins",
        )
    if stage == "cervix_recurrence":
        if UROLOGY in available and rng.random() < 0.5:
            return Discussion(
                "Central pelvic recurrence after chemoradiotherapy: pelvic exenteration?",
                [_step(Modality.SURGERY, "Total pelvic exenteration with ileal conduit")],
                complexity=Complexity.COMPLEX,
                surgical_plan="Exenteration; urinary diversion by the urologists",
                surgical_departments=[UROLOGY],
            )
        return Discussion(
            "Para-aortic and supraclavicular nodal recurrence: systemic treatment?",
            [
                _step(Modality.CHEMOTHERAPY, "Cisplatin + paclitaxel + bevacizumab"),
                _step(Modality.IMMUNOTHERAPY, "Pembrolizumab (PD-L1 CPS 1 or more)"),
            ],
            intent=Intent.PALLIATIVE,
        )
    # "replan": the plan was not carried out because the situation changed.
    if facts.advanced or rng.random() < 0.5:
        return Discussion(
            "The previous plan could not be carried out (condition changed): what now?",
            [_step(Modality.SUPPORTIVE_CARE, "Best supportive care with the palliative team")]
            if rng.random() < 0.4
            else [_step(Modality.CHEMOTHERAPY, "Single-agent carboplatin, reassess after 3")],
            intent=Intent.PALLIATIVE,
            urgency=CaseUrgency.SOON,
        )
    return Discussion(
        "New findings since the last discussion: does the plan still hold?",
        [_step(Modality.SURVEILLANCE, "Repeat CT and tumor markers in 6 weeks")],
        further_tests="PET-CT",
    )


def _mmr(facts: Facts) -> str:
    if facts.mmr_deficient is None:
        return "mismatch repair status pending"
    return "mismatch repair deficient" if facts.mmr_deficient else "mismatch repair proficient"


# --- follow-up ------------------------------------------------------------------------------------

#: Why a plan was carried out only in part, by the kind of its first step ("" for any).
PARTIAL = {
    "surgery": (
        (DeviationReason.CLINICIAN_DECISION, "Lymphadenectomy omitted: no bulky nodes"),
        (DeviationReason.CONDITION_CHANGED, "Residual disease left: miliary small-bowel disease"),
    ),
    "systemic": (
        (DeviationReason.NOT_FIT, "Stopped after 4 of 6 cycles for grade 3 neutropenia"),
        (DeviationReason.PATIENT_DECLINED, "Declined the maintenance treatment"),
    ),
    "radiotherapy": (
        (DeviationReason.NOT_FIT, "Cisplatin stopped after 3 weeks for renal function"),
        (DeviationReason.PATIENT_DECLINED, "Declined the brachytherapy boost"),
    ),
    "": ((DeviationReason.PATIENT_DECLINED, "Attended only the first follow-up visit"),),
}
#: Why a plan was not carried out, by the kind of its first step ("" for any).
NOT_IMPLEMENTED = {
    "surgery": (
        (DeviationReason.CAPACITY, "No operating slot within the planned time"),
        (DeviationReason.CONDITION_CHANGED, "Admitted with bowel obstruction before surgery"),
    ),
    "systemic": ((DeviationReason.NOT_FIT, "Performance status fell to ECOG 3"),),
    "radiotherapy": ((DeviationReason.CAPACITY, "No radiotherapy slot within the planned time"),),
    "": (
        (DeviationReason.PATIENT_DECLINED, "Declined after counselling"),
        (DeviationReason.NEW_INFORMATION, "PET-CT found distant metastases"),
    ),
}
#: Reasons after which the case comes back to the board.
REPLAN = {
    DeviationReason.CONDITION_CHANGED,
    DeviationReason.NEW_INFORMATION,
    DeviationReason.NOT_FIT,
}
_RECORD_KIND = {
    **dict.fromkeys(SURGICAL_MODALITIES, "surgery"),
    **dict.fromkeys(
        (Modality.RADIOTHERAPY, Modality.CHEMORADIOTHERAPY, Modality.BRACHYTHERAPY),
        "radiotherapy",
    ),
    **dict.fromkeys(
        (
            Modality.NEOADJUVANT_CHEMOTHERAPY,
            Modality.ADJUVANT_CHEMOTHERAPY,
            Modality.CHEMOTHERAPY,
            Modality.MAINTENANCE,
            Modality.TARGETED_THERAPY,
            Modality.IMMUNOTHERAPY,
            Modality.HORMONE_THERAPY,
        ),
        "systemic",
    ),
}


def planned_start(
    facts: Facts, first_modality: str, meeting: dt.date, rng: random.Random
) -> dt.date:
    """When the plan's first step starts: the record's own treatment of that kind when it
    falls soon after the meeting (so the board and the record agree), else 1-6 weeks on."""
    kind = _RECORD_KIND.get(Modality(first_modality))
    for record_kind, started in facts.treatments:
        if record_kind == kind and 3 <= (started - meeting).days <= 60:
            return started
    return meeting + dt.timedelta(days=rng.randint(7, 42))


# --- building -------------------------------------------------------------------------------------


@dataclass
class Pending:
    """A discussion due at the first meeting on or after ``due``."""

    due: dt.date
    facts: Facts
    stage: str
    previous: BoardCase | None = None
    reason: str = ""


@dataclass
class BoardState:
    spec: BoardSpec
    board: Board
    center: Center
    facts: list[Facts]
    #: Clinicians by department: standing members, and guests the board may invite.
    members: dict[str, list[Clinician]]
    guests: dict[str, Clinician]
    departments: set[str]
    queue: list[Pending] = field(default_factory=list)
    last_case: dict[int, BoardCase] = field(default_factory=dict)
    busy_until: dict[int, dt.date] = field(default_factory=dict)
    established: list[Facts] = field(default_factory=list)
    turn: int = 0
    held: int = 0
    upcoming: int = 0
    waiting: int = 0
    #: Patients of waiting cases: record items given to them, and items their case must lack.
    given: dict[int, set[str]] = field(default_factory=dict)
    lacking: dict[int, set[str]] = field(default_factory=dict)
    #: Provisional recommendations to confirm at the next meeting with quorum.
    unconfirmed: list[tuple[Recommendation, Facts, dt.date]] = field(default_factory=list)


@dataclass
class Counts:
    boards: int = 0
    held: int = 0
    upcoming: int = 0
    recommendations: int = 0
    amended: int = 0
    waiting: int = 0

    def as_report(self) -> dict[str, int]:
        return {
            "tumor boards": self.boards,
            "tumor board meetings held": self.held,
            "upcoming tumor board meetings": self.upcoming,
            "tumor board recommendations": self.recommendations,
            "cases waiting for a tumor board": self.waiting,
        }


class TumorBoardDemo:
    """Builds the demo's boards; see the module docstring for what and why."""

    def __init__(
        self,
        actor: Actor,
        centers: Mapping[str, Center],
        *,
        seed: int,
        today: dt.date,
        scale: float = 1.0,
        clinician_user: Any = None,
        specs: Iterable[BoardSpec] = BOARDS,
    ) -> None:
        self.actor = actor
        self.centers = centers
        self.rng = random.Random(f"{seed}:tumorboard")  # noqa: S311 (synthetic data)
        self.today = today
        self.scale = max(0.0, min(1.0, scale))
        self.specs = [s for s in specs if s.center in centers]
        self.clinician_user = clinician_user
        self.signer: Actor | None = None
        self.counts = Counts()
        #: (model, pk) -> timestamps to set after building.
        self.stamps: dict[type[Model], dict[int, dict[str, dt.datetime]]] = defaultdict(dict)
        weeks = max(MIN_PAST_WEEKS, round(PAST_WEEKS * self.scale))
        self.start = today - dt.timedelta(weeks=min(PAST_WEEKS, weeks))

    @transaction.atomic
    def build(self) -> Counts:
        for number, spec in enumerate(self.specs):
            facts = _facts(self.centers[spec.center], spec.tumor_sites)
            if number and len(facts) < MIN_BOARD_PATIENTS:
                continue  # a small demo keeps its time for the first board
            state = self._board(spec, facts, first=number == 0)
            self._past(state)
            self._upcoming(state)
        self._backdate()
        return self.counts

    # --- boards ---------------------------------------------------------------------------------

    def _clinicians(self, center: Center, kind: str, count: int) -> list[Clinician]:
        """``count`` clinicians of the institution's department, created if the demo lacks
        them (the center's own first)."""
        institution = center.institution
        department = Department.objects.filter(institution=institution, kind=kind).first()
        if department is None:
            department = versioning.create(
                self.actor,
                Department(
                    institution=institution,
                    kind=kind,
                    name_en=str(DepartmentKind(kind).label),
                    name_ko=DEPARTMENT_KO.get(kind, str(DepartmentKind(kind).label)),
                ),
            )
        found = sorted(
            Clinician.objects.filter(department=department, voided=False, user=None),
            key=lambda c: (c.center_id != center.pk, c.pk),
        )[:count]
        for number in range(len(found), count):
            name_en, name_ko = FALLBACK_NAMES[(number + len(kind)) % len(FALLBACK_NAMES)]
            found.append(
                versioning.create(
                    self.actor,
                    Clinician(
                        institution=institution,
                        department=department,
                        center=center,
                        name_en=name_en,
                        name_ko=name_ko,
                        title="Clinical Professor",
                        specialty=SPECIALTY.get(kind, department.name_en),
                        languages=["ko", "en"],
                    ),
                )
            )
        return found

    def _demo_clinician(self, center: Center) -> Clinician | None:
        """The demo's clinician account as a gynecologic oncologist of the first board, so
        whoever signs in as the clinician sees their own board and signs its decisions."""
        user = self.clinician_user
        if user is None:
            return None
        self.signer = Actor.for_user(user)
        existing = Clinician.objects.filter(user=user).first()
        if existing is not None:
            return existing
        department = self._clinicians(center, GYN, 1)[0].department
        name = (user.full_name or user.email).removeprefix("Dr. ").strip()
        clinician = versioning.create(
            self.actor,
            Clinician(
                institution=center.institution,
                department=department,
                center=center,
                user=user,
                name_en=name,
                name_ko=user.full_name_ko or "",
                title="Assistant Professor",
                specialty=SPECIALTY[GYN],
                languages=["ko", "en"],
            ),
        )
        return clinician

    def _board(self, spec: BoardSpec, facts: list[Facts], *, first: bool) -> BoardState:
        center = self.centers[spec.center]
        members: dict[str, list[Clinician]] = {
            kind: self._clinicians(center, kind, count) for kind, count in spec.members
        }
        if first:
            own = self._demo_clinician(center)
            if own is not None:
                members[GYN] = [*members[GYN][:-1], own]
        roster = [
            (
                clinician,
                kind,
                ParticipantRole.CHAIR if kind == GYN and n == 0 else ParticipantRole.MEMBER,
            )
            for kind, people in members.items()
            for n, clinician in enumerate(people)
        ]
        board = services.create_board(
            self.actor,
            Board(
                center=center,
                code=spec.code,
                name_en=spec.name_en,
                name_ko=spec.name_ko,
                tumor_sites=list(spec.tumor_sites),
                quorum=list(spec.quorum),
                site_quorum={site: list(d) for site, d in spec.site_quorum},
                weekday=spec.weekday,
                start_time=spec.start,
                duration_minutes=spec.duration,
                interval_weeks=spec.interval_weeks,
                mode=spec.mode,
                location=spec.location,
                video_url=spec.video_url,
                readiness=[
                    {"item": item} | ({"within_days": days} if days else {})
                    for item, days in spec.readiness
                ],
            ),
            roster,
        )
        created = self._at(self.start - dt.timedelta(days=45), 10)
        self.stamps[Board][board.pk] = {"created_at": created, "updated_at": created}
        for pk in BoardMember.objects.filter(board=board).values_list("pk", flat=True):
            self.stamps[BoardMember][pk] = {"created_at": created, "updated_at": created}
        departments = set(
            Department.objects.filter(institution=center.institution).values_list("kind", flat=True)
        )
        guests = {
            kind: people[0]
            for kind in (HPB, UROLOGY, VASCULAR, THORACIC, GENERAL)
            if kind in departments and (people := self._clinicians(center, kind, 1))
        }
        self.counts.boards += 1
        return BoardState(spec, board, center, facts, members, guests, departments)

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """A moment of a local day (the demo's boards are in Seoul)."""
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Asia/Seoul"))

    # --- the past year --------------------------------------------------------------------------

    def _past(self, state: BoardState) -> None:
        """The past weeks' meetings, held in order. New diagnoses of the period enter the
        board about five days after diagnosis, as many as the board's usual load leaves room
        for next to their own re-discussions (a share of the center's patients: the demo
        keeps the number of service calls, and so its build time, bounded); patients
        diagnosed earlier fill the remaining places with recurrences."""
        end = self.today - dt.timedelta(days=1)
        meetings = services.generate_meetings(self.actor, state.board, self.start, end)
        target = max(1, round(state.spec.cases_per_meeting * self.scale))
        new = [
            f
            for f in state.facts
            if self.start - dt.timedelta(days=21) <= f.diagnosed <= end - dt.timedelta(days=5)
        ]
        # About 1.8 discussions per new patient; keep a fifth of the places for recurrences.
        room = 0.8 * target * len(meetings) / 1.8
        if len(new) > room:
            new = sorted(self.rng.sample(new, round(room)), key=lambda f: f.patient_id)
        for fact in new:
            due = fact.diagnosed + dt.timedelta(days=5)
            state.queue.append(Pending(due, fact, f"{fact.site}_new"))
        state.established = [f for f in state.facts if f.diagnosed < self.start]
        self.rng.shuffle(state.established)
        days = {m.pk: m.starts_at.astimezone(state.board.zone).date() for m in meetings}
        workdays = [m for m in meetings if (days[m.pk].month, days[m.pk].day) not in HOLIDAYS]
        no_quorum = {m.pk for m in workdays if self.rng.random() < NO_QUORUM_RATE}
        if not no_quorum and len(workdays) >= 3:  # even a small demo shows one
            no_quorum = {workdays[len(workdays) // 2].pk}
        for meeting in meetings:
            day = days[meeting.pk]
            if meeting not in workdays:
                versioning.update(
                    self.actor,
                    meeting,
                    versioning.ANY_VERSION,
                    {"status": MeetingStatus.CANCELLED, "notes": "Public holiday"},
                )
                continue
            self._hold(state, meeting, day, target, meeting.pk in no_quorum)
        self.counts.held += state.held

    def _agenda(self, state: BoardState, day: dt.date, target: int) -> list[Pending]:
        """What this meeting discusses: what is due (planned re-discussions before new
        patients, earliest first) up to half again the usual number, then recurrences of
        patients the board has not seen lately up to the usual number."""
        due = sorted(
            (p for p in state.queue if p.due <= day),
            key=lambda p: (p.stage.endswith("_new"), p.due, p.facts.patient_id),
        )
        agenda = due[: target + (target + 1) // 2]
        for item in agenda:
            state.queue.remove(item)
        for _attempt in range(len(state.established)):
            if len(agenda) >= target:
                break
            fact = state.established[state.turn % len(state.established)]
            state.turn += 1
            if state.busy_until.get(fact.patient_id, dt.date.min) >= day:
                continue
            previous = state.last_case.get(fact.patient_id)
            reason = "Recurrence on surveillance imaging" if previous else ""
            agenda.append(Pending(day, fact, f"{fact.site}_recurrence", previous, reason))
        if not agenda and state.established:  # a tiny demo: see someone again rather than no one
            fact = state.established[state.turn % len(state.established)]
            state.turn += 1
            previous = state.last_case.get(fact.patient_id)
            reason = "New findings since the last discussion" if previous else ""
            agenda.append(Pending(day, fact, f"{fact.site}_recurrence", previous, reason))
        return agenda

    def _submit(
        self, state: BoardState, item: Pending, plan: Discussion, day: dt.date
    ) -> BoardCase:
        """The case as submitted a few days before its meeting, already triaged (the
        coordinator's triage is part of the case's first version), or as a re-discussion of
        the patient's previous case."""
        urgency_days = {CaseUrgency.ROUTINE: 21, CaseUrgency.SOON: 10, CaseUrgency.URGENT: 4}
        earliest = item.due - dt.timedelta(days=4)
        submitted = day - dt.timedelta(days=self.rng.randint(2, 9))
        submitted = min(day - dt.timedelta(days=1), max(submitted, earliest))
        deadline = submitted + dt.timedelta(days=urgency_days[CaseUrgency(plan.urgency)])
        specialists = [d for d in plan.surgical_departments if d in state.guests]
        guests = [state.guests[d].pk for d in specialists]
        if item.previous is not None and item.previous.status == CaseStatus.DISCUSSED:
            case = services.rediscuss(
                self.actor,
                item.previous,
                item.reason or "The situation changed since the last discussion",
                plan.question,
                deadline,
                plan.urgency,
            )
            wanted = {
                "triage": plan.triage,
                "complexity": plan.complexity,
                "specialists": specialists,
                "guests": guests,
            }
            changes = {k: v for k, v in wanted.items() if getattr(case, k) != v}
            if changes:
                case = versioning.update(self.actor, case, case.version, changes)
        else:
            case = services.submit(
                self.actor,
                BoardCase(
                    board=state.board,
                    patient_id=item.facts.patient_id,
                    condition_id=item.facts.condition_id,
                    question=plan.question,
                    urgency=plan.urgency,
                    deadline=deadline,
                    complexity=plan.complexity,
                    presenting=state.members[GYN][item.facts.patient_id % len(state.members[GYN])],
                    specialists=specialists,
                    guests=guests,
                    triage=plan.triage,
                ),
            )
        moment = self._at(submitted, 9 + self.rng.randint(0, 8), self.rng.randrange(60))
        self.stamps[BoardCase][case.pk] = {"created_at": moment, "updated_at": moment}
        return case

    def _hold(
        self, state: BoardState, meeting: Meeting, day: dt.date, target: int, no_quorum: bool
    ) -> None:
        """One past meeting: its cases submitted and placed, availability and attendance, the
        meeting closed, recommendations recorded, signed and followed up."""
        cases: list[tuple[BoardCase, Discussion, Pending]] = []
        for item in self._agenda(state, day, target):
            plan = discussion(item.stage, item.facts, self.rng, state.departments)
            case = self._submit(state, item, plan, day)
            if plan.triage == Triage.FULL:
                case = services.move(self.actor, case, case.version, meeting, {}, pin=False)
            cases.append((case, plan, item))
            state.busy_until[item.facts.patient_id] = day + dt.timedelta(weeks=8)
        for department in sorted({d for case, _p, _i in cases for d in case.specialists}):
            services.invite_guest(self.actor, meeting, state.guests[department], department)
        sites = [item.facts.icd10 for _c, _p, item in cases]
        attended = self._attendance(state, meeting, no_quorum, sites)
        discussed = [case for case, plan, _i in cases if plan.triage == Triage.FULL]
        minutes = sum(case.minutes for case in discussed) + 2 * (len(cases) - len(discussed))
        minutes = max(15, min(state.spec.duration + 15, minutes + self.rng.randint(-5, 15)))
        closed = services.close_meeting(
            self.actor, meeting, versioning.ANY_VERSION, attended, minutes
        )
        state.held += 1
        present = [pk for pk, came in attended.items() if came]
        participants = sorted(
            set(Participation.objects.filter(pk__in=present).values_list("clinician_id", flat=True))
        )
        signed_at = self._at(day, state.spec.start.hour + 2, self.rng.randrange(60))
        for case, plan, item in cases:
            recommendation = self._recommend(state, case, plan, closed, participants, signed_at)
            case.status = CaseStatus.DISCUSSED  # as ``recommend`` stored it
            replanned = False
            if recommendation.provisional:
                state.unconfirmed.append((recommendation, item.facts, day))
            else:
                replanned = self._follow_up(state, recommendation, item.facts, day)
            state.last_case[item.facts.patient_id] = case
            if plan.next is not None and not replanned:
                stage, weeks, reason = plan.next
                state.queue.append(
                    Pending(day + dt.timedelta(weeks=weeks), item.facts, stage, case, reason)
                )
        if closed.quorum_met:
            self._confirm_provisional(state, closed, participants, signed_at)

    def _attendance(
        self, state: BoardState, meeting: Meeting, no_quorum: bool, sites: list[str]
    ) -> dict[int, bool]:
        """Members declare availability (some do; most say yes) and come if they can.
        At a meeting without quorum one core department stays away altogether; otherwise
        every quorum department, and one a case's site needs (radiation oncology for the
        cervix at Hanbit), has someone present. Invited guests come."""
        rows = list(meeting.participants.all())
        missing = ""
        if no_quorum:
            single = [d for d in state.spec.quorum if len(state.members.get(d, [])) == 1]
            missing = self.rng.choice(single or list(state.spec.quorum))
        needed = set(state.spec.quorum)
        for icd10 in sites:
            needed |= state.board.quorum_for(icd10)
        needed.discard(missing)
        attended: dict[int, bool] = {}
        for row in rows:
            if row.guest:
                attended[row.pk] = True
                continue
            declared: bool | None = None
            if self.rng.random() < 0.15:
                declared = self.rng.random() < 0.92 and row.department != missing
                services.declare_availability(self.actor, row, versioning.ANY_VERSION, declared)
            came = declared is not False and self.rng.random() < 0.93
            attended[row.pk] = came and row.department != missing
        for department in sorted(needed):
            if not any(attended[r.pk] for r in rows if r.department == department):
                first = next((r for r in rows if r.department == department), None)
                if first is not None:
                    attended[first.pk] = True
        return attended

    def _signer(self, state: BoardState) -> Actor:
        """The demo clinician signs their own board's decisions; the system the others'."""
        if self.signer is not None and state.spec is self.specs[0]:
            return self.signer
        return self.actor

    def _recommend(
        self,
        state: BoardState,
        case: BoardCase,
        plan: Discussion,
        meeting: Meeting,
        participants: list[int],
        signed_at: dt.datetime,
    ) -> Recommendation:
        concordant = plan.triage != Triage.FULL or self.rng.random() >= 0.1
        reason, note = ("", "") if concordant else self.rng.choice(NON_CONCORDANT)
        full = plan.triage == Triage.FULL
        recommendation = services.recommend(
            self.actor,
            Recommendation(
                case=case,
                meeting=meeting,
                standard_of_care=not full,
                summary=plan.summary,
                intent=plan.intent,
                steps=plan.steps,
                surgical_plan=plan.surgical_plan,
                surgical_departments=plan.surgical_departments,
                trial_referral=bool(plan.trial),
                trial_note=plan.trial,
                further_tests=plan.further_tests,
                # A standard-of-care case is recorded by the chair and the presenting clinician.
                participants=participants if full else participants[:2],
                guideline_concordant=concordant,
                non_concordance=reason,
                non_concordance_note=note,
            ),
        )
        signed = services.sign(self._signer(state), recommendation, recommendation.version)
        self._stamp_signed(signed, signed_at)
        self.counts.recommendations += 1
        return signed

    def _stamp_signed(self, recommendation: Recommendation, at: dt.datetime) -> None:
        self.stamps[Recommendation][recommendation.pk] = {
            "created_at": at - dt.timedelta(minutes=30),
            "updated_at": at,
            "signed_at": at,
        }

    def _confirm_provisional(
        self, state: BoardState, meeting: Meeting, participants: list[int], at: dt.datetime
    ) -> None:
        """Decisions made without quorum are confirmed at the next meeting with quorum, as an
        amendment (the provisional one stays on record)."""
        local = meeting.starts_at.astimezone(state.board.zone).date()
        for original, facts, day in state.unconfirmed:
            amended = services.amend(
                self._signer(state),
                original,
                {"provisional": False, "meeting": meeting, "participants": participants},
                f"Confirmed at the meeting of {local.isoformat()} with the full quorum",
            )
            self._stamp_signed(amended, at)
            self.counts.amended += 1
            self._follow_up(state, amended, facts, day)
        state.unconfirmed.clear()

    def _follow_up(
        self, state: BoardState, recommendation: Recommendation, facts: Facts, day: dt.date
    ) -> bool:
        """Whether the plan was carried out, known once its start date has passed: mostly
        yes, sometimes in part or not with a coded reason; a changed situation comes back to
        the board (True). A few signed decisions are first corrected by amendment when a late
        finding arrives."""
        if self.rng.random() < 0.02 and not recommendation.amends_id:
            recommendation = services.amend(
                self._signer(state),
                recommendation,
                {"further_tests": "Germline multigene panel"},
                "Family history of breast cancer reported after the meeting: test added",
            )
            later = min(self.today - dt.timedelta(days=1), day + dt.timedelta(days=2))
            self._stamp_signed(recommendation, self._at(later, 16))
            self.counts.amended += 1
        first = recommendation.steps[0]["modality"]
        kind = _RECORD_KIND.get(Modality(first), "")
        start = planned_start(facts, first, day, self.rng)
        if start >= self.today:
            return False  # not known yet: the follow-up stays pending
        roll = self.rng.random()
        status, reason, note = ImplementationStatus.IMPLEMENTED, "", ""
        started: dt.date | None = start
        if roll > 0.93:
            status = ImplementationStatus.NOT_IMPLEMENTED
            reason, note = self.rng.choice(NOT_IMPLEMENTED.get(kind, ()) + NOT_IMPLEMENTED[""])
            if facts.international and self.rng.random() < 0.5:
                reason, note = DeviationReason.TREATED_ELSEWHERE, "Treated in her home country"
            started = None
        elif roll > 0.87:
            status = ImplementationStatus.PARTIAL
            reason, note = self.rng.choice(PARTIAL.get(kind) or PARTIAL[""])
        implementation = services.follow_up(
            self.actor, recommendation, versioning.ANY_VERSION, status, started, reason, note
        )
        self.stamps[Implementation][implementation.pk] = {
            "created_at": self.stamps[Recommendation][recommendation.pk]["signed_at"],
            "updated_at": self._at(
                min(self.today - dt.timedelta(days=1), start + dt.timedelta(days=2)), 14
            ),
        }
        if reason in REPLAN and start + dt.timedelta(days=7) < self.today:
            state.queue.append(
                Pending(
                    start + dt.timedelta(days=7),
                    facts,
                    "replan",
                    recommendation.case,
                    f"Plan not carried out: {note}",
                )
            )
            return True
        return False

    # --- the next four weeks --------------------------------------------------------------------

    def _upcoming(self, state: BoardState) -> None:
        """The next meetings with availability partly declared (more for the nearer ones), and
        cases waiting to be scheduled: ready ones, ones missing an item, cases for the
        hepatobiliary surgeon invited as a guest, an urgent one and some not yet triaged."""
        meetings = services.generate_meetings(
            self.actor,
            state.board,
            self.today + dt.timedelta(days=1),
            self.today + dt.timedelta(days=UPCOMING_DAYS),
        )
        state.upcoming = len(meetings)
        self.counts.upcoming += len(meetings)
        own = getattr(self.clinician_user, "pk", None)
        # The third meeting lacks a core department (a congress): the agenda solver keeps
        # cases off it, as it must.
        away = state.spec.quorum[-1]
        for number, meeting in enumerate(meetings):
            share = max(0.2, 0.8 - 0.2 * number)
            for row in meeting.participants.select_related("clinician"):
                if own is not None and row.clinician.user_id == own:
                    continue  # left for the demo clinician to declare
                if number == 2 and row.department == away:
                    services.declare_availability(self.actor, row, versioning.ANY_VERSION, False)
                elif self.rng.random() < share:
                    answer = self.rng.random() < 0.9
                    services.declare_availability(self.actor, row, versioning.ANY_VERSION, answer)
        first = state.spec is self.specs[0]
        count = max(1, round(state.spec.waiting * self.scale))
        if first:  # every kind of waiting case, however small the demo
            count = max(count, WAITING_KINDS)
        hpb_meeting = meetings[min(1, len(meetings) - 1)] if meetings else None
        sites = {f.site for f in state.facts}
        # One urgent case (at the first board); after one of each kind, more of the usual ones.
        roles = [
            role
            for role in WAITING
            if role.site in sites and (first or role.urgency != CaseUrgency.URGENT)
        ]
        usual = [role for role in roles if role.urgency == CaseUrgency.ROUTINE] or roles
        for number in range(2 * count if roles else 0):
            if state.waiting >= count:
                break
            role = roles[number] if number < len(roles) else usual[number % len(usual)]
            self._waiting(state, role, meetings, hpb_meeting)
        self.counts.waiting += state.waiting

    def _pick(self, state: BoardState, role: WaitingCase) -> Facts | None:
        """A patient of the role's site whose record can show what the role needs: the
        record's evidence is the patient's, not the case's, so a case meant to lack a recent
        CT or tumor marker must not share its patient with a case that brings them. Patients
        without a waiting case come first; ``None`` when no patient fits."""
        recorded = {"imaging", "tumor_markers"} & {e["item"] for e in state.board.readiness}
        adds = recorded - role.missing
        lacks = recorded & role.missing
        fitting = [
            f
            for f in state.facts
            if f.site == role.site
            and not adds & state.lacking.get(f.patient_id, set())
            and not lacks & state.given.get(f.patient_id, set())
        ]
        if not fitting:
            return None
        fresh = [f for f in fitting if f.patient_id not in state.given] or fitting
        chosen = fresh[state.waiting % len(fresh)]
        state.given.setdefault(chosen.patient_id, set()).update(adds)
        state.lacking.setdefault(chosen.patient_id, set()).update(lacks)
        return chosen

    def _waiting(
        self,
        state: BoardState,
        role: WaitingCase,
        meetings: list[Meeting],
        hpb_meeting: Meeting | None,
    ) -> None:
        facts = self._pick(state, role)
        if facts is None:
            return
        hpb = role.hpb and HPB in state.guests and hpb_meeting is not None
        deadline = self.today + dt.timedelta(days=role.deadline_days)
        if role.urgency == CaseUrgency.URGENT and meetings:
            deadline = meetings[0].starts_at.astimezone(state.board.zone).date()
        submitted = self.today - dt.timedelta(days=self.rng.randint(1, 9))
        question = role.question.format(stage=facts.stage or "stage unknown", h=facts.histology)
        gyn = state.members[GYN]
        extra: dict[str, Any] = {
            "complexity": role.complexity,
            "presenting": gyn[state.waiting % len(gyn)],
            "specialists": [HPB] if hpb else [],
            "guests": [state.guests[HPB].pk] if hpb else [],
        }
        previous = state.last_case.get(facts.patient_id)
        if previous is not None and previous.status == CaseStatus.DISCUSSED:
            case = services.rediscuss(
                self.actor, previous, role.reason, question, deadline, role.urgency
            )
            changes = {k: v for k, v in extra.items() if getattr(case, k) != v}
            if changes:
                case = versioning.update(self.actor, case, case.version, changes)
        else:
            case = services.submit(
                self.actor,
                BoardCase(
                    board=state.board,
                    patient_id=facts.patient_id,
                    condition_id=facts.condition_id,
                    question=question,
                    urgency=role.urgency,
                    deadline=deadline,
                    **extra,
                ),
            )
        if role.triage != Triage.PENDING:
            case = services.triage(self.actor, case, case.version, role.triage, role.note)
        self._evidence(state, case, facts, role.missing, submitted)
        if hpb and hpb_meeting is not None:
            guest = services.invite_guest(self.actor, hpb_meeting, state.guests[HPB], HPB)
            if guest.available is None:
                services.declare_availability(self.actor, guest, guest.version, True)
        moment = self._at(submitted, 10 + state.waiting % 7)
        self.stamps[BoardCase][case.pk] = {"created_at": moment, "updated_at": moment}
        state.waiting += 1

    def _evidence(
        self,
        state: BoardState,
        case: BoardCase,
        facts: Facts,
        missing: frozenset[str],
        submitted: dt.date,
    ) -> None:
        """What the record holds for the board's checklist: a recent CT report and tumor
        marker, a genomic result and the pathology review confirmed, except what the case is
        meant to lack (an old CT, no marker, a review not yet confirmed, no genomic result).
        The checklist asks every case for genomic results, which only ovarian cancer needs
        (BRCA and HRD decide maintenance): for the other sites the coordinator confirms the
        item on the case, as a checklist applying to all sites requires."""
        items = {entry["item"] for entry in state.board.readiness}
        day = submitted - dt.timedelta(days=self.rng.randint(2, 12))
        confirm = []
        if "imaging" in items:
            when = day - dt.timedelta(days=75) if "imaging" in missing else day
            versioning.create(
                self.actor,
                Document(
                    patient_id=facts.patient_id,
                    title="CT chest, abdomen and pelvis with contrast",
                    kind=Document.Kind.REPORT,
                    document_date=when,
                    text="Report for the tumor board.",
                ),
            )
        if "tumor_markers" in items and "tumor_markers" not in missing:
            name, code, unit, ranges = ("CA-125", "10334-1", "U/mL", (8.0, 600.0))
            if facts.site == "cervix" and "squamous" in facts.histology:
                name, code, unit, ranges = ("SCC antigen", "", "ng/mL", (0.5, 12.0))
            versioning.create(
                self.actor,
                Measurement(
                    patient_id=facts.patient_id,
                    kind="tumor_marker",
                    code=code,
                    name=name,
                    value=Decimal(str(round(self.rng.uniform(*ranges), 1))),
                    unit=unit,
                    measured_on=day,
                ),
            )
        if "genomic_results" in items and "genomic_results" not in missing and not facts.tested:
            if facts.site == "ovary":
                versioning.create(
                    self.actor,
                    Biomarker(
                        patient_id=facts.patient_id,
                        kind="hrd",
                        result="positive" if self.rng.random() < 0.5 else "negative",
                        reported_on=day,
                        report="Tumor HRD assay",
                    ),
                )
                facts.tested = True
            else:
                confirm.append("genomic_results")
        if "pathology_review" in missing:
            versioning.create(
                self.actor,
                Document(
                    patient_id=facts.patient_id,
                    title="Pathology report from the referring hospital",
                    kind=Document.Kind.REPORT,
                    document_date=day,
                    text="Outside slides requested for review.",
                ),
            )
        elif "pathology_review" in items:
            confirm.append("pathology_review")
        for item in confirm:
            case = services.confirm(self.actor, case, versioning.ANY_VERSION, item)

    # --- the clock ------------------------------------------------------------------------------

    def _backdate(self) -> None:
        """Move timestamps to when each step would have happened (see the module docstring).
        Meetings and their participant rows date from the board's setup."""
        for model, rows in self.stamps.items():
            objects = []
            names: set[str] = set()
            for pk, values in rows.items():
                obj = model(pk=pk)
                for name, value in values.items():
                    setattr(obj, name, value)
                names |= set(values)
                objects.append(obj)
            model._default_manager.bulk_update(objects, sorted(names), batch_size=500)
        boards = [pk for pk in self.stamps.get(Board, {})]
        if not boards:
            return
        board_created = Board.objects.filter(pk=OuterRef("board_id")).values("created_at")[:1]
        meetings = Meeting.objects.filter(
            board_id__in=boards, starts_at__lt=self._at(self.today, 0)
        )
        meetings.update(created_at=Subquery(board_created))
        meeting_created = Meeting.objects.filter(pk=OuterRef("meeting_id")).values("created_at")
        Participation.objects.filter(meeting__in=meetings).update(
            created_at=Subquery(meeting_created[:1])
        )


@dataclass(frozen=True)
class WaitingCase:
    """A kind of case waiting to be scheduled in the demo."""

    site: str
    question: str
    urgency: str = CaseUrgency.ROUTINE
    complexity: str = Complexity.STANDARD
    triage: str = Triage.FULL
    note: str = ""
    #: Checklist items the record lacks.
    missing: frozenset[str] = frozenset()
    hpb: bool = False
    deadline_days: int = 21
    reason: str = "New findings since the last discussion"


#: The waiting cases, in the order a small demo takes them: the first ``WAITING_KINDS`` are one
#: of each kind (urgent, for the hepatobiliary surgeon, missing items, not triaged, not ready,
#: standard of care), so even a small demo has them all.
WAITING_KINDS = 9
WAITING = (
    WaitingCase(
        "ovary",
        "Recurrent ovarian cancer with small-bowel obstruction on CT: palliative surgery, "
        "stent or conservative management?",
        urgency=CaseUrgency.URGENT,
        complexity=Complexity.COMPLEX,
        reason="Admitted with bowel obstruction",
    ),
    WaitingCase(
        "ovary",
        "FIGO {stage} {h} of the ovary with diaphragmatic and liver-capsule disease: complete "
        "cytoreduction with the hepatobiliary surgeons?",
        urgency=CaseUrgency.SOON,
        complexity=Complexity.COMPLEX,
        hpb=True,
        deadline_days=14,
        reason="Upper-abdominal disease on the new CT",
    ),
    WaitingCase(
        "endometrium",
        "Endometrial {h}, FIGO {stage}: adjuvant treatment?",
        missing=frozenset({"imaging", "tumor_markers"}),
    ),
    WaitingCase(
        "cervix",
        "Cervical {h}, FIGO {stage}: chemoradiotherapy and brachytherapy plan?",
        triage=Triage.PENDING,
    ),
    WaitingCase(
        "ovary",
        "Referred with FIGO {stage} {h} of the ovary: confirm the diagnosis and plan treatment",
        complexity=Complexity.COMPLEX,
        missing=frozenset({"pathology_review"}),
    ),
    WaitingCase(
        "cervix",
        "Cervical {h}, FIGO {stage} on MRI: radical hysterectomy or chemoradiotherapy?",
        triage=Triage.PENDING,
        missing=frozenset({"genomic_results"}),
    ),
    WaitingCase(
        "endometrium",
        "Endometrial {h}, FIGO {stage}, referred from another hospital: surgery?",
        triage=Triage.NOT_READY,
        note="Outside slides requested from the referring hospital",
        missing=frozenset({"pathology_review"}),
    ),
    WaitingCase(
        "ovary",
        "After complete cytoreduction, FIGO {stage} {h}: adjuvant carboplatin-paclitaxel and "
        "maintenance",
        complexity=Complexity.SIMPLE,
        triage=Triage.STANDARD_OF_CARE,
    ),
    WaitingCase(
        "ovary",
        "Isolated splenic recurrence of {h}: secondary cytoreduction with splenectomy?",
        urgency=CaseUrgency.SOON,
        complexity=Complexity.COMPLEX,
        hpb=True,
        deadline_days=14,
        reason="Isolated splenic recurrence on PET-CT",
    ),
    WaitingCase("ovary", "FIGO {stage} {h} of the ovary: primary cytoreduction or NACT?"),
    WaitingCase("endometrium", "Endometrial {h}, FIGO {stage}: lymph node assessment?"),
    WaitingCase(
        "ovary",
        "Rising CA-125 without visible disease on CT: PET-CT or observation?",
        missing=frozenset({"tumor_markers"}),
    ),
    WaitingCase("cervix", "Cervical {h}, FIGO {stage}: fertility-sparing surgery?"),
    WaitingCase(
        "ovary",
        "FIGO {stage} {h}: maintenance after first-line chemotherapy?",
        triage=Triage.PENDING,
    ),
)


def build(
    actor: Actor,
    centers: Mapping[str, Center],
    *,
    seed: int,
    today: dt.date,
    scale: float = 1.0,
    clinician_user: Any = None,
) -> Counts:
    """The tumor-board demo for whichever demo centers exist in ``centers`` (by code)."""
    return TumorBoardDemo(
        actor, centers, seed=seed, today=today, scale=scale, clinician_user=clinician_user
    ).build()
