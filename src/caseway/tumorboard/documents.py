"""Printed documents of the tumor board: the minutes of a meeting and the letter to the referring
doctor about one recommendation, as self-contained HTML and as PDF.

Both are read away from Caseway (filed in the chart, faxed, handed to the patient), so they say
everything the reader needs to act safely: whether the quorum was present and, if not, that
the decisions are provisional; whether a recommendation is signed, amended or superseded; the
plan in its sequence with the people who made it. Dates are ISO (``YYYY-MM-DD``) with the
local time of the board (``HH:MM`` and the zone name), so no reader in another country takes
03-04 for the wrong month.

Plain values in, plain dataclasses out: everything that depends on the language (choice labels,
names in English or Korean) is resolved here under ``translation.override``, so the templates
``tumorboard/minutes_print.html`` and ``tumorboard/letter_print.html`` only display and escape.
These functions do not check access: the caller (a view) authorizes the meeting or the
recommendation first and records the read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from caseway.organizations.choices import DepartmentKind
from caseway.organizations.models import Clinician
from caseway.records.choices import Sex
from caseway.registry.pdf import render_pdf
from caseway.tumorboard import services
from caseway.tumorboard.choices import (
    CaseStatus,
    Intent,
    MeetingMode,
    MeetingStatus,
    Modality,
    NonConcordance,
    Triage,
)
from caseway.tumorboard.models import BoardCase, Meeting, Participation, Recommendation

#: Languages the documents are written in; anything else falls back to English.
LANGUAGES = ("en", "ko")


def document_language(language: str) -> str:
    """``ko``, ``ko-kr`` -> ``ko``; any other tag -> ``en`` (the catalogue has no third)."""
    return "ko" if (language or "").lower().startswith("ko") else "en"


def _label(choices: Any, code: str) -> str:
    """The translated label of a stored code, or the code itself if the list lost it (an old
    row must still print)."""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _local(value: dt.datetime, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _user_name(user: Any) -> str:
    """A signer's name in the document's language (Korean name only when recorded)."""
    if user is None:
        return ""
    korean: str = getattr(user, "full_name_ko", None) or ""
    if korean and translation.get_language() == "ko":
        return korean
    return str(user.full_name or user.email)


# --- the views the templates display ------------------------------------------------------------
@dataclass(frozen=True)
class PatientLine:
    """The patient as the record holds them: original-script name, romanized name if it
    differs, MRN, birth date, age on the document's reference date, sex."""

    name: str
    mrn: str
    birth_date: str
    age: int
    sex: str


@dataclass(frozen=True)
class StepLine:
    number: int
    modality: str
    label: str
    detail: str


@dataclass(frozen=True)
class RecommendationView:
    """One recommendation, every coded value already a label in the document's language."""

    pk: int
    standard_of_care: bool
    summary: str
    intent: str
    intent_label: str
    steps: tuple[StepLine, ...]
    surgical_plan: str
    surgical_departments: tuple[str, ...]
    trial_referral: bool
    trial_note: str
    further_tests: str
    participants: tuple[str, ...]
    concordant: bool
    non_concordance: str
    non_concordance_note: str
    provisional: bool
    signed: bool
    signed_by: str
    signed_at: str
    amends_signed_at: str
    amendment_reason: str
    #: When an amendment superseded this one ("" when it is current).
    superseded_at: str
    voided: bool
    #: Date of the meeting where it was made ("" for standard of care without a meeting).
    meeting_date: str


@dataclass(frozen=True)
class CaseView:
    pk: int
    position: int | None
    patient: PatientLine
    condition: str
    question: str
    presenting: str
    rediscussion_reason: str
    recommendation: RecommendationView | None


@dataclass(frozen=True)
class AttendanceGroup:
    """Who of one department came: members and guests who attended, who did not, and whose
    attendance was not recorded."""

    department: str
    present: tuple[str, ...]
    guests: tuple[str, ...]
    absent: tuple[str, ...]
    not_recorded: tuple[str, ...]


@dataclass(frozen=True)
class Minutes:
    language: str
    board_name: str
    center_name: str
    institution_name: str
    starts: str
    ends: str
    time_zone: str
    mode: str
    location: str
    video_url: str
    status: str
    held: bool
    attendance: tuple[AttendanceGroup, ...]
    attendance_recorded: bool
    #: True / False as recorded when the meeting was closed; None while it is open.
    quorum: bool | None
    missing_quorum: tuple[str, ...]
    #: The banner: decisions of this meeting are provisional (no quorum, or any provisional).
    provisional: bool
    actual_minutes: int | None
    notes: str
    discussed: tuple[CaseView, ...]
    standard_of_care: tuple[CaseView, ...]
    generated_on: str


@dataclass(frozen=True)
class Letter:
    language: str
    center_name: str
    center_name_other: str
    institution_name: str
    institution_name_other: str
    board_name: str
    date: str
    #: The addressee's name; "" means "the referring doctor" (said by the template).
    recipient: str
    patient: PatientLine
    condition: str
    question: str
    recommendation: RecommendationView


