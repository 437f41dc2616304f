"""What an uploaded file really is, judged by its content (never its name or declared type).

Plain functions over bytes: PDF, PNG, JPEG and DICOM are accepted; anything else is refused
with a message. DICOM study metadata is read with pydicom without loading pixel data.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


class FileRejected(ValueError):
    """The file is not one Caseway stores; the message says why."""


@dataclass(frozen=True)
class Inspected:
    kind: str  # pdf, image, dicom
    content_type: str
    extension: str
    size: int
    sha256: str
    dicom: dict[str, Any] = field(default_factory=dict)


def max_bytes() -> int:
    return int(getattr(settings, "CASEWAY_MAX_DOCUMENT_BYTES", 100 * 1024 * 1024))


def inspect(data: bytes) -> Inspected:
    size = len(data)
    if size == 0:
        raise FileRejected("The file is empty.")
    if size > max_bytes():
        raise FileRejected(f"The file is {size:,} bytes; the limit is {max_bytes():,} bytes.")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise FileRejected("The PDF is incomplete (no end-of-file marker).")
        return Inspected("pdf", "application/pdf", ".pdf", size, digest)
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return _image(data, size, digest)
    if len(data) > 132 and data[128:132] == b"DICM":
        return Inspected("dicom", "application/dicom", ".dcm", size, digest, _dicom(data))
    raise FileRejected("This is not a PDF, PNG, JPEG or DICOM file (judged by its content).")


def _image(data: bytes, size: int, digest: str) -> Inspected:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise FileRejected(f"The image cannot be read: {exc}") from None
    if fmt == "PNG":
        return Inspected("image", "image/png", ".png", size, digest)
    if fmt == "JPEG":
        return Inspected("image", "image/jpeg", ".jpg", size, digest)
    raise FileRejected(f"Images must be PNG or JPEG, not {fmt}.")


def _dicom(data: bytes) -> dict[str, Any]:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    except (InvalidDicomError, EOFError, ValueError, KeyError) as exc:
        raise FileRejected(f"The DICOM file cannot be read: {exc}") from None
    study_date = str(dataset.get("StudyDate", "") or "")
    return {
        "modality": str(dataset.get("Modality", "") or ""),
        "study_date": (
            f"{study_date[:4]}-{study_date[4:6]}-{study_date[6:8]}"
            if len(study_date) == 8 and study_date.isdigit()
            else ""
        ),
        "study_description": str(dataset.get("StudyDescription", "") or "")[:200],
        "study_uid": str(dataset.get("StudyInstanceUID", "") or ""),
        "series_uid": str(dataset.get("SeriesInstanceUID", "") or ""),
    }
