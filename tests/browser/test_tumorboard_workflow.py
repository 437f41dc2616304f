"""In a real browser, the tumor board from submission to the signed letter: a clinician submits
a case (an incomplete form is refused beside its field), confirms the pathology review the
checklist misses and triages it for discussion; the coordinator solves the agenda, applies it
and sends the case list; the clinician records the structured recommendation, signs it, opens
the letter, and reads the case page in Korean."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page

from caseway.core import versioning
from caseway.core.testing import SYSTEM, build_world
from caseway.tumorboard import services
from caseway.tumorboard.models import BoardCase, Participation, Recommendation
from caseway.tumorboard.tests.factories import HPB, gyn_board, ready_evidence
from tests.browser.pages import saved, signed_in_page

pytestmark = pytest.mark.browser

STEPS = [
    ("neoadjuvant_chemotherapy", "carboplatin-paclitaxel x3"),
    ("interval_cytoreduction", ""),
    ("adjuvant_chemotherapy", ""),
]


def posted(page: Page, button: str, url: str) -> None:
    """Click a form's button and wait for the page the POST leads to, which must be ``url``
    (often the page the form was on); if another page came back, say what it said."""
    with page.expect_navigation(timeout=20_000):
        page.click(button)
    if page.url != url:
        raise AssertionError(f"expected {url}, got {page.url}:\n{page.inner_text('main')}")


def messages(page: Page) -> str:
    return page.locator("main ul.messages").inner_text()


def test_submit_plan_send_recommend_and_sign_a_case(
    browser: Browser, live_server: Any, transactional_db: Any, mailoutbox: Any
) -> None:
    today = timezone.localdate()
    world = build_world()
    gyn = gyn_board(world)
    start = today + dt.timedelta(days=1)
    meetings = services.generate_meetings(SYSTEM, gyn.board, start, start + dt.timedelta(weeks=3))
    assert len(meetings) == 3
    for p in Participation.objects.filter(meeting__in=meetings):
        versioning.update(SYSTEM, p, p.version, {"available": True})
    ready_evidence(world.patient_a, today)  # imaging and CA-125 recent; pathology review not
    site = live_server.url
    clinician = signed_in_page(browser, live_server, world.clinician_user_a)
    coordinator = signed_in_page(browser, live_server, world.coordinator_a)
    for page in (clinician, coordinator):
        page.set_default_timeout(10_000)

    # --- the clinician submits the case: first without a question, then complete -----------
    add = f"{site}{reverse('tumorboard:case_add')}?board={gyn.board.code}"
    clinician.goto(add)  # the form posts back to this address
    assert clinician.locator("select[name=board]").input_value() == gyn.board.code
    clinician.fill("input[name=mrn]", world.patient_a.mrn)
    posted(clinician, "form.stacked button[name=find]", add)
    clinician.select_option("select[name=condition]", str(world.condition_a.pk))
    clinician.select_option("select[name=urgency]", "soon")
    clinician.fill("input[name=deadline]", (today + dt.timedelta(days=21)).isoformat())
    clinician.select_option("select[name=complexity]", "complex")
    posted(clinician, "form.stacked button[data-testid=submit]", add)
    assert "The case was not submitted" in clinician.locator("main [role=alert]").inner_text()
    question = clinician.locator("textarea[name=question]")
    assert question.get_attribute("aria-invalid") == "true"
    beside = clinician.locator(f"#{question.get_attribute('aria-describedby')}")  # its errors
    assert beside.inner_text() == "This field is required."
    assert clinician.locator("form.stacked .errorlist").count() == 1  # nothing else is wrong
    assert not BoardCase.objects.exists()
    # What was entered is kept: only the question is to be given.
    assert clinician.locator("select[name=condition]").input_value() == str(world.condition_a.pk)
    clinician.fill("textarea[name=question]", "Primary cytoreduction or neoadjuvant chemotherapy?")
    clinician.click("form.stacked button[data-testid=submit]")
    saved(clinician, "**/tumorboard/cases/*/")
    case = BoardCase.objects.get()
    case_url = f"{site}{reverse('tumorboard:case_detail', args=[case.pk])}"
    assert clinician.url == case_url
    assert (case.patient, case.condition, case.urgency, case.complexity) == (
        world.patient_a,
        world.condition_a,
        "soon",
        "complex",
    )
    assert "The case is submitted." in messages(clinician)

    # The checklist names what is missing: the pathology review, confirmed by hand.
    assert clinician.get_by_test_id("not-ready").is_visible()
    missing = clinician.get_by_test_id("missing-pathology_review")
    assert "Pathology review" in missing.inner_text()
    assert clinician.locator("[data-testid^=missing-]").count() == 1
    posted(clinician, "[data-testid=missing-pathology_review] button[type=submit]", case_url)
    assert "Confirmed." in messages(clinician)
    assert clinician.get_by_test_id("ready").is_visible()
    assert clinician.locator("[data-testid^=missing-]").count() == 0

    clinician.select_option("[data-testid=triage-form] select[name=triage]", "full")
    posted(clinician, "[data-testid=triage-form] button[type=submit]", case_url)
    assert "Full discussion" in clinician.get_by_test_id("triage").inner_text()
    assert "not on an agenda yet" in clinician.get_by_test_id("case-meeting").inner_text()

    # --- the coordinator solves the agenda, applies it and sends the case list ---------------
    board_url = f"{site}{reverse('tumorboard:board_detail', args=[gyn.board.code])}"
    coordinator.goto(board_url)
    with coordinator.expect_navigation():
        coordinator.get_by_test_id("plan-link").click()
    assert "/agenda/?" in coordinator.url
    planned = coordinator.locator("table[data-testid^=plan-meeting-]")
    assert planned.count() == 3  # the meetings of the period
    placed = planned.filter(has_text=world.patient_a.mrn)
    assert placed.count() == 1
    placed_in = placed.get_attribute("data-testid")
    assert "every waiting case is placed" in coordinator.get_by_test_id("left-out").inner_text()
    assert BoardCase.objects.get().meeting_id is None  # the preview wrote nothing
    posted(coordinator, "[data-testid=apply]", board_url)
    assert "The agenda is set: 1 case changed." in messages(coordinator)
    case.refresh_from_db()
    assert (case.status, case.position) == ("scheduled", 1)
    assert placed_in == f"plan-meeting-{case.meeting_id}"  # where the preview placed it

    meeting_url = f"{site}{reverse('tumorboard:meeting_detail', args=[case.meeting_id])}"
    with coordinator.expect_navigation():
        coordinator.get_by_test_id("waiting").locator("a[href*='/meetings/']").click()
    assert coordinator.url == meeting_url
    agenda = coordinator.get_by_test_id("agenda").inner_text()
    assert world.patient_a.mrn in agenda and "Primary cytoreduction" in agenda
    assert "not sent yet" in coordinator.get_by_test_id("meeting").inner_text()
    posted(coordinator, "[data-testid=publish]", meeting_url)
    assert "The case list is sent." in messages(coordinator)
    assert "(revision 1)" in coordinator.get_by_test_id("meeting").inner_text()  # sent ...
    assert len(mailoutbox) > 0
    assert any(world.patient_a.mrn in m.body for m in mailoutbox)

    # --- the clinician records the recommendation on the structured form, and signs it ------
    clinician.goto(case_url)
    assert "case 1 on the agenda" in clinician.get_by_test_id("case-meeting").inner_text()
    with clinician.expect_navigation():
        clinician.get_by_test_id("recommend").click()
    recommend_url = f"{site}{reverse('tumorboard:case_recommend', args=[case.pk])}"
    assert clinician.url == recommend_url
    form = clinician.locator("form.stacked")
    assert form.locator("select[name=meeting]").input_value() == str(case.meeting_id)
    # Those who said they would come are the default participants: the six members.
    assert form.locator("input[name=participants]:checked").count() == 6
    assert form.locator("input[name=guideline_concordant][value=yes]").is_checked()
    form.locator("select[name=intent]").select_option("curative")
    for n, (modality, detail) in enumerate(STEPS, start=1):
        form.locator(f"select[name=step_{n}_modality]").select_option(modality)
        form.locator(f"input[name=step_{n}_detail]").fill(detail)
    form.locator(f"input[name=surgical_departments][value={HPB}]").check()
    form.locator("input[name=guideline_concordant][value=yes]").check()
    posted(clinician, "form.stacked button[type=submit]", case_url)
    assert "sign it to make it final" in messages(clinician)
    rec = Recommendation.objects.get()
    section = clinician.get_by_test_id(f"recommendation-{rec.pk}")
    assert section.get_by_test_id("unsigned").is_visible()
    posted(clinician, f"[data-testid=recommendation-{rec.pk}] [data-testid=sign]", case_url)
    assert "The recommendation is signed." in messages(clinician)
    assert "Signed on" in section.get_by_test_id("signed").inner_text()
    assert section.get_by_test_id("steps").locator("li").all_inner_texts() == [
        "Neoadjuvant chemotherapy — carboplatin-paclitaxel x3",
        "Interval cytoreductive surgery",
        "Adjuvant chemotherapy",
    ]
    shown = section.inner_text()
    assert "Curative" in shown and "Hepatobiliary and pancreatic surgery" in shown
    rec.refresh_from_db()
    assert [(s["modality"], s["detail"]) for s in rec.steps] == STEPS
    assert rec.signed_by == world.clinician_user_a and rec.guideline_concordant
    assert len(rec.participants) == 6 and rec.surgical_departments == [HPB]

    # The letter (HTML) carries the steps in the same order.
    with clinician.expect_navigation():
        section.get_by_role("link", name="Letter", exact=True).click()
    assert clinician.url == f"{site}{reverse('tumorboard:recommendation_letter', args=[rec.pk])}"
    steps = clinician.get_by_test_id("steps").locator("li")
    assert [steps.nth(i).get_attribute("data-modality") for i in range(steps.count())] == [
        modality for modality, _detail in STEPS
    ]
    assert "carboplatin-paclitaxel x3" in steps.first.inner_text()
    assert clinician.get_by_test_id("draft-banner").count() == 0  # signed: no draft banner

    # --- the case page in Korean ------------------------------------------------------------
    clinician.goto(case_url)
    clinician.select_option("[data-testid=language-select]", "ko")
    posted(clinician, "[data-testid=language-submit]", case_url)
    assert clinician.locator("html").get_attribute("lang") == "ko"
    navigation = clinician.locator("header nav").inner_text()
    assert "대시보드" in navigation and "환자" in navigation  # Dashboard, Patients
    assert clinician.locator("[data-testid=language-submit]").inner_text() == "변경"  # Change
    assert section.get_by_test_id("signed").is_visible()
