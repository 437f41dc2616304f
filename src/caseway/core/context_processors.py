"""Values every page needs: the association, whether data is synthetic, the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def _navigation(actor: Any) -> list[tuple[str, str]]:
    """Sections the actor may open, asked of the gate (never of roles directly)."""
    from caseway.accounts.models import User
    from caseway.audit.models import AuditEvent
    from caseway.core.access import Action
    from caseway.core.ui import may
    from caseway.organizations.models import Center, Clinician, Institution
    from caseway.portal.models import Accreditation, CenterProfile
    from caseway.records.models import Patient
    from caseway.registry.models import Surgery
    from caseway.tumorboard.models import Board

    if actor.user is None:
        return []
    items = [(str(_("Dashboard")), reverse("dashboard:home"))]
    sections: list[tuple[Any, Any, str]] = [
        (Patient, _("Patients"), "records:patient_list"),
        (Surgery, _("Registry"), "registry:indicators"),
        (Board, _("Tumor boards"), "tumorboard:board_list"),
        ((CenterProfile, Accreditation), _("Portal"), "portal_staff:index"),
        (Institution, _("Institutions"), "organizations:institution_list"),
        (Center, _("Centers"), "organizations:center_list"),
        (Clinician, _("Clinicians"), "organizations:clinician_list"),
        (User, _("People"), "accounts:user_list"),
        (AuditEvent, _("Audit trail"), "audit:search"),
    ]
    for models, label, url_name in sections:
        wanted = models if isinstance(models, tuple) else (models,)
        if any(may(actor, model, Action.VIEW) for model in wanted):
            items.append((str(label), reverse(url_name)))
    return items


def caseway(request: HttpRequest) -> dict[str, Any]:
    from caseway.accounts.actor import actor_for
    from caseway.core.cache import remember
    from caseway.organizations.models import Association

    association = remember("association", 60, Association.current)
    actor = actor_for(request)
    return {
        "association": association,
        "synthetic_data": bool(association and association.synthetic_data),
        "actor": actor,
        "navigation": _navigation(actor),
        "environment": settings.ENVIRONMENT,
    }
