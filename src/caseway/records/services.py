"""Operations on patient records beyond single-row edits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from caseway.audit.models import AuditAction
from caseway.core import access, journal, versioning
from caseway.core.access import Action
from caseway.organizations.models import Center
from caseway.records.files import Inspected
from caseway.records.models import Document, Patient, Share


def attach(document: Document, inspected: Inspected | None, content: bytes) -> None:
    """Fill a new document from an inspected file (stored under a random name), or make it a
    text report. Names carry no personal data; the checksum proves the content later."""
    if inspected is None:
        document.kind = Document.Kind.REPORT
        return
    document.kind = inspected.kind
    document.content_type = inspected.content_type
    document.size = inspected.size
    document.sha256 = inspected.sha256
    for name, value in inspected.dicom.items():
        if name == "study_date":
            value = dt.date.fromisoformat(value) if value else None
        setattr(document, name, value)
    document.file.save(f"{uuid.uuid4().hex}{inspected.extension}", ContentFile(content), save=False)


def share_record(
    actor: Any, patient: Patient, center: Center, reason: str, until: dt.date | None = None
) -> Share:
    """Share a record with another center: needs consent, and the sharing itself is audited."""
    share = Share(patient=patient, shared_with=center, reason=reason, until=until)
    access.authorize(actor, Share, Action.ADD, share)
    with transaction.atomic():
        versioning.create(actor, share)
        journal.record(
            actor,
            AuditAction.SHARE,
            obj=patient,
            reason=reason,
            detail={"shared_with_center": center.pk, "until": until.isoformat() if until else None},
        )
    return share
