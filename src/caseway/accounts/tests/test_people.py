"""People, roles as memberships, preferences, the language switcher and API tokens."""

from __future__ import annotations

from typing import Any

from django.test import Client

from caseway.accounts.models import ApiToken, Membership, User
from caseway.audit.models import AuditEvent
from caseway.core.testing import signed_in


def test_one_person_can_hold_several_roles(world: Any) -> None:
    client = signed_in(world.admin)
    response = client.post(
        "/api/accounts/memberships/",
        {
            "user": world.clinician_user_a.pk,
            "role": "registry_data_manager",
            "institution": world.institution_a.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    roles = set(
        Membership.objects.filter(user=world.clinician_user_a).values_list("role", flat=True)
    )
    assert roles == {"clinician", "registry_data_manager"}
    me = signed_in(world.clinician_user_a).get("/api/accounts/me").json()
    assert {r["role"] for r in me["roles"]} == roles


def test_a_role_at_the_wrong_level_is_refused_with_the_field_named(world: Any) -> None:
    client = signed_in(world.admin)
    count = Membership.objects.count()
    response = client.post(
        "/api/accounts/memberships/",
        {"user": world.nobody.pk, "role": "association_admin", "center": world.center_a.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"
    assert Membership.objects.count() == count


def test_coordinators_grant_roles_only_where_they_coordinate(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    page = client.post(
        "/people/memberships/add/",
        {"person": world.nobody.email, "role": "clinician", "center": world.center_a.pk},
    )
    assert page.status_code == 302, page.content
    refused = client.post(
        "/people/memberships/add/",
        {"person": world.nobody.email, "role": "clinician", "center": world.center_b.pk},
    )
    assert refused.status_code == 422
    administrator = client.post(
        "/people/memberships/add/", {"person": world.nobody.email, "role": "association_admin"}
    )
    assert administrator.status_code == 422
    assert set(Membership.objects.filter(user=world.nobody).values_list("center", flat=True)) == {
        world.center_a.pk
    }


def test_granting_a_role_to_an_unknown_address_says_so(world: Any) -> None:
    page = signed_in(world.admin).post(
        "/people/memberships/add/",
        {"person": "stranger@test.kr", "role": "clinician", "center": world.center_a.pk},
    )
    assert page.status_code == 422
    assert "Add the person first" in page.content.decode()


def test_adding_a_person_creates_an_account_without_a_usable_password(world: Any) -> None:
    page = signed_in(world.admin).post(
        "/people/users/add/",
        {
            "email": "new@test.kr",
            "full_name": "New Person",
            "preferred_language": "ko",
            "time_zone": "Asia/Seoul",
        },
    )
    assert page.status_code == 302
    user = User.objects.get(email="new@test.kr")
    assert not user.has_usable_password()
    assert signed_in(world.clinician_user_a).get("/people/users/add/").status_code == 403


def test_the_switcher_keeps_the_language_as_the_persons_preference(world: Any) -> None:
    client = signed_in(world.patient)
    response = client.post("/i18n/language/", {"language": "ko", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    world.patient.refresh_from_db()
    assert world.patient.preferred_language == "ko"
    page = client.get("/")
    assert '<html lang="ko">' in page.content.decode()
    assert client.post("/i18n/language/", {"language": "xx"}).status_code == 400
    unsafe = client.post("/i18n/language/", {"language": "en", "next": "https://evil.test/"})
    assert unsafe["Location"] == "/"


def test_anonymous_visitors_switch_language_by_cookie(db: Any) -> None:
    client = Client()
    client.post("/i18n/language/", {"language": "ko", "next": "/accounts/login/"})
    assert '<html lang="ko">' in client.get("/accounts/login/").content.decode()


def test_api_tokens_authenticate_until_revoked(world: Any) -> None:
    client = signed_in(world.clinician_user_a)
    page = client.post("/people/me/api-tokens/", {"name": "registry sync", "valid_days": 30})
    token_text = page.context["issued"]
    assert token_text.startswith("cw_")
    api = Client()
    headers = {"Authorization": f"Bearer {token_text}"}
    me = api.get("/api/accounts/me", headers=headers)
    assert me.status_code == 200 and me.json()["email"] == world.clinician_user_a.email
    assert (
        api.get("/api/accounts/me", headers={"Authorization": "Bearer cw_x_y"}).status_code == 401
    )
    token = ApiToken.objects.get(user=world.clinician_user_a)
    assert token.key_hash not in token_text  # only a hash is stored
    client.post(f"/people/me/api-tokens/{token.pk}/revoke/")
    assert api.get("/api/accounts/me", headers=headers).status_code == 401


def test_a_change_through_a_token_is_audited_as_the_person(world: Any) -> None:
    _token, text = ApiToken.issue(world.admin, "script")
    Client().patch(
        f"/api/directory/centers/{world.center_a.pk}",
        {"name_en": "GCC"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {text}", "If-Match": 'W/"1"'},
    )
    event = AuditEvent.objects.latest("sequence")
    assert (event.action, event.actor_user_id) == ("update", world.admin.pk)
