"""Forms of the portal's staff pages: accreditations, their evidence documents and renewal,
the center profile and news, with the texts a center writes in each content language.

Texts are kept per language in one JSON value (``{"en": {...}, "ko": {...}}``); the forms show
one field per language and key (English and Korean always, the other languages folded away)
and put them back together. Centers offered are those the person manages (coordinators of the
center or its institution, association administrators); the gate decides again on saving.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from caseway.accounts.roles import STAFF_ROLES
from caseway.core.ui import GatedForm, https_formfield
from caseway.organizations.models import Center
from caseway.portal.choices import CONTENT_LANGUAGES, RTL_LANGUAGES, NewsKind
from caseway.portal.models import (
    _ICD10_PREFIX,
    DEFAULT_VALIDITY_YEARS,
    Accreditation,
    AccreditationEvidence,
    CenterProfile,
    NewsItem,
)
from caseway.portal.policies import MANAGERS
from caseway.records import files
from caseway.registry.choices import Approach, ProcedureGroup

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: Languages whose fields are always shown; the others are folded into a <details>.
PRIMARY_LANGUAGES = ("en", "ko")
#: Evidence documents are certificates and audit reports, not scans of whole archives.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
#: What evidence may be (judged by content): PDF and PNG/JPEG images, never DICOM.
EVIDENCE_KINDS = frozenset({"pdf", "image"})

TEXT_LABELS: dict[str, Any] = {
    "title": _("Title"),
    "body": _("Text"),
    "summary": _("Summary"),
    "treats": _("What the center treats"),
    "team": _("The team"),
}


# --- centers a person may choose -------------------------------------------------------------


def centers_for(actor: Any, roles: frozenset[str] = STAFF_ROLES) -> QuerySet[Center]:
    """Current centers where ``actor`` holds one of ``roles`` (at the center, over its
    institution, or association-wide)."""
    rows = Center.objects.filter(voided=False).select_related("institution").order_by("name_en")
    if actor is None:
        return rows.none()
    if getattr(actor, "is_system", False):
        return rows
    institutions, centers = actor.center_scope(roles)
    if institutions is None:
        return rows
    return rows.filter(Q(institution_id__in=institutions) | Q(pk__in=centers))


def managed_centers(actor: Any) -> QuerySet[Center]:
    """Centers whose portal content ``actor`` manages."""
    return centers_for(actor, MANAGERS)


# --- fields ----------------------------------------------------------------------------------


class ICD10ListField(forms.Field):
    """ICD-10 codes or 3-character prefixes typed comma-separated ("C56, C57.0, C48")."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        parts = (p.strip().upper() for p in re.split(r"[,;\s]+", str(value or "")))
        return list(dict.fromkeys(p for p in parts if p))

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        bad = [code for code in value if not re.match(_ICD10_PREFIX, code)]
        if bad:
            raise ValidationError(
                _("Not ICD-10 codes: %(codes)s. Write them like C56 or C57.0."),
                code="invalid",
                params={"codes": ", ".join(bad)},
            )

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value


