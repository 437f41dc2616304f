"""The demo generator is deterministic, realistic and marks itself as synthetic."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client

from caseway.accounts.models import Membership, User
from caseway.accounts.roles import Role
from caseway.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, totp_secret
from caseway.demo.generator import DEFAULT_SEED, DemoGenerator
from caseway.organizations.models import Center, Clinician, Institution, InstitutionRegistration
from caseway.tumorboard import services
from caseway.tumorboard.models import Board, BoardCase, Implementation, Meeting, Recommendation

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def _snapshot(seed: int) -> list[tuple[Any, ...]]:
    with transaction.atomic():
        DemoGenerator(seed, today=TODAY, patients=20).run()
        rows = list(
            Clinician.objects.order_by("pk").values_list(
                "name_en", "name_ko", "specialty", "languages", "department__name_en"
            )
        )
        rows += list(
            InstitutionRegistration.objects.order_by("pk").values_list("number", "expires_on")
        )
        rows += list(
            Recommendation.objects.order_by("pk").values_list(
                "case__patient__mrn", "case__question", "intent", "steps", "signed_at"
            )
        )
        rows += list(
            Meeting.objects.order_by("pk").values_list("starts_at", "status", "quorum_met")
        )
        transaction.set_rollback(True)
    return rows


def test_the_same_seed_gives_the_same_association() -> None:
    first = _snapshot(DEFAULT_SEED)
    assert first == _snapshot(DEFAULT_SEED)
    assert first != _snapshot(DEFAULT_SEED + 1)


def test_the_seeded_members_carry_the_public_facts() -> None:
    DemoGenerator(today=TODAY, patients=20).run()
    gcc = Center.objects.get(code="smc-gcc")
    assert gcc.institution.name_en == "Samsung Medical Center"
    assert "ESGO" in gcc.description_en and "350" in gcc.description_en
    robot = Center.objects.get(code="sev-rmis")
    assert "2005" in robot.description_en and "20,000" in robot.description_en
    assert Institution.objects.count() >= 5
    smc_departments = set(gcc.institution.departments.values_list("kind", flat=True))
    assert {
        "obstetrics_gynecology",
        "radiation_oncology",
        "pathology_translational_genomics",
        "radiology",
        "hematology_oncology",
        "nuclear_medicine",
    } <= smc_departments
    statuses = {r.status_on(TODAY) for r in InstitutionRegistration.objects.all()}
    assert statuses == {"valid", "expiring", "expired"}


def test_there_is_one_demo_account_per_role_and_staff_have_a_second_factor() -> None:
    DemoGenerator(today=TODAY, patients=20).run()
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role.values)
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password(DEMO_PASSWORD) and user.is_demo
        assert Membership.objects.filter(user=user, role=account.role).exists()
        assert user.authenticator_set.exists() == account.is_staff


def test_every_page_says_the_data_is_synthetic(client: Client) -> None:
    DemoGenerator(today=TODAY, patients=20).run()
    assert "all patient data here is synthetic" in client.get("/accounts/login/").content.decode()
    client.force_login(User.objects.get(email="admin@demo.caseway.kr"))
    for url in ("/", "/directory/institutions/", "/people/me/"):
        assert 'data-testid="synthetic-banner"' in client.get(url).content.decode()


def test_the_command_loads_once_and_prints_working_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", "--patients", "20")
    out = capsys.readouterr().out
    assert "admin@demo.caseway.kr" in out and DEMO_PASSWORD in out
    assert re.search(r"\b[1-9]\d* tumor boards\b", out)
    assert re.search(r"\b[1-9]\d* cases waiting for a tumor board\b", out)
    call_command("demo", "--patients", "20")
    assert "already loaded" in capsys.readouterr().out
    call_command("demo", "code", "admin@demo.caseway.kr")
    code = capsys.readouterr().out.strip()
    assert validate_totp_code(totp_secret(DEFAULT_SEED, "admin@demo.caseway.kr"), code)


def test_the_demo_has_synthetic_cancer_patients_in_each_center() -> None:
    DemoGenerator(today=TODAY, patients=40).run()
    from caseway.records import models as records

    per_center = dict(
        records.Patient.objects.values_list("center__code")
        .annotate(n=Count("pk"))
        .values_list("center__code", "n")
    )
    assert set(per_center) == {"smc-gcc", "sev-rmis", "hanbit-cancer", "dasol-gyn", "saerom-robot"}
    gynecologic = set(
        records.Condition.objects.filter(patient__center__code="smc-gcc").values_list(
            "icd10", flat=True
        )
    )
    assert gynecologic <= {"C56.9", "C54.1", "C53.9"}
    assert records.Staging.objects.count() == records.Patient.objects.count()


def test_the_demo_has_a_gynecologic_tumor_board_with_a_year_of_decisions() -> None:
    """The Samsung gynecologic cancer board: its six core departments make the quorum; the
    past weeks' meetings were held with signed, followed-up recommendations; the next four
    weeks are planned, with cases waiting, some not ready and saying why."""
    report = DemoGenerator(today=TODAY, patients=20).run()
    board = Board.objects.get(center__code="smc-gcc", code="smc-gcc-gyn")
    assert sorted(board.quorum) == sorted(
        [
            "obstetrics_gynecology",
            "radiation_oncology",
            "pathology_translational_genomics",
            "radiology",
            "hematology_oncology",
            "nuclear_medicine",
        ]
    )
    held = Meeting.objects.filter(board=board, status="held", starts_at__date__lt=TODAY)
    assert held.count() >= 5
    signed = Recommendation.objects.filter(meeting__in=held, signed_at__isnull=False)
    assert signed.count() >= held.count()
    assert not Recommendation.objects.filter(case__board=board, signed_at=None).exists()
    follow_ups = Implementation.objects.filter(recommendation__case__board=board)
    assert follow_ups.filter(status="implemented", started_on__isnull=False).exists()
    upcoming = Meeting.objects.filter(board=board, status="planned", starts_at__date__gt=TODAY)
    assert upcoming.count() == 4
    waiting = list(BoardCase.objects.filter(board=board, status="submitted", meeting=None))
    assert len(waiting) >= 9
    missing = [services.readiness_of(case, TODAY).missing for case in waiting]
    assert any(not items for items in missing)
    named = {item.item for items in missing for item in items}
    assert {"imaging", "tumor_markers", "pathology_review"} <= named
    assert report.counts["tumor boards"] == Board.objects.count() >= 1
    assert (
        report.counts["tumor board meetings held"] == Meeting.objects.filter(status="held").count()
    )
    originals = Recommendation.objects.filter(amends=None)
    assert report.counts["tumor board recommendations"] == originals.count()
    assert (
        report.counts["cases waiting for a tumor board"]
        == BoardCase.objects.filter(status="submitted").count()
    )
