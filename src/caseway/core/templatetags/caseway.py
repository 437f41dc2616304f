"""Template helpers for the generic pages: a field's label and its displayed value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize, number_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def field_label(model_or_obj: Any, name: str) -> str:
    meta = model_or_obj._meta
    try:
        return str(meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        attribute = getattr(
            type(model_or_obj) if not isinstance(model_or_obj, type) else model_or_obj, name, None
        )
        label = getattr(getattr(attribute, "fget", None), "short_description", None)
        return str(label or _(name.replace("_", " "))).capitalize()


@register.filter
def display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return date_filter(localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_filter(value, "DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value) or "—"
    return str(localize(value))


@register.filter
def field_value(obj: Any, name: str) -> str:
    getter = getattr(obj, f"get_{name}_display", None)
    if callable(getter):
        return str(getter())
    value = getattr(obj, name, None)
    if callable(value):
        value = value()
    return display(value)


@register.filter
def status_badge(obj: Any) -> str:
    status = getattr(obj, "status", "")
    return format_html('<span class="status-{}">{}</span>', status, obj.get_status_display())


@register.simple_tag
def query_with(request: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (for paging links)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def percent(value: Any, digits: int = 1) -> str:
    """A proportion (0.723) as a localized percentage ("72.3%"); an em dash when unknown."""
    if value is None or value == "":
        return "—"
    return f"{number_format(float(value) * 100, decimal_pos=digits)}%"
