"""Who may see and change the surgical registry.

An operation belongs to the center that performed it. That center's clinical staff (clinicians,
coordinators, registry data managers; or the same roles over its whole institution) see and
record its surgeries; nobody else sees identifiable registry rows. A signed record is
immutable for everyone: a correction is an amendment (a new record), so CHANGE and VOID of a
signed surgery, and any change to its procedures, team or complications, answer 403.

Comparisons across centers use aggregates only (``comparison.py``), never these rows.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from caseway.accounts.actor import Actor
from caseway.accounts.roles import Role
from caseway.core.access import Action, Policy, register
from caseway.records.policies import CLINICAL, clinical_places, role_at_center
from caseway.registry.models import Complication, Procedure, Surgery, TeamMember

#: Roles that record, correct and sign surgeries. Center coordinators (and the other clinical
#: roles) read the registry of their center; data entry is for clinicians and data managers.
RECORDERS = frozenset({Role.CLINICIAN, Role.REGISTRY_DATA_MANAGER})
#: Roles that see association-wide aggregates with every center named.
ASSOCIATION_ANALYSTS = frozenset({Role.ASSOCIATION_ADMIN, Role.REGISTRY_DATA_MANAGER})


def center_ids(actor: Actor) -> Q:
    """A filter on ``center`` for the centers where the actor holds a clinical role."""
    institutions, centers = clinical_places(actor)
    return Q(center__institution_id__in=institutions) | Q(center_id__in=centers)


@register
class SurgeryPolicy(Policy[Surgery]):
    model = Surgery
    audit_reads = True

    def scope(self, actor: Actor) -> models.QuerySet[Surgery]:
        if actor.user is None or clinical_places(actor) == (set(), set()):
            return Surgery.objects.none()
        return Surgery.objects.filter(center_ids(actor)).select_related(
            "patient", "center", "center__institution"
        )

    def permits(self, actor: Actor, action: Action, obj: Surgery | None = None) -> str | None:
        if obj is None:
            if action == Action.VIEW:
                return actor.any_role(CLINICAL)
            return actor.any_role(RECORDERS) if action == Action.ADD else None
        if action == Action.VIEW:
            return role_at_center(actor, CLINICAL, obj.center)
        if obj.signed_at is not None:
            return None  # signed: immutable, corrected by amendment (which SIGNs a new record)
        return role_at_center(actor, RECORDERS, obj.center)


class SurgeryRowPolicy(Policy[Any]):
    """Procedures, team and complications follow their surgery, and freeze with it."""

    audit_reads = True

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        surgeries = SurgeryPolicy().scope(actor)
        return self.model._default_manager.filter(
            surgery__in=surgeries.values("pk")
        ).select_related("surgery", "surgery__center", "surgery__patient")

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if obj is None:
            if action == Action.VIEW:
                return actor.any_role(CLINICAL)
            return actor.any_role(RECORDERS) if action == Action.ADD else None
        surgery = obj.surgery
        if action == Action.VIEW:
            return role_at_center(actor, CLINICAL, surgery.center)
        if surgery.signed_at is not None:
            return None
        return role_at_center(actor, RECORDERS, surgery.center)


for _model in (Procedure, TeamMember, Complication):
    register(type(f"{_model.__name__}Policy", (SurgeryRowPolicy,), {"model": _model}))


def may_compare(actor: Actor) -> bool:
    """Anyone with a clinical role somewhere, or an association analyst, sees the funnel plots
    (other centers appear by name only to association-level analysts)."""
    return bool(actor.any_role(CLINICAL | ASSOCIATION_ANALYSTS))


def names_all_centers(actor: Actor) -> bool:
    return actor.role_at(ASSOCIATION_ANALYSTS) is not None
