"""Operations on patient records beyond single-row edits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from caseway.audit.models import AuditAction
from caseway.core import access, journal, versioning
from caseway.core.access import Action
from caseway.organizations.models import Center
from caseway.records.models import Patient, Share


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
