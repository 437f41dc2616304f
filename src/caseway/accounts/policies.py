"""Who may see and change people and their roles."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from caseway.accounts.actor import Actor
from caseway.accounts.models import Membership, User
from caseway.accounts.roles import COORDINATOR_GRANTABLE, Role
from caseway.core.access import Action, Policy, register

ADMIN = [Role.ASSOCIATION_ADMIN]
COORDINATOR = [Role.CENTER_COORDINATOR]
OVERSEERS = [Role.ASSOCIATION_ADMIN, Role.PRIVACY_OFFICER]


def _coordinated_memberships(actor: Actor) -> Q:
    """Memberships held within the places the actor coordinates."""
    institutions, centers = actor.center_scope(COORDINATOR)
    if institutions is None:
        return Q()
    return (
        Q(institution_id__in=institutions)
        | Q(center__institution_id__in=institutions)
        | Q(center_id__in=centers)
    )


def _membership_place(obj: Membership) -> tuple[int | None, int | None]:
    return obj.scope_institution_id, obj.center_id


@register
class MembershipPolicy(Policy[Membership]):
    model = Membership

    def scope(self, actor: Actor) -> models.QuerySet[Membership]:
        queryset = Membership.objects.select_related("user", "institution", "center")
        if actor.user is None:
            return queryset.none()
        if actor.role_at(OVERSEERS):
            return queryset
        visible = Q(user=actor.user)
        if actor.any_role(COORDINATOR):
            visible |= _coordinated_memberships(actor)
        return queryset.filter(visible)

    def permits(self, actor: Actor, action: Action, obj: Membership | None = None) -> str | None:
        if actor.user is None:
            return None
        if action == Action.VIEW:
            return actor.any_role(ADMIN + COORDINATOR + [Role.PRIVACY_OFFICER]) or "self"
        if action not in (Action.ADD, Action.CHANGE, Action.VOID):
            return None
        if obj is None:
            return actor.any_role(ADMIN + COORDINATOR)
        if actor.role_at(ADMIN):
            return Role.ASSOCIATION_ADMIN
        if obj.role not in COORDINATOR_GRANTABLE or (obj.user_id == actor.user.pk):
            return None
        institution_id, center_id = _membership_place(obj)
        if institution_id is None and center_id is None:
            return None  # association-level roles are the administrators' to grant
        return actor.role_at(COORDINATOR, institution_id=institution_id, center_id=center_id)


@register
class UserPolicy(Policy[User]):
    """Administrators see everyone; coordinators see people holding roles where they coordinate."""

    model = User

    def scope(self, actor: Actor) -> models.QuerySet[User]:
        if actor.user is None:
            return User.objects.none()
        if actor.role_at(OVERSEERS):
            return User.objects.all()
        visible = Q(pk=actor.user.pk)
        if actor.any_role(COORDINATOR):
            member_ids = Membership.objects.filter(_coordinated_memberships(actor)).values(
                "user_id"
            )
            visible |= Q(pk__in=member_ids)
        return User.objects.filter(visible)

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if actor.user is None:
            return None
        if action == Action.VIEW:
            return actor.any_role(ADMIN + COORDINATOR + [Role.PRIVACY_OFFICER]) or (
                "self" if obj is not None and obj.pk == actor.user.pk else None
            )
        if action == Action.ADD:
            return actor.any_role(ADMIN + COORDINATOR)
        if action == Action.CHANGE:
            if actor.role_at(ADMIN):
                return Role.ASSOCIATION_ADMIN
            if obj is not None and obj.pk == actor.user.pk:
                return "self"
        return None
