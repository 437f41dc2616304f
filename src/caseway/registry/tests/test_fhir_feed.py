"""The FHIR import feeds the surgical registry: a surgical Procedure, its complications and the
Observations part of it become a registry surgery, matched (never duplicated) on re-import, and
the export gives them back as the same elements."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from caseway.accounts.actor import Actor
from caseway.audit.models import AuditEvent
from caseway.core.testing import SYSTEM
from caseway.records import models as m
from caseway.records.fhir import codes as c
from caseway.records.fhir.export import everything
from caseway.records.fhir.from_fhir import parse, validate
from caseway.records.fhir.importer import ImportReport, import_items, read_items
from caseway.registry import scores, services
from caseway.registry.models import Complication, Procedure, Surgery, SurgeryFacts, TeamMember
from caseway.registry.tests.factories import cytoreduction

FIXTURES = Path(__file__).parent / "fixtures"
COUNTED = (Surgery, Procedure, TeamMember, Complication, m.Treatment, m.Measurement)


def _load(name: str, world: Any) -> Any:
    """A fixture pointing at the world's patient and condition (records of the center)."""
    text = (FIXTURES / name).read_text()
    text = text.replace("Patient/WORLD-PATIENT", f"Patient/{world.patient_a.pk}")
    return json.loads(
        text.replace("Condition/WORLD-CONDITION", f"Condition/{world.condition_a.pk}")
    )


def bundle(world: Any) -> dict[str, Any]:
    document: dict[str, Any] = _load("surgical_bundle.json", world)
    return document


def procedure(document: dict[str, Any]) -> dict[str, Any]:
    """The surgical Procedure of a fixture bundle, itself (changes go into the bundle)."""
    resource: dict[str, Any] = document["entry"][0]["resource"]
    return resource


def run(world: Any, document: Any, actor: Any = SYSTEM, name: str = "or.json") -> ImportReport:
    return import_items(actor, world.center_a, read_items(name, json.dumps(document).encode()))


def counts() -> dict[type[Any], int]:
    return {model: model.objects.count() for model in COUNTED}


def test_a_surgical_procedure_becomes_a_registry_surgery(world: Any) -> None:
    report = run(world, bundle(world))
    assert report.ok, report.issues
    assert (report.created["Surgery"], report.created["Treatment"]) == (1, 1)
    surgery = Surgery.objects.get(patient=world.patient_a)
    assert (surgery.center, surgery.date, surgery.condition, surgery.indication) == (
        world.center_a,
        dt.date(2026, 3, 20),
        world.condition_a,
        "Primary cytoreductive surgery",
    )
    assert surgery.source_key == "http://hospital.example.org/or-cases|OR-2026-0311"
    assert (
        surgery.approach,
        surgery.timing,
        surgery.advanced_ovarian,
        surgery.specialty,
        surgery.procedure_group,
    ) == ("open", "primary", True, "gyn_onc", "ovarian_cytoreduction")
    assert (surgery.residual_mm, surgery.blood_loss_ml) == (Decimal(0), 350)
    assert scores.pci_total(surgery.pci_intraop) == 11
    assert {
        (p.local_code, p.name, p.standard_system, p.standard_code, p.aletti_group)
        for p in surgery.procedures.all()
    } == {
        ("81751006", "Excision of intra-abdominal mass", c.SNOMED, "81751006", ""),
        (
            "GYN-TAHBSO",
            "Total hysterectomy with bilateral salpingo-oophorectomy",
            "",
            "",
            "hysterectomy_bso",
        ),
        ("omentectomy", "Infracolic omentectomy", "", "", "omentectomy"),
    }
    assert {(t.name, t.role, t.specialty) for t in surgery.team.all()} == {
        ("Dr. Kim Ji-won", "primary", "gyn_onc"),
        ("Dr. Lee Min-ho", "bedside", "general_surgery"),
    }
    assert {
        (x.description, x.grade, x.present_at_discharge, x.day) for x in surgery.complications.all()
    } == {("Pleural effusion, drained", "IIIa", False, 5), ("Wound infection", "II", True, 12)}
    facts = SurgeryFacts.objects.get(surgery=surgery)
    assert (facts.aletti_score, facts.pci, facts.residual, facts.primary_surgeon) == (
        2,
        11,
        "complete",
        "Dr. Kim Ji-won",
    )
    # The registry Observations are read for the surgery only, not stored as measurements.
    assert not m.Measurement.objects.filter(patient=world.patient_a).exists()
    event = AuditEvent.objects.filter(
        entity_type="records.patient", patient_id=world.patient_a.pk
    ).latest("sequence")
    assert event.detail["import"] == {"created Treatment": 1, "created Surgery": 1}


