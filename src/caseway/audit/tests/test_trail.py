"""What is written to the trail, who may read it, and how it leaves Caseway."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

from caseway.audit.models import AuditAction, AuditEvent
from caseway.core.testing import signed_in


def test_changes_are_journaled_with_before_and_after(world: Any) -> None:
    client = signed_in(world.admin)
    client.patch(
        f"/api/directory/institutions/{world.institution_a.pk}",
        {"city_en": "Suwon"},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("sequence")
    assert event.entity_type == "organizations.institution"
    assert event.entity_id == str(world.institution_a.pk)
    assert event.actor_user_id == world.admin.pk
    assert event.acting_role == "association_admin"
    assert event.detail["changes"] == {"city_en": ["Seoul", "Suwon"]}
    assert event.client_address == "127.0.0.1"


def test_the_detail_page_shows_the_history(world: Any) -> None:
    client = signed_in(world.admin)
    client.patch(
        f"/api/directory/institutions/{world.institution_a.pk}",
        {"city_en": "Suwon"},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    page = client.get(f"/directory/institutions/{world.institution_a.pk}/")
    assert "Seoul → Suwon" in page.content.decode()


def test_only_privacy_officers_search_and_the_search_is_recorded(world: Any) -> None:
    assert signed_in(world.admin).get("/audit/", {"searched": 1}).status_code == 403
    assert signed_in(world.admin).get("/api/audit/events").status_code == 403
    client = signed_in(world.privacy)
    before = AuditEvent.objects.filter(action=AuditAction.SEARCH).count()
    page = client.get("/audit/", {"action": "create", "searched": 1})
    assert page.status_code == 200
    assert {e.action for e in page.context["page"]} == {"create"}
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH).count() == before + 1
    api = client.get("/api/audit/events", {"action": "create", "limit": 5}).json()
    assert api["count"] >= 5 and all(row["action"] == "create" for row in api["items"])


def test_bad_search_input_is_explained(world: Any) -> None:
    client = signed_in(world.privacy)
    page = client.get(
        "/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01", "searched": 1}
    )
    assert page.status_code == 422
    assert "before the start date" in page.content.decode()
    api = client.get("/api/audit/events", {"action": "nonsense"})
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "action"


def test_export_requires_a_reason(world: Any) -> None:
    client = signed_in(world.privacy)
    before = AuditEvent.objects.count()
    page = client.post("/audit/export/", {"format": "csv", "reason": ""})
    assert page.status_code == 422
    api = client.post(
        "/api/audit/export", {"format": "csv", "reason": ""}, content_type="application/json"
    )
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "reason"
    assert AuditEvent.objects.count() == before


def _body(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def test_ndjson_export_is_valid_fhir_and_records_the_reason(world: Any) -> None:
    client = signed_in(world.privacy)
    response = client.post(
        "/audit/export/?action=create", {"format": "ndjson", "reason": "Quarterly privacy review"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = _body(response).splitlines()
    assert len(lines) == AuditEvent.objects.filter(action="create").count()
    for line in lines:
        resource = FhirAuditEvent.model_validate(json.loads(line))
        assert resource.action == "C"
        assert resource.agent[0].who.display
        assert resource.recorded is not None
    export_event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("sequence")
    assert export_event.reason == "Quarterly privacy review"
    assert export_event.actor_user_id == world.privacy.pk


def test_csv_export_has_a_row_per_event_and_neutralises_formulas(world: Any) -> None:
    from caseway.accounts.actor import Actor
    from caseway.audit.services import write_event

    write_event(Actor.system("tests"), AuditAction.VIEW, entity_type="x", reason="=HYPERLINK()")
    client = signed_in(world.privacy)
    response = client.post(
        "/api/audit/export?action=view",
        {"format": "csv", "reason": "Investigation 2026-17"},
        content_type="application/json",
    )
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == AuditEvent.objects.filter(action="view").count()
    assert rows[-1]["reason"] == "'=HYPERLINK()"


@pytest.mark.parametrize("password", ["wrong password!", ""])
def test_failed_sign_ins_are_recorded(world: Any, client: Any, password: str) -> None:
    client.post("/accounts/login/", {"login": world.admin.email, "password": password})
    if password:
        event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).latest("sequence")
        assert event.actor_label == world.admin.email
        assert event.outcome == "failed"
    else:
        assert not AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_reads_and_searches_of_patient_data_models_are_recorded(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy that marks its model as patient data gets every read and search audited."""
    from caseway.core.access import policy_for
    from caseway.organizations.models import Clinician

    monkeypatch.setattr(policy_for(Clinician), "audit_reads", True)
    client = signed_in(world.coordinator_a)
    client.get(f"/api/directory/clinicians/{world.clinician_a.pk}")
    client.get(f"/directory/clinicians/{world.clinician_a.pk}/")
    client.get("/directory/clinicians/", {"q": "Dr"})
    client.get("/api/directory/clinicians/", {"q": "Dr"})
    events = AuditEvent.objects.filter(entity_type="organizations.clinician").order_by("sequence")
    reads = [e for e in events if e.action == "view"]
    searches = [e for e in events if e.action == "search"]
    assert len(reads) == 2 and {e.entity_id for e in reads} == {str(world.clinician_a.pk)}
    assert all(e.actor_user_id == world.coordinator_a.pk for e in reads + searches)
    assert [e.detail["criteria"]["q"] for e in searches] == ["Dr", "Dr"]
    assert reads[0].acting_role == "center_coordinator"


def test_reads_of_directory_models_are_not_patient_data(world: Any) -> None:
    client = signed_in(world.admin)
    before = AuditEvent.objects.count()
    client.get(f"/directory/institutions/{world.institution_a.pk}/")
    assert AuditEvent.objects.count() == before
