"""Operations of the tumor board: what changes several rows, checks the gate and journals.

Every change goes through ``core.versioning`` (optimistic locking, journaled diffs). The agenda
is guarded by the meetings' versions: whoever changes which cases a meeting holds (solving,
pinning, moving) names the versions they saw, the meetings are locked and compared, and a stale
view is refused (412 in the API, 409 on pages), so two coordinators lose no update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from caseway.core import access, journal, versioning
from caseway.core.access import Action
from caseway.records.models import Biomarker, Document, Measurement, Staging, Variant
from caseway.tumorboard import readiness, scheduling
from caseway.tumorboard.choices import (
    URGENCY_WEIGHT,
    CaseStatus,
    CaseUrgency,
    ImplementationStatus,
    MeetingStatus,
    Triage,
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

# --- boards and meetings --------------------------------------------------------------------------


def create_board(actor: Any, board: Board, members: Iterable[tuple[Any, str, str]] = ()) -> Board:
    """A board with its standing members: (clinician, department, role) each."""
    access.authorize(actor, Board, Action.ADD, board)
    with transaction.atomic():
        versioning.create(actor, board)
        for clinician, department, role in members:
            versioning.create(
                actor,
                BoardMember(board=board, clinician=clinician, department=department, role=role),
            )
    return board


def occurrences(board: Board, start: dt.date, end: dt.date) -> list[dt.datetime]:
    """Start times of the board's pattern between two dates (inclusive), in UTC.

    Every n weeks counts from a fixed Monday, so the same board gives the same dates whoever
    asks and whenever; the local time is kept across daylight-saving changes.
    """
    anchor = dt.date(2001, 1, 1)  # a Monday
    first = start + dt.timedelta(days=(board.weekday - start.weekday()) % 7)
    times = []
    day = first
    while day <= end:
        if ((day - anchor).days // 7) % board.interval_weeks == 0:
            local = dt.datetime.combine(day, board.start_time, tzinfo=board.zone)
            times.append(local.astimezone(dt.UTC))
        day += dt.timedelta(days=7)
    return times


def generate_meetings(actor: Any, board: Board, start: dt.date, end: dt.date) -> list[Meeting]:
    """Meetings of the pattern in the period that do not exist yet, each with a participation
    row for every standing member (availability not yet declared)."""
    access.authorize(actor, Meeting, Action.ADD, Meeting(board=board))
    if end < start:
        raise ValidationError(_("The period ends before it starts."))
    if (end - start).days > 400:
        raise ValidationError(_("Generate at most about a year of meetings at a time."))
    existing = set(
        Meeting.objects.filter(board=board, voided=False).values_list("starts_at", flat=True)
    )
    members = list(board.members.filter(voided=False).select_related("clinician"))
    created = []
    with transaction.atomic():
        for starts_at in occurrences(board, start, end):
            if starts_at in existing:
                continue
            meeting = versioning.create(
                actor,
                Meeting(
                    board=board,
                    starts_at=starts_at,
                    duration_minutes=board.duration_minutes,
                    mode=board.mode,
                    location=board.location,
                    video_url=board.video_url,
                ),
            )
            for member in members:
                versioning.create(
                    actor,
                    Participation(
                        meeting=meeting, clinician=member.clinician, department=member.department
                    ),
                )
            created.append(meeting)
    return created


def declare_availability(
    actor: Any, participation: Participation, expected_version: int, available: bool
) -> Participation:
    access.authorize(actor, Participation, Action.CHANGE, participation)
    if participation.meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The meeting is no longer planned."))
    return versioning.update(actor, participation, expected_version, {"available": available})


def invite_guest(actor: Any, meeting: Meeting, clinician: Any, department: str) -> Participation:
    """A guest for this meeting (e.g. the hepatobiliary surgeon for one case)."""
    access.authorize(actor, Meeting, Action.CHANGE, meeting)
    found = Participation.objects.filter(meeting=meeting, clinician=clinician).first()
    if found is not None:
        return found
    return versioning.create(
        actor,
        Participation(meeting=meeting, clinician=clinician, department=department, guest=True),
    )


def quorum_present(board: Board, departments: Iterable[str]) -> bool:
    return set(board.quorum) <= set(departments)


def close_meeting(
    actor: Any,
    meeting: Meeting,
    expected_version: int,
    attended: Mapping[int, bool],
    actual_minutes: int | None,
) -> Meeting:
    """Record who came (participation id -> attended) and close the meeting. Without the
    quorum, the meeting is flagged and its recommendations are provisional."""
    access.authorize(actor, Meeting, Action.CHANGE, meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("This meeting is already closed."))
    with transaction.atomic():
        rows = {p.pk: p for p in meeting.participants.all()}
        unknown = set(attended) - set(rows)
        if unknown:
            raise ValidationError(_("These people are not on the meeting's list."))
        for pk, came in attended.items():
            row = rows[pk]
            if row.attended != came:
                versioning.update(actor, row, versioning.ANY_VERSION, {"attended": came})
        present = {rows[pk].department for pk, came in attended.items() if came}
        met = quorum_present(meeting.board, present)
        closed = versioning.update(
            actor,
            meeting,
            expected_version,
            {"status": MeetingStatus.HELD, "quorum_met": met, "actual_minutes": actual_minutes},
        )
        if not met:
            Recommendation.objects.filter(meeting=meeting, signed_at__isnull=True).update(
                provisional=True
            )
    return closed


# --- cases ----------------------------------------------------------------------------------------


def submit(actor: Any, case: BoardCase) -> BoardCase:
    """A clinician submits a patient to a board with the question, urgency and deadline."""
    access.authorize(actor, BoardCase, Action.ADD, case)
    condition = case.condition if case.condition_id else None
    if condition is not None and not case.board.covers(condition.icd10):
        raise ValidationError({"condition": _("This board does not decide on this tumor site.")})
    return versioning.create(actor, case)


def evidence_for(patient_id: int) -> readiness.Evidence:
    """Dates of the record's evidence for the readiness checklist (one query per kind)."""

    def dates(queryset: Any, name: str) -> tuple[dt.date, ...]:
        return tuple(
            queryset.filter(voided=False).order_by(f"-{name}").values_list(name, flat=True)
        )

    imaging = Document.objects.filter(patient_id=patient_id).filter(
        Q(kind__in=[Document.Kind.DICOM, Document.Kind.IMAGE])
        | Q(title__icontains="CT")
        | Q(title__icontains="MRI")
        | Q(title__icontains="PET")
    )
    pathology = Document.objects.filter(patient_id=patient_id).filter(
        Q(title__icontains="patholog") | Q(title__icontains="병리")
    )
    genomic = [
        *dates(Biomarker.objects.filter(patient_id=patient_id), "reported_on"),
        *dates(Variant.objects.filter(patient_id=patient_id), "reported_on"),
    ]
    return readiness.Evidence(
        imaging=dates(imaging, "document_date"),
        tumor_markers=dates(
            Measurement.objects.filter(patient_id=patient_id, kind="tumor_marker"), "measured_on"
        ),
        pathology_reports=dates(pathology, "document_date"),
        genomic_results=tuple(sorted(genomic, reverse=True)),
        staging=dates(Staging.objects.filter(patient_id=patient_id), "staged_on"),
        performance_status=dates(
            Measurement.objects.filter(patient_id=patient_id, kind__in=["ecog", "karnofsky"]),
            "measured_on",
        ),
    )


