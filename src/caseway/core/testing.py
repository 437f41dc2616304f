"""Shared test fixtures and the generic access-gate contract every gated model inherits.

A model's tests declare a few attributes (where its pages and API live, which object is in
scope, who may not see it, who may see but not change it, a valid change) and get the whole
contract: anonymous, no permission, in scope 200, out of scope 404, forbidden 403, stale 412.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse

from caseway.accounts.actor import Actor
from caseway.accounts.models import Membership, User
from caseway.accounts.roles import Role
from caseway.core import versioning
from caseway.organizations.choices import CenterKind, DepartmentKind, RegistrationKind
from caseway.organizations.models import (
    Association,
    Center,
    Clinician,
    Department,
    Institution,
    InstitutionRegistration,
)

SYSTEM = Actor.system("tests")


def pytest_sessionstart(session: Any) -> None:
    """Compile the translation catalogues, so a fresh clone tests the Korean UI as shipped."""
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (tests only)


def make(obj: models.Model) -> Any:
    """Insert through the versioning service, as the application does."""
    return versioning.create(SYSTEM, obj)


def person(email: str, role: str | None = None, with_totp: bool = True, **place: Any) -> User:
    user = User.objects.create_user(
        email, "correct horse battery staple", full_name=email.split("@")[0].title()
    )
    if role is not None:
        make(Membership(user=user, role=role, **place))
    if with_totp and user.is_staff_member:
        TOTP.activate(user, TEST_TOTP_SECRET)
    return user


def build_world() -> SimpleNamespace:
    """Two institutions (A and B), each with a center, a department, a clinician and a
    registration, and people holding every kind of role in them."""
    world = SimpleNamespace()
    world.association = make(
        Association(name_en="Test Association", name_ko="시험 협회", short_name="TA")
    )
    for key, city in (("a", "Seoul"), ("b", "Busan")):
        institution = make(
            Institution(
                code=f"inst-{key}",
                name_en=f"Hospital {key.upper()}",
                name_ko=f"병원 {key.upper()}",
                city_en=city,
                city_ko="서울" if key == "a" else "부산",
            )
        )
        center = make(
            Center(
                institution=institution,
                code=f"center-{key}",
                name_en=f"Cancer Center {key.upper()}",
                name_ko=f"암센터 {key.upper()}",
                kind=CenterKind.CANCER,
            )
        )
        department = make(
            Department(
                institution=institution,
                name_en="Radiology",
                name_ko="영상의학과",
                kind=DepartmentKind.RADIOLOGY,
            )
        )
        clinician = make(
            Clinician(
                institution=institution,
                department=department,
                center=center,
                name_en=f"Dr {key.upper()}",
                specialty="Imaging",
                languages=["ko", "en"],
            )
        )
        registration = make(
            InstitutionRegistration(
                institution=institution,
                kind=RegistrationKind.FOREIGN_PATIENT_ATTRACTION,
                number=f"FPA-{key}",
                issued_by="Ministry",
                issued_on=dt.date(2024, 1, 1),
                expires_on=dt.date(2027, 1, 1),
            )
        )
        setattr(world, f"institution_{key}", institution)
        setattr(world, f"center_{key}", center)
        setattr(world, f"department_{key}", department)
        setattr(world, f"clinician_{key}", clinician)
        setattr(world, f"registration_{key}", registration)
    world.admin = person("admin@test.kr", Role.ASSOCIATION_ADMIN)
    world.privacy = person("privacy@test.kr", Role.PRIVACY_OFFICER)
    world.coordinator_a = person("coord-a@test.kr", Role.CENTER_COORDINATOR, center=world.center_a)
    world.coordinator_b = person(
        "coord-b@test.kr", Role.CENTER_COORDINATOR, institution=world.institution_b
    )
    world.clinician_user_a = person("clin-a@test.kr", Role.CLINICIAN, center=world.center_a)
    world.patient = person("patient@test.kr", Role.INTERNATIONAL_PATIENT)
    world.nobody = person("nobody@test.kr")
    world.membership_a = Membership.objects.get(user=world.clinician_user_a)
    _add_patients(world)
    return world


def _add_patients(world: SimpleNamespace) -> None:
    """A patient at each center; A's record is shared with center B under consent."""
    from caseway.records import models as records
    from caseway.records.services import share_record

    for key in ("a", "b"):
        patient = make(
            records.Patient(
                center=getattr(world, f"center_{key}"),
                mrn=f"MRN-{key}",
                name_original=f"환자 {key}",
                name_romanized=f"Patient {key.upper()}",
                sex="female",
                birth_date=dt.date(1970, 5, 1),
                nationality="MN" if key == "a" else "KR",
            )
        )
        condition = make(
            records.Condition(
                patient=patient,
                role="primary",
                icd10="C56.9",
                description="Ovarian cancer",
                topography="C56.9",
                morphology="8461/3",
                histotype="High-grade serous",
                diagnosed_on=dt.date(2026, 3, 2),
            )
        )
        setattr(world, f"patient_{key}", patient)
        setattr(world, f"condition_{key}", condition)
    make(
        records.Consent(
            patient=world.patient_a,
            category="health_data",
            purpose="Second opinion at center B",
            given_on=dt.date(2026, 3, 1),
        )
    )
    world.share_a = share_record(SYSTEM, world.patient_a, world.center_b, "Second opinion")


