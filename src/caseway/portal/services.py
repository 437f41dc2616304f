"""What changes the portal's content: accreditation alerts, news drafted from events,
publishing. Every change goes through ``core.versioning`` (versions, journal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caseway.accounts.models import Membership
from caseway.accounts.roles import Role
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.portal.choices import AccreditationStatus, NewsKind, NewsStatus
from caseway.portal.models import Accreditation, NewsItem, PublicEvidence

# --- accreditation alerts -------------------------------------------------------------------------


def coordinators_of(center: Any) -> list[Any]:
    """People who manage the center's portal content: its coordinators (at the center or
    over its institution)."""
    memberships = (
        Membership.objects.current()
        .filter(role=Role.CENTER_COORDINATOR)
        .filter(Q(center=center) | Q(institution_id=center.institution_id))
        .select_related("user")
    )
    return [m.user for m in memberships if m.user.is_active and m.user.email]


def accreditation_alerts(actor: Any, today: dt.date | None = None) -> list[tuple[Any, str]]:
    """Alert coordinators six months before an accreditation expires and when it expires,
    once each (run daily: ``caseway portal alerts``). An alert is marked sent only after its
    e-mails went out, so a mail failure leaves it for the next run. Returns (accreditation,
    "due"|"expired") for each alert sent."""
    today = today or timezone.localdate()
    sent: list[tuple[Any, str]] = []
    candidates = Accreditation.objects.filter(voided=False).select_related("center__institution")
    connection = get_connection()
    for accreditation in candidates:
        status = accreditation.status(today)
        if status in (AccreditationStatus.EXPIRED, AccreditationStatus.RENEWAL_PENDING):
            kind, field = "expired", "alerted_expired_on"
        elif status == AccreditationStatus.RENEWAL_DUE:
            kind, field = "due", "alerted_due_on"
        else:
            continue
        if getattr(accreditation, field) is not None:
            continue
        messages = []
        for user in coordinators_of(accreditation.center):
            with translation.override(user.preferred_language or "en"):
                messages.append(_alert_message(accreditation, kind, user.email))
        connection.send_messages(messages)
        versioning.update(actor, accreditation, versioning.ANY_VERSION, {field: today})
        sent.append((accreditation, kind))
    return sent


def _alert_message(accreditation: Accreditation, kind: str, address: str) -> EmailMessage:
    values = {
        "center": str(accreditation.center),  # in the reader's language
        "body": accreditation.body,
        "program": accreditation.program,
        "date": accreditation.valid_until.isoformat(),
    }
    if kind == "due":
        subject = _("%(body)s accreditation of %(center)s expires on %(date)s") % values
        text = (
            _(
                'The %(body)s accreditation "%(program)s" of %(center)s is valid until %(date)s. '
                "Prepare the renewal now; once it is submitted, record the date in Caseway so the "
                "portal says the renewal is pending."
            )
            % values
        )
    else:
        subject = _("%(body)s accreditation of %(center)s has expired") % values
        text = (
            _(
                'The %(body)s accreditation "%(program)s" of %(center)s expired on %(date)s. '
                "The portal now shows it as expired (or as renewal pending, once a renewal is "
                "recorded) and no longer ranks the center by it."
            )
            % values
        )
    return EmailMessage(subject, text, to=[address])


def record_renewal(
    actor: Any, accreditation: Accreditation, expected_version: int, submitted_on: dt.date
) -> Accreditation:
    """The center has submitted its renewal: the portal says so (honestly: still expired
    once past its date, but pending)."""
    access.authorize(actor, Accreditation, Action.CHANGE, accreditation)
    if submitted_on > timezone.localdate():
        raise ValidationError({"renewal_submitted_on": _("The date is in the future.")})
    return versioning.update(
        actor, accreditation, expected_version, {"renewal_submitted_on": submitted_on}
    )


# --- news drafted from events ---------------------------------------------------------------------


def _milestone_texts(center: Any, kind: str, count: int, day: str) -> dict[str, dict[str, str]]:
    what_en = "robotic operation" if kind == "robotic" else "operation"
    what_ko = "로봇수술" if kind == "robotic" else "수술"
    return {
        "en": {
            "title": f"{center.name_en} performs its {count:,}th {what_en}",
            "body": (
                f"On {day}, {center.name_en} performed its {count:,}th {what_en}, as recorded "
                "in the association's surgical registry."
            ),
        },
        "ko": {
            "title": f"{center.name_ko} {what_ko} {count:,}례 달성",
            "body": (
                f"{center.name_ko}는 {day}에 {what_ko} {count:,}례를 달성했습니다"
                "(협회 수술 레지스트리 기준)."
            ),
        },
    }


def _accreditation_texts(accreditation: Accreditation) -> dict[str, dict[str, str]]:
    center = accreditation.center
    granted = accreditation.granted_on.isoformat()
    return {
        "en": {
            "title": f"{center.name_en} accredited by {accreditation.body}: "
            f"{accreditation.program_en}",
            "body": (
                f"On {granted}, {accreditation.body_name or accreditation.body} accredited "
                f"{center.name_en} for {accreditation.program_en}, valid until "
                f"{accreditation.valid_until.isoformat()}."
            ),
        },
        "ko": {
            "title": f"{center.name_ko}, {accreditation.body} {accreditation.program_ko} 인증",
            "body": (
                f"{center.name_ko}는 {granted}에 {accreditation.body}로부터 "
                f"{accreditation.program_ko} 인증을 받았습니다"
                f"(유효기간 {accreditation.valid_until.isoformat()}까지)."
            ),
        },
    }


def draft_news(
    actor: Any,
    today: dt.date | None = None,
    years: int = 10,
    centers: Iterable[int] | None = None,
) -> list[NewsItem]:
    """News drafts from registry milestones (from the evidence snapshot) and accreditations
    granted, each drafted once (``source_key``); people edit and publish them. ``centers``
    limits it to the centers the person manages (None: all, for the nightly job)."""
    today = today or timezone.localdate()
    evidence = PublicEvidence.objects.select_related("center")
    accreditations = Accreditation.objects.filter(voided=False)
    if centers is not None:
        wanted = list(centers)
        evidence = evidence.filter(center_id__in=wanted)
        accreditations = accreditations.filter(center_id__in=wanted)
    since = today - dt.timedelta(days=365 * years)
    drafts: list[NewsItem] = []

    def draft(center: Any, kind: str, key: str, day: dt.date, texts: dict[str, Any]) -> None:
        if NewsItem.objects.filter(source_key=key).exists():
            return
        item = NewsItem(
            center=center, kind=kind, texts=texts, event_date=day, status=NewsStatus.DRAFT
        )
        item.source_key = key
        try:
            with transaction.atomic():
                drafts.append(versioning.create(actor, item))
        except IntegrityError:  # drafted meanwhile by another run
            pass

    for snapshot in evidence:
        for milestone in snapshot.document.get("milestones", []):
            day = dt.date.fromisoformat(milestone["date"])
            if day < since:
                continue
            key = f"milestone:{snapshot.center.code}:{milestone['kind']}:{milestone['count']}"
            texts = _milestone_texts(
                snapshot.center, milestone["kind"], milestone["count"], milestone["date"]
            )
            draft(snapshot.center, NewsKind.MILESTONE, key, day, texts)
    for accreditation in accreditations.filter(granted_on__gte=since):
        key = f"accreditation:{accreditation.pk}:granted"
        draft(
            accreditation.center,
            NewsKind.ACCREDITATION,
            key,
            accreditation.granted_on,
            _accreditation_texts(accreditation),
        )
    return drafts


def publish(actor: Any, item: NewsItem, expected_version: int) -> NewsItem:
    access.authorize(actor, NewsItem, Action.CHANGE, item)
    if item.status == NewsStatus.PUBLISHED:
        raise ValidationError(_("This news item is already published."))
    return versioning.update(
        actor,
        item,
        expected_version,
        {"status": NewsStatus.PUBLISHED, "published_at": timezone.now()},
    )


def unpublish(actor: Any, item: NewsItem, expected_version: int) -> NewsItem:
    access.authorize(actor, NewsItem, Action.CHANGE, item)
    return versioning.update(
        actor, item, expected_version, {"status": NewsStatus.DRAFT, "published_at": None}
    )
