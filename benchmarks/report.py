"""What every benchmark writes: the machine it ran on, and its own section of
docs/benchmarks.md (replaced in place when it is there, added at the end otherwise)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.node()}: {os.cpu_count()} cores, {memory:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def write_section(section: str, block: str) -> str:
    """Put ``block`` (starting with its ``## section`` heading) into docs/benchmarks.md."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    if section in text:
        start = text.index(section)
        following = text.find("\n## ", start + len(section))
        text = text[:start] + block + (text[following + 1 :] if following != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + block
    RESULTS.write_text(text)
    return block
