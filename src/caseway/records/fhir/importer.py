"""Import FHIR R4 resources (a Bundle or NDJSON) into one center, all or nothing.

Every resource is validated first (structure with fhir.resources, meaning with Caseway's rules);
if anything is rejected, nothing is stored and each rejection is reported as an OperationOutcome
issue naming the resource. Importing the same data again matches patients on their identifiers
and rows on theirs, so it creates no duplicates.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from caseway.audit.models import AuditAction
from caseway.audit.services import write_events
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.organizations.models import Center
from caseway.records import models as m
from caseway.records.fhir.from_fhir import Parsed, Rejected, parse, validate
from caseway.records.files import FileRejected, inspect
from caseway.records.services import attach

ROW_MODELS: dict[str, type[Any]] = {
    "condition": m.Condition,
    "staging": m.Staging,
    "status": m.StatusAssessment,
    "measurement": m.Measurement,
    "biomarker": m.Biomarker,
    "variant": m.Variant,
    "treatment": m.Treatment,
    "document": m.Document,
}
#: Conditions before the rows that point at them.
ORDER = [
    "patient",
    "condition",
    "staging",
    "status",
    "measurement",
    "biomarker",
    "variant",
    "treatment",
    "document",
]


@dataclass
class Item:
    label: str
    expression: str
    resource: Any
    full_url: str = ""


@dataclass
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def reject(self, expression: str, message: str, code: str = "invalid") -> None:
        self.issues.append(
            {"severity": "error", "code": code, "diagnostics": message, "expression": [expression]}
        )

    def operation_outcome(self) -> dict[str, Any]:
        if self.issues:
            issues = self.issues
        else:
            summary = ", ".join(f"{n} {kind} created" for kind, n in self.created.items())
            issues = [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": summary or "Nothing new to import.",
                }
            ]
        return {"resourceType": "OperationOutcome", "issue": issues}

    def summary(self) -> str:
        def part(counter: Counter[str]) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items())) or "none"

        return (
            f"created: {part(self.created)}; updated: {part(self.updated)}; "
            f"unchanged: {part(self.unchanged)}; rejected: {len(self.issues)}"
        )


class SourceError(Exception):
    """The file as a whole cannot be read (too large, not JSON, not a Bundle or NDJSON)."""


def max_bytes() -> int:
    return int(getattr(settings, "CASEWAY_FHIR_MAX_BYTES", 256 * 1024 * 1024))


def read_items(name: str, data: bytes) -> list[Item]:
    """Resources in a Bundle (transaction, batch or collection), one resource, or NDJSON."""
    if len(data) > max_bytes():
        raise SourceError(
            f"{name}: {len(data):,} bytes is over the import limit of "
            f"{max_bytes():,} bytes; split the file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{name}: not UTF-8 text") from None
    if name.endswith((".ndjson", ".jsonl")):
        return list(_ndjson(name, text))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # one resource per line without the .ndjson name
            return list(_ndjson(name, text))
        raise SourceError(
            f"{name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        kind = document.get("type")
        if kind not in ("transaction", "batch", "collection"):
            raise SourceError(
                f"{name}: a Bundle of type {kind!r} cannot be imported (use "
                "transaction, batch or collection)"
            )
        items = []
        for number, entry in enumerate(document.get("entry") or []):
            resource = (entry or {}).get("resource")
            rtype = resource.get("resourceType", "?") if isinstance(resource, dict) else "?"
            items.append(
                Item(
                    f"{name} entry {number} ({rtype})",
                    f"Bundle.entry[{number}].resource",
                    resource,
                    (entry or {}).get("fullUrl", ""),
                )
            )
        return items
    return [Item(name, "Resource", document)]


def _ndjson(name: str, text: str) -> Iterator[Item]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            resource = SourceError(f"malformed JSON: {exc.msg} at column {exc.colno}")
        yield Item(f"{name} line {number}", f"line {number}", resource)


def parse_items(items: Iterable[Item], report: ImportReport) -> list[Parsed]:
    parsed: list[Parsed] = []
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        if isinstance(item.resource, SourceError):
            report.reject(item.expression, f"{item.label}: {item.resource}", "structure")
            continue
        try:
            resource = validate(item.resource, item.label)
            one = parse(resource, item.label, item.full_url)
            identity = (one.kind, one.fields["mrn"] if one.kind == "patient" else one.source_key)
            if identity[1] and identity in seen:
                raise Rejected(
                    f"{item.label}: the identifier {identity[1]!r} appears twice in "
                    f"this import (also {seen[identity]})"
                )
            seen[identity] = item.label
            parsed.append(one)
        except Rejected as exc:
            report.reject(item.expression, str(exc))
    return parsed


class _Writer:
    """One import's database work: matched in bulk, checked row by row, inserted in bulk.

    Existing patients and rows are looked up with one query per kind, not per resource. Each
    new row is validated with the model's own rules (fields and ``clean``) before anything is
    written; the inserts then go in batches, and the journal gets one event per patient naming
    what the import added or changed, instead of one per row.
    """

    def __init__(self, actor: Any, center: Center, report: ImportReport) -> None:
        self.actor = actor
        self.center = center
        self.report = report
        self.by_key: dict[str, Any] = {}
        self.saved: dict[int, Any] = {}  # id(parsed item) -> its row
        self.touched: dict[int, Counter[str]] = {}
        self.now = timezone.now()
        self.user = getattr(actor, "user", None)

    # -- helpers ----------------------------------------------------------------------------
    def stamp(self, obj: Any) -> None:
        obj.created_at = obj.updated_at = self.now
        obj.created_by = obj.updated_by = self.user

    def check(self, obj: Any, parsed: Parsed) -> bool:
        try:
            obj.clean_fields(exclude=["patient", "condition", "center", "file"])
            obj.clean()
        except ValidationError as exc:
            self.report.reject(parsed.label, f"{parsed.label}: {_messages(exc)}")
            return False
        return True

    def resolve(self, reference: str, model: type[Any], patient: Any, label: str) -> Any:
        found = self.by_key.get(reference)
        kind, _sep, ident = reference.rpartition("/")
        if found is None and kind.rsplit("/", 1)[-1] == model.__name__ and ident.isdigit():
            # A Caseway id, as in a Caseway export: only within this center's records.
            lookup: dict[str, Any] = {"pk": int(ident), "voided": False}
            if model is m.Patient:
                lookup["center"] = self.center
            elif patient is not None:
                lookup["patient"] = patient
            found = model._default_manager.filter(**lookup).first()
        if found is None or not isinstance(found, model):
            raise Rejected(
                f"{label}: reference {reference!r} does not point to a "
                f"{model.__name__} in this import or in the center's records"
            )
        return found

    def note(self, patient: Any, kind: str, verb: str) -> None:
        self.touched.setdefault(patient.pk, Counter())[f"{verb} {kind}"] += 1

    # -- patients -----------------------------------------------------------------------------
    def patients(self, parsed: list[Parsed]) -> None:
        existing = {
            p.mrn: p
            for p in m.Patient.objects.filter(
                center=self.center, voided=False, mrn__in=[p.fields["mrn"] for p in parsed]
            )
        }
        new: list[tuple[Parsed, m.Patient]] = []
        for item in parsed:
            fields = {k: v for k, v in item.fields.items() if v not in (None, "")}
            patient = existing.get(fields["mrn"])
            if patient is None:
                patient = m.Patient(center=self.center, **fields)
                self.stamp(patient)
                if self.check(patient, item):
                    new.append((item, patient))
                continue
            changes = {k: v for k, v in fields.items() if getattr(patient, k) != v}
            if changes:
                saved = self.update(patient, changes, item, "Patient")
                if saved is not None:
                    patient = saved
            else:
                self.report.unchanged["Patient"] += 1
            self.remember(item, patient)
        if not self.report.ok:
            return
        access.authorize(self.actor, m.Patient, Action.ADD, m.Patient(center=self.center))
        m.Patient.objects.bulk_create([p for _i, p in new], batch_size=500)
        for item, patient in new:
            self.report.created["Patient"] += 1
            self.note(patient, "Patient", "created")
            self.remember(item, patient)
        self.identifiers(parsed)

    def identifiers(self, parsed: list[Parsed]) -> None:
        wanted = [(self.saved.get(id(item)), item) for item in parsed]
        patient_ids = [p.pk for p, _i in wanted if p is not None]
        known = set(
            m.Identifier.objects.filter(patient_id__in=patient_ids, voided=False).values_list(
                "patient_id", "system", "value"
            )
        )
        rows = []
        for patient, item in wanted:
            for system, value in item.identifiers:
                if patient is not None and (patient.pk, system, value) not in known:
                    row = m.Identifier(patient=patient, system=system, value=value)
                    self.stamp(row)
                    rows.append(row)
                    self.report.created["Identifier"] += 1
        m.Identifier.objects.bulk_create(rows, batch_size=1000)

    def remember(self, item: Parsed, obj: Any) -> None:
        for key in item.keys:
            self.by_key[key] = obj
        self.saved[id(item)] = obj

    def update(self, obj: Any, changes: dict[str, Any], item: Parsed, kind: str) -> Any:
        try:
            access.authorize(self.actor, type(obj), Action.CHANGE, obj)
            saved = versioning.update(self.actor, obj, versioning.ANY_VERSION, changes)
        except ValidationError as exc:
            self.report.reject(item.label, f"{item.label}: {_messages(exc)}")
            return None
        self.report.updated[kind] += 1
        return saved

    # -- rows ---------------------------------------------------------------------------------
    def rows(self, kind: str, parsed: list[Parsed]) -> None:
        model = ROW_MODELS[kind]
        label = _label(kind)
        resolved: list[tuple[Parsed, Any, dict[str, Any]]] = []
        for item in parsed:
            try:
                patient = self.resolve(item.refs["patient"], m.Patient, None, item.label)
                fields = dict(item.fields)
                for name, reference in item.refs.items():
                    if name != "patient" and reference:
                        fields[name] = self.resolve(reference, m.Condition, patient, item.label)
            except Rejected as exc:
                self.report.reject(item.label, str(exc), "not-found")
                continue
            resolved.append((item, patient, fields))
        keys = {i.source_key for i, _p, _f in resolved if i.source_key}
        ids = {i.caseway_id for i, _p, _f in resolved if i.caseway_id}
        existing: dict[Any, Any] = {}
        patients = {p.pk for _i, p, _f in resolved}
        for row in model._default_manager.filter(
            Q(source_key__in=keys) | Q(pk__in=ids), patient_id__in=patients, voided=False
        ):
            existing[(row.patient_id, row.source_key)] = row
            existing[("id", row.pk)] = row
        new = []
        for item, patient, fields in resolved:
            row = (existing.get(("id", item.caseway_id)) if item.caseway_id else None) or (
                existing.get((patient.pk, item.source_key)) if item.source_key else None
            )
            content = fields.pop("_content", None)
            if row is not None and row.patient_id == patient.pk:
                changes = {k: v for k, v in fields.items() if getattr(row, k) != v}
                if changes:
                    if self.update(row, changes, item, label) is not None:
                        self.note(patient, label, "updated")
                else:
                    self.report.unchanged[label] += 1
                self.remember(item, row)
                continue
            row = model(patient=patient, source_key=item.source_key, **fields)
            self.stamp(row)
            if kind == "document" and not self.attach(row, content, item):
                continue
            if self.check(row, item):
                new.append((item, patient, row))
        if not self.report.ok:
            return
        for _item, _patient, row in new[:1]:
            access.authorize(self.actor, model, Action.ADD, row)
        model._default_manager.bulk_create([row for _i, _p, row in new], batch_size=500)
        for item, patient, row in new:
            self.report.created[label] += 1
            self.note(patient, label, "created")
            self.remember(item, row)

    def attach(self, row: m.Document, content: bytes | None, item: Parsed) -> bool:
        if content is None and not row.text:
            self.report.reject(
                item.label,
                f"{item.label}: no inline attachment data and no "
                "text (Caseway does not fetch attachment URLs)",
            )
            return False
        try:
            attach(row, inspect(content) if content is not None else None, content or b"")
        except FileRejected as exc:
            self.report.reject(item.label, f"{item.label}: {exc}")
            return False
        return True

    def journal(self) -> None:
        """One event per patient: what this import created or changed in their record."""
        write_events(
            self.actor,
            [
                {
                    "action": AuditAction.CREATE,
                    "entity_type": "records.patient",
                    "entity_id": patient_id,
                    "patient_id": patient_id,
                    "institution_id": self.center.institution_id,
                    "center_id": self.center.pk,
                    "detail": {"import": dict(counts)},
                }
                for patient_id, counts in self.touched.items()
            ],
        )


def _label(kind: str) -> str:
    return {"status": "DiseaseStatus", "staging": "Staging"}.get(kind, kind.capitalize())


def import_items(actor: Any, center: Center, items: list[Item]) -> ImportReport:
    """Validate everything, then store everything in one transaction, or nothing."""
    report = ImportReport()
    access.authorize(actor, m.Patient, Action.ADD, m.Patient(center=center))
    parsed = parse_items(items, report)
    if not report.ok:
        return report
    by_kind: dict[str, list[Parsed]] = {kind: [] for kind in ORDER}
    for resource in parsed:
        by_kind[resource.kind].append(resource)
    with transaction.atomic():
        writer = _Writer(actor, center, report)
        writer.patients(by_kind["patient"])
        for kind in ORDER[1:]:
            if report.ok and by_kind[kind]:
                writer.rows(kind, by_kind[kind])
        if report.ok:
            writer.journal()
        else:
            report.created.clear()
            report.updated.clear()
            report.unchanged.clear()
            transaction.set_rollback(True)
    return report


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in errors[0].messages)}"
            for name, errors in exc.error_dict.items()
        )
    return " ".join(exc.messages)


def import_paths(actor: Any, center: Center, paths: Iterable[Path]) -> ImportReport:
    """Import several files as one all-or-nothing batch."""
    report = ImportReport()
    items: list[Item] = []
    for path in paths:
        try:
            size = path.stat().st_size
            if size > max_bytes():
                raise SourceError(
                    f"{path.name}: {size:,} bytes is over the import limit of "
                    f"{max_bytes():,} bytes; split the file."
                )
            items += read_items(path.name, path.read_bytes())
        except (OSError, SourceError) as exc:
            report.reject(path.name, str(exc), "structure")
    if not report.ok:
        return report
    return import_items(actor, center, items)
