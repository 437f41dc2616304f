"""A tumor board recommendation as a FHIR R4 CarePlan, so the plan travels with the record
(``Patient/$everything`` exports the same Patient and Condition ids it references).

Choices, documented here because a receiving system relies on them:

* ``id`` is ``tumorboard-recommendation-<pk>``, stable; an amendment is a new CarePlan whose
  ``replaces`` names the one it amends.
* ``status`` comes from codes, never from labels: ``revoked`` when the recommendation was voided
  or superseded by an amendment (do not act on it; ``entered-in-error`` would say it never
  should have existed, which a void with a reason does not claim); ``draft`` while unsigned;
  ``active`` once signed while its follow-up is pending; ``completed`` once the follow-up is
  recorded (carried out, partly or not): nothing more happens under this plan, and the
  activities say how it ended.
* Each treatment step is one ``activity``, in sequence (``scheduledString`` "step i of n").
  The follow-up is recorded for the whole recommendation, not per step, so every step carries
  its status: pending ``not-started``, carried out ``completed`` (the plan was followed, in the
  registry's sense), partly ``stopped``, not ``cancelled``; the last two with the coded
  deviation reason as ``statusReason``. A pending step of a revoked plan is ``cancelled``.
* ``detail.code`` has the Caseway modality code (exact, ``userSelected``) and, where one
  exists that we are sure of, a SNOMED CT concept, which may be broader (cytoreductive
  surgery -> 387713003 |Surgical procedure|; neoadjuvant chemotherapy -> 367336001
  |Chemotherapy|). Targeted and maintenance therapy, surveillance and best supportive care
  carry the Caseway code only.
* Systemic therapy is a ``MedicationRequest``; surgery, radiotherapy and the rest a
  ``ServiceRequest``. The trial referral and the further tests are activities of their own
  (``ServiceRequest``, Caseway codes), after the treatment steps.
* Treatment intent is an extension with the SNOMED CT procedure-intent qualifiers (373808002
  curative, 363676003 palliative), as mCODE codes intent; guideline concordance, provisional
  and standard-of-care are Caseway extensions, and a provisional plan also says so in a note.
* Texts and displays are English whatever the reader's language, so the same row always gives
  the same resource.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan

from caseway.organizations.models import Clinician
from caseway.records.fhir import codes as c
from caseway.records.fhir.to_fhir import _coding, _subject, resource_id
from caseway.tumorboard import services
from caseway.tumorboard.choices import (
    SURGICAL_MODALITIES,
    DeviationReason,
    ImplementationStatus,
    Intent,
    Modality,
    NonConcordance,
)
from caseway.tumorboard.models import BoardCase, Recommendation

# Caseway's systems and extensions for the tumor board (stable URIs; never change them).
IDENTIFIER_SYSTEM = c.CASEWAY + "tumorboard-recommendation"
CATEGORY_SYSTEM = c.CASEWAY + "careplan-category"
CATEGORY_CODE = "tumor-board-recommendation"
MODALITY_SYSTEM = c.CASEWAY + "tumorboard-modality"  # the codes of choices.Modality
ACTIVITY_SYSTEM = c.CASEWAY + "tumorboard-activity"  # clinical-trial-referral, further-tests
INTENT_SYSTEM = c.CASEWAY + "tumorboard-intent"  # the codes of choices.Intent
NON_CONCORDANCE_SYSTEM = c.CASEWAY + "tumorboard-non-concordance"
DEVIATION_SYSTEM = c.CASEWAY + "tumorboard-deviation-reason"
#: valueCodeableConcept: SNOMED CT procedure intent and the Caseway intent code.
EXT_INTENT = c.CASEWAY + "tumorboard-treatment-intent"
#: Complex: ``concordant`` (valueBoolean), ``reason`` (valueCoding), ``note`` (valueString).
EXT_CONCORDANCE = c.CASEWAY + "tumorboard-guideline-concordance"
EXT_PROVISIONAL = c.CASEWAY + "tumorboard-provisional"  # valueBoolean
EXT_STANDARD_OF_CARE = c.CASEWAY + "tumorboard-standard-of-care"  # valueBoolean
EXT_MEETING = c.CASEWAY + "tumorboard-meeting-start"  # valueDateTime
#: On a surgical activity's detail, one per department joining the operation (valueCode).
EXT_SURGICAL_DEPARTMENT = c.CASEWAY + "tumorboard-surgical-department"

#: SNOMED CT 734163000 |Care plan (record artifact)|, the root of FHIR's care-plan-category.
SNOMED_CARE_PLAN = "734163000"
SNOMED_INTENT: dict[str, tuple[str, str]] = {
    Intent.CURATIVE: ("373808002", "Curative - procedure intent"),
    Intent.PALLIATIVE: ("363676003", "Palliative - procedure intent"),
}
_SURGERY = ("387713003", "Surgical procedure")
_CHEMOTHERAPY = ("367336001", "Chemotherapy")
#: Modality -> SNOMED CT concept (the same or broader); modalities not listed have none.
SNOMED_MODALITY: dict[str, tuple[str, str]] = {
    Modality.PRIMARY_CYTOREDUCTION: _SURGERY,
    Modality.INTERVAL_CYTOREDUCTION: _SURGERY,
    Modality.SURGERY: _SURGERY,
    Modality.NEOADJUVANT_CHEMOTHERAPY: _CHEMOTHERAPY,
    Modality.ADJUVANT_CHEMOTHERAPY: _CHEMOTHERAPY,
    Modality.CHEMOTHERAPY: _CHEMOTHERAPY,
    Modality.IMMUNOTHERAPY: ("76334006", "Immunotherapy"),
    Modality.HORMONE_THERAPY: ("169413002", "Hormone therapy"),
    Modality.RADIOTHERAPY: ("108290001", "Radiation oncology AND/OR radiotherapy"),
    Modality.CHEMORADIOTHERAPY: ("703423002", "Combined chemotherapy and radiation therapy"),
    Modality.BRACHYTHERAPY: ("152198000", "Brachytherapy"),
}
#: Modalities given as medicines; the others are services (operations, radiation, care).
SYSTEMIC = frozenset(
    {
        Modality.NEOADJUVANT_CHEMOTHERAPY,
        Modality.ADJUVANT_CHEMOTHERAPY,
        Modality.CHEMOTHERAPY,
        Modality.MAINTENANCE,
        Modality.TARGETED_THERAPY,
        Modality.IMMUNOTHERAPY,
        Modality.HORMONE_THERAPY,
    }
)

#: CarePlan.status values this export uses (RequestStatus).
PLAN_STATUSES = ("draft", "active", "completed", "revoked")
#: Follow-up -> activity status (CarePlanActivityStatus).
ACTIVITY_STATUS: dict[str, str] = {
    ImplementationStatus.PENDING: "not-started",
    ImplementationStatus.IMPLEMENTED: "completed",
    ImplementationStatus.PARTIAL: "stopped",
    ImplementationStatus.NOT_IMPLEMENTED: "cancelled",
}


def care_plan_id(recommendation: Recommendation | int) -> str:
    pk = recommendation if isinstance(recommendation, int) else recommendation.pk
    return f"tumorboard-recommendation-{pk}"


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _implementation(rec: Recommendation) -> Any:
    try:
        return rec.implementation
    except ObjectDoesNotExist:
        return None


def plan_status(rec: Recommendation) -> str:
    """The CarePlan status of a recommendation (see the module's docstring)."""
    if rec.voided or rec.amendments.filter(voided=False).exists():
        return "revoked"
    if rec.signed_at is None:
        return "draft"
    implementation = _implementation(rec)
    if implementation is None or implementation.status == ImplementationStatus.PENDING:
        return "active"
    return "completed"


def _step_status(rec: Recommendation, status: str) -> tuple[str, dict[str, Any] | None]:
    """The status of each treatment step, and why it was not (fully) carried out."""
    implementation = _implementation(rec)
    follow_up = implementation.status if implementation is not None else ""
    if status == "draft" or not follow_up:
        return ("cancelled" if status == "revoked" else "not-started"), None
    step = ACTIVITY_STATUS.get(follow_up, "unknown")
    if status == "revoked" and step == "not-started":
        step = "cancelled"
    reason = None
    if implementation.reason:
        reason = {
            "coding": [
                _coding(
                    DEVIATION_SYSTEM,
                    implementation.reason,
                    _label(DeviationReason, implementation.reason),
                )
            ],
            "text": implementation.note or _label(DeviationReason, implementation.reason),
        }
    return step, reason


def _other_status(rec: Recommendation, status: str) -> str:
    """Trial referral and further tests: the follow-up does not say whether they happened."""
    if status == "revoked":
        return "cancelled"
    implementation = _implementation(rec)
    if status == "draft" or implementation is None:
        return "not-started"
    return "not-started" if implementation.status == ImplementationStatus.PENDING else "unknown"


def _modality_code(modality: str) -> dict[str, Any]:
    label = _label(Modality, modality)
    coding = [{**_coding(MODALITY_SYSTEM, modality, label), "userSelected": True}]
    if modality in SNOMED_MODALITY:
        code, display = SNOMED_MODALITY[modality]
        coding.insert(0, _coding(c.SNOMED, code, display))
    return {"coding": coding, "text": label}


def _activities(rec: Recommendation, status: str) -> list[dict[str, Any]]:
    steps = rec.steps or []
    step_status, reason = _step_status(rec, status)
    activities = []
    for number, step in enumerate(steps, start=1):
        modality = str(step.get("modality", ""))
        detail: dict[str, Any] = {
            "kind": "MedicationRequest" if modality in SYSTEMIC else "ServiceRequest",
            "code": _modality_code(modality),
            "status": step_status,
            "scheduledString": f"step {number} of {len(steps)}",
            "description": str(step.get("detail", "") or "") or _label(Modality, modality),
        }
        if reason is not None:
            detail["statusReason"] = reason
        if modality in SURGICAL_MODALITIES and rec.surgical_departments:
            detail["extension"] = [
                {"url": EXT_SURGICAL_DEPARTMENT, "valueCode": department}
                for department in rec.surgical_departments
            ]
        activities.append({"detail": detail})
    other = _other_status(rec, status)
    if rec.trial_referral:
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [
                            _coding(
                                ACTIVITY_SYSTEM,
                                "clinical-trial-referral",
                                "Referral to a clinical trial",
                            )
                        ],
                        "text": "Referral to a clinical trial",
                    },
                    "status": other,
                    "description": rec.trial_note or "Referral to a clinical trial",
                }
            }
        )
    if (rec.further_tests or "").strip():
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [_coding(ACTIVITY_SYSTEM, "further-tests", "Further tests")],
                        "text": "Further tests",
                    },
                    "status": other,
                    "description": rec.further_tests.strip(),
                }
            }
        )
    return activities


