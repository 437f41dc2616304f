"""The roles a person can hold, where each may be held, and which of them count as staff."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ASSOCIATION_ADMIN = "association_admin", _("Association administrator")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    CENTER_COORDINATOR = "center_coordinator", _("Center coordinator")
    CLINICIAN = "clinician", _("Clinician")
    REGISTRY_DATA_MANAGER = "registry_data_manager", _("Registry data manager")
    TRAINING_COORDINATOR = "training_coordinator", _("Training coordinator")
    TRAINEE = "trainee", _("Trainee")
    INTERNATIONAL_PATIENT = "international_patient", _("International patient")
    REFERRING_DOCTOR = "referring_doctor", _("Referring doctor")


class Level(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    INSTITUTION = "institution", _("Institution")
    CENTER = "center", _("Center")


#: People who work in the association or a member institution. They see the internal directory
#: and must use a second factor to sign in.
STAFF_ROLES = frozenset(
    {
        Role.ASSOCIATION_ADMIN,
        Role.PRIVACY_OFFICER,
        Role.CENTER_COORDINATOR,
        Role.CLINICIAN,
        Role.REGISTRY_DATA_MANAGER,
        Role.TRAINING_COORDINATOR,
    }
)

#: Where each role may be held. An institution-level role applies to all of its centers.
ALLOWED_LEVELS: dict[str, frozenset[str]] = {
    Role.ASSOCIATION_ADMIN: frozenset({Level.ASSOCIATION}),
    Role.PRIVACY_OFFICER: frozenset({Level.ASSOCIATION, Level.INSTITUTION}),
    Role.CENTER_COORDINATOR: frozenset({Level.INSTITUTION, Level.CENTER}),
    Role.CLINICIAN: frozenset({Level.INSTITUTION, Level.CENTER}),
    Role.REGISTRY_DATA_MANAGER: frozenset({Level.ASSOCIATION, Level.INSTITUTION, Level.CENTER}),
    Role.TRAINING_COORDINATOR: frozenset({Level.INSTITUTION, Level.CENTER}),
    Role.TRAINEE: frozenset({Level.INSTITUTION, Level.CENTER}),
    Role.INTERNATIONAL_PATIENT: frozenset({Level.ASSOCIATION, Level.INSTITUTION, Level.CENTER}),
    Role.REFERRING_DOCTOR: frozenset({Level.ASSOCIATION, Level.INSTITUTION, Level.CENTER}),
}

#: Roles a center coordinator may grant within their own institution or center.
COORDINATOR_GRANTABLE = frozenset(
    {
        Role.CLINICIAN,
        Role.REGISTRY_DATA_MANAGER,
        Role.TRAINING_COORDINATOR,
        Role.TRAINEE,
        Role.INTERNATIONAL_PATIENT,
        Role.REFERRING_DOCTOR,
    }
)