def _multiple(label: Any, choices: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class LanguageTextsMixin:
    """Fields ``<key>_<language>`` for every content language and text key, gathered back
    into ``{"en": {"title": ...}, ...}`` (languages left empty are left out)."""

    text_keys: Sequence[str] = ()
    long_keys: frozenset[str] = frozenset()
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_text_fields(self) -> None:
        for code, name in CONTENT_LANGUAGES:
            for key in self.text_keys:
                attrs = {"lang": code, "dir": "rtl" if code in RTL_LANGUAGES else "ltr"}
                if key in self.long_keys:
                    widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": 4})
                else:
                    widget = forms.TextInput(attrs=attrs)
                self.fields[f"{key}_{code}"] = forms.CharField(
                    label=f"{TEXT_LABELS.get(key, key)} ({name})",
                    required=False,
                    widget=widget,
                    max_length=200 if key == "title" else 5000,
                )

    @classmethod
    def text_initial(cls, texts: Mapping[str, Any] | None) -> dict[str, str]:
        initial = {}
        for code, entry in (texts or {}).items():
            for key, value in (entry or {}).items():
                initial[f"{key}_{code}"] = value
        return initial

    def text_names(self) -> list[str]:
        return [f"{key}_{code}" for code, _name in CONTENT_LANGUAGES for key in self.text_keys]

    def texts(self) -> dict[str, dict[str, str]]:
        texts: dict[str, dict[str, str]] = {}
        for code, _name in CONTENT_LANGUAGES:
            entry = {
                key: self.cleaned_data.get(f"{key}_{code}", "").strip()
                for key in self.text_keys
                if self.cleaned_data.get(f"{key}_{code}", "").strip()
            }
            if entry:
                texts[code] = entry
        return texts

    def language_groups(self, primary: bool) -> list[tuple[str, str, list[Any]]]:
        """(code, name, bound fields) per language, the always-shown or the folded ones."""
        groups = []
        for code, name in CONTENT_LANGUAGES:
            if (code in PRIMARY_LANGUAGES) == primary:
                bound = [self[f"{key}_{code}"] for key in self.text_keys]  # type: ignore[index]
                groups.append((code, name, bound))
        return groups

    @property
    def primary_languages(self) -> list[tuple[str, str, list[Any]]]:
        return self.language_groups(primary=True)

    @property
    def other_languages(self) -> list[tuple[str, str, list[Any]]]:
        return self.language_groups(primary=False)

    @property
    def other_languages_open(self) -> bool:
        """Unfold the other languages when they hold text or an error."""
        return any(
            field.errors or field.value()
            for _c, _n, fields in self.other_languages
            for field in fields
        )


def conflict_rows(
    form: forms.Form, theirs: Mapping[str, Any], current_version: int
) -> list[dict[str, Any]]:
    """What the person changed beside what is saved now; the form then carries the current
    version, so saving again (after comparing) is based on what is saved."""
    rows = []
    for name in form.changed_data:
        if name == "version":
            continue
        field = form.fields[name]
        rows.append(
            {
                "label": field.label,
                "mine": field.prepare_value(form.cleaned_data.get(name)),
                "theirs": field.prepare_value(theirs.get(name)),
            }
        )
    data = form.data.copy()  # type: ignore[attr-defined]
    data["version"] = current_version
    form.data = data
    return rows


# --- accreditations --------------------------------------------------------------------------


class AccreditationForm(GatedForm):
    scope_icd10 = ICD10ListField(
        label=capfirst(_("conditions covered (ICD-10)")),
        required=False,
        help_text=_("Comma-separated codes or 3-character prefixes, e.g. C56, C57, C48."),
    )
    scope_procedure_groups = _multiple(
        capfirst(_("procedure groups covered")), ProcedureGroup.choices
    )
    scope_approaches = _multiple(capfirst(_("approaches covered")), Approach.choices)

    class Meta:
        model = Accreditation
        fields = [
            "center",
            "body",
            "body_name",
            "program_en",
            "program_ko",
            "level",
            "scope_icd10",
            "scope_procedure_groups",
            "scope_approaches",
            "granted_on",
            "valid_until",
            "certificate_number",
            "public_url",
            "published",
        ]
        widgets = {"granted_on": DATE, "valid_until": DATE}
        formfield_callback = https_formfield

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["center"].queryset = managed_centers(actor)  # type: ignore[attr-defined]
        self.fields["valid_until"].help_text = _(
            "Leave empty for the usual validity: %(years)s years after it was granted."
        ) % {"years": DEFAULT_VALIDITY_YEARS}


class RenewalForm(forms.Form):
    """The center has submitted its renewal application."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submitted_on = forms.DateField(label=capfirst(_("renewal submitted on")), widget=DATE)


class EvidenceForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    """A certificate or audit report: PDF or PNG/JPEG, checked by its content."""

    upload = forms.FileField(
        label=capfirst(_("file")),
        help_text=_("PDF, PNG or JPEG, at most 20 MB. Judged by its content, not its name."),
    )

    class Meta:
        model = AccreditationEvidence
        fields = ["title", "document_date"]
        widgets = {"document_date": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspected: files.Inspected | None = None
        self.content = b""

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return upload
        limit = min(EVIDENCE_MAX_BYTES, files.max_bytes())
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s bytes."),
                params={"size": f"{upload.size:,}", "limit": f"{limit:,}"},
            )
        content = upload.read()
        try:
            inspected = files.inspect(content)
        except files.FileRejected as exc:
            raise ValidationError(str(exc)) from None
        if inspected.kind not in EVIDENCE_KINDS:
            raise ValidationError(_("Evidence must be a PDF or a PNG or JPEG image."))
        self.inspected, self.content = inspected, content
        return upload


# --- the center profile ----------------------------------------------------------------------


def indicator_choices() -> list[tuple[str, str]]:
    """Every indicator of every profile, as "profile/indicator" with its names."""
    from caseway.registry import queries

    choices = []
    for profile_id, definition in sorted(queries.profiles().items()):
        profile_name = queries.localized(definition.name)
        for indicator in definition.indicators:
            label = f"{profile_name}: {queries.localized(indicator.name)}"
            choices.append((f"{profile_id}/{indicator.id}", label))
    return choices


class ProfileForm(LanguageTextsMixin, forms.Form):
    """What a center says about itself on the portal; saving creates the profile if missing."""

    text_keys = CenterProfile.TEXT_KEYS
    long_keys = frozenset(CenterProfile.TEXT_KEYS)

    #: 0 while the center has no profile yet.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    published = forms.BooleanField(
        label=capfirst(_("shown on the portal")),
        required=False,
        help_text=_("Unpublished, the portal shows only the center's name and evidence."),
    )
    declared_icd10 = ICD10ListField(
        label=capfirst(_("conditions treated (ICD-10)")),
        required=False,
        help_text=_(
            "Comma-separated, e.g. C56, C53, C54. They make the center findable; only the "
            "registry's evidence ranks it."
        ),
    )
    declared_procedure_groups = _multiple(
        capfirst(_("procedure groups performed")), ProcedureGroup.choices
    )
    published_indicators = _multiple(
        capfirst(_("indicators published")),
        (),
        _("Computed from the registry for the last complete year, with their intervals."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_text_fields()
        self.fields["published_indicators"].choices = indicator_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, profile: CenterProfile | None) -> dict[str, Any]:
        if profile is None:
            return {"version": 0}
        return {
            "version": profile.version,
            "published": profile.published,
            "declared_icd10": list(profile.declared_icd10 or []),
            "declared_procedure_groups": list(profile.declared_procedure_groups or []),
            "published_indicators": [
                f"{c['profile']}/{c['indicator']}" for c in profile.published_indicators or []
            ],
            **cls.text_initial(profile.texts),
        }

    def values(self) -> dict[str, Any]:
        """The profile's fields as the form has them."""
        data = self.cleaned_data
        return {
            "published": data["published"],
            "texts": self.texts(),
            "declared_icd10": data["declared_icd10"],
            "declared_procedure_groups": list(data["declared_procedure_groups"]),
            "published_indicators": [
                dict(zip(("profile", "indicator"), value.split("/", 1), strict=True))
                for value in data["published_indicators"]
            ],
        }


# --- news ------------------------------------------------------------------------------------


class NewsForm(LanguageTextsMixin, forms.Form):
    """A news item: its kind, date and texts per language (the center only when adding)."""

    text_keys = NewsItem.TEXT_KEYS
    long_keys = frozenset({"body"})

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    center = forms.ModelChoiceField(
        label=capfirst(_("center")),
        queryset=Center.objects.none(),
        required=False,
        help_text=_("Empty: news of the association (association administrators only)."),
    )
    kind = forms.ChoiceField(label=capfirst(_("kind")), choices=NewsKind.choices)
    event_date = forms.DateField(label=capfirst(_("date of the event")), widget=DATE)

    def __init__(self, *args: Any, actor: Any = None, adding: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if adding:
            del self.fields["version"]
            self.fields["center"].queryset = managed_centers(actor)  # type: ignore[attr-defined]
            if actor is None or not actor.is_association_admin:
                self.fields["center"].required = True
                self.fields["center"].help_text = ""
        else:
            del self.fields["center"]
            self.fields["version"].required = True
        self.add_text_fields()

    @classmethod
    def initial_for(cls, item: NewsItem) -> dict[str, Any]:
        return {
            "version": item.version,
            "kind": item.kind,
            "event_date": item.event_date,
            **cls.text_initial(item.texts),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"title_{code}", "").strip() for code, _n in CONTENT_LANGUAGES):
            raise ValidationError(_("Give a title in at least one language."))
        return data

    def changes(self) -> dict[str, Any]:
        """What changed, as the news item's fields."""
        texts = self.text_names()
        changed = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name not in ("version", "center") and name not in texts
        }
        if any(name in texts for name in self.changed_data):
            changed["texts"] = self.texts()
        return changed
