"""Tumor board pages: boards and their meetings, the agenda (solve, preview, apply, move), case
submission and the case page a case is presented from, recommendations with their signing,
amendment and follow-up, the documents and the board's metrics.

Every object is fetched through the access gate (404 outside the actor's scope, 403 for a
forbidden action) and every write goes through ``services``. A write based on a stale version
answers 409 with a page saying what happened; invalid input is shown beside its fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caseway.accounts.actor import actor_for
from caseway.core import access, ui, versioning
from caseway.core.access import Action
from caseway.core.ui import may
from caseway.organizations.choices import DepartmentKind
from caseway.organizations.models import Clinician
from caseway.records.models import Condition, Patient
from caseway.records.timeline import timeline
from caseway.tumorboard import forms, services
from caseway.tumorboard import metrics as board_metrics
from caseway.tumorboard.choices import CaseStatus, MeetingStatus, Modality, ReadinessItem, Triage
from caseway.tumorboard.models import (
    Board,
    BoardCase,
    BoardMember,
    Implementation,
    Meeting,
    Participation,
    Recommendation,
)

WAITING = (CaseStatus.SUBMITTED, CaseStatus.SCHEDULED)
LANGUAGES = ("en", "ko")


def _departments(codes: Any) -> list[str]:
    labels = dict(DepartmentKind.choices)
    return [str(labels.get(code, code)) for code in codes or ()]


def _conflict(
    request: HttpRequest, title: str, message: str, back: str, back_label: str, current: Any = None
) -> HttpResponse:
    """The 409 page: someone else changed what this write was based on; nothing was saved."""
    return ui.conflict_page(
        request, title=title, message=message, back=back, back_label=back_label, current=current
    )


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    return "ko" if (get_language() or "en").startswith("ko") else "en"


def _document(
    request: HttpRequest, html: Any, pdf: Any, subject: Any, filename: str
) -> HttpResponse:
    """A document as a page or (``?format=pdf``) as a PDF, in ``?lang=`` or the page's language."""
    language = _language(request)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(pdf(subject, language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{language}.pdf"'
    else:
        response = HttpResponse(html(subject, language))
    response["Cache-Control"] = "no-store"
    return response


def _board_clinicians(actor: Any, board: Board) -> QuerySet[Clinician]:
    """Clinicians of the board's institution, from the directory the actor may see."""
    return access.scope(actor, Clinician).filter(
        institution_id=board.center.institution_id, voided=False
    )


def _planned_meetings(board: Board) -> QuerySet[Meeting]:
    """The board's meetings still open to an agenda change, soonest first."""
    return (
        Meeting.objects.filter(
            board=board,
            voided=False,
            status=MeetingStatus.PLANNED,
            starts_at__gte=timezone.now() - dt.timedelta(hours=12),
        )
        .select_related("board")
        .order_by("starts_at")
    )


def _move_form(case: BoardCase, meetings: list[Meeting], data: Any = None) -> forms.MoveForm:
    """The move form of a case: the meetings offered, and their versions as seen now."""
    seen = {m.pk: m.version for m in meetings}
    if case.meeting is not None:
        seen.setdefault(case.meeting.pk, case.meeting.version)
    return forms.MoveForm(
        data,
        auto_id=f"id_move_{case.pk}_%s",
        meetings=meetings,
        initial={"version": case.version, "meeting": case.meeting_id, "seen": seen},
    )


# --- boards -----------------------------------------------------------------------------------


@login_required
def board_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    now = timezone.now()
    boards = (
        access.scope(actor, Board)
        .filter(voided=False)
        .annotate(
            next_meeting=Min(
                "meetings__starts_at",
                filter=Q(
                    meetings__voided=False,
                    meetings__status=MeetingStatus.PLANNED,
                    meetings__starts_at__gte=now,
                ),
            ),
            waiting=Count(
                "cases",
                filter=Q(cases__voided=False, cases__status__in=WAITING),
                distinct=True,
            ),
        )
        .order_by("code")
    )
    return render(
        request,
        "tumorboard/board_list.html",
        {"boards": boards, "can_submit": may(actor, BoardCase, Action.ADD)},
    )


def _board_page(
    request: HttpRequest,
    actor: Any,
    board: Board,
    generate_form: forms.PeriodForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate()
    meetings = Meeting.objects.filter(board=board, voided=False).annotate(
        case_count=Count("cases", filter=Q(cases__voided=False))
    )
    waiting = (
        access.scope(actor, BoardCase)
        .filter(board=board, voided=False, status__in=WAITING)
        .order_by("deadline", "pk")
    )
    access.record_search(actor, BoardCase, {"board": board.code, "status": list(WAITING)})
    probe = Meeting(board=board)
    plan_period = {"from": today.isoformat(), "to": (today + dt.timedelta(days=27)).isoformat()}
    return render(
        request,
        "tumorboard/board_detail.html",
        {
            "board": board,
            "quorum": _departments(board.quorum),
            "site_quorum": [
                (prefix, _departments(codes)) for prefix, codes in (board.site_quorum or {}).items()
            ],
            "readiness": [
                (ReadinessItem(entry["item"]).label, entry.get("within_days"))
                for entry in board.readiness
            ],
            "members": board.members.filter(voided=False).select_related("clinician"),
            "upcoming": meetings.filter(starts_at__gte=now).order_by("starts_at")[:12],
            "past": meetings.filter(starts_at__lt=now).order_by("-starts_at")[:12],
            "waiting": waiting,
            "can_generate": may(actor, Meeting, Action.ADD, probe),
            "can_plan": may(actor, Meeting, Action.CHANGE, probe),
            "can_submit": may(actor, BoardCase, Action.ADD, BoardCase(board=board)),
            "generate_form": generate_form
            or forms.PeriodForm(initial={"from": today, "to": today + dt.timedelta(weeks=8)}),
            "plan_query": urlencode(plan_period),
            "metrics_query": urlencode(
                {
                    "board": board.code,
                    "from": (today - dt.timedelta(days=365)).isoformat(),
                    "to": today.isoformat(),
                }
            ),
        },
        status=status,
    )


@login_required
def board_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_for(request)
    return _board_page(request, actor, access.fetch(actor, Board, code=code))


@login_required
@require_POST
def generate_meetings(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_for(request)
    board = access.fetch(actor, Board, code=code)
    access.authorize(actor, Meeting, Action.ADD, Meeting(board=board))
    form = forms.PeriodForm(request.POST)
    if form.is_valid():
        try:
            created = services.generate_meetings(actor, board, *form.period)
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)s meetings created; meetings that existed were kept.")
                % {"count": len(created)},
            )
            return redirect("tumorboard:board_detail", board.code)
    return _board_page(request, actor, board, generate_form=form, status=422)


# --- the agenda -------------------------------------------------------------------------------


def _plan_board(request: HttpRequest, actor: Any, code: str) -> Board:
    """The board whose agenda the actor may change (the gate: its meetings' CHANGE)."""
    board = access.fetch(actor, Board, code=code)
    access.authorize(actor, Meeting, Action.CHANGE, Meeting(board=board))
    return board


@login_required
def agenda_plan(request: HttpRequest, code: str) -> HttpResponse:
    """Solve the board's agenda again for a period and show it, writing nothing."""
    actor = actor_for(request)
    board = _plan_board(request, actor, code)
    today = timezone.localdate()
    default = {"from": today.isoformat(), "to": (today + dt.timedelta(days=27)).isoformat()}
    form = forms.PeriodForm(request.GET if "from" in request.GET else default)
    plan = None
    apply_form = None
    if form.is_valid():
        plan = services.plan_agenda(board, *form.period)
        access.record_search(actor, BoardCase, {"board": board.code, "plan": True})
        start, end = form.period
        apply_form = forms.ApplyAgendaForm(
            initial={"from": start.isoformat(), "to": end.isoformat(), "seen": plan.versions}
        )
    return render(
        request,
        "tumorboard/agenda_plan.html",
        {
            "board": board,
            "form": form,
            "plan": plan,
            "agendas": _plan_agendas(plan) if plan else [],
            "apply_form": apply_form,
        },
        status=200 if form.is_valid() else 422,
    )


def _plan_agendas(plan: services.AgendaPlan) -> list[dict[str, Any]]:
    rows = []
    for meeting, placements in plan.by_meeting():
        used = sum(case.minutes for _p, case in placements)
        rows.append(
            {
                "meeting": meeting,
                "placements": placements,
                "listed": [plan.cases[pk] for pk, at in plan.listed.items() if at == meeting.pk],
                "used": used,
                "free": meeting.duration_minutes - used,
            }
        )
    return rows


@login_required
@require_POST
def agenda_apply(request: HttpRequest, code: str) -> HttpResponse:
    """Write the plan previewed, if no meeting of it changed since (else 409)."""
    actor = actor_for(request)
    board = _plan_board(request, actor, code)
    form = forms.ApplyAgendaForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The plan could not be read back; solve again."))
        return redirect("tumorboard:board_detail", board.code)
    start, end = form.period
    again = (
        reverse("tumorboard:agenda_plan", args=[board.code])
        + "?"
        + urlencode({"from": start.isoformat(), "to": end.isoformat()})
    )
    stale = _conflict(
        request,
        _("Another coordinator changed the agenda"),
        _(
            "A meeting of this period changed since you solved the agenda (a case was moved, "
            "pinned or placed, or a meeting was added). Nothing was written. Solve again to see "
            "the agenda as it is now."
        ),
        again,
        _("Solve again"),
    )
    seen = form.cleaned_data["seen"]
    plan = services.plan_agenda(board, start, end)
    if set(plan.versions) != set(seen):
        return stale
    try:
        changed = services.apply_agenda(actor, plan, seen)
    except versioning.PreconditionFailed:
        return stale
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(again)
    count = len(changed)
    messages.success(
        request,
        ngettext(
            "The agenda is set: %(count)s case changed.",
            "The agenda is set: %(count)s cases changed.",
            count,
        )
        % {"count": count},
    )
    return redirect("tumorboard:board_detail", board.code)


# --- meetings ---------------------------------------------------------------------------------


def _quorum_state(meeting: Meeting, participants: list[Participation]) -> dict[str, Any]:
    """Before the meeting: from the declared availability; once held: from attendance."""
    held = meeting.status == MeetingStatus.HELD
    present = {p.department for p in participants if (p.attended if held else p.available) is True}
    missing = sorted(set(meeting.board.quorum) - present)
    return {
        "held": held,
        "present": _departments(sorted(present)),
        "missing": _departments(missing),
        "met": meeting.quorum_met if held else not missing,
        "undeclared": sum(1 for p in participants if p.available is None),
        "departments": present,
    }


def _agenda(meeting: Meeting, cases: list[BoardCase], present: set[str]) -> list[dict[str, Any]]:
    """The agenda in order: each case's minutes, start offset, deadline and lateness (a
    standard-of-care case is listed, not discussed: it takes no time)."""
    day = meeting.starts_at.astimezone(meeting.board.zone).date()
    rows = []
    offset = 0
    for case in cases:
        icd10 = case.condition.icd10 if case.condition else ""
        missing = (meeting.board.quorum_for(icd10) | set(case.specialists)) - present
        minutes = 0 if case.triage == Triage.STANDARD_OF_CARE else case.minutes
        rows.append(
            {
                "case": case,
                "minutes": minutes,
                "offset": offset,
                "starts": meeting.starts_at + dt.timedelta(minutes=offset),
                "late": case.deadline < day,
                "guest": bool(case.guests),
                "missing": _departments(sorted(missing)),
            }
        )
        offset += minutes
    return rows


def _meeting_page(
    request: HttpRequest,
    actor: Any,
    meeting: Meeting,
    invite_form: forms.InviteGuestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    board = meeting.board
    participants = list(
        meeting.participants.select_related("clinician").order_by(
            "guest", "department", "clinician__name_en"
        )
    )
    # The order of the case list sent: cases for discussion, then standard-of-care cases.
    cases = sorted(
        access.scope(actor, BoardCase)
        .filter(meeting=meeting, voided=False)
        .exclude(status=CaseStatus.WITHDRAWN),
        key=lambda c: (c.triage == Triage.STANDARD_OF_CARE, c.position or 0, c.pk),
    )
    access.record_search(actor, BoardCase, {"meeting": meeting.pk})
    quorum = _quorum_state(meeting, participants)
    can_coordinate = may(actor, Meeting, Action.CHANGE, meeting)
    planned = meeting.status == MeetingStatus.PLANNED
    user_id = getattr(request.user, "pk", None)
    rows = _agenda(meeting, cases, quorum["departments"])
    if can_coordinate and planned:
        options = list(_planned_meetings(board))
        for row in rows:
            row["move_form"] = _move_form(row["case"], options)
    today = timezone.localdate()
    local_day = meeting.starts_at.astimezone(board.zone).date()
    return render(
        request,
        "tumorboard/meeting_detail.html",
        {
            "meeting": meeting,
            "board": board,
            "planned": planned,
            "participants": [
                {
                    "row": p,
                    "own": user_id is not None and p.clinician.user_id == user_id,
                }
                for p in participants
            ],
            "quorum": quorum,
            "agenda": rows,
            "total_minutes": sum(r["minutes"] for r in rows),
            "can_coordinate": can_coordinate,
            "invite_form": invite_form
            or (
                forms.InviteGuestForm(clinicians=_board_clinicians(actor, board))
                if can_coordinate and planned
                else None
            ),
            "plan_query": urlencode(
                {
                    "from": min(today, local_day).isoformat(),
                    "to": max(local_day, today + dt.timedelta(days=27)).isoformat(),
                }
            ),
        },
        status=status,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    return _meeting_page(request, actor, access.fetch(actor, Meeting, pk=pk))


@login_required
@require_POST
def declare_availability(request: HttpRequest, pk: int) -> HttpResponse:
    """A participant says whether they can come."""
    actor = actor_for(request)
    participation = access.fetch(actor, Participation, Action.CHANGE, pk=pk)
    meeting_url = reverse("tumorboard:meeting_detail", args=[participation.meeting_id])
    form = forms.AvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say yes or no."))
        return redirect(meeting_url)
    try:
        services.declare_availability(
            actor, participation, form.cleaned_data["version"], form.cleaned_data["available"]
        )
    except versioning.PreconditionFailed as exc:
        return _conflict(
            request,
            _("Your availability changed meanwhile"),
            _("It was changed since you opened the page. Nothing was saved; look again."),
            meeting_url,
            _("Back to the meeting"),
            exc.current,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your availability is recorded."))
    return redirect(meeting_url)


@login_required
@require_POST
def invite_guest(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    meeting = access.fetch(actor, Meeting, Action.CHANGE, pk=pk)
    form = forms.InviteGuestForm(request.POST, clinicians=_board_clinicians(actor, meeting.board))
    if form.is_valid():
        try:
            services.invite_guest(
                actor, meeting, form.cleaned_data["clinician"], form.cleaned_data["department"]
            )
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("The guest is invited."))
            return redirect("tumorboard:meeting_detail", meeting.pk)
    return _meeting_page(request, actor, meeting, invite_form=form, status=422)


@login_required
@require_POST
def publish_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the case list to the participants."""
    actor = actor_for(request)
    meeting = access.fetch(actor, Meeting, Action.CHANGE, pk=pk)
    try:
        notice = services.publish_agenda(actor, meeting)
    except versioning.PreconditionFailed as exc:
        return _conflict(
            request,
            _("Another coordinator changed the agenda"),
            _("The case list changed while it was being sent. Nothing was sent; look again."),
            reverse("tumorboard:meeting_detail", args=[meeting.pk]),
            _("Back to the meeting"),
            exc.current,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if notice is None:
            messages.info(request, _("The case list has not changed since it was sent."))
        else:
            messages.success(request, _("The case list is sent."))
    return redirect("tumorboard:meeting_detail", meeting.pk)


@login_required
def close_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """Record who came and how long it took, and close the meeting."""
    actor = actor_for(request)
    meeting = access.fetch(actor, Meeting, Action.CHANGE, pk=pk)
    participants = list(
        meeting.participants.select_related("clinician").order_by("guest", "department")
    )
    form = forms.CloseMeetingForm(
        request.POST if request.method == "POST" else None,
        participants=participants,
        initial={"version": meeting.version, "actual_minutes": meeting.duration_minutes},
    )
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.close_meeting(
                actor,
                meeting,
                form.cleaned_data["version"],
                form.attendance(),
                form.cleaned_data["actual_minutes"],
            )
        except versioning.PreconditionFailed as exc:
            return _conflict(
                request,
                _("The meeting changed meanwhile"),
                _("Its agenda or details changed since you opened the form. Nothing was saved."),
                reverse("tumorboard:close_meeting", args=[meeting.pk]),
                _("Open the form again"),
                exc.current,
            )
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            if closed.quorum_met:
                messages.success(request, _("The meeting is closed with its quorum."))
            else:
                messages.warning(
                    request,
                    _(
                        "The meeting is closed without its quorum: its recommendations are "
                        "provisional."
                    ),
                )
            return redirect("tumorboard:meeting_detail", meeting.pk)
    return render(
        request,
        "tumorboard/meeting_close.html",
        {"meeting": meeting, "board": meeting.board, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    meeting = access.fetch(actor, Meeting, pk=pk)
    access.record_search(actor, BoardCase, {"meeting": meeting.pk, "document": "minutes"})
    from caseway.tumorboard import documents

    local = meeting.starts_at.astimezone(meeting.board.zone)
    return _document(
        request,
        documents.minutes_html,
        documents.minutes_pdf,
        meeting,
        f"minutes-{meeting.board.code}-{local:%Y-%m-%d}",
    )


# --- cases ------------------------------------------------------------------------------------


def _submittable_boards(actor: Any) -> QuerySet[Board]:
    """Boards the actor may submit a case to (the gate, asked for each visible board)."""
    boards = list(access.scope(actor, Board).filter(voided=False).order_by("code"))
    allowed = [b.pk for b in boards if may(actor, BoardCase, Action.ADD, BoardCase(board=b))]
    return Board.objects.filter(pk__in=allowed).select_related("center").order_by("code")


def _case_form(actor: Any, data: Any = None, initial: Any = None) -> forms.CaseForm:
    boards = _submittable_boards(actor)
    institutions = boards.values("center__institution_id")
    return forms.CaseForm(
        data,
        initial=initial,
        boards=boards,
        patients=access.scope(actor, Patient),
        conditions=access.scope(actor, Condition),
        clinicians=access.scope(actor, Clinician)
        .filter(institution_id__in=institutions, voided=False)
        .order_by("name_en"),
    )


@login_required
def submit_case(request: HttpRequest) -> HttpResponse:
    """Submit a patient to a board. "Find" re-shows the form with the patient's conditions."""
    actor = actor_for(request)
    access.authorize(actor, BoardCase, Action.ADD)
    if request.method != "POST":
        initial: dict[str, Any] = {}
        if "board" in request.GET:
            initial["board"] = request.GET["board"]
        if "patient" in request.GET:
            patient = access.scope(actor, Patient).filter(pk=request.GET["patient"]).first()
            if patient is not None:
                initial["mrn"] = patient.mrn
        form = _case_form(actor, initial=initial)
        return render(request, "tumorboard/case_form.html", {"form": form})
    if "find" in request.POST:
        values = {
            name: request.POST.getlist(name)
            if name in ("specialists", "guests")
            else request.POST.get(name)
            for name in request.POST
            if name != "csrfmiddlewaretoken"
        }
        form = _case_form(actor, initial=values)
        if form.patient_named() is None:
            messages.error(
                request, _("No patient with this MRN at the board's center is open to you.")
            )
        return render(request, "tumorboard/case_form.html", {"form": form})
    form = _case_form(actor, request.POST)
    if form.is_valid():
        case = form.case()
        try:
            access.authorize(actor, BoardCase, Action.ADD, case)
            created = services.submit(actor, case)
        except access.Forbidden:
            form.add_error("board", _("You cannot submit cases to this board."))
        except ValidationError as exc:
            ui.show_errors(form, exc, forms.CASE_ALIASES)
        else:
            messages.success(request, _("The case is submitted."))
            return redirect("tumorboard:case_detail", created.pk)
    return render(request, "tumorboard/case_form.html", {"form": form}, status=422)


def _recommendations(actor: Any, case: BoardCase) -> tuple[list[Recommendation], Any]:
    """The case's recommendations through the gate, newest first, and the current one (the
    latest that no amendment supersedes)."""
    rows = list(
        access.scope(actor, Recommendation)
        .filter(case=case, voided=False)
        .select_related("meeting", "signed_by", "implementation")
        .order_by("-created_at", "-pk")
    )
    amended = {r.amends_id for r in rows if r.amends_id}
    return rows, next((r for r in rows if r.pk not in amended), None)


def _implementation(recommendation: Recommendation) -> Implementation | None:
    try:
        return recommendation.implementation
    except Implementation.DoesNotExist:
        return None


def _case_page(
    request: HttpRequest, actor: Any, case: BoardCase, status: int = 200, **bound: Any
) -> HttpResponse:
    """The case as presented to the board, with the forms its state allows. ``bound`` forms
    (shown again with their errors) replace the fresh ones."""
    board = case.board
    patient = access.fetch(actor, Patient, pk=case.patient_id)
    entries = timeline(patient)
    check = services.readiness_of(case)
    recommendations, current = _recommendations(actor, case)
    modalities = dict(Modality.choices)
    named = {pk for r in recommendations for pk in r.participants} | set(case.guests)
    clinicians = {c.pk: c for c in access.scope(actor, Clinician).filter(pk__in=named)}
    items = [
        {
            "rec": rec,
            "current": rec is current,
            "participants": [str(clinicians.get(pk, pk)) for pk in rec.participants],
            "surgical_departments": _departments(rec.surgical_departments),
            "steps": [
                (modalities.get(step.get("modality"), step.get("modality")), step.get("detail"))
                for step in rec.steps
            ],
            "implementation": _implementation(rec),
            "can_sign": rec.signed_at is None and may(actor, Recommendation, Action.SIGN, rec),
            "can_edit": rec.signed_at is None and may(actor, Recommendation, Action.CHANGE, rec),
        }
        for rec in recommendations
    ]
    open_case = case.status in WAITING and not case.voided
    can_change = may(actor, BoardCase, Action.CHANGE, case)
    can_coordinate = may(actor, Meeting, Action.CHANGE, Meeting(board=board))
    context: dict[str, Any] = {
        "case": case,
        "board": board,
        "patient": patient,
        "timeline": entries,
        "staging": [e for e in entries if e.model == "staging"],
        "biomarkers": [e for e in entries if e.model in ("biomarker", "variant")],
        "documents": [e for e in entries if e.model == "document"],
        "readiness": check,
        "specialists": _departments(case.specialists),
        "guests": [str(clinicians.get(pk, pk)) for pk in case.guests],
        "recommendations": items,
        "current": current,
        "can_change": can_change and open_case,
        "can_coordinate": can_coordinate,
        "can_recommend": case.status != CaseStatus.WITHDRAWN
        and not any(r.signed_at is None for r in recommendations)
        and may(actor, Recommendation, Action.ADD, Recommendation(case=case)),
        "can_rediscuss": case.status == CaseStatus.DISCUSSED
        and may(actor, BoardCase, Action.ADD, BoardCase(board=board)),
        "rediscussions": access.scope(actor, BoardCase).filter(previous=case, voided=False),
    }
    if context["can_change"]:
        context["triage_form"] = bound.get("triage_form") or forms.TriageForm(
            initial={
                "version": case.version,
                "triage": case.triage if case.triage != Triage.PENDING else Triage.FULL,
                "triage_note": case.triage_note,
            }
        )
        context["withdraw_form"] = bound.get("withdraw_form") or forms.WithdrawForm(
            initial={"version": case.version}
        )
        if can_coordinate and services.schedulable(case):
            context["move_form"] = bound.get("move_form") or _move_form(
                case, list(_planned_meetings(board))
            )
    if current is not None and current.signed_at is not None:
        context["can_amend"] = may(
            actor, Recommendation, Action.SIGN, Recommendation(case=case, meeting=current.meeting)
        )
        implementation = _implementation(current)
        if implementation is not None and may(actor, Implementation, Action.CHANGE, implementation):
            context["follow_up_form"] = bound.get("follow_up_form") or forms.FollowUpForm(
                initial={
                    "version": implementation.version,
                    "status": implementation.status,
                    "started_on": implementation.started_on,
                    "reason": implementation.reason,
                    "note": implementation.note,
                }
            )
    return render(request, "tumorboard/case_detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    return _case_page(request, actor, access.fetch(actor, BoardCase, pk=pk))


def _case_conflict(request: HttpRequest, case: BoardCase, exc: Any) -> HttpResponse:
    return _conflict(
        request,
        _("Someone else changed this case meanwhile"),
        _("The case changed since you opened the page. Nothing was saved; look again."),
        reverse("tumorboard:case_detail", args=[case.pk]),
        _("Back to the case"),
        exc.current,
    )


@login_required
@require_POST
def confirm_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a checklist item by hand (e.g. the pathology review is done)."""
    actor = actor_for(request)
    case = access.fetch(actor, BoardCase, Action.CHANGE, pk=pk)
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This board's checklist has no such item."))
        return redirect("tumorboard:case_detail", case.pk)
    try:
        services.confirm(actor, case, form.cleaned_data["version"], form.cleaned_data["item"])
    except versioning.PreconditionFailed as exc:
        return _case_conflict(request, case, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Confirmed."))
    return redirect("tumorboard:case_detail", case.pk)


@login_required
@require_POST
def triage_case(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    case = access.fetch(actor, BoardCase, Action.CHANGE, pk=pk)
    form = forms.TriageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.triage(actor, case, data["version"], data["triage"], data["triage_note"])
        except versioning.PreconditionFailed as exc:
            return _case_conflict(request, case, exc)
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("The triage is recorded."))
            return redirect("tumorboard:case_detail", case.pk)
    return _case_page(request, actor, case, status=422, triage_form=form)


@login_required
@require_POST
def withdraw_case(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    case = access.fetch(actor, BoardCase, Action.CHANGE, pk=pk)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw(
                actor, case, form.cleaned_data["version"], form.cleaned_data["reason"]
            )
        except versioning.PreconditionFailed as exc:
            return _case_conflict(request, case, exc)
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("The case is withdrawn."))
            return redirect("tumorboard:case_detail", case.pk)
    return _case_page(request, actor, case, status=422, withdraw_form=form)


@login_required
@require_POST
def move_case(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator pins a case to a meeting or takes it off the agenda. The meetings must be
    at the versions the coordinator saw; else 409 and nothing changes."""
    actor = actor_for(request)
    case = access.fetch(actor, BoardCase, Action.CHANGE, pk=pk)
    options = list(_planned_meetings(case.board))
    form = _move_form(case, options, request.POST)
    back = request.POST.get("back", "")
    meeting_back = back.isdigit() and int(back) in {m.pk for m in options}
    if form.is_valid():
        target = form.cleaned_data["meeting"]
        # The agenda is the coordinators': the gate is asked about the meetings touched.
        touched = target or case.meeting
        if touched is None:
            messages.info(request, _("The case is not on an agenda."))
            return redirect("tumorboard:case_detail", case.pk)
        access.authorize(actor, Meeting, Action.CHANGE, touched)
        try:
            services.move(
                actor, case, form.cleaned_data["version"], target, form.cleaned_data["seen"]
            )
        except services.StaleAgenda as exc:
            return _conflict(
                request,
                _("Another coordinator changed the agenda"),
                _(
                    "A meeting this move touches changed since you opened the page. Nothing "
                    "was moved; look at the agenda as it is now."
                ),
                reverse("tumorboard:meeting_detail", args=[exc.current.pk]),
                _("Open the meeting"),
                exc.current,
            )
        except versioning.PreconditionFailed as exc:
            return _case_conflict(request, case, exc)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The case is pinned to the meeting.")
                if target
                else _("The case is off the agenda."),
            )
        if meeting_back:
            return redirect("tumorboard:meeting_detail", int(back))
        return redirect("tumorboard:case_detail", case.pk)
    return _case_page(request, actor, case, status=422, move_form=form)


@login_required
def rediscuss_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The situation changed: submit the patient again, linked to this case."""
    actor = actor_for(request)
    case = access.fetch(actor, BoardCase, pk=pk)
    access.authorize(actor, BoardCase, Action.ADD, BoardCase(board=case.board))
    form = forms.RediscussForm(
        request.POST if request.method == "POST" else None,
        initial={"question": case.question, "urgency": case.urgency},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            again = services.rediscuss(
                actor, case, data["reason"], data["question"], data["deadline"], data["urgency"]
            )
        except ValidationError as exc:
            ui.show_errors(form, exc, {"rediscussion_reason": "reason"})
        else:
            messages.success(request, _("The case is submitted again."))
            return redirect("tumorboard:case_detail", again.pk)
    return render(
        request,
        "tumorboard/case_rediscuss.html",
        {"case": case, "form": form},
        status=422 if form.errors else 200,
    )


# --- recommendations --------------------------------------------------------------------------


def _decision_makers(
    actor: Any, board: Board, meeting: Meeting | None, chosen: list[int]
) -> QuerySet[Clinician]:
    """Who may be named on a recommendation: the board's members, the meeting's participants
    and whoever it already names."""
    members = BoardMember.objects.filter(board=board, voided=False).values("clinician_id")
    wanted = Q(pk__in=members) | Q(pk__in=chosen)
    if meeting is not None:
        wanted |= Q(pk__in=Participation.objects.filter(meeting=meeting).values("clinician_id"))
    return access.scope(actor, Clinician).filter(wanted).order_by("name_en")


def _attendees(meeting: Meeting | None) -> list[int]:
    """The default participants: who came, or before the meeting is closed, who said so."""
    if meeting is None:
        return []
    rows = list(meeting.participants.values_list("clinician_id", "attended", "available"))
    came = [pk for pk, attended, _available in rows if attended]
    return came or [pk for pk, attended, available in rows if attended is None and available]


def _board_meetings(board: Board) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(board=board, voided=False)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("board")
        .order_by("-starts_at")
    )


@login_required
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the board's recommendation for a case on the structured form (unsigned)."""
    actor = actor_for(request)
    case = access.fetch(actor, BoardCase, pk=pk)
    access.authorize(actor, Recommendation, Action.ADD, Recommendation(case=case))
    meeting = case.meeting
    if request.method == "POST" and request.POST.get("meeting", "").isdigit():
        meeting = _board_meetings(case.board).filter(pk=request.POST["meeting"]).first()
    form = forms.RecommendationForm(
        request.POST if request.method == "POST" else None,
        clinicians=_decision_makers(actor, case.board, meeting, []),
        meetings=_board_meetings(case.board),
        initial={
            "meeting": case.meeting_id,
            "participants": _attendees(case.meeting),
            "guideline_concordant": "yes",
        },
    )
    if request.method == "POST" and form.is_valid():
        recommendation = Recommendation(
            case=case,
            standard_of_care=case.triage == Triage.STANDARD_OF_CARE,
            **form.values(),
        )
        try:
            services.recommend(actor, recommendation)
        except ValidationError as exc:
            ui.show_errors(form, exc, forms.RECOMMENDATION_ALIASES)
        else:
            messages.success(
                request, _("The recommendation is recorded; sign it to make it final.")
            )
            return redirect("tumorboard:case_detail", case.pk)
    return render(
        request,
        "tumorboard/recommendation_form.html",
        {"case": case, "form": form, "mode": "add"},
        status=422 if form.errors else 200,
    )


@login_required
def edit_recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an unsigned recommendation (a signed one is immutable: 403, amend it)."""
    actor = actor_for(request)
    recommendation = access.fetch(actor, Recommendation, Action.CHANGE, pk=pk)
    case = recommendation.case
    initial = {
        "version": recommendation.version,
        **forms.RecommendationForm.initial_from(recommendation),
    }
    form = forms.EditRecommendationForm(
        request.POST if request.method == "POST" else None,
        clinicians=_decision_makers(
            actor, case.board, recommendation.meeting, list(recommendation.participants)
        ),
        meetings=_board_meetings(case.board),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.revise(actor, recommendation, form.cleaned_data["version"], form.values())
        except versioning.PreconditionFailed as exc:
            return _conflict(
                request,
                _("Someone else changed this recommendation meanwhile"),
                _("It changed since you opened the form (or was signed). Nothing was saved."),
                reverse("tumorboard:case_detail", args=[case.pk]),
                _("Back to the case"),
                exc.current,
            )
        except ValidationError as exc:
            ui.show_errors(form, exc, forms.RECOMMENDATION_ALIASES)
        else:
            messages.success(request, _("Saved."))
            return redirect("tumorboard:case_detail", case.pk)
    return render(
        request,
        "tumorboard/recommendation_form.html",
        {"case": case, "form": form, "mode": "edit", "original": recommendation},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def sign_recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    recommendation = access.fetch(actor, Recommendation, Action.SIGN, pk=pk)
    case_url = reverse("tumorboard:case_detail", args=[recommendation.case_id])
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open the case again and sign from there."))
        return redirect(case_url)
    try:
        services.sign(actor, recommendation, form.cleaned_data["version"])
    except versioning.PreconditionFailed as exc:
        return _conflict(
            request,
            _("Someone else changed this recommendation meanwhile"),
            _("Read it again before signing: it changed since you opened the page."),
            case_url,
            _("Back to the case"),
            exc.current,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The recommendation is signed. Corrections are now amendments.")
        )
    return redirect(case_url)


@login_required
def amend_recommendation(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a signed recommendation: a new signed one that supersedes it."""
    actor = actor_for(request)
    original = access.fetch(actor, Recommendation, pk=pk)
    case = original.case
    access.authorize(
        actor, Recommendation, Action.SIGN, Recommendation(case=case, meeting=original.meeting)
    )
    form = forms.AmendForm(
        request.POST if request.method == "POST" else None,
        clinicians=_decision_makers(
            actor, case.board, original.meeting, list(original.participants)
        ),
        initial=forms.RecommendationForm.initial_from(original),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.amend(actor, original, form.values(), form.cleaned_data["amendment_reason"])
        except ValidationError as exc:
            ui.show_errors(form, exc, forms.RECOMMENDATION_ALIASES)
        else:
            messages.success(request, _("The amendment is signed; the original is kept."))
            return redirect("tumorboard:case_detail", case.pk)
    return render(
        request,
        "tumorboard/recommendation_form.html",
        {"case": case, "form": form, "mode": "amend", "original": original},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Was the plan carried out, when, and if not, why."""
    actor = actor_for(request)
    recommendation = access.fetch(actor, Recommendation, pk=pk)
    case = access.fetch(actor, BoardCase, pk=recommendation.case_id)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.follow_up(
                actor,
                recommendation,
                data["version"],
                data["status"],
                data["started_on"],
                data["reason"],
                data["note"],
            )
        except versioning.PreconditionFailed as exc:
            return _case_conflict(request, case, exc)
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("The follow-up is recorded."))
            return redirect("tumorboard:case_detail", case.pk)
    return _case_page(request, actor, case, status=422, follow_up_form=form)


@login_required
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The recommendation letter to the referring and treating clinicians."""
    actor = actor_for(request)
    recommendation = access.fetch(actor, Recommendation, pk=pk)
    from caseway.tumorboard import documents

    return _document(
        request,
        documents.letter_html,
        documents.letter_pdf,
        recommendation,
        f"recommendation-{recommendation.pk}",
    )


@login_required
def care_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The recommendation as a FHIR R4 CarePlan."""
    from caseway.tumorboard import fhir

    actor = actor_for(request)
    recommendation = access.fetch(actor, Recommendation, pk=pk)
    response = JsonResponse(fhir.care_plan(recommendation), content_type="application/fhir+json")
    response["Cache-Control"] = "no-store"
    return response


# --- metrics ----------------------------------------------------------------------------------


@login_required
def metrics(request: HttpRequest) -> HttpResponse:
    """How a board works over a period: ``?board=<code>&from=YYYY-MM-DD&to=YYYY-MM-DD``."""
    actor = actor_for(request)
    boards = access.scope(actor, Board).filter(voided=False).order_by("code")
    today = timezone.localdate()
    data = request.GET.copy()
    if "board" in data:
        data.setdefault("from", (today - dt.timedelta(days=365)).isoformat())
        data.setdefault("to", today.isoformat())
    form = forms.MetricsForm(
        data if "board" in data else None,
        boards=boards,
        initial={"from": today - dt.timedelta(days=365), "to": today},
    )
    rows: list[tuple[str, str]] = []
    board = None
    if form.is_bound and form.is_valid():
        board = access.fetch(actor, Board, pk=form.cleaned_data["board"].pk)
        start, end = form.period
        rows = board_metrics.for_board(board, start, end).rows()
    return render(
        request,
        "tumorboard/metrics.html",
        {"form": form, "board": board, "rows": rows},
        status=422 if form.errors else 200,
    )
