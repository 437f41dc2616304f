"""Who may see and change organisational rows.

The internal directory (institutions, centers, departments, clinicians) is visible to every staff
member of the association and its members; external users (patients, referring doctors, trainees)
see it through the public portal instead. Changes belong to the association administrators and,
within their own institution or center, to center coordinators.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from caseway.accounts.actor import Actor
from caseway.accounts.roles import STAFF_ROLES, Role
from caseway.core.access import Action, Policy, register
from caseway.organizations.models import (
    Association,
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

ADMIN = frozenset({Role.ASSOCIATION_ADMIN})
ADMIN_OR_COORDINATOR = frozenset({Role.ASSOCIATION_ADMIN, Role.CENTER_COORDINATOR})


class DirectoryPolicy(Policy[Any]):
    """Staff see every row; ``change_roles`` change a row where they hold the role."""

    related: ClassVar[tuple[str, ...]] = ()
    change_roles: ClassVar[frozenset[str]] = ADMIN
    add_roles: ClassVar[frozenset[str]] = ADMIN
    void_roles: ClassVar[frozenset[str]] = ADMIN
    #: Whether a center-level role reaches this row (rows that belong to one center).
    center_level: ClassVar[bool] = False

    def place(self, obj: Any) -> tuple[int | None, int | None]:
        """(institution id, center id) the row belongs to."""
        return obj.institution_id, (obj.center_id if self.center_level else None)

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        manager = self.model._default_manager
        if not actor.is_staff_member:
            return manager.none()
        return manager.select_related(*self.related) if self.related else manager.all()

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if action == Action.VIEW:
            return actor.any_role(STAFF_ROLES)
        roles = {
            Action.ADD: self.add_roles,
            Action.CHANGE: self.change_roles,
            Action.VOID: self.void_roles,
        }.get(action)
        if not roles:
            return None
        if obj is None:
            return actor.any_role(roles)
        institution_id, center_id = self.place(obj)
        return actor.role_at(roles, institution_id=institution_id, center_id=center_id)


@register
class AssociationPolicy(DirectoryPolicy):
    model = Association
    add_roles = frozenset()
    void_roles = frozenset()

    def place(self, obj: Any) -> tuple[int | None, int | None]:
        return None, None


@register
class InstitutionPolicy(DirectoryPolicy):
    model = Institution
    change_roles = ADMIN_OR_COORDINATOR

    def place(self, obj: Any) -> tuple[int | None, int | None]:
        return obj.pk, None


@register
class InstitutionRegistrationPolicy(DirectoryPolicy):
    """Registrations are the institution's business: its own staff and the association see them."""

    model = InstitutionRegistration
    related = ("institution",)
    change_roles = add_roles = void_roles = ADMIN_OR_COORDINATOR

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        institutions = actor.institution_ids(STAFF_ROLES)
        queryset = InstitutionRegistration.objects.select_related("institution")
        if institutions is None:
            return queryset
        return queryset.filter(institution_id__in=institutions)


@register
class CenterPolicy(DirectoryPolicy):
    model = Center
    related = ("institution",)
    change_roles = ADMIN_OR_COORDINATOR
    center_level = True

    def place(self, obj: Any) -> tuple[int | None, int | None]:
        return obj.institution_id, obj.pk


@register
class DepartmentPolicy(DirectoryPolicy):
    model = Department
    related = ("institution",)
    change_roles = add_roles = void_roles = ADMIN_OR_COORDINATOR


@register
class ClinicianPolicy(DirectoryPolicy):
    model = Clinician
    related = ("institution", "department", "center")
    change_roles = add_roles = void_roles = ADMIN_OR_COORDINATOR
    center_level = True

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        role = super().permits(actor, action, obj)
        own_entry = obj is not None and actor.user is not None and obj.user_id == actor.user.pk
        if role is None and action == Action.CHANGE and own_entry:
            return Role.CLINICIAN  # a clinician keeps their own directory entry current
        return role
