"""``caseway fhir import`` and ``caseway fhir export`` as an operator uses them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caseway.records import models as m

FIXTURE = Path(__file__).parent / "fixtures" / "mcode_bundle.json"


def test_import_prints_a_summary(world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("fhir", "import", str(FIXTURE), "--center", "center-a")
    out = capsys.readouterr().out
    assert "Imported into center-a" in out and "1 Patient" in out
    assert m.Patient.objects.filter(mrn="UB-2026-0042").exists()


def test_import_exits_non_zero_naming_what_was_rejected(
    world: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = json.loads(FIXTURE.read_text())
    bundle["entry"][1]["resource"]["code"]["coding"][0]["code"] = "bad"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle))
    with pytest.raises(SystemExit) as exit_info:
        call_command("fhir", "import", str(path), "--center", "center-a")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err and "bad.json entry 1 (Condition)" in err
    assert not m.Patient.objects.filter(mrn="UB-2026-0042").exists()
    with pytest.raises(CommandError, match="No center"):
        call_command("fhir", "import", str(FIXTURE), "--center", "nowhere")


def test_export_writes_bulk_files_and_a_manifest(world: Any, tmp_path: Path, settings: Any) -> None:
    settings.CASEWAY_EXPORT_DIR = tmp_path / "work"
    call_command("fhir", "import", str(FIXTURE), "--center", "center-a")
    out = tmp_path / "out"
    call_command(
        "fhir",
        "export",
        "--center",
        "center-a",
        "--out",
        str(out),
        "--reason",
        "Registry submission 2026",
    )
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["output"]:
        lines = (out / entry["url"]).read_text().splitlines()
        assert len(lines) == entry["count"]
    assert {e["type"] for e in manifest["output"]} >= {"Patient", "Condition", "Observation"}
    with pytest.raises(CommandError, match="reason"):
        call_command("fhir", "export", "--center", "center-a", "--out", str(out))
