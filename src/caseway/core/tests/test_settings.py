"""Settings fail closed: production refuses defaults, and its deploy check is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseway.core.crypto import generate_key

PRODUCTION = {
    "CASEWAY_ENV": "production",
    "CASEWAY_SECRET_KEY": "x" * 20 + "production-secret-for-the-deploy-check-0123456789",
    "CASEWAY_FIELD_ENCRYPTION_KEY": generate_key(),
    "CASEWAY_ALLOWED_HOSTS": "caseway.example.org",
    "DJANGO_SETTINGS_MODULE": "caseway.settings",
}


def _run(env: dict[str, str], *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEWAY_", "DJANGO_", "DATABASE_URL"))
    }
    clean.update(env)
    clean["CASEWAY_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "caseway.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"CASEWAY_SECRET_KEY": ""}, "CASEWAY_SECRET_KEY must be set"),
        ({"CASEWAY_SECRET_KEY": "short"}, "CASEWAY_SECRET_KEY must be set"),
        ({"CASEWAY_DEBUG": "true"}, "CASEWAY_DEBUG must not be on"),
        ({"CASEWAY_FIELD_ENCRYPTION_KEY": ""}, "CASEWAY_FIELD_ENCRYPTION_KEY must be set"),
        ({"CASEWAY_ENV": "staging"}, "CASEWAY_ENV must be development, test or production"),
        ({"CASEWAY_PUBLIC_URL": "portal.example.org"}, "CASEWAY_PUBLIC_URL must be a scheme"),
        ({"CASEWAY_PUBLIC_URL": "https://example.org/portal"}, "CASEWAY_PUBLIC_URL must be"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(
    change: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = _run({**PRODUCTION, **change}, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_nothing_set_means_production(tmp_path: Path) -> None:
    result = _run({"DJANGO_SETTINGS_MODULE": "caseway.settings"}, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CASEWAY_SECRET_KEY must be set" in result.stderr


def test_the_deploy_check_is_clean_in_production(tmp_path: Path) -> None:
    result = _run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
