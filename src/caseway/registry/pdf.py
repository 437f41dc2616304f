"""PDF from the same HTML as the web page (``registry/report_print.html``), through WeasyPrint.

Korean needs a font that has Hangul: WeasyPrint takes fonts from fontconfig, and a glyph
missing from the first family of the stack is looked up in the next ones. The base stylesheet
below names Noto Sans CJK KR (Debian's ``fonts-noto-cjk``) before the generic family, so a
Korean report never comes out as empty boxes even when a template forgets its own stack.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

#: The font stack of printed reports: a Korean face first (its Latin letters are fine too, and
#: one face keeps the PDF small), then DejaVu for any symbol it lacks.
FONT_STACK = '"Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "DejaVu Sans", sans-serif'
BASE_CSS = f"html {{ font-family: {FONT_STACK}; }}"

_BASE_FONT = re.compile(rb"/BaseFont\s*/([^\s/<>\[\]()]+)")
_STREAM = re.compile(rb"stream\r?\n")


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document. ``base_url`` resolves relative links and images (a
    ``file://`` directory or the site URL); the report template inlines its CSS and SVGs, so
    it needs nothing fetched. :data:`BASE_CSS` goes in as a user stylesheet, so the
    document's own rules override it and it only fills in what the document leaves unset."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    document: Any = HTML(string=html, base_url=base_url)
    return bytes(
        document.write_pdf(stylesheets=[CSS(string=BASE_CSS, font_config=fonts)], font_config=fonts)
    )


def font_names(pdf: bytes) -> set[str]:
    """The fonts a PDF embeds, by their PDF names (e.g. ``ABCDEF+Noto-Sans-CJK-KR``).

    WeasyPrint puts font dictionaries in compressed object streams, so a plain search of the
    bytes misses them; this inflates every stream it can. For checks and tests, not parsing.
    """
    names = {m.group(1) for m in _BASE_FONT.finditer(pdf)}
    view = memoryview(pdf)  # slices without copying the rest of the file each time
    for match in _STREAM.finditer(pdf):
        try:
            data = zlib.decompressobj().decompress(view[match.end() :])
        except zlib.error:
            continue
        names.update(m.group(1) for m in _BASE_FONT.finditer(data))
    return {name.decode("latin-1") for name in names}
