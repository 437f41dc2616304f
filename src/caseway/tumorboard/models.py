"""The multidisciplinary tumor board: boards, their meetings and members, the cases submitted to
them, the recommendations made and whether they were carried out.

A recommendation once signed is immutable; a correction is an amendment (a new signed
recommendation naming the one it supersedes). Follow-up of implementation is a separate row,
because it changes after signing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caseway.core.versioning import VersionedModel, VoidableModel
from caseway.organizations.choices import DepartmentKind
from caseway.organizations.models import code_validator
from caseway.tumorboard.choices import (
    SURGICAL_MODALITIES,
    CaseStatus,
    CaseUrgency,
    Complexity,
    DeviationReason,
    ImplementationStatus,
    Intent,
    MeetingMode,
    MeetingStatus,
    Modality,
    NonConcordance,
    ParticipantRole,
    ReadinessItem,
    Triage,
    Weekday,
)

_DEPARTMENTS = set(DepartmentKind.values)
_MODALITIES = set(Modality.values)
_READINESS = set(ReadinessItem.values)


def _department_list(value: Any, field: str) -> dict[str, Any]:
    """Errors for a list of department codes (empty dict when fine)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return {field: _("Give a list of department codes.")}
    unknown = sorted(set(value) - _DEPARTMENTS)
    if unknown:
        return {field: _("Unknown department: %(codes)s.") % {"codes": ", ".join(unknown)}}
    return {}


