"""The registry on the gate: scope by center, derived facts, signing, amendments, the API."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from caseway.accounts.actor import Actor
from caseway.audit.models import AuditEvent
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.testing import SYSTEM, GateContract, signed_in
from caseway.registry import aggregate, services
from caseway.registry import indicators as engine
from caseway.registry.models import Complication, Procedure, Surgery, SurgeryFacts
from caseway.registry.tests.factories import cytoreduction


@pytest.fixture
def surgery(world: Any) -> Surgery:
    return cytoreduction(world.patient_a)


class TestSurgeryGate(GateContract):
    model = Surgery
    namespace = "registry"
    api_path = "registry/surgeries"
    target = staticmethod(lambda w: cytoreduction(w.patient_a))
    # Center B sees patient A's record through a share, but not A's operations.
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(lambda w: w.coordinator_a)  # coordinators read, clinicians record
    editor = staticmethod(lambda w: w.clinician_user_a)
    change = {"blood_loss_ml": 450}


class TestComplicationGate(GateContract):
    model = Complication
    namespace = "registry"
    api_path = "registry/complications"
    target = staticmethod(lambda w: cytoreduction(w.patient_a).complications.first())
    outsider = staticmethod(lambda w: w.admin)
    reader = staticmethod(lambda w: w.coordinator_a)
    editor = staticmethod(lambda w: w.clinician_user_a)
    change = {"day": 7}


def test_scores_are_derived_from_the_record(world: Any, surgery: Surgery) -> None:
    facts = SurgeryFacts.objects.get(surgery=surgery)
    assert facts.aletti_score == 4  # hysterectomy-BSO 1 + omentectomy 1 + diaphragm 2
    assert facts.cci == 33.5  # sqrt(2750 + 1750) / 2 (Slankamenac 2013 weights)
    assert facts.pci == 11
    assert facts.days_to_chemo == 28
    assert facts.residual == "complete" and facts.aoc_cytoreduction
    assert facts.primary_surgeon == "Dr. Kim" and facts.primary_surgeon_specialty == "gyn_onc"
    assert facts.major_morbidity_30d is True and facts.death_30d is False
    page = signed_in(world.coordinator_a).get(f"/registry/surgeries/{surgery.pk}/")
    shown = page.content.decode()
    assert "CC-0" in shown and "(intermediate)" in shown  # Aletti 4 is intermediate


def test_facts_follow_every_change(surgery: Surgery) -> None:
    complication = surgery.complications.get(grade="IIIa")
    versioning.void(SYSTEM, complication, complication.version, "Entered in error")
    facts = SurgeryFacts.objects.get(surgery=surgery)
    assert facts.cci == 20.9  # sqrt(1750) / 2: the voided complication no longer counts
    assert facts.major_morbidity_30d is False
    versioning.update(
        SYSTEM,
        surgery,
        surgery.version,
        {"residual_mm": Decimal("4"), "incomplete_reason": "Mesenteric root"},
    )
    assert SurgeryFacts.objects.get(surgery=surgery).residual == "le_1cm"


def test_follow_up_is_unknown_until_its_window_closes(world: Any) -> None:
    recent = cytoreduction(
        world.patient_a, date=dt.date.today() - dt.timedelta(days=3), adjuvant_chemo_start=None
    )
    facts = SurgeryFacts.objects.get(surgery=recent)
    assert facts.death_30d is None and facts.death_90d is None  # not "alive": not yet known
    SurgeryFacts.objects.filter(pk=facts.pk).update(date=dt.date.today() - dt.timedelta(days=40))
    Surgery.objects.filter(pk=recent.pk).update(date=dt.date.today() - dt.timedelta(days=40))
    assert services.refresh_open_follow_up(world.center_b.pk, recent_days=120) == 0
    assert services.refresh_open_follow_up(world.center_a.pk, recent_days=120) == 1
    facts.refresh_from_db()
    assert facts.death_30d is False and facts.death_90d is None


def test_signed_record_is_immutable_and_amended(world: Any, surgery: Surgery) -> None:
    clinician = Actor.for_user(world.clinician_user_a)
    signed = services.sign(clinician, surgery, surgery.version)
    assert signed.signed_by == world.clinician_user_a
    with pytest.raises(access.Forbidden):
        access.fetch(clinician, Surgery, Action.CHANGE, pk=surgery.pk)
    row = Procedure.objects.filter(surgery_id=surgery.pk).first()
    with pytest.raises(access.Forbidden):
        access.authorize(clinician, type(row), Action.CHANGE, row)

    amended = services.amend(
        clinician,
        signed,
        {"residual_mm": Decimal("5"), "incomplete_reason": "Bowel serosa"},
        "Pathology found residual disease",
    )
    signed.refresh_from_db()
    assert signed.residual_mm == 0 and signed.version == 2  # the original is untouched
    assert amended.amends == signed and amended.signed_at is not None
    assert amended.procedures.count() == 3 and amended.complications.count() == 2
    current = SurgeryFacts.objects.filter(current=True, center=world.center_a)
    assert list(current.values_list("surgery_id", "residual")) == [(amended.pk, "le_1cm")]
    assert services.history(amended) == [amended, signed]
    with pytest.raises(ValidationError, match="already amended"):
        services.amend(clinician, signed, {}, "Again")
    assert AuditEvent.objects.filter(action="amend", entity_id=str(amended.pk)).exists()


def test_a_coordinator_reads_but_cannot_sign(world: Any, surgery: Surgery) -> None:
    coordinator = Actor.for_user(world.coordinator_a)
    access.fetch(coordinator, Surgery, Action.VIEW, pk=surgery.pk)
    with pytest.raises(access.Forbidden):
        services.sign(coordinator, surgery, surgery.version)


def test_sign_and_amend_through_the_api(world: Any, surgery: Surgery) -> None:
    client = signed_in(world.clinician_user_a)
    url = f"/api/registry/surgeries/{surgery.pk}"
    assert client.post(f"{url}/sign").status_code == 428  # If-Match required
    assert client.post(f"{url}/sign", headers={"If-Match": 'W/"9"'}).status_code == 412
    response = client.post(f"{url}/sign", headers={"If-Match": 'W/"1"'})
    assert response.status_code == 200 and response.json()["signed_at"]
    refused = client.patch(
        url,
        {"blood_loss_ml": 10},
        content_type="application/json",
        headers={"If-Match": response["ETag"]},
    )
    assert refused.status_code == 403
    bad = client.post(
        f"{url}/amend",
        {"reason": "Typo", "changes": {"center": 3}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "center" in bad.content.decode()
    amended = client.post(
        f"{url}/amend",
        {"reason": "Blood loss was 400 ml", "changes": {"blood_loss_ml": 400}},
        content_type="application/json",
    )
    assert amended.status_code == 201, amended.content
    assert amended.json()["amends"] == surgery.pk and amended.json()["blood_loss_ml"] == 400


def test_indicators_api_and_page(world: Any, surgery: Surgery) -> None:
    client = signed_in(world.coordinator_a)
    code = world.center_a.code
    data = client.get(
        "/api/registry/indicators", {"center": code, "year": 2024, "profile": "esgo-aoc-2016"}
    ).json()
    by_id = {r["indicator"]: r for r in data["results"]}
    assert by_id["complete-resection"]["numerator"] == 1
    assert by_id["center-volume"]["value"] == 1 and by_id["center-volume"]["attained"] == "not_met"
    assert by_id["operative-report"]["missing"] == {"operative_report_complete": 1}
    page = client.get("/registry/", {"center": code, "year": 2024})
    assert page.status_code == 200 and "Complete resection rate" in page.content.decode()
    cases = client.get(
        "/registry/indicators/complete-resection/cases/", {"center": code, "year": 2024}
    )
    assert cases.status_code == 200 and world.patient_a.mrn in cases.content.decode()
    assert AuditEvent.objects.filter(action="search", entity_type="registry.surgery").exists()
    outsider = signed_in(world.coordinator_b)
    assert (
        outsider.get(
            "/api/registry/indicators", {"center": code, "year": 2024, "profile": "esgo-aoc-2016"}
        ).status_code
        == 404
    )


def test_sql_aggregate_equals_the_python_engine(world: Any, surgery: Surgery) -> None:
    """The dashboards' single SQL aggregate gives exactly the reference engine's results."""
    rng = random.Random(7)
    template = SurgeryFacts.objects.get(surgery=surgery)
    base = Surgery.objects.get(pk=surgery.pk)
    rows = []
    for n in range(400):
        base.pk = None
        base.date = dt.date(2020 + n % 3, 1 + n % 12, 1 + n % 28)
        base.save()  # post_save derives facts; overwrite them with random values below
        facts = SurgeryFacts.objects.get(surgery_id=base.pk)
        for name in (
            "in_trial",
            "mdt_discussed",
            "preop_workup_complete",
            "operative_report_complete",
            "pathology_report_complete",
            "complications_prospective",
            "death_30d",
            "death_90d",
            "major_morbidity_30d",
        ):
            setattr(facts, name, rng.choice([True, False, None]))
        facts.aoc_cytoreduction = rng.random() < 0.8
        facts.robotic = rng.random() < 0.3
        facts.converted = rng.random() < 0.1
        facts.proctored = rng.random() < 0.2
        facts.timing = rng.choice(["primary", "interval", None])
        facts.residual = rng.choice(["complete", "le_1cm", "gt_1cm", None])
        facts.primary_surgeon = rng.choice(["A", "B", "C", "D", None])
        facts.primary_surgeon_specialty = rng.choice(["gyn_onc", "gynecology", None])
        facts.days_to_chemo = rng.choice([None, rng.randint(10, 80)])
        rows.append(facts)
    SurgeryFacts.objects.bulk_update(
        rows,
        [
            f.name
            for f in SurgeryFacts._meta.concrete_fields
            if f.name not in ("surgery", "center", "year", "date")
        ],
    )
    assert template.pk
    records = [f.as_record() for f in SurgeryFacts.objects.all()]
    for profile in engine.builtin_profiles().values():
        for group_by in (("center", "year"), ("center", "year", "primary_surgeon")):
            expected = engine.compute(profile, [dict(r) for r in records], group_by)
            actual = aggregate.compute_in_database(profile, SurgeryFacts.objects.all(), group_by)
            assert expected.keys() == actual.keys()
            for key, results in expected.items():
                for indicator_id, result in results.items():
                    assert _rounded(actual[key][indicator_id]) == _rounded(result), (
                        profile.id,
                        key,
                        indicator_id,
                    )


def _rounded(result: engine.Result) -> dict[str, Any]:
    return {k: round(v, 9) if isinstance(v, float) else v for k, v in result.as_dict().items()}


def test_cli_prints_indicators_as_table_and_json(world: Any, surgery: Surgery) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "registry",
        "indicators",
        "--center",
        world.center_a.code,
        "--year",
        "2024",
        "--profile",
        "esgo-aoc-2016",
        "--format",
        "json",
        stdout=out,
    )
    document = json.loads(out.getvalue())
    assert document["center"] == world.center_a.code and document["year"] == 2024
    assert {r["indicator"] for r in document["results"]} >= {"complete-resection", "center-volume"}
    table = StringIO()
    call_command(
        "registry",
        "indicators",
        "--center",
        world.center_a.code,
        "--year",
        "2024",
        "--language",
        "ko",
        stdout=table,
    )
    assert "complete-resection" in table.getvalue() and "1/1" in table.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No center"):
        call_command("registry", "indicators", "--center", "nope", "--year", "2024")
    with pytest.raises(CommandError, match="No indicator profile"):
        call_command(
            "registry",
            "indicators",
            "--center",
            world.center_a.code,
            "--year",
            "2024",
            "--profile",
            "nope",
        )


def test_funnel_names_only_the_viewers_centers(world: Any, surgery: Surgery) -> None:
    other = cytoreduction(
        world.patient_b, residual_mm=Decimal("15"), incomplete_reason="Mesenteric root"
    )
    assert other.center == world.center_b
    page = signed_in(world.clinician_user_a).get(
        "/registry/compare/", {"year": 2024, "indicator": "complete-resection"}
    )
    assert page.status_code == 200
    listed = [c.point.label for c in page.context["listed"]]
    assert listed == [world.center_a.code]  # center B is an unnamed dot for center A's staff
    assert page.context["centers"] == 2 and "<svg" in page.content.decode()
    refused = signed_in(world.patient).get("/registry/compare/", {"year": 2024})
    assert refused.status_code == 403


def test_volumes_page_shows_years_and_milestones(world: Any, surgery: Surgery) -> None:
    page = signed_in(world.coordinator_a).get("/registry/volumes/", {"center": world.center_a.code})
    assert page.status_code == 200
    assert page.context["years"] == [(2024, 1, 1)]
    assert page.context["milestones"] == []  # the first milestone is the 1,000th case


def test_accreditation_report_page_and_pdf(world: Any, surgery: Surgery) -> None:
    client = signed_in(world.coordinator_a)
    query = {"center": world.center_a.code, "year": 2024, "profile": "esgo-aoc-2016"}
    page = client.get("/registry/report/", query)
    assert page.status_code == 200
    assert world.patient_a.mrn in page.content.decode()  # the case list behind the numbers
    pdf = client.get("/registry/report/", {**query, "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    exports = AuditEvent.objects.filter(action="export", entity_type="registry.report")
    assert exports.count() == 2 and exports.first().reason.startswith("Accreditation")
    assert signed_in(world.coordinator_b).get("/registry/report/", query).status_code == 404


def test_import_page_reports_every_problem_and_writes_nothing(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(world.clinician_user_a)
    template = client.get("/registry/import/template.csv")
    assert template.status_code == 200 and b"source_id" in template.content
    assert client.get("/registry/import/template.xlsx").content.startswith(b"PK")
    header = template.content.decode("utf-8-sig").splitlines()[0]
    bad = f"{header}\n" + ",".join(["x"] * len(header.split(","))) + "\n"
    response = client.post(
        "/registry/import/",
        {
            "center": world.center_a.pk,
            "file": SimpleUploadedFile("surgeries.csv", bad.encode(), "text/csv"),
        },
    )
    assert response.status_code == 200
    errors = response.content.decode()
    assert 'data-testid="import-errors"' in errors and "row 2" in errors
    assert not Surgery.objects.exists()
    assert signed_in(world.coordinator_a).get("/registry/import/").status_code == 403


def test_links_carry_ids_without_thousands_separators(world: Any) -> None:
    """Numbers are localized on pages (12,345); ids in links must not be (found in a browser)."""
    surgery = cytoreduction(world.patient_a, pk=12345)
    page = signed_in(world.clinician_user_a).get(f"/registry/surgeries/{surgery.pk}/")
    assert "?surgery=12345" in page.content.decode()
