"""Organisational reference data: who the association's members are and who works there.

Every row is versioned (optimistic locking) and voided rather than deleted, like clinical rows:
a center that closes keeps its history, and later registries keep pointing at it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caseway.core.versioning import VersionedModel, VoidableModel
from caseway.organizations.choices import (
    SPOKEN_LANGUAGE_CODES,
    CenterKind,
    DepartmentKind,
    RegistrationKind,
    RegistrationStatus,
)

__all__ = [
    "Association",
    "Center",
    "Clinician",
    "Department",
    "Institution",
    "InstitutionRegistration",
]

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{1,39}$",
    _("Use 2 to 40 lower-case letters, digits and hyphens."),
)
phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-,]{6,40}$", _("Enter a telephone number such as +82-2-3410-0200.")
)

#: A registration is "due for renewal" this many days before it expires.
RENEWAL_WINDOW_DAYS = 183


class BilingualName(models.Model):
    """Abstract base: a name in English and in Korean, shown in the reader's language."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("ko") and self.name_ko:
            return self.name_ko
        return self.name_en


class Association(BilingualName, VersionedModel):
    """The association itself (one per installation)."""

    short_name = models.CharField(_("short name"), max_length=40)
    phone = models.CharField(
        _("telephone"), max_length=60, blank=True, validators=[phone_validator]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    synthetic_data = models.BooleanField(
        _("demo installation with synthetic data"), default=False, editable=False
    )

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    @classmethod
    def current(cls) -> Association | None:
        return cls.objects.order_by("pk").first()


class Institution(BilingualName, VersionedModel, VoidableModel):
    """A member hospital."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    city_en = models.CharField(_("city (English)"), max_length=100)
    city_ko = models.CharField(_("city (Korean)"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("founded"), null=True, blank=True)
    member_since = models.DateField(_("member since"), null=True, blank=True)
    ipc_contact_name = models.CharField(
        _("international patient center contact"), max_length=200, blank=True
    )
    ipc_phone = models.CharField(
        _("international patient center telephone"),
        max_length=60,
        blank=True,
        validators=[phone_validator],
    )
    ipc_email = models.EmailField(_("international patient center e-mail"), blank=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name_en"]

    @property
    def institution_id(self) -> int:
        return self.pk

    @property
    def city(self) -> str:
        if (get_language() or "en").startswith("ko") and self.city_ko:
            return self.city_ko
        return self.city_en

    def clean(self) -> None:
        super().clean()
        this_year = timezone.localdate().year
        if self.founded_year and not 1000 <= self.founded_year <= this_year:
            raise ValidationError({"founded_year": _("Enter a year between 1000 and this year.")})


class InstitutionRegistration(VersionedModel, VoidableModel):
    """A registration an institution must keep valid, e.g. to attract foreign patients."""

    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="registrations", verbose_name=_("institution")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=RegistrationKind.choices)
    number = models.CharField(_("registration number"), max_length=80)
    issued_by = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")),
                name="registration_expires_after_issue",
                violation_error_message=_("The expiry date must be after the issue date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def status_on(self, day: dt.date) -> str:
        if self.expires_on < day:
            return RegistrationStatus.EXPIRED
        if (self.expires_on - day).days <= RENEWAL_WINDOW_DAYS:
            return RegistrationStatus.EXPIRING
        return RegistrationStatus.VALID

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return str(RegistrationStatus(self.status).label)


class Center(BilingualName, VersionedModel, VoidableModel):
    """A center of excellence within an institution."""

    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="centers", verbose_name=_("institution")
    )
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=CenterKind.choices)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    established_year = models.PositiveSmallIntegerField(_("established"), null=True, blank=True)
    phone = models.CharField(
        _("telephone"), max_length=60, blank=True, validators=[phone_validator]
    )
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("center")
        verbose_name_plural = _("centers")
        ordering = ["name_en"]

    @property
    def center_id(self) -> int:
        return self.pk


class Department(BilingualName, VersionedModel, VoidableModel):
    """A clinical department of an institution."""

    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="departments", verbose_name=_("institution")
    )
    kind = models.CharField(_("specialty area"), max_length=40, choices=DepartmentKind.choices)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name_en"],
                condition=Q(voided=False),
                name="department_unique_name",
                violation_error_message=_(
                    "This institution already has a department of this name."
                ),
            ),
        ]


class Clinician(VersionedModel, VoidableModel):
    """A clinician of a member institution, as listed in the directory."""

    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="clinicians", verbose_name=_("institution")
    )
    department = models.ForeignKey(
        Department, models.PROTECT, related_name="clinicians", verbose_name=_("department")
    )
    center = models.ForeignKey(
        Center,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="clinicians",
        verbose_name=_("center"),
    )
    user = models.OneToOneField(
        "accounts.User",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="clinician",
        verbose_name=_("account"),
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    specialty = models.CharField(_("specialty"), max_length=200)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("clinician")
        verbose_name_plural = _("clinicians")
        ordering = ["name_en"]

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("ko") and self.name_ko:
            return self.name_ko
        return self.name_en

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not isinstance(self.languages, list) or not all(
            isinstance(code, str) for code in self.languages
        ):
            errors["languages"] = _("Give the languages as a list of codes such as ['ko', 'en'].")
        else:
            unknown = sorted(set(self.languages) - SPOKEN_LANGUAGE_CODES)
            if unknown:
                errors["languages"] = _("Unknown language code: %(codes)s.") % {
                    "codes": ", ".join(unknown)
                }
            self.languages = sorted(set(self.languages), key=self.languages.index)
        if (
            self.department_id
            and self.institution_id
            and (self.department.institution_id != self.institution_id)
        ):
            errors["department"] = _("The department belongs to another institution.")
        if (
            self.center_id
            and self.institution_id
            and (
                self.center.institution_id != self.institution_id  # type: ignore[union-attr]
            )
        ):
            errors["center"] = _("The center belongs to another institution.")
        if errors:
            raise ValidationError(errors)
