"""Board metrics: the plain computation, and the same figures gathered from a real board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from caseway.core import versioning
from caseway.core.testing import SYSTEM, make
from caseway.records.models import Condition, Patient, Treatment
from caseway.tumorboard import metrics, services
from caseway.tumorboard.metrics import CaseFact, FollowUpFact, MeetingFact
from caseway.tumorboard.models import Participation, Recommendation
from caseway.tumorboard.tests.factories import gyn_board, ready_evidence, submit

D = dt.date
JAN, DEC = D(2026, 1, 1), D(2026, 12, 31)


def test_compute_counts_each_metric_over_its_own_population() -> None:
    cases = [
        CaseFact(1, D(2026, 3, 1), D(2026, 3, 10), rediscussion=False),
        CaseFact(2, D(2026, 3, 2), D(2026, 3, 17), rediscussion=False),
        CaseFact(1, D(2026, 6, 1), D(2026, 6, 2), rediscussion=True),
        CaseFact(3, D(2026, 6, 1), None, rediscussion=False),  # waiting: not counted
        CaseFact(4, D(2025, 12, 1), D(2025, 12, 9), rediscussion=False),  # before the period
    ]
    meetings = [
        MeetingFact(True, True, 80, 10),
        MeetingFact(True, False, 60, 5),
        MeetingFact(False, None, None, 0),  # planned, not held
    ]
    follow_ups = [
        FollowUpFact("implemented", D(2026, 3, 10), D(2026, 3, 24)),
        FollowUpFact("partial", D(2026, 3, 17), D(2026, 4, 7)),
        FollowUpFact("not_implemented", D(2026, 6, 2), None),
        FollowUpFact("pending", D(2026, 6, 2), None),
    ]
    first = {1: D(2026, 3, 20), 2: D(2026, 3, 5), 5: D(2026, 4, 1), 4: D(2025, 12, 20)}
    discussions = {1: [D(2026, 3, 10)], 2: [D(2026, 3, 17)], 4: [D(2025, 12, 9)]}
    result = metrics.compute(JAN, DEC, cases, meetings, follow_ups, first, discussions)
    assert result.cases_discussed == 3
    assert sorted(result.days_submission_to_discussion) == [1, 9, 15]
    assert result.rediscussion_rate == pytest.approx(1 / 3)
    # Patients first treated in the period: 1 (discussed before), 2 (treated before its
    # discussion), 5 (never discussed).
    assert (result.discussed_before_treatment, result.patients_first_treated) == (1, 3)
    assert (result.implemented, result.partly_implemented, result.followed_up) == (1, 1, 3)
    assert sorted(result.days_discussion_to_treatment) == [14, 21]
    assert result.quorum_rate == 0.5
    assert result.minutes_per_case == pytest.approx(140 / 15)
    labels = dict(result.rows())
    assert labels["Meetings with quorum"] == "50% (1/2)"


def test_empty_period_has_no_rates() -> None:
    result = metrics.compute(JAN, DEC, [], [], [], {}, {})
    assert result.quorum_rate is None and result.minutes_per_case is None
    assert dict(result.rows())["Minutes per case"] == "—"


@pytest.mark.django_db
def test_gathered_from_a_board_and_printed_by_the_command(world: Any, capsys: Any) -> None:
    gyn = gyn_board(world)
    meetings = services.generate_meetings(SYSTEM, gyn.board, D(2026, 3, 1), D(2026, 3, 31))
    ready_evidence(world.patient_a, D(2026, 3, 1))
    case = submit(world, gyn.board, deadline=D(2026, 3, 31))
    attended = {p.pk: True for p in Participation.objects.filter(meeting=meetings[0])}
    meeting = services.close_meeting(SYSTEM, meetings[0], meetings[0].version, attended, 45)
    recommendation = services.recommend(
        SYSTEM,
        Recommendation(
            case=case,
            meeting=meeting,
            intent="curative",
            steps=[{"modality": "primary_cytoreduction", "detail": ""}],
            participants=[c.pk for c in gyn.clinicians.values()],
            guideline_concordant=True,
        ),
    )
    signed = services.sign(SYSTEM, recommendation, recommendation.version)
    started = timezone.localdate(meeting.starts_at) + dt.timedelta(days=12)
    services.follow_up(SYSTEM, signed, signed.implementation.version, "implemented", started)
    versioning.create(
        SYSTEM,
        Treatment(
            patient=world.patient_a,
            kind="surgery",
            description="Primary cytoreduction",
            started_on=started,
        ),
    )
    result = metrics.for_board(gyn.board, JAN, DEC)
    assert result.cases_discussed == 1 and result.meetings_held == 1
    assert result.discussed_before_treatment_rate == 1.0
    # A patient of the center treated for an ovarian cancer without discussion counts against.
    other = make(
        Patient(
            center=world.center_a,
            mrn="MRN-a2",
            name_original="환자 a2",
            sex="female",
            birth_date=D(1961, 2, 3),
        )
    )
    make(
        Condition(
            patient=other,
            role="primary",
            icd10="C56.1",
            description="Ovarian cancer",
            diagnosed_on=D(2026, 2, 1),
        )
    )
    make(
        Treatment(
            patient=other,
            kind="systemic",
            description="Carboplatin-paclitaxel",
            started_on=D(2026, 2, 20),
        )
    )
    result = metrics.for_board(gyn.board, JAN, DEC)
    assert (result.discussed_before_treatment, result.patients_first_treated) == (1, 2)
    assert result.days_discussion_to_treatment == [12]
    assert result.implementation_rate == 1.0 and result.quorum_rate == 1.0
    assert result.minutes_per_case == 45
    call_command(
        "tumorboard",
        "metrics",
        "--board",
        gyn.board.code,
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
    )
    out = capsys.readouterr().out
    assert "Meetings with quorum" in out and "100% (1/1)" in out
