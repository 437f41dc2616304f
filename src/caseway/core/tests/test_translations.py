"""The Korean UI is complete: every string has a translation that keeps its placeholders."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import polib
from django.conf import settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
SOURCE = Path(settings.BASE_DIR)


def _catalogue() -> polib.POFile:
    return polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "ko/LC_MESSAGES/django.po"))


def test_every_string_is_translated_and_none_is_fuzzy() -> None:
    catalogue = _catalogue()
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_translations_keep_their_placeholders() -> None:
    for entry in _catalogue().translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == expected, entry.msgid


def test_the_catalogue_covers_every_string_in_the_code(tmp_path: Path) -> None:
    """Extract the strings again; any marked string missing from the catalogue fails here."""
    files = [
        str(p.relative_to(SOURCE))
        for p in SOURCE.rglob("*.py")
        if "migrations" not in p.parts and "tests" not in p.parts
    ]
    output = tmp_path / "fresh.pot"
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--keyword=gettext_lazy",
            "--keyword=gettext",
            "--keyword=_",
            "--keyword=ngettext:1,2",
            "--keyword=pgettext:1c,2",
            "-o",
            str(output),
            *files,
        ],
        cwd=SOURCE,
        check=True,
    )
    known = {entry.msgid for entry in _catalogue()}
    missing = [entry.msgid for entry in polib.pofile(str(output)) if entry.msgid not in known]
    assert missing == []
