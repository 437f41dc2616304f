"""Forms of the tumor board pages.

Rows a form offers (boards, patients, clinicians, meetings) come from querysets the view took
through the access gate. What a form cannot judge alone (a board's sites, a meeting's status,
a recommendation's coherence) the services and models judge; ``caseway.core.ui.show_errors``
puts their messages beside the same fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caseway.organizations.choices import DepartmentKind
from caseway.organizations.models import Clinician
from caseway.records.models import Condition, Patient
from caseway.tumorboard.choices import (
    CaseUrgency,
    Complexity,
    DeviationReason,
    ImplementationStatus,
    Intent,
    Modality,
    NonConcordance,
    ReadinessItem,
    Triage,
)
from caseway.tumorboard.models import Board, BoardCase, Meeting, Recommendation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: Rows offered for the treatment sequence; empty rows are ignored.
STEP_ROWS = 5


def clinician_label(clinician: Clinician) -> str:
    return f"{clinician.name} · {clinician.specialty}" if clinician.specialty else clinician.name


class ClinicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return clinician_label(obj)


class CliniciansChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return clinician_label(obj)


def meeting_label(meeting: Meeting) -> str:
    """A meeting by its local date and time in the board's zone."""
    local = meeting.starts_at.astimezone(meeting.board.zone)
    return f"{local:%Y-%m-%d %H:%M} · {meeting.get_status_display()}"


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return meeting_label(obj)


