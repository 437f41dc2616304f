"""Audit trail under /api/audit/: search and export, for privacy officers only."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from caseway.accounts.actor import actor_for
from caseway.audit import services
from caseway.audit.models import AuditAction, AuditOutcome
from caseway.audit.services import EventFilter

router = Router(tags=["audit"])


class EventOut(Schema):
    sequence: int
    occurred_at: dt.datetime
    actor_label: str
    acting_role: str
    action: str
    entity_type: str
    entity_id: str
    patient_id: int | None
    institution_id: int | None
    center_id: int | None
    outcome: str
    reason: str
    client_address: str
    hash: str


class EventQuery(Schema):
    actor: str = ""
    patient_id: int | None = None
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
    entity_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_filter(self) -> EventFilter:
        return EventFilter(
            actor=self.actor,
            patient_id=self.patient_id,
            action=self.action.value if self.action else "",
            outcome=self.outcome.value if self.outcome else "",
            entity_type=self.entity_type,
            date_from=self.date_from,
            date_to=self.date_to,
        )


class ExportIn(Schema):
    format: str = "ndjson"
    reason: str


@router.get("/events", response=list[EventOut], url_name="audit_events")
@paginate(LimitOffsetPagination)
def events(request: HttpRequest, query: Query[EventQuery]) -> Any:
    return services.search(actor_for(request), query.as_filter()).order_by("-sequence")


@router.post("/export", url_name="audit_export")
def export(request: HttpRequest, payload: ExportIn, query: Query[EventQuery]) -> Any:
    """Stream matching events as FHIR AuditEvent NDJSON or CSV; the reason is recorded."""
    from django.core.exceptions import ValidationError

    if payload.format not in ("ndjson", "csv"):
        raise ValidationError({"format": "Use ndjson or csv."})
    if len(payload.reason.strip()) < 5:
        raise ValidationError({"reason": "Say why you export the audit trail."})
    lines = services.export(actor_for(request), query.as_filter(), payload.format, payload.reason)
    content_type = "application/fhir+ndjson" if payload.format == "ndjson" else "text/csv"
    return StreamingHttpResponse(lines, content_type=content_type)
