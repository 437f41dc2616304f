"""The FHIR Bulk Data export of a center: one NDJSON file per resource type and a manifest.

Runs as a background task (``django_tasks``; `caseway db_worker` processes the queue), writing
under CASEWAY_EXPORT_DIR/<export id>/. Files are served only through the access gate.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from caseway.accounts.actor import Actor
from caseway.audit.models import AuditAction
from caseway.core import journal
from caseway.records import models as m
from caseway.records.fhir.export import patient_resources


def export_dir(export: m.BulkExport) -> Path:
    return Path(settings.CASEWAY_EXPORT_DIR) / str(export.pk)


def request_export(actor: Any, center: Any, reason: str) -> m.BulkExport:
    """Record the request (audited with its reason) and queue the job after the commit."""
    export = m.BulkExport.objects.create(
        center=center, requested_by=getattr(actor, "user", None), reason=reason
    )
    journal.record(
        actor,
        AuditAction.EXPORT,
        entity_type="records.bulkexport",
        entity_id=str(export.pk),
        reason=reason,
        detail={"center": center.pk, "format": "fhir-bulk-ndjson"},
    )
    transaction.on_commit(lambda: run_bulk_export.enqueue(export.pk))
    return export


def write_export(export: m.BulkExport, base_url: str = "", actor: Any = None) -> dict[str, Any]:
    """Write the files in one pass over the center's patients; return the manifest.

    Registry surgeries and tumor-board CarePlans are written as the person who asked may see
    them (``actor``, else the requester; their own policies are stricter than the records'),
    and journaled with the export as a whole."""
    reader = actor
    if reader is None and export.requested_by is not None:
        reader = Actor.for_user(export.requested_by)
    directory = export_dir(export)
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {}
    counts: Counter[str] = Counter()
    patients = (
        m.Patient.objects.filter(center=export.center, voided=False)
        .select_related("center")
        .order_by("pk")
    )
    try:
        for patient in patients.iterator(chunk_size=500):
            for resource in patient_resources(patient, reader, journal_each=False):
                kind = resource["resourceType"]
                if kind not in files:
                    files[kind] = (directory / f"{kind}.ndjson").open("w", encoding="utf-8")
                files[kind].write(json.dumps(resource, ensure_ascii=False) + "\n")
                counts[kind] += 1
    finally:
        for handle in files.values():
            handle.close()
    return {
        "transactionTime": export.requested_at.isoformat(),
        "request": f"{base_url}$export?center={export.center.code}",
        "requiresAccessToken": True,
        "output": [
            {
                "type": kind,
                "url": f"{base_url}$export-file/{export.pk}/{kind}.ndjson",
                "count": count,
            }
            for kind, count in sorted(counts.items())
        ],
        "error": [],
    }


@task()
def run_bulk_export(export_id: int) -> None:
    export = m.BulkExport.objects.select_related("center", "requested_by").get(pk=export_id)
    m.BulkExport.objects.filter(pk=export_id).update(status=m.BulkExport.Status.RUNNING)
    try:
        manifest = write_export(export, "/fhir/")
    except Exception as exc:  # the job reports any failure on its status, then re-raises
        m.BulkExport.objects.filter(pk=export_id).update(
            status=m.BulkExport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    m.BulkExport.objects.filter(pk=export_id).update(
        status=m.BulkExport.Status.DONE, manifest=manifest, finished_at=timezone.now()
    )
    journal.record(
        Actor.system("bulk-export"),
        AuditAction.EXPORT,
        entity_type="records.bulkexport",
        entity_id=str(export_id),
        reason=export.reason,
        detail={"files": manifest["output"]},
    )
