"""A gynecologic cancer board for tests, built through the services as the application does.

``gyn_board(world)`` gives center A of the test world the six core departments (gynecologic
oncology, radiation oncology, pathology & translational genomics, radiology,
hematology-oncology, nuclear medicine) with one clinician each, a hepatobiliary surgeon who is
not a member, and a weekly Tuesday 07:30 board of 90 minutes.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from caseway.core.testing import SYSTEM, make
from caseway.organizations.models import Clinician, Department
from caseway.records.models import Document, Measurement
from caseway.tumorboard import services
from caseway.tumorboard.models import Board, BoardCase

CORE = [
    ("obstetrics_gynecology", "Gynecologic oncology", "부인종양", "Kim Ji-won"),
    ("radiation_oncology", "Radiation oncology", "방사선종양학과", "Lee Min-ho"),
    ("pathology_translational_genomics", "Pathology", "병리과", "Park Seo-yeon"),
    ("radiology", "Radiology", "영상의학과", "Choi Dong-hyun"),
    ("hematology_oncology", "Hematology-oncology", "혈액종양내과", "Jung Ha-eun"),
    ("nuclear_medicine", "Nuclear medicine", "핵의학과", "Kang Yu-na"),
]
HPB = "hepatobiliary_pancreatic_surgery"


def gyn_board(world: Any, code: str = "gyn-board", **fields: Any) -> SimpleNamespace:
    center, institution = world.center_a, world.institution_a
    departments: dict[str, Department] = {}
    clinicians: dict[str, Clinician] = {}
    for kind, name_en, name_ko, person in [
        *CORE,
        (HPB, "Hepatobiliary surgery", "간담췌외과", "Yoon Tae-ho"),
    ]:
        department = Department.objects.filter(institution=institution, kind=kind).first()
        if department is None:
            department = make(
                Department(institution=institution, name_en=name_en, name_ko=name_ko, kind=kind)
            )
        departments[kind] = department
        clinicians[kind] = make(
            Clinician(
                institution=institution,
                department=department,
                center=center,
                name_en=f"Dr {person}",
                specialty=name_en,
                languages=["ko", "en"],
                email=f"{person.split()[0].lower()}@{code}.test",
            )
        )
    values: dict[str, Any] = {
        "center": center,
        "code": code,
        "name_en": "Gynecologic Cancer Tumor Board",
        "name_ko": "부인암 다학제 진료",
        "tumor_sites": ["C51", "C52", "C53", "C54", "C55", "C56", "C57", "C48"],
        "quorum": [kind for kind, *_ in CORE],
        "site_quorum": {},
        "weekday": 1,
        "start_time": dt.time(7, 30),
        "duration_minutes": 90,
        "mode": "in_person",
        "location": "Cancer Center B2 conference room",
        "readiness": [
            {"item": "imaging", "within_days": 56},
            {"item": "tumor_markers", "within_days": 28},
            {"item": "pathology_review"},
        ],
    }
    values.update(fields)
    board = services.create_board(
        SYSTEM,
        Board(**values),
        [
            (clinicians[kind], kind, "chair" if kind == "obstetrics_gynecology" else "member")
            for kind, *_ in CORE
        ],
    )
    return SimpleNamespace(board=board, clinicians=clinicians, departments=departments)


def ready_evidence(patient: Any, on: dt.date) -> None:
    """A CT report and a CA-125 on ``on``: imaging and tumor markers are recent."""
    make(
        Document(
            patient=patient,
            title="CT abdomen-pelvis report",
            kind="report",
            document_date=on,
            text="Peritoneal carcinomatosis, omental cake.",
        )
    )
    make(
        Measurement(
            patient=patient,
            kind="tumor_marker",
            code="10334-1",
            name="CA-125",
            value=812,
            unit="U/mL",
            measured_on=on,
        )
    )


def submit(world: Any, board: Board, **fields: Any) -> BoardCase:
    values: dict[str, Any] = {
        "board": board,
        "patient": world.patient_a,
        "condition": world.condition_a,
        "question": "Primary cytoreduction or neoadjuvant chemotherapy?",
        "urgency": "routine",
        "deadline": dt.date(2026, 12, 31),
        "complexity": "standard",
        "triage": "full",
        "confirmed": {"pathology_review": {"by": "Dr Park", "on": "2026-11-20"}},
    }
    values.update(fields)
    return services.submit(SYSTEM, BoardCase(**values))
