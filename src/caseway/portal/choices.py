"""Coded values of the public portal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Languages the portal's content can be written in. English and Korean are the interface
#: languages; the others are content languages for patients, shown with a fallback.
CONTENT_LANGUAGES = [
    ("en", "English"),
    ("ko", "한국어"),
    ("ja", "日本語"),
    ("zh", "中文"),
    ("ru", "Русский"),
    ("ar", "العربية"),
    ("mn", "Монгол"),
    ("vi", "Tiếng Việt"),
]
CONTENT_LANGUAGE_CODES = frozenset(code for code, _name in CONTENT_LANGUAGES)
#: Right-to-left scripts among them.
RTL_LANGUAGES = frozenset({"ar"})


class AccreditationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    RENEWAL_DUE = "renewal_due", _("Valid, renewal due")
    RENEWAL_PENDING = "renewal_pending", _("Expired, renewal pending")
    EXPIRED = "expired", _("Expired")


class NewsKind(models.TextChoices):
    MILESTONE = "milestone", _("Milestone")
    ACCREDITATION = "accreditation", _("Accreditation")
    ANNOUNCEMENT = "announcement", _("Announcement")


class NewsStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
