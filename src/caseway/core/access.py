"""The one access gate.

Every read and write of a protected object goes through a Policy registered here for its model.
A policy answers two questions, and views and the API ask nothing else:

* ``scope(actor)``: the queryset of objects the actor may know exist. An object outside it is
  answered with 404, so its existence is not revealed.
* ``permits(actor, action, obj)``: the role under which the actor may do ``action`` to a visible
  object (or, with ``obj=None``, to the collection), or ``None``. A visible object with a
  forbidden action is answered with 403.

A model without a policy cannot be reached through the gate at all (fail closed).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import (
    ImproperlyConfigured,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from caseway.core import journal

M = TypeVar("M", bound=models.Model)


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    VOID = "void"
    EXPORT = "export"
    SIGN = "sign"


class NotFound(Http404):
    """The object is outside the actor's scope, or does not exist: the two are not told apart."""


class Forbidden(PermissionDenied):
    """The object is visible, but the action is not permitted to this actor."""


class Policy(Generic[M]):
    """Access rules for one model. Subclasses set ``model`` and implement both questions."""

    model: ClassVar[type[models.Model]]
    #: Reads of this model are patient data: every read is written to the audit trail.
    audit_reads: ClassVar[bool] = False

    def scope(self, actor: Any) -> models.QuerySet[M]:
        raise ImproperlyConfigured(f"{type(self).__name__} must define scope().")

    def permits(self, actor: Any, action: Action, obj: M | None = None) -> str | None:
        raise ImproperlyConfigured(f"{type(self).__name__} must define permits().")


_POLICIES: dict[type[models.Model], Policy[Any]] = {}


def register(policy_class: type[Policy[Any]]) -> type[Policy[Any]]:
    """Class decorator: make ``policy_class`` the gate's policy for its model."""
    model = policy_class.model
    if model in _POLICIES:
        raise ImproperlyConfigured(f"{model.__name__} already has a policy.")
    _POLICIES[model] = policy_class()
    return policy_class


def policy_for(model: type[models.Model]) -> Policy[Any]:
    try:
        return _POLICIES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} has no access policy; it cannot be reached."
        ) from None


def _grant(actor: Any, policy: Policy[Any], action: Action, obj: Any) -> str:
    is_system = getattr(actor, "is_system", False)
    role = "system" if is_system else policy.permits(actor, action, obj)
    if role is None:
        raise Forbidden(_("You are not allowed to do this."))
    actor.acting_role = role
    return role


def authorize(actor: Any, model: type[M], action: Action, obj: M | None = None) -> str:
    """Check a collection-level action (``obj=None``) or one on an object already fetched."""
    return _grant(actor, policy_for(model), action, obj)


def scope(actor: Any, model: type[M]) -> models.QuerySet[M]:
    """The objects of ``model`` the actor may see; 403 if the actor may not list them at all."""
    policy = policy_for(model)
    _grant(actor, policy, Action.VIEW, None)
    if getattr(actor, "is_system", False):
        return model._default_manager.all()
    return policy.scope(actor)


def fetch(actor: Any, model: type[M], action: Action = Action.VIEW, **lookup: Any) -> M:
    """One object by lookup: 404 outside the actor's scope, 403 if ``action`` is forbidden."""
    policy = policy_for(model)
    queryset = (
        model._default_manager.all() if getattr(actor, "is_system", False) else policy.scope(actor)
    )
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, ValidationError, TypeError):
        raise NotFound(_("Not found.")) from None
    _grant(actor, policy, action, obj)
    if policy.audit_reads and action == Action.VIEW:
        journal.record(actor, "view", obj=obj)
    return obj


def record_search(actor: Any, model: type[models.Model], criteria: dict[str, Any]) -> None:
    """Record a search of a patient-data model (lists call this; reads are recorded by fetch)."""
    if policy_for(model).audit_reads:
        journal.record(
            actor, "search", entity_type=model._meta.label_lower, detail={"criteria": criteria}
        )