class Board(VersionedModel, VoidableModel):
    """A center's tumor board for one or more tumor sites, with its quorum and meeting pattern."""

    center = models.ForeignKey(
        "organizations.Center", models.PROTECT, related_name="boards", verbose_name=_("center")
    )
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    #: ICD-10 prefixes of the tumor sites the board decides on (e.g. "C56" ovary).
    tumor_sites = models.JSONField(_("tumor sites (ICD-10)"), default=list)
    #: Departments whose presence makes a quorum.
    quorum = models.JSONField(_("quorum departments"), default=list)
    #: Extra departments a site needs (e.g. {"C53": ["radiation_oncology"]}).
    site_quorum = models.JSONField(_("extra quorum by tumor site"), default=dict, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    interval_weeks = models.PositiveSmallIntegerField(
        _("every n weeks"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    time_zone = models.CharField(_("time zone"), max_length=60, default="Asia/Seoul")
    mode = models.CharField(_("mode"), max_length=10, choices=MeetingMode.choices)
    location = models.CharField(_("room"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    minutes_simple = models.PositiveSmallIntegerField(
        _("minutes for a simple case"), default=4, validators=[MinValueValidator(1)]
    )
    minutes_standard = models.PositiveSmallIntegerField(
        _("minutes for a standard case"), default=8, validators=[MinValueValidator(1)]
    )
    minutes_complex = models.PositiveSmallIntegerField(
        _("minutes for a complex case"), default=12, validators=[MinValueValidator(1)]
    )
    #: [{"item": "imaging", "within_days": 56}, ...]: what a case needs before scheduling.
    readiness = models.JSONField(_("readiness checklist"), default=list, blank=True)
    notice_hours = models.PositiveSmallIntegerField(
        _("case list sent hours before"), default=24, validators=[MinValueValidator(24)]
    )

    class Meta:
        verbose_name = _("tumor board")
        verbose_name_plural = _("tumor boards")
        ordering = ["code"]

    @property
    def name(self) -> str:
        return self.name_ko if (get_language() or "en").startswith("ko") else self.name_en

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, complexity: str) -> int:
        return {
            Complexity.SIMPLE: self.minutes_simple,
            Complexity.STANDARD: self.minutes_standard,
            Complexity.COMPLEX: self.minutes_complex,
        }[Complexity(complexity)]

    def quorum_for(self, icd10: str) -> frozenset[str]:
        """The departments that must be present to discuss a case of this ICD-10 code."""
        extra = [
            department
            for prefix, departments in (self.site_quorum or {}).items()
            if icd10 and icd10.upper().startswith(prefix.upper())
            for department in departments
        ]
        return frozenset(self.quorum) | frozenset(extra)

    def covers(self, icd10: str) -> bool:
        code = (icd10 or "").upper()
        return any(code.startswith(prefix.upper()) for prefix in self.tumor_sites)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not isinstance(self.tumor_sites, list) or not self.tumor_sites:
            errors["tumor_sites"] = _("Name at least one tumor site by its ICD-10 code (e.g. C56).")
        elif not all(
            isinstance(s, str) and len(s) >= 2 and s[0].isalpha() for s in self.tumor_sites
        ):
            errors["tumor_sites"] = _("Give ICD-10 codes or prefixes such as C56 or C5.")
        errors |= _department_list(self.quorum, "quorum")
        if not errors.get("quorum") and not self.quorum:
            errors["quorum"] = _("Name the departments whose presence makes a quorum.")
        if not isinstance(self.site_quorum, dict):
            errors["site_quorum"] = _('Give the extra departments by site, e.g. {"C53": [...]}.')
        else:
            for departments in self.site_quorum.values():
                errors |= _department_list(departments, "site_quorum")
        if self.time_zone not in available_timezones():
            errors["time_zone"] = _("Unknown time zone.")
        errors |= _readiness_errors(self.readiness)
        if self.mode in (MeetingMode.VIDEO, MeetingMode.HYBRID) and not self.video_url:
            errors["video_url"] = _("A video meeting needs its link.")
        if self.mode in (MeetingMode.IN_PERSON, MeetingMode.HYBRID) and not self.location:
            errors["location"] = _("A meeting in person needs its room.")
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _readiness_errors(value: Any) -> dict[str, Any]:
    message = _(
        'Give the checklist as a list of items such as {"item": "imaging", "within_days": 56}.'
    )
    if not isinstance(value, list):
        return {"readiness": message}
    for entry in value:
        if not isinstance(entry, dict) or entry.get("item") not in _READINESS:
            return {"readiness": message}
        days = entry.get("within_days")
        if days is not None and (not isinstance(days, int) or not 1 <= days <= 730):
            return {"readiness": _("within_days must be a whole number of days, 1 to 730.")}
    return {}


class BoardMember(VersionedModel, VoidableModel):
    """A clinician in a board's standing membership, for one department."""

    board = models.ForeignKey(Board, models.PROTECT, related_name="members")
    clinician = models.ForeignKey(
        "organizations.Clinician", models.PROTECT, related_name="+", verbose_name=_("clinician")
    )
    department = models.CharField(_("department"), max_length=40, choices=DepartmentKind.choices)
    role = models.CharField(
        _("role"), max_length=12, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER
    )

    class Meta:
        verbose_name = _("board member")
        verbose_name_plural = _("board members")
        ordering = ["department", "clinician__name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "clinician"],
                condition=models.Q(voided=False),
                name="one_membership_per_board",
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician} ({self.get_department_display()})"


class Meeting(VersionedModel, VoidableModel):
    """One meeting of a board, generated from its pattern. Its version guards the agenda: every
    change to which cases are on it (solve, pin, move) bumps it, so two coordinators cannot
    overwrite each other's agenda."""

    board = models.ForeignKey(Board, models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    mode = models.CharField(_("mode"), max_length=10, choices=MeetingMode.choices)
    location = models.CharField(_("room"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    #: Increases with every published change of the case list (0: never sent).
    agenda_revision = models.PositiveIntegerField(_("case list revision"), default=0)
    agenda_sent_at = models.DateTimeField(_("case list sent"), null=True, blank=True)
    #: Recorded when the meeting is closed: was the quorum present, how long did it take.
    quorum_met = models.BooleanField(_("quorum present"), null=True, blank=True)
    actual_minutes = models.PositiveSmallIntegerField(
        _("minutes taken"), null=True, blank=True, validators=[MaxValueValidator(600)]
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "starts_at"],
                condition=models.Q(voided=False),
                name="one_meeting_per_board_and_time",
            )
        ]
        indexes = [models.Index(fields=["board", "starts_at"], name="meeting_board_start")]

    def __str__(self) -> str:
        local = self.starts_at.astimezone(self.board.zone) if self.starts_at else None
        return f"{self.board} {local:%Y-%m-%d %H:%M}" if local else str(self.board)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def notice_due(self) -> dt.datetime:
        """When the case list must go out at the latest."""
        return self.starts_at - dt.timedelta(hours=self.board.notice_hours)


class Participation(VersionedModel):
    """One person at one meeting: a member or an invited guest, whether they said they can
    come (availability) and whether they came (attendance)."""

    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="participants")
    clinician = models.ForeignKey(
        "organizations.Clinician", models.PROTECT, related_name="+", verbose_name=_("clinician")
    )
    department = models.CharField(_("department"), max_length=40, choices=DepartmentKind.choices)
    guest = models.BooleanField(_("invited guest"), default=False)
    available = models.BooleanField(_("available"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["guest", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "clinician"], name="one_participation_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician} @ {self.meeting}"


class BoardCase(VersionedModel, VoidableModel):
    """A patient submitted to a board with a question to answer."""

    board = models.ForeignKey(Board, models.PROTECT, related_name="cases")
    patient = models.ForeignKey(
        "records.Patient", models.PROTECT, related_name="board_cases", verbose_name=_("patient")
    )
    condition = models.ForeignKey(
        "records.Condition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="board_cases",
        verbose_name=_("condition"),
    )
    question = models.TextField(_("question for the board"))
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=CaseUrgency.choices, default=CaseUrgency.ROUTINE
    )
    deadline = models.DateField(_("discuss by"))
    complexity = models.CharField(
        _("complexity"), max_length=10, choices=Complexity.choices, default=Complexity.STANDARD
    )
    presenting = models.ForeignKey(
        "organizations.Clinician",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presenting clinician"),
    )
    #: Departments whose specialist must be present (e.g. hepatobiliary surgery).
    specialists = models.JSONField(_("specialists needed"), default=list, blank=True)
    #: Clinician ids of guests invited only for this case.
    guests = models.JSONField(_("invited guests"), default=list, blank=True)
    triage = models.CharField(
        _("triage"), max_length=20, choices=Triage.choices, default=Triage.PENDING
    )
    triage_note = models.CharField(_("triage note"), max_length=500, blank=True)
    #: Readiness items confirmed by hand: {"pathology_review": {"by": "...", "on": "2026-..."}}.
    confirmed = models.JSONField(_("confirmed items"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED
    )
    meeting = models.ForeignKey(
        Meeting,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("meeting"),
    )
    pinned = models.BooleanField(_("pinned by a coordinator"), default=False)
    position = models.PositiveSmallIntegerField(_("order on the agenda"), null=True, blank=True)
    #: The case this one discusses again, and why.
    previous = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rediscussions",
        verbose_name=_("discusses again"),
    )
    rediscussion_reason = models.CharField(_("why discuss again"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("board case")
        verbose_name_plural = _("board cases")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["board", "status"], name="boardcase_board_status"),
            models.Index(fields=["patient", "status"], name="boardcase_patient_status"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} — {self.board}"

    @property
    def minutes(self) -> int:
        return self.board.minutes_for(self.complexity)

    @property
    def center_id(self) -> int:
        return self.board.center_id

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not (self.question or "").strip():
            errors["question"] = _("Say what the board should answer.")
        errors |= _department_list(self.specialists, "specialists")
        if not isinstance(self.guests, list) or not all(isinstance(g, int) for g in self.guests):
            errors["guests"] = _("Give the invited guests as clinician ids.")
        if self.patient_id and self.board_id and self.patient.center_id != self.board.center_id:
            errors["patient"] = _("The patient's record is held by another center.")
        condition = self.condition if self.condition_id else None
        if condition is not None and self.patient_id and condition.patient_id != self.patient_id:
            errors["condition"] = _("This condition is another patient's.")
        if self.previous_id and not (self.rediscussion_reason or "").strip():
            errors["rediscussion_reason"] = _("Say why the case is discussed again.")
        meeting = self.meeting if self.meeting_id else None
        if meeting is not None and self.board_id and meeting.board_id != self.board_id:
            errors["meeting"] = _("The meeting belongs to another board.")
        if errors:
            raise ValidationError(errors)


class Recommendation(VersionedModel, VoidableModel):
    """What the board recommended for a case, on the structured form."""

    case = models.ForeignKey(BoardCase, models.PROTECT, related_name="recommendations")
    meeting = models.ForeignKey(
        Meeting, models.PROTECT, null=True, blank=True, related_name="recommendations"
    )
    standard_of_care = models.BooleanField(
        _("standard of care, recorded without discussion"), default=False
    )
    summary = models.TextField(_("summary of the discussion"), blank=True)
    intent = models.CharField(_("intent"), max_length=10, choices=Intent.choices)
    #: The modalities in sequence: [{"modality": "neoadjuvant_chemotherapy", "detail": "..."}].
    steps = models.JSONField(_("treatment in sequence"), default=list)
    surgical_plan = models.TextField(_("surgical plan"), blank=True)
    surgical_departments = models.JSONField(
        _("surgical departments joining the operation"), default=list, blank=True
    )
    trial_referral = models.BooleanField(_("refer to a clinical trial"), default=False)
    trial_note = models.CharField(_("which trial"), max_length=300, blank=True)
    further_tests = models.TextField(_("further tests"), blank=True)
    #: Clinician ids of the named participants who made the recommendation.
    participants = models.JSONField(_("participants"), default=list)
    guideline_concordant = models.BooleanField(_("concordant with the guideline"))
    non_concordance = models.CharField(
        _("why not concordant"), max_length=20, choices=NonConcordance.choices, blank=True
    )
    non_concordance_note = models.CharField(_("explanation"), max_length=500, blank=True)
    #: Made at a meeting without quorum: to be confirmed.
    provisional = models.BooleanField(_("provisional"), default=False, editable=False)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("signed by"),
    )
    amends = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="amendments",
        verbose_name=_("amends"),
    )
    amendment_reason = models.CharField(
        _("reason for the amendment"), max_length=500, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} — {self.get_intent_display()}"

    @property
    def center_id(self) -> int:
        return self.case.board.center_id

    @property
    def is_current(self) -> bool:
        return not self.voided and not self.amendments.filter(voided=False).exists()

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        steps = self.steps
        if not isinstance(steps, list) or not steps:
            errors["steps"] = _("Give at least one treatment step.")
        elif not all(isinstance(s, dict) and s.get("modality") in _MODALITIES for s in steps):
            errors["steps"] = _("Each step needs a modality from the list.")
        elif any(len(str(s.get("detail", ""))) > 300 for s in steps):
            errors["steps"] = _("A step's detail is at most 300 characters.")
        errors |= _department_list(self.surgical_departments, "surgical_departments")
        if (
            not errors.get("steps")
            and not errors.get("surgical_departments")
            and self.surgical_departments
            and not any(s["modality"] in SURGICAL_MODALITIES for s in steps)
        ):
            errors["surgical_departments"] = _(
                "Surgical departments are named only for a plan with an operation."
            )
        if self.trial_referral and not (self.trial_note or "").strip():
            errors["trial_note"] = _("Name the trial the patient is referred to.")
        participants = self.participants
        if not isinstance(participants, list) or not all(isinstance(p, int) for p in participants):
            errors["participants"] = _("Give the participants as clinician ids.")
        elif not participants:
            errors["participants"] = _("Name the participants who made the recommendation.")
        if self.guideline_concordant is False and not self.non_concordance:
            errors["non_concordance"] = _("Say why the recommendation departs from the guideline.")
        if self.guideline_concordant and self.non_concordance:
            errors["non_concordance"] = _("A concordant recommendation has no reason to depart.")
        if self.amends_id and not (self.amendment_reason or "").strip():
            errors["amendment_reason"] = _("An amendment needs a reason.")
        if errors:
            raise ValidationError(errors)


class Implementation(VersionedModel):
    """Follow-up of a recommendation: was it carried out, when, and if not, why."""

    recommendation = models.OneToOneField(
        Recommendation, models.PROTECT, related_name="implementation"
    )
    status = models.CharField(
        _("carried out"),
        max_length=20,
        choices=ImplementationStatus.choices,
        default=ImplementationStatus.PENDING,
    )
    started_on = models.DateField(_("treatment started on"), null=True, blank=True)
    reason = models.CharField(
        _("reason"), max_length=20, choices=DeviationReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("implementation")
        verbose_name_plural = _("implementations")

    def __str__(self) -> str:
        return self.get_status_display()

    @property
    def center_id(self) -> int:
        return self.recommendation.case.board.center_id

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        carried = self.status in (ImplementationStatus.IMPLEMENTED, ImplementationStatus.PARTIAL)
        if carried and not self.started_on:
            errors["started_on"] = _("Give the date the treatment started.")
        if self.status in (ImplementationStatus.PARTIAL, ImplementationStatus.NOT_IMPLEMENTED):
            if not self.reason:
                errors["reason"] = _("Say why the plan was not fully carried out.")
        elif self.reason:
            errors["reason"] = _("A reason is given only when the plan was not fully carried out.")
        if self.status == ImplementationStatus.PENDING and self.started_on:
            errors["status"] = _("A treatment that started is carried out, at least partly.")
        if self.reason == DeviationReason.OTHER and not (self.note or "").strip():
            errors["note"] = _("Explain the other reason.")
        if errors:
            raise ValidationError(errors)


class AgendaNotice(models.Model):
    """A case list sent to a meeting's participants: the first one, and each later change."""

    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="notices")
    revision = models.PositiveIntegerField()
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)
    #: What changed since the previous revision: {"added": [case ids], "removed": [...]}.
    changes = models.JSONField(default=dict)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "revision"], name="one_notice_per_revision")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} #{self.revision}"
