"""The signed-in home page: your roles, the directory at a glance, registrations to renew."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from caseway.accounts.actor import actor_for
from caseway.core import access
from caseway.core.cache import remember
from caseway.core.ui import may
from caseway.organizations.models import (
    RENEWAL_WINDOW_DAYS,
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

COUNTED = [Institution, Center, Department, Clinician]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    counts = remember(
        f"dashboard-counts:{hash(actor.grants)}", 60, lambda: _directory_counts(actor)
    )
    renewals: list[InstitutionRegistration] = []
    if may(actor, InstitutionRegistration, access.Action.VIEW):
        horizon = timezone.localdate() + dt.timedelta(days=RENEWAL_WINDOW_DAYS)
        renewals = list(
            access.scope(actor, InstitutionRegistration)
            .filter(voided=False, expires_on__lte=horizon)
            .order_by("expires_on")[:20]
        )
    return render(
        request,
        "dashboard/home.html",
        {
            "counts": counts,
            "renewals": renewals,
            "roles": _role_rows(list(actor.grants)),
            "board_meetings": _my_board_meetings(actor),
            "accreditations": _accreditations_to_renew(actor),
        },
    )


def _accreditations_to_renew(actor: Any) -> list[Any]:
    """Accreditations of the centers the person manages that expire within six months or
    have expired, each with its honest status (expired stays expired, renewal or not)."""
    from caseway.portal.forms import managed_centers
    from caseway.portal.models import RENEWAL_NOTICE, Accreditation
    from caseway.portal.staff_views import describe, today

    if actor.user is None or not may(actor, Accreditation, access.Action.ADD):
        return []
    day = today()
    rows = (
        access.scope(actor, Accreditation)
        .filter(
            voided=False,
            center__in=managed_centers(actor),
            valid_until__lte=day + RENEWAL_NOTICE,
        )
        .select_related("center")
        .order_by("valid_until")[:20]
    )
    return [describe(accreditation, day) for accreditation in rows]


def _my_board_meetings(actor: Any) -> list[Any]:
    """The tumor-board meetings of the coming week the person takes part in, with whether
    their case list has gone out: the in-app side of the e-mailed list."""
    from caseway.tumorboard.models import Meeting

    if actor.user is None or not may(actor, Meeting, access.Action.VIEW):
        return []
    now = timezone.now()
    return list(
        access.scope(actor, Meeting)
        .filter(
            voided=False,
            status="planned",
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=7),
            participants__clinician__user=actor.user,
        )
        .select_related("board")
        .order_by("starts_at")[:10]
    )


def _directory_counts(actor: Any) -> list[dict[str, Any]]:
    """How many current rows of each directory model the actor can see."""
    counts = []
    for model in COUNTED:
        if may(actor, model, access.Action.VIEW):
            counts.append(
                {
                    "label": model._meta.verbose_name_plural,
                    "number": access.scope(actor, model).filter(voided=False).count(),
                    "url": f"organizations:{model._meta.model_name}_list",
                }
            )
    return counts


def _role_rows(grants: list[Any]) -> list[dict[str, Any]]:
    """Role names and places for display, resolved with two small queries."""
    from caseway.accounts.roles import Role

    institution_ids = {g.institution_id for g in grants if g.institution_id}
    center_ids = {g.center_id for g in grants if g.center_id}
    institutions = {i.pk: i for i in Institution.objects.filter(pk__in=institution_ids)}
    centers = {c.pk: c for c in Center.objects.filter(pk__in=center_ids)}
    rows = []
    for grant in grants:
        place = centers.get(grant.center_id) or institutions.get(grant.institution_id)
        rows.append({"role": Role(grant.role).label, "place": place})
    return rows
