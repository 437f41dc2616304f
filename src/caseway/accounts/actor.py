"""Who is acting: a signed-in person with their current memberships, or the system (CLI, jobs).

An actor is built once per request from the person's memberships (one query) and answers the
questions policies ask: which role, if any, applies at this institution or center.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from caseway.accounts.roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class Grant:
    role: str
    institution_id: int | None
    center_id: int | None
    center_institution_id: int | None

    @property
    def is_association_level(self) -> bool:
        return self.institution_id is None and self.center_id is None


@dataclass
class Actor:
    user: Any = None
    grants: tuple[Grant, ...] = ()
    client_address: str | None = None
    is_system: bool = False
    system_label: str = ""
    acting_role: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user: Any, client_address: str | None = None) -> Actor:
        from caseway.accounts.models import Membership

        if user is None or not user.is_authenticated:
            return cls(user=None, client_address=client_address)
        rows = (
            Membership.objects.current()
            .filter(user=user)
            .values_list("role", "institution_id", "center_id", "center__institution_id")
        )
        return cls(
            user=user,
            grants=tuple(Grant(*row) for row in rows),
            client_address=client_address,
        )

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(is_system=True, system_label=label, acting_role="system")

    @property
    def label(self) -> str:
        if self.is_system:
            return f"system:{self.system_label}"
        return self.user.email if self.user is not None else "anonymous"

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    @property
    def is_staff_member(self) -> bool:
        return any(g.role in STAFF_ROLES for g in self.grants)

    def role_at(
        self,
        roles: Iterable[str],
        *,
        institution_id: int | None = None,
        center_id: int | None = None,
    ) -> str | None:
        """The first of ``roles`` this actor holds that applies to the given place.

        Association-level roles apply everywhere; an institution-level role applies to the
        institution and all its centers; a center-level role to that center only. With neither
        id given, only association-level roles apply.
        """
        wanted = set(roles)
        for grant in self.grants:
            if grant.role not in wanted:
                continue
            if grant.is_association_level:
                return grant.role
            if grant.institution_id is not None and grant.institution_id == institution_id:
                return grant.role
            if grant.center_id is not None and grant.center_id == center_id:
                return grant.role
        return None

    def any_role(self, roles: Iterable[str]) -> str | None:
        """The first of ``roles`` held anywhere (for collection-level questions)."""
        wanted = set(roles)
        return next((g.role for g in self.grants if g.role in wanted), None)

    def institution_ids(self, roles: Iterable[str]) -> set[int] | None:
        """Institutions where one of ``roles`` applies; None means all (association level)."""
        wanted = set(roles)
        ids: set[int] = set()
        for grant in self.grants:
            if grant.role not in wanted:
                continue
            if grant.is_association_level:
                return None
            ids.add(grant.institution_id or grant.center_institution_id)  # type: ignore[arg-type]
        return ids

    def center_scope(self, roles: Iterable[str]) -> tuple[set[int] | None, set[int]]:
        """(institutions, centers) where ``roles`` apply: whole institutions and single centers."""
        wanted = set(roles)
        institutions: set[int] = set()
        centers: set[int] = set()
        for grant in self.grants:
            if grant.role not in wanted:
                continue
            if grant.is_association_level:
                return None, set()
            if grant.institution_id is not None:
                institutions.add(grant.institution_id)
            elif grant.center_id is not None:
                centers.add(grant.center_id)
        return institutions, centers

    @property
    def is_association_admin(self) -> bool:
        return self.role_at([Role.ASSOCIATION_ADMIN]) is not None


def actor_for(request: Any) -> Actor:
    """The request's actor, built once and kept on the request."""
    actor = getattr(request, "_caseway_actor", None)
    if actor is None or actor.user is not getattr(request, "user", None):
        actor = Actor.for_user(getattr(request, "user", None), client_address(request))
        request._caseway_actor = actor
    return actor


def client_address(request: Any) -> str | None:
    """The client's address. Behind a proxy set SECURE_PROXY_SSL_HEADER and pass REMOTE_ADDR on."""
    return request.META.get("REMOTE_ADDR") or None
