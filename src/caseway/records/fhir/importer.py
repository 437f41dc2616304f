"""Import FHIR R4 resources (a Bundle or NDJSON) into one center, all or nothing.

Every resource is validated first (structure with fhir.resources, meaning with Caseway's rules);
if anything is rejected, nothing is stored and each rejection is reported as an OperationOutcome
issue naming the resource. Importing the same data again matches patients on their identifiers
and rows on theirs, so it creates no duplicates.

Surgical Procedures (and the registry Observations part of them) also feed the surgical registry
of the center, in the same transaction, once the record rows are written
(``caseway.registry.fhir_feed``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from caseway.audit.models import AuditAction
from caseway.audit.services import write_events
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.workers import setup_django
from caseway.organizations.models import Center
from caseway.records import models as m
from caseway.records import staging
from caseway.records.fhir.from_fhir import FIGO_BY_SITE, Parsed, Rejected, parse, validate
from caseway.records.files import FileRejected, inspect
from caseway.records.services import attach
from caseway.registry import fhir_feed

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
    #: Information that is not an error (e.g. surgeries not entered in the registry).
    notes: list[str] = field(default_factory=list)

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
            + "".join(f"; {note}" for note in self.notes)
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
    """Lines stay text here: they are decoded where they are parsed (possibly in a worker)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield Item(f"{name} line {number}", f"line {number}", line)


#: Imports this large are parsed and checked by worker processes, one per core.
PARALLEL_FROM = 5000
CHUNK = 2000


def _parse_one(item: Item) -> Parsed:
    resource = item.resource
    if isinstance(resource, str):
        try:
            resource = json.loads(resource)
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{item.label}: malformed JSON: {exc.msg} at column {exc.colno}"
            ) from None
    parsed = parse(validate(resource, item.label), item.label, item.full_url)
    _check(parsed)
    return parsed


def _check(parsed: Parsed) -> None:
    """The model's own field rules and ``clean``, on a transient row (no database needed)."""
    if parsed.kind in ("document", "registry"):
        return  # checked with its file content / by the registry feed when it is stored
    model = m.Patient if parsed.kind == "patient" else ROW_MODELS[parsed.kind]
    fields = {k: v for k, v in parsed.fields.items() if not k.startswith("_")}
    if fields.get("system") == FIGO_BY_SITE:  # decided with the condition, when written
        fields = {k: v for k, v in fields.items() if k not in ("system", "stage")}
    if parsed.kind == "patient":
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
    try:
        row = model(**fields)
        row.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in fields])
        row.clean()
    except ValidationError as exc:
        raise Rejected(f"{parsed.label}: {_messages(exc)}") from None


def _parse_chunk(items: list[Item]) -> tuple[list[Parsed], list[tuple[str, str, str]]]:
    parsed: list[Parsed] = []
    problems: list[tuple[str, str, str]] = []
    for item in items:
        try:
            parsed.append(_parse_one(item))
        except SourceError as exc:
            problems.append((item.expression, str(exc), "structure"))
        except Rejected as exc:
            problems.append((item.expression, str(exc), "invalid"))
    return parsed, problems


