"""The tumor-board demo: what a coordinator and the clinicians would find after loading it.

One small demo (the test suite's size) is loaded for the module and rolled back at the end;
each test reads it inside its own savepoint. A separate test builds the board on the bare test
world, where the departments and clinicians it needs do not exist yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from caseway.core.testing import SYSTEM
from caseway.demo.accounts import DEMO_DOMAIN
from caseway.demo.generator import DemoGenerator
from caseway.organizations.models import Clinician
from caseway.tumorboard import services, synthetic
from caseway.tumorboard.choices import (
    SURGICAL_MODALITIES,
    CaseStatus,
    ImplementationStatus,
    MeetingStatus,
    Modality,
    Triage,
)
from caseway.tumorboard.models import (
    Board,
    BoardCase,
    Implementation,
    Meeting,
    Participation,
    Recommendation,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)
GYN_CORE = {
    "obstetrics_gynecology",
    "radiation_oncology",
    "pathology_translational_genomics",
    "radiology",
    "hematology_oncology",
    "nuclear_medicine",
}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Board]:
    """The small demo, loaded once for the module; every test sees it and nothing survives."""
    with django_db_blocker.unblock(), transaction.atomic():
        DemoGenerator(today=TODAY, patients=20).run()
        yield Board.objects.get(code="smc-gcc-gyn")
        transaction.set_rollback(True)


def _local_day(meeting: Meeting) -> dt.date:
    return meeting.starts_at.astimezone(meeting.board.zone).date()


def test_the_gynecologic_board_has_its_pattern_quorum_and_checklist(demo: Board) -> None:
    assert demo.center.code == "smc-gcc"
    assert set(demo.quorum) == GYN_CORE and len(demo.quorum) == 6
    assert (demo.weekday, demo.start_time, demo.duration_minutes) == (1, dt.time(7, 30), 90)
    assert demo.mode == "in_person" and demo.location
    checklist = {entry["item"]: entry.get("within_days") for entry in demo.readiness}
    assert checklist == {
        "imaging": 56,
        "tumor_markers": 28,
        "pathology_review": None,
        "genomic_results": None,
    }
    members = list(demo.members.filter(voided=False).select_related("clinician"))
    assert {m.department for m in members} == GYN_CORE
    assert all(m.clinician.department.kind == m.department for m in members)
    assert [m.role for m in members].count("chair") == 1
    # The demo clinician account sits on the board.
    assert any(
        m.clinician.user and m.clinician.user.email == f"clinician@{DEMO_DOMAIN}" for m in members
    )


def test_past_meetings_were_held_with_attendance_and_quorum(demo: Board) -> None:
    past = Meeting.objects.filter(board=demo, starts_at__date__lt=TODAY)
    held = past.filter(status=MeetingStatus.HELD)
    assert held.count() >= synthetic.MIN_PAST_WEEKS - 1
    assert not past.filter(status=MeetingStatus.PLANNED).exists()
    assert all(_local_day(m).weekday() == 1 for m in past)
    for meeting in held:
        rows = list(meeting.participants.all())
        assert all(row.attended is not None for row in rows), meeting
        present = {row.department for row in rows if row.attended}
        assert meeting.quorum_met == (present >= GYN_CORE)
        assert meeting.actual_minutes and 15 <= meeting.actual_minutes <= 105
    # Availability was declared for some rows (most of those said yes), not for all.
    declared = Participation.objects.filter(meeting__in=held, guest=False)
    answers = list(declared.exclude(available=None).values_list("available", flat=True))
    assert answers and answers.count(True) > answers.count(False)
    assert declared.filter(available=None).exists()
    # Even a small demo has a meeting where a core department was missing.
    assert held.filter(quorum_met=False).exists()


def test_recommendations_are_structured_signed_and_followed_up(demo: Board) -> None:
    recommendations = Recommendation.objects.filter(case__board=demo, voided=False)
    assert recommendations.exists()
    assert not recommendations.filter(signed_at=None).exists()
    clinician = Clinician.objects.get(user__email=f"clinician@{DEMO_DOMAIN}")
    assert set(recommendations.values_list("signed_by", flat=True)) == {clinician.user_id}
    for rec in recommendations.select_related("meeting", "case"):
        assert rec.steps and all(Modality(step["modality"]) for step in rec.steps)
        assert rec.participants
        surgical = {step["modality"] for step in rec.steps} & SURGICAL_MODALITIES
        assert surgical or not rec.surgical_departments
        assert rec.case.status == CaseStatus.DISCUSSED
        assert rec.guideline_concordant or rec.non_concordance
        # The clock was set to the meeting: submitted before it, signed on its day.
        assert rec.case.created_at < rec.meeting.starts_at
        assert rec.signed_at.date() >= rec.meeting.starts_at.date()
        assert rec.standard_of_care == (rec.case.triage == Triage.STANDARD_OF_CARE)
    follow_ups = Implementation.objects.filter(recommendation__in=recommendations)
    assert follow_ups.count() == recommendations.count()
    for follow_up in follow_ups.exclude(status=ImplementationStatus.PENDING).select_related(
        "recommendation__meeting"
    ):
        root = follow_up.recommendation
        while root.amends is not None:  # a confirmation follows up the original meeting
            root = root.amends
        meeting_day = _local_day(root.meeting)
        if follow_up.started_on:
            assert 3 <= (follow_up.started_on - meeting_day).days <= 60
            assert follow_up.started_on <= TODAY
        else:
            assert follow_up.status == ImplementationStatus.NOT_IMPLEMENTED and follow_up.reason
    assert follow_ups.filter(status=ImplementationStatus.IMPLEMENTED).exists()
    assert follow_ups.filter(status=ImplementationStatus.PENDING).exists()


def test_provisional_decisions_are_confirmed_by_amendment(demo: Board) -> None:
    provisional = Recommendation.objects.filter(case__board=demo, provisional=True)
    assert provisional.exists()
    assert all(r.meeting.quorum_met is False for r in provisional)
    confirmed = Recommendation.objects.filter(amends__in=provisional)
    for amendment in confirmed.select_related("meeting", "amends__meeting"):
        assert not amendment.provisional and amendment.meeting.quorum_met
        assert amendment.meeting.starts_at > amendment.amends.meeting.starts_at
        assert amendment.amendment_reason.startswith("Confirmed at the meeting of")
    # Provisional decisions of the last meeting may still wait for a meeting with quorum.
    latest = Meeting.objects.filter(board=demo, status=MeetingStatus.HELD).last()
    assert confirmed.count() == provisional.exclude(meeting=latest).count()


def test_upcoming_meetings_have_availability_partly_declared(demo: Board) -> None:
    upcoming = list(Meeting.objects.filter(board=demo, starts_at__date__gt=TODAY))
    assert len(upcoming) == 4
    assert all(m.status == MeetingStatus.PLANNED for m in upcoming)
    assert all(TODAY < _local_day(m) <= TODAY + dt.timedelta(days=28) for m in upcoming)
    rows = Participation.objects.filter(meeting__in=upcoming, guest=False)
    assert rows.filter(available=True).exists() and rows.filter(available=None).exists()
    # Left for whoever signs in as the demo clinician to declare.
    assert not rows.filter(clinician__user__email=f"clinician@{DEMO_DOMAIN}").exclude(
        available=None
    )
    # The third meeting has no nuclear medicine: the agenda cannot use it for a case.
    third = upcoming[2].participants.filter(department="nuclear_medicine", guest=False)
    assert third.exists() and not third.exclude(available=False).exists()


def test_cases_wait_with_readiness_saying_what_is_missing(demo: Board) -> None:
    waiting = list(
        BoardCase.objects.filter(board=demo, status=CaseStatus.SUBMITTED, meeting=None)
        .select_related("board", "condition")
        .order_by("pk")
    )
    assert len(waiting) >= synthetic.WAITING_KINDS
    checks = {case.pk: services.readiness_of(case, TODAY) for case in waiting}
    ready = [case for case in waiting if checks[case.pk].ready]
    assert ready and len(ready) < len(waiting)
    missing = {item.item for check in checks.values() for item in check.missing}
    assert {"imaging", "tumor_markers", "pathology_review", "genomic_results"} <= missing
    assert all(item.detail for check in checks.values() for item in check.missing)
    triage = {case.triage for case in waiting}
    assert {Triage.PENDING, Triage.FULL, Triage.NOT_READY, Triage.STANDARD_OF_CARE} <= triage
    assert all(case.triage_note for case in waiting if case.triage == Triage.NOT_READY)
    first_meeting = Meeting.objects.filter(board=demo, starts_at__date__gt=TODAY).first()
    assert first_meeting is not None
    urgent = [case for case in waiting if case.urgency == "urgent"]
    assert len(urgent) == 1 and urgent[0].deadline == _local_day(first_meeting)
    # Cases for the hepatobiliary surgeon, who is invited to one upcoming meeting and comes.
    hpb = [case for case in waiting if case.specialists == [synthetic.HPB]]
    assert hpb and all(case.guests for case in hpb)
    guest = Participation.objects.get(
        meeting__board=demo, guest=True, meeting__starts_at__date__gt=TODAY
    )
    assert guest.clinician_id in hpb[0].guests and guest.available is True
    assert all(case.created_at.date() <= TODAY for case in waiting)


def test_the_agenda_solver_places_the_ready_cases(demo: Board) -> None:
    """What a coordinator does next: solve the next four weeks. Ready cases are placed (the
    hepatobiliary ones at the meeting their guest attends, none at the meeting without
    nuclear medicine); the others are left out with the reason."""
    plan = services.plan_agenda(
        demo, TODAY, TODAY + dt.timedelta(days=28), today=TODAY, time_limit=5.0
    )
    placed = {p.case_id: p.meeting_id for p in plan.schedule.placements}
    assert placed
    third = plan.meetings[2].pk
    assert third not in placed.values()
    guest_meeting = Participation.objects.get(
        meeting__board=demo, guest=True, meeting__starts_at__date__gt=TODAY
    ).meeting_id
    for case_id, meeting_id in placed.items():
        if plan.cases[case_id].specialists:
            assert meeting_id == guest_meeting
    reasons = dict((case.pk, text) for case, text in plan.left_out())
    assert any("not ready" in text for text in reasons.values())
    changed = services.apply_agenda(SYSTEM, plan)
    assert {case.pk for case in changed} == set(placed) | set(plan.listed)


def test_a_bare_center_gets_the_departments_and_clinicians_it_needs(world: Any) -> None:
    """The test world's center has one radiology clinician and one ovarian cancer patient:
    the board's other departments and members are created, and its single patient is
    discussed again and again (re-discussions) to fill the small past."""
    counts = synthetic.TumorBoardDemo(
        SYSTEM,
        {"smc-gcc": world.center_a},
        seed=7,
        today=TODAY,
        scale=0.01,
        specs=[dataclasses.replace(synthetic.BOARDS[0], code="world-gyn")],
    ).build()
    board = Board.objects.get(center=world.center_a)
    assert set(board.quorum) == GYN_CORE
    kinds = set(world.institution_a.departments.values_list("kind", flat=True))
    assert kinds >= GYN_CORE
    created = Clinician.objects.filter(institution=world.institution_a).exclude(
        pk=world.clinician_a.pk
    )
    assert created.exists() and all(c.name_ko and c.name_en for c in created)
    assert counts.boards == 1 and counts.held >= synthetic.MIN_PAST_WEEKS - 1
    assert counts.recommendations >= counts.held
    cases = BoardCase.objects.filter(board=board, patient=world.patient_a)
    assert cases.filter(previous__isnull=False).exists()
    assert (
        counts.waiting == BoardCase.objects.filter(board=board, status=CaseStatus.SUBMITTED).count()
    )
    assert counts.as_report()["tumor boards"] == 1
