"""The dashboard: roles, directory counts, registrations due, in English and Korean."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from caseway.core import versioning
from caseway.core.testing import SYSTEM, signed_in


def test_the_dashboard_shows_roles_counts_and_renewals(world: Any) -> None:
    versioning.update(
        SYSTEM,
        world.registration_a,
        1,
        {"expires_on": timezone.localdate() + timezone.timedelta(days=30)},
    )
    page = signed_in(world.coordinator_a).get("/")
    html = page.content.decode()
    assert "Center coordinator · Cancer Center A" in html
    assert "FPA-a" in html and "Renewal due" in html
    counts = {str(c["label"]): c["number"] for c in page.context["counts"]}
    assert counts == {"institutions": 2, "centers": 2, "departments": 2, "clinicians": 2}


def test_the_dashboard_speaks_korean(world: Any) -> None:
    client = signed_in(world.coordinator_a)
    client.post("/i18n/language/", {"language": "ko"})
    html = client.get("/").content.decode()
    assert "대시보드" in html and "센터 코디네이터" in html
    assert "Dashboard" not in html


def test_external_users_see_their_roles_but_not_the_directory(world: Any) -> None:
    page = signed_in(world.patient).get("/")
    assert page.status_code == 200
    assert page.context["counts"] == []
    assert "/directory/" not in page.content.decode()
