"""Writing, searching, verifying and exporting audit events."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from caseway.audit.chain import HASHED_FIELDS, ChainReport, event_hash, verify_chain
from caseway.audit.models import AuditAction, AuditChainHead, AuditEvent, AuditOutcome


def _normalise_address(address: str | None) -> str:
    if not address:
        return ""
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return ""


def _place_of(obj: Any) -> tuple[int | None, int | None, int | None]:
    """(institution, center, patient) an object belongs to, where it says."""
    institution = getattr(obj, "scope_institution_id", None) or getattr(obj, "institution_id", None)
    center = getattr(obj, "center_id", None)
    patient = getattr(obj, "patient_id", None)
    return institution, center, patient


def write_event(
    actor: Any,
    action: str,
    *,
    obj: Any = None,
    entity_type: str = "",
    entity_id: str = "",
    patient_id: int | None = None,
    institution_id: int | None = None,
    center_id: int | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in (or joins) a transaction holding the chain head."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    if obj is not None:
        entity_type = entity_type or obj._meta.label_lower
        entity_id = entity_id or str(obj.pk)
        obj_institution, obj_center, obj_patient = _place_of(obj)
        institution_id = institution_id or obj_institution
        center_id = center_id or obj_center
        patient_id = patient_id or obj_patient
    user = getattr(actor, "user", None)
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor_user_id=user.pk if user is not None else None,
            actor_label=(actor_label or getattr(actor, "label", "") or "anonymous")[:254],
            acting_role=getattr(actor, "acting_role", "") or "",
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            patient_id=patient_id,
            institution_id=institution_id,
            center_id=center_id,
            outcome=outcome,
            reason=reason[:500],
            client_address=_normalise_address(getattr(actor, "client_address", None)),
            detail=detail or {},
            prev_hash=head.hash,
        )
        event.hash = event_hash(head.hash, hashed_content(event))
        event.save()
        head.sequence = event.sequence
        head.hash = event.hash
        head.save(update_fields=["sequence", "hash"])
    return event


def write_events(actor: Any, events: list[dict[str, Any]]) -> int:
    """Append many events at once (bulk work such as an import): one lock of the chain head,
    one batched insert, the same chain as if they had been written one by one."""
    if not events:
        return 0
    user = getattr(actor, "user", None)
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        previous, sequence = head.hash, head.sequence
        rows = []
        for spec in events:
            action = spec["action"]
            if action not in AuditAction.values:
                raise ValueError(f"Unknown audit action {action!r}.")
            sequence += 1
            event = AuditEvent(
                sequence=sequence,
                occurred_at=timezone.now(),
                actor_user_id=user.pk if user is not None else None,
                actor_label=(getattr(actor, "label", "") or "anonymous")[:254],
                acting_role=getattr(actor, "acting_role", "") or "",
                action=action,
                entity_type=spec.get("entity_type", ""),
                entity_id=str(spec.get("entity_id", "")),
                patient_id=spec.get("patient_id"),
                institution_id=spec.get("institution_id"),
                center_id=spec.get("center_id"),
                outcome=spec.get("outcome", AuditOutcome.SUCCESS),
                reason=spec.get("reason", "")[:500],
                client_address=_normalise_address(getattr(actor, "client_address", None)),
                detail=spec.get("detail") or {},
                prev_hash=previous,
            )
            event.hash = event_hash(previous, hashed_content(event))
            previous = event.hash
            rows.append(event)
        AuditEvent.objects.bulk_create(rows, batch_size=500)
        head.sequence, head.hash = sequence, previous
        head.save(update_fields=["sequence", "hash"])
    return len(rows)


def hashed_content(event: AuditEvent) -> dict[str, Any]:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat()
    return content


def verify() -> ChainReport:
    """Check the whole chain in the database."""
    head = AuditChainHead.objects.filter(pk=1).first()
    head_sequence, head_hash = (head.sequence, head.hash) if head else (0, "0" * 64)

    def rows() -> Iterator[dict[str, Any]]:
        for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
            content = hashed_content(event)
            content["prev_hash"] = event.prev_hash
            content["hash"] = event.hash
            yield content

    return verify_chain(rows(), head_sequence, head_hash)


@dataclass
class EventFilter:
    """A privacy officer's search over the trail."""

    actor: str = ""
    patient_id: int | None = None
    action: str = ""
    outcome: str = ""
    entity_type: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def apply(self, queryset: models.QuerySet[AuditEvent]) -> models.QuerySet[AuditEvent]:
        if self.actor:
            queryset = queryset.filter(actor_label__icontains=self.actor)
        if self.patient_id is not None:
            queryset = queryset.filter(patient_id=self.patient_id)
        if self.action:
            queryset = queryset.filter(action=self.action)
        if self.outcome:
            queryset = queryset.filter(outcome=self.outcome)
        if self.entity_type:
            queryset = queryset.filter(entity_type=self.entity_type)
        tz = timezone.get_current_timezone()
        if self.date_from:
            queryset = queryset.filter(
                occurred_at__gte=datetime.combine(self.date_from, time.min, tzinfo=tz)
            )
        if self.date_to:
            queryset = queryset.filter(
                occurred_at__lt=datetime.combine(
                    self.date_to + timedelta(days=1), time.min, tzinfo=tz
                )
            )
        return queryset

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in self.__dict__.items()
            if v not in ("", None)
        }


def search(actor: Any, event_filter: EventFilter) -> models.QuerySet[AuditEvent]:
    """The events the actor may read that match the filter; the search itself is recorded."""
    from caseway.core import access

    queryset = event_filter.apply(access.scope(actor, AuditEvent))
    write_event(
        actor,
        AuditAction.SEARCH,
        entity_type="audit.auditevent",
        detail={"filter": event_filter.as_dict()},
    )
    return queryset


def export(actor: Any, event_filter: EventFilter, fmt: str, reason: str) -> Iterator[str]:
    """Export matching events as FHIR NDJSON or CSV. A reason is required and recorded first."""
    from caseway.audit.export import csv_lines, ndjson_lines
    from caseway.core import access
    from caseway.core.access import Action

    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reason is required to export the audit trail.")
    if fmt not in ("ndjson", "csv"):
        raise ValueError(f"Unknown export format {fmt!r}.")
    access.authorize(actor, AuditEvent, Action.EXPORT)
    queryset = event_filter.apply(access.scope(actor, AuditEvent)).order_by("sequence")
    write_event(
        actor,
        AuditAction.EXPORT,
        entity_type="audit.auditevent",
        reason=reason,
        detail={"filter": event_filter.as_dict(), "format": fmt, "count": queryset.count()},
    )
    rows = queryset.iterator(chunk_size=2000)
    return ndjson_lines(rows) if fmt == "ndjson" else csv_lines(rows)
