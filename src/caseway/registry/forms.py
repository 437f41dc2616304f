"""Forms for the registry; patients, conditions and centers offered come through the gate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caseway.core.ui import GatedForm
from caseway.organizations.models import Center
from caseway.records.models import Condition, Patient
from caseway.registry import models as m
from caseway.registry import scores
from caseway.registry.choices import OPERATIVE_REPORT_ITEMS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PCIField(forms.CharField):
    """The 13 Peritoneal Cancer Index regions (0 to 12) as one line of scores, e.g.
    ``2,1,0,0,3,2,1,0,0,1,1,0,0``: quicker to type from an operative note than 13 boxes."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict) and value:
            return ",".join(str(value.get(str(r), value.get(r, ""))) for r in scores.PCI_REGIONS)
        return value

    def to_python(self, value: Any) -> dict[str, int] | None:  # type: ignore[override]
        text = (value or "").strip() if not isinstance(value, dict) else value
        if isinstance(text, dict):
            return text
        if not text:
            return None
        parts = [p.strip() for p in text.replace(";", ",").split(",")]
        if len(parts) != len(scores.PCI_REGIONS) or not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                _("Give 13 scores (regions 0 to 12), each 0 to 3, separated by commas.")
            )
        regions = {
            str(region): int(score) for region, score in zip(scores.PCI_REGIONS, parts, strict=True)
        }
        try:
            scores.pci_total(regions)
        except scores.ScoreError as exc:
            raise forms.ValidationError(str(exc)) from None
        return regions


def recording_centers(actor: Any) -> Any:
    """Centers where the actor may record surgeries (not every center they can read about)."""
    from django.db.models import Q

    from caseway.registry.policies import RECORDERS

    if getattr(actor, "is_system", False):
        return Center.objects.filter(voided=False)
    institutions = {
        g.institution_id for g in actor.grants if g.role in RECORDERS and g.institution_id
    }
    centers = {g.center_id for g in actor.grants if g.role in RECORDERS and g.center_id}
    return Center.objects.filter(
        Q(institution_id__in=institutions) | Q(pk__in=centers), voided=False
    ).order_by("code")


class SurgeryForm(GatedForm):
    gated_choices = {"patient": Patient, "condition": Condition, "center": Center}
    pci_preop = PCIField(label=_("PCI before surgery"), required=False)
    pci_intraop = PCIField(label=_("PCI at surgery"), required=False)
    operative_report = forms.MultipleChoiceField(
        label=_("operative report describes"),
        choices=OPERATIVE_REPORT_ITEMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The areas ESGO requires an operative report to describe."),
    )

    class Meta:
        model = m.Surgery
        fields = [
            "patient",
            "condition",
            "center",
            "date",
            "urgency",
            "specialty",
            "procedure_group",
            "indication",
            "timing",
            "neoadjuvant_cycles",
            "advanced_ovarian",
            "approach",
            "platform",
            "converted_to",
            "conversion_reason",
            "incision_to_closure_min",
            "docking_min",
            "console_min",
            "blood_loss_ml",
            "transfused",
            "pci_preop",
            "pci_intraop",
            "residual_mm",
            "residual_locations",
            "incomplete_reason",
            "operative_report",
            "pathology_report_complete",
            "mdt_discussed",
            "in_trial",
            "preop_workup_complete",
            "complications_prospective",
            "reoperation",
            "interventional_radiology",
            "icu_transfer",
            "readmission",
            "death_date",
            "length_of_stay",
            "adjuvant_chemo_start",
        ]
        widgets = {name: DATE for name in ("date", "death_date", "adjuvant_chemo_start")}

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        if "center" in self.fields and actor is not None:  # where the actor records surgeries
            self.fields["center"].queryset = recording_centers(actor)  # type: ignore[attr-defined]
        for name in ("pci_preop", "pci_intraop"):  # shown, and posted back, as one line
            self.initial[name] = self.fields[name].prepare_value(self.initial.get(name))
        report = self.initial.get("operative_report")
        if isinstance(report, dict):
            self.initial["operative_report"] = [key for key, done in report.items() if done]

    def clean_operative_report(self) -> dict[str, bool]:
        ticked = set(self.cleaned_data.get("operative_report") or [])
        if not ticked:
            return {}
        return {key: key in ticked for key, _label in OPERATIVE_REPORT_ITEMS}


class AmendmentForm(SurgeryForm):
    """The same fields as a surgery (patient and center stay), plus why it is amended."""

    amendment_reason = forms.CharField(label=_("reason for the amendment"), max_length=300)

    class Meta(SurgeryForm.Meta):
        fields = [f for f in SurgeryForm.Meta.fields if f not in ("patient", "center")]


def _row_form(model: type[Any], fields: list[str]) -> type[GatedForm]:
    meta = type("Meta", (), {"model": model, "fields": ["surgery", *fields]})
    return type(
        f"{model.__name__}Form",
        (GatedForm,),
        {"Meta": meta, "gated_choices": {"surgery": m.Surgery}},
    )


ProcedureForm = _row_form(
    m.Procedure, ["local_code", "name", "standard_system", "standard_code", "aletti_group"]
)
TeamMemberForm = _row_form(m.TeamMember, ["clinician", "name", "role", "specialty"])
ComplicationForm = _row_form(
    m.Complication, ["description", "grade", "present_at_discharge", "day"]
)


class ImportForm(forms.Form):
    center = forms.ModelChoiceField(queryset=Center.objects.none(), label=_("center"))
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("One row per surgery, as the data dictionary describes. All rows or none."),
    )

    def __init__(self, *args: Any, centers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if centers is not None:
            self.fields["center"].queryset = centers  # type: ignore[attr-defined]