def _extensions(rec: Recommendation) -> list[dict[str, Any]]:
    intent: dict[str, Any] = {
        "coding": [_coding(INTENT_SYSTEM, rec.intent, _label(Intent, rec.intent))],
        "text": _label(Intent, rec.intent),
    }
    if rec.intent in SNOMED_INTENT:
        intent["coding"].insert(0, _coding(c.SNOMED, *SNOMED_INTENT[rec.intent]))
    concordance: list[dict[str, Any]] = [
        {"url": "concordant", "valueBoolean": bool(rec.guideline_concordant)}
    ]
    if rec.non_concordance:
        concordance.append(
            {
                "url": "reason",
                "valueCoding": _coding(
                    NON_CONCORDANCE_SYSTEM,
                    rec.non_concordance,
                    _label(NonConcordance, rec.non_concordance),
                ),
            }
        )
    if rec.non_concordance_note:
        concordance.append({"url": "note", "valueString": rec.non_concordance_note})
    extensions: list[dict[str, Any]] = [
        {"url": EXT_INTENT, "valueCodeableConcept": intent},
        {"url": EXT_CONCORDANCE, "extension": concordance},
        {"url": EXT_PROVISIONAL, "valueBoolean": bool(rec.provisional)},
        {"url": EXT_STANDARD_OF_CARE, "valueBoolean": bool(rec.standard_of_care)},
    ]
    if rec.meeting is not None:
        extensions.append({"url": EXT_MEETING, "valueDateTime": rec.meeting.starts_at.isoformat()})
    return extensions


