"""The JSON API: one NinjaAPI, its authentication, its error mapping and gated resource routes.

Each domain app contributes a Router; ``caseway.urls`` mounts the whole API at /api/ with its
OpenAPI document at /api/openapi.json and interactive docs at /api/docs.
"""

# No `from __future__ import annotations`: ninja must see the local schema classes in route
# signatures as real objects, not as strings it cannot resolve.

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import FilterSchema, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import APIKeyCookie, HttpBearer

from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.problems import field_errors_from_django, field_errors_from_pydantic, problem


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cw_…`` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from caseway.accounts.models import ApiToken

        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's signed-in session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def request_actor(request: HttpRequest) -> Any:
    from caseway.accounts.actor import actor_for

    return actor_for(request)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Caseway API",
        version="1",
        description=(
            "Caseway's JSON API. Authenticate with a personal token (Authorization: Bearer) or "
            "the browser session. Reads return an ETag; writes require If-Match with it and "
            "answer 412 when the record changed since. Errors are RFC 9457 problem documents."
        ),
        auth=[TokenAuth(), SessionAuth()],
        urls_namespace="api",
    )

    @api.exception_handler(access.NotFound)
    def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(404, _("Not found"), _("No such record, or it is outside your access."))

    @api.exception_handler(access.Forbidden)
    def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(403, _("Forbidden"), str(exc) or _("You are not allowed to do this."))

    @api.exception_handler(versioning.PreconditionFailed)
    def _stale(request: HttpRequest, exc: versioning.PreconditionFailed) -> HttpResponse:
        response = problem(
            412,
            _("Precondition failed"),
            _(
                "Someone else changed this record since you read it. Read it again and reapply "
                "your change."
            ),
            current_version=exc.current.version,  # type: ignore[attr-defined]
        )
        response["ETag"] = exc.current.etag  # type: ignore[attr-defined]
        return response

    @api.exception_handler(versioning.PreconditionRequired)
    def _unconditional(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(428, _("Precondition required"), str(exc))

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = field_errors_from_django(exc)
        return problem(422, _("Invalid input"), errors[0]["message"] if errors else "", errors)

    @api.exception_handler(NinjaValidationError)
    def _invalid_schema(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = field_errors_from_pydantic(exc.errors)
        detail = f"{errors[0]['field']}: {errors[0]['message']}" if errors else ""
        return problem(422, _("Invalid input"), detail, errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(401, _("Not signed in"), _("Sign in or send a valid API token."))

    @api.get("/health", auth=None, tags=["system"], url_name="health")
    def health(request: HttpRequest) -> dict[str, str]:
        return {"status": "ok"}

    return api


def partial_schema(schema: type[Schema], exclude: tuple[str, ...] = ()) -> type[Schema]:
    """A PATCH schema from a create schema: every field optional, some left out."""
    from pydantic import create_model

    fields: dict[str, Any] = {
        name: (field_.annotation | None, None)  # type: ignore[operator]
        for name, field_ in schema.model_fields.items()
        if name not in exclude
    }
    return create_model(f"{schema.__name__}Patch", __base__=Schema, **fields)


class VoidIn(Schema):
    reason: str


def _resolve_references(actor: Any, model: type[models.Model], data: dict[str, Any]) -> None:
    """Replace foreign-key ids in ``data`` by objects the actor may see, or fail on that field."""
    for name, value in list(data.items()):
        field_ = model._meta.get_field(name)
        if not field_.is_relation or value is None:
            continue
        related = field_.related_model
        try:
            data[name] = access.fetch(actor, related, Action.VIEW, pk=value)  # type: ignore[arg-type]
        except (access.NotFound, access.Forbidden):
            raise ValidationError(
                {
                    name: _("No %(model)s with id %(id)s is available to you.")
                    % {"model": related._meta.verbose_name, "id": value}  # type: ignore[union-attr]
                }
            ) from None


@dataclass
class Resource:
    """A model exposed through the gate as list, read, create, update and void endpoints."""

    model: type[models.Model]
    out: type[Schema]
    create: type[Schema] | None = None
    update: type[Schema] | None = None
    filters: type[FilterSchema] | None = None
    ordering: tuple[str, ...] = ("pk",)
    voidable: bool = True
    extra_routes: list[Callable[[Router], None]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.model._meta.model_name  # type: ignore[return-value]


def add_resource_routes(router: Router, res: Resource) -> None:
    model, name = res.model, res.name
    filters_schema = res.filters or FilterSchema
    tags = [str(model._meta.verbose_name_plural)]

    @router.get(
        "/",
        response=list[res.out],  # type: ignore[name-defined]
        operation_id=f"{name}_list",
        url_name=f"{name}_list",
        tags=tags,
    )
    @paginate(LimitOffsetPagination)
    def list_objects(request: HttpRequest, filters: Query[filters_schema]) -> Any:  # type: ignore[valid-type]
        actor = request_actor(request)
        queryset = access.scope(actor, model)
        access.record_search(actor, model, request.GET.dict())
        # Schemas expose related rows by id: the joins a policy adds for pages are not needed.
        return filters.filter(queryset).select_related(None).order_by(*res.ordering)  # type: ignore[attr-defined]

    @router.get(
        "/{int:pk}",
        response=res.out,
        operation_id=f"{name}_read",
        url_name=f"{name}_detail",
        tags=tags,
    )
    def read_object(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
        obj = access.fetch(request_actor(request), model, Action.VIEW, pk=pk)
        response["ETag"] = obj.etag  # type: ignore[attr-defined]
        return obj

    if res.create is not None:
        create_schema = res.create

        @router.post(
            "/",
            response={201: res.out},
            operation_id=f"{name}_create",
            url_name=f"{name}_create",
            tags=tags,
        )
        def create_object(
            request: HttpRequest,
            payload: create_schema,  # type: ignore[valid-type]
            response: HttpResponse,
        ) -> Any:
            actor = request_actor(request)
            access.authorize(actor, model, Action.ADD)
            data = payload.dict()  # type: ignore[attr-defined]
            _resolve_references(actor, model, data)
            obj = model(**data)
            access.authorize(actor, model, Action.ADD, obj)
            versioning.create(actor, obj)
            response["ETag"] = obj.etag  # type: ignore[attr-defined]
            return Status(201, obj)

    if res.update is not None:
        update_schema = res.update

        @router.patch(
            "/{int:pk}",
            response=res.out,
            operation_id=f"{name}_update",
            url_name=f"{name}_update",
            tags=tags,
        )
        def update_object(
            request: HttpRequest,
            pk: int,
            payload: update_schema,  # type: ignore[valid-type]
            response: HttpResponse,
        ) -> Any:
            actor = request_actor(request)
            obj = access.fetch(actor, model, Action.CHANGE, pk=pk)
            version = versioning.parse_if_match(request.headers.get("If-Match"))
            changes = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
            _resolve_references(actor, model, changes)
            candidate = copy.copy(obj)
            for key, value in changes.items():
                setattr(candidate, key, value)
            access.authorize(actor, model, Action.CHANGE, candidate)  # the new place too
            obj = versioning.update(actor, obj, version, changes)
            response["ETag"] = obj.etag  # type: ignore[attr-defined]
            return obj

    if res.voidable:

        @router.post(
            "/{int:pk}/void",
            response=res.out,
            operation_id=f"{name}_void",
            url_name=f"{name}_void",
            tags=tags,
        )
        def void_object(
            request: HttpRequest, pk: int, payload: VoidIn, response: HttpResponse
        ) -> Any:
            actor = request_actor(request)
            obj = access.fetch(actor, model, Action.VOID, pk=pk)
            version = versioning.parse_if_match(request.headers.get("If-Match"))
            obj = versioning.void(actor, obj, version, payload.reason)
            response["ETag"] = obj.etag  # type: ignore[attr-defined]
            return obj

    for add_route in res.extra_routes:
        add_route(router)
