"""FHIR REST: read, search with paging, $everything, $export, errors as OperationOutcome."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from caseway.accounts.models import ApiToken
from caseway.audit.models import AuditEvent
from caseway.core.testing import SYSTEM, signed_in
from caseway.records import models as m
from caseway.records.fhir.importer import import_items, read_items

FIXTURE = Path(__file__).parent / "fixtures" / "mcode_bundle.json"


def _load(world: Any) -> m.Patient:
    report = import_items(SYSTEM, world.center_a, read_items("b.json", FIXTURE.read_bytes()))
    assert report.ok, report.issues
    return m.Patient.objects.get(mrn="UB-2026-0042")


def test_the_capability_statement_is_public_and_valid(db: Any) -> None:
    response = Client().get("/fhir/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate(response.json())
    assert {r.type for r in statement.rest[0].resource} == {
        "Patient",
        "Condition",
        "Observation",
        "Procedure",
    }


def test_read_patient_with_a_bearer_token_is_audited(world: Any) -> None:
    patient = _load(world)
    _token, text = ApiToken.issue(world.clinician_user_a, "emr")
    response = Client().get(
        f"/fhir/Patient/{patient.pk}", headers={"Authorization": f"Bearer {text}"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["birthDate"] == "1968-04-12"
    event = AuditEvent.objects.filter(action="view").latest("sequence")
    assert (event.patient_id, event.actor_user_id) == (patient.pk, world.clinician_user_a.pk)


def test_errors_are_operation_outcomes(world: Any) -> None:
    patient = _load(world)
    anonymous = Client().get(f"/fhir/Patient/{patient.pk}")
    assert anonymous.status_code == 401
    assert anonymous.json()["resourceType"] == "OperationOutcome"
    other_center = signed_in(world.admin).get(f"/fhir/Patient/{patient.pk}")
    assert other_center.status_code == 404
    assert other_center.json()["issue"][0]["code"] == "not-found"
    bad_date = signed_in(world.clinician_user_a).get("/fhir/Observation", {"date": "yesterday"})
    assert bad_date.status_code == 400 and "FHIR date" in bad_date.json()["issue"][0]["diagnostics"]


def test_observation_search_by_patient_code_and_date_pages(world: Any) -> None:
    patient = _load(world)
    client = signed_in(world.clinician_user_a)
    everything = client.get(
        "/fhir/Observation", {"patient": f"Patient/{patient.pk}", "_count": 2}
    ).json()
    Bundle.model_validate(everything)
    assert everything["total"] == 5 and len(everything["entry"]) == 2
    following = next(link["url"] for link in everything["link"] if link["relation"] == "next")
    second = client.get(following).json()
    assert [e["resource"]["id"] for e in second["entry"]] != [
        e["resource"]["id"] for e in everything["entry"]
    ]
    ca125 = client.get(
        "/fhir/Observation", {"patient": patient.pk, "code": "http://loinc.org|10334-1"}
    ).json()
    assert ca125["total"] == 1
    assert ca125["entry"][0]["resource"]["valueQuantity"]["value"] == 845.5
    spring = client.get(
        "/fhir/Observation", {"patient": patient.pk, "date": ["ge2026-02-15", "le2026-03"]}
    ).json()
    assert {e["resource"]["effectiveDateTime"] for e in spring["entry"]} == {
        "2026-02-20",
        "2026-03-02",
    }


def test_condition_and_procedure_search(world: Any) -> None:
    patient = _load(world)
    client = signed_in(world.clinician_user_a)
    conditions = client.get("/fhir/Condition", {"patient": patient.pk, "code": "C56.9"}).json()
    assert conditions["total"] == 1
    assert conditions["entry"][0]["resource"]["code"]["coding"][0]["code"] == "C56.9"
    procedures = client.get("/fhir/Procedure", {"patient": patient.pk}).json()
    assert [e["resource"]["code"]["text"] for e in procedures["entry"]] == [
        "Primary cytoreductive surgery"
    ]
    one = procedures["entry"][0]["resource"]["id"]
    assert client.get(f"/fhir/Procedure/{one}").status_code == 200
    assert client.get("/fhir/Procedure/tx-999999").status_code == 404


def test_everything_over_rest(world: Any) -> None:
    patient = _load(world)
    bundle = signed_in(world.clinician_user_a).get(f"/fhir/Patient/{patient.pk}/$everything")
    assert bundle.status_code == 200
    assert bundle.json()["total"] == 13


def test_bulk_export_runs_as_a_job_and_serves_its_files(
    world: Any, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CASEWAY_EXPORT_DIR = tmp_path
    _load(world)
    client = signed_in(world.coordinator_a)
    refused = client.post("/fhir/$export?center=center-a")
    assert refused.status_code == 400  # a reason is required
    with django_capture_on_commit_callbacks(execute=True):
        kickoff = client.post("/fhir/$export?center=center-a&reason=Quality+registry+submission")
    assert kickoff.status_code == 202
    status_url = kickoff["Content-Location"]
    manifest = client.get(status_url)
    assert manifest.status_code == 200  # tests run jobs immediately
    outputs = {o["type"]: o for o in manifest.json()["output"]}
    assert outputs["Patient"]["count"] == 2  # the imported patient and the world's patient
    lines = b"".join(client.get(outputs["Observation"]["url"]).streaming_content).splitlines()
    assert len(lines) == outputs["Observation"]["count"]
    assert all(json.loads(line)["resourceType"] == "Observation" for line in lines)
    assert signed_in(world.coordinator_b).get(status_url).status_code == 404
    assert AuditEvent.objects.filter(
        action="export", reason="Quality registry submission", actor_user=world.coordinator_a
    ).exists()


def test_bulk_export_carries_the_registry_surgeries_its_requester_may_see(
    world: Any, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """A surgery recorded in the registry only is a Procedure of the export, with its
    Observations, when the person who asked may read the registry; the export is journaled
    once, not once per patient."""
    from caseway.records.fhir.to_fhir import resource_id
    from caseway.registry.tests.factories import cytoreduction

    settings.CASEWAY_EXPORT_DIR = tmp_path
    surgery = cytoreduction(world.patient_a)
    client = signed_in(world.coordinator_a)
    searches = AuditEvent.objects.filter(action="search").count()
    with django_capture_on_commit_callbacks(execute=True):
        kickoff = client.post("/fhir/$export?center=center-a&reason=Registry+submission")
    outputs = {o["type"]: o for o in client.get(kickoff["Content-Location"]).json()["output"]}

    def lines(kind: str) -> list[dict[str, Any]]:
        content = b"".join(client.get(outputs[kind]["url"]).streaming_content)
        return [json.loads(line) for line in content.splitlines()]

    procedures = {p["id"]: p for p in lines("Procedure")}
    assert resource_id(surgery) in procedures
    procedure = procedures[resource_id(surgery)]
    assert procedure["subject"]["reference"] == f"Patient/{world.patient_a.pk}"
    part_of = {o["partOf"][0]["reference"] for o in lines("Observation") if o.get("partOf")}
    assert f"Procedure/{resource_id(surgery)}" in part_of  # residual disease, PCI, blood loss
    assert AuditEvent.objects.filter(action="search").count() == searches
    assert AuditEvent.objects.filter(action="export", reason="Registry submission").exists()
