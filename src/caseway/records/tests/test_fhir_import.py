"""FHIR import: mCODE-style resources in, nothing duplicated, nothing partial, clear errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from caseway.core.testing import SYSTEM
from caseway.records import models as m
from caseway.records.fhir.importer import ImportReport, import_items, import_paths, read_items

FIXTURE = Path(__file__).parent / "fixtures" / "mcode_bundle.json"


def bundle() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def run(world: Any, document: Any, name: str = "bundle.json") -> ImportReport:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return import_items(SYSTEM, world.center_a, read_items(name, data))


def test_an_mcode_bundle_is_imported_into_the_record(world: Any) -> None:
    report = run(world, bundle())
    assert report.ok, report.issues
    patient = m.Patient.objects.get(center=world.center_a, mrn="UB-2026-0042")
    assert (patient.name_original, patient.name_romanized) == (
        "Оюунцэцэг Батболд",
        "Oyuntsetseg Batbold",
    )
    assert (patient.passport_number, patient.nationality, patient.preferred_language) == (
        "E1234567",
        "MN",
        "mn",
    )
    assert patient.identifiers.get().value == "884412"
    primary = m.Condition.objects.get(patient=patient, role="primary")
    assert (primary.icd10, primary.topography, primary.morphology) == ("C56.9", "C56.9", "8461/3")
    assert primary.histotype == "High-grade serous carcinoma"
    stage = m.Staging.objects.get(patient=patient)
    assert (stage.system, stage.stage, stage.t, stage.basis, stage.condition) == (
        "figo-2014-ovary",
        "IIIC",
        "T3c",
        "clinical",
        primary,
    )
    ca125 = m.Measurement.objects.get(patient=patient, kind="tumor_marker")
    assert (float(ca125.value), ca125.unit, ca125.code) == (845.5, "U/mL", "10334-1")
    assert m.Measurement.objects.get(patient=patient, kind="ecog").value == 1
    variant = m.Variant.objects.get(patient=patient)
    assert (variant.gene, variant.hgvs_protein, variant.origin, variant.classification) == (
        "BRCA1",
        "p.Cys61Gly",
        "germline",
        "pathogenic",
    )
    treatments = {t.kind: t for t in m.Treatment.objects.filter(patient=patient)}
    assert set(treatments) == {"surgery", "systemic"}
    assert m.Treatment.objects.filter(patient=patient, kind="systemic").count() == 2
    assert report.created["Patient"] == 1 and report.created["Condition"] == 2


def test_importing_again_creates_no_duplicates(world: Any) -> None:
    first = run(world, bundle())
    counts = {model: model.objects.count() for model in (m.Patient, *m.RECORD_MODELS)}
    second = run(world, bundle())
    assert second.ok and not second.created and not second.updated
    assert (
        sum(second.unchanged.values()) == sum(first.created.values()) - first.created["Identifier"]
    )
    assert counts == {model: model.objects.count() for model in (m.Patient, *m.RECORD_MODELS)}


def test_ndjson_is_imported_too(world: Any) -> None:
    lines = [json.dumps(e["resource"]) for e in bundle()["entry"]]
    # NDJSON has no fullUrls: references use Type/id.
    text = (
        "\n".join(lines)
        .replace("urn:uuid:pat-1", "Patient/pat-1")
        .replace("urn:uuid:cond-1", "Condition/cond-1")
    )
    report = run(world, text.encode(), "export.ndjson")
    assert report.ok, report.issues
    assert m.Staging.objects.filter(patient__mrn="UB-2026-0042").count() == 1


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (
            lambda b: b["entry"][1]["resource"]["code"]["coding"][0].update(code="XYZ"),
            "icd10: Enter an ICD-10 code",
        ),
        (
            lambda b: b["entry"].append({"resource": {"resourceType": "Encounter", "id": "e1"}}),
            "resource type 'Encounter' is not supported",
        ),
        (
            lambda b: b["entry"][3]["resource"].update(focus=[{"reference": "urn:uuid:nowhere"}]),
            "does not point to a Condition",
        ),
        (
            lambda b: b["entry"][3]["resource"]["valueCodeableConcept"]["coding"][0].update(
                code="IIIE"
            ),
            "IIIE is not a stage of",
        ),
        (lambda b: b["entry"][0]["resource"].update(birthDate="1968-02-31"), "birthDate"),
        (
            lambda b: b["entry"][5]["resource"].update(valueInteger=9),
            "value: The value must be between 0 and 5",
        ),
        (lambda b: b["entry"].append(copy.deepcopy(b["entry"][0])), "appears twice"),
    ],
    ids=[
        "invalid-icd10",
        "unknown-type",
        "dangling-reference",
        "invalid-stage",
        "invalid-date",
        "ecog-out-of-range",
        "duplicate-identifier",
    ],
)
def test_a_bad_resource_rejects_the_whole_transaction(
    world: Any, damage: Any, expected: str
) -> None:
    document = bundle()
    damage(document)
    before = {model: model.objects.count() for model in (m.Patient, *m.RECORD_MODELS)}
    report = run(world, document)
    assert not report.ok
    messages = " | ".join(issue["diagnostics"] for issue in report.issues)
    assert expected in messages
    assert all(issue["expression"] for issue in report.issues)
    assert before == {model: model.objects.count() for model in (m.Patient, *m.RECORD_MODELS)}
    outcome = report.operation_outcome()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["severity"] == (
        "error"
    )


def test_malformed_and_oversized_files_are_refused_clearly(world: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle", "type": "transaction", "entry": [')
    report = import_paths(SYSTEM, world.center_a, [broken])
    assert "broken.json: malformed JSON at line 1" in report.issues[0]["diagnostics"]
    history = tmp_path / "history.json"
    history.write_text(json.dumps({"resourceType": "Bundle", "type": "history"}))
    assert (
        "type 'history' cannot be imported"
        in import_paths(SYSTEM, world.center_a, [history]).issues[0]["diagnostics"]
    )
    with override_settings(CASEWAY_FHIR_MAX_BYTES=100):
        big = import_paths(SYSTEM, world.center_a, [FIXTURE])
    assert "over the import limit" in big.issues[0]["diagnostics"]
    assert not m.Patient.objects.filter(mrn="UB-2026-0042").exists()


def test_an_ndjson_line_that_is_not_json_is_named(world: Any) -> None:
    report = run(world, b'{"resourceType": "Patient"}\n{oops\n', "x.ndjson")
    assert any(
        "x.ndjson line 2" in i["diagnostics"] and "malformed JSON" in i["diagnostics"]
        for i in report.issues
    )


def test_import_into_a_center_needs_permission_there(world: Any) -> None:
    from caseway.accounts.actor import Actor
    from caseway.core.access import Forbidden

    actor = Actor.for_user(world.coordinator_b)
    with pytest.raises(Forbidden):
        import_items(actor, world.center_a, read_items("b.json", FIXTURE.read_bytes()))


def test_stages_coded_by_other_systems_are_read_from_their_text(world: Any) -> None:
    """mCODE data codes stage values in SNOMED CT; Caseway reads the stage named in the
    display or text and takes the FIGO edition from the condition's site."""
    document = bundle()
    figo = document["entry"][3]["resource"]
    figo["valueCodeableConcept"] = {
        "coding": [
            {"system": "http://snomed.info/sct", "code": "1234567", "display": "FIGO stage IIIC"}
        ]
    }
    tnm = json.loads(json.dumps(figo))
    tnm.update(
        id="tnm-1",
        meta={
            "profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tnm-stage-group"]
        },
        valueCodeableConcept={"text": "Stage IIB"},
    )
    tnm["code"]["coding"][0]["code"] = "21902-2"
    document["entry"].append({"fullUrl": "urn:uuid:tnm-1", "resource": tnm})
    report = run(world, document)
    assert report.ok, report.issues
    stages = {
        (s.system, s.stage, s.basis) for s in m.Staging.objects.filter(patient__mrn="UB-2026-0042")
    }
    assert stages == {("figo-2014-ovary", "IIIC", "clinical"), ("tnm-8", "IIB", "pathological")}


