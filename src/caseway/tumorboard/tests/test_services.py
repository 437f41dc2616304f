"""The tumor board's services: meetings from the pattern, readiness, triage, the agenda under
concurrency, quorum, recommendations (sign, amend) and follow-up."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from caseway.core import versioning
from caseway.core.testing import SYSTEM
from caseway.tumorboard import services
from caseway.tumorboard.models import Meeting, Participation, Recommendation
from caseway.tumorboard.tests.factories import HPB, gyn_board, ready_evidence, submit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def gyn(world: Any) -> Any:
    return gyn_board(world)


def test_meetings_follow_the_pattern_in_local_time(gyn: Any) -> None:
    meetings = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    )
    local = [m.starts_at.astimezone(gyn.board.zone) for m in meetings]
    assert [t.day for t in local] == [1, 8, 15, 22, 29]
    assert all((t.weekday(), t.hour, t.minute) == (1, 7, 30) for t in local)
    assert all(m.participants.count() == 6 for m in meetings)
    again = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    )
    assert again == []


def test_every_other_week(gyn: Any) -> None:
    gyn.board.interval_weeks = 2
    times = services.occurrences(gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert len(times) in (2, 3)
    gaps = {(b - a).days for a, b in itertools.pairwise(times)}
    assert gaps == {14}


def test_readiness_names_what_is_missing(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board, confirmed={})
    check = services.readiness_of(case, TODAY)
    assert not check.ready
    assert {i.item for i in check.missing} == {"imaging", "tumor_markers", "pathology_review"}
    ready_evidence(world.patient_a, TODAY - dt.timedelta(days=40))
    check = services.readiness_of(case, TODAY)
    # CT within 8 weeks is fine; a CA-125 of 40 days ago is older than 4 weeks.
    assert {i.item for i in check.missing} == {"tumor_markers", "pathology_review"}
    case = services.confirm(SYSTEM, case, case.version, "pathology_review")
    assert "pathology_review" not in {i.item for i in services.readiness_of(case, TODAY).missing}


def _december(gyn: Any) -> list[Meeting]:
    meetings = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    )
    for p in Participation.objects.filter(meeting__in=meetings):
        versioning.update(SYSTEM, p, p.version, {"available": True})
    return meetings


def test_agenda_places_ready_cases_and_says_why_others_wait(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    ready_evidence(world.patient_a, TODAY)
    ready = submit(world, gyn.board)
    waiting = submit(world, gyn.board, confirmed={}, question="Second look?")
    plan = services.plan_agenda(gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31), today=TODAY)
    placed = {p.case_id: p.meeting_id for p in plan.schedule.placements}
    assert placed == {ready.pk: meetings[0].pk}
    reasons = dict((c.pk, text) for c, text in plan.left_out())
    assert "Pathology review" in reasons[waiting.pk]
    services.apply_agenda(SYSTEM, plan)
    ready.refresh_from_db()
    assert (ready.meeting_id, ready.position, ready.status) == (meetings[0].pk, 1, "scheduled")


def test_specialist_case_waits_for_the_meeting_with_the_surgeon(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    ready_evidence(world.patient_a, TODAY)
    case = submit(world, gyn.board, specialists=[HPB])
    services.invite_guest(SYSTEM, meetings[2], gyn.clinicians[HPB], HPB)
    guest = Participation.objects.get(meeting=meetings[2], guest=True)
    versioning.update(SYSTEM, guest, guest.version, {"available": True})
    plan = services.plan_agenda(gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31), today=TODAY)
    assert [(p.case_id, p.meeting_id) for p in plan.schedule.placements] == [
        (case.pk, meetings[2].pk)
    ]


def test_two_coordinators_lose_no_update(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    ready_evidence(world.patient_a, TODAY)
    first = submit(world, gyn.board)
    second = submit(world, gyn.board, question="Fertility-sparing surgery?")
    seen = {m.pk: m.version for m in meetings}
    services.move(SYSTEM, first, first.version, meetings[1], seen)
    # The second coordinator still looks at the agenda as it was: refused, nothing written.
    with pytest.raises(versioning.PreconditionFailed):
        services.move(SYSTEM, second, second.version, meetings[1], seen)
    second.refresh_from_db()
    assert second.meeting_id is None
    fresh = {m.pk: m.version for m in Meeting.objects.filter(pk__in=seen)}
    services.move(SYSTEM, second, second.version, meetings[1], fresh)
    assert set(meetings[1].cases.values_list("pk", flat=True)) == {first.pk, second.pk}
    # A solve planned before the moves is stale too.
    plan = services.plan_agenda(gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31), today=TODAY)
    with pytest.raises(versioning.PreconditionFailed):
        services.apply_agenda(SYSTEM, plan, seen)


def _recommendation(
    case: Any, meeting: Any, clinicians: dict[str, Any], **fields: Any
) -> Recommendation:
    values: dict[str, Any] = {
        "case": case,
        "meeting": meeting,
        "intent": "curative",
        "steps": [
            {"modality": "neoadjuvant_chemotherapy", "detail": "carboplatin-paclitaxel x3"},
            {"modality": "interval_cytoreduction", "detail": ""},
        ],
        "surgical_plan": "Interval cytoreduction with diaphragm peritonectomy",
        "surgical_departments": [HPB],
        "participants": [c.pk for c in clinicians.values()],
        "guideline_concordant": True,
    }
    values.update(fields)
    return Recommendation(**values)


def test_meeting_without_quorum_makes_provisional_recommendations(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    case = submit(world, gyn.board)
    rows = list(meetings[0].participants.all())
    attended = {p.pk: p.department != "nuclear_medicine" for p in rows}
    closed = services.close_meeting(SYSTEM, meetings[0], meetings[0].version, attended, 75)
    assert closed.quorum_met is False
    rec = services.recommend(SYSTEM, _recommendation(case, closed, gyn.clinicians))
    assert rec.provisional


def test_signed_recommendation_is_immutable_and_amended(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    case = submit(world, gyn.board)
    rec = services.recommend(SYSTEM, _recommendation(case, meetings[0], gyn.clinicians))
    case.refresh_from_db()
    assert case.status == "discussed"
    signed = services.sign(SYSTEM, rec, rec.version)
    assert signed.signed_at is not None
    assert signed.implementation.status == "pending"
    amended = services.amend(SYSTEM, signed, {"intent": "palliative"}, "Liver metastases found")
    assert services.current_recommendation(case) == amended
    signed.refresh_from_db()
    assert signed.intent == "curative"
    with pytest.raises(ValidationError):
        services.amend(SYSTEM, signed, {"intent": "curative"}, "again")


def test_incomplete_recommendation_is_refused_whole(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    case = submit(world, gyn.board)
    bad = _recommendation(case, meetings[0], gyn.clinicians, steps=[], guideline_concordant=False)
    with pytest.raises(ValidationError) as caught:
        services.recommend(SYSTEM, bad)
    assert {"steps", "non_concordance"} <= set(caught.value.message_dict)
    assert not Recommendation.objects.exists()
    case.refresh_from_db()
    assert case.status == "submitted"


def test_follow_up_needs_a_reason_when_not_carried_out(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    case = submit(world, gyn.board)
    rec = services.sign(
        SYSTEM,
        (r := services.recommend(SYSTEM, _recommendation(case, meetings[0], gyn.clinicians))),
        r.version,
    )
    implementation = rec.implementation
    with pytest.raises(ValidationError):
        services.follow_up(SYSTEM, rec, implementation.version, "not_implemented", None)
    done = services.follow_up(
        SYSTEM, rec, implementation.version, "not_implemented", None, "patient_declined"
    )
    assert done.reason == "patient_declined"


def test_signing_feeds_the_registry_mdt_field(world: Any, gyn: Any) -> None:
    from caseway.registry.models import Surgery
    from caseway.registry.tests.factories import cytoreduction

    november = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 11, 1), dt.date(2026, 11, 7)
    )
    operated = {"mdt_discussed": None, "adjuvant_chemo_start": None}
    after = cytoreduction(world.patient_a, date=dt.date(2026, 11, 20), **operated)
    before = cytoreduction(world.patient_a, date=dt.date(2026, 10, 30), **operated)
    case = submit(world, gyn.board)
    rec = services.recommend(SYSTEM, _recommendation(case, november[0], gyn.clinicians))
    services.sign(SYSTEM, rec, rec.version)
    assert Surgery.objects.get(pk=after.pk).mdt_discussed is True
    assert Surgery.objects.get(pk=before.pk).mdt_discussed is None  # operated before the board


def test_standard_of_care_cases_are_listed_not_discussed(world: Any, gyn: Any) -> None:
    meetings = _december(gyn)
    ready_evidence(world.patient_a, TODAY)
    routine = submit(world, gyn.board, triage="standard_of_care", question="Adjuvant as usual?")
    plan = services.plan_agenda(gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 31), today=TODAY)
    assert plan.schedule.placements == [] and plan.left_out() == []
    assert plan.listed == {routine.pk: meetings[0].pk}
    services.apply_agenda(SYSTEM, plan)
    assert services.agenda_cases(meetings[0]) == [routine]
    recorded = services.recommend(
        SYSTEM,
        _recommendation(
            routine,
            None,
            gyn.clinicians,
            standard_of_care=True,
            surgical_departments=[],
            steps=[{"modality": "adjuvant_chemotherapy", "detail": "x6"}],
        ),
    )
    assert recorded.standard_of_care and not recorded.provisional