def test_importing_again_duplicates_nothing(world: Any) -> None:
    assert run(world, bundle(world)).ok
    before = counts()
    version = Surgery.objects.get().version
    report = run(world, bundle(world))
    assert report.ok, report.issues
    assert not report.created and not report.updated
    assert report.unchanged["Surgery"] == 1
    assert counts() == before
    assert Surgery.objects.get().version == version


def test_a_changed_procedure_updates_its_surgery(world: Any) -> None:
    assert run(world, bundle(world)).ok
    document = bundle(world)
    resource = procedure(document)
    resource["extension"][0]["valueCode"] = "laparoscopic"
    resource["complication"][0]["coding"][0]["code"] = "IIIb"
    resource["performer"].pop()
    residual = document["entry"][1]["resource"]
    residual["valueQuantity"]["value"] = 5
    residual["note"] = [{"text": "Miliary disease on the small-bowel mesentery"}]
    report = run(world, document)
    assert report.ok, report.issues
    assert report.updated["Surgery"] == 1 and not report.created
    surgery = Surgery.objects.get()
    assert (surgery.approach, surgery.version, surgery.residual_mm) == ("laparoscopic", 2, 5)
    assert surgery.incomplete_reason == "Miliary disease on the small-bowel mesentery"
    assert [t.name for t in surgery.team.filter(voided=False)] == ["Dr. Kim Ji-won"]
    assert sorted(x.grade for x in surgery.complications.filter(voided=False)) == ["II", "IIIb"]
    assert surgery.complications.filter(voided=True).count() == 1  # voided, never deleted
    assert SurgeryFacts.objects.get(surgery=surgery).residual == "le_1cm"
    event = AuditEvent.objects.filter(patient_id=world.patient_a.pk).latest("sequence")
    assert event.detail["import"] == {"updated Surgery": 1}


def test_a_new_reason_reference_moves_the_surgery_to_that_condition(world: Any) -> None:
    assert run(world, bundle(world)).ok
    document = bundle(world)
    document["entry"].append(
        {
            "fullUrl": "urn:uuid:peritoneum",
            "resource": {
                "resourceType": "Condition",
                "id": "peritoneum",
                "code": {"coding": [{"system": c.ICD10, "code": "C48.2"}], "text": "Peritoneum"},
                "subject": {"reference": f"Patient/{world.patient_a.pk}"},
            },
        }
    )
    procedure(document)["reasonReference"] = [{"reference": "urn:uuid:peritoneum"}]
    report = run(world, document)
    assert report.ok, report.issues
    assert Surgery.objects.get().condition == m.Condition.objects.get(icd10="C48.2")


def test_source_data_without_the_registry_elements_keeps_what_was_recorded(world: Any) -> None:
    """An EHR feed re-sent without Caseway's extensions must not erase the registry's curation."""
    assert run(world, bundle(world)).ok
    document = bundle(world)
    resource = procedure(document)
    for element in ("extension", "performer", "complication"):
        del resource[element]
    assert not {"extension", "performer", "complication"} & set(document["entry"][0]["resource"])
    report = run(world, {**document, "entry": document["entry"][:1]})
    assert report.ok, report.issues
    assert report.unchanged["Surgery"] == 1
    surgery = Surgery.objects.get()
    assert (surgery.approach, surgery.team.count(), surgery.complications.count()) == ("open", 2, 2)


