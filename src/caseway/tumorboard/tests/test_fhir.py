"""The recommendation as a FHIR CarePlan: valid R4, the steps in sequence with their codes and
status, an amendment replacing the plan it amends, and the same resource in any language."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan

from caseway.accounts.actor import Actor
from caseway.core import versioning
from caseway.core.testing import SYSTEM
from caseway.records.fhir.export import everything
from caseway.tumorboard import fhir, services
from caseway.tumorboard.models import Recommendation
from caseway.tumorboard.tests.factories import HPB, gyn_board, submit

pytestmark = pytest.mark.django_db

SNOMED = "http://snomed.info/sct"


@pytest.fixture
def made(world: Any) -> Any:
    gyn = gyn_board(world)
    (meeting,) = services.generate_meetings(
        SYSTEM, gyn.board, dt.date(2026, 12, 1), dt.date(2026, 12, 7)
    )
    for p in meeting.participants.all():  # all can come: the quorum is expected
        versioning.update(SYSTEM, p, p.version, {"available": True})
    case = submit(world, gyn.board)
    rec = services.recommend(
        SYSTEM,
        Recommendation(
            case=case,
            meeting=meeting,
            intent="curative",
            summary="Omental cake.",
            steps=[
                {"modality": "neoadjuvant_chemotherapy", "detail": "carboplatin-paclitaxel x3"},
                {"modality": "interval_cytoreduction", "detail": "with HPB surgeon"},
                {"modality": "maintenance", "detail": ""},
            ],
            surgical_plan="Diaphragm peritonectomy",
            surgical_departments=[HPB],
            trial_referral=True,
            trial_note="FIRST-2 trial",
            further_tests="Germline BRCA",
            participants=[gyn.clinicians["obstetrics_gynecology"].pk],
            guideline_concordant=False,
            non_concordance="clinical_trial",
            non_concordance_note="Trial arm",
        ),
    )
    return type("Made", (), {"world": world, "gyn": gyn, "case": case, "rec": rec})


def _valid(resource: dict[str, Any]) -> CarePlan:
    plan = CarePlan.model_validate(resource)
    again = json.loads(json.dumps(resource))
    assert again == resource  # JSON-able as it is
    assert CarePlan.model_validate_json(plan.model_dump_json()).model_dump() == plan.model_dump()
    assert resource["status"] in fhir.PLAN_STATUSES
    return plan


def _sign(world: Any, rec: Recommendation) -> Recommendation:
    return services.sign(Actor.for_user(world.clinician_user_a), rec, rec.version)


def test_an_unsigned_recommendation_is_a_draft_plan(made: Any) -> None:
    resource = fhir.care_plan(made.rec)
    _valid(resource)
    assert resource["id"] == f"tumorboard-recommendation-{made.rec.pk}"
    assert (resource["status"], resource["intent"]) == ("draft", "plan")
    assert resource["subject"] == {"reference": f"Patient/{made.world.patient_a.pk}"}
    assert resource["addresses"] == [{"reference": f"Condition/{made.world.condition_a.pk}"}]
    codes = {(cd["system"], cd["code"]) for cd in resource["category"][0]["coding"]}
    assert codes == {(SNOMED, "734163000"), (fhir.CATEGORY_SYSTEM, "tumor-board-recommendation")}
    assert "Primary cytoreduction or neoadjuvant chemotherapy?" in resource["description"]
    assert "Omental cake." in resource["description"]
    assert "author" not in resource
    assert resource["contributor"] == [{"display": "Dr Kim Ji-won"}]
    assert {a["detail"]["status"] for a in resource["activity"]} == {"not-started"}


def test_the_steps_are_activities_in_sequence(made: Any) -> None:
    resource = fhir.care_plan(made.rec)
    details = [a["detail"] for a in resource["activity"]]
    assert [d["scheduledString"] for d in details[:3]] == [
        "step 1 of 3",
        "step 2 of 3",
        "step 3 of 3",
    ]
    modality = [
        next(cd["code"] for cd in d["code"]["coding"] if cd["system"] == fhir.MODALITY_SYSTEM)
        for d in details[:3]
    ]
    assert modality == ["neoadjuvant_chemotherapy", "interval_cytoreduction", "maintenance"]
    assert [d["kind"] for d in details[:3]] == [
        "MedicationRequest",
        "ServiceRequest",
        "MedicationRequest",
    ]
    snomed = [
        [cd["code"] for cd in d["code"]["coding"] if cd["system"] == SNOMED] for d in details[:3]
    ]
    assert snomed == [["367336001"], ["387713003"], []]  # no sure SNOMED code for maintenance
    assert details[0]["description"] == "carboplatin-paclitaxel x3"
    assert details[2]["description"] == "Maintenance therapy (e.g. PARP inhibitor)"
    assert details[1]["extension"] == [{"url": fhir.EXT_SURGICAL_DEPARTMENT, "valueCode": HPB}]
    trial, tests = details[3:]
    assert trial["kind"] == "ServiceRequest" and trial["description"] == "FIRST-2 trial"
    assert trial["code"]["coding"][0]["code"] == "clinical-trial-referral"
    assert tests["code"]["coding"][0]["code"] == "further-tests"
    assert tests["description"] == "Germline BRCA"


def test_intent_concordance_and_provisional_are_coded(made: Any) -> None:
    resource = fhir.care_plan(made.rec)
    ext = {e["url"]: e for e in resource["extension"]}
    intent = ext[fhir.EXT_INTENT]["valueCodeableConcept"]["coding"]
    assert (intent[0]["system"], intent[0]["code"]) == (SNOMED, "373808002")
    concordance = {e["url"]: e for e in ext[fhir.EXT_CONCORDANCE]["extension"]}
    assert concordance["concordant"]["valueBoolean"] is False
    assert concordance["reason"]["valueCoding"]["code"] == "clinical_trial"
    assert concordance["note"]["valueString"] == "Trial arm"
    assert ext[fhir.EXT_PROVISIONAL]["valueBoolean"] is False
    assert ext[fhir.EXT_MEETING]["valueDateTime"].startswith("2026-11-30T22:30:00")  # 07:30 KST
    assert {"text": "Surgical plan: Diaphragm peritonectomy"} in resource["note"]
    Recommendation.objects.filter(pk=made.rec.pk).update(provisional=True)
    made.rec.refresh_from_db()
    resource = fhir.care_plan(made.rec)
    assert {e["url"]: e for e in resource["extension"]}[fhir.EXT_PROVISIONAL]["valueBoolean"]
    assert resource["note"][0]["text"].startswith("Provisional")


def test_status_follows_signing_and_follow_up(made: Any) -> None:
    signed = _sign(made.world, made.rec)
    resource = fhir.care_plan(signed)
    assert resource["status"] == "active"
    assert resource["author"] == {"display": "Clin-A"}
    assert signed.signed_at is not None
    assert resource["created"] == signed.signed_at.isoformat()
    implementation = signed.implementation
    services.follow_up(
        SYSTEM,
        signed,
        implementation.version,
        "not_implemented",
        None,
        "patient_declined",
        "Prefers treatment at home",
    )
    signed = Recommendation.objects.get(pk=signed.pk)
    resource = fhir.care_plan(signed)
    _valid(resource)
    assert resource["status"] == "completed"
    steps = resource["activity"][:3]
    assert {a["detail"]["status"] for a in steps} == {"cancelled"}
    reason = steps[0]["detail"]["statusReason"]
    assert reason["coding"][0] == {
        "system": fhir.DEVIATION_SYSTEM,
        "code": "patient_declined",
        "display": "Patient declined",
    }
    assert reason["text"] == "Prefers treatment at home"
    assert resource["activity"][3]["detail"]["status"] == "unknown"


def test_an_amendment_replaces_the_plan_it_amends(made: Any) -> None:
    signed = _sign(made.world, made.rec)
    amended = services.amend(
        Actor.for_user(made.world.clinician_user_a), signed, {"intent": "palliative"}, "Liver mets"
    )
    new = fhir.care_plan(amended)
    old = fhir.care_plan(Recommendation.objects.get(pk=signed.pk))
    _valid(new)
    assert new["replaces"] == [{"reference": f"CarePlan/{old['id']}"}]
    assert (new["status"], old["status"]) == ("active", "revoked")
    assert {a["detail"]["status"] for a in old["activity"]} == {"cancelled"}
    intent = {e["url"]: e for e in new["extension"]}[fhir.EXT_INTENT]
    assert intent["valueCodeableConcept"]["coding"][0]["code"] == "363676003"
    assert {"text": "Amendment: Liver mets"} in new["note"]
    bundle = fhir.care_plan_bundle(made.case, "https://caseway.example/fhir/")
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert [e["resource"]["id"] for e in bundle["entry"]] == [new["id"], old["id"]]
    assert bundle["entry"][0]["fullUrl"] == f"https://caseway.example/fhir/CarePlan/{new['id']}"


def test_a_voided_recommendation_is_revoked(made: Any) -> None:
    Recommendation.objects.filter(pk=made.rec.pk).update(voided=True)
    resource = fhir.care_plan(Recommendation.objects.get(pk=made.rec.pk))
    assert resource["status"] == "revoked"
    assert fhir.care_plan_bundle(made.case) == {"resourceType": "Bundle", "type": "collection"}


def test_the_plan_is_the_same_in_any_language(made: Any) -> None:
    english = fhir.care_plan(made.rec)
    with translation.override("ko"):
        korean = fhir.care_plan(made.rec)
    assert korean == english
    assert english["activity"][0]["detail"]["code"]["text"] == "Neoadjuvant chemotherapy"


def test_the_references_resolve_in_the_patients_export(made: Any) -> None:
    resource = fhir.care_plan(made.rec)
    exported = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in everything(made.world.patient_a)["entry"]
    }
    assert resource["subject"]["reference"] in exported
    assert resource["addresses"][0]["reference"] in exported


def test_everything_carries_the_signed_plan_for_those_who_may_see_it(made: Any) -> None:
    signed = _sign(made.world, made.rec)

    def plans(actor: Any) -> list[str]:
        bundle = everything(made.world.patient_a, actor=actor)
        return [
            e["resource"]["id"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "CarePlan"
        ]

    assert plans(Actor.for_user(made.world.coordinator_a)) == [fhir.care_plan_id(signed)]
    # Center B sees patient A's record through a share, but not A's board.
    assert plans(Actor.for_user(made.world.coordinator_b)) == []
    assert plans(None) == []
