"""Errors as RFC 9457 problem documents, built in one place for the whole API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> JsonResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JsonResponse(
        body,
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def field_errors_from_django(exc: ValidationError) -> list[dict[str, str]]:
    """One {field, message} per message; errors not tied to a field are named "__all__"."""
    if hasattr(exc, "error_dict"):
        return [
            {"field": "__all__" if field == NON_FIELD_ERRORS else field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "__all__", "message": str(message)} for message in exc.messages]


_LOCATION_PREFIXES = {"body", "payload", "query", "path", "filters", "header"}


def field_errors_from_pydantic(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Turn ninja/pydantic errors into {field, message}, naming the field as the client sent it."""
    result = []
    for error in errors:
        location = [
            str(part) for part in error.get("loc", ()) if str(part) not in _LOCATION_PREFIXES
        ]
        result.append(
            {
                "field": ".".join(location) or "__all__",
                "message": str(error.get("msg", "invalid value")),
            }
        )
    return result
