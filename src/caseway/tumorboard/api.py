"""The tumor board under /api/tumorboard/: boards, meetings, participants, cases,
recommendations and follow-up through the gate; the agenda (plan, apply, move) guarded by the
meetings' versions; the case list; metrics; and a recommendation as a FHIR CarePlan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, FilterSchema, Router, Schema, Status
from ninja.orm import create_schema

from caseway.accounts.actor import actor_for
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.api import Resource, add_resource_routes, partial_schema
from caseway.organizations.choices import DepartmentKind
from caseway.tumorboard import metrics, services
from caseway.tumorboard import models as m
from caseway.tumorboard.choices import (
    CaseUrgency,
    Complexity,
    DeviationReason,
    ImplementationStatus,
    Intent,
    MeetingMode,
    Modality,
    NonConcordance,
    ReadinessItem,
    Triage,
)

BOOKKEEPING = ["version", "created_at", "updated_at"]
VOIDING = ["voided", "void_reason"]


def _out(model: type[Any], extra: tuple[str, ...] = ()) -> Any:
    names = [f.name for f in model._meta.fields if f.editable or f.name == "id"]
    more = [*BOOKKEEPING, *(VOIDING if hasattr(model, "voided") else []), *extra]
    return create_schema(model, name=f"TumorBoard{model.__name__}Out", fields=[*names, *more])


BoardOut = _out(m.Board)
MemberOut = _out(m.BoardMember)
MeetingOut = _out(
    m.Meeting, ("status", "agenda_revision", "agenda_sent_at", "quorum_met", "actual_minutes")
)
ParticipationOut = _out(m.Participation)
CaseOut = _out(m.BoardCase)
RecommendationOut = _out(
    m.Recommendation, ("provisional", "signed_at", "signed_by", "amends", "amendment_reason")
)
ImplementationOut = _out(m.Implementation)


class ReadinessEntry(Schema):
    item: ReadinessItem
    within_days: int | None = Field(default=None, ge=1, le=730)


class BoardIn(Schema):
    center: int
    code: str = Field(min_length=2, max_length=40)
    name_en: str = Field(min_length=1, max_length=200)
    name_ko: str = Field(min_length=1, max_length=200)
    tumor_sites: list[str]
    quorum: list[DepartmentKind]
    site_quorum: dict[str, list[DepartmentKind]] = {}
    weekday: int = Field(ge=0, le=6)
    start_time: dt.time
    duration_minutes: int = Field(ge=15, le=480)
    interval_weeks: int = Field(default=1, ge=1, le=8)
    time_zone: str = "Asia/Seoul"
    mode: MeetingMode
    location: str = ""
    video_url: str = ""
    minutes_simple: int = Field(default=4, ge=1)
    minutes_standard: int = Field(default=8, ge=1)
    minutes_complex: int = Field(default=12, ge=1)
    readiness: list[ReadinessEntry] = []
    notice_hours: int = Field(default=24, ge=24)


class MemberIn(Schema):
    board: int
    clinician: int
    department: DepartmentKind
    role: str = "member"


class ParticipationPatch(Schema):
    available: bool | None = None


class CaseIn(Schema):
    board: int
    patient: int
    condition: int | None = None
    question: str = Field(min_length=1)
    urgency: CaseUrgency = CaseUrgency.ROUTINE
    deadline: dt.date
    complexity: Complexity = Complexity.STANDARD
    presenting: int | None = None
    specialists: list[DepartmentKind] = []
    guests: list[int] = []


class CaseFilter(FilterSchema):
    board: int | None = None
    patient: int | None = None
    meeting: int | None = None
    status: str | None = None
    triage: Triage | None = None


class MeetingFilter(FilterSchema):
    board: int | None = None
    status: str | None = None
    starts_at__gte: dt.datetime | None = None
    starts_at__lt: dt.datetime | None = None


class BoardFilter(FilterSchema):
    center: int | None = None
    code: str | None = None


class ParticipationFilter(FilterSchema):
    meeting: int | None = None


class RecommendationFilter(FilterSchema):
    case: int | None = None
    meeting: int | None = None


class Step(Schema):
    modality: Modality
    detail: str = Field(default="", max_length=300)


class RecommendationIn(Schema):
    case: int
    meeting: int | None = None
    standard_of_care: bool = False
    summary: str = ""
    intent: Intent
    steps: list[Step]
    surgical_plan: str = ""
    surgical_departments: list[DepartmentKind] = []
    trial_referral: bool = False
    trial_note: str = ""
    further_tests: str = ""
    participants: list[int]
    guideline_concordant: bool
    non_concordance: NonConcordance | None = None
    non_concordance_note: str = ""


class AmendIn(Schema):
    reason: str = Field(min_length=3, max_length=500)
    changes: dict[str, Any]


class FollowUpIn(Schema):
    status: ImplementationStatus
    started_on: dt.date | None = None
    reason: DeviationReason | None = None
    note: str = Field(default="", max_length=500)


class PeriodIn(Schema):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


class ApplyIn(PeriodIn):
    #: Meeting id -> the version the coordinator saw; any meeting changed since refuses all.
    meeting_versions: dict[int, int]


class MoveIn(Schema):
    meeting: int | None
    meeting_versions: dict[int, int]
    pin: bool = True


class TriageIn(Schema):
    triage: Triage
    note: str = Field(default="", max_length=500)


class ConfirmIn(Schema):
    item: ReadinessItem


class CloseIn(Schema):
    attended: dict[int, bool]
    actual_minutes: int | None = Field(default=None, ge=0, le=600)


class PlacementOut(Schema):
    case: int
    meeting: int
    position: int
    starts_after: int
    late: bool


class LeftOutOut(Schema):
    case: int
    reason: str


class PlanOut(Schema):
    status: str
    gap: float | None
    seconds: float
    meeting_versions: dict[int, int]
    placements: list[PlacementOut]
    left_out: list[LeftOutOut]


class ReadinessItemOut(Schema):
    item: str
    met: bool
    detail: str
    within_days: int | None
    latest: dt.date | None


class ReadinessOut(Schema):
    ready: bool
    items: list[ReadinessItemOut]


class NoticeOut(Schema):
    revision: int
    sent_at: dt.datetime
    recipients: int
    late: bool
    changes: dict[str, Any]


router = Router()
boards = Router()
members = Router()
meetings = Router()
participants = Router()
cases = Router()
recommendations = Router()
implementations = Router()
add_resource_routes(
    boards,
    Resource(
        m.Board,
        BoardOut,
        BoardIn,
        partial_schema(BoardIn, exclude=("center",)),
        BoardFilter,
        ordering=("code",),
    ),
)
add_resource_routes(members, Resource(m.BoardMember, MemberOut, MemberIn, None))
add_resource_routes(
    meetings, Resource(m.Meeting, MeetingOut, None, None, MeetingFilter, ordering=("starts_at",))
)
add_resource_routes(
    participants,
    Resource(
        m.Participation,
        ParticipationOut,
        None,
        ParticipationPatch,
        ParticipationFilter,
        voidable=False,
    ),
)
# Cases and recommendations are created through their services (tumor site, status, quorum).
add_resource_routes(
    cases,
    Resource(
        m.BoardCase,
        CaseOut,
        None,
        partial_schema(CaseIn, exclude=("board", "patient")),
        CaseFilter,
        ordering=("deadline", "pk"),
    ),
)
add_resource_routes(
    recommendations,
    Resource(m.Recommendation, RecommendationOut, None, None, RecommendationFilter),
)
add_resource_routes(
    implementations, Resource(m.Implementation, ImplementationOut, None, None, voidable=False)
)


def _fetch_related(actor: Any, model: type[Any], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    try:
        return access.fetch(actor, model, Action.VIEW, pk=pk)
    except (access.NotFound, access.Forbidden):
        raise ValidationError(
            {
                field: _("No %(model)s with id %(id)s is available to you.")
                % {"model": model._meta.verbose_name, "id": pk}
            }
        ) from None


@cases.post("/", response={201: CaseOut}, tags=["board cases"])
def submit_case(request: HttpRequest, payload: CaseIn, response: HttpResponse) -> Any:
    """Submit a patient to a board (the board must decide on the condition's tumor site)."""
    from caseway.organizations.models import Clinician
    from caseway.records.models import Condition, Patient

    actor = actor_for(request)
    access.authorize(actor, m.BoardCase, Action.ADD)
    data = payload.dict()
    case = m.BoardCase(
        board=_fetch_related(actor, m.Board, data["board"], "board"),
        patient=_fetch_related(actor, Patient, data["patient"], "patient"),
        condition=_fetch_related(actor, Condition, data["condition"], "condition"),
        presenting=_fetch_related(actor, Clinician, data["presenting"], "presenting"),
        question=data["question"],
        urgency=data["urgency"],
        deadline=data["deadline"],
        complexity=data["complexity"],
        specialists=[str(s) for s in data["specialists"]],
        guests=data["guests"],
    )
    services.submit(actor, case)
    response["ETag"] = case.etag
    return Status(201, case)


def _if_match(request: HttpRequest) -> int:
    return versioning.parse_if_match(request.headers.get("If-Match"))


@cases.post("/{int:pk}/triage", response=CaseOut, tags=["board cases"])
def triage(request: HttpRequest, pk: int, payload: TriageIn, response: HttpResponse) -> Any:
    actor = actor_for(request)
    case = access.fetch(actor, m.BoardCase, Action.CHANGE, pk=pk)
    case = services.triage(actor, case, _if_match(request), payload.triage, payload.note)
    response["ETag"] = case.etag
    return case


@cases.post("/{int:pk}/confirm", response=CaseOut, tags=["board cases"])
def confirm(request: HttpRequest, pk: int, payload: ConfirmIn, response: HttpResponse) -> Any:
    """Confirm a checklist item by hand (e.g. the pathology review is done)."""
    actor = actor_for(request)
    case = access.fetch(actor, m.BoardCase, Action.CHANGE, pk=pk)
    case = services.confirm(actor, case, _if_match(request), payload.item)
    response["ETag"] = case.etag
    return case


@cases.get("/{int:pk}/readiness", response=ReadinessOut, tags=["board cases"])
def readiness(request: HttpRequest, pk: int) -> dict[str, Any]:
    case = access.fetch(actor_for(request), m.BoardCase, Action.VIEW, pk=pk)
    check = services.readiness_of(case)
    return {
        "ready": check.ready,
        "items": [
            {
                "item": i.item,
                "met": i.met,
                "detail": i.detail,
                "within_days": i.within_days,
                "latest": i.latest,
            }
            for i in check.items
        ],
    }


@cases.post("/{int:pk}/move", response=CaseOut, tags=["agenda"])
def move(request: HttpRequest, pk: int, payload: MoveIn, response: HttpResponse) -> Any:
    """Pin a case to a meeting or take it off (``meeting: null``). If-Match names the case's
    version; ``meeting_versions`` the versions of the meetings as the coordinator saw them."""
    actor = actor_for(request)
    case = access.fetch(actor, m.BoardCase, Action.CHANGE, pk=pk)
    meeting = None
    if payload.meeting is not None:
        meeting = access.fetch(actor, m.Meeting, Action.CHANGE, pk=payload.meeting)
    if case.meeting_id:
        access.fetch(actor, m.Meeting, Action.CHANGE, pk=case.meeting_id)
    case = services.move(
        actor, case, _if_match(request), meeting, payload.meeting_versions, pin=payload.pin
    )
    response["ETag"] = case.etag
    return case


def _plan_out(plan: services.AgendaPlan) -> dict[str, Any]:
    return {
        "status": plan.schedule.status,
        "gap": plan.schedule.gap,
        "seconds": plan.schedule.seconds,
        "meeting_versions": plan.versions,
        "placements": [
            {
                "case": p.case_id,
                "meeting": p.meeting_id,
                "position": p.position,
                "starts_after": p.starts_after,
                "late": p.late,
            }
            for p in plan.schedule.placements
        ],
        "left_out": [{"case": c.pk, "reason": text} for c, text in plan.left_out()],
    }


def _period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationError({"to": _("The period ends before it starts.")})
    if (end - start).days > 92:
        raise ValidationError({"to": _("Plan at most three months at a time.")})


@boards.get("/{int:pk}/agenda", response=PlanOut, tags=["agenda"])
def plan(request: HttpRequest, pk: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The agenda a solve would set for the period (``?start=&end=``), nothing written."""
    actor = actor_for(request)
    board = access.fetch(actor, m.Board, Action.CHANGE, pk=pk)
    _period(start, end)
    return _plan_out(services.plan_agenda(board, start, end))


@boards.post("/{int:pk}/agenda", response=PlanOut, tags=["agenda"])
def apply(request: HttpRequest, pk: int, payload: ApplyIn) -> dict[str, Any]:
    """Solve and write the agenda; 412 if any meeting changed since the versions given."""
    actor = actor_for(request)
    board = access.fetch(actor, m.Board, Action.CHANGE, pk=pk)
    _period(payload.start, payload.end)
    planned = services.plan_agenda(board, payload.start, payload.end)
    unknown = set(planned.versions) - set(payload.meeting_versions)
    if unknown:
        raise ValidationError(
            {"meeting_versions": _("Give the version of every meeting of the period.")}
        )
    services.apply_agenda(actor, planned, payload.meeting_versions)
    planned.versions = {
        pk: v + 1 for pk, v in planned.versions.items()
    }  # each meeting of the period is now one version on
    return _plan_out(planned)


@boards.post("/{int:pk}/meetings", response={201: list[MeetingOut]}, tags=["agenda"])  # type: ignore[valid-type]
def generate(request: HttpRequest, pk: int, payload: PeriodIn) -> Any:
    """Meetings of the board's pattern in the period that do not exist yet."""
    actor = actor_for(request)
    board = access.fetch(actor, m.Board, Action.CHANGE, pk=pk)
    return Status(201, services.generate_meetings(actor, board, payload.start, payload.end))


@meetings.post("/{int:pk}/close", response=MeetingOut, tags=["meetings"])
def close(request: HttpRequest, pk: int, payload: CloseIn, response: HttpResponse) -> Any:
    """Record attendance and close; without quorum the decisions are provisional."""
    actor = actor_for(request)
    meeting = access.fetch(actor, m.Meeting, Action.CHANGE, pk=pk)
    meeting = services.close_meeting(
        actor, meeting, _if_match(request), payload.attended, payload.actual_minutes
    )
    response["ETag"] = meeting.etag
    return meeting


@meetings.post("/{int:pk}/case-list", response={200: NoticeOut, 204: None}, tags=["meetings"])
def publish(request: HttpRequest, pk: int) -> Any:
    """Send the case list now (204 when it has not changed since the last one sent)."""
    actor = actor_for(request)
    meeting = access.fetch(actor, m.Meeting, Action.CHANGE, pk=pk)
    notice = services.publish_agenda(actor, meeting)
    return Status(204, None) if notice is None else notice


@recommendations.post("/", response={201: RecommendationOut}, tags=["recommendations"])
def recommend(request: HttpRequest, payload: RecommendationIn, response: HttpResponse) -> Any:
    """Record the board's recommendation on the structured form (unsigned)."""
    actor = actor_for(request)
    data = payload.dict()
    case = access.fetch(actor, m.BoardCase, Action.CHANGE, pk=data.pop("case"))
    meeting = _fetch_related(actor, m.Meeting, data.pop("meeting"), "meeting")
    data["steps"] = [{"modality": str(s["modality"]), "detail": s["detail"]} for s in data["steps"]]
    data["surgical_departments"] = [str(d) for d in data["surgical_departments"]]
    data["non_concordance"] = data["non_concordance"] or ""
    recommendation = services.recommend(actor, m.Recommendation(case=case, meeting=meeting, **data))
    response["ETag"] = recommendation.etag
    return Status(201, recommendation)


@recommendations.post("/{int:pk}/sign", response=RecommendationOut, tags=["recommendations"])
def sign(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    """Sign (If-Match required): from then on the recommendation changes only by amendment."""
    actor = actor_for(request)
    recommendation = access.fetch(actor, m.Recommendation, Action.SIGN, pk=pk)
    signed = services.sign(actor, recommendation, _if_match(request))
    response["ETag"] = signed.etag
    return signed


_AMENDABLE = set(RecommendationIn.model_fields) - {"case", "meeting", "standard_of_care"}


@recommendations.post(
    "/{int:pk}/amend", response={201: RecommendationOut}, tags=["recommendations"]
)
def amend(request: HttpRequest, pk: int, payload: AmendIn) -> Any:
    actor = actor_for(request)
    original = access.fetch(actor, m.Recommendation, Action.VIEW, pk=pk)
    unknown = set(payload.changes) - _AMENDABLE
    if unknown:
        raise ValidationError(
            {
                "changes": _("These fields cannot be amended: %(f)s.")
                % {"f": ", ".join(sorted(unknown))}
            }
        )
    return Status(201, services.amend(actor, original, payload.changes, payload.reason))


@recommendations.post("/{int:pk}/follow-up", response=ImplementationOut, tags=["recommendations"])
def follow_up(request: HttpRequest, pk: int, payload: FollowUpIn, response: HttpResponse) -> Any:
    """Was the plan carried out (If-Match: the implementation row's version)."""
    actor = actor_for(request)
    recommendation = access.fetch(actor, m.Recommendation, Action.VIEW, pk=pk)
    done = services.follow_up(
        actor,
        recommendation,
        _if_match(request),
        payload.status,
        payload.started_on,
        payload.reason or "",
        payload.note,
    )
    response["ETag"] = done.etag
    return done


@recommendations.get("/{int:pk}/careplan", tags=["recommendations"])
def care_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The recommendation as a FHIR R4 CarePlan (application/fhir+json)."""
    from caseway.tumorboard import fhir

    recommendation = access.fetch(actor_for(request), m.Recommendation, Action.VIEW, pk=pk)
    return JsonResponse(fhir.care_plan(recommendation), content_type="application/fhir+json")


@boards.get("/{int:pk}/metrics", tags=["metrics"])
def board_metrics(request: HttpRequest, pk: int, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Share discussed before first treatment, delays, re-discussion, implementation, quorum,
    minutes per case, for the period ``[start, end]``."""
    board = access.fetch(actor_for(request), m.Board, Action.VIEW, pk=pk)
    if end < start:
        raise ValidationError({"end": _("The period ends before it starts.")})
    return {
        "board": board.code,
        "from": start,
        "to": end,
        **metrics.for_board(board, start, end).as_dict(),
    }


for _prefix, _sub in {
    "/boards": boards,
    "/members": members,
    "/meetings": meetings,
    "/participants": participants,
    "/cases": cases,
    "/recommendations": recommendations,
    "/implementations": implementations,
}.items():
    router.add_router(_prefix, _sub)