def test_a_figo_stage_that_does_not_exist_for_the_site_is_refused(world: Any) -> None:
    document = bundle()
    document["entry"][3]["resource"]["valueCodeableConcept"] = {"text": "FIGO Stage IIIC1r"}
    report = run(world, document)
    assert "IIIC1r is not a stage of FIGO 2014 ovary" in report.issues[0]["diagnostics"]


def test_mcode_style_sources_coded_otherwise_are_accepted(world: Any) -> None:
    """A SNOMED-coded diagnosis, a variant whose value is 'Present' with the significance in a
    component, and a patient whose identifier is not typed MR, as other systems send them."""
    document = bundle()
    patient = document["entry"][0]["resource"]
    patient["identifier"] = [{"system": "http://example.org/ids", "value": "EXT-77"}]
    condition = document["entry"][1]["resource"]
    condition["code"] = {
        "coding": [
            {
                "system": "http://snomed.info/sct",
                "code": "363443007",
                "display": "Malignant tumor of ovary",
            }
        ]
    }
    variant = document["entry"][6]["resource"]
    variant["valueCodeableConcept"] = {
        "coding": [{"system": "http://loinc.org", "code": "LA9633-4", "display": "Present"}]
    }
    variant["component"].append(
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "53037-8"}]},
            "valueCodeableConcept": {
                "coding": [{"system": "http://loinc.org", "code": "LA26332-9"}]
            },
        }
    )
    report = run(world, document)
    assert report.ok, report.issues
    imported = m.Patient.objects.get(mrn="EXT-77")
    primary = m.Condition.objects.get(patient=imported, role="primary")
    assert (primary.icd10, primary.code_system, primary.code) == (
        "",
        "http://snomed.info/sct",
        "363443007",
    )
    assert m.Variant.objects.get(patient=imported).classification == "likely_pathogenic"