# --- building them -------------------------------------------------------------------------------
def _patient(patient: Any, on: dt.date) -> PatientLine:
    name = patient.name_original
    if patient.name_romanized and patient.name_romanized != patient.name_original:
        name = f"{patient.name_original} ({patient.name_romanized})"
    return PatientLine(
        name=name,
        mrn=patient.mrn,
        birth_date=patient.birth_date.isoformat(),
        age=_age(patient.birth_date, on),
        sex=_label(Sex, patient.sex),
    )


def _condition(case: BoardCase) -> str:
    condition = case.condition
    if condition is None:
        return ""
    code = condition.icd10 or condition.code
    return f"{code} {condition.description}".strip()


def _clinicians(ids: Iterable[int]) -> dict[int, Clinician]:
    return Clinician.objects.in_bulk(sorted(set(ids)))


def _recommendation(
    rec: Recommendation, clinicians: Mapping[int, Clinician], zone: ZoneInfo
) -> RecommendationView:
    steps = tuple(
        StepLine(
            number=number,
            modality=str(step.get("modality", "")),
            label=_label(Modality, str(step.get("modality", ""))),
            detail=str(step.get("detail", "") or ""),
        )
        for number, step in enumerate(rec.steps or [], start=1)
    )
    participants = tuple(
        clinicians[pk].name if pk in clinicians else f"#{pk}" for pk in rec.participants or []
    )
    amends = rec.amends
    successor = (
        rec.amendments.filter(voided=False).order_by("-created_at", "-pk").first()
        if rec.pk
        else None
    )
    superseded_at = ""
    if successor is not None:
        superseded_at = _local(successor.signed_at or successor.created_at, zone)
    return RecommendationView(
        pk=rec.pk,
        standard_of_care=rec.standard_of_care,
        summary=rec.summary,
        intent=rec.intent,
        intent_label=_label(Intent, rec.intent),
        steps=steps,
        surgical_plan=rec.surgical_plan,
        surgical_departments=tuple(_label(DepartmentKind, d) for d in rec.surgical_departments),
        trial_referral=rec.trial_referral,
        trial_note=rec.trial_note,
        further_tests=rec.further_tests,
        participants=participants,
        concordant=bool(rec.guideline_concordant),
        non_concordance=(
            _label(NonConcordance, rec.non_concordance) if rec.non_concordance else ""
        ),
        non_concordance_note=rec.non_concordance_note,
        provisional=rec.provisional,
        signed=rec.signed_at is not None,
        signed_by=_user_name(rec.signed_by),
        signed_at=_local(rec.signed_at, zone) if rec.signed_at else "",
        amends_signed_at=(
            _local(amends.signed_at, zone) if amends is not None and amends.signed_at else ""
        ),
        amendment_reason=rec.amendment_reason,
        superseded_at=superseded_at,
        voided=rec.voided,
        meeting_date=(
            f"{rec.meeting.starts_at.astimezone(zone):%Y-%m-%d}" if rec.meeting is not None else ""
        ),
    )


def _case(
    case: BoardCase,
    rec: Recommendation | None,
    clinicians: Mapping[int, Clinician],
    zone: ZoneInfo,
    on: dt.date,
) -> CaseView:
    presenting = clinicians.get(case.presenting_id) if case.presenting_id else None
    return CaseView(
        pk=case.pk,
        position=case.position,
        patient=_patient(case.patient, on),
        condition=_condition(case),
        question=case.question,
        presenting=presenting.name if presenting is not None else "",
        rediscussion_reason=case.rediscussion_reason if case.previous_id else "",
        recommendation=_recommendation(rec, clinicians, zone) if rec is not None else None,
    )


def _attendance(
    participants: list[Participation], board_quorum: Iterable[str]
) -> tuple[tuple[AttendanceGroup, ...], tuple[str, ...], bool]:
    """Attendance by department (the quorum departments first, in the board's order), the
    quorum departments nobody attended for, and whether attendance was recorded at all."""
    quorum = list(board_quorum)
    order = {code: i for i, code in enumerate(quorum)}
    departments = sorted(
        {p.department for p in participants} | set(quorum),
        key=lambda d: (order.get(d, len(order)), _label(DepartmentKind, d)),
    )
    groups = []
    for department in departments:
        rows = sorted(
            (p for p in participants if p.department == department),
            key=lambda p: (p.guest, p.clinician.name),
        )
        groups.append(
            AttendanceGroup(
                department=_label(DepartmentKind, department),
                present=tuple(p.clinician.name for p in rows if p.attended and not p.guest),
                guests=tuple(p.clinician.name for p in rows if p.attended and p.guest),
                absent=tuple(p.clinician.name for p in rows if p.attended is False),
                not_recorded=tuple(p.clinician.name for p in rows if p.attended is None),
            )
        )
    recorded = any(p.attended is not None for p in participants)
    came = {p.department for p in participants if p.attended}
    missing = tuple(_label(DepartmentKind, d) for d in quorum if d not in came) if recorded else ()
    return tuple(groups), missing, recorded


