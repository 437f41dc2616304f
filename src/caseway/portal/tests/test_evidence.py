"""The evidence snapshot: derived from the registry, counts only, published indicators only
when the center chose them; and the demo's portal content."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from caseway.core.testing import SYSTEM, make
from caseway.portal import evidence
from caseway.portal.models import CenterProfile, PublicEvidence, VolumeCell
from caseway.registry.tests.factories import cytoreduction

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def operated(world: Any) -> Any:
    kept = {"condition": world.condition_a, "adjuvant_chemo_start": None}
    for day in (dt.date(2026, 3, 4), dt.date(2026, 5, 6), dt.date(2025, 6, 1)):
        cytoreduction(world.patient_a, date=day, **kept)
    cytoreduction(world.patient_a, date=dt.date(2026, 7, 1), approach="robotic_multiport", **kept)
    cytoreduction(world.patient_a, date=dt.date(2026, 8, 1), adjuvant_chemo_start=None)
    return world


def test_volume_cells_count_the_last_twelve_months(operated: Any) -> None:
    evidence.refresh(today=TODAY)
    cells = {
        (c.icd10, c.procedure_group, c.approach): c.count_12m
        for c in VolumeCell.objects.filter(center=operated.center_a)
    }
    # 2025-06-01 is more than a year before TODAY: not counted; an operation recorded without
    # its condition counts under its procedure group only.
    assert cells == {
        ("C56", "ovarian_cytoreduction", "open"): 2,
        ("C56", "ovarian_cytoreduction", "robotic_multiport"): 1,
        ("", "ovarian_cytoreduction", "open"): 1,
    }
    assert not VolumeCell.objects.filter(center=operated.center_b).exists()


def test_the_document_has_volumes_and_only_chosen_indicators(operated: Any) -> None:
    evidence.refresh(today=TODAY)
    document = PublicEvidence.objects.get(center=operated.center_a).document
    years = {row["year"]: row for row in document["annual"]}
    assert years[2026]["total"] == 4 and years[2026]["robotic"] == 1 and years[2025]["total"] == 1
    assert document["indicators"] == []  # nothing published without a published profile
    make(
        CenterProfile(
            center=operated.center_a,
            published=True,
            published_indicators=[{"profile": "esgo-aoc-2016", "indicator": "complete-resection"}],
        )
    )
    evidence.refresh([operated.center_a.pk], today=TODAY)
    (published,) = PublicEvidence.objects.get(center=operated.center_a).document["indicators"]
    assert published["indicator"] == "complete-resection" and published["year"] == 2025
    assert (published["numerator"], published["denominator"]) == (1, 1)  # 2025's operation
    assert published["low"] < published["value"] <= published["high"]
    assert published["scope"]["icd10"] == ["C56", "C57", "C48"]
    text = str(PublicEvidence.objects.get(center=operated.center_a).document)
    assert operated.patient_a.mrn not in text  # counts, never patients


def test_refresh_replaces_the_snapshot(operated: Any) -> None:
    evidence.refresh(today=TODAY)
    evidence.refresh(today=TODAY)
    assert PublicEvidence.objects.filter(center=operated.center_a).count() == 1
    assert VolumeCell.objects.filter(center=operated.center_a).count() == 3


def test_demo_portal_content(world: Any) -> None:
    from caseway.portal import synthetic
    from caseway.portal.models import Accreditation

    counts = synthetic.build(SYSTEM, {"smc-gcc": world.center_a}, TODAY)
    assert counts["portal profiles"] == 1 and counts["accreditations"] == 1
    esgo = Accreditation.objects.get(center=world.center_a)
    assert esgo.valid_until == dt.date(2026, 10, 8)  # five years by default
    assert esgo.status(TODAY) == "renewal_pending"
    assert CenterProfile.objects.get(center=world.center_a).text("summary", "ja").startswith("欧州")
    assert CenterProfile.objects.get(center=world.center_a).text("summary", "vi").startswith("The")
