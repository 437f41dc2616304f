"""Rendered public pages kept in the shared cache: sent again until what they show changes,
rendered ahead of visitors under the portal's public address, never one visitor's page."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from caseway.core import versioning
from caseway.core.testing import SYSTEM, make, signed_in
from caseway.organizations.models import Clinician
from caseway.portal import evidence, pagecache
from caseway.portal.tests.test_public import TODAY, publish


@pytest.fixture
def portal(world: Any) -> Any:
    return publish(world)


def center_url(portal: Any, lang: str = "en") -> str:
    return f"/portal/{lang}/centers/{portal.center_a.code}/"


def test_a_page_is_rendered_once_for_every_visitor(portal: Any) -> None:
    first = Client().get(center_url(portal))
    assert first["X-Cache"] == "miss"
    again = Client(HTTP_ACCEPT_LANGUAGE="ko").get(center_url(portal))
    assert again["X-Cache"] == "hit" and again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Language"] == "en"
    assert "public" in again["Cache-Control"]
    # Another language, another page.
    assert Client().get(center_url(portal, "ko"))["X-Cache"] == "miss"


def test_a_kept_page_is_private_for_a_visitor_with_a_session(portal: Any) -> None:
    anonymous = Client().get(center_url(portal))
    staff = signed_in(portal.coordinator_a).get(center_url(portal))
    assert staff["X-Cache"] == "hit" and staff.content == anonymous.content
    assert "private" in staff["Cache-Control"] and "public" not in staff["Cache-Control"]


def test_saving_what_a_page_shows_renders_it_again(
    portal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    url = center_url(portal)
    assert "Dr. New Surgeon" not in Client().get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        make(
            Clinician(
                institution=portal.institution_a,
                center=portal.center_a,
                department=portal.department_a,
                name_en="Dr. New Surgeon",
                specialty="Gynecologic oncology",
                languages=["en", "ru"],
            )
        )
    changed = Client().get(url)
    assert changed["X-Cache"] == "miss" and "Dr. New Surgeon" in changed.content.decode()


def test_a_change_not_yet_committed_keeps_the_pages(
    portal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Until the transaction commits, other visitors must not get pages rendered from the
    data before it under the new generation: the generation moves at the commit."""
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        versioning.update(SYSTEM, portal.profile_a, portal.profile_a.version, {"published": False})
        assert pagecache.generation() == before
    assert callbacks  # the change is announced once the transaction commits
    for callback in callbacks:
        callback()
    assert pagecache.generation() != before


def test_the_evidence_refresh_starts_a_new_generation(
    portal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        evidence.refresh(today=TODAY)
    assert pagecache.generation() != before


def test_pages_are_rendered_ahead_of_visitors_under_the_public_address(
    portal: Any, settings: Any
) -> None:
    settings.CASEWAY_PUBLIC_URL = "https://portal.example.org"
    out = StringIO()
    call_command("portal", "warm", "--language", "en", "--language", "ko", stdout=out)
    assert "pages rendered" in out.getvalue() and "0 already kept" in out.getvalue()
    # A visitor, whatever Host they came with, gets the kept page naming the public address.
    response = Client(HTTP_HOST="127.0.0.1:8000").get(center_url(portal, "ko"))
    assert response["X-Cache"] == "hit"
    html = response.content.decode()
    assert f'href="https://portal.example.org/portal/ko/centers/{portal.center_a.code}/"' in html
    assert "127.0.0.1" not in html
    json = Client().get(f"/portal/centers/{portal.center_a.code}.json")
    assert json["X-Cache"] == "hit" and json["Access-Control-Allow-Origin"] == "*"
    assert json.json()["url"].startswith("https://portal.example.org/")
    # Nothing to do the second time.
    out = StringIO()
    call_command("portal", "warm", stdout=out)
    assert "0 pages rendered" in out.getvalue()


def test_warming_needs_the_public_address(portal: Any, settings: Any) -> None:
    settings.CASEWAY_PUBLIC_URL = ""
    with pytest.raises(CommandError, match="CASEWAY_PUBLIC_URL"):
        call_command("portal", "warm", stdout=StringIO())


def test_without_the_public_address_pages_are_kept_per_host(portal: Any) -> None:
    url = center_url(portal)
    here = Client(HTTP_HOST="portal.example.org").get(url)
    there = Client(HTTP_HOST="caseway.example.org").get(url)
    assert here["X-Cache"] == "miss" and there["X-Cache"] == "miss"
    assert "http://caseway.example.org/portal/en/" in there.content.decode()
    assert "portal.example.org" not in there.content.decode()


def test_missing_pages_are_not_kept(portal: Any) -> None:
    for _n in range(2):
        response = Client().get("/portal/en/centers/no-such-center/")
        assert response.status_code == 404 and "X-Cache" not in response


def test_switched_off_every_page_is_rendered(portal: Any, settings: Any) -> None:
    settings.CASEWAY_PORTAL_CACHE = False
    for _n in range(2):
        assert "X-Cache" not in Client().get(center_url(portal))


def test_a_new_release_renders_its_own_pages(portal: Any, monkeypatch: Any) -> None:
    assert Client().get(center_url(portal))["X-Cache"] == "miss"
    assert Client().get(center_url(portal))["X-Cache"] == "hit"
    monkeypatch.setattr(pagecache, "code_version", lambda: "the-next-release")
    assert Client().get(center_url(portal))["X-Cache"] == "miss"

