"""Patient records honour the gate contract: centers are tenants, sharing is explicit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from caseway.audit.models import AuditEvent
from caseway.core.testing import SYSTEM, GateContract, make, signed_in
from caseway.records import models as m
from caseway.records.services import share_record


class TestPatientGate(GateContract):
    model = m.Patient
    namespace = "records"
    api_path = "records/patients"
    target = staticmethod(lambda w: w.patient_a)
    outsider = staticmethod(lambda w: w.admin)  # association staff see no clinical data
    reader = staticmethod(lambda w: w.coordinator_b)  # sees A's patient through the share
    editor = staticmethod(lambda w: w.clinician_user_a)
    change = {"phone": "+976-11-123456"}


class TestConditionGate(GateContract):
    model = m.Condition
    namespace = "records"
    api_path = "records/conditions"
    target = staticmethod(lambda w: w.condition_a)
    outsider = staticmethod(lambda w: w.privacy)
    reader = staticmethod(lambda w: w.coordinator_b)
    editor = staticmethod(lambda w: w.coordinator_a)
    change = {"histotype": "Low-grade serous"}


def test_centers_do_not_see_each_others_patients(world: Any) -> None:
    client = signed_in(world.clinician_user_a)
    assert client.get(f"/records/patients/{world.patient_b.pk}/").status_code == 404
    assert client.get(f"/api/records/patients/{world.patient_b.pk}").status_code == 404
    assert client.get(f"/api/records/conditions/{world.condition_b.pk}").status_code == 404
    listed = {p["id"] for p in client.get("/api/records/patients/").json()["items"]}
    assert listed == {world.patient_a.pk}


def test_a_share_ends_when_voided(world: Any) -> None:
    from caseway.core import versioning

    client = signed_in(world.coordinator_b)
    assert client.get(f"/api/records/patients/{world.patient_a.pk}").status_code == 200
    versioning.void(SYSTEM, world.share_a, 1, "Opinion given")
    assert client.get(f"/api/records/patients/{world.patient_a.pk}").status_code == 404


def test_sharing_needs_health_data_consent_and_is_audited(world: Any) -> None:
    with pytest.raises(ValidationError, match="consent"):
        share_record(SYSTEM, world.patient_b, world.center_a, "Referral")
    client = signed_in(world.coordinator_b)
    refused = client.post(
        "/api/records/shares",
        {"patient": world.patient_b.pk, "shared_with": world.center_a.pk, "reason": "Referral"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    make(
        m.Consent(
            patient=world.patient_b,
            category="health_data",
            purpose="Referral",
            given_on=world.condition_b.diagnosed_on,
        )
    )
    done = client.post(
        "/api/records/shares",
        {"patient": world.patient_b.pk, "shared_with": world.center_a.pk, "reason": "Referral"},
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
    event = AuditEvent.objects.filter(action="share").latest("sequence")
    assert event.patient_id == world.patient_b.pk and event.actor_user_id == world.coordinator_b.pk
    assert (
        signed_in(world.clinician_user_a)
        .get(f"/api/records/patients/{world.patient_b.pk}")
        .status_code
        == 200
    )


def test_shared_centers_read_but_do_not_change(world: Any) -> None:
    client = signed_in(world.coordinator_b)
    response = client.patch(
        f"/api/records/patients/{world.patient_a.pk}",
        {"phone": "1"},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    assert response.status_code == 403


def test_every_read_of_a_patient_is_audited_with_the_patient(world: Any) -> None:
    client = signed_in(world.clinician_user_a)
    client.get(f"/records/patients/{world.patient_a.pk}/")
    event = AuditEvent.objects.filter(action="view").latest("sequence")
    assert event.patient_id == world.patient_a.pk
    assert event.entity_type == "records.patient"
    assert event.acting_role == "clinician"


def test_the_national_identifier_is_stored_encrypted_and_never_journaled(world: Any) -> None:
    patient = world.patient_a
    from caseway.core import versioning

    versioning.update(SYSTEM, patient, 1, {"national_id": "700501-2345678"})
    patient.refresh_from_db()
    assert patient.national_id == "700501-2345678"
    assert "700501" not in patient.national_id_encrypted
    event = AuditEvent.objects.filter(action="update", entity_type="records.patient").latest(
        "sequence"
    )
    assert "700501" not in str(event.detail)


def test_the_timeline_is_bilingual_and_keeps_a_fixed_query_count(world: Any) -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(world.clinician_user_a)
    url = f"/records/patients/{world.patient_a.pk}/"
    client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for day in range(300):
        make(
            m.Measurement(
                patient=world.patient_a,
                kind="tumor_marker",
                code="10334-1",
                name="CA-125",
                value=35 + day,
                unit="U/mL",
                measured_on=dt.date(2025, 1, 1) + dt.timedelta(days=day),
            )
        )
    assert queries() == before
    page = client.get(url).content.decode()
    assert page.count("CA-125") >= 300
    client.post("/i18n/language/", {"language": "ko"})
    korean = client.get(url).content.decode()
    assert "타임라인" in korean and "종양표지자" in korean


def test_sharing_from_the_patient_page(world: Any) -> None:
    client = signed_in(world.coordinator_b)
    url = f"/records/patients/{world.patient_b.pk}/share/"
    refused = client.post(url, {"shared_with": world.center_a.pk, "reason": "Second opinion"})
    assert refused.status_code == 422 and "consent" in refused.content.decode()
    make(
        m.Consent(
            patient=world.patient_b,
            category="health_data",
            purpose="Referral",
            given_on=world.condition_b.diagnosed_on,
        )
    )
    done = client.post(url, {"shared_with": world.center_a.pk, "reason": "Second opinion"})
    assert done.status_code == 302
    assert (
        signed_in(world.clinician_user_a)
        .get(f"/records/patients/{world.patient_b.pk}/")
        .status_code
        == 200
    )
    assert signed_in(world.clinician_user_a).get(url).status_code == 403