def parsed_chunks(items: list[Item]) -> Iterator[tuple[list[Parsed], list[tuple[str, str, str]]]]:
    """Parse and check resources chunk by chunk, in order. Large imports use one worker process
    per core, so the caller writes one chunk while the next ones are being parsed."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < PARALLEL_FROM or workers < 2:
        yield _parse_chunk(items)
        return
    chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
    # spawn, not fork: a forked child must never share the parent's database connection.
    with ProcessPoolExecutor(
        max_workers=workers,
        initializer=setup_django,
        mp_context=multiprocessing.get_context("spawn"),
    ) as pool:
        yield from pool.map(_parse_chunk, chunks)


class _Identities:
    """An identifier may appear once per import."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.seen: dict[tuple[str, str], str] = {}

    def accept(self, parsed: list[Parsed], problems: list[tuple[str, str, str]]) -> list[Parsed]:
        for expression, message, code in problems:
            self.report.reject(expression, message, code)
        accepted = []
        for one in parsed:
            identity = (one.kind, one.fields["mrn"] if one.kind == "patient" else one.source_key)
            if identity[1] and identity in self.seen:
                self.report.reject(
                    one.label,
                    f"{one.label}: the identifier {identity[1]!r} "
                    f"appears twice in this import (also {self.seen[identity]})",
                )
                continue
            self.seen[identity] = one.label
            accepted.append(one)
        return accepted


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
        self.deferred: list[Parsed] = []  # rows whose references a later chunk may bring
        self.touched: dict[int, Counter[str]] = {}
        self.now = timezone.now()
        self.user = getattr(actor, "user", None)

    # -- helpers ----------------------------------------------------------------------------
    def stamp(self, obj: Any) -> None:
        obj.created_at = obj.updated_at = self.now
        obj.created_by = obj.updated_by = self.user

    def check(self, obj: Any, parsed: Parsed) -> bool:
        """Field rules were checked when parsing; now the rules that need related rows."""
        try:
            if parsed.kind == "document":
                obj.clean_fields(exclude=["patient", "file"])
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

    def insert(self, model: type[Any], objects: list[Any]) -> None:
        """Insert validated instances, ids given back (COPY on PostgreSQL): for the feeds."""
        insert_objects(model, objects)

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
        insert_objects(m.Patient, [p for _i, p in new])
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
                    rows.append(
                        self.leaf_values(
                            m.Identifier, patient, item, {"system": system, "value": value}
                        )
                    )
                    rows[-1]["source_key"] = ""
                    self.report.created["Identifier"] += 1
        insert_rows(m.Identifier, rows)

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
    def write(self, parsed: list[Parsed], final: bool = False) -> None:
        """Write a chunk: patients first, then rows in dependency order. Rows that refer to
        something a later chunk brings wait for the final pass."""
        by_kind: dict[str, list[Parsed]] = {kind: [] for kind in ORDER}
        for resource in parsed:
            if resource.kind != "registry":  # no record row: for the registry feed only
                by_kind[resource.kind].append(resource)
        if by_kind["patient"]:
            self.patients(by_kind["patient"])
        for kind in ORDER[1:]:
            if self.report.ok and by_kind[kind]:
                self.rows(kind, by_kind[kind], final)

    def rows(self, kind: str, parsed: list[Parsed], final: bool) -> None:
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
                if final:
                    self.report.reject(item.label, str(exc), "not-found")
                else:
                    self.deferred.append(item)
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
                    saved = self.update(row, changes, item, label)
                    if saved is not None:
                        self.note(patient, label, "updated")
                        row = saved  # what later readers (the registry feed) must see
                else:
                    self.report.unchanged[label] += 1
                self.remember(item, row)
                continue
            if model in LEAF_MODELS:
                # Leaf rows (nothing in the import refers to them) skip model instances: their
                # field rules were checked when parsing; the one relational rule is here.
                condition = fields.get("condition")
                if condition is not None and condition.patient_id != patient.pk:
                    self.report.reject(
                        item.label, f"{item.label}: the condition is another patient's"
                    )
                    continue
                if fields.get("system") == FIGO_BY_SITE:
                    problem = _choose_figo(fields, condition)
                    if problem:
                        self.report.reject(item.label, f"{item.label}: {problem}")
                        continue
                new.append((item, patient, self.leaf_values(model, patient, item, fields)))
                continue
            row = model(patient=patient, source_key=item.source_key, **fields)
            self.stamp(row)
            if kind == "document" and not self.attach(row, content, item):
                continue
            if self.check(row, item):
                new.append((item, patient, row))
        if not self.report.ok or not new:
            return
        if model in LEAF_MODELS:
            access.authorize(self.actor, model, Action.ADD, model(patient=new[0][1]))
            insert_rows(model, [values for _i, _p, values in new])
        else:
            access.authorize(self.actor, model, Action.ADD, new[0][2])
            insert_objects(model, [row for _i, _p, row in new])
        for item, patient, row in new:
            self.report.created[label] += 1
            self.note(patient, label, "created")
            self.remember(item, row)

    def leaf_values(
        self, model: type[Any], patient: Any, item: Parsed, fields: dict[str, Any]
    ) -> dict[str, Any]:
        values = dict(_defaults(model))  # type: ignore[arg-type]
        values.update(
            created_at=self.now,
            updated_at=self.now,
            patient_id=patient.pk,
            created_by_id=getattr(self.user, "pk", None),
            updated_by_id=getattr(self.user, "pk", None),
            source_key=item.source_key,
        )
        for name, value in fields.items():
            if isinstance(value, models.Model):
                values[f"{name}_id"] = value.pk
            else:
                values[name] = value
        return values

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