class SeenVersionsField(forms.Field):
    """The meeting versions a coordinator saw, sent back as hidden ``id:version`` values, so a
    write based on a stale agenda is refused."""

    widget = forms.MultipleHiddenInput

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return [f"{pk}:{version}" for pk, version in value.items()]
        return value

    def to_python(self, value: Any) -> dict[int, int]:
        if not value:
            return {}
        if isinstance(value, Mapping):
            return {int(k): int(v) for k, v in value.items()}
        items = [value] if isinstance(value, str) else list(value)
        seen: dict[int, int] = {}
        for item in items:
            pk, colon, version = str(item).partition(":")
            if not (colon and pk.isdigit() and version.isdigit()):
                raise ValidationError(_("The page sent malformed agenda versions; reload it."))
            seen[int(pk)] = int(version)
        return seen


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OwnIds(forms.Form):
    """A form that shares its page with others: its element ids start with ``id_prefix``."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


# --- boards and meetings --------------------------------------------------------------------------


class PeriodForm(forms.Form):
    """A period ``from`` to ``to`` (both inclusive), as in ``?from=2026-12-01&to=2026-12-31``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=pgettext_lazy("period", "From"), widget=DATE)
        self.fields["to"] = forms.DateField(label=pgettext_lazy("period", "To"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", _("The period ends before it starts."))
        return data

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["from"], self.cleaned_data["to"]


class ApplyAgendaForm(OwnIds, PeriodForm):
    """The plan a coordinator previewed: its period and the meeting versions it was based on."""

    id_prefix = "apply"
    seen = SeenVersionsField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"].widget = forms.HiddenInput()
        self.fields["to"].widget = forms.HiddenInput()


class MetricsForm(PeriodForm):
    board = forms.ModelChoiceField(
        label=_("Board"), queryset=Board.objects.none(), to_field_name="code"
    )

    def __init__(self, *args: Any, boards: QuerySet[Board], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = boards  # type: ignore[attr-defined]
        self.order_fields(["board", "from", "to"])


class AvailabilityForm(forms.Form):
    version = _version()
    available = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes"
    )


class InviteGuestForm(forms.Form):
    clinician = ClinicianChoice(label=_("Clinician"), queryset=Clinician.objects.none())
    department = forms.ChoiceField(label=_("Department"), choices=DepartmentKind.choices)

    def __init__(self, *args: Any, clinicians: QuerySet[Clinician], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians  # type: ignore[attr-defined]


class CloseMeetingForm(forms.Form):
    """Who came (a box per participant) and how long the meeting took."""

    version = _version()
    actual_minutes = forms.IntegerField(
        label=_("Minutes the meeting took"), min_value=1, max_value=600, required=False
    )

    def __init__(self, *args: Any, participants: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.participants = participants
        for row in participants:
            name = f"attended_{row.pk}"
            self.fields[name] = forms.BooleanField(
                label=f"{row.clinician} ({row.get_department_display()})", required=False
            )
            came = row.attended if row.attended is not None else row.available is True
            self.initial.setdefault(name, came)

    def attendance(self) -> dict[int, bool]:
        return {
            row.pk: bool(self.cleaned_data.get(f"attended_{row.pk}")) for row in self.participants
        }

    def attendance_fields(self) -> list[forms.BoundField]:
        return [self[f"attended_{row.pk}"] for row in self.participants]


class MoveForm(forms.Form):
    """Pin a case to a meeting, or take it off the agenda (no meeting chosen). The meetings
    offered are given as a list, so a page with a form per case reads them once."""

    version = _version()
    meeting = MeetingChoice(label=_("Meeting"), queryset=Meeting.objects.none(), required=False)
    seen = SeenVersionsField(required=False)

    def __init__(self, *args: Any, meetings: list[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        field.queryset = Meeting.objects.filter(pk__in=[m.pk for m in meetings])  # type: ignore[attr-defined]
        field.choices = [("", _("Off the agenda")), *[(m.pk, meeting_label(m)) for m in meetings]]  # type: ignore[attr-defined]


# --- cases ----------------------------------------------------------------------------------------


class CaseForm(forms.Form):
    """A patient submitted to a board. The patient is chosen by MRN among the patients of the
    board's center the submitter may see; the condition among that patient's."""

    board = forms.ModelChoiceField(
        label=_("Board"), queryset=Board.objects.none(), to_field_name="code"
    )
    mrn = forms.CharField(
        label=_("Patient (MRN)"),
        max_length=40,
        help_text=_("The medical record number at the board's center."),
    )
    condition = forms.ModelChoiceField(
        label=_("Condition"),
        queryset=Condition.objects.none(),
        required=False,
        help_text=_("Enter the MRN and press “Find the patient's conditions” to choose."),
    )
    question = forms.CharField(
        label=_("Question for the board"), widget=forms.Textarea(attrs={"rows": 3})
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=CaseUrgency.choices, initial=CaseUrgency.ROUTINE
    )
    deadline = forms.DateField(label=_("Discuss by"), widget=DATE)
    complexity = forms.ChoiceField(
        label=_("Complexity"), choices=Complexity.choices, initial=Complexity.STANDARD
    )
    presenting = ClinicianChoice(
        label=_("Presenting clinician"), queryset=Clinician.objects.none(), required=False
    )
    specialists = forms.MultipleChoiceField(
        label=_("Specialists needed"),
        choices=DepartmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guests = CliniciansChoice(
        label=_("Invited guests"),
        queryset=Clinician.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        boards: QuerySet[Board],
        patients: QuerySet[Patient],
        conditions: QuerySet[Condition],
        clinicians: QuerySet[Clinician],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.patients = patients
        self.fields["board"].queryset = boards  # type: ignore[attr-defined]
        self.fields["presenting"].queryset = clinicians  # type: ignore[attr-defined]
        self.fields["guests"].queryset = clinicians  # type: ignore[attr-defined]
        patient = self.patient_named()
        self.fields["condition"].queryset = (  # type: ignore[attr-defined]
            conditions.filter(patient=patient, voided=False).order_by("-diagnosed_on", "pk")
            if patient is not None
            else conditions.none()
        )

    def _raw(self, name: str) -> str:
        source = self.data if self.is_bound else self.initial
        value = source.get(name) if source else None
        if isinstance(value, Board):
            return value.code
        return str(value or "").strip()

    def patient_named(self) -> Patient | None:
        """The patient the MRN names at the chosen board's center (None if not found)."""
        code, mrn = self._raw("board"), self._raw("mrn")
        if not (code and mrn):
            return None
        board = self.fields["board"].queryset.filter(code=code).first()  # type: ignore[attr-defined]
        if board is None:
            return None
        return self.patients.filter(center_id=board.center_id, mrn=mrn, voided=False).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        board, mrn = data.get("board"), data.get("mrn")
        if board is not None and mrn:
            patient = self.patients.filter(center_id=board.center_id, mrn=mrn, voided=False).first()
            if patient is None:
                self.add_error(
                    "mrn", _("No patient with this MRN at the board's center is open to you.")
                )
            else:
                data["patient"] = patient
        return data

    def case(self) -> BoardCase:
        data = self.cleaned_data
        return BoardCase(
            board=data["board"],
            patient=data["patient"],
            condition=data.get("condition"),
            question=data["question"].strip(),
            urgency=data["urgency"],
            deadline=data["deadline"],
            complexity=data["complexity"],
            presenting=data.get("presenting"),
            specialists=list(data.get("specialists") or []),
            guests=[c.pk for c in data.get("guests") or []],
        )


#: How a service's errors about a case map to the submission form's fields.
CASE_ALIASES = {"patient": "mrn"}


class TriageForm(OwnIds):
    id_prefix = "triage"
    version = _version()
    triage = forms.ChoiceField(
        label=_("Triage"), choices=[c for c in Triage.choices if c[0] != Triage.PENDING]
    )
    triage_note = forms.CharField(
        label=_("Note (what is missing, if not ready)"), max_length=500, required=False
    )


class ConfirmForm(forms.Form):
    version = _version()
    item = forms.ChoiceField(choices=ReadinessItem.choices)


class WithdrawForm(OwnIds):
    id_prefix = "withdraw"
    version = _version()
    reason = forms.CharField(label=_("Why withdraw the case"), max_length=500)


class RediscussForm(forms.Form):
    reason = forms.CharField(
        label=_("Why discuss again"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    question = forms.CharField(
        label=_("Question for the board"), widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(label=_("Discuss by"), widget=DATE)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=CaseUrgency.choices, initial=CaseUrgency.ROUTINE
    )


# --- recommendations ------------------------------------------------------------------------------

_YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class RecommendationForm(forms.Form):
    """The structured recommendation: intent, the treatment steps in order, the surgical plan,
    a trial referral, further tests, who decided, and whether it follows the guideline."""

    meeting = MeetingChoice(
        label=_("Meeting where the case was discussed"),
        queryset=Meeting.objects.none(),
        required=False,
    )
    intent = forms.ChoiceField(label=_("Intent"), choices=Intent.choices)
    surgical_plan = forms.CharField(
        label=_("Surgical plan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    surgical_departments = forms.MultipleChoiceField(
        label=_("Surgical departments joining the operation"),
        choices=DepartmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    trial_referral = forms.BooleanField(label=_("Refer to a clinical trial"), required=False)
    trial_note = forms.CharField(label=_("Which trial"), max_length=300, required=False)
    further_tests = forms.CharField(
        label=_("Further tests"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    participants = CliniciansChoice(
        label=_("Participants who made the recommendation"),
        queryset=Clinician.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    guideline_concordant = forms.TypedChoiceField(
        label=_("Concordant with the guideline"),
        choices=_YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    non_concordance = forms.ChoiceField(
        label=_("Why not concordant"),
        choices=[("", "—"), *NonConcordance.choices],
        required=False,
    )
    non_concordance_note = forms.CharField(label=_("Explanation"), max_length=500, required=False)
    summary = forms.CharField(
        label=_("Summary of the discussion"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args: Any,
        clinicians: QuerySet[Clinician],
        meetings: QuerySet[Meeting] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if meetings is None:
            del self.fields["meeting"]
        else:
            self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]
        self.fields["participants"].queryset = clinicians  # type: ignore[attr-defined]
        modalities = [("", "—"), *Modality.choices]
        for n in range(1, STEP_ROWS + 1):
            self.fields[f"step_{n}_modality"] = forms.ChoiceField(
                label=_("Step %(n)s: modality") % {"n": n}, choices=modalities, required=False
            )
            self.fields[f"step_{n}_detail"] = forms.CharField(
                label=_("Step %(n)s: detail") % {"n": n}, max_length=300, required=False
            )

    @classmethod
    def initial_from(cls, recommendation: Recommendation) -> dict[str, Any]:
        """The form's values for an existing recommendation."""
        initial: dict[str, Any] = {
            "meeting": recommendation.meeting_id,
            "intent": recommendation.intent,
            "surgical_plan": recommendation.surgical_plan,
            "surgical_departments": list(recommendation.surgical_departments),
            "trial_referral": recommendation.trial_referral,
            "trial_note": recommendation.trial_note,
            "further_tests": recommendation.further_tests,
            "participants": list(recommendation.participants),
            "guideline_concordant": "yes" if recommendation.guideline_concordant else "no",
            "non_concordance": recommendation.non_concordance,
            "non_concordance_note": recommendation.non_concordance_note,
            "summary": recommendation.summary,
        }
        for n, step in enumerate(recommendation.steps[:STEP_ROWS], start=1):
            initial[f"step_{n}_modality"] = step.get("modality", "")
            initial[f"step_{n}_detail"] = step.get("detail", "")
        return initial

    def step_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (n, self[f"step_{n}_modality"], self[f"step_{n}_detail"])
            for n in range(1, STEP_ROWS + 1)
        ]

    def other_fields(self) -> list[forms.BoundField]:
        return [
            field
            for field in self.visible_fields()
            if not field.name.startswith("step_") and field.name != "meeting"
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        steps = []
        for n in range(1, STEP_ROWS + 1):
            modality = data.get(f"step_{n}_modality") or ""
            detail = (data.get(f"step_{n}_detail") or "").strip()
            if not modality and not detail:
                continue  # an empty row
            if not modality:
                self.add_error(f"step_{n}_modality", _("Choose the modality of this step."))
                continue
            steps.append({"modality": modality, "detail": detail})
        if not steps and not self.errors:
            self.add_error("step_1_modality", _("Give at least one treatment step."))
        data["steps"] = steps
        return data

    def values(self) -> dict[str, Any]:
        """The recommendation's fields as the model stores them."""
        data = self.cleaned_data
        values = {
            "intent": data["intent"],
            "steps": data["steps"],
            "surgical_plan": data["surgical_plan"].strip(),
            "surgical_departments": list(data["surgical_departments"]),
            "trial_referral": data["trial_referral"],
            "trial_note": data["trial_note"].strip(),
            "further_tests": data["further_tests"].strip(),
            "participants": [c.pk for c in data["participants"]],
            "guideline_concordant": data["guideline_concordant"],
            "non_concordance": data["non_concordance"],
            "non_concordance_note": data["non_concordance_note"].strip(),
            "summary": data["summary"].strip(),
        }
        if "meeting" in self.fields:
            values["meeting"] = data.get("meeting")
        return values


#: How a recommendation's model errors map to the form's fields.
RECOMMENDATION_ALIASES = {"steps": "step_1_modality"}


class EditRecommendationForm(RecommendationForm):
    version = _version()


class AmendForm(RecommendationForm):
    amendment_reason = forms.CharField(
        label=_("Reason for the amendment"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignForm(forms.Form):
    version = _version()


class FollowUpForm(OwnIds):
    id_prefix = "follow_up"
    version = _version()
    status = forms.ChoiceField(label=_("Carried out"), choices=ImplementationStatus.choices)
    started_on = forms.DateField(label=_("Treatment started on"), required=False, widget=DATE)
    reason = forms.ChoiceField(
        label=_("Reason, if not fully carried out"),
        choices=[("", "—"), *DeviationReason.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
