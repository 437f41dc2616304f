"""The tumor board pages: scope by center, submission, the case page (readiness, triage, the
recommendation and its signing, amendment and follow-up), the meeting page (availability,
moves under concurrency), the agenda preview and apply, metrics, and pinned query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from caseway.core import versioning
from caseway.core.testing import SYSTEM, assert_well_nested, signed_in
from caseway.tumorboard import services
from caseway.tumorboard.models import (
    Board,
    BoardCase,
    Implementation,
    Meeting,
    Participation,
    Recommendation,
)
from caseway.tumorboard.tests.factories import HPB, gyn_board, ready_evidence, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def gyn(world: Any) -> Any:
    return gyn_board(world)


def _today() -> dt.date:
    return timezone.localdate()


def _meetings(gyn: Any, weeks: int = 4, available: bool = True) -> list[Meeting]:
    """The board's meetings of the coming weeks, everyone available unless told otherwise."""
    start = _today() + dt.timedelta(days=1)
    meetings = services.generate_meetings(
        SYSTEM, gyn.board, start, start + dt.timedelta(weeks=weeks)
    )
    if available:
        for p in Participation.objects.filter(meeting__in=meetings):
            versioning.update(SYSTEM, p, p.version, {"available": True})
    return list(Meeting.objects.filter(pk__in=[m.pk for m in meetings]).order_by("starts_at"))


def _seen(meetings: list[Meeting]) -> list[str]:
    return [f"{m.pk}:{m.version}" for m in Meeting.objects.filter(pk__in=[m.pk for m in meetings])]


def _board_b(world: Any) -> Board:
    return services.create_board(
        SYSTEM,
        Board(
            center=world.center_b,
            code="busan-gyn",
            name_en="Busan Gynecologic Board",
            name_ko="부산 부인암",
            tumor_sites=["C56"],
            quorum=["radiology"],
            weekday=2,
            start_time=dt.time(8, 0),
            duration_minutes=60,
            mode="video",
            video_url="https://video.example/busan",
        ),
    )


def _recommendation(case: BoardCase, meeting: Meeting, gyn: Any) -> Recommendation:
    return services.recommend(
        SYSTEM,
        Recommendation(
            case=case,
            meeting=meeting,
            intent="curative",
            steps=[{"modality": "neoadjuvant_chemotherapy", "detail": "x3"}],
            participants=[c.pk for c in gyn.clinicians.values()],
            guideline_concordant=True,
        ),
    )


def _signed(case: BoardCase, meeting: Meeting, gyn: Any) -> Recommendation:
    rec = _recommendation(case, meeting, gyn)
    return services.sign(SYSTEM, rec, rec.version)


# --- scope ------------------------------------------------------------------------------------


def test_boards_are_listed_only_for_the_actors_centers(world: Any, gyn: Any) -> None:
    other = _board_b(world)
    listed_a = signed_in(world.coordinator_a).get(reverse("tumorboard:board_list"))
    assert listed_a.status_code == 200
    assert [b.code for b in listed_a.context["boards"]] == ["gyn-board"]
    listed_b = signed_in(world.coordinator_b).get(reverse("tumorboard:board_list"))
    assert [b.code for b in listed_b.context["boards"]] == [other.code]
    assert signed_in(world.nobody).get(reverse("tumorboard:board_list")).status_code == 403


def test_another_centers_board_meeting_and_case_are_not_found(world: Any, gyn: Any) -> None:
    meeting = _meetings(gyn, weeks=1)[0]
    case = submit(world, gyn.board)
    client = signed_in(world.coordinator_b)
    for url in (
        reverse("tumorboard:board_detail", args=[gyn.board.code]),
        reverse("tumorboard:meeting_detail", args=[meeting.pk]),
        reverse("tumorboard:case_detail", args=[case.pk]),
        reverse("tumorboard:agenda_plan", args=[gyn.board.code]),
    ):
        assert client.get(url).status_code == 404, url
    moved = client.post(
        reverse("tumorboard:case_move", args=[case.pk]),
        {"version": case.version, "meeting": meeting.pk, "seen": _seen([meeting])},
    )
    assert moved.status_code == 404
    own = signed_in(world.coordinator_a)
    assert own.get(reverse("tumorboard:board_detail", args=[gyn.board.code])).status_code == 200


