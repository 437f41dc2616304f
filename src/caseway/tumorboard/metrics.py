"""How well a board works, per center and board over a period.

``compute`` is plain Python over plain facts (tested without a database); ``for_board`` and
``for_center`` gather the facts with a handful of queries. The share of patients discussed
before their first treatment is the registry's MDT indicator seen from the board's side: the
first treatment is the earliest of the record's treatments and the registry's surgeries.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# --- plain facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    patient_id: int
    submitted_on: dt.date
    discussed_on: dt.date | None  # the meeting (or the recording of a standard-of-care case)
    rediscussion: bool


@dataclass(frozen=True)
class MeetingFact:
    held: bool
    quorum_met: bool | None
    actual_minutes: int | None
    cases_discussed: int


@dataclass(frozen=True)
class FollowUpFact:
    status: str  # ImplementationStatus code
    discussed_on: dt.date
    started_on: dt.date | None


@dataclass
class Metrics:
    cases_discussed: int = 0
    meetings_held: int = 0
    patients_first_treated: int = 0
    discussed_before_treatment: int = 0
    days_submission_to_discussion: list[int] = field(default_factory=list)
    days_discussion_to_treatment: list[int] = field(default_factory=list)
    rediscussions: int = 0
    followed_up: int = 0
    implemented: int = 0
    partly_implemented: int = 0
    with_quorum: int = 0
    minutes_recorded: int = 0
    cases_in_timed_meetings: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def discussed_before_treatment_rate(self) -> float | None:
        return self._share(self.discussed_before_treatment, self.patients_first_treated)

    @property
    def rediscussion_rate(self) -> float | None:
        return self._share(self.rediscussions, self.cases_discussed)

    @property
    def implementation_rate(self) -> float | None:
        """Plans carried out in full, of those whose outcome is known."""
        return self._share(self.implemented, self.followed_up)

    @property
    def quorum_rate(self) -> float | None:
        return self._share(self.with_quorum, self.meetings_held)

    @property
    def minutes_per_case(self) -> float | None:
        if not self.cases_in_timed_meetings:
            return None
        return self.minutes_recorded / self.cases_in_timed_meetings

    @staticmethod
    def median(values: list[int]) -> float | None:
        return statistics.median(values) if values else None

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) for pages and the command line, in the reader's language."""

        def percent(value: float | None, part: int, whole: int) -> str:
            return "—" if value is None else f"{value:.0%} ({part}/{whole})"

        def days(values: list[int]) -> str:
            if not values:
                return "—"
            return _("median %(median)s days (n=%(n)s)") % {
                "median": f"{statistics.median(values):g}",
                "n": len(values),
            }

        minutes = self.minutes_per_case
        return [
            (_("Cases discussed"), str(self.cases_discussed)),
            (_("Meetings held"), str(self.meetings_held)),
            (
                _("Patients discussed before their first treatment"),
                percent(
                    self.discussed_before_treatment_rate,
                    self.discussed_before_treatment,
                    self.patients_first_treated,
                ),
            ),
            (_("Submission to discussion"), days(self.days_submission_to_discussion)),
            (_("Discussion to treatment"), days(self.days_discussion_to_treatment)),
            (
                _("Re-discussion rate"),
                percent(self.rediscussion_rate, self.rediscussions, self.cases_discussed),
            ),
            (
                _("Plans carried out in full"),
                percent(self.implementation_rate, self.implemented, self.followed_up),
            ),
            (
                _("Meetings with quorum"),
                percent(self.quorum_rate, self.with_quorum, self.meetings_held),
            ),
            (_("Minutes per case"), "—" if minutes is None else f"{minutes:.1f}"),
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases_discussed": self.cases_discussed,
            "meetings_held": self.meetings_held,
            "discussed_before_first_treatment": {
                "patients": self.patients_first_treated,
                "discussed": self.discussed_before_treatment,
                "rate": self.discussed_before_treatment_rate,
            },
            "median_days_submission_to_discussion": self.median(self.days_submission_to_discussion),
            "median_days_discussion_to_treatment": self.median(self.days_discussion_to_treatment),
            "rediscussion_rate": self.rediscussion_rate,
            "implementation": {
                "followed_up": self.followed_up,
                "implemented": self.implemented,
                "partly": self.partly_implemented,
                "rate": self.implementation_rate,
            },
            "quorum_rate": self.quorum_rate,
            "minutes_per_case": self.minutes_per_case,
        }


def compute(
    start: dt.date,
    end: dt.date,
    cases: Iterable[CaseFact],
    meetings: Iterable[MeetingFact],
    follow_ups: Iterable[FollowUpFact],
    first_treatment: Mapping[int, dt.date],
    discussions: Mapping[int, list[dt.date]],
) -> Metrics:
    """The metrics of a period ``[start, end]``: cases and meetings by their discussion date,
    follow-up by the discussion it follows, and patients by their first treatment date.

    ``first_treatment`` maps patient -> first treatment date (any source); ``discussions``
    maps patient -> every date they were discussed (at any of the center's boards).
    """
    out = Metrics()

    def within(day: dt.date | None) -> bool:
        return day is not None and start <= day <= end

    for case in cases:
        if not within(case.discussed_on):
            continue
        assert case.discussed_on is not None
        out.cases_discussed += 1
        out.days_submission_to_discussion.append((case.discussed_on - case.submitted_on).days)
        out.rediscussions += case.rediscussion
    for meeting in meetings:
        if not meeting.held:
            continue
        out.meetings_held += 1
        out.with_quorum += bool(meeting.quorum_met)
        if meeting.actual_minutes and meeting.cases_discussed:
            out.minutes_recorded += meeting.actual_minutes
            out.cases_in_timed_meetings += meeting.cases_discussed
    for follow_up in follow_ups:
        if not within(follow_up.discussed_on) or follow_up.status == "pending":
            continue
        out.followed_up += 1
        out.implemented += follow_up.status == "implemented"
        out.partly_implemented += follow_up.status == "partial"
        if follow_up.started_on is not None:
            days = (follow_up.started_on - follow_up.discussed_on).days
            out.days_discussion_to_treatment.append(max(days, 0))
    for patient_id, first in first_treatment.items():
        if not within(first):
            continue
        out.patients_first_treated += 1
        out.discussed_before_treatment += any(d <= first for d in discussions.get(patient_id, ()))
    return out


