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
from django.db import models, transaction

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


class _Batch:
    """One import's database work, in one transaction."""

    def __init__(self, actor: Any, center: Center, report: ImportReport) -> None:
        self.actor = actor
        self.center = center
        self.report = report
        self.by_key: dict[str, models.Model] = {}

    def resolve(
        self, reference: str, model: type[models.Model], patient: m.Patient | None, label: str
    ) -> Any:
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

    def save(self, obj: Any, fields: dict[str, Any], kind: str) -> Any:
        if obj.pk is None:
            for name, value in fields.items():
                setattr(obj, name, value)
            access.authorize(self.actor, type(obj), Action.ADD, obj)
            versioning.create(self.actor, obj)
            self.report.created[kind] += 1
            return obj
        changes = {k: v for k, v in fields.items() if getattr(obj, k) != v}
        if not changes:
            self.report.unchanged[kind] += 1
            return obj
        access.authorize(self.actor, type(obj), Action.CHANGE, obj)
        saved = versioning.update(self.actor, obj, versioning.ANY_VERSION, changes)
        self.report.updated[kind] += 1
        return saved

    def patient(self, parsed: Parsed) -> m.Patient:
        fields = {k: v for k, v in parsed.fields.items() if v not in (None, "")}
        existing = m.Patient.objects.filter(
            center=self.center, mrn=fields["mrn"], voided=False
        ).first()
        if existing is None and parsed.identifiers:
            match = m.Identifier.objects.filter(
                patient__center=self.center,
                voided=False,
                system=parsed.identifiers[0][0],
                value=parsed.identifiers[0][1],
            ).first()
            existing = match.patient if match else None
        patient = self.save(existing or m.Patient(center=self.center), fields, "Patient")
        known = set(patient.identifiers.filter(voided=False).values_list("system", "value"))
        for system, value in parsed.identifiers:
            if (system, value) not in known:
                self.save(
                    m.Identifier(patient=patient), {"system": system, "value": value}, "Identifier"
                )
        return patient

    def row(self, parsed: Parsed) -> Any:
        model = ROW_MODELS[parsed.kind]
        patient = self.resolve(parsed.refs["patient"], m.Patient, None, parsed.label)
        fields = dict(parsed.fields)
        for name, reference in parsed.refs.items():
            if name != "patient" and reference:
                fields[name] = self.resolve(reference, m.Condition, patient, parsed.label)
        existing = None
        if parsed.caseway_id is not None:
            existing = model._default_manager.filter(
                pk=parsed.caseway_id, patient=patient, voided=False
            ).first()
        if existing is None and parsed.source_key:
            existing = model._default_manager.filter(
                patient=patient, voided=False, source_key=parsed.source_key
            ).first()
        obj = existing or model(patient=patient, source_key=parsed.source_key)
        if parsed.kind == "document":
            content = fields.pop("_content")
            if obj.pk is None:
                if content is None and not fields.get("text"):
                    raise Rejected(
                        f"{parsed.label}: no inline attachment data and no text "
                        "(Caseway does not fetch attachment URLs)"
                    )
                try:
                    attach(obj, inspect(content) if content is not None else None, content or b"")
                except FileRejected as exc:
                    raise Rejected(f"{parsed.label}: {exc}") from None
        return self.save(obj, fields, _label(parsed.kind))


def _label(kind: str) -> str:
    return {"status": "DiseaseStatus", "staging": "Staging"}.get(kind, kind.capitalize())


def import_items(actor: Any, center: Center, items: list[Item]) -> ImportReport:
    """Validate everything, then store everything in one transaction, or nothing."""
    report = ImportReport()
    access.authorize(actor, m.Patient, Action.ADD, m.Patient(center=center))
    parsed = parse_items(items, report)
    if not report.ok:
        return report
    parsed.sort(key=lambda p: ORDER.index(p.kind))
    with transaction.atomic():
        batch = _Batch(actor, center, report)
        for resource in parsed:
            try:
                with transaction.atomic():
                    saved = (
                        batch.patient(resource)
                        if resource.kind == "patient"
                        else batch.row(resource)
                    )
            except Rejected as exc:
                report.reject(resource.label, str(exc), "not-found")
                continue
            except ValidationError as exc:
                report.reject(resource.label, f"{resource.label}: {_messages(exc)}")
                continue
            except access.Forbidden:
                report.reject(
                    resource.label, f"{resource.label}: you may not change this record", "forbidden"
                )
                continue
            for key in resource.keys:
                batch.by_key[key] = saved
        if not report.ok:
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
