"""Who may read the audit trail: privacy officers, for their association or institution."""

from __future__ import annotations

from django.db import models

from caseway.accounts.actor import Actor
from caseway.accounts.roles import Role
from caseway.audit.models import AuditEvent
from caseway.core.access import Action, Policy, register

PRIVACY = [Role.PRIVACY_OFFICER]


@register
class AuditEventPolicy(Policy[AuditEvent]):
    model = AuditEvent

    def scope(self, actor: Actor) -> models.QuerySet[AuditEvent]:
        institutions = actor.institution_ids(PRIVACY)
        if institutions is None:
            return AuditEvent.objects.all()
        return AuditEvent.objects.filter(institution_id__in=institutions)

    def permits(self, actor: Actor, action: Action, obj: AuditEvent | None = None) -> str | None:
        if action not in (Action.VIEW, Action.EXPORT):
            return None  # the trail is append-only: nobody changes it through the gate
        if obj is None:
            return actor.any_role(PRIVACY)
        return actor.role_at(PRIVACY, institution_id=obj.institution_id)
