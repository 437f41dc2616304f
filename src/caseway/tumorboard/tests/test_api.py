"""The tumor board API: submission, readiness, the agenda under concurrency (412), signing,
case lists by e-mail, metrics; out-of-scope objects answer 404, forbidden actions 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from caseway.core import versioning
from caseway.core.testing import SYSTEM, signed_in
from caseway.tumorboard import services
from caseway.tumorboard.models import BoardCase, Meeting, Participation, Recommendation
from caseway.tumorboard.tests.factories import HPB, gyn_board, ready_evidence, submit

pytestmark = pytest.mark.django_db
API = "/api/tumorboard"


@pytest.fixture
def gyn(world: Any) -> Any:
    gyn = gyn_board(world)
    today = dt.date.today()
    gyn.meetings = services.generate_meetings(
        SYSTEM, gyn.board, today + dt.timedelta(days=3), today + dt.timedelta(days=31)
    )
    for p in Participation.objects.filter(meeting__in=gyn.meetings):
        versioning.update(SYSTEM, p, p.version, {"available": True})
    ready_evidence(world.patient_a, today)
    return gyn


def _json(response: Any, status: int) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def test_submit_refuses_bad_input_and_saves_nothing(world: Any, gyn: Any) -> None:
    client = signed_in(world.clinician_user_a)
    base = {
        "board": gyn.board.pk,
        "patient": world.patient_a.pk,
        "condition": world.condition_a.pk,
        "question": "Primary cytoreduction?",
        "deadline": "2026-12-30",
    }
    missing = _json(client.post(f"{API}/cases/", {**base, "question": ""}, "application/json"), 422)
    assert missing["errors"][0]["field"].endswith("question")
    other = {**base, "patient": world.patient_b.pk}
    assert client.post(f"{API}/cases/", other, "application/json").status_code == 422
    assert not BoardCase.objects.exists()
    created = _json(client.post(f"{API}/cases/", base, "application/json"), 201)
    assert created["status"] == "submitted" and created["triage"] == "pending"


def test_case_out_of_scope_is_not_found(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board)
    outsider = signed_in(world.coordinator_b)
    assert outsider.get(f"{API}/cases/{case.pk}").status_code == 404
    assert outsider.get(f"{API}/cases/{case.pk}/readiness").status_code == 404
    listed = _json(outsider.get(f"{API}/cases/"), 200)
    assert listed["items"] == []


def test_readiness_says_what_is_missing(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board, confirmed={})
    client = signed_in(world.coordinator_a)
    body = _json(client.get(f"{API}/cases/{case.pk}/readiness"), 200)
    assert body["ready"] is False
    assert [i["item"] for i in body["items"] if not i["met"]] == ["pathology_review"]
    confirmed = client.post(
        f"{API}/cases/{case.pk}/confirm",
        {"item": "pathology_review"},
        "application/json",
        headers={"If-Match": case.etag},
    )
    _json(confirmed, 200)
    assert _json(client.get(f"{API}/cases/{case.pk}/readiness"), 200)["ready"] is True


def test_agenda_plan_apply_and_a_stale_apply(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board)
    urgent = submit(world, gyn.board, urgency="urgent", specialists=[HPB])
    client = signed_in(world.coordinator_a)
    start, end = gyn.meetings[0].starts_at.date(), gyn.meetings[-1].starts_at.date()
    plan = _json(
        client.get(f"{API}/boards/{gyn.board.pk}/agenda", {"start": start, "end": end}), 200
    )
    assert {p["case"] for p in plan["placements"]} == {case.pk}
    assert plan["left_out"] == [
        {"case": urgent.pk, "reason": services.left_out_text("specialist_unavailable")}
    ]
    seen = plan["meeting_versions"]
    body = {"from": str(start), "to": str(end), "meeting_versions": seen}
    _json(client.post(f"{API}/boards/{gyn.board.pk}/agenda", body, "application/json"), 200)
    case.refresh_from_db()
    assert case.meeting_id == plan["placements"][0]["meeting"]
    # A second coordinator applying on the versions read before: refused, nothing changed.
    stale = client.post(f"{API}/boards/{gyn.board.pk}/agenda", body, "application/json")
    assert stale.status_code == 412
    # Clinicians see the agenda but do not set it.
    clinician = signed_in(world.clinician_user_a)
    forbidden = clinician.get(f"{API}/boards/{gyn.board.pk}/agenda", {"start": start, "end": end})
    assert forbidden.status_code == 403


def test_move_with_stale_meeting_versions_is_refused(world: Any, gyn: Any) -> None:
    first, second = submit(world, gyn.board), submit(world, gyn.board, question="Fertility?")
    client = signed_in(world.coordinator_a)
    target = gyn.meetings[1]
    seen = {str(target.pk): target.version}
    moved = client.post(
        f"{API}/cases/{first.pk}/move",
        {"meeting": target.pk, "meeting_versions": seen},
        "application/json",
        headers={"If-Match": first.etag},
    )
    assert _json(moved, 200)["pinned"] is True
    stale = client.post(
        f"{API}/cases/{second.pk}/move",
        {"meeting": target.pk, "meeting_versions": seen},
        "application/json",
        headers={"If-Match": second.etag},
    )
    assert stale.status_code == 412
    assert stale["ETag"] == f'W/"{target.version + 1}"'
    second.refresh_from_db()
    assert second.meeting_id is None


def test_recommendation_signed_by_a_clinician_only_and_then_immutable(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board)
    meeting = gyn.meetings[0]
    body = {
        "case": case.pk,
        "meeting": meeting.pk,
        "intent": "curative",
        "steps": [
            {"modality": "primary_cytoreduction", "detail": "with diaphragm peritonectomy"},
            {"modality": "adjuvant_chemotherapy", "detail": "carboplatin-paclitaxel x6"},
            {"modality": "maintenance", "detail": "olaparib if BRCA-mutated"},
        ],
        "surgical_departments": [HPB],
        "participants": [c.pk for c in gyn.clinicians.values()],
        "guideline_concordant": True,
    }
    coordinator, clinician = signed_in(world.coordinator_a), signed_in(world.clinician_user_a)
    made = _json(coordinator.post(f"{API}/recommendations/", body, "application/json"), 201)
    assert [s["modality"] for s in made["steps"]] == [
        "primary_cytoreduction",
        "adjuvant_chemotherapy",
        "maintenance",
    ]
    url = f"{API}/recommendations/{made['id']}"
    assert coordinator.post(f"{url}/sign", headers={"If-Match": 'W/"1"'}).status_code == 403
    signed = _json(clinician.post(f"{url}/sign", headers={"If-Match": 'W/"1"'}), 200)
    assert signed["signed_at"]
    void = clinician.post(
        f"{url}/void", {"reason": "x"}, "application/json", headers={"If-Match": "*"}
    )
    assert void.status_code == 403
    bad = clinician.post(
        f"{url}/amend", {"reason": "typo", "changes": {"case": 3}}, "application/json"
    )
    assert bad.status_code == 422
    amended = clinician.post(
        f"{url}/amend",
        {"reason": "Liver metastasis on PET", "changes": {"intent": "palliative"}},
        "application/json",
    )
    assert _json(amended, 201)["amends"] == made["id"]
    assert Recommendation.objects.get(pk=made["id"]).intent == "curative"


def test_case_list_goes_out_and_changes_are_announced(world: Any, gyn: Any) -> None:
    meeting = gyn.meetings[0]
    first = submit(world, gyn.board)
    services.move(SYSTEM, first, first.version, meeting, {meeting.pk: meeting.version})
    client = signed_in(world.coordinator_a)
    sent = _json(client.post(f"{API}/meetings/{meeting.pk}/case-list"), 200)
    assert sent["revision"] == 1 and sent["recipients"] == 6
    assert len(mail.outbox) == 6
    assert world.patient_a.mrn in mail.outbox[0].body
    assert world.patient_a.name_original not in mail.outbox[0].body  # no names by e-mail
    assert client.post(f"{API}/meetings/{meeting.pk}/case-list").status_code == 204
    second = submit(world, gyn.board, question="Second opinion on recurrence")
    meeting.refresh_from_db()
    services.move(SYSTEM, second, second.version, meeting, {meeting.pk: meeting.version})
    changed = _json(client.post(f"{API}/meetings/{meeting.pk}/case-list"), 200)
    assert changed["revision"] == 2 and changed["changes"]["added"] == [second.pk]
    # Each recipient reads it in their language (Korean when they have no account setting).
    announced = [m.subject for m in mail.outbox[6:]]
    assert len(announced) == 6
    assert all("revision 2" in s or "2차 개정" in s for s in announced)


def test_notify_sends_lists_due_within_a_day(world: Any, gyn: Any) -> None:
    meeting = gyn.meetings[0]
    case = submit(world, gyn.board)
    services.move(SYSTEM, case, case.version, meeting, {meeting.pk: meeting.version})
    early = meeting.starts_at - dt.timedelta(days=3)
    assert services.send_due_agendas(SYSTEM, early) == []
    due = meeting.starts_at - dt.timedelta(hours=40)
    notices = services.send_due_agendas(SYSTEM, due)
    assert [n.meeting_id for n in notices] == [meeting.pk]
    assert notices[0].late is False
    assert Meeting.objects.get(pk=meeting.pk).agenda_sent_at == due


def test_metrics_endpoint(world: Any, gyn: Any) -> None:
    client = signed_in(world.coordinator_a)
    today = dt.date.today()
    body = _json(
        client.get(
            f"{API}/boards/{gyn.board.pk}/metrics",
            {"start": today - dt.timedelta(days=365), "end": today},
        ),
        200,
    )
    assert body["cases_discussed"] == 0 and body["quorum_rate"] is None
    assert (
        signed_in(world.coordinator_b)
        .get(f"{API}/boards/{gyn.board.pk}/metrics", {"start": today, "end": today})
        .status_code
        == 404
    )
