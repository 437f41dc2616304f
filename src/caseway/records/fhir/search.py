"""FHIR search parameters to queryset filters (plain parsing; the views apply them)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.db.models import Q

_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class SearchError(ValueError):
    """A search parameter that cannot be understood; answered with an OperationOutcome."""


def date_filter(field: str, values: list[str]) -> Q:
    """FHIR date parameters (``date=ge2026-01-01&date=lt2026-07``) on a DateField."""
    condition = Q()
    for value in values:
        match = _DATE.match(value)
        if not match:
            raise SearchError(f"date {value!r} is not a FHIR date such as ge2026-01-01")
        prefix, year, month, day = match.groups()
        prefix = prefix or "eq"
        try:
            start = dt.date(int(year), int(month or 1), int(day or 1))
            if day:
                end = start
            elif month:
                end = dt.date(
                    start.year, start.month, calendar.monthrange(start.year, start.month)[1]
                )
            else:
                end = dt.date(start.year, 12, 31)
        except ValueError:
            raise SearchError(f"date {value!r} is not a real date") from None
        condition &= {
            "eq": Q(**{f"{field}__range": (start, end)}),
            "ne": ~Q(**{f"{field}__range": (start, end)}),
            "gt": Q(**{f"{field}__gt": end}),
            "sa": Q(**{f"{field}__gt": end}),
            "lt": Q(**{f"{field}__lt": start}),
            "eb": Q(**{f"{field}__lt": start}),
            "ge": Q(**{f"{field}__gte": start}),
            "le": Q(**{f"{field}__lte": end}),
        }[prefix]
    return condition


def token(value: str) -> tuple[str | None, str]:
    """``system|code`` or ``code`` (a search token)."""
    if "|" in value:
        system, code = value.split("|", 1)
        return system or None, code
    return None, value


def count(value: str | None, default: int = 50, maximum: int = 500) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SearchError("_count must be a positive whole number")
    return min(int(value), maximum)


def offset(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit():
        raise SearchError("_offset must be a whole number")
    return int(value)
