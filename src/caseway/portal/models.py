"""The public portal: what a center publishes (its profile, accreditations, news) and the
evidence snapshot the portal shows and ranks by.

Texts a center writes are kept per language (``{"en": {...}, "ko": {...}, "ja": ...}``) and
read with a fallback (:func:`localized`), so a new language needs no migration. Evidence is
never typed: ``VolumeCell`` and ``PublicEvidence`` are derived from the registry by
``evidence.refresh`` and replaced whole each time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caseway.core.versioning import VersionedModel, VoidableModel
from caseway.portal.choices import (
    CONTENT_LANGUAGE_CODES,
    AccreditationStatus,
    NewsKind,
    NewsStatus,
)
from caseway.registry.choices import Approach, ProcedureGroup

#: Accreditations are valid five years unless the body says otherwise (ESGO's stated period
#: for training centers; configurable per accreditation).
DEFAULT_VALIDITY_YEARS = 5
#: Coordinators are alerted this long before an accreditation expires.
RENEWAL_NOTICE = dt.timedelta(days=183)
_ICD10_PREFIX = r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"


def fallback_chain(language: str | None) -> list[str]:
    """The requested language, then English, then Korean (the languages every center writes)."""
    first = (language or get_language() or "en").split("-")[0].lower()
    return list(dict.fromkeys([first, "en", "ko"]))


def localized(texts: Mapping[str, Any] | None, key: str, language: str | None = None) -> str:
    """``texts[lang][key]`` in the first language of the fallback chain that has it."""
    texts = texts or {}
    for code in fallback_chain(language):
        value = (texts.get(code) or {}).get(key)
        if value:
            return str(value)
    for entry in texts.values():  # any language at all rather than nothing
        if isinstance(entry, Mapping) and entry.get(key):
            return str(entry[key])
    return ""


def _check_texts(texts: Any, keys: tuple[str, ...], field: str) -> dict[str, Any]:
    if not isinstance(texts, dict):
        return {field: _('Give the texts per language, e.g. {"en": {...}, "ko": {...}}.')}
    unknown = sorted(set(texts) - CONTENT_LANGUAGE_CODES)
    if unknown:
        return {field: _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}}
    for entry in texts.values():
        if not isinstance(entry, dict) or set(entry) - set(keys):
            return {field: _("Each language has only: %(keys)s.") % {"keys": ", ".join(keys)}}
        if not all(isinstance(v, str) for v in entry.values()):
            return {field: _("Texts must be text.")}
    return {}


def _check_codes(value: Any, allowed: frozenset[str] | None, field: str) -> dict[str, Any]:
    import re

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return {field: _("Give a list of codes.")}
    if allowed is None:
        bad = [v for v in value if not re.match(_ICD10_PREFIX, v)]
        if bad:
            return {field: _("Not ICD-10 codes: %(codes)s.") % {"codes": ", ".join(bad)}}
    else:
        bad = sorted(set(value) - allowed)
        if bad:
            return {field: _("Unknown codes: %(codes)s.") % {"codes": ", ".join(bad)}}
    return {}


_GROUPS = frozenset(ProcedureGroup.values)
_APPROACHES = frozenset(Approach.values)


class Accreditation(VersionedModel, VoidableModel):
    """An accreditation of a center by an external body, with its scope and validity."""

    center = models.ForeignKey(
        "organizations.Center",
        models.PROTECT,
        related_name="accreditations",
        verbose_name=_("center"),
    )
    body = models.CharField(_("accrediting body"), max_length=40, help_text=_("e.g. ESGO"))
    body_name = models.CharField(_("body's full name"), max_length=200, blank=True)
    program_en = models.CharField(_("program (English)"), max_length=200)
    program_ko = models.CharField(_("program (Korean)"), max_length=200)
    level = models.CharField(_("level"), max_length=100, blank=True)
    #: What it covers: ICD-10 prefixes, procedure groups and approaches of the registry.
    scope_icd10 = models.JSONField(_("conditions covered (ICD-10)"), default=list, blank=True)
    scope_procedure_groups = models.JSONField(
        _("procedure groups covered"), default=list, blank=True
    )
    scope_approaches = models.JSONField(_("approaches covered"), default=list, blank=True)
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(
        _("valid until"), blank=True, help_text=_("Empty: five years after it was granted.")
    )
    renewal_submitted_on = models.DateField(_("renewal submitted on"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    public_url = models.URLField(_("public record"), blank=True)
    published = models.BooleanField(_("shown on the portal"), default=True)
    #: When the coordinators were alerted (six months before, and at expiry): once each.
    alerted_due_on = models.DateField(null=True, blank=True, editable=False)
    alerted_expired_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["-granted_on"]

    def __str__(self) -> str:
        return f"{self.body}: {self.program}"

    @property
    def program(self) -> str:
        return self.program_ko if (get_language() or "en").startswith("ko") else self.program_en

    def status(self, today: dt.date | None = None) -> AccreditationStatus:
        """Honest: an expired accreditation is expired, renewal pending or not."""
        today = today or timezone.localdate()
        if self.valid_until < today:
            if self.renewal_submitted_on:
                return AccreditationStatus.RENEWAL_PENDING
            return AccreditationStatus.EXPIRED
        if self.valid_until - today <= RENEWAL_NOTICE:
            return AccreditationStatus.RENEWAL_DUE
        return AccreditationStatus.VALID

    @property
    def current_status(self) -> AccreditationStatus:
        return self.status()

    def clean(self) -> None:
        super().clean()
        if self.granted_on and not self.valid_until:
            try:
                self.valid_until = self.granted_on.replace(
                    year=self.granted_on.year + DEFAULT_VALIDITY_YEARS
                )
            except ValueError:  # 29 February
                self.valid_until = self.granted_on + dt.timedelta(days=365 * 5 + 1)
        errors: dict[str, Any] = {}
        errors |= _check_codes(self.scope_icd10, None, "scope_icd10")
        errors |= _check_codes(self.scope_procedure_groups, _GROUPS, "scope_procedure_groups")
        errors |= _check_codes(self.scope_approaches, _APPROACHES, "scope_approaches")
        if not errors and not (
            self.scope_icd10 or self.scope_procedure_groups or self.scope_approaches
        ):
            errors["scope_icd10"] = _("Say what the accreditation covers.")
        if self.granted_on and self.granted_on > timezone.localdate():
            errors["granted_on"] = _("An accreditation is recorded once granted.")
        if self.granted_on and self.valid_until and self.valid_until <= self.granted_on:
            errors["valid_until"] = _("The validity ends before it starts.")
        if (
            self.renewal_submitted_on
            and self.granted_on
            and self.renewal_submitted_on < self.granted_on
        ):
            errors["renewal_submitted_on"] = _("A renewal comes after the grant.")
        if errors:
            raise ValidationError(errors)


class AccreditationEvidence(VersionedModel, VoidableModel):
    """A document proving an accreditation (certificate, audit report), content-checked and
    served only through the gate."""

    accreditation = models.ForeignKey(
        Accreditation, models.PROTECT, related_name="evidence", verbose_name=_("accreditation")
    )
    title = models.CharField(_("title"), max_length=200)
    document_date = models.DateField(_("date"))
    file = models.FileField(_("file"), upload_to="accreditation/", editable=False)
    content_type = models.CharField(max_length=60, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0, editable=False)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")
        ordering = ["-document_date"]

    def __str__(self) -> str:
        return self.title


class CenterProfile(VersionedModel):
    """What a center says about itself on the portal. Declared conditions make it findable;
    they never change its rank (only evidence does)."""

    TEXT_KEYS = ("summary", "treats", "team")

    center = models.OneToOneField(
        "organizations.Center", models.PROTECT, related_name="profile", verbose_name=_("center")
    )
    published = models.BooleanField(_("shown on the portal"), default=False)
    texts = models.JSONField(_("texts per language"), default=dict, blank=True)
    declared_icd10 = models.JSONField(_("conditions treated (ICD-10)"), default=list, blank=True)
    declared_procedure_groups = models.JSONField(
        _("procedure groups performed"), default=list, blank=True
    )
    #: [{"profile": "esgo-aoc-2016", "indicator": "complete_resection"}, ...]
    published_indicators = models.JSONField(_("indicators published"), default=list, blank=True)

    class Meta:
        verbose_name = _("center profile")
        verbose_name_plural = _("center profiles")

    def __str__(self) -> str:
        return str(self.center)

    def text(self, key: str, language: str | None = None) -> str:
        return localized(self.texts, key, language)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        errors |= _check_texts(self.texts, self.TEXT_KEYS, "texts")
        errors |= _check_codes(self.declared_icd10, None, "declared_icd10")
        errors |= _check_codes(self.declared_procedure_groups, _GROUPS, "declared_procedure_groups")
        chosen = self.published_indicators
        if not isinstance(chosen, list) or not all(
            isinstance(c, dict) and set(c) == {"profile", "indicator"} for c in chosen
        ):
            errors["published_indicators"] = _(
                'Give the indicators as [{"profile": ..., "indicator": ...}].'
            )
        else:
            from caseway.registry import queries

            known = {(p, i.id) for p in queries.profiles() for i in queries.profile(p).indicators}
            bad = [
                f"{c['profile']}/{c['indicator']}"
                for c in chosen
                if (c["profile"], c["indicator"]) not in known
            ]
            if bad:
                errors["published_indicators"] = _("Unknown indicators: %(ids)s.") % {
                    "ids": ", ".join(bad)
                }
        if errors:
            raise ValidationError(errors)


class NewsItem(VersionedModel, VoidableModel):
    """News of a center (or of the association when ``center`` is empty). Drafts are
    generated from registry milestones and accreditation events; people edit and publish."""

    TEXT_KEYS = ("title", "body")

    center = models.ForeignKey(
        "organizations.Center",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="news",
        verbose_name=_("center"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NewsKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=NewsStatus.choices, default=NewsStatus.DRAFT
    )
    texts = models.JSONField(_("texts per language"), default=dict)
    event_date = models.DateField(_("date of the event"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    #: What generated the draft (e.g. "milestone:sev-rmis:robotic:20000"): drafted once.
    source_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        ordering = ["-event_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~models.Q(source_key=""),
                name="one_draft_per_event",
            )
        ]

    def __str__(self) -> str:
        return self.title() or str(self.event_date)

    def title(self, language: str | None = None) -> str:
        return localized(self.texts, "title", language)

    def body(self, language: str | None = None) -> str:
        return localized(self.texts, "body", language)

    def clean(self) -> None:
        super().clean()
        errors = _check_texts(self.texts, self.TEXT_KEYS, "texts")
        if not errors and not localized(self.texts, "title"):
            errors["texts"] = _("Give a title in at least one language.")
        if errors:
            raise ValidationError(errors)


class VolumeCell(models.Model):
    """Registry operations of a center in the last 12 months for one combination of condition
    (3-character ICD-10), procedure group and approach: what search ranks volume by.
    Derived (``evidence.refresh``), never typed."""

    center = models.ForeignKey("organizations.Center", models.CASCADE, related_name="+")
    icd10 = models.CharField(max_length=3, blank=True)
    procedure_group = models.CharField(max_length=25)
    approach = models.CharField(max_length=20)
    count_12m = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["center"], name="volumecell_center"),
            models.Index(fields=["icd10"], name="volumecell_icd10"),
        ]

    def __str__(self) -> str:
        return f"{self.icd10 or '-'} {self.procedure_group} {self.approach}: {self.count_12m}"


class PublicEvidence(models.Model):
    """A center's published evidence as the portal shows it (annual volumes, milestones,
    published indicators with their intervals), computed from the registry at ``computed_at``.
    One document per center, so a center page and the partners' JSON are one read."""

    center = models.OneToOneField(
        "organizations.Center", models.CASCADE, primary_key=True, related_name="+"
    )
    computed_at = models.DateTimeField()
    document = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.center_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