def test_a_bad_grade_rejects_the_import_naming_the_resource(world: Any) -> None:
    document = bundle(world)
    procedure(document)["complication"][1]["coding"][0]["code"] = "IIIc"
    before = counts()
    report = run(world, document)
    assert not report.ok
    [issue] = report.issues
    assert issue["expression"] == ["Bundle.entry[0].resource"]
    assert issue["diagnostics"].startswith(
        "or.json entry 0 (Procedure): complication 2: 'IIIc' is not a Clavien-Dindo grade"
    )
    assert counts() == before


def test_a_registry_rule_rejects_the_import_naming_the_observation(world: Any) -> None:
    document = bundle(world)
    document["entry"][1]["resource"]["valueQuantity"]["value"] = 8  # residual left, no reason
    before = counts()
    report = run(world, document)
    assert [i["expression"] for i in report.issues] == [["or.json entry 1 (Observation)"]]
    assert (
        "incomplete_reason: Say why residual disease was left." in (report.issues[0]["diagnostics"])
    )
    assert counts() == before


def test_a_procedure_without_caseway_extensions_records_what_it_says(world: Any) -> None:
    report = run(world, _load("plain_procedure.json", world), name="plain.json")
    assert report.ok, report.issues
    surgery = Surgery.objects.get()
    assert (surgery.approach, surgery.timing, surgery.specialty, surgery.advanced_ovarian) == (
        "",
        "na",
        "other",
        False,
    )
    assert surgery.indication == "Excision of intra-abdominal mass"
    assert [(t.name, t.role, t.specialty) for t in surgery.team.all()] == [
        ("Dr. Park Seo-yeon", "primary", "other")
    ]
    assert [(p.standard_code, p.aletti_group) for p in surgery.procedures.all()] == [
        ("81751006", "")
    ]
    facts = SurgeryFacts.objects.get(surgery=surgery)
    assert (facts.approach, facts.robotic, facts.aletti_score) == ("", False, None)


def test_only_performed_surgical_procedures_feed_the_registry(world: Any) -> None:
    not_done = _load("plain_procedure.json", world)
    not_done["status"] = "not-done"
    radiotherapy = {
        **_load("plain_procedure.json", world),
        "id": "rt-1",
        "meta": {"profile": [c.PROFILE_RADIOTHERAPY]},
    }
    for resource in (not_done, radiotherapy):
        assert run(world, resource).ok
    assert m.Treatment.objects.count() == 2 and not Surgery.objects.exists()


def test_a_signed_surgery_is_not_changed_by_an_import(world: Any) -> None:
    assert run(world, bundle(world)).ok
    surgery = Surgery.objects.get()
    services.sign(SYSTEM, surgery, surgery.version)
    assert run(world, bundle(world)).ok  # the same content: nothing to change
    document = bundle(world)
    procedure(document)["extension"][0]["valueCode"] = "laparoscopic"
    report = run(world, document)
    assert "which is signed; correct it by an amendment" in report.issues[0]["diagnostics"]
    assert Surgery.objects.get().approach == "open"


def test_a_coordinator_imports_the_record_and_the_registry_waits(world: Any) -> None:
    """A coordinator importing a referral keeps the operation in the record (a treatment); the
    registry, which only clinicians and data managers write, is told, not forced."""
    report = run(world, bundle(world), actor=Actor.for_user(world.coordinator_a))
    assert report.ok, report.issues
    assert m.Treatment.objects.filter(kind="surgery").exists()
    assert not Surgery.objects.exists()
    assert "not entered in the surgical registry" in report.summary()