@pytest.fixture(autouse=True)
def _forget_cached_values() -> None:
    """Per-process display caches must not carry values from one test into the next, nor
    the language a previous request activated (the middleware activates a person's language
    for the thread, as Django's does)."""
    from django.core.cache import caches
    from django.utils import translation

    from caseway.core.cache import forget_objects

    caches["local"].clear()
    forget_objects()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db: Any) -> SimpleNamespace:
    return build_world()


#: Elements a paragraph cannot hold: the browser closes the <p> before them, so the page's
#: structure (and what a screen reader announces with a field) is not what the template says.
_NOT_IN_PARAGRAPH = frozenset(
    {"address", "article", "aside", "div", "dl", "fieldset", "figure", "footer", "form", "h1",
     "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section",
     "table", "ul"}
)  # fmt: skip


def assert_well_nested(html: str) -> None:
    """No block element opens inside a paragraph (e.g. a field's error list)."""
    from html.parser import HTMLParser

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open_paragraphs = 0
            self.problems: list[str] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag in _NOT_IN_PARAGRAPH and self.open_paragraphs:
                self.problems.append(f"<{tag}> inside <p> at line {self.getpos()[0]}")
            if tag == "p":
                self.open_paragraphs += 1

        def handle_endtag(self, tag: str) -> None:
            if tag == "p" and self.open_paragraphs:
                self.open_paragraphs -= 1

    checker = Checker()
    checker.feed(html)
    assert not checker.problems, checker.problems


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_payload(form: Any, **overrides: Any) -> dict[str, Any]:
    """POST data a browser would send for ``form`` as displayed, with some fields changed."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if isinstance(value, models.Model):
            value = value.pk
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value is None:
            value = ""
        data[name] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v != [] or k in overrides}


class GateContract:
    """The access-gate contract. Subclasses set the attributes below."""

    model: ClassVar[type[models.Model]]
    namespace: ClassVar[str]
    api_path: ClassVar[str]
    #: world -> an object the ``reader`` and ``editor`` can see
    target: ClassVar[Callable[[Any], models.Model]]
    #: world -> a signed-in user for whom ``target`` is out of scope
    outsider: ClassVar[Callable[[Any], User]]
    #: world -> a user who sees ``target`` but may not change it
    reader: ClassVar[Callable[[Any], User]]
    #: world -> a user who may change ``target``
    editor: ClassVar[Callable[[Any], User]]
    #: world -> a user who may void ``target`` (None: the editor)
    voider: ClassVar[Callable[[Any], User] | None] = None
    #: world -> a user with no permission on this model at all (the list answers 403)
    powerless: ClassVar[Callable[[Any], User]] = staticmethod(lambda w: w.nobody)
    #: a valid change for PATCH and for the edit form
    change: ClassVar[dict[str, Any]]
    editable_in_ui: ClassVar[bool] = True

    def url(self, page: str, *args: Any) -> str:
        return reverse(f"{self.namespace}:{self.model._meta.model_name}_{page}", args=args)

    def api_url(self, obj: models.Model | None = None) -> str:
        return f"/api/{self.api_path}/" + (str(obj.pk) if obj is not None else "")

    # --- anonymous ---------------------------------------------------------------------------
    def test_anonymous_is_sent_to_sign_in(self, world: Any) -> None:
        client = Client()
        obj = type(self).target(world)
        for url in (self.url("list"), self.url("detail", obj.pk)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert client.get(self.api_url()).status_code == 401
        assert client.get(self.api_url(obj)).status_code == 401

    # --- no permission -----------------------------------------------------------------------
    def test_no_permission_is_forbidden(self, world: Any) -> None:
        client = signed_in(type(self).powerless(world))
        assert client.get(self.url("list")).status_code == 403
        assert client.get(self.api_url()).status_code == 403

    # --- in scope ----------------------------------------------------------------------------
    def test_in_scope_object_is_shown(self, world: Any) -> None:
        obj = type(self).target(world)
        client = signed_in(type(self).reader(world))
        assert client.get(self.url("detail", obj.pk)).status_code == 200
        response = client.get(self.api_url(obj))
        assert response.status_code == 200
        assert response["ETag"] == f'W/"{obj.version}"'  # type: ignore[attr-defined]
        listed = client.get(self.api_url(), {"limit": 500}).json()["items"]
        assert obj.pk in {row["id"] for row in listed}

    # --- out of scope ------------------------------------------------------------------------
    def test_out_of_scope_object_is_not_found(self, world: Any) -> None:
        obj = type(self).target(world)
        client = signed_in(type(self).outsider(world))
        assert client.get(self.url("detail", obj.pk)).status_code == 404
        assert client.get(self.api_url(obj)).status_code == 404
        response = client.patch(
            self.api_url(obj),
            type(self).change,
            content_type="application/json",
            headers={"If-Match": "*"},
        )
        assert response.status_code == 404

    # --- forbidden ---------------------------------------------------------------------------
    def test_forbidden_change_is_refused(self, world: Any) -> None:
        obj = type(self).target(world)
        client = signed_in(type(self).reader(world))
        if self.editable_in_ui:
            assert client.get(self.url("edit", obj.pk)).status_code == 403
            assert (
                client.post(self.url("void", obj.pk), {"version": 1, "reason": "x"}).status_code
                == 403
            )
        response = client.patch(
            self.api_url(obj),
            type(self).change,
            content_type="application/json",
            headers={"If-Match": obj.etag},  # type: ignore[attr-defined]
        )
        assert response.status_code == 403
        obj.refresh_from_db()
        assert obj.version == 1  # type: ignore[attr-defined]

    # --- versions ----------------------------------------------------------------------------
    def test_change_with_current_version_succeeds(self, world: Any) -> None:
        obj = type(self).target(world)
        client = signed_in(type(self).editor(world))
        response = client.patch(
            self.api_url(obj),
            type(self).change,
            content_type="application/json",
            headers={"If-Match": 'W/"1"'},
        )
        assert response.status_code == 200, response.content
        assert response["ETag"] == 'W/"2"'
        obj.refresh_from_db()
        for name, value in type(self).change.items():
            assert str(getattr(obj, f"{name}_id", getattr(obj, name))) == str(value)

    def test_stale_if_match_is_refused_with_412(self, world: Any) -> None:
        obj = type(self).target(world)
        client = signed_in(type(self).editor(world))
        versioning.update(SYSTEM, obj, 1, _touch(obj))
        response = client.patch(
            self.api_url(obj),
            type(self).change,
            content_type="application/json",
            headers={"If-Match": 'W/"1"'},
        )
        assert response.status_code == 412
        assert response["ETag"] == 'W/"2"'
        assert response.json()["current_version"] == 2

    def test_missing_if_match_is_refused_with_428(self, world: Any) -> None:
        obj = type(self).target(world)
        client = signed_in(type(self).editor(world))
        response = client.patch(
            self.api_url(obj), type(self).change, content_type="application/json"
        )
        assert response.status_code == 428

    def test_stale_edit_form_shows_the_conflict(self, world: Any) -> None:
        if not self.editable_in_ui:
            return
        obj = type(self).target(world)
        client = signed_in(type(self).editor(world))
        form = client.get(self.url("edit", obj.pk)).context["form"]
        versioning.update(SYSTEM, obj, 1, _touch(obj))
        response = client.post(
            self.url("edit", obj.pk), form_payload(form, **_form_change(type(self).change))
        )
        assert response.status_code == 409
        assert_well_nested(response.content.decode())
        assert response.context["conflict"]["current"].version == 2
        obj.refresh_from_db()
        assert obj.version == 2  # type: ignore[attr-defined]

    # --- voiding -----------------------------------------------------------------------------
    def test_void_needs_a_reason_and_keeps_the_row(self, world: Any) -> None:
        if not hasattr(self.model, "voided"):
            return
        obj = type(self).target(world)
        client = signed_in((type(self).voider or type(self).editor)(world))
        refused = client.post(
            f"{self.api_url(obj)}/void",
            {"reason": " "},
            content_type="application/json",
            headers={"If-Match": 'W/"1"'},
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "reason"
        done = client.post(
            f"{self.api_url(obj)}/void",
            {"reason": "Entered twice"},
            content_type="application/json",
            headers={"If-Match": 'W/"1"'},
        )
        assert done.status_code == 200
        obj.refresh_from_db()
        assert obj.voided and obj.void_reason == "Entered twice"  # type: ignore[attr-defined]
        with pytest.raises(TypeError):
            obj.delete()


def _touch(obj: models.Model) -> dict[str, Any]:
    """A harmless change someone else makes meanwhile."""
    for name in (
        "notes",
        "address",
        "description_en",
        "description",
        "title",
        "name_en",
        "indication",
        "question",
        "valid_until",
        "available",
    ):
        if hasattr(obj, name):
            if name == "valid_until":
                return {name: dt.date(2099, 1, 1)}
            if name == "available":
                return {name: not getattr(obj, name)}
            return {name: f"{getattr(obj, name)} (changed meanwhile)"}
    raise AssertionError(f"No field to touch on {type(obj).__name__}")


def _form_change(change: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in change.items()}
