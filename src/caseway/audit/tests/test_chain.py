"""The audit trail is append-only and tamper-evident, in the database and in verification."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from caseway.accounts.actor import Actor
from caseway.audit import services
from caseway.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _events(count: int) -> list[AuditEvent]:
    actor = Actor.system("tests")
    return [
        services.write_event(
            actor, AuditAction.VIEW, entity_type="test.thing", entity_id=str(n), patient_id=n
        )
        for n in range(count)
    ]


@contextlib.contextmanager
def trigger_disabled() -> Iterator[None]:
    """What an attacker with database access would do first (undone with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks first
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
    yield


def test_a_fresh_chain_verifies() -> None:
    _events(5)
    report = services.verify()
    assert report.intact
    assert report.checked == AuditEvent.objects.count()


def test_the_orm_refuses_to_change_or_delete_events() -> None:
    event = _events(1)[0]
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        event.delete()
    event.reason = "edited"
    with pytest.raises(TypeError):
        event.save()


def test_the_database_refuses_updates() -> None:
    event = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [event.pk])


def test_deletes_are_refused_by_postgresql_and_detected_on_sqlite() -> None:
    """PostgreSQL refuses the DELETE itself; on SQLite the chain check catches it."""
    event = _events(2)[0]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        assert services.verify().intact
    else:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        assert services.verify().first_break.sequence == event.sequence  # type: ignore[union-attr]


def test_an_altered_event_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    events = _events(4)
    victim = events[2]
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET patient_id = 999 WHERE id = %s", [victim.pk])
    report = services.verify()
    assert not report.intact
    assert report.first_break is not None
    assert report.first_break.sequence == victim.sequence
    assert "altered" in report.first_break.problem
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    assert f"event #{victim.sequence}" in capsys.readouterr().err


def test_a_removed_event_is_named() -> None:
    events = _events(4)
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = services.verify()
    assert report.first_break is not None
    assert report.first_break.sequence == events[1].sequence
    assert "missing" in report.first_break.problem


def test_removing_the_newest_events_is_detected() -> None:
    events = _events(3)
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    report = services.verify()
    assert report.first_break is not None
    assert report.first_break.sequence == events[-1].sequence
    assert "removed" in report.first_break.problem


def test_verify_command_reports_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    _events(2)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
