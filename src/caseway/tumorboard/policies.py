"""Who may see and run a center's tumor boards.

Everything belongs to the board's center. Its clinical staff (clinicians, coordinators, registry
data managers, at the center or over its institution) see the boards, meetings and cases;
nobody else does (404). Center coordinators set boards up and run the agenda; clinicians and
coordinators submit cases and record recommendations and their follow-up; only clinicians sign
a recommendation. A member declares their own availability. A signed recommendation is
immutable for everyone (403): a correction is an amendment.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from caseway.accounts.actor import Actor
from caseway.accounts.roles import Role
from caseway.core.access import Action, Policy, register
from caseway.records.policies import CLINICAL, clinical_places, role_at_center
from caseway.tumorboard.models import (
    AgendaNotice,
    Board,
    BoardCase,
    BoardMember,
    Implementation,
    Meeting,
    Participation,
    Recommendation,
)

COORDINATORS = frozenset({Role.CENTER_COORDINATOR})
#: Roles that submit cases and write recommendations and follow-up.
CASE_WRITERS = frozenset({Role.CLINICIAN, Role.CENTER_COORDINATOR})
SIGNERS = frozenset({Role.CLINICIAN})


class CenterPolicy(Policy[Any]):
    """Rows reached through ``center_path`` (a lookup to the board's center)."""

    center_path: ClassVar[str]
    related: ClassVar[tuple[str, ...]] = ()
    #: Roles for ADD/CHANGE/VOID.
    writers: ClassVar[frozenset[str]] = COORDINATORS

    def center_of(self, obj: Any) -> Any:
        for part in self.center_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def scope(self, actor: Actor) -> models.QuerySet[Any]:
        institutions, centers = clinical_places(actor)
        if actor.user is None or not (institutions or centers):
            return self.model._default_manager.none()
        path = self.center_path
        return self.model._default_manager.filter(
            Q(**{f"{path}__institution_id__in": institutions}) | Q(**{f"{path}_id__in": centers})
        ).select_related(*self.related)

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if obj is None:
            if action == Action.VIEW:
                return actor.any_role(CLINICAL)
            return actor.any_role(self.writers) if action == Action.ADD else None
        center = self.center_of(obj)
        if action == Action.VIEW:
            return role_at_center(actor, CLINICAL, center)
        if action in (Action.ADD, Action.CHANGE, Action.VOID):
            return role_at_center(actor, self.writers, center)
        return None


@register
class BoardPolicy(CenterPolicy):
    model = Board
    center_path = "center"
    related = ("center", "center__institution")


@register
class BoardMemberPolicy(CenterPolicy):
    model = BoardMember
    center_path = "board__center"
    related = ("board__center__institution", "clinician")


@register
class MeetingPolicy(CenterPolicy):
    model = Meeting
    center_path = "board__center"
    related = ("board__center__institution",)


@register
class ParticipationPolicy(CenterPolicy):
    model = Participation
    center_path = "meeting__board__center"
    related = ("meeting__board__center__institution", "clinician")

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        role = super().permits(actor, action, obj)
        if role is None and obj is not None and action == Action.CHANGE:
            # A participant declares their own availability.
            own = actor.user is not None and obj.clinician.user_id == actor.user.pk
            if own and role_at_center(actor, CLINICAL, self.center_of(obj)):
                return Role.CLINICIAN
        return role


@register
class BoardCasePolicy(CenterPolicy):
    model = BoardCase
    audit_reads = True
    center_path = "board__center"
    related = ("board__center__institution", "patient", "condition", "meeting")
    writers = CASE_WRITERS


@register
class RecommendationPolicy(CenterPolicy):
    model = Recommendation
    audit_reads = True
    center_path = "case__board__center"
    related = ("case__board__center__institution", "case__patient", "meeting")
    writers = CASE_WRITERS

    def permits(self, actor: Actor, action: Action, obj: Any = None) -> str | None:
        if obj is not None and action in (Action.CHANGE, Action.VOID, Action.SIGN):
            if obj.signed_at is not None:
                return None  # signed: immutable, corrected by amendment
            if action == Action.SIGN:
                return role_at_center(actor, SIGNERS, self.center_of(obj))
        if obj is None and action == Action.SIGN:
            return actor.any_role(SIGNERS)
        return super().permits(actor, action, obj)


@register
class ImplementationPolicy(CenterPolicy):
    model = Implementation
    audit_reads = True
    center_path = "recommendation__case__board__center"
    related = ("recommendation__case__board__center__institution",)
    writers = CASE_WRITERS


@register
class AgendaNoticePolicy(CenterPolicy):
    model = AgendaNotice
    center_path = "meeting__board__center"
    related = ("meeting__board",)
    writers = frozenset()


def may_coordinate(actor: Actor, board: Board) -> bool:
    return role_at_center(actor, COORDINATORS, board.center) is not None
