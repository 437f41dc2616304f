"""The portal's services and its command: the validity of an accreditation, its honest status,
alerts to coordinators (six months before and at expiry, once each), news drafted from
milestones and accreditations (once each), publishing, and ``caseway portal``."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from caseway.accounts.roles import Role
from caseway.core.testing import SYSTEM, make, person
from caseway.portal import services
from caseway.portal.choices import AccreditationStatus, NewsKind, NewsStatus
from caseway.portal.models import Accreditation, NewsItem, PublicEvidence

GRANTED = dt.date(2021, 10, 8)
VALID_UNTIL = dt.date(2026, 10, 8)


def esgo(world: Any, **values: Any) -> Accreditation:
    fields: dict[str, Any] = {
        "center": world.center_a,
        "body": "ESGO",
        "program_en": "Advanced ovarian cancer surgery",
        "program_ko": "진행성 난소암 수술",
        "scope_icd10": ["C56"],
        "granted_on": GRANTED,
        **values,
    }
    return make(Accreditation(**fields))


def milestone(world: Any, count: int = 1000, day: str = "2026-05-01") -> PublicEvidence:
    return PublicEvidence.objects.create(
        center=world.center_a,
        computed_at=timezone.now(),
        document={"milestones": [{"kind": "robotic", "count": count, "date": day}]},
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("portal", *args, stdout=out)
    return out.getvalue()


class BrokenMail(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("Connection refused")


# --- validity and status -----------------------------------------------------------------------


def test_validity_is_five_years_unless_given(world: Any) -> None:
    assert esgo(world).valid_until == VALID_UNTIL
    leap = esgo(world, granted_on=dt.date(2024, 2, 29))
    assert leap.valid_until == dt.date(2029, 2, 28)
    given = esgo(world, granted_on=dt.date(2024, 1, 1), valid_until=dt.date(2027, 1, 1))
    assert given.valid_until == dt.date(2027, 1, 1)
    with pytest.raises(ValidationError, match="before it starts"):
        esgo(world, valid_until=dt.date(2020, 1, 1))


def test_an_accreditation_past_its_date_is_expired_renewal_or_not(world: Any) -> None:
    accreditation = esgo(world)
    assert accreditation.status(dt.date(2026, 3, 1)) == AccreditationStatus.VALID
    assert accreditation.status(VALID_UNTIL - dt.timedelta(days=100)) == "renewal_due"
    assert accreditation.status(dt.date(2026, 11, 28)) == AccreditationStatus.EXPIRED
    renewed = services.record_renewal(SYSTEM, accreditation, 1, dt.date(2026, 11, 2))
    assert renewed.status(dt.date(2026, 11, 28)) == AccreditationStatus.RENEWAL_PENDING


# --- alerts ------------------------------------------------------------------------------------


def test_coordinators_are_alerted_six_months_before_and_at_expiry_once_each(world: Any) -> None:
    accreditation = esgo(world)
    esgo(world, center=world.center_b, granted_on=dt.date(2025, 1, 1))  # valid till 2030
    person("coord-inst-a@test.kr", Role.CENTER_COORDINATOR, institution=world.institution_a)

    due_day = VALID_UNTIL - dt.timedelta(days=100)
    sent = services.accreditation_alerts(SYSTEM, due_day)
    assert sent == [(accreditation, "due")]
    assert sorted(m.to[0] for m in mail.outbox) == ["coord-a@test.kr", "coord-inst-a@test.kr"]
    assert "expires on 2026-10-08" in mail.outbox[0].subject
    assert services.accreditation_alerts(SYSTEM, due_day + dt.timedelta(days=1)) == []
    assert len(mail.outbox) == 2  # sent once

    expired = services.accreditation_alerts(SYSTEM, VALID_UNTIL + dt.timedelta(days=1))
    assert [kind for _a, kind in expired] == ["expired"]
    assert len(mail.outbox) == 4 and "has expired" in mail.outbox[-1].subject
    assert services.accreditation_alerts(SYSTEM, VALID_UNTIL + dt.timedelta(days=2)) == []
    accreditation.refresh_from_db()
    assert accreditation.alerted_due_on == due_day
    assert accreditation.alerted_expired_on == VALID_UNTIL + dt.timedelta(days=1)


def test_the_alerts_command_reports_and_keeps_nothing_when_mail_fails(
    world: Any, settings: Any
) -> None:
    accreditation = esgo(world)
    day = (VALID_UNTIL - dt.timedelta(days=100)).isoformat()
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMail"
    with pytest.raises(CommandError, match="none is marked as sent"):
        run("alerts", "--today", day)
    accreditation.refresh_from_db()
    assert accreditation.alerted_due_on is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    output = run("alerts", "--today", day)
    assert "center-a: ESGO: Advanced ovarian cancer surgery (due for renewal" in output
    assert "1 accreditation alerts sent." in output
    assert len(mail.outbox) == 1
    assert "0 accreditation alerts sent." in run("alerts", "--today", day)
    with pytest.raises(CommandError, match="is not a date"):
        run("alerts", "--today", "28/11/2026")


# --- news drafts -------------------------------------------------------------------------------


def test_news_is_drafted_from_milestones_and_accreditations_once(world: Any) -> None:
    milestone(world)
    accreditation = esgo(world)
    drafts = services.draft_news(SYSTEM, dt.date(2026, 11, 28))
    by_kind = {item.kind: item for item in drafts}
    assert set(by_kind) == {NewsKind.MILESTONE, NewsKind.ACCREDITATION}
    robotic = by_kind[NewsKind.MILESTONE]
    assert robotic.title("en") == "Cancer Center A performs its 1,000th robotic operation"
    assert robotic.title("ko") == "암센터 A 로봇수술 1,000례 달성"
    assert robotic.event_date == dt.date(2026, 5, 1) and robotic.status == NewsStatus.DRAFT
    assert robotic.source_key == "milestone:center-a:robotic:1000"
    assert by_kind[NewsKind.ACCREDITATION].source_key == f"accreditation:{accreditation.pk}:granted"
    assert services.draft_news(SYSTEM, dt.date(2026, 11, 29)) == []
    assert NewsItem.objects.count() == 2


def test_a_coordinator_drafts_only_for_the_centers_they_manage(world: Any) -> None:
    milestone(world)
    PublicEvidence.objects.create(
        center=world.center_b,
        computed_at=timezone.now(),
        document={"milestones": [{"kind": "all", "count": 5000, "date": "2026-04-01"}]},
    )
    drafts = services.draft_news(SYSTEM, dt.date(2026, 11, 28), centers=[world.center_a.pk])
    assert [d.center for d in drafts] == [world.center_a]
    assert [d.center for d in services.draft_news(SYSTEM, dt.date(2026, 11, 28))] == [
        world.center_b
    ]


def test_an_alert_is_marked_only_once_its_mail_went_out(world: Any, settings: Any) -> None:
    accreditation = esgo(world)
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMail"
    with pytest.raises(ConnectionRefusedError):
        services.accreditation_alerts(SYSTEM, VALID_UNTIL - dt.timedelta(days=100))
    accreditation.refresh_from_db()
    assert accreditation.alerted_due_on is None


def test_old_events_are_not_drafted(world: Any) -> None:
    milestone(world, day="2010-01-01")
    assert services.draft_news(SYSTEM, dt.date(2026, 11, 28)) == []


def test_the_drafts_command_lists_what_it_drafted(world: Any) -> None:
    milestone(world, count=20000)
    output = run("drafts", "--today", "2026-11-28")
    assert "center-a: 2026-05-01 Cancer Center A performs its 20,000th robotic operation" in output
    assert "1 news drafts written." in output
    assert "0 news drafts written." in run("drafts")
    with pytest.raises(CommandError, match="at least 1"):
        run("drafts", "--years", "0")


# --- publishing --------------------------------------------------------------------------------


def test_publish_and_unpublish(world: Any) -> None:
    item = make(
        NewsItem(
            center=world.center_a,
            kind=NewsKind.ANNOUNCEMENT,
            texts={"en": {"title": "Open day"}},
            event_date=dt.date(2026, 11, 1),
        )
    )
    published = services.publish(SYSTEM, item, 1)
    assert published.status == NewsStatus.PUBLISHED and published.published_at is not None
    with pytest.raises(ValidationError, match="already published"):
        services.publish(SYSTEM, published, 2)
    withdrawn = services.unpublish(SYSTEM, published, 2)
    assert withdrawn.status == NewsStatus.DRAFT and withdrawn.published_at is None
    assert withdrawn.version == 3


# --- refresh -----------------------------------------------------------------------------------


def test_the_refresh_command_prints_counts_and_time(world: Any) -> None:
    output = run("refresh")
    assert "Evidence refreshed for 2 centers in" in output and output.rstrip().endswith("s.")
    assert PublicEvidence.objects.count() == 2
    assert "for 1 centers" in run("refresh", "--center", "center-a")
    with pytest.raises(CommandError, match=r"No center with code 'nowhere'\. Centers: center-a"):
        run("refresh", "--center", "nowhere")
