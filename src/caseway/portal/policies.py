"""Who manages what a center publishes.

A center's coordinators (at the center or over its institution) and the association's
administrators manage its accreditations, evidence documents, portal profile and news; the
center's staff read them. The public portal reads only what is published (``public.py``),
never through these staff scopes, and never identifiable rows: its evidence is counts.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from caseway.accounts.actor import Actor
from caseway.accounts.roles import STAFF_ROLES, Role
from caseway.core.access import Action, Policy, register
from caseway.portal.models import Accreditation, AccreditationEvidence, CenterProfile, NewsItem

MANAGERS = frozenset({Role.CENTER_COORDINATOR, Role.ASSOCIATION_ADMIN})


class CenterContentPolicy(Policy[Any]):
    center_path: ClassVar[str] = "center"

    def center_of(self, obj: Any) -> Any:
        for part in self.center_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        manager = self.model._default_manager
        if actor.user is None:
            return manager.none()
        institutions, centers = actor.center_scope(STAFF_ROLES)
        if institutions is None:  # an association-level staff role sees every center's
            return manager.all()
        path = self.center_path
        return manager.filter(
            Q(**{f"{path}__institution_id__in": institutions}) | Q(**{f"{path}_id__in": centers})
        )

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if obj is None:
            if action == Action.VIEW:
                return actor.any_role(STAFF_ROLES)
            return actor.any_role(MANAGERS) if action == Action.ADD else None
        center = self.center_of(obj)
        if center is None:  # association news
            roles = STAFF_ROLES if action == Action.VIEW else {Role.ASSOCIATION_ADMIN}
            return actor.role_at(roles)
        where = {"institution_id": center.institution_id, "center_id": center.pk}
        if action == Action.VIEW:
            return actor.role_at(STAFF_ROLES, **where)
        if action in (Action.ADD, Action.CHANGE, Action.VOID):
            return actor.role_at(MANAGERS, **where)
        return None


@register
class AccreditationPolicy(CenterContentPolicy):
    model = Accreditation


@register
class AccreditationEvidencePolicy(CenterContentPolicy):
    model = AccreditationEvidence
    center_path = "accreditation__center"


@register
class CenterProfilePolicy(CenterContentPolicy):
    model = CenterProfile


@register
class NewsItemPolicy(CenterContentPolicy):
    model = NewsItem

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        mine = super().scope(actor)
        if actor.user is None or not actor.any_role(STAFF_ROLES):
            return mine
        return mine | NewsItem.objects.filter(center__isnull=True)
