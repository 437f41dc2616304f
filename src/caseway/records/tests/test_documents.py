"""Documents: judged by content, stored under random names with checksums, served via the gate."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caseway.audit.models import AuditEvent
from caseway.core.testing import signed_in
from caseway.records import models as m
from caseway.records.files import FileRejected, inspect

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def dicom(series: str = "1.2.3.4.1") -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = meta.MediaStorageSOPClassUID
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.PatientName = "Test^Patient"
    dataset.Modality = "CT"
    dataset.StudyDate = "20260215"
    dataset.StudyDescription = "CT abdomen and pelvis with contrast"
    dataset.StudyInstanceUID = "1.2.3.4"
    dataset.SeriesInstanceUID = series
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_content_decides_the_kind_not_the_name() -> None:
    assert inspect(PDF).kind == "pdf"
    assert inspect(png()).content_type == "image/png"
    study = inspect(dicom())
    assert study.kind == "dicom"
    assert study.dicom == {
        "modality": "CT",
        "study_date": "2026-02-15",
        "study_description": "CT abdomen and pelvis with contrast",
        "study_uid": "1.2.3.4",
        "series_uid": "1.2.3.4.1",
    }
    with pytest.raises(FileRejected, match="not a PDF"):
        inspect(b"MZ\x90\x00 an executable pretending to be a scan")
    with pytest.raises(FileRejected, match="incomplete"):
        inspect(b"%PDF-1.4 truncated")
    with pytest.raises(FileRejected, match="cannot be read"):
        inspect(png()[:40])


def _upload(client: Any, world: Any, name: str, content: bytes, **extra: Any) -> Any:
    return client.post(
        "/records/documents/add/",
        {
            "patient": world.patient_a.pk,
            "title": "Outside report",
            "document_date": "2026-03-01",
            "upload": SimpleUploadedFile(name, content, content_type="application/pdf"),
            **extra,
        },
    )


def test_upload_stores_a_checksum_under_a_random_name(
    world: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(world.clinician_user_a)
    response = _upload(client, world, "Oyuntsetseg_Batbold_pathology.pdf", PDF)
    assert response.status_code == 302, response.content
    document = m.Document.objects.get()
    assert document.sha256 == hashlib.sha256(PDF).hexdigest() and document.size == len(PDF)
    assert "Batbold" not in document.file.name and document.file.name.endswith(".pdf")
    download = client.get(f"/records/documents/{document.pk}/file/")
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action="view", entity_type="records.document", patient_id=world.patient_a.pk
    ).exists()
    assert signed_in(world.admin).get(f"/records/documents/{document.pk}/file/").status_code == 404


def test_a_disguised_or_oversized_file_is_refused_and_nothing_is_stored(
    world: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(world.clinician_user_a)
    disguised = _upload(client, world, "scan.pdf", b"<html><script>alert(1)</script></html>")
    assert disguised.status_code == 422
    assert "not a PDF, PNG, JPEG or DICOM" in disguised.content.decode()
    settings.CASEWAY_MAX_DOCUMENT_BYTES = 10
    assert _upload(client, world, "big.pdf", PDF).status_code == 422
    assert not m.Document.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_dicom_study_metadata_and_series_count(world: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(world.clinician_user_a)
    for series in ("1.2.3.4.1", "1.2.3.4.2"):
        assert _upload(client, world, "x.dcm", dicom(series)).status_code == 302
    document = m.Document.objects.filter(kind="dicom").first()
    assert document is not None
    assert (document.modality, str(document.study_date)) == ("CT", "2026-02-15")
    assert document.series_count == 2
    page = client.get(f"/records/documents/{document.pk}/").content.decode()
    assert "CT abdomen and pelvis with contrast" in page


def test_a_report_can_be_text_only(world: Any) -> None:
    client = signed_in(world.clinician_user_a)
    response = client.post(
        "/records/documents/add/",
        {
            "patient": world.patient_a.pk,
            "title": "Tumor board note",
            "document_date": "2026-03-03",
            "text": "Primary cytoreduction recommended.",
        },
    )
    assert response.status_code == 302
    assert m.Document.objects.get().kind == "report"
    empty = client.post(
        "/records/documents/add/",
        {"patient": world.patient_a.pk, "title": "Nothing", "document_date": "2026-03-03"},
    )
    assert empty.status_code == 422


def test_patients_of_other_centers_are_not_offered(world: Any) -> None:
    form = signed_in(world.clinician_user_a).get("/records/documents/add/").context["form"]
    assert set(form.fields["patient"].queryset) == {world.patient_a}