def test_an_observation_must_be_part_of_a_surgical_procedure(world: Any) -> None:
    document = bundle(world)
    document["entry"][3]["resource"]["partOf"] = [{"reference": "Procedure/nowhere"}]
    report = run(world, document)
    assert (
        "partOf 'Procedure/nowhere' does not point to a surgical Procedure"
        in (report.issues[0]["diagnostics"])
    )
    assert not Surgery.objects.exists()


def test_a_later_observation_completes_a_surgery_imported_before(world: Any) -> None:
    assert run(world, bundle(world)).ok
    treatment = m.Treatment.objects.get()
    blood = copy.deepcopy(bundle(world)["entry"][3]["resource"])
    blood.update(id="blood-later", partOf=[{"reference": f"Procedure/tx-{treatment.pk}"}])
    blood["valueQuantity"]["value"] = 500
    report = run(world, blood)
    assert report.ok, report.issues
    assert report.updated["Surgery"] == 1
    assert Surgery.objects.get().blood_loss_ml == 500


def _registry_meaning(resources: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the registry reads: the Procedure's reading, and the Observations' values merged."""
    surgery: dict[str, Any] = {}
    observed: dict[str, Any] = {}
    for resource in resources:
        parsed = parse(validate(resource, "r"), "r")
        if parsed.kind == "registry":
            assert parsed.registry is not None
            observed.update(parsed.registry["surgery"])
        elif parsed.registry is not None:
            surgery = {k: v for k, v in parsed.registry.items() if k != "surgery_id"}
    return surgery, observed


def test_the_export_round_trip_keeps_the_registry(world: Any) -> None:
    assert run(world, bundle(world)).ok
    exported = everything(world.patient_a, actor=SYSTEM)
    Bundle.model_validate(exported)  # structure-valid R4 (R4B models)
    resources = [e["resource"] for e in exported["entry"]]
    procedures = [r for r in resources if r["resourceType"] == "Procedure"]
    assert len(procedures) == 1  # one operation: the record's Procedure, enriched
    theirs, their_values = _registry_meaning([e["resource"] for e in bundle(world)["entry"]])
    ours, our_values = _registry_meaning(resources)
    for name in ("procedures", "team", "complications"):
        assert ours[name] == theirs[name], name
    for name, value in theirs["surgery"].items():
        assert ours["surgery"][name] == value, name
    assert our_values == their_values
    # Importing the export again matches everything.
    again = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    before = counts()
    report = run(world, again)
    assert report.ok, report.issues
    assert not report.created and not report.updated and report.unchanged["Surgery"] == 1
    assert counts() == before


def test_a_surgery_recorded_in_the_registry_only_is_exported_as_its_own_procedure(
    world: Any,
) -> None:
    surgery = cytoreduction(world.patient_a)
    resources = [e["resource"] for e in everything(world.patient_a, actor=SYSTEM)["entry"]]
    [resource] = [r for r in resources if r["resourceType"] == "Procedure"]
    assert resource["id"] == f"surg-{surgery.pk}"
    observations = [r for r in resources if r.get("partOf")]
    assert {o["id"] for o in observations} == {
        f"surg-{surgery.pk}-residual",
        f"surg-{surgery.pk}-pci",
    }
    again = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    report = run(world, again)
    assert report.ok, report.issues
    assert report.unchanged["Surgery"] == 1 and "Surgery" not in report.created
    assert Surgery.objects.count() == 1


def test_registry_rows_are_exported_only_to_those_who_may_see_them(world: Any) -> None:
    assert run(world, bundle(world)).ok

    def registry_in(actor: Any) -> bool:
        resources = [e["resource"] for e in everything(world.patient_a, actor=actor)["entry"]]
        return any(r.get("partOf") or r.get("complication") for r in resources)

    assert registry_in(Actor.for_user(world.clinician_user_a))
    assert not registry_in(Actor.for_user(world.coordinator_b))  # the record is shared with B
    assert not registry_in(None)
