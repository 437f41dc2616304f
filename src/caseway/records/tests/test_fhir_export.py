"""FHIR export: $everything is valid R4 and the round trip loses no mapped element."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from caseway.core.testing import SYSTEM
from caseway.records import models as m
from caseway.records.fhir.export import everything
from caseway.records.fhir.from_fhir import parse, validate
from caseway.records.fhir.importer import import_items, read_items

FIXTURE = Path(__file__).parent / "fixtures" / "mcode_bundle.json"


def _imported(world: Any) -> m.Patient:
    report = import_items(SYSTEM, world.center_a, read_items("b.json", FIXTURE.read_bytes()))
    assert report.ok, report.issues
    return m.Patient.objects.get(mrn="UB-2026-0042")


def _meaning(resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Every element Caseway maps, as Caseway reads it (references left out: ids differ)."""
    parsed = parse(validate(resource, "r"), "r")
    # File content travels by reference on export; its checksum is compared separately.
    return parsed.kind, {k: v for k, v in parsed.fields.items() if k != "_content"}


def test_everything_is_a_valid_searchset_bundle(world: Any) -> None:
    bundle = everything(_imported(world), "https://caseway.example/fhir/")
    Bundle.model_validate(bundle)  # structure-valid R4 (R4B models)
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types[0] == "Patient" and bundle["total"] == len(types) == 13
    assert {
        "Condition",
        "Observation",
        "Procedure",
        "MedicationStatement",
        "DocumentReference",
        "DiagnosticReport",
    } <= set(types)


def test_the_round_trip_loses_no_mapped_element(world: Any) -> None:
    original = [e["resource"] for e in json.loads(FIXTURE.read_text())["entry"]]
    exported = [e["resource"] for e in everything(_imported(world))["entry"]]
    before = sorted((_meaning(r) for r in original), key=repr)
    after = sorted((_meaning(r) for r in exported), key=repr)
    # MedicationRequest comes back as a MedicationStatement with the same meaning.
    assert len(before) == len(after)
    for theirs, ours in zip(before, after, strict=True):
        kind, fields = theirs
        assert ours[0] == kind
        for name, value in fields.items():
            assert ours[1].get(name) == value, (kind, name)


def test_an_inline_attachment_keeps_its_exact_content(
    world: Any, settings: Any, tmp_path: Path
) -> None:
    import base64
    import hashlib

    settings.MEDIA_ROOT = tmp_path
    patient = _imported(world)
    entry = next(
        e
        for e in json.loads(FIXTURE.read_text())["entry"]
        if e["resource"]["resourceType"] == "DocumentReference"
    )
    content = base64.b64decode(entry["resource"]["content"][0]["attachment"]["data"])
    document = m.Document.objects.get(patient=patient, kind="pdf")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.file.read() == content
    report = m.Document.objects.get(patient=patient, kind="report")
    assert report.text.startswith("Pathogenic BRCA1")


def test_exported_identifiers_make_a_reimport_match(world: Any) -> None:
    patient = _imported(world)
    bundle = everything(patient)
    counts = {model: model.objects.count() for model in m.RECORD_MODELS}
    data = json.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": e["resource"]} for e in bundle["entry"]],
        }
    )
    report = import_items(SYSTEM, world.center_a, read_items("again.json", data.encode()))
    assert report.ok, report.issues
    assert not report.created
    assert counts == {model: model.objects.count() for model in m.RECORD_MODELS}


def test_the_patient_export_keeps_identifiers_names_and_contacts(world: Any) -> None:
    resource = everything(_imported(world))["entry"][0]["resource"]
    identifiers = {
        (i.get("type", {}).get("coding", [{}])[0].get("code"), i["value"])
        for i in resource["identifier"]
    }
    assert {("MR", "UB-2026-0042"), ("PPN", "E1234567"), (None, "884412")} <= identifiers
    assert [n["text"] for n in resource["name"]] == ["Оюунцэцэг Батболд", "Oyuntsetseg Batbold"]
    assert resource["generalPractitioner"][0]["display"] == "Dr. Bat-Erdene Tsogt"
