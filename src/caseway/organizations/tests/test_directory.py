"""Directory behaviour beyond the gate: validation, bilingual display, query budgets."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from caseway.core.testing import form_payload, make, signed_in
from caseway.organizations.choices import DepartmentKind
from caseway.organizations.models import Clinician, Department


def test_a_clinician_in_another_institutions_department_is_refused(world: Any) -> None:
    client = signed_in(world.admin)
    before = Clinician.objects.count()
    response = client.post(
        "/api/directory/clinicians/",
        {
            "institution": world.institution_a.pk,
            "department": world.department_b.pk,
            "name_en": "Dr Wrong",
            "specialty": "Imaging",
            "languages": ["ko"],
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "department"
    assert Clinician.objects.count() == before


def test_unknown_languages_and_missing_fields_are_named(world: Any) -> None:
    client = signed_in(world.admin)
    unknown = client.post(
        "/api/directory/clinicians/",
        {
            "institution": world.institution_a.pk,
            "department": world.department_a.pk,
            "name_en": "Dr X",
            "specialty": "Imaging",
            "languages": ["xx"],
        },
        content_type="application/json",
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "languages"
    missing = client.post(
        "/api/directory/institutions/", {"code": "new-one"}, content_type="application/json"
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} >= {"name_en", "city_en"}
    malformed = client.post(
        "/api/directory/institutions/", "{not json", content_type="application/json"
    )
    assert malformed.status_code in (400, 422)


def test_a_duplicate_code_is_explained_in_the_form(world: Any) -> None:
    client = signed_in(world.admin)
    form = client.get("/directory/institutions/add/").context["form"]
    page = client.post(
        "/directory/institutions/add/",
        form_payload(
            form, code="inst-a", name_en="Copy", name_ko="복사", city_en="Seoul", city_ko="서울"
        ),
    )
    assert page.status_code == 422
    assert "already exists" in page.content.decode()


def test_a_reference_the_actor_cannot_see_is_refused(world: Any) -> None:
    response = signed_in(world.patient).post(
        "/api/directory/departments/",
        {
            "institution": world.institution_a.pk,
            "name_en": "X",
            "name_ko": "엑스",
            "kind": "radiology",
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_names_follow_the_reader_language(world: Any) -> None:
    client = signed_in(world.clinician_user_a)
    client.post("/i18n/language/", {"language": "ko"})
    page = client.get(f"/directory/institutions/{world.institution_a.pk}/").content.decode()
    assert "병원 A" in page and "영상의학과" in page


def test_list_pages_keep_a_fixed_query_budget(world: Any) -> None:
    """More rows must not mean more queries (no N+1)."""
    client = signed_in(world.admin)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = [
        "/directory/clinicians/",
        "/api/directory/clinicians/",
        "/",
        "/directory/institutionregistrations/",
        "/people/memberships/",
    ]
    for url in urls:
        queries(url)  # warm up: the first request of a session writes it differently
    before = {url: queries(url) for url in urls}
    for number in range(15):
        department = make(
            Department(
                institution=world.institution_b,
                kind=DepartmentKind.UROLOGY,
                name_en=f"Urology {number}",
                name_ko=f"비뇨의학과 {number}",
            )
        )
        make(
            Clinician(
                institution=world.institution_b,
                department=department,
                name_en=f"Dr {number}",
                specialty="Urology",
            )
        )
    after = {url: queries(url) for url in urls}
    assert after == before
    assert max(after.values()) <= 20


def test_search_as_you_type_returns_only_the_table(world: Any) -> None:
    client = signed_in(world.admin)
    partial = client.get(
        "/directory/institutions/", {"q": "Hospital B"}, headers={"HX-Request": "true"}
    )
    html = partial.content.decode()
    assert "<html" not in html and "<table>" in html
    assert "Hospital B" in html and "Hospital A" not in html
    full = client.get("/directory/institutions/", {"q": "Hospital B"}).content.decode()
    assert "<html" in full and 'hx-target="#object-table"' in full


def test_voided_rows_are_hidden_unless_asked_for(world: Any) -> None:
    from caseway.core import versioning
    from caseway.core.testing import SYSTEM

    versioning.void(SYSTEM, world.clinician_b, 1, "Left the hospital")
    client = signed_in(world.admin)
    assert "Dr B" not in client.get("/directory/clinicians/").content.decode()
    shown = client.get("/directory/clinicians/", {"voided": "1"}).content.decode()
    assert 'class="voided"' in shown and "Dr B" in shown
    detail = client.get(f"/directory/clinicians/{world.clinician_b.pk}/").content.decode()
    assert "Left the hospital" in detail


def test_times_are_stored_in_utc_and_shown_in_seoul(world: Any) -> None:
    import datetime as dt

    from caseway.organizations.models import Institution

    stored = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    Institution.objects.filter(pk=world.institution_a.pk).update(updated_at=stored)
    assert Institution.objects.get(pk=world.institution_a.pk).updated_at == stored
    client = signed_in(world.admin)
    url = f"/directory/institutions/{world.institution_a.pk}/"
    assert "Jan. 1, 2026, 9:30 a.m." in client.get(url).content.decode()
    client.post("/i18n/language/", {"language": "ko"})
    assert "2026년 1월 1일 9:30 오전" in client.get(url).content.decode()
