"""People and their roles.

A person signs in with an e-mail address. What they may do comes only from their memberships:
a role held in the association, in one institution (then it applies to all of its centers), or in
one center. A person can hold several.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caseway.accounts.roles import ALLOWED_LEVELS, STAFF_ROLES, Level, Role
from caseway.core.versioning import VersionedModel, VoidableModel

__all__ = ["ApiToken", "Membership", "User"]

TIME_ZONE_CHOICES = [
    ("Asia/Seoul", "Asia/Seoul"),
    ("Asia/Tokyo", "Asia/Tokyo"),
    ("Asia/Shanghai", "Asia/Shanghai"),
    ("Asia/Ulaanbaatar", "Asia/Ulaanbaatar"),
    ("Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh"),
    ("Asia/Dubai", "Asia/Dubai"),
    ("Europe/Moscow", "Europe/Moscow"),
    ("Europe/London", "Europe/London"),
    ("America/New_York", "America/New_York"),
    ("UTC", "UTC"),
]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A person who signs in. Roles come from memberships, never from flags on the user."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    full_name_ko = models.CharField(_("name in Korean"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Asia/Seoul"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo account"), default=False, editable=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    @property
    def is_staff_member(self) -> bool:
        """Works in the association or a member institution (and so must use a second factor)."""
        return self.memberships.filter(voided=False, role__in=STAFF_ROLES).exists()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        today = timezone.localdate()
        return self.filter(voided=False).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
            Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        )


class Membership(VersionedModel, VoidableModel):
    """One role held by one person in the association, an institution or a center."""

    user = models.ForeignKey(
        User, models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    institution = models.ForeignKey(
        "organizations.Institution",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("institution"),
    )
    center = models.ForeignKey(
        "organizations.Center",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("center"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__full_name", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(institution__isnull=True) | Q(center__isnull=True),
                name="membership_one_scope",
                violation_error_message=_(
                    "A role is held in an institution or a center, not both."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(institution__isnull=True, center__isnull=True, voided=False),
                name="membership_unique_association_role",
                violation_error_message=_("This person already holds this role."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "institution"],
                condition=Q(institution__isnull=False, voided=False),
                name="membership_unique_institution_role",
                violation_error_message=_("This person already holds this role here."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "center"],
                condition=Q(center__isnull=False, voided=False),
                name="membership_unique_center_role",
                violation_error_message=_("This person already holds this role here."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def level(self) -> str:
        if self.center_id:
            return Level.CENTER
        if self.institution_id:
            return Level.INSTITUTION
        return Level.ASSOCIATION

    @property
    def scope_label(self) -> str:
        if self.center_id:
            return str(self.center)
        if self.institution_id:
            return str(self.institution)
        return str(_("Association"))

    @property
    def scope_institution_id(self) -> int | None:
        if self.center_id:
            return self.center.institution_id  # type: ignore[union-attr]
        return self.institution_id

    def clean(self) -> None:
        super().clean()
        if self.role and self.level not in ALLOWED_LEVELS.get(self.role, frozenset()):
            raise ValidationError(
                {
                    "role": _("This role cannot be held at the %(level)s level.")
                    % {"level": Level(self.level).label}
                }
            )
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end date is before the start date.")})


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once, when created."""

    PREFIX = "cw_"

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.key_id}_…)"

    @classmethod
    def issue(cls, user: User, name: str, expires_at: Any = None) -> tuple[ApiToken, str]:
        """Create a token; returns it and the plain token text (never stored)."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            key_id=key_id,
            key_hash=_hash_token(secret),
            expires_at=expires_at,
        )
        return token, f"{cls.PREFIX}{key_id}_{secret}"

    @classmethod
    def authenticate(cls, presented: str) -> User | None:
        if not presented.startswith(cls.PREFIX):
            return None
        key_id, _sep, secret = presented[len(cls.PREFIX) :].partition("_")
        token = cls.objects.select_related("user").filter(key_id=key_id).first()
        if token is None or not secrets.compare_digest(token.key_hash, _hash_token(secret)):
            return None
        now = timezone.now()
        if token.revoked_at or (token.expires_at and token.expires_at <= now):
            return None
        if not token.user.is_active:
            return None
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user