def readiness_of(case: BoardCase, today: dt.date | None = None) -> readiness.Readiness:
    return readiness.evaluate(
        case.board.readiness,
        evidence_for(case.patient_id),
        case.confirmed or {},
        today or timezone.localdate(),
    )


def confirm(actor: Any, case: BoardCase, expected_version: int, item: str) -> BoardCase:
    """Someone confirms a checklist item by hand (e.g. the pathology review is done)."""
    access.authorize(actor, BoardCase, Action.CHANGE, case)
    if item not in {str(e["item"]) for e in case.board.readiness}:
        raise ValidationError(_("This board's checklist has no such item."))
    user = getattr(actor, "user", None)
    confirmed = dict(case.confirmed or {})
    confirmed[item] = {
        "by": getattr(user, "full_name", "") or getattr(user, "email", "") or "system",
        "on": timezone.localdate().isoformat(),
    }
    return versioning.update(actor, case, expected_version, {"confirmed": confirmed})


def triage(
    actor: Any, case: BoardCase, expected_version: int, decision: str, note: str = ""
) -> BoardCase:
    """Pre-meeting triage. A case triaged "not ready" or "standard of care" leaves the agenda
    of discussion (standard-of-care cases are listed and recorded, not discussed)."""
    access.authorize(actor, BoardCase, Action.CHANGE, case)
    if case.status not in (CaseStatus.SUBMITTED, CaseStatus.SCHEDULED):
        raise ValidationError(_("A discussed or withdrawn case is not triaged again."))
    decision = Triage(decision)
    if decision == Triage.NOT_READY and not note.strip():
        raise ValidationError({"triage_note": _("Say what is missing.")})
    changes: dict[str, Any] = {"triage": decision, "triage_note": note.strip()}
    if decision == Triage.NOT_READY and case.meeting_id and not case.pinned:
        changes |= {"meeting": None, "position": None, "status": CaseStatus.SUBMITTED}
    with transaction.atomic():
        if case.meeting_id and "meeting" in changes:
            _bump_meetings(actor, [case.meeting_id], None)
        return versioning.update(actor, case, expected_version, changes)


