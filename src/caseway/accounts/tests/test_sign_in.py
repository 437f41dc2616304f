"""Signing in: password (argon2), mandatory second factor for staff, throttling, idle expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from caseway.accounts.models import User
from caseway.core.testing import TEST_TOTP_SECRET, person, signed_in

PASSWORD = "correct horse battery staple"


def _code(offset: int = 0) -> str:
    counter = int(timezone.now().timestamp()) // 30 + offset
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, counter))


def test_production_hashes_passwords_with_argon2() -> None:
    from caseway import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_staff_sign_in_needs_password_and_one_time_code(world: Any) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": "ADMIN@test.kr", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in until the code is given
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": _code()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_staff_without_a_second_factor_must_set_one_up(db: Any) -> None:
    from caseway.accounts.roles import Role

    person("new-admin@test.kr", Role.ASSOCIATION_ADMIN, with_totp=False)
    client = Client()
    client.post("/accounts/login/", {"login": "new-admin@test.kr", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    api = client.get("/api/directory/institutions/")
    assert api.status_code == 403
    assert api.json()["title"] == "Second factor required"
    # Setting up a factor asks for the password again (allauth's reauthentication), then works.
    reauthenticate = client.get("/accounts/2fa/totp/activate/")
    assert reauthenticate["Location"].startswith("/accounts/reauthenticate/")
    client.post(reauthenticate["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_people_without_a_staff_role_sign_in_with_a_password_only(world: Any) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": world.patient.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_failed_sign_ins_are_throttled(world: Any) -> None:
    client = Client()
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": world.patient.email, "password": "nope"})
    response = client.post("/accounts/login/", {"login": world.patient.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed" in response.content.decode()


def test_idle_sessions_expire(world: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = signed_in(world.patient)
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < remaining <= dt.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_there_is_no_public_sign_up(db: Any) -> None:
    client = Client()
    client.post(
        "/accounts/signup/", {"email": "x@test.kr", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not User.objects.filter(email="x@test.kr").exists()


def test_activity_keeps_a_session_alive(world: Any) -> None:
    client = signed_in(world.patient)
    client.get("/")
    key = client.session.session_key
    soon = timezone.now() + dt.timedelta(minutes=2)
    Session.objects.filter(pk=key).update(expire_date=soon)
    session = client.session
    session["caseway_refreshed_at"] = 0  # last refreshed long ago
    session.save()
    Session.objects.filter(pk=key).update(expire_date=soon)
    assert client.get("/").status_code == 200
    renewed = Session.objects.get(pk=key).expire_date - timezone.now()
    assert renewed > dt.timedelta(minutes=29)
