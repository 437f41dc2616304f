"""Who may see and change patient records.

A patient belongs to one center. Clinical staff holding a role at that center (or at its whole
institution) see the record; staff of another center see it only while it is shared with their
center, and then read-only. Association administrators and privacy officers do not see clinical
data through the gate. Every read and search of these models is audited (``audit_reads``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from caseway.accounts.actor import Actor
from caseway.accounts.roles import Role
from caseway.core.access import Action, Policy, register
from caseway.records.models import RECORD_MODELS, BulkExport, Patient

#: Roles that work with patient records.
CLINICAL = frozenset({Role.CLINICIAN, Role.CENTER_COORDINATOR, Role.REGISTRY_DATA_MANAGER})
#: Roles that may change a record of their own center.
EDITORS = CLINICAL


def role_at_center(actor: Actor, roles: Any, center: Any) -> str | None:
    """The first of ``roles`` the actor holds at ``center`` (there, over its institution, or
    association-wide)."""
    return actor.role_at(roles, institution_id=center.institution_id, center_id=center.pk)


def clinical_places(actor: Actor) -> tuple[set[int], set[int]]:
    """(institutions, centers) where the actor holds a clinical role.

    An association-level grant (e.g. a national registry data manager) gives no access to
    identifiable records: patients belong to centers.
    """
    institutions: set[int] = set()
    centers: set[int] = set()
    for grant in actor.grants:
        if grant.role in CLINICAL:
            if grant.institution_id is not None:
                institutions.add(grant.institution_id)
            elif grant.center_id is not None:
                centers.add(grant.center_id)
    return institutions, centers


def _owned(actor: Actor) -> Q:
    """Patients of centers (or whole institutions) where the actor holds a clinical role."""
    institutions, centers = clinical_places(actor)
    return Q(center__institution_id__in=institutions) | Q(center_id__in=centers)


def _shared(actor: Actor) -> Q:
    """Patients whose record is currently shared with a center where the actor works."""
    from caseway.records.models import Share

    institutions, centers = clinical_places(actor)
    today = timezone.localdate()
    shares = Share.objects.filter(
        Q(voided=False),
        Q(until__isnull=True) | Q(until__gte=today),
        Q(shared_with__institution_id__in=institutions) | Q(shared_with_id__in=centers),
    )
    return Q(pk__in=shares.values("patient_id"))


def visible_patients(actor: Actor) -> models.QuerySet[Patient]:
    if actor.user is None or clinical_places(actor) == (set(), set()):
        return Patient.objects.none()
    return Patient.objects.filter(_owned(actor) | _shared(actor)).select_related(
        "center", "center__institution"
    )


def _editor_role(actor: Actor, patient: Patient) -> str | None:
    return actor.role_at(
        EDITORS, institution_id=patient.center.institution_id, center_id=patient.center_id
    )


@register
class PatientPolicy(Policy[Patient]):
    model = Patient
    audit_reads = True

    def scope(self, actor: Actor) -> models.QuerySet[Patient]:
        return visible_patients(actor)

    def permits(self, actor: Actor, action: Action, obj: Patient | None = None) -> str | None:
        if obj is None:
            return (
                actor.any_role(CLINICAL)
                if action in (Action.VIEW, Action.ADD, Action.EXPORT)
                else None
            )
        if action == Action.VIEW:
            return _editor_role(actor, obj) or actor.any_role(CLINICAL)
        return _editor_role(actor, obj)


class PatientRowPolicy(Policy[Any]):
    """Rows about a patient follow the patient: visible with it, changed by its own center."""

    audit_reads: ClassVar[bool] = True

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(
            patient__in=visible_patients(actor).values("pk")
        ).select_related("patient", "patient__center")

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if obj is None:
            return actor.any_role(CLINICAL) if action in (Action.VIEW, Action.ADD) else None
        if action == Action.VIEW:
            return _editor_role(actor, obj.patient) or actor.any_role(CLINICAL)
        return _editor_role(actor, obj.patient)


@register
class BulkExportPolicy(Policy[Any]):
    """Bulk exports of a center: requested and read by that center's coordinators."""

    model = BulkExport

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        institutions, centers = clinical_places(actor)
        return BulkExport.objects.filter(
            Q(center__institution_id__in=institutions) | Q(center_id__in=centers)
        ).select_related("center")

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        coordinators = [Role.CENTER_COORDINATOR]
        if obj is None:
            return actor.any_role(coordinators) if action in (Action.VIEW, Action.ADD) else None
        if action not in (Action.VIEW, Action.ADD):
            return None
        return actor.role_at(
            coordinators, institution_id=obj.center.institution_id, center_id=obj.center_id
        )


for _model in RECORD_MODELS:
    register(type(f"{_model.__name__}Policy", (PatientRowPolicy,), {"model": _model}))
