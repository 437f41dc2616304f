"""A record's change history, read back from the audit trail (the one record of who/when/what)."""

from __future__ import annotations

from typing import Any

from django.db import models

from caseway.audit.models import AuditAction, AuditEvent

CHANGE_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.VOID)


def history_of(obj: models.Model, limit: int = 50) -> list[AuditEvent]:
    """The newest ``limit`` changes of ``obj``, newest first."""
    return list(
        AuditEvent.objects.filter(
            entity_type=obj._meta.label_lower,
            entity_id=str(obj.pk),
            action__in=CHANGE_ACTIONS,
        ).order_by("-sequence")[:limit]
    )


def changed_fields(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """(field, before, after) triples of an update event, for display."""
    changes = (event.detail or {}).get("changes", {})
    return [(name, pair[0], pair[1]) for name, pair in sorted(changes.items())]
