"""People and roles under /api/accounts/, through the access gate."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import FilterLookup, FilterSchema, ModelSchema, Router, Schema

from caseway.accounts.actor import actor_for
from caseway.accounts.models import Membership, User
from caseway.accounts.roles import Role
from caseway.core.api import Resource, add_resource_routes


class UserOut(ModelSchema):
    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "full_name_ko",
            "preferred_language",
            "time_zone",
            "is_active",
        ]


class UserFilter(FilterSchema):
    q: Annotated[
        str | None,
        FilterLookup(["email__icontains", "full_name__icontains", "full_name_ko__icontains"]),
    ] = None


class MembershipOut(ModelSchema):
    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "role",
            "institution",
            "center",
            "valid_from",
            "valid_until",
            "version",
            "voided",
            "void_reason",
        ]


class MembershipIn(Schema):
    user: int
    role: Role
    institution: int | None = None
    center: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


class MembershipPatch(Schema):
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


class MembershipFilter(FilterSchema):
    user: int | None = None
    role: Role | None = None
    institution: int | None = None
    center: int | None = None


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    roles: list[dict[str, int | str | None]]


router = Router()

people = Router()
add_resource_routes(
    people, Resource(User, UserOut, filters=UserFilter, ordering=("full_name",), voidable=False)
)
router.add_router("/people", people)

roles = Router()
add_resource_routes(
    roles,
    Resource(
        Membership,
        MembershipOut,
        MembershipIn,
        MembershipPatch,
        MembershipFilter,
        ordering=("user__full_name", "role"),
    ),
)
router.add_router("/memberships", roles)


@router.get("/me", response=MeOut, tags=["people"])
def me(request: HttpRequest) -> dict[str, object]:
    """Who the API sees you as, and your current roles."""
    actor = actor_for(request)
    user = actor.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "roles": [
            {"role": g.role, "institution": g.institution_id, "center": g.center_id}
            for g in actor.grants
        ],
    }
