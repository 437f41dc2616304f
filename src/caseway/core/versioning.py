"""Versioned, voidable rows and the only way to change them.

Every organisational and clinical row carries a ``version``. A write names the version it was
based on; the version is compared again inside the write transaction with the row locked, so two
people editing the same row cannot silently overwrite each other (the second gets a precondition
failure and is shown what changed). Rows are voided with a reason, never deleted, and every
change is journaled with who, when, before and after.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import re
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caseway.core import journal

ANY_VERSION = -1
_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


class VersionedModel(models.Model):
    """Abstract base: optimistic-lock version plus who created and last changed the row."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class VoidableModel(models.Model):
    """Abstract base: rows are voided with who, when and why, never deleted."""

    voided = models.BooleanField(_("voided"), default=False, db_index=True, editable=False)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.CharField(
        _("reason for voiding"), max_length=500, blank=True, editable=False
    )

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} rows are voided, never deleted.")


class PreconditionFailed(Exception):
    """The row changed since the version the writer based its change on (HTTP 412)."""

    def __init__(self, current: models.Model) -> None:
        super().__init__(f"{current._meta.label} {current.pk} is at version {current.version}.")  # type: ignore[attr-defined]
        self.current = current


class PreconditionRequired(Exception):
    """A write named no version at all (HTTP 428)."""


def parse_if_match(header: str | None) -> int:
    """The version an If-Match header names: ``W/"3"`` or ``"3"``; ``*`` matches any version."""
    if header is None or not header.strip():
        raise PreconditionRequired("If-Match is required: send the ETag you last read.")
    if header.strip() == "*":
        return ANY_VERSION
    match = _ETAG.match(header)
    if not match:
        raise PreconditionRequired(f'If-Match {header!r} is not an ETag such as W/"3".')
    return int(match.group(1))


_BOOKKEEPING = {"version", "created_at", "updated_at", "created_by", "updated_by"}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The row's own field values, JSON-safe (foreign keys as ids), without bookkeeping."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _BOOKKEEPING:
            continue
        value = getattr(obj, field.attname)
        if field.name.endswith("_encrypted"):
            # Never copy secrets into the journal; a digest still shows that it changed.
            value = hashlib.sha256(value.encode()).hexdigest()[:12] if value else ""
        values[field.attname] = _json_value(value)
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field name to [before, after] for every value that differs."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _stamp(actor: Any, obj: models.Model, *, creating: bool) -> None:
    user = getattr(actor, "user", None)
    now = timezone.now()
    obj.updated_at = now  # type: ignore[attr-defined]
    obj.updated_by = user  # type: ignore[attr-defined]
    if creating:
        obj.created_at = now  # type: ignore[attr-defined]
        obj.created_by = user  # type: ignore[attr-defined]


V = TypeVar("V", bound=models.Model)


def create(actor: Any, obj: V) -> V:
    """Validate and insert ``obj``, journaling its first state."""
    with transaction.atomic():
        _stamp(actor, obj, creating=True)
        obj.full_clean()
        obj.save(force_insert=True)
        journal.record(actor, "create", obj=obj, detail={"after": snapshot(obj)})
    return obj


def _locked(obj: V, expected_version: int) -> V:
    current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if expected_version != ANY_VERSION and current.version != expected_version:  # type: ignore[attr-defined]
        raise PreconditionFailed(current)
    return current


def update(actor: Any, obj: V, expected_version: int, changes: Mapping[str, Any]) -> V:
    """Apply ``changes`` to ``obj`` if it is still at ``expected_version``; journal the diff.

    ``obj`` must come from the access gate; the row is read again under a lock, so the version
    check and the write cannot be separated by another writer.
    """
    with transaction.atomic():
        current = _locked(obj, expected_version)
        if getattr(current, "voided", False):
            raise ValidationError(_("This record is voided and cannot be changed."))
        before = snapshot(current)
        for name, value in changes.items():
            setattr(current, name, value)
        after = snapshot(current)
        changed = diff(before, after)
        if not changed:
            return current
        _stamp(actor, current, creating=False)
        current.full_clean()
        current.version += 1  # type: ignore[attr-defined]
        current.save()
        journal.record(actor, "update", obj=current, detail={"changes": changed})
    return current


def void(actor: Any, obj: V, expected_version: int, reason: str) -> V:
    """Void ``obj`` with a reason. Voiding twice, or without a reason, is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required to void a record.")})
    with transaction.atomic():
        current = _locked(obj, expected_version)
        if current.voided:  # type: ignore[attr-defined]
            raise ValidationError(_("This record is already voided."))
        current.voided = True  # type: ignore[attr-defined]
        current.voided_at = timezone.now()  # type: ignore[attr-defined]
        current.voided_by = getattr(actor, "user", None)  # type: ignore[attr-defined]
        current.void_reason = reason  # type: ignore[attr-defined]
        _stamp(actor, current, creating=False)
        current.version += 1  # type: ignore[attr-defined]
        current.save()
        journal.record(actor, "void", obj=current, reason=reason)
    return current
