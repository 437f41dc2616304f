"""The printed minutes and the letter to the referring doctor: the plan in sequence, who came
and whether the quorum was there, what is provisional, unsigned or amended, in English and
Korean, escaped, and as a PDF with a Korean font."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from caseway.accounts.actor import Actor
from caseway.core.testing import SYSTEM
from caseway.registry.pdf import font_names
from caseway.tumorboard import documents, services
from caseway.tumorboard.models import Meeting, Recommendation
from caseway.tumorboard.tests.factories import HPB, gyn_board, submit

pytestmark = pytest.mark.django_db

PRINTED = dt.date(2026, 12, 2)


def _recommendation(case: Any, meeting: Any, clinicians: dict[str, Any], **fields: Any) -> Any:
    values: dict[str, Any] = {
        "case": case,
        "meeting": meeting,
        "intent": "curative",
        "summary": "Omental cake, diaphragm disease; PCI 18.",
        "steps": [
            {"modality": "neoadjuvant_chemotherapy", "detail": "carboplatin-paclitaxel x3"},
            {"modality": "interval_cytoreduction", "detail": ""},
            {"modality": "maintenance", "detail": "olaparib if BRCA mutated"},
        ],
        "surgical_plan": "Interval cytoreduction with diaphragm peritonectomy",
        "surgical_departments": [HPB],
        "further_tests": "Germline BRCA testing",
        "participants": [c.pk for k, c in clinicians.items() if k != HPB],
        "guideline_concordant": True,
    }
    values.update(fields)
    return services.recommend(SYSTEM, Recommendation(**values))


def _meeting(world: Any, *, nuclear_medicine_came: bool = True, **case_fields: Any) -> Any:
    """The board's 2026-12-01 meeting with two cases (a discussed one, signed by a clinician,
    and a standard-of-care one), the hepatobiliary surgeon as guest, closed."""
    gyn = gyn_board(world)
    (meeting,) = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 7)
    )
    seen = {meeting.pk: meeting.version}
    case = submit(
        world, gyn.board, presenting=gyn.clinicians["obstetrics_gynecology"], **case_fields
    )
    case = services.move(SYSTEM, case, case.version, meeting, seen)
    soc_case = submit(
        world, gyn.board, triage="standard_of_care", question="Adjuvant chemotherapy after surgery?"
    )
    services.invite_guest(SYSTEM, meeting, gyn.clinicians[HPB], HPB)
    meeting = Meeting.objects.get(pk=meeting.pk)
    attended = {
        p.pk: nuclear_medicine_came or p.department != "nuclear_medicine"
        for p in meeting.participants.all()
    }
    meeting = services.close_meeting(SYSTEM, meeting, meeting.version, attended, 75)
    rec = _recommendation(case, meeting, gyn.clinicians)
    rec = services.sign(Actor.for_user(world.clinician_user_a), rec, rec.version)
    soc = _recommendation(
        soc_case,
        meeting,
        gyn.clinicians,
        standard_of_care=True,
        steps=[{"modality": "adjuvant_chemotherapy", "detail": "carboplatin-paclitaxel x6"}],
        surgical_plan="",
        surgical_departments=[],
        further_tests="",
        participants=[gyn.clinicians["obstetrics_gynecology"].pk],
    )
    return SimpleNamespace(gyn=gyn, meeting=meeting, case=case, rec=rec, soc_case=soc_case, soc=soc)


def _in_order(html: str, *parts: str) -> bool:
    positions = [html.index(part) for part in parts]
    return positions == sorted(positions)


def test_minutes_in_english(world: Any) -> None:
    made = _meeting(world)
    html = documents.minutes_html(made.meeting, "en", today=PRINTED)
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert "Minutes: Gynecologic Cancer Tumor Board" in html
    assert "2026-12-01 07:30\u201309:00 (Asia/Seoul)" in html
    assert "Cancer Center B2 conference room" in html and "75 minutes" in html
    assert "Quorum present" in html and "provisional-banner" not in html
    # Attendance by department: the guest surgeon came, as a guest.
    assert "Dr Yoon Tae-ho" in html and "Hepatobiliary and pancreatic surgery" in html
    assert "Dr Kang Yu-na" in html
    # The discussed case: patient as held, age/sex, condition, question, the plan in sequence.
    section = html[html.index(f'data-testid="case-{made.case.pk}"') :]
    section = section[: section.index("</section>")]
    assert "환자 a (Patient A)" in section and "MRN-a" in section and "56 / Female" in section
    assert "C56.9 Ovarian cancer" in section
    assert "Primary cytoreduction or neoadjuvant chemotherapy?" in section
    assert _in_order(
        section,
        "Neoadjuvant chemotherapy: carboplatin-paclitaxel x3",
        "Interval cytoreductive surgery",
        "Maintenance therapy",
    )
    assert "Interval cytoreduction with diaphragm peritonectomy" in section
    assert "Germline BRCA testing" in section and "Concordant with the guideline" in section
    assert "Dr Kim Ji-won, Dr Lee Min-ho" in section and "Presented by" in section
    assert "Clin-A, 2026-" in section  # signed by, at (local time)
    # The standard-of-care case is listed apart, not among the discussed.
    assert html.count('class="case"') == 1
    listed = html[html.index('data-testid="standard-of-care"') :]
    assert "Adjuvant chemotherapy after surgery?" not in section
    assert "Adjuvant chemotherapy (carboplatin-paclitaxel x6)" in listed
    assert "Not signed yet" in listed
    assert _in_order(html, "Cases discussed", "Standard of care: listed, not discussed")


def test_minutes_in_korean(world: Any) -> None:
    made = _meeting(world)
    html = documents.minutes_html(made.meeting, "ko-KR", today=PRINTED)
    assert '<html lang="ko">' in html
    assert "부인암 다학제 진료" in html and "암센터 A" in html and "병원 A" in html
    assert "간담도췌외과" in html and "방사선종양학과" in html  # department labels
    assert "환자 a (Patient A)" in html
    assert _in_order(
        html, 'data-modality="neoadjuvant_chemotherapy"', 'data-modality="maintenance"'
    )


def test_without_quorum_the_decisions_are_provisional(world: Any) -> None:
    made = _meeting(world, nuclear_medicine_came=False)
    assert made.rec.provisional
    html = documents.minutes_html(made.meeting, "en", today=PRINTED)
    banner = html[html.index('data-testid="provisional-banner"') :]
    assert banner.index("decisions of this meeting are provisional") < 400
    assert "Quorum not present" in html
    assert "no one attended for: Nuclear medicine and molecular imaging" in html
    assert "Made without the quorum: to be confirmed." in html
    letter = documents.letter_html(made.rec, "en", today=PRINTED)
    assert 'data-testid="provisional-banner"' in letter


def test_the_letter_to_the_referring_doctor(world: Any) -> None:
    made = _meeting(world)
    html = documents.letter_html(made.rec, "en", today=PRINTED)
    assert "Hospital A" in html and "병원 A" in html  # bilingual letterhead
    assert "Cancer Center A" in html and "암센터 A" in html
    assert "2026-12-02" in html
    assert '<dd data-testid="recipient">Dr Kim Ji-won</dd>' in html
    assert "환자 a (Patient A), born 1970-05-01, MRN MRN-a" in html
    assert "Primary cytoreduction or neoadjuvant chemotherapy?" in html
    assert _in_order(html, "Neoadjuvant chemotherapy", "Interval cytoreductive surgery")
    assert "Germline BRCA testing" in html
    assert "multidisciplinary meeting on 2026-12-01, with:" in html
    assert "Dr Park Seo-yeon" in html and "Signed by Clin-A" in html
    assert "draft-banner" not in html and "provisional-banner" not in html


def test_the_letter_without_a_presenting_clinician_and_unsigned(world: Any) -> None:
    gyn = gyn_board(world)
    (meeting,) = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 7)
    )
    case = submit(world, gyn.board)
    rec = _recommendation(case, meeting, gyn.clinicians)
    html = documents.letter_html(rec, "en", today=PRINTED)
    assert '<dd data-testid="recipient">The referring doctor</dd>' in html
    assert "Dear colleague," in html
    assert 'data-testid="draft-banner"' in html and "Not signed yet" in html


def test_an_amendment_and_the_superseded_letter(world: Any) -> None:
    made = _meeting(world)
    clinician = Actor.for_user(world.clinician_user_a)
    amended = services.amend(
        clinician, made.rec, {"intent": "palliative"}, "Liver metastases on PET"
    )
    html = documents.letter_html(amended, "en", today=PRINTED)
    assert "Palliative" in html and "Liver metastases on PET" in html
    assert "amends the one signed 2026-" in html
    old = documents.letter_html(made.rec, "en", today=PRINTED)
    assert "Act on the amendment, not on this letter." in old
    minutes = documents.minutes_html(made.meeting, "en", today=PRINTED)
    assert "Amends the recommendation signed" in minutes and "Palliative" in minutes


def test_everything_is_escaped(world: Any) -> None:
    attack = "<script>alert(1)</script> & <b>bold</b>"
    made = _meeting(world, question=attack)
    for html in (
        documents.minutes_html(made.meeting, "en", today=PRINTED),
        documents.letter_html(made.rec, "ko", today=PRINTED),
    ):
        assert "<script>" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_the_pdfs_render_and_embed_a_korean_font(world: Any) -> None:
    made = _meeting(world)
    letter = documents.letter_pdf(made.rec, "ko", today=PRINTED)
    assert letter.startswith(b"%PDF-")
    fonts = font_names(letter)
    assert any("Noto-Sans-CJK-KR" in name for name in fonts), fonts
    minutes = documents.minutes_pdf(made.meeting, "en", today=PRINTED)
    assert minutes.startswith(b"%PDF-") and len(minutes) > 5000