def _meeting_cases(meeting: Meeting) -> list[BoardCase]:
    """The cases of the meeting in agenda order: those on its list and any whose
    recommendation was made at it (withdrawn and voided cases left out)."""
    return sorted(
        BoardCase.objects.filter(Q(meeting=meeting) | Q(recommendations__meeting=meeting))
        .filter(voided=False)
        .exclude(status=CaseStatus.WITHDRAWN)
        .select_related("patient", "condition")
        .distinct(),
        key=lambda c: (c.position is None, c.position or 0, c.pk),
    )


def build_minutes(meeting: Meeting, language: str, today: dt.date | None = None) -> Minutes:
    """The minutes' context in ``language`` (call inside ``translation.override``)."""
    board = meeting.board
    zone = board.zone
    participants = list(meeting.participants.select_related("clinician"))
    cases = _meeting_cases(meeting)
    recommendations = {case.pk: services.current_recommendation(case) for case in cases}
    ids: list[int] = [c.presenting_id for c in cases if c.presenting_id]
    for rec in recommendations.values():
        if rec is not None:
            ids += [pk for pk in rec.participants or [] if isinstance(pk, int)]
    clinicians = _clinicians(ids)
    on = meeting.starts_at.astimezone(zone).date()
    views = [_case(c, recommendations[c.pk], clinicians, zone, on) for c in cases]
    soc = set()
    for case in cases:
        rec = recommendations[case.pk]
        if case.triage == Triage.STANDARD_OF_CARE or (rec is not None and rec.standard_of_care):
            soc.add(case.pk)
    groups, missing, recorded = _attendance(participants, board.quorum)
    provisional = meeting.quorum_met is False or any(
        v.recommendation is not None and v.recommendation.provisional for v in views
    )
    center = board.center
    return Minutes(
        language=language,
        board_name=board.name,
        center_name=center.name,
        institution_name=center.institution.name,
        starts=_local(meeting.starts_at, zone),
        ends=f"{meeting.ends_at.astimezone(zone):%H:%M}",
        time_zone=board.time_zone,
        mode=_label(MeetingMode, meeting.mode),
        location=meeting.location if meeting.mode != MeetingMode.VIDEO else "",
        video_url=meeting.video_url if meeting.mode != MeetingMode.IN_PERSON else "",
        status=_label(MeetingStatus, meeting.status),
        held=meeting.status == MeetingStatus.HELD,
        attendance=groups,
        attendance_recorded=recorded,
        quorum=meeting.quorum_met,
        missing_quorum=missing,
        provisional=provisional,
        actual_minutes=meeting.actual_minutes,
        notes=meeting.notes,
        discussed=tuple(v for v in views if v.pk not in soc),
        standard_of_care=tuple(v for v in views if v.pk in soc),
        generated_on=(today or timezone.localdate(timezone=zone)).isoformat(),
    )


def build_letter(rec: Recommendation, language: str, today: dt.date | None = None) -> Letter:
    """The letter's context in ``language`` (call inside ``translation.override``). The
    addressee is the presenting clinician, else the referring doctor the patient's record
    names, else nobody by name."""
    case = rec.case
    board = case.board
    zone = board.zone
    today = today or timezone.localdate(timezone=zone)
    ids = [pk for pk in rec.participants or [] if isinstance(pk, int)]
    if case.presenting_id:
        ids.append(case.presenting_id)
    clinicians = _clinicians(ids)
    presenting = clinicians.get(case.presenting_id) if case.presenting_id else None
    recipient = presenting.name if presenting is not None else case.patient.referring_doctor
    center = board.center
    institution = center.institution
    korean = language == "ko"
    return Letter(
        language=language,
        center_name=center.name,
        center_name_other=center.name_en if korean else center.name_ko,
        institution_name=institution.name,
        institution_name_other=institution.name_en if korean else institution.name_ko,
        board_name=board.name,
        date=today.isoformat(),
        recipient=recipient,
        patient=_patient(case.patient, today),
        condition=_condition(case),
        question=case.question,
        recommendation=_recommendation(rec, clinicians, zone),
    )


# --- the public functions ------------------------------------------------------------------------
def minutes_html(meeting: Meeting, language: str, *, today: dt.date | None = None) -> str:
    """The minutes of a meeting as a self-contained print document (inline CSS, no links to
    fetch), in English or Korean."""
    language = document_language(language)
    with translation.override(language):
        minutes = build_minutes(meeting, language, today)
        return render_to_string("tumorboard/minutes_print.html", {"minutes": minutes})


def minutes_pdf(meeting: Meeting, language: str, *, today: dt.date | None = None) -> bytes:
    return render_pdf(minutes_html(meeting, language, today=today))


def letter_html(
    recommendation: Recommendation, language: str, *, today: dt.date | None = None
) -> str:
    """The letter about one recommendation to the doctor who asked, as a self-contained print
    document. An unsigned, provisional, amended or superseded recommendation says so."""
    language = document_language(language)
    with translation.override(language):
        letter = build_letter(recommendation, language, today)
        return render_to_string("tumorboard/letter_print.html", {"letter": letter})


def letter_pdf(
    recommendation: Recommendation, language: str, *, today: dt.date | None = None
) -> bytes:
    return render_pdf(letter_html(recommendation, language, today=today))