def insert_objects(model: type[Any], objects: list[Any]) -> None:
    """Insert model instances and give them their ids (others in the import refer to them).

    On PostgreSQL the ids are drawn from the table's sequence first, so the rows can go in by
    COPY; elsewhere ``bulk_create`` returns them.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
    concrete = model._meta.concrete_fields
    insert_rows(model, [{f.attname: getattr(obj, f.attname) for f in concrete} for obj in objects])
    for obj in objects:
        obj._state.adding = False


#: Rows nothing else in an import refers to: inserted without model instances.
LEAF_MODELS = (
    m.Staging,
    m.StatusAssessment,
    m.Measurement,
    m.Biomarker,
    m.Variant,
    m.Treatment,
    m.Identifier,
)
#: Field types whose Python values the database drivers cannot take as they are.
_PREPARED = (models.DecimalField, models.DateTimeField, models.JSONField, models.FileField)


@cache
def _defaults(model: Any) -> dict[str, Any]:
    return {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}


def insert_rows(model: type[Any], rows: list[dict[str, Any]], batch: int = 2000) -> None:
    """Insert rows given as column values, as fast as the database allows.

    PostgreSQL gets COPY; SQLite one prepared ``executemany``. Values that need it are
    prepared by their field exactly as the ORM would (decimals, date-times, JSON).
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or "id" in rows[0]]
    prepared = [isinstance(f, _PREPARED) for f in fields]
    # Bulk rows repeat values (every row's created_at is the import's "now"): a date-time or
    # decimal is prepared once per distinct value, which halves the cost of a large import.
    memo: dict[tuple[int, Any], Any] = {}

    def prepare(index: int, field: Any, value: Any) -> Any:
        if value is None or isinstance(value, dict | list):
            return field.get_db_prep_save(value, connection)
        key = (index, value)
        if key not in memo:
            memo[key] = field.get_db_prep_save(value, connection)
        return memo[key]

    def value_rows(chunk: list[dict[str, Any]]) -> list[list[Any]]:
        memo.clear()  # bounded by one batch
        return [
            [
                prepare(i, f, row[f.attname]) if prep else row[f.attname]
                for i, (f, prep) in enumerate(zip(fields, prepared, strict=True))
            ]
            for row in chunk
        ]

    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(rows), batch):
                    for values in value_rows(rows[start : start + batch]):
                        copy.write_row(values)
            return
        marks = ", ".join(["%s"] * len(fields))
        # Names come from the model definition, quoted; values are parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, value_rows(rows[start : start + batch]))


#: ICD-10 site prefix -> the FIGO staging for it.
FIGO_FOR_SITE = {
    "C56": "figo-2014-ovary",
    "C57": "figo-2014-ovary",
    "C48": "figo-2014-ovary",
    "C53": "figo-2018-cervix",
    "C54": "figo-2009-endometrium",
    "C55": "figo-2009-endometrium",
    "C51": "figo-2021-vulva",
    "C58": "figo-2000-gtn",
}


def _choose_figo(fields: dict[str, Any], condition: Any) -> str:
    """Set the FIGO staging system from the condition's site; the problem, if any."""
    system = FIGO_FOR_SITE.get((condition.icd10 if condition else "")[:3], "")
    if not system:
        return "a FIGO stage needs a gynecologic condition as its focus"
    if fields["stage"] not in staging.SYSTEMS[system][1]:  # type: ignore[operator]
        return f"{fields['stage']} is not a stage of {staging.SYSTEMS[system][0]}"
    fields["system"] = system
    return ""


def _label(kind: str) -> str:
    return {"status": "DiseaseStatus", "staging": "Staging"}.get(kind, kind.capitalize())


def import_items(actor: Any, center: Center, items: list[Item]) -> ImportReport:
    """Validate and store everything in one transaction, or nothing.

    Chunks are written as they are parsed (the database works while workers parse); any
    rejection anywhere rolls the whole import back, and every rejection is reported.
    """
    report = ImportReport()
    access.authorize(actor, m.Patient, Action.ADD, m.Patient(center=center))
    identities = _Identities(report)
    registry: list[Parsed] = []  # what the surgical registry reads, once the rows are written
    with transaction.atomic():
        writer = _Writer(actor, center, report)
        for parsed, problems in parsed_chunks(items):
            accepted = identities.accept(parsed, problems)
            registry += [one for one in accepted if one.registry is not None]
            if report.ok:
                writer.write(accepted)
        if report.ok and writer.deferred:
            waiting, writer.deferred = writer.deferred, []
            writer.write(waiting, final=True)
        if report.ok and registry:
            fhir_feed.feed(writer, registry)
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
