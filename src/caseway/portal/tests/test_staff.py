"""The portal's staff side: the gate over accreditations and news, a center's coordinators
managing only their own center, the honest status of an accreditation past its date, evidence
documents judged by content and served through the gate, the profile per language, news from
draft to published and back, and the dashboard's accreditations to renew."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from caseway.accounts.roles import Role
from caseway.audit.models import AuditEvent
from caseway.core import versioning
from caseway.core.testing import (
    SYSTEM,
    GateContract,
    assert_well_nested,
    form_payload,
    make,
    person,
    signed_in,
)
from caseway.portal import forms, staff_views
from caseway.portal.choices import NewsKind, NewsStatus
from caseway.portal.models import Accreditation, AccreditationEvidence, CenterProfile, NewsItem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOW = dt.date(2026, 11, 28)


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def esgo(world: Any, **values: Any) -> Accreditation:
    """ESGO's accreditation of center A, granted 8 October 2021 (valid five years)."""
    fields: dict[str, Any] = {
        "center": world.center_a,
        "body": "ESGO",
        "body_name": "European Society of Gynaecological Oncology",
        "program_en": "Advanced ovarian cancer surgery",
        "program_ko": "진행성 난소암 수술",
        "scope_icd10": ["C56", "C57"],
        "scope_procedure_groups": ["ovarian_cytoreduction"],
        "scope_approaches": ["open"],
        "granted_on": dt.date(2021, 10, 8),
        **values,
    }
    return make(Accreditation(**fields))


def news(world: Any, **values: Any) -> NewsItem:
    fields: dict[str, Any] = {
        "center": world.center_a,
        "kind": NewsKind.ANNOUNCEMENT,
        "texts": {"en": {"title": "New robot", "body": "A second robot."}},
        "event_date": dt.date(2026, 11, 1),
        **values,
    }
    return make(NewsItem(**fields))