# --- submission -------------------------------------------------------------------------------


def test_incomplete_submission_is_refused_beside_its_fields(world: Any, gyn: Any) -> None:
    client = signed_in(world.clinician_user_a)
    url = reverse("tumorboard:case_add")
    assert client.get(url, {"board": gyn.board.code}).status_code == 200
    response = client.post(
        url, {"board": gyn.board.code, "mrn": "MRN-b", "question": " ", "urgency": "routine"}
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert {"mrn", "question", "deadline"} <= set(errors)
    assert_well_nested(response.content.decode())  # each error list beside its field
    assert "No patient with this MRN" in errors["mrn"][0]  # patient B is another center's
    assert not BoardCase.objects.exists()

    found = client.post(url, {"board": gyn.board.code, "mrn": "MRN-a", "find": "1"})
    assert found.status_code == 200
    assert list(found.context["form"].fields["condition"].queryset) == [world.condition_a]

    hpb = gyn.clinicians["hepatobiliary_pancreatic_surgery"]
    done = client.post(
        url,
        {
            "board": gyn.board.code,
            "mrn": "MRN-a",
            "condition": world.condition_a.pk,
            "question": "Primary cytoreduction?",
            "urgency": "soon",
            "deadline": (_today() + dt.timedelta(days=21)).isoformat(),
            "complexity": "complex",
            "specialists": ["hepatobiliary_pancreatic_surgery"],
            "guests": [hpb.pk],
        },
    )
    assert done.status_code == 302
    case = BoardCase.objects.get()
    assert done["Location"] == reverse("tumorboard:case_detail", args=[case.pk])
    assert (case.patient, case.condition, case.urgency) == (
        world.patient_a,
        world.condition_a,
        "soon",
    )
    assert case.specialists == ["hepatobiliary_pancreatic_surgery"] and case.guests == [hpb.pk]


# --- the case page ----------------------------------------------------------------------------


def test_case_page_names_what_is_missing_and_confirms_by_hand(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board, confirmed={})
    ready_evidence(world.patient_a, _today())
    client = signed_in(world.clinician_user_a)
    url = reverse("tumorboard:case_detail", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert [i.item for i in page.context["readiness"].missing] == ["pathology_review"]
    html = page.content.decode()
    assert 'data-testid="missing-pathology_review"' in html
    assert 'data-testid="missing-imaging"' not in html
    assert "CT abdomen-pelvis report" in html  # the documents of the presentation
    confirmed = client.post(
        reverse("tumorboard:case_confirm", args=[case.pk]),
        {"version": case.version, "item": "pathology_review"},
    )
    assert confirmed.status_code == 302
    case.refresh_from_db()
    assert "pathology_review" in case.confirmed
    assert client.get(url).context["readiness"].ready


def test_triage_not_ready_needs_a_note(world: Any, gyn: Any) -> None:
    case = submit(world, gyn.board, triage="pending")
    client = signed_in(world.clinician_user_a)
    url = reverse("tumorboard:case_triage", args=[case.pk])
    refused = client.post(url, {"version": case.version, "triage": "not_ready", "triage_note": ""})
    assert refused.status_code == 422
    assert "Say what is missing." in refused.context["triage_form"].errors["triage_note"]
    case.refresh_from_db()
    assert case.triage == "pending"
    done = client.post(
        url, {"version": case.version, "triage": "not_ready", "triage_note": "PET-CT pending"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.triage, case.triage_note) == ("not_ready", "PET-CT pending")
    stale = client.post(url, {"version": 1, "triage": "full", "triage_note": ""})
    assert stale.status_code == 409


# --- the meeting page -------------------------------------------------------------------------


def test_a_clinician_declares_their_own_availability(world: Any, gyn: Any) -> None:
    radiologist = gyn.clinicians["radiology"]
    versioning.update(SYSTEM, radiologist, radiologist.version, {"user": world.clinician_user_a})
    meeting = _meetings(gyn, weeks=1, available=False)[0]
    client = signed_in(world.clinician_user_a)
    page = client.get(reverse("tumorboard:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200
    own = [p for p in page.context["participants"] if p["own"]]
    assert [p["row"].clinician_id for p in own] == [radiologist.pk]
    assert page.content.decode().count('data-testid="availability"') == 1
    mine = Participation.objects.get(meeting=meeting, clinician=radiologist)
    url = reverse("tumorboard:declare_availability", args=[mine.pk])
    assert client.post(url, {"version": mine.version, "available": "no"}).status_code == 302
    mine.refresh_from_db()
    assert mine.available is False
    someone = Participation.objects.exclude(pk=mine.pk).filter(meeting=meeting).first()
    assert someone is not None
    forbidden = client.post(
        reverse("tumorboard:declare_availability", args=[someone.pk]),
        {"version": someone.version, "available": "yes"},
    )
    assert forbidden.status_code == 403
    someone.refresh_from_db()
    assert someone.available is None


def test_coordinator_moves_a_case_and_a_stale_agenda_is_refused(world: Any, gyn: Any) -> None:
    meetings = _meetings(gyn, weeks=2)
    first = submit(world, gyn.board)
    second = submit(world, gyn.board, question="Fertility-sparing surgery?")
    seen = _seen(meetings)
    client = signed_in(world.coordinator_a)
    moved = client.post(
        reverse("tumorboard:case_move", args=[first.pk]),
        {"version": first.version, "meeting": meetings[1].pk, "seen": seen},
    )
    assert moved.status_code == 302
    first.refresh_from_db()
    assert (first.meeting_id, first.pinned, first.status) == (meetings[1].pk, True, "scheduled")
    # The same page, seen before the first move: refused whole.
    stale = client.post(
        reverse("tumorboard:case_move", args=[second.pk]),
        {"version": second.version, "meeting": meetings[1].pk, "seen": seen},
    )
    assert stale.status_code == 409
    assert "Another coordinator changed the agenda" in stale.content.decode()
    second.refresh_from_db()
    assert second.meeting_id is None and second.version == 1
    # A clinician may change the case, but the agenda is the coordinators'.
    clinician = signed_in(world.clinician_user_a)
    refused = clinician.post(
        reverse("tumorboard:case_move", args=[second.pk]),
        {"version": second.version, "meeting": meetings[0].pk, "seen": _seen(meetings)},
    )
    assert refused.status_code == 403
    # Off the agenda again, from the meeting page's form.
    page = client.get(reverse("tumorboard:meeting_detail", args=[meetings[1].pk]))
    assert [row["case"].pk for row in page.context["agenda"]] == [first.pk]
    form = page.context["agenda"][0]["move_form"]
    off = client.post(
        reverse("tumorboard:case_move", args=[first.pk]),
        {
            "version": form.initial["version"],
            "meeting": "",
            "seen": form.fields["seen"].prepare_value(form.initial["seen"]),
            "back": meetings[1].pk,
        },
    )
    assert off["Location"] == reverse("tumorboard:meeting_detail", args=[meetings[1].pk])
    first.refresh_from_db()
    assert first.meeting_id is None and not first.pinned


def test_plan_preview_says_why_cases_wait_and_apply_places_the_rest(world: Any, gyn: Any) -> None:
    meetings = _meetings(gyn, weeks=3)
    ready_evidence(world.patient_a, _today())
    ready = submit(world, gyn.board)
    waiting = submit(world, gyn.board, confirmed={}, question="Second look?")
    client = signed_in(world.coordinator_a)
    period = {
        "from": (_today() + dt.timedelta(days=1)).isoformat(),
        "to": (_today() + dt.timedelta(weeks=3, days=1)).isoformat(),
    }
    preview = client.get(reverse("tumorboard:agenda_plan", args=[gyn.board.code]), period)
    assert preview.status_code == 200
    reasons = {case.pk: text for case, text in preview.context["plan"].left_out()}
    assert "Pathology review" in reasons[waiting.pk]
    assert "Pathology review" in preview.content.decode()
    assert BoardCase.objects.get(pk=ready.pk).meeting_id is None  # a preview writes nothing
    apply_form = preview.context["apply_form"]
    payload = {
        **period,
        "seen": apply_form.fields["seen"].prepare_value(apply_form.initial["seen"]),
    }
    apply_url = reverse("tumorboard:agenda_apply", args=[gyn.board.code])
    assert client.post(apply_url, payload).status_code == 302
    ready.refresh_from_db()
    assert (ready.meeting_id, ready.position, ready.status) == (meetings[0].pk, 1, "scheduled")
    # Applying the same preview again: the meetings moved on, so it is refused.
    again = client.post(apply_url, payload)
    assert again.status_code == 409
    assert reverse("tumorboard:agenda_plan", args=[gyn.board.code]) in again.content.decode()
    # Clinicians submit cases but do not solve agendas.
    clinician = signed_in(world.clinician_user_a)
    assert (
        clinician.get(reverse("tumorboard:agenda_plan", args=[gyn.board.code]), period).status_code
        == 403
    )


# --- recommendations --------------------------------------------------------------------------


def test_recommendation_steps_are_stored_in_the_order_given(world: Any, gyn: Any) -> None:
    meeting = _meetings(gyn, weeks=1)[0]
    case = submit(world, gyn.board)
    services.move(SYSTEM, case, case.version, meeting, {meeting.pk: meeting.version})
    client = signed_in(world.clinician_user_a)
    url = reverse("tumorboard:case_recommend", args=[case.pk])
    form = client.get(url).context["form"]
    assert set(form.initial["participants"]) == _members(gyn)  # those who said they come
    data = {
        "meeting": meeting.pk,
        "intent": "curative",
        "step_1_modality": "neoadjuvant_chemotherapy",
        "step_1_detail": "carboplatin-paclitaxel x3",
        "step_2_modality": "",
        "step_2_detail": "",
        "step_3_modality": "interval_cytoreduction",
        "step_3_detail": "",
        "step_4_modality": "maintenance",
        "step_4_detail": "olaparib",
        "surgical_departments": ["hepatobiliary_pancreatic_surgery"],
        "participants": sorted(_members(gyn)),
        "guideline_concordant": "yes",
    }
    refused = client.post(url, {**data, "step_2_detail": "without a modality"})
    assert refused.status_code == 422
    assert "step_2_modality" in refused.context["form"].errors
    assert not Recommendation.objects.exists()
    assert client.post(url, data).status_code == 302
    rec = Recommendation.objects.get()
    assert [s["modality"] for s in rec.steps] == [
        "neoadjuvant_chemotherapy",
        "interval_cytoreduction",
        "maintenance",
    ]
    assert rec.steps[0]["detail"] == "carboplatin-paclitaxel x3"
    assert rec.signed_at is None and rec.meeting == meeting
    page = client.get(reverse("tumorboard:case_detail", args=[case.pk])).content.decode()
    assert page.index("Neoadjuvant chemotherapy") < page.index("Interval cytoreductive surgery")


def _members(gyn: Any) -> set[int]:
    return set(gyn.board.members.values_list("clinician_id", flat=True))


def test_a_clinician_signs_and_a_coordinator_cannot(world: Any, gyn: Any) -> None:
    meeting = _meetings(gyn, weeks=1)[0]
    rec = _recommendation(submit(world, gyn.board), meeting, gyn)
    url = reverse("tumorboard:recommendation_sign", args=[rec.pk])
    coordinator = signed_in(world.coordinator_a)
    assert coordinator.post(url, {"version": rec.version}).status_code == 403
    rec.refresh_from_db()
    assert rec.signed_at is None
    clinician = signed_in(world.clinician_user_a)
    assert clinician.post(url, {"version": rec.version}).status_code == 302
    rec.refresh_from_db()
    assert rec.signed_at is not None and rec.signed_by == world.clinician_user_a
    assert Implementation.objects.filter(recommendation=rec).exists()
    # Coordinators do not sign amendments either.
    amend = reverse("tumorboard:recommendation_amend", args=[rec.pk])
    assert coordinator.get(amend).status_code == 403


def test_a_signed_recommendation_is_not_edited_but_amended(world: Any, gyn: Any) -> None:
    meeting = _meetings(gyn, weeks=1)[0]
    case = submit(world, gyn.board)
    rec = _signed(case, meeting, gyn)
    client = signed_in(world.clinician_user_a)
    edit = reverse("tumorboard:recommendation_edit", args=[rec.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"version": rec.version, "intent": "palliative"}).status_code == 403
    rec.refresh_from_db()
    assert rec.intent == "curative"
    amend = reverse("tumorboard:recommendation_amend", args=[rec.pk])
    form = client.get(amend).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data.update(intent="palliative", amendment_reason="Liver metastases on PET-CT")
    assert client.post(amend, data).status_code == 302
    amended = Recommendation.objects.get(amends=rec)
    assert amended.intent == "palliative" and amended.signed_at is not None
    assert amended.steps == rec.steps


def test_follow_up_not_carried_out_needs_a_reason(world: Any, gyn: Any) -> None:
    meeting = _meetings(gyn, weeks=1)[0]
    rec = _signed(submit(world, gyn.board), meeting, gyn)
    implementation = Implementation.objects.get(recommendation=rec)
    client = signed_in(world.clinician_user_a)
    url = reverse("tumorboard:recommendation_follow_up", args=[rec.pk])
    refused = client.post(url, {"version": implementation.version, "status": "not_implemented"})
    assert refused.status_code == 422
    assert "Say why the plan was not fully carried out." in refused.content.decode()
    assert "reason" in refused.context["follow_up_form"].errors
    implementation.refresh_from_db()
    assert implementation.status == "pending"
    done = client.post(
        url,
        {
            "version": implementation.version,
            "status": "not_implemented",
            "reason": "patient_declined",
            "note": "Chose treatment closer to home",
        },
    )
    assert done.status_code == 302
    implementation.refresh_from_db()
    assert (implementation.status, implementation.reason) == ("not_implemented", "patient_declined")


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_page_shows_the_boards_measures(world: Any, gyn: Any) -> None:
    url = reverse("tumorboard:metrics")
    query = {"board": gyn.board.code, "from": "2026-01-01", "to": "2026-12-31"}
    page = signed_in(world.coordinator_a).get(url, query)
    assert page.status_code == 200
    labels = [label for label, _value in page.context["rows"]]
    assert "Cases discussed" in labels and "Meetings held" in labels
    outsider = signed_in(world.coordinator_b).get(url, query)
    assert outsider.status_code == 422 and outsider.context["rows"] == []


# --- query counts -----------------------------------------------------------------------------


def test_case_page_reads_a_fixed_number_of_queries(
    world: Any, gyn: Any, django_assert_max_num_queries: Any
) -> None:
    meetings = _meetings(gyn, weeks=2)
    case = submit(world, gyn.board)
    ready_evidence(world.patient_a, _today())
    first = _signed(case, meetings[0], gyn)
    services.amend(SYSTEM, first, {"intent": "palliative"}, "Progression")
    for n in range(5):
        ready_evidence(world.patient_a, _today() - dt.timedelta(days=n + 1))
    client = signed_in(world.clinician_user_a)
    url = reverse("tumorboard:case_detail", args=[case.pk])
    client.get(url)
    with django_assert_max_num_queries(34):
        assert client.get(url).status_code == 200


def test_meeting_page_reads_a_fixed_number_of_queries(
    world: Any, gyn: Any, django_assert_max_num_queries: Any
) -> None:
    meetings = _meetings(gyn, weeks=3)
    seen = {m.pk: m.version for m in meetings}
    for n in range(6):
        case = submit(world, gyn.board, question=f"Question {n}", guests=[n] if n % 2 else [])
        services.move(SYSTEM, case, case.version, meetings[0], seen)
        seen = {m.pk: m.version for m in Meeting.objects.filter(pk__in=seen)}
    services.invite_guest(
        SYSTEM,
        meetings[0],
        gyn.clinicians["hepatobiliary_pancreatic_surgery"],
        "hepatobiliary_pancreatic_surgery",
    )
    client = signed_in(world.coordinator_a)
    url = reverse("tumorboard:meeting_detail", args=[meetings[0].pk])
    client.get(url)
    with django_assert_max_num_queries(13):
        page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["agenda"]) == 6
    assert all("move_form" in row for row in page.context["agenda"])


# --- running a meeting, documents -------------------------------------------------------------


def test_coordinator_invites_sends_the_list_and_closes_the_meeting(world: Any, gyn: Any) -> None:
    from django.core import mail

    from caseway.tumorboard.models import AgendaNotice

    meeting = _meetings(gyn, weeks=1)[0]
    case = submit(world, gyn.board)
    services.move(SYSTEM, case, case.version, meeting, {meeting.pk: meeting.version})
    client = signed_in(world.coordinator_a)
    hpb = gyn.clinicians["hepatobiliary_pancreatic_surgery"]
    invite = reverse("tumorboard:invite_guest", args=[meeting.pk])
    refused = client.post(invite, {"clinician": hpb.pk})
    assert refused.status_code == 422 and "department" in refused.context["invite_form"].errors
    invited = client.post(invite, {"clinician": hpb.pk, "department": HPB})
    assert invited.status_code == 302
    assert Participation.objects.get(meeting=meeting, clinician=hpb).guest
    sent = client.post(reverse("tumorboard:publish_agenda", args=[meeting.pk]))
    assert sent.status_code == 302
    assert AgendaNotice.objects.filter(meeting=meeting, revision=1).exists() and mail.outbox
    # Everyone came but the nuclear medicine physician: closed without its quorum.
    url = reverse("tumorboard:close_meeting", args=[meeting.pk])
    form = client.get(url).context["form"]
    data = {"version": Meeting.objects.get(pk=meeting.pk).version, "actual_minutes": 70}
    for row in form.participants:
        if row.department != "nuclear_medicine":
            data[f"attended_{row.pk}"] = "on"
    assert client.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.quorum_met, meeting.actual_minutes) == ("held", False, 70)
    page = client.get(reverse("tumorboard:meeting_detail", args=[meeting.pk]))
    assert "Nuclear medicine" in " ".join(page.context["quorum"]["missing"])


def test_minutes_letter_and_care_plan_are_served_to_the_center_only(world: Any, gyn: Any) -> None:
    meeting = _meetings(gyn, weeks=1)[0]
    rec = _signed(submit(world, gyn.board), meeting, gyn)
    client = signed_in(world.clinician_user_a)
    minutes = client.get(reverse("tumorboard:minutes", args=[meeting.pk]), {"lang": "ko"})
    assert minutes.status_code == 200 and minutes["Cache-Control"] == "no-store"
    letter = reverse("tumorboard:recommendation_letter", args=[rec.pk])
    assert client.get(letter).status_code == 200
    plan = client.get(reverse("tumorboard:recommendation_care_plan", args=[rec.pk]))
    assert plan.status_code == 200 and plan.json()["resourceType"] == "CarePlan"
    outsider = signed_in(world.coordinator_b)
    assert outsider.get(letter).status_code == 404
    assert outsider.get(reverse("tumorboard:minutes", args=[meeting.pk])).status_code == 404


def test_coordinator_generates_meetings_from_the_pattern(world: Any, gyn: Any) -> None:
    url = reverse("tumorboard:generate_meetings", args=[gyn.board.code])
    period = {"from": "2027-01-01", "to": "2027-01-31"}
    assert signed_in(world.clinician_user_a).post(url, period).status_code == 403
    client = signed_in(world.coordinator_a)
    backwards = client.post(url, {"from": "2027-01-31", "to": "2027-01-01"})
    assert backwards.status_code == 422
    assert "to" in backwards.context["generate_form"].errors
    assert client.post(url, period).status_code == 302
    assert Meeting.objects.filter(board=gyn.board).count() == 4  # the Tuesdays of January 2027
    page = client.get(reverse("tumorboard:board_detail", args=[gyn.board.code]))
    assert len(page.context["upcoming"]) == 4
    assert "weekly, Tuesday 07:30, 90 minutes; in person" in page.content.decode()


def test_dashboard_lists_my_meetings_and_their_case_list(world: Any) -> None:
    gyn = gyn_board(world, code="dash-board")
    today = dt.date.today()
    meeting = services.generate_meetings(
        SYSTEM, gyn.board, today + dt.timedelta(days=1), today + dt.timedelta(days=7)
    )[0]
    page = signed_in(world.clinician_user_a).get("/")
    assert 'data-testid="board-meetings"' not in page.content.decode()  # not a participant
    clinician = gyn.clinicians["radiology"]
    clinician.user = world.clinician_user_a
    clinician.save()
    shown = signed_in(world.clinician_user_a).get("/").content.decode()
    assert f"/tumorboard/meetings/{meeting.pk}/" in shown and "case list not sent yet" in shown
    services.publish_agenda(SYSTEM, meeting)
    shown = signed_in(world.clinician_user_a).get("/").content.decode()
    assert "case list sent (revision 1)" in shown
