"""The privacy officer's audit pages: search the trail, export it with a reason."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from caseway.accounts.actor import actor_for
from caseway.audit import services
from caseway.audit.forms import EventSearchForm, ExportForm
from caseway.audit.models import AuditEvent
from caseway.core import access
from caseway.core.access import Action

CONTENT_TYPES = {"ndjson": "application/fhir+ndjson", "csv": "text/csv; charset=utf-8"}


@login_required
def search(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    access.authorize(actor, AuditEvent, Action.VIEW)
    form = EventSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        events = services.search(actor, form.event_filter()).order_by("-sequence")
        page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "export_form": ExportForm(),
        "can_export": _may_export(actor),
    }
    return render(request, "audit/search.html", context, status=422 if form.errors else 200)


def _may_export(actor: object) -> bool:
    try:
        access.authorize(actor, AuditEvent, Action.EXPORT)
    except access.Forbidden:
        return False
    return True


@login_required
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    actor = actor_for(request)
    access.authorize(actor, AuditEvent, Action.EXPORT)
    search_form = EventSearchForm(request.GET)
    export_form = ExportForm(request.POST or None)
    if request.method == "POST" and search_form.is_valid() and export_form.is_valid():
        fmt = export_form.cleaned_data["format"]
        lines = services.export(
            actor, search_form.event_filter(), fmt, export_form.cleaned_data["reason"]
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response = StreamingHttpResponse(lines, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
        return response
    context = {"form": search_form, "page": None, "export_form": export_form, "can_export": True}
    return render(request, "audit/search.html", context, status=422)
