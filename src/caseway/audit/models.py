"""Audit events and the head of their hash chain.

Each event stores the SHA-256 of its own content and of the event before it. Changing, removing or
reordering any event breaks the chain from that point on, and the chain head (last sequence and
hash) makes a removed tail visible too. The database refuses updates (and, on PostgreSQL, deletes)
of events with a trigger; the chain is what detects tampering by someone who gets past that.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AuditChainHead", "AuditEvent"]


class AuditAction(models.TextChoices):
    VIEW = "view", _("View")
    SEARCH = "search", _("Search")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    VOID = "void", _("Void")
    EXPORT = "export", _("Export")
    SHARE = "share", _("Share")
    SIGN = "sign", _("Sign")
    AMEND = "amend", _("Amend")
    BREAK_GLASS = "break_glass", _("Break-glass access")
    LOGIN = "login", _("Sign-in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Sign-out")
    ACCESS_DENIED = "access_denied", _("Access denied")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILED = "failed", _("Failed")


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing someone did: who, acting as what, to what (and which patient), when, from where."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who"), max_length=254)
    acting_role = models.CharField(_("acting role"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    entity_type = models.CharField(_("record type"), max_length=80, blank=True, db_index=True)
    entity_id = models.CharField(_("record"), max_length=64, blank=True)
    patient_id = models.BigIntegerField(_("patient"), null=True, blank=True, db_index=True)
    institution_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    center_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AuditOutcome.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    client_address = models.CharField(_("client address"), max_length=45, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["actor_user", "occurred_at"], name="audit_actor_time")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.entity_type}:{self.entity_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The last event of the chain. Locked by each writer, so events are chained one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"
