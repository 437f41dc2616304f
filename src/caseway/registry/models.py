"""The surgical registry: one record per operation, with its procedures, team and outcomes.

Scores are derived, never typed (``scores.py``). A signed record is immutable: a correction is
an amendment, a new record that names the one it supersedes, which stays as it was.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from caseway.core.versioning import VersionedModel, VoidableModel
from caseway.registry import scores
from caseway.registry.choices import (
    OPERATIVE_REPORT_ITEMS,
    AlettiGroup,
    Approach,
    ClavienDindo,
    ConversionTarget,
    ProcedureGroup,
    SurgeonSpecialty,
    TeamRole,
    Timing,
    Urgency,
)


def _validate_pci(value: Any) -> None:
    if value in (None, {}):
        return
    if not isinstance(value, dict):
        raise ValidationError(_('Give the PCI as region number to score, e.g. {"0": 2}.'))
    try:
        scores.pci_total(value)
    except (scores.ScoreError, ValueError) as exc:
        raise ValidationError(str(exc)) from None


class Surgery(VersionedModel, VoidableModel):
    patient = models.ForeignKey(
        "records.Patient", models.PROTECT, related_name="surgeries", verbose_name=_("patient")
    )
    condition = models.ForeignKey(
        "records.Condition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="surgeries",
        verbose_name=_("condition"),
    )
    center = models.ForeignKey(
        "organizations.Center", models.PROTECT, related_name="surgeries", verbose_name=_("center")
    )
    date = models.DateField(_("date of surgery"))
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ELECTIVE
    )
    specialty = models.CharField(_("specialty"), max_length=20, choices=SurgeonSpecialty.choices)
    indication = models.CharField(_("indication"), max_length=300)
    procedure_group = models.CharField(
        _("procedure group"),
        max_length=25,
        choices=ProcedureGroup.choices,
        default=ProcedureGroup.OTHER,
    )
    timing = models.CharField(
        _("timing"), max_length=10, choices=Timing.choices, default=Timing.NOT_APPLICABLE
    )
    neoadjuvant_cycles = models.PositiveSmallIntegerField(
        _("neoadjuvant cycles"), null=True, blank=True, validators=[MaxValueValidator(12)]
    )
    advanced_ovarian = models.BooleanField(
        _("cytoreduction for advanced (stage III-IV) ovarian cancer"), default=False
    )
    approach = models.CharField(
        _("approach"),
        max_length=20,
        choices=Approach.choices,
        blank=True,
        help_text=_("Empty when the source did not say (e.g. some FHIR imports)."),
    )
    platform = models.CharField(_("platform"), max_length=80, blank=True)
    converted_to = models.CharField(
        _("conversion"), max_length=15, blank=True, choices=ConversionTarget.choices
    )
    conversion_reason = models.CharField(_("reason for conversion"), max_length=300, blank=True)
    incision_to_closure_min = models.PositiveIntegerField(
        _("incision to closure (min)"), null=True, blank=True
    )
    docking_min = models.PositiveIntegerField(_("docking (min)"), null=True, blank=True)
    console_min = models.PositiveIntegerField(_("console (min)"), null=True, blank=True)
    blood_loss_ml = models.PositiveIntegerField(_("blood loss (ml)"), null=True, blank=True)
    transfused = models.BooleanField(_("transfusion"), null=True, blank=True)
    pci_preop = models.JSONField(
        _("PCI before surgery"), null=True, blank=True, validators=[_validate_pci]
    )
    pci_intraop = models.JSONField(
        _("PCI at surgery"), null=True, blank=True, validators=[_validate_pci]
    )
    residual_mm = models.DecimalField(
        _("largest residual nodule (mm)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("0 when no residual disease is left; empty when not recorded."),
    )
    residual_locations = models.CharField(
        _("residual disease locations"), max_length=300, blank=True
    )
    incomplete_reason = models.CharField(
        _("reason resection is incomplete"), max_length=300, blank=True
    )
    operative_report = models.JSONField(_("operative report checklist"), default=dict, blank=True)
    pathology_report_complete = models.BooleanField(
        _("pathology report complete"), null=True, blank=True
    )
    mdt_discussed = models.BooleanField(
        _("planned at a multidisciplinary meeting"), null=True, blank=True
    )
    in_trial = models.BooleanField(_("in a clinical trial"), null=True, blank=True)
    preop_workup_complete = models.BooleanField(
        _("required pre-operative work-up done"), null=True, blank=True
    )
    complications_prospective = models.BooleanField(
        _("complications recorded prospectively"), null=True, blank=True
    )
    reoperation = models.BooleanField(_("reoperation"), null=True, blank=True)
    interventional_radiology = models.BooleanField(
        _("interventional radiology"), null=True, blank=True
    )
    icu_transfer = models.BooleanField(_("ICU transfer"), null=True, blank=True)
    readmission = models.BooleanField(_("readmission"), null=True, blank=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    length_of_stay = models.PositiveSmallIntegerField(
        _("length of stay (days)"), null=True, blank=True
    )
    adjuvant_chemo_start = models.DateField(
        _("adjuvant chemotherapy started"), null=True, blank=True
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("signed by"),
    )
    amends = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        editable=False,
        verbose_name=_("amends"),
    )
    amendment_reason = models.CharField(
        _("reason for the amendment"), max_length=300, blank=True, editable=False
    )
    source_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("surgery")
        verbose_name_plural = _("surgeries")
        ordering = ["-date"]
        indexes = [models.Index(fields=["center", "date"], name="surgery_center_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.indication}"

    @property
    def institution_id(self) -> int:
        return self.center.institution_id

    @property
    def robotic(self) -> bool:
        return self.approach in (Approach.ROBOTIC_MULTIPORT, Approach.ROBOTIC_SINGLE_PORT)

    @property
    def operative_report_complete(self) -> bool | None:
        if not self.operative_report:
            return None
        return all(self.operative_report.get(key) for key, _label in OPERATIVE_REPORT_ITEMS)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.converted_to and not self.conversion_reason:
            errors["conversion_reason"] = _("Say why the operation was converted.")
        if self.converted_to and self.approach == Approach.OPEN:
            errors["converted_to"] = _("An open operation cannot be converted.")
        if self.timing == Timing.INTERVAL and not self.neoadjuvant_cycles:
            errors["neoadjuvant_cycles"] = _(
                "Interval surgery follows neoadjuvant cycles: give their number."
            )
        if self.residual_mm and self.residual_mm > 0 and not self.incomplete_reason:
            errors["incomplete_reason"] = _("Say why residual disease was left.")
        for name in ("death_date", "adjuvant_chemo_start"):
            day = getattr(self, name)
            if day and self.date and day < self.date:
                errors[name] = _("This date is before the surgery.")
        if self.patient_id and self.center_id and self.patient.center_id != self.center_id:
            errors["center"] = _("The patient belongs to another center.")
        unknown = set(self.operative_report or {}) - {k for k, _l in OPERATIVE_REPORT_ITEMS}
        if unknown:
            errors["operative_report"] = _("Unknown checklist items: %(items)s.") % {
                "items": ", ".join(sorted(unknown))
            }
        if errors:
            raise ValidationError(errors)


class SurgeryRow(VersionedModel, VoidableModel):
    """Abstract base of what belongs to one operation."""

    class Meta:
        abstract = True

    @property
    def center_id(self) -> int:
        return self.surgery.center_id  # type: ignore[attr-defined]

    @property
    def institution_id(self) -> int:
        return self.surgery.center.institution_id  # type: ignore[attr-defined]

    @property
    def patient_id(self) -> int:
        return self.surgery.patient_id  # type: ignore[attr-defined]


class Procedure(SurgeryRow):
    """A procedure performed, by local code, mapped to a standard code where one exists."""

    surgery = models.ForeignKey(
        Surgery, models.PROTECT, related_name="procedures", verbose_name=_("surgery")
    )
    local_code = models.CharField(_("local code"), max_length=40)
    name = models.CharField(_("procedure"), max_length=200)
    standard_system = models.CharField(_("standard code system"), max_length=100, blank=True)
    standard_code = models.CharField(_("standard code"), max_length=40, blank=True)
    aletti_group = models.CharField(
        _("Aletti group"), max_length=40, blank=True, choices=AlettiGroup.choices
    )

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return self.name


class TeamMember(SurgeryRow):
    surgery = models.ForeignKey(
        Surgery, models.PROTECT, related_name="team", verbose_name=_("surgery")
    )
    clinician = models.ForeignKey(
        "organizations.Clinician",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinician"),
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=12, choices=TeamRole.choices)
    specialty = models.CharField(_("specialty"), max_length=20, choices=SurgeonSpecialty.choices)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Complication(SurgeryRow):
    """One complication, graded Clavien-Dindo, with the day after surgery it began."""

    surgery = models.ForeignKey(
        Surgery, models.PROTECT, related_name="complications", verbose_name=_("surgery")
    )
    description = models.CharField(_("complication"), max_length=200)
    grade = models.CharField(_("Clavien-Dindo grade"), max_length=4, choices=ClavienDindo.choices)
    present_at_discharge = models.BooleanField(_("present at discharge (d)"), default=False)
    day = models.PositiveSmallIntegerField(
        _("day after surgery"), validators=[MaxValueValidator(90)]
    )

    class Meta:
        verbose_name = _("complication")
        verbose_name_plural = _("complications")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.description} ({self.graded})"

    @property
    def graded(self) -> str:
        return f"{self.grade}d" if self.present_at_discharge and self.grade != "V" else self.grade


class SurgeryFacts(models.Model):
    """What the indicator engine reads about one surgery: flat, derived, never typed.

    Kept in step with the surgery and its procedures, team and complications
    (``services.refresh_facts``). Field names are the engine's record fields, so the same
    indicator definitions run in Python (case lists) and as one SQL aggregate (dashboards).
    ``current`` is false for a voided surgery and for one an amendment has superseded: the
    signed original stays untouched, only this derived row changes.
    """

    surgery = models.OneToOneField(Surgery, models.CASCADE, primary_key=True, related_name="facts")
    center = models.ForeignKey("organizations.Center", models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    date = models.DateField()
    current = models.BooleanField(default=True)
    primary_surgeon = models.CharField(max_length=220, null=True)
    primary_surgeon_specialty = models.CharField(max_length=20, null=True)
    #: Primary or interval cytoreduction for advanced ovarian cancer (first-line treatment).
    aoc_cytoreduction = models.BooleanField()
    #: Any cytoreductive surgery for advanced ovarian cancer, secondary and tertiary included
    #: (ESGO QI 2 counts these for center and surgeon volumes).
    aoc_surgery = models.BooleanField(default=False)
    timing = models.CharField(max_length=10, null=True)
    residual = models.CharField(max_length=10, null=True)
    robotic = models.BooleanField()
    approach = models.CharField(max_length=20)
    converted = models.BooleanField()
    proctored = models.BooleanField()
    in_trial = models.BooleanField(null=True)
    mdt_discussed = models.BooleanField(null=True)
    preop_workup_complete = models.BooleanField(null=True)
    operative_report_complete = models.BooleanField(null=True)
    pathology_report_complete = models.BooleanField(null=True)
    complications_prospective = models.BooleanField(null=True)
    death_30d = models.BooleanField(null=True)
    death_90d = models.BooleanField(null=True)
    major_morbidity_30d = models.BooleanField(null=True)
    days_to_chemo = models.IntegerField(null=True)
    aletti_score = models.PositiveSmallIntegerField(null=True)
    cci = models.FloatField(null=True)
    pci = models.PositiveSmallIntegerField(null=True)
    procedure_group = models.CharField(max_length=25)

    class Meta:
        indexes = [
            # every center in one year (comparisons); one center over years (dashboards,
            # volumes, reports)
            models.Index(fields=["year", "center", "current"], name="facts_year_center"),
            models.Index(fields=["center", "year"], name="facts_center_year"),
        ]

    def __str__(self) -> str:
        return f"facts of surgery {self.surgery_id}"

    def as_record(self) -> dict[str, Any]:
        record = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}
        record["id"] = record.pop("surgery_id")
        record["center"] = record.pop("center_id")
        return record