def withdraw(actor: Any, case: BoardCase, expected_version: int, reason: str) -> BoardCase:
    access.authorize(actor, BoardCase, Action.CHANGE, case)
    if case.status == CaseStatus.DISCUSSED:
        raise ValidationError(_("A discussed case is not withdrawn; void it with a reason."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is withdrawn.")})
    with transaction.atomic():
        if case.meeting_id:
            _bump_meetings(actor, [case.meeting_id], None)
        updated = versioning.update(
            actor,
            case,
            expected_version,
            {"status": CaseStatus.WITHDRAWN, "meeting": None, "position": None, "pinned": False},
        )
        journal.record(actor, "update", obj=updated, reason=reason.strip())
    return updated


def rediscuss(
    actor: Any, case: BoardCase, reason: str, question: str, deadline: dt.date, urgency: str
) -> BoardCase:
    """The situation changed: the patient goes back to the board, linked to the earlier case."""
    if case.status != CaseStatus.DISCUSSED:
        raise ValidationError(_("Only a discussed case is discussed again."))
    again = BoardCase(
        board=case.board,
        patient=case.patient,
        condition=case.condition,
        question=question,
        urgency=urgency,
        deadline=deadline,
        complexity=case.complexity,
        presenting=case.presenting,
        specialists=list(case.specialists),
        previous=case,
        rediscussion_reason=reason.strip(),
    )
    return submit(actor, again)


# --- the agenda -----------------------------------------------------------------------------------
class StaleAgenda(versioning.PreconditionFailed):
    """A meeting's agenda changed since the version the coordinator saw."""


def _bump_meetings(
    actor: Any, meeting_ids: Iterable[int], expected: Mapping[int, int] | None
) -> None:
    """Lock the meetings, compare the versions the writer saw, and bump them: any change of a
    meeting's case list is a new agenda version."""
    ids = sorted(set(meeting_ids))
    locked = {m.pk: m for m in Meeting.objects.select_for_update().filter(pk__in=ids)}
    for pk in ids:
        meeting = locked[pk]
        if expected is not None and pk in expected and expected[pk] != meeting.version:
            raise StaleAgenda(meeting)
        Meeting.objects.filter(pk=pk).update(
            version=meeting.version + 1,
            updated_at=timezone.now(),
            updated_by=getattr(actor, "user", None),
        )


def schedulable(case: BoardCase) -> bool:
    """May go on a meeting's list: waiting, and not triaged "not ready"."""
    return (
        case.status in (CaseStatus.SUBMITTED, CaseStatus.SCHEDULED)
        and case.triage != Triage.NOT_READY
    )


@dataclass
class AgendaPlan:
    """What a solve would set, with the reasons for everything left out."""

    board: Board
    meetings: list[Meeting]
    schedule: scheduling.Schedule
    cases: dict[int, BoardCase]
    #: Cases kept off the agenda before solving, with a reason in words.
    not_ready: dict[int, str] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    #: Standard-of-care cases -> the meeting whose list names them (recorded, not discussed).
    listed: dict[int, int] = field(default_factory=dict)

    def left_out(self) -> list[tuple[BoardCase, str]]:
        reasons = [(self.cases[pk], text) for pk, text in self.not_ready.items()]
        reasons += [
            (self.cases[pk], left_out_text(code)) for pk, code in self.schedule.left_out.items()
        ]
        return sorted(reasons, key=lambda pair: (pair[0].deadline, pair[0].pk))

    def by_meeting(self) -> list[tuple[Meeting, list[tuple[scheduling.Placement, BoardCase]]]]:
        placements: dict[int, list[scheduling.Placement]] = {}
        for p in self.schedule.placements:
            placements.setdefault(p.meeting_id, []).append(p)
        return [
            (
                m,
                [
                    (p, self.cases[p.case_id])
                    for p in sorted(placements.get(m.pk, []), key=lambda p: p.position)
                ],
            )
            for m in self.meetings
        ]


def left_out_text(code: str) -> str:
    return {
        "pinned_meeting_unavailable": _(
            "pinned to a meeting that cannot take it (closed, its list already sent, or "
            "without the quorum or specialists the case needs)"
        ),
        "no_meeting_with_quorum": _("no meeting in the period has the quorum for its site"),
        "specialist_unavailable": _(
            "no meeting with the quorum also has the invited specialist or guest present"
        ),
        "no_room": _("the meetings are full with more urgent cases or earlier deadlines"),
        "wrong_board": _("no meeting of its board in the period"),
    }.get(code, code)


def _meeting_input(meeting: Meeting, now: dt.datetime) -> scheduling.Meeting:
    # Members count unless they said they cannot come; guests only once they said they can.
    present: set[str] = set()
    guests: set[str] = set()
    for p in meeting.participants.all():
        if p.guest and p.available:
            present.add(p.department)
            guests.add(str(p.clinician_id))
        elif not p.guest and p.available is not False:
            present.add(p.department)
    return scheduling.Meeting(
        id=meeting.pk,
        board_id=meeting.board_id,
        starts_at=meeting.starts_at,
        minutes=meeting.duration_minutes,
        present=frozenset(present),
        guests_present=frozenset(guests),
        # The list has gone out and the meeting is near: it keeps what it has.
        locked=meeting.agenda_sent_at is not None and meeting.notice_due <= now,
    )


def _case_input(case: BoardCase) -> scheduling.Case:
    icd10 = case.condition.icd10 if case.condition is not None else ""
    return scheduling.Case(
        id=case.pk,
        board_id=case.board_id,
        minutes=case.minutes,
        urgency=URGENCY_WEIGHT[CaseUrgency(case.urgency)],
        deadline=case.deadline,
        quorum=case.board.quorum_for(icd10),
        specialists=frozenset(case.specialists),
        guests=frozenset(str(g) for g in case.guests),
        pinned_to=case.meeting_id if case.pinned else None,
        current=case.meeting_id,
        submitted_on=timezone.localdate(case.created_at),
    )


def plan_agenda(
    board: Board,
    start: dt.date,
    end: dt.date,
    *,
    today: dt.date | None = None,
    time_limit: float = 5.0,
) -> AgendaPlan:
    """The agenda a solve would set for the board's planned meetings in the period (nothing is
    written): ready, triaged-for-discussion cases into meetings, and why others are left out."""
    now = timezone.now()
    today = today or timezone.localdate()
    zone = board.zone
    meetings = list(
        Meeting.objects.filter(
            board=board,
            voided=False,
            status=MeetingStatus.PLANNED,
            starts_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=zone),
            starts_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )
        .select_related("board")
        .prefetch_related("participants")
    )
    candidates = (
        BoardCase.objects.filter(
            board=board,
            voided=False,
            status__in=[CaseStatus.SUBMITTED, CaseStatus.SCHEDULED],
        )
        .filter(Q(meeting__isnull=True) | Q(meeting__in=meetings))
        .select_related("board", "condition", "patient")
    )
    cases: dict[int, BoardCase] = {}
    inputs = []
    not_ready: dict[int, str] = {}
    listed: dict[int, int] = {}
    meeting_inputs = [_meeting_input(m, now) for m in meetings]
    open_meetings = [m.id for m in meeting_inputs if not m.locked]
    for case in candidates:
        cases[case.pk] = case
        if case.triage == Triage.NOT_READY:
            not_ready[case.pk] = _("triaged not ready: %(note)s") % {"note": case.triage_note}
            continue
        if case.triage == Triage.STANDARD_OF_CARE:
            # Listed, not discussed: on the first open meeting's list, not a solver matter.
            if case.meeting_id in versions_of(meetings):
                listed[case.pk] = case.meeting_id
            elif open_meetings:
                listed[case.pk] = open_meetings[0]
            continue
        check = readiness_of(case, today)
        if not check.ready:
            missing = "; ".join(f"{i.label}: {i.detail}" for i in check.missing)
            not_ready[case.pk] = _("not ready (%(missing)s)") % {"missing": missing}
            continue
        inputs.append(_case_input(case))
    schedule = scheduling.solve(meeting_inputs, inputs, today=today, time_limit=time_limit)
    return AgendaPlan(
        board=board,
        meetings=meetings,
        schedule=schedule,
        cases=cases,
        not_ready=not_ready,
        versions=versions_of(meetings),
        listed=listed,
    )


def versions_of(meetings: Iterable[Meeting]) -> dict[int, int]:
    return {m.pk: m.version for m in meetings}


def apply_agenda(
    actor: Any, plan: AgendaPlan, expected: Mapping[int, int] | None = None
) -> list[BoardCase]:
    """Write a plan: each placed case to its meeting and position, each case left out off the
    meetings of the period (unless pinned). ``expected`` are the meeting versions the
    coordinator saw (default: the plan's own); a meeting changed since refuses the whole
    write."""
    for meeting in plan.meetings:
        access.authorize(actor, Meeting, Action.CHANGE, meeting)
    expected = dict(plan.versions if expected is None else expected)
    placed = {p.case_id: p for p in plan.schedule.placements}
    changed: list[BoardCase] = []
    with transaction.atomic():
        _bump_meetings(actor, [m.pk for m in plan.meetings], expected)
        locked = BoardCase.objects.select_for_update().in_bulk(list(plan.cases))
        for pk, fresh in locked.items():
            values: dict[str, Any]
            if pk in placed:
                p = placed[pk]
                values = {
                    "meeting_id": p.meeting_id,
                    "position": p.position,
                    "status": CaseStatus.SCHEDULED,
                }
            elif pk in plan.listed:
                values = {
                    "meeting_id": plan.listed[pk],
                    "position": None,
                    "status": CaseStatus.SCHEDULED,
                }
            elif fresh.pinned or fresh.meeting_id is None:
                continue
            else:
                values = {"meeting_id": None, "position": None, "status": CaseStatus.SUBMITTED}
            if any(getattr(fresh, k) != v for k, v in values.items()):
                changed.append(versioning.update(actor, fresh, versioning.ANY_VERSION, values))
        journal.record(
            actor,
            "update",
            obj=plan.board,
            detail={
                "agenda": {
                    "meetings": [m.pk for m in plan.meetings],
                    "placed": len(placed),
                    "left_out": len(plan.schedule.left_out) + len(plan.not_ready),
                    "status": plan.schedule.status,
                }
            },
        )
    return changed


def move(
    actor: Any,
    case: BoardCase,
    expected_version: int,
    meeting: Meeting | None,
    meeting_versions: Mapping[int, int],
    *,
    pin: bool = True,
) -> BoardCase:
    """A coordinator pins a case to a meeting (or takes it off, ``meeting=None``). The case's
    old and new meetings must still be at the versions the coordinator saw. The agenda is the
    coordinators': the gate is asked for CHANGE on each meeting concerned."""
    access.authorize(actor, BoardCase, Action.CHANGE, case)
    for concerned in (case.meeting if case.meeting_id else None, meeting):
        if concerned is not None:
            access.authorize(actor, Meeting, Action.CHANGE, concerned)
    if meeting is not None:
        if meeting.board_id != case.board_id:
            raise ValidationError({"meeting": _("The meeting belongs to another board.")})
        if meeting.status != MeetingStatus.PLANNED:
            raise ValidationError({"meeting": _("This meeting is no longer planned.")})
        if not schedulable(case):
            raise ValidationError(_("Only a case waiting for discussion goes on an agenda."))
    affected = [pk for pk in (case.meeting_id, meeting.pk if meeting else None) if pk]
    with transaction.atomic():
        _bump_meetings(actor, affected, meeting_versions)
        position = None
        if meeting is not None:
            last = meeting.cases.filter(voided=False).exclude(pk=case.pk)
            position = 1 + max((c.position or 0 for c in last), default=0)
        return versioning.update(
            actor,
            case,
            expected_version,
            {
                "meeting": meeting,
                "position": position,
                "pinned": pin and meeting is not None,
                "status": CaseStatus.SCHEDULED if meeting else CaseStatus.SUBMITTED,
            },
        )


# --- recommendations ------------------------------------------------------------------------------


def _provisional(meeting: Meeting | None) -> bool:
    if meeting is None:
        return False
    if meeting.quorum_met is not None:
        return not meeting.quorum_met
    attending = meeting.participants.filter(
        Q(attended=True) | Q(attended__isnull=True, available=True)
    )
    return not quorum_present(meeting.board, attending.values_list("department", flat=True))


def recommend(actor: Any, recommendation: Recommendation) -> Recommendation:
    """Record the board's recommendation (unsigned). Made at a meeting without quorum, it is
    provisional."""
    case = recommendation.case
    access.authorize(actor, Recommendation, Action.ADD, recommendation)
    if case.status == CaseStatus.WITHDRAWN:
        raise ValidationError(_("The case was withdrawn."))
    if recommendation.standard_of_care and case.triage != Triage.STANDARD_OF_CARE:
        raise ValidationError(
            _("Only a case triaged as standard of care is recorded without discussion.")
        )
    if not recommendation.standard_of_care and recommendation.meeting_id is None:
        raise ValidationError({"meeting": _("Name the meeting where the case was discussed.")})
    meeting = recommendation.meeting if recommendation.meeting_id else None
    if meeting is not None and meeting.board_id != case.board_id:
        raise ValidationError({"meeting": _("The meeting belongs to another board.")})
    open_ones = Recommendation.objects.filter(case=case, voided=False, signed_at__isnull=True)
    if open_ones.exists():
        raise ValidationError(_("This case has an unsigned recommendation: complete that one."))
    recommendation.provisional = _provisional(recommendation.meeting)
    with transaction.atomic():
        created = versioning.create(actor, recommendation)
        if case.status != CaseStatus.DISCUSSED:
            versioning.update(actor, case, versioning.ANY_VERSION, {"status": CaseStatus.DISCUSSED})
    return created


def revise(
    actor: Any, recommendation: Recommendation, expected_version: int, changes: Mapping[str, Any]
) -> Recommendation:
    """Change an unsigned recommendation (a signed one is amended instead: the gate answers
    403). A change of meeting decides again whether it is provisional."""
    access.authorize(actor, Recommendation, Action.CHANGE, recommendation)
    changes = dict(changes)
    meeting = changes.get("meeting", recommendation.meeting)
    if meeting is not None and meeting.board_id != recommendation.case.board_id:
        raise ValidationError({"meeting": _("The meeting belongs to another board.")})
    changes["provisional"] = _provisional(meeting)
    return versioning.update(actor, recommendation, expected_version, changes)


def sign(actor: Any, recommendation: Recommendation, expected_version: int) -> Recommendation:
    """From now on the recommendation is immutable; its follow-up starts."""
    access.authorize(actor, Recommendation, Action.SIGN, recommendation)
    recommendation.full_clean()
    with transaction.atomic():
        signed = versioning.update(
            actor,
            recommendation,
            expected_version,
            {"signed_at": timezone.now(), "signed_by": getattr(actor, "user", None)},
        )
        journal.record(actor, "sign", obj=signed)
        Implementation.objects.get_or_create(
            recommendation=signed,
            defaults={"created_by": getattr(actor, "user", None)},
        )
        mark_registry_discussed(actor, signed)
    return signed


_COPIED = [
    f.name
    for f in Recommendation._meta.concrete_fields
    if f.name not in {"id", "version", "created_at", "updated_at", "created_by", "updated_by"}
    and not f.name.startswith("voided")
    and f.name not in {"void_reason", "signed_at", "signed_by", "amends", "amendment_reason"}
]


def amend(
    actor: Any, original: Recommendation, changes: Mapping[str, Any], reason: str
) -> Recommendation:
    """Correct a signed recommendation: a new signed one naming the original, which stays."""
    if original.signed_at is None:
        raise ValidationError(_("Only a signed recommendation is amended; edit this one."))
    if not reason.strip():
        raise ValidationError({"amendment_reason": _("Say why the recommendation is amended.")})
    if original.amendments.filter(voided=False).exists():
        raise ValidationError(_("This recommendation was already amended; amend the latest."))
    amended = Recommendation(**{name: getattr(original, name) for name in _COPIED})
    for name, value in changes.items():
        setattr(amended, name, value)
    amended.amends = original
    amended.amendment_reason = reason.strip()
    access.authorize(actor, Recommendation, Action.SIGN, amended)
    with transaction.atomic():
        amended.signed_at = timezone.now()
        amended.signed_by = getattr(actor, "user", None)
        versioning.create(actor, amended)
        Implementation.objects.get_or_create(recommendation=amended)
        journal.record(
            actor, "amend", obj=amended, detail={"amends": original.pk, "reason": reason.strip()}
        )
    return amended


def current_recommendation(case: BoardCase) -> Recommendation | None:
    """The case's latest valid recommendation (an amendment supersedes what it amends)."""
    rows = list(case.recommendations.filter(voided=False).order_by("-created_at", "-pk"))
    amended = {r.amends_id for r in rows if r.amends_id}
    return next((r for r in rows if r.pk not in amended), None)


def follow_up(
    actor: Any,
    recommendation: Recommendation,
    expected_version: int,
    status: str,
    started_on: dt.date | None,
    reason: str = "",
    note: str = "",
) -> Implementation:
    """Was the plan carried out, when, and if not, why (a coded reason)."""
    if recommendation.signed_at is None:
        raise ValidationError(_("Sign the recommendation before following it up."))
    implementation, _created = Implementation.objects.get_or_create(recommendation=recommendation)
    access.authorize(actor, Implementation, Action.CHANGE, implementation)
    return versioning.update(
        actor,
        implementation,
        expected_version,
        {
            "status": ImplementationStatus(status),
            "started_on": started_on,
            "reason": reason,
            "note": note.strip(),
        },
    )


def mark_registry_discussed(actor: Any, recommendation: Recommendation) -> int:
    """Feed the registry's MDT indicator: the patient's unsigned surgeries within 180 days after
    the discussion, with the MDT question unanswered, were planned at a multidisciplinary
    meeting. Signed surgeries are never changed. Returns how many were marked."""
    from caseway.registry.models import Surgery

    meeting = recommendation.meeting if recommendation.meeting_id else None
    when = timezone.localdate(meeting.starts_at if meeting else recommendation.created_at)
    surgeries = Surgery.objects.filter(
        patient_id=recommendation.case.patient_id,
        voided=False,
        signed_at__isnull=True,
        mdt_discussed__isnull=True,
        date__gte=when,
        date__lte=when + dt.timedelta(days=180),
    )
    count = 0
    for surgery in surgeries:
        versioning.update(actor, surgery, versioning.ANY_VERSION, {"mdt_discussed": True})
        count += 1
    return count


# --- the case list goes out -----------------------------------------------------------------------


def agenda_cases(meeting: Meeting) -> list[BoardCase]:
    """The meeting's case list in order: cases for discussion, then standard-of-care cases
    (listed and recorded, not discussed)."""
    cases = meeting.cases.filter(voided=False).exclude(status=CaseStatus.WITHDRAWN)
    return sorted(
        cases.select_related("patient", "condition"),
        key=lambda c: (c.triage == Triage.STANDARD_OF_CARE, c.position or 0, c.pk),
    )


def _notice_text(meeting: Meeting, cases: list[BoardCase], changes: Mapping[str, Any]) -> str:
    from django.template.loader import render_to_string

    return render_to_string(
        "tumorboard/agenda_email.txt",
        {
            "meeting": meeting,
            "local_start": meeting.starts_at.astimezone(meeting.board.zone),
            "cases": cases,
            "added": [c for c in cases if c.pk in set(changes.get("added", []))],
            "removed": changes.get("removed", []),
            "revision": changes.get("revision", 1),
        },
    )


def publish_agenda(actor: Any, meeting: Meeting, now: dt.datetime | None = None) -> Any:
    """Send the case list to the meeting's participants (those not declared absent) and the
    presenting clinicians, and record it for the app. The first list is revision 1; later,
    only a changed list goes out again, saying what was added and removed. Returns the
    notice, or None when nothing changed since the last one."""
    from django.core.mail import EmailMessage, get_connection
    from django.utils import translation

    from caseway.tumorboard.models import AgendaNotice

    access.authorize(actor, Meeting, Action.CHANGE, meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("The case list of a closed meeting is not sent."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        cases = agenda_cases(locked)
        listed = [c.pk for c in cases]
        last = locked.notices.order_by("-revision").first()
        before = (last.changes or {}).get("cases", []) if last else None
        if before is not None and before == listed:
            return None
        revision = (last.revision if last else 0) + 1
        changes = {
            "cases": listed,
            "added": [pk for pk in listed if before is None or pk not in before],
            "removed": [pk for pk in (before or []) if pk not in listed],
            "revision": revision,
        }
        recipients = _recipients(locked, cases)
        messages = []
        for address, language in recipients:
            with translation.override(language):
                subject = (
                    _("Case list: %(board)s, %(when)s")
                    if revision == 1
                    else _("Changed case list (revision %(revision)s): %(board)s, %(when)s")
                ) % {
                    "board": locked.board.name,
                    "when": f"{locked.starts_at.astimezone(locked.board.zone):%Y-%m-%d %H:%M}",
                    "revision": revision,
                }
                body = _notice_text(locked, cases, changes)
            messages.append(EmailMessage(subject, body, to=[address]))
        get_connection().send_messages(messages)
        notice = AgendaNotice.objects.create(
            meeting=locked,
            revision=revision,
            sent_at=now,
            recipients=len(messages),
            changes=changes,
            late=revision == 1 and now > locked.notice_due,
        )
        Meeting.objects.filter(pk=locked.pk).update(
            agenda_revision=revision, agenda_sent_at=locked.agenda_sent_at or now
        )
        journal.record(
            actor,
            "export",
            obj=locked,
            detail={"case_list": {"revision": revision, "recipients": len(messages), **changes}},
        )
    return notice


def _recipients(meeting: Meeting, cases: list[BoardCase]) -> list[tuple[str, str]]:
    """(address, language) of everyone who should get the list, once each."""
    people = [
        p.clinician
        for p in meeting.participants.select_related("clinician__user")
        if p.available is not False
    ]
    people += [c.presenting for c in cases if c.presenting is not None]
    seen: dict[str, str] = {}
    for clinician in people:
        user = clinician.user
        address = clinician.email or (user.email if user else "")
        if address and address not in seen:
            seen[address] = (user.preferred_language if user else "") or "ko"
    return sorted(seen.items())


def send_due_agendas(actor: Any, now: dt.datetime | None = None) -> list[Any]:
    """What a periodic job runs (``caseway tumorboard notify``, e.g. hourly): the first case
    list of every planned meeting whose notice time comes within the next day, and the
    changed list of every meeting already announced whose cases changed since."""
    now = now or timezone.now()
    soon = Meeting.objects.filter(
        voided=False,
        status=MeetingStatus.PLANNED,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=3),
    ).select_related("board")
    sent = []
    for meeting in soon:
        first_due = meeting.agenda_sent_at is None and now >= meeting.notice_due - dt.timedelta(
            hours=24
        )
        if first_due or meeting.agenda_sent_at is not None:
            notice = publish_agenda(actor, meeting, now)
            if notice is not None:
                sent.append(notice)
    return sent
