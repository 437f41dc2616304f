"""The privacy officer's search and export forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from caseway.audit.models import AuditAction, AuditOutcome
from caseway.audit.services import EventFilter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EventSearchForm(forms.Form):
    actor = forms.CharField(label=_("who (e-mail contains)"), required=False, max_length=254)
    patient_id = forms.IntegerField(label=_("patient"), required=False, min_value=1)
    action = forms.ChoiceField(
        label=_("action"), required=False, choices=[("", "—"), *AuditAction.choices]
    )
    outcome = forms.ChoiceField(
        label=_("outcome"), required=False, choices=[("", "—"), *AuditOutcome.choices]
    )
    entity_type = forms.CharField(label=_("record type"), required=False, max_length=80)
    date_from = forms.DateField(label=_("from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("to"), required=False, widget=DATE)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data

    def event_filter(self) -> EventFilter:
        data = self.cleaned_data
        return EventFilter(
            actor=data.get("actor") or "",
            patient_id=data.get("patient_id"),
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            entity_type=data.get("entity_type") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class ExportForm(forms.Form):
    FORMATS = [("ndjson", _("FHIR AuditEvent (NDJSON)")), ("csv", _("CSV"))]

    format = forms.ChoiceField(label=_("format"), choices=FORMATS)
    reason = forms.CharField(
        label=_("reason for the export"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 5:
            raise forms.ValidationError(_("Say why you export the audit trail."))
        return reason
