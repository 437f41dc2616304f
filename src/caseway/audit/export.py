"""Audit events out of Caseway: FHIR R4 AuditEvent NDJSON (fhir.resources models) and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

from caseway.audit.models import AuditEvent

DCM = "http://dicom.nema.org/resources/ontology/DCM"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

#: Caseway action -> (event type code, display, subtype code or None, FHIR action code).
_TYPES: dict[str, tuple[str, str, tuple[str, str] | None, str]] = {
    "view": ("110110", "Patient Record", None, "R"),
    "search": ("110112", "Query", None, "E"),
    "create": ("110110", "Patient Record", None, "C"),
    "update": ("110110", "Patient Record", None, "U"),
    "void": ("110110", "Patient Record", None, "D"),
    "export": ("110106", "Export", None, "R"),
    "share": ("110106", "Export", None, "E"),
    "break_glass": ("110113", "Security Alert", None, "E"),
    "login": ("110114", "User Authentication", ("110122", "Login"), "E"),
    "login_failed": ("110114", "User Authentication", ("110122", "Login"), "E"),
    "logout": ("110114", "User Authentication", ("110123", "Logout"), "E"),
    "access_denied": ("110113", "Security Alert", None, "E"),
}
_OUTCOMES = {"success": "0", "denied": "4", "failed": "8"}

CSV_COLUMNS = [
    "sequence",
    "occurred_at",
    "actor",
    "acting_role",
    "action",
    "entity_type",
    "entity_id",
    "patient_id",
    "institution_id",
    "center_id",
    "outcome",
    "reason",
    "client_address",
    "hash",
]


def to_fhir(event: AuditEvent) -> FhirAuditEvent:
    code, display, subtype, fhir_action = _TYPES[event.action]
    agent: dict[str, Any] = {
        "who": {"display": event.actor_label},
        "requestor": True,
    }
    if event.actor_user_id:
        agent["who"]["identifier"] = {
            "system": "urn:caseway:user",
            "value": str(event.actor_user_id),
        }
    if event.acting_role:
        agent["role"] = [{"text": event.acting_role}]
    if event.client_address:
        agent["network"] = {"address": event.client_address, "type": "2"}
    entities: list[dict[str, Any]] = []
    if event.patient_id is not None:
        entities.append(
            {
                "what": {"reference": f"Patient/{event.patient_id}"},
                "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            }
        )
    if event.entity_type:
        entities.append(
            {
                "what": {
                    "identifier": {
                        "system": f"urn:caseway:{event.entity_type}",
                        "value": event.entity_id,
                    }
                },
                "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(event.sequence),
        "type": {"system": DCM, "code": code, "display": display},
        "action": fhir_action,
        "recorded": event.occurred_at.astimezone(UTC).isoformat(),
        "outcome": _OUTCOMES[event.outcome],
        "agent": [agent],
        "source": {"observer": {"display": "Caseway"}},
    }
    if subtype:
        resource["subtype"] = [{"system": DCM, "code": subtype[0], "display": subtype[1]}]
    if event.reason:
        purpose: dict[str, Any] = {"text": event.reason}
        if event.action == "break_glass":
            purpose["coding"] = [
                {"system": ACT_REASON, "code": "BTG", "display": "break the glass"}
            ]
        resource["purposeOfEvent"] = [purpose]
    if event.outcome != "success":
        resource["outcomeDesc"] = str(event.detail.get("message", event.outcome))
    if entities:
        resource["entity"] = entities
    return FhirAuditEvent.model_validate(resource)


def ndjson_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    for event in events:
        yield to_fhir(event).model_dump_json(exclude_none=True) + "\n"


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for event in events:
        writer.writerow(
            [
                event.sequence,
                event.occurred_at.astimezone(UTC).isoformat(),
                event.actor_label,
                event.acting_role,
                event.action,
                event.entity_type,
                event.entity_id,
                _blank(event.patient_id),
                _blank(event.institution_id),
                _blank(event.center_id),
                event.outcome,
                _csv_safe(event.reason),
                event.client_address,
                event.hash,
            ]
        )
        yield flush()


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