def _notes(rec: Recommendation) -> list[dict[str, Any]]:
    notes = []
    if rec.provisional:
        notes.append(
            {
                "text": "Provisional: made at a meeting without its quorum; to be confirmed "
                "at a meeting with the quorum."
            }
        )
    if rec.surgical_plan.strip():
        notes.append({"text": f"Surgical plan: {rec.surgical_plan.strip()}"})
    if rec.amends_id and rec.amendment_reason:
        notes.append({"text": f"Amendment: {rec.amendment_reason}"})
    return notes


def _build(rec: Recommendation) -> dict[str, Any]:
    case = rec.case
    board = case.board
    status = plan_status(rec)
    clinicians = Clinician.objects.in_bulk(
        [pk for pk in rec.participants or [] if isinstance(pk, int)]
    )
    when = rec.meeting.starts_at.astimezone(board.zone) if rec.meeting is not None else None
    title = f"{board.name_en}: recommendation" + (f" of {when:%Y-%m-%d}" if when else "")
    description = f"Question: {case.question.strip()}"
    if rec.summary.strip():
        description += f"\nSummary: {rec.summary.strip()}"
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": care_plan_id(rec),
        "extension": _extensions(rec),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(rec.pk)}],
        "status": status,
        "intent": "plan",
        "category": [
            {
                "coding": [
                    _coding(c.SNOMED, SNOMED_CARE_PLAN, "Care plan"),
                    _coding(CATEGORY_SYSTEM, CATEGORY_CODE, "Tumor board recommendation"),
                ]
            }
        ],
        "title": title,
        "description": description,
        "subject": _subject(case),
        "created": (rec.signed_at or rec.created_at).isoformat(),
        "activity": _activities(rec, status),
    }
    if case.condition is not None:
        resource["addresses"] = [{"reference": f"Condition/{resource_id(case.condition)}"}]
    if rec.signed_by is not None:
        resource["author"] = {"display": rec.signed_by.full_name or rec.signed_by.email}
    contributors = [
        {"display": clinicians[pk].name_en} for pk in rec.participants or [] if pk in clinicians
    ]
    if contributors:
        resource["contributor"] = contributors
    if rec.amends_id:
        resource["replaces"] = [{"reference": f"CarePlan/{care_plan_id(rec.amends_id)}"}]
    notes = _notes(rec)
    if notes:
        resource["note"] = notes
    return resource


def care_plan(recommendation: Recommendation) -> dict[str, Any]:
    """The recommendation as a CarePlan (a JSON-able dict), structure-validated against the
    R4B model so an invalid resource fails here rather than at the receiver."""
    with translation.override("en"):
        resource = _build(recommendation)
    CarePlan.model_validate(resource)
    return resource


def care_plan_bundle(case: BoardCase, base_url: str = "") -> dict[str, Any]:
    """A collection Bundle of the case's current recommendation, followed by the ones it
    amends (newest first), so every ``replaces`` resolves inside the Bundle. Empty when the
    case has no recommendation. With ``base_url`` (e.g. ``https://host/fhir/``), entries get
    a full URL."""
    plans = []
    rec = services.current_recommendation(case)
    seen: set[int] = set()
    while rec is not None and rec.pk not in seen:
        seen.add(rec.pk)
        plans.append(care_plan(rec))
        rec = rec.amends
    entries = []
    for plan in plans:
        entry: dict[str, Any] = {"resource": plan}
        if base_url:
            entry["fullUrl"] = f"{base_url}CarePlan/{plan['id']}"
        entries.append(entry)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        bundle["entry"] = entries
    Bundle.model_validate(bundle)
    return bundle