@pytest.fixture
def on_the_day(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Statuses are judged on 28 November 2026."""
    monkeypatch.setattr(staff_views, "today", lambda: NOW)
    return NOW


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


# --- the gate ------------------------------------------------------------------------------


class TestAccreditationGate(GateContract):
    model = Accreditation
    namespace = "portal_staff"
    api_path = "portal/accreditations"
    target = staticmethod(esgo)
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(lambda w: w.clinician_user_a)  # the center's staff read
    editor = staticmethod(lambda w: w.coordinator_a)  # its coordinators manage
    change = {"level": "Advanced"}


def _touch_texts(item: NewsItem) -> dict[str, Any]:
    return {"texts": {**item.texts, "ko": {"title": "새 로봇"}}}


class TestNewsGate(GateContract):
    model = NewsItem
    namespace = "portal_staff"
    api_path = "portal/news"
    target = staticmethod(news)
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(lambda w: w.clinician_user_a)
    editor = staticmethod(lambda w: w.coordinator_a)
    change = {"kind": "milestone"}

    # News has no plain text field for the contract's "someone else changed it meanwhile".
    def test_stale_if_match_is_refused_with_412(self, world: Any) -> None:
        item = news(world)
        versioning.update(SYSTEM, item, 1, _touch_texts(item))
        response = signed_in(world.coordinator_a).patch(
            self.api_url(item),
            self.change,
            content_type="application/json",
            headers={"If-Match": 'W/"1"'},
        )
        assert response.status_code == 412
        assert response["ETag"] == 'W/"2"'

    def test_stale_edit_form_shows_the_conflict(self, world: Any) -> None:
        item = news(world)
        client = signed_in(world.coordinator_a)
        form = client.get(self.url("edit", item.pk)).context["form"]
        versioning.update(SYSTEM, item, 1, _touch_texts(item))
        response = client.post(
            self.url("edit", item.pk), form_payload(form, title_en="A second robot arrives")
        )
        assert response.status_code == 409
        conflict = response.context["conflict"]
        assert conflict["current"].version == 2
        # Both differences: the title changed here, the Korean title added there.
        assert [(r["mine"], r["theirs"]) for r in conflict["rows"]] == [
            ("A second robot arrives", "New robot"),
            ("", "새 로봇"),
        ]
        item.refresh_from_db()
        assert item.texts["en"]["title"] == "New robot" and item.version == 2


# --- coordinators manage their own centers ---------------------------------------------------


def _accreditation_form(client: Any, center: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "center": center.pk,
        "body": "ESGO",
        "program_en": "Advanced ovarian cancer surgery",
        "program_ko": "진행성 난소암 수술",
        "scope_icd10": "c56, C57.0",
        "scope_procedure_groups": ["ovarian_cytoreduction"],
        "granted_on": "2021-10-08",
        "valid_until": "",
        "published": "on",
        **overrides,
    }


def test_a_coordinator_adds_an_accreditation_valid_five_years_by_default(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    page = client.get(reverse("portal_staff:accreditation_add"))
    assert "5 years after it was granted" in page.content.decode()
    assert list(page.context["form"].fields["center"].queryset) == [world.center_a]
    response = client.post(
        reverse("portal_staff:accreditation_add"), _accreditation_form(client, world.center_a)
    )
    assert response.status_code == 302, response.context["form"].errors
    accreditation = Accreditation.objects.get()
    assert accreditation.valid_until == dt.date(2026, 10, 8)
    assert accreditation.scope_icd10 == ["C56", "C57.0"]
    assert accreditation.created_by == world.coordinator_a


def test_the_form_refuses_what_is_not_icd10_and_other_centers(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    url = reverse("portal_staff:accreditation_add")
    bad_code = client.post(url, _accreditation_form(client, world.center_a, scope_icd10="ovary"))
    assert bad_code.status_code == 422
    assert "Not ICD-10 codes: OVARY" in str(bad_code.context["form"].errors["scope_icd10"])
    elsewhere = client.post(url, _accreditation_form(client, world.center_b))
    assert elsewhere.status_code == 422
    assert "center" in elsewhere.context["form"].errors
    nothing = client.post(
        url, _accreditation_form(client, world.center_a, scope_icd10="", scope_procedure_groups=[])
    )
    assert nothing.status_code == 422
    assert not Accreditation.objects.exists()


def test_another_centers_coordinator_gets_not_found(world: Any, media: Path) -> None:
    accreditation = esgo(world)
    client = signed_in(world.coordinator_b)
    for name in ("detail", "edit", "void", "renewal", "evidence_add"):
        url = reverse(f"portal_staff:accreditation_{name}", args=[accreditation.pk])
        assert client.get(url).status_code == 404, name
    listed = client.get(reverse("portal_staff:accreditation_list"))
    assert listed.status_code == 200 and listed.context["rows"] == []
    assert not may_add(world.clinician_user_a)


def may_add(user: Any) -> bool:
    """Whether the list offers adding (readers are not offered it)."""
    page = signed_in(user).get(reverse("portal_staff:accreditation_list"))
    return bool(page.context["can_add"])


# --- the honest status -----------------------------------------------------------------------


def test_the_october_2021_accreditation_is_expired_then_renewal_pending(
    world: Any, on_the_day: dt.date
) -> None:
    accreditation = esgo(world)
    client = signed_in(world.coordinator_a)
    listed = client.get(reverse("portal_staff:accreditation_list")).content.decode()
    assert "Expired" in listed and "no renewal is recorded" in listed
    detail_url = reverse("portal_staff:accreditation_detail", args=[accreditation.pk])
    detail = client.get(detail_url)
    assert detail.context["row"].status == "expired"
    html = detail.content.decode()
    assert "Ovarian cancer cytoreduction" in html and "C56, C57" in html and "Open" in html

    response = client.post(
        reverse("portal_staff:accreditation_renewal", args=[accreditation.pk]),
        {"version": 1, "submitted_on": "2026-11-02"},
    )
    assert response.status_code == 302
    detail = client.get(detail_url)
    assert detail.context["row"].status == "renewal_pending"
    assert "Expired, renewal pending" in detail.content.decode()
    accreditation.refresh_from_db()
    assert accreditation.renewal_submitted_on == dt.date(2026, 11, 2)


def test_a_stale_or_future_renewal_is_refused(world: Any, on_the_day: dt.date) -> None:
    accreditation = esgo(world)
    url = reverse("portal_staff:accreditation_renewal", args=[accreditation.pk])
    client = signed_in(world.coordinator_a)
    future = timezone.localdate() + dt.timedelta(days=3)
    refused = client.post(url, {"version": 1, "submitted_on": future.isoformat()})
    assert refused.status_code == 422
    assert "in the future" in str(refused.context["form"].errors)
    versioning.update(SYSTEM, accreditation, 1, {"level": "Advanced"})
    stale = client.post(url, {"version": 1, "submitted_on": "2026-11-02"})
    assert stale.status_code == 409
    accreditation.refresh_from_db()
    assert accreditation.renewal_submitted_on is None
    reader = signed_in(world.clinician_user_a)
    assert reader.post(url, {"version": 2, "submitted_on": "2026-11-02"}).status_code == 403


# --- evidence documents --------------------------------------------------------------------


def _upload(client: Any, accreditation: Accreditation, name: str, content: bytes) -> Any:
    return client.post(
        reverse("portal_staff:accreditation_evidence_add", args=[accreditation.pk]),
        {
            "title": "ESGO certificate",
            "document_date": "2021-10-08",
            "upload": SimpleUploadedFile(name, content, content_type="application/pdf"),
        },
    )


def test_evidence_is_kept_with_its_checksum_and_served_through_the_gate(
    world: Any, media: Path
) -> None:
    accreditation = esgo(world)
    response = _upload(signed_in(world.coordinator_a), accreditation, "certificate.pdf", PDF)
    assert response.status_code == 302
    evidence = AccreditationEvidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert "certificate" not in evidence.file.name  # stored under a random name
    assert len(_stored(media)) == 1

    url = reverse("portal_staff:accreditationevidence_file", args=[evidence.pk])
    download = signed_in(world.clinician_user_a).get(url)  # the center's staff read it
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    audited = AuditEvent.objects.filter(
        action="view", entity_type="portal.accreditationevidence", entity_id=str(evidence.pk)
    ).get()
    assert audited.actor_user_id == world.clinician_user_a.pk
    assert audited.center_id == world.center_a.pk
    assert signed_in(world.coordinator_b).get(url).status_code == 404
    anonymous = signed_in(world.nobody).get(url)
    assert anonymous.status_code in (403, 404)

    detail = signed_in(world.coordinator_a).get(
        reverse("portal_staff:accreditation_detail", args=[accreditation.pk])
    )
    assert list(detail.context["evidence"]) == [evidence]


def test_evidence_that_is_no_pdf_or_image_is_refused_and_nothing_kept(
    world: Any, media: Path
) -> None:
    from caseway.records.tests.test_documents import dicom

    accreditation = esgo(world)
    client = signed_in(world.coordinator_a)
    for name, content, message in (
        ("certificate.pdf", b"<html><script>alert(1)</script></html>", "not a PDF"),
        ("scan.dcm", dicom(), "PDF or a PNG or JPEG"),
        ("certificate.pdf", b"%PDF-1.4 cut short", "incomplete"),
    ):
        response = _upload(client, accreditation, name, content)
        assert response.status_code == 422
        assert message in str(response.context["form"].errors["upload"])
    assert not AccreditationEvidence.objects.exists()
    assert _stored(media) == []
    image = _upload(client, accreditation, "photo.png", png())
    assert image.status_code == 302
    assert AccreditationEvidence.objects.get().content_type == "image/png"


def test_evidence_size_is_limited_and_readers_cannot_upload(
    world: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forms, "EVIDENCE_MAX_BYTES", 10)
    accreditation = esgo(world)
    too_big = _upload(signed_in(world.coordinator_a), accreditation, "c.pdf", PDF)
    assert too_big.status_code == 422 and "the limit is 10 bytes" in str(
        too_big.context["form"].errors
    )
    assert (
        _upload(signed_in(world.clinician_user_a), accreditation, "c.pdf", PDF).status_code == 403
    )
    assert _stored(media) == []


def test_voiding_evidence_keeps_the_row(world: Any, media: Path) -> None:
    accreditation = esgo(world)
    client = signed_in(world.coordinator_a)
    _upload(client, accreditation, "certificate.pdf", PDF)
    evidence = AccreditationEvidence.objects.get()
    url = reverse("portal_staff:accreditationevidence_void", args=[evidence.pk])
    assert client.post(url, {"version": 1, "reason": "Wrong file"}).status_code == 302
    evidence.refresh_from_db()
    assert evidence.voided and evidence.void_reason == "Wrong file"
    detail = client.get(reverse("portal_staff:accreditation_detail", args=[accreditation.pk]))
    assert list(detail.context["evidence"]) == []


# --- the center profile ----------------------------------------------------------------------


def _profile_payload(**overrides: Any) -> dict[str, Any]:
    indicator = forms.indicator_choices()[0][0]
    return {
        "version": 0,
        "published": "on",
        "summary_en": "Gynecologic cancer surgery.",
        "summary_ko": "부인암 수술.",
        "summary_ar": "جراحة السرطان",
        "declared_icd10": "c56, C53",
        "declared_procedure_groups": ["ovarian_cytoreduction", "gyn_oncology"],
        "published_indicators": [indicator],
        **overrides,
    }


def test_saving_the_profile_creates_it_with_texts_per_language(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    url = reverse("portal_staff:profile_edit", args=[world.center_a.code])
    page = client.get(url)
    html = page.content.decode()
    assert 'lang="ja"' in html and "<details" in html and 'dir="rtl"' in html
    assert not CenterProfile.objects.exists()
    response = client.post(url, _profile_payload())
    assert response.status_code == 302, response.context["form"].errors
    profile = CenterProfile.objects.get(center=world.center_a)
    assert profile.version == 1 and profile.published
    assert profile.texts == {
        "en": {"summary": "Gynecologic cancer surgery."},
        "ko": {"summary": "부인암 수술."},
        "ar": {"summary": "جراحة السرطان"},
    }
    assert profile.declared_icd10 == ["C56", "C53"]
    profile_id, indicator_id = forms.indicator_choices()[0][0].split("/")
    assert profile.published_indicators == [{"profile": profile_id, "indicator": indicator_id}]

    again = client.post(url, _profile_payload(version=1, summary_en="Ovarian cancer surgery."))
    assert again.status_code == 302
    profile.refresh_from_db()
    assert profile.version == 2 and profile.texts["en"]["summary"] == "Ovarian cancer surgery."
    listed = client.get(reverse("portal_staff:profile_list")).content.decode()
    assert "Shown on the portal" in listed


def test_the_profile_refuses_bad_codes_and_stale_versions(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    url = reverse("portal_staff:profile_edit", args=[world.center_a.code])
    bad = client.post(url, _profile_payload(declared_icd10="ovary"))
    assert bad.status_code == 422 and "declared_icd10" in bad.context["form"].errors
    assert_well_nested(bad.content.decode())  # the error list is not inside a paragraph
    client.post(url, _profile_payload())
    stale = client.post(url, _profile_payload(summary_en="Changed meanwhile?"))  # version 0
    assert stale.status_code == 409
    assert stale.context["conflict"]["current"].version == 1
    assert CenterProfile.objects.get().texts["en"]["summary"] == "Gynecologic cancer surgery."


def test_staff_read_the_profile_others_do_not_see_it(world: Any) -> None:
    signed_in(world.coordinator_a).post(
        reverse("portal_staff:profile_edit", args=[world.center_a.code]), _profile_payload()
    )
    url = reverse("portal_staff:profile_edit", args=[world.center_a.code])
    reader = signed_in(world.clinician_user_a)
    page = reader.get(url)
    assert page.status_code == 200 and not page.context["can_change"]
    assert "Gynecologic cancer surgery." in page.content.decode()
    assert reader.post(url, _profile_payload(version=1)).status_code == 403
    assert signed_in(world.coordinator_b).get(url).status_code == 404
    assert signed_in(world.nobody).get(url).status_code == 403


# --- news --------------------------------------------------------------------------------------


def test_news_from_draft_to_published_and_back(world: Any) -> None:
    esgo(world)
    client = signed_in(world.coordinator_a)
    drafted = client.post(reverse("portal_staff:newsitem_draft"))
    assert drafted.status_code == 302
    item = NewsItem.objects.get(kind=NewsKind.ACCREDITATION)
    assert item.status == NewsStatus.DRAFT
    assert client.post(reverse("portal_staff:newsitem_draft")).status_code == 302
    assert NewsItem.objects.count() == 1  # drafted once

    edit_url = reverse("portal_staff:newsitem_edit", args=[item.pk])
    form = client.get(edit_url).context["form"]
    saved = client.post(edit_url, form_payload(form, title_ja="ESGO認定", body_ja="本文"))
    assert saved.status_code == 302
    item.refresh_from_db()
    assert item.texts["ja"] == {"title": "ESGO認定", "body": "本文"}
    assert item.version == 2

    publish = reverse("portal_staff:newsitem_publish", args=[item.pk])
    assert client.post(publish, {"version": 1}).status_code == 409  # based on the old version
    assert client.post(publish, {"version": 2}).status_code == 302
    item.refresh_from_db()
    assert item.status == NewsStatus.PUBLISHED and item.published_at is not None
    listed = client.get(reverse("portal_staff:newsitem_list"), {"status": "published"})
    assert list(listed.context["items"]) == [item]

    unpublish = reverse("portal_staff:newsitem_unpublish", args=[item.pk])
    assert signed_in(world.clinician_user_a).post(unpublish, {"version": 3}).status_code == 403
    assert client.post(unpublish, {"version": 3}).status_code == 302
    item.refresh_from_db()
    assert item.status == NewsStatus.DRAFT and item.published_at is None


def test_news_is_written_for_ones_own_center(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    url = reverse("portal_staff:newsitem_add")
    payload = {"center": world.center_a.pk, "kind": "announcement", "event_date": "2026-11-20"}
    untitled = client.post(url, {**payload, "body_en": "No title"})
    assert untitled.status_code == 422
    elsewhere = client.post(url, {**payload, "center": world.center_b.pk, "title_en": "Hi"})
    assert elsewhere.status_code == 422 and "center" in elsewhere.context["form"].errors
    association = client.post(url, {**payload, "center": "", "title_en": "Hi"})
    assert association.status_code == 422  # only association administrators write those
    done = client.post(url, {**payload, "title_en": "Open day", "title_ko": "공개 행사"})
    assert done.status_code == 302
    item = NewsItem.objects.get()
    assert item.texts == {"en": {"title": "Open day"}, "ko": {"title": "공개 행사"}}
    assert signed_in(world.clinician_user_a).get(url).status_code == 403
    admin = signed_in(world.admin).post(url, {**payload, "center": "", "title_en": "Congress"})
    assert admin.status_code == 302
    assert NewsItem.objects.filter(center__isnull=True).count() == 1


def test_voiding_news_needs_a_reason(world: Any) -> None:
    item = news(world)
    client = signed_in(world.coordinator_a)
    url = reverse("portal_staff:newsitem_void", args=[item.pk])
    assert client.post(url, {"version": 1, "reason": " "}).status_code == 422
    assert client.post(url, {"version": 1, "reason": "Duplicate"}).status_code == 302
    item.refresh_from_db()
    assert item.voided
    assert client.get(reverse("portal_staff:newsitem_list")).context["items"].count() == 0


# --- the API -----------------------------------------------------------------------------------


def test_the_api_records_renewals_publishes_news_and_writes_profiles(
    world: Any, on_the_day: dt.date
) -> None:
    accreditation = esgo(world)
    client = signed_in(world.coordinator_a)
    read = client.get(f"/api/portal/accreditations/{accreditation.pk}").json()
    assert read["valid_until"] == "2026-10-08" and read["status"] in {"expired", "renewal_due"}
    renewed = client.post(
        f"/api/portal/accreditations/{accreditation.pk}/renewal",
        {"submitted_on": "2026-11-02"},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    assert renewed.status_code == 200 and renewed["ETag"] == 'W/"2"'

    item = news(world)
    published = client.post(f"/api/portal/news/{item.pk}/publish", headers={"If-Match": item.etag})
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = client.post(f"/api/portal/news/{item.pk}/publish", headers={"If-Match": 'W/"2"'})
    assert again.status_code == 422

    created = client.post(
        "/api/portal/profiles/",
        {"center": world.center_a.pk, "texts": {"en": {"summary": "Surgery."}}},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    refused = client.post(
        "/api/portal/profiles/",
        {"center": world.center_b.pk, "texts": {}},
        content_type="application/json",
    )
    assert refused.status_code == 403  # A's coordinator does not manage center B
    patched = client.patch(
        f"/api/portal/profiles/{created.json()['id']}",
        {"texts": {"xx": {"summary": "?"}}},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    assert patched.status_code == 422 and "Unknown language" in patched.json()["detail"]


# --- dashboard and navigation ----------------------------------------------------------------


def test_the_dashboard_lists_accreditations_to_renew_to_their_managers(world: Any) -> None:
    soon = timezone.localdate() + dt.timedelta(days=60)
    esgo(world, granted_on=dt.date(2021, 10, 8), valid_until=soon)
    esgo(world, body="JCI", granted_on=dt.date(2024, 1, 1), valid_until=dt.date(2029, 1, 1))
    page = signed_in(world.coordinator_a).get("/")
    rows = page.context["accreditations"]
    assert [r.accreditation.body for r in rows] == ["ESGO"]
    main = page.content.decode().split("<main", 1)[1]  # in the page, not in its <title>
    assert "Accreditations to renew" in main and "Valid, renewal due" in main
    assert main.count('data-testid="accreditations-to-renew"') == 1  # listed once
    admin = signed_in(world.admin).get("/").context["accreditations"]
    assert [r.accreditation.body for r in admin] == ["ESGO"]
    for user in (world.clinician_user_a, world.coordinator_b, world.patient):
        assert signed_in(user).get("/").context["accreditations"] == [], user


def test_the_navigation_offers_the_portal_to_staff(world: Any) -> None:
    staff = signed_in(world.clinician_user_a).get("/").context["navigation"]
    assert ("Portal", reverse("portal_staff:index")) in staff
    assert all(
        label != "Portal" for label, _url in signed_in(world.patient).get("/").context["navigation"]
    )
    assert signed_in(world.clinician_user_a).get(reverse("portal_staff:index")).status_code == 302


def test_an_institution_coordinator_manages_every_center_of_the_institution(world: Any) -> None:
    accreditation = esgo(world, center=world.center_b)
    client = signed_in(world.coordinator_b)  # coordinator over institution B
    url = reverse("portal_staff:accreditation_edit", args=[accreditation.pk])
    assert client.get(url).status_code == 200
    other = person("coord-b2@test.kr", Role.CENTER_COORDINATOR, center=world.center_b)
    assert signed_in(other).get(url).status_code == 200