# --- gathering facts ------------------------------------------------------------------------------


def _gather(boards: Any, start: dt.date, end: dt.date) -> Metrics:
    from django.db.models import Count, Q
    from django.utils import timezone

    from caseway.tumorboard.models import BoardCase, Implementation, Meeting, Recommendation

    def local(moment: dt.datetime | None) -> dt.date | None:
        return timezone.localdate(moment) if moment else None

    recommendations = Recommendation.objects.filter(
        case__board__in=boards, voided=False, amends__isnull=True
    ).values_list("case_id", "meeting__starts_at", "created_at")
    discussed: dict[int, dt.date] = {}
    for case_id, meeting_start, created in recommendations:
        day = local(meeting_start) or local(created)
        assert day is not None
        if case_id not in discussed or day < discussed[case_id]:
            discussed[case_id] = day
    case_rows = BoardCase.objects.filter(board__in=boards, voided=False).values_list(
        "pk", "patient_id", "created_at", "previous_id"
    )
    cases = []
    discussions: dict[int, list[dt.date]] = {}
    for pk, patient_id, created, previous in case_rows:
        day = discussed.get(pk)
        cases.append(
            CaseFact(patient_id, local(created) or day or start, day, previous is not None)
        )
        if day is not None:
            discussions.setdefault(patient_id, []).append(day)
    meetings = [
        MeetingFact(status == "held", quorum, minutes, count)
        for status, quorum, minutes, count in Meeting.objects.filter(
            board__in=boards, voided=False, starts_at__date__gte=start, starts_at__date__lte=end
        )
        .annotate(discussed=Count("recommendations", filter=Q(recommendations__voided=False)))
        .values_list("status", "quorum_met", "actual_minutes", "discussed")
    ]
    follow_ups = []
    for case_id, status, started in Implementation.objects.filter(
        recommendation__case__board__in=boards,
        recommendation__voided=False,
        recommendation__amendments__isnull=True,
    ).values_list("recommendation__case_id", "status", "started_on"):
        if case_id in discussed:
            follow_ups.append(FollowUpFact(status, discussed[case_id], started))
    first = _first_treatments(boards)
    return compute(start, end, cases, meetings, follow_ups, first, discussions)


def _first_treatments(boards: Any) -> dict[int, dt.date]:
    """Patient -> first treatment of their cancer, for every patient of the boards' centers
    with a primary cancer of the boards' tumor sites (discussed or not: a patient treated
    without discussion counts against the share). The first treatment is the earliest
    treatment, registry operation or carried-out plan on or after the latest diagnosis (a
    new primary is a new first treatment); without a diagnosis date, the earliest of all."""
    from django.db.models import Q

    from caseway.records.models import Condition, Treatment
    from caseway.registry.models import Surgery
    from caseway.tumorboard.models import Implementation

    sites = Q()
    centers = set()
    for board in boards:
        centers.add(board.center_id)
        for prefix in board.tumor_sites:
            sites |= Q(icd10__istartswith=prefix)
    if not centers:
        return {}
    diagnosed: dict[int, dt.date | None] = {}
    for patient_id, day in (
        Condition.objects.filter(
            sites, patient__center_id__in=centers, role="primary", voided=False
        )
        .values_list("patient_id", "diagnosed_on")
        .order_by("patient_id", "diagnosed_on")
    ):
        if day is not None or patient_id not in diagnosed:
            diagnosed[patient_id] = day
    dates: list[tuple[int, dt.date | None]] = [
        *Treatment.objects.filter(patient_id__in=diagnosed, voided=False).values_list(
            "patient_id", "started_on"
        ),
        *Surgery.objects.filter(patient_id__in=diagnosed, voided=False).values_list(
            "patient_id", "date"
        ),
        # A plan carried out is a treatment too, before the record has the treatment row.
        *Implementation.objects.filter(
            recommendation__case__patient_id__in=diagnosed, started_on__isnull=False
        ).values_list("recommendation__case__patient_id", "started_on"),
    ]
    first: dict[int, dt.date] = {}
    for patient_id, day in dates:
        since = diagnosed[patient_id]
        if day is None or (since is not None and day < since):
            continue
        if patient_id not in first or day < first[patient_id]:
            first[patient_id] = day
    return first


def for_board(board: Any, start: dt.date, end: dt.date) -> Metrics:
    from caseway.tumorboard.models import Board

    return _gather(Board.objects.filter(pk=board.pk), start, end)


def for_center(center: Any, start: dt.date, end: dt.date) -> Metrics:
    from caseway.tumorboard.models import Board

    return _gather(Board.objects.filter(center=center, voided=False), start, end)
