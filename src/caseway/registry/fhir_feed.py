"""The FHIR import feeds the surgical registry: a surgical Procedure, with the Observations part
of it, becomes a registry surgery of the importing center, or updates the one it became before.

``caseway.records.fhir.importer`` calls ``feed`` inside the import's transaction, after the
record rows are written, with the parsed resources that carry registry content
(``Parsed.registry``, read by ``from_fhir``). A problem here is reported like any other
rejection (an OperationOutcome issue naming the resource) and rolls the whole import back.

Matching: a surgery is the same operation again when it has the same patient and source key
(the key of the treatment row written for the Procedure), or when the Procedure carries the
surgery's Caseway id (a re-import of an export). Elements the Procedure does not state are left
as they are on update, so what was recorded in the registry since survives a re-import of
source data that does not carry it. A signed surgery is immutable: a change is refused.

New surgeries go in with a few bulk inserts, their facts derived in memory by the registry's
own ``derive_facts``; matching is one query per batch. The import's journal event per patient
counts the surgeries created and updated (rows the import changes individually are journaled
by ``versioning`` as usual).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from caseway.core import access, versioning
from caseway.core.access import Action, Forbidden
from caseway.records import models as m
from caseway.registry.models import Complication, Procedure, Surgery, SurgeryFacts, TeamMember
from caseway.registry.services import derive_facts

if TYPE_CHECKING:
    from caseway.organizations.models import Center
    from caseway.records.fhir.from_fhir import Parsed
    from caseway.records.fhir.importer import ImportReport

#: The import's counters and journal name registry surgeries so.
LABEL = "Surgery"
#: Surgeries stored per batch (bounds the size of each lookup).
BATCH = 500
#: Child rows: Parsed.registry key -> (model, the fields that make two rows the same).
CHILDREN: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "procedures": (
        Procedure,
        ("local_code", "name", "standard_system", "standard_code", "aletti_group"),
    ),
    "team": (TeamMember, ("name", "role", "specialty")),
    "complications": (Complication, ("description", "grade", "present_at_discharge", "day")),
}
_WHAT = {"procedures": "coding", "team": "performer", "complications": "complication"}


class ImportWriter(Protocol):
    """What the feed uses of the importer's writer."""

    @property
    def actor(self) -> Any: ...
    @property
    def center(self) -> Center: ...
    @property
    def report(self) -> ImportReport: ...
    @property
    def saved(self) -> Mapping[int, Any]: ...
    @property
    def by_key(self) -> Mapping[str, Any]: ...
    def stamp(self, obj: Any) -> None: ...
    def note(self, patient: Any, kind: str, verb: str) -> None: ...
    def insert(self, model: type[Any], objects: list[Any]) -> None: ...


@dataclass
class _Spec:
    """One registry surgery as the import states it."""

    label: str  # the resource answering for it (the Procedure, or an Observation)
    patient_id: int
    source_key: str = ""
    surgery_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    #: Child rows stated by the resource; a kind it does not state is left as it is.
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Field -> label of the Observation that stated it (for messages about that field).
    sources: dict[str, str] = field(default_factory=dict)
    #: False for Observations about a surgery imported before: they never create one.
    creatable: bool = True


def feed(writer: ImportWriter, items: Sequence[Parsed]) -> None:
    """Create or update the registry surgeries ``items`` state (surgical Procedures whose
    treatment rows are written, and registry Observations part of them)."""
    specs, by_key = _procedure_specs(writer, items)
    observations = [item for item in items if item.kind == "registry"]
    elsewhere = []
    for item in observations:
        spec = by_key.get(item.refs["procedure"])
        if spec is None:
            elsewhere.append(item)
        else:
            _merge(writer, spec, item)
    if elsewhere:
        specs += _earlier_specs(writer, elsewhere)
    for start in range(0, len(specs), BATCH):
        if writer.report.ok:
            _store(writer, specs[start : start + BATCH])


# --- what the import states -----------------------------------------------------------------------
def _procedure_specs(
    writer: ImportWriter, items: Sequence[Parsed]
) -> tuple[list[_Spec], dict[str, _Spec]]:
    specs: list[_Spec] = []
    by_key: dict[str, _Spec] = {}
    for item in items:
        row = writer.saved.get(id(item))
        if item.kind == "registry" or item.registry is None or row is None:
            continue
        # New treatment rows are column values (inserted in bulk); matched ones are instances.
        if isinstance(row, dict):
            patient_id, condition_id, key = (
                row["patient_id"],
                row["condition_id"],
                row["source_key"],
            )
        else:
            patient_id, condition_id, key = row.patient_id, row.condition_id, row.source_key
        spec = _Spec(
            item.label, patient_id, key, item.registry["surgery_id"], dict(item.registry["surgery"])
        )
        if condition_id:  # the reasonReference the treatment resolved
            spec.fields["condition_id"] = condition_id
        spec.children = {k: item.registry[k] for k in CHILDREN if item.registry[k] is not None}
        specs.append(spec)
        for key in item.keys:
            by_key[key] = spec
    return specs, by_key


def _patient_id(writer: ImportWriter, reference: str) -> int | None:
    found = writer.by_key.get(reference)
    if isinstance(found, m.Patient):
        return int(found.pk)
    kind, _sep, ident = reference.rpartition("/")
    return int(ident) if kind.endswith("Patient") and ident.isdigit() else None


def _merge(writer: ImportWriter, spec: _Spec, item: Parsed) -> None:
    """An Observation's values onto the surgery its partOf names (PCI regions add up)."""
    if _patient_id(writer, item.refs["patient"]) != spec.patient_id:
        writer.report.reject(
            item.label,
            f"{item.label}: the subject is not the patient of the Procedure it is part of",
        )
        return
    assert item.registry is not None
    for name, value in item.registry["surgery"].items():
        if name == "pci_intraop":
            value = {**spec.fields.get(name, {}), **value}
        spec.fields[name] = value
        spec.sources[name] = item.label
    if "residual_mm" in item.registry["surgery"]:
        spec.sources["incomplete_reason"] = item.label


def _current(center: Center) -> QuerySet[Surgery]:
    """The center's surgeries that an import may match: not voided, not superseded."""
    return Surgery.objects.filter(center=center, voided=False).exclude(amendments__voided=False)


def _export_id(reference: str) -> tuple[str, int | None]:
    """("surg", 5) for Procedure/surg-5, ("tx", 7) for Procedure/tx-7 (Caseway export ids)."""
    prefix, _sep, pk = reference.rpartition("/")[2].rpartition("-")
    return (prefix, int(pk)) if prefix in ("surg", "tx") and pk.isdigit() else ("", None)


def _earlier_specs(writer: ImportWriter, items: list[Parsed]) -> list[_Spec]:
    """Observations part of a surgery imported before: found by the id Caseway exported its
    Procedure with, or by the reference it was imported under (its source key)."""
    wanted: dict[str, set[int]] = {"surg": set(), "tx": set()}
    for item in items:
        prefix, pk = _export_id(item.refs["procedure"])
        if pk is not None:
            wanted[prefix].add(pk)
    treatments: dict[int, tuple[int, str]] = {}
    if wanted["tx"]:
        rows = m.Treatment.objects.filter(
            pk__in=wanted["tx"], patient__center=writer.center, voided=False
        ).values_list("pk", "patient_id", "source_key")
        treatments = {pk: (patient_id, key) for pk, patient_id, key in rows}
    keys = {i.refs["procedure"] for i in items} | {k for _p, k in treatments.values() if k}
    found = list(_current(writer.center).filter(Q(pk__in=wanted["surg"]) | Q(source_key__in=keys)))
    by_id = {s.pk: s for s in found}
    by_key = {(s.patient_id, s.source_key): s for s in found if s.source_key}
    specs: dict[int, _Spec] = {}
    for item in items:
        reference = item.refs["procedure"]
        prefix, pk = _export_id(reference)
        patient_id = _patient_id(writer, item.refs["patient"]) or 0
        surgery = by_id.get(pk) if prefix == "surg" and pk is not None else None
        if prefix == "tx" and pk in treatments:
            surgery = by_key.get(treatments[pk])
        surgery = surgery or by_key.get((patient_id, reference))
        if surgery is None:
            writer.report.reject(
                item.label,
                f"{item.label}: partOf {reference!r} does not point to a surgical Procedure in "
                "this import or to a surgery in the center's registry",
                "not-found",
            )
            continue
        spec = specs.setdefault(
            surgery.pk,
            _Spec(item.label, surgery.patient_id, surgery.source_key, surgery.pk, creatable=False),
        )
        _merge(writer, spec, item)
    return list(specs.values())


# --- storing --------------------------------------------------------------------------------------
def _store(writer: ImportWriter, specs: list[_Spec]) -> None:
    patients = m.Patient.objects.in_bulk({s.patient_id for s in specs})
    matched = _match(writer, specs)
    new: list[tuple[_Spec, Surgery, dict[str, list[Any]]]] = []
    for spec in specs:
        surgery = matched.get(id(spec))
        if surgery is not None:
            _update(writer, spec, surgery, patients[spec.patient_id])
        elif spec.creatable:
            built = _build(writer, spec, patients[spec.patient_id])
            if built is not None:
                new.append((spec, *built))
    if writer.report.ok and new:
        _insert(writer, new)


def _match(writer: ImportWriter, specs: list[_Spec]) -> dict[int, Surgery]:
    """id(spec) -> the current surgery it is: by its Caseway id, else by patient and key."""
    ids = {s.surgery_id for s in specs if s.surgery_id}
    keys = {s.source_key for s in specs if s.source_key}
    children = [
        Prefetch(name, queryset=model.objects.filter(voided=False).order_by("pk"))
        for name, (model, _same) in CHILDREN.items()
    ]
    found = list(
        _current(writer.center)
        .filter(
            Q(pk__in=ids) | Q(source_key__in=keys), patient_id__in={s.patient_id for s in specs}
        )
        .prefetch_related(*children)
    )
    by_id = {s.pk: s for s in found}
    by_key = {(s.patient_id, s.source_key): s for s in found if s.source_key}
    matched: dict[int, Surgery] = {}
    claimed: dict[int, str] = {}
    for spec in specs:
        surgery = by_id.get(spec.surgery_id) if spec.surgery_id else None
        if surgery is None or surgery.patient_id != spec.patient_id:
            surgery = by_key.get((spec.patient_id, spec.source_key)) if spec.source_key else None
        if surgery is None:
            continue
        if surgery.pk in claimed:
            writer.report.reject(
                spec.label,
                f"{spec.label}: matches the same registry surgery as {claimed[surgery.pk]}",
            )
            continue
        claimed[surgery.pk] = spec.label
        matched[id(spec)] = surgery
    return matched


def _clean(obj: Any, stated: Any) -> None:
    """The rules of the fields the import states, and ``clean``: defaults are valid, and the
    foreign keys were resolved by the import (validating them again is a query each)."""
    obj.clean_fields(
        exclude=[f.name for f in obj._meta.fields if f.is_relation or f.name not in stated]
    )
    obj.clean()


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            (name, f"{name}: {' '.join(str(m) for m in errors[0].messages)}")
            for name, errors in exc.error_dict.items()
        ]
    return [("", " ".join(exc.messages))]


def _reject(writer: ImportWriter, spec: _Spec, exc: ValidationError, what: str = "") -> None:
    for name, message in _messages(exc):
        label = spec.sources.get(name, spec.label)
        writer.report.reject(label, f"{label}: registry surgery{what}: {message}")


def _primary_specialty(team: list[dict[str, Any]]) -> str:
    """The operation's specialty when not stated: its primary (or console) surgeon's."""
    for role in ("primary", "console"):
        for member in team:
            if member["role"] == role:
                return str(member["specialty"])
    return "other"


def _build(
    writer: ImportWriter, spec: _Spec, patient: m.Patient
) -> tuple[Surgery, dict[str, list[Any]]] | None:
    """A new surgery and its rows, validated (not saved); None when something is invalid."""
    fields = dict(spec.fields)
    fields.setdefault("specialty", _primary_specialty(spec.children.get("team", [])))
    surgery = Surgery(patient=patient, center=writer.center, source_key=spec.source_key, **fields)
    writer.stamp(surgery)
    ok = True
    try:
        _clean(surgery, fields)
    except ValidationError as exc:
        _reject(writer, spec, exc)
        ok = False
    rows: dict[str, list[Any]] = {}
    for name, (model, _same) in CHILDREN.items():
        rows[name] = []
        for number, values in enumerate(spec.children.get(name, []), start=1):
            row = model(surgery=surgery, **values)
            writer.stamp(row)
            try:
                _clean(row, values)
            except ValidationError as exc:
                _reject(writer, spec, exc, f", {_WHAT[name]} {number}")
                ok = False
            rows[name].append(row)
    return (surgery, rows) if ok else None


def _insert(writer: ImportWriter, new: list[tuple[_Spec, Surgery, dict[str, list[Any]]]]) -> None:
    try:
        access.authorize(writer.actor, Surgery, Action.ADD, new[0][1])
    except Forbidden:
        # E.g. a coordinator importing a referral: the record keeps the operations (as
        # treatments); the registry waits for someone who records surgeries for the center.
        writer.report.notes.append(
            f"{len(new)} surgical Procedure(s) kept in the record but not entered in the "
            "surgical registry: your role does not record surgeries for this center"
        )
        return
    writer.insert(Surgery, [surgery for _spec, surgery, _rows in new])
    for name, (model, _same) in CHILDREN.items():
        rows = []
        for _spec, surgery, children in new:
            for row in children[name]:
                row.surgery = surgery  # now with its id
                rows.append(row)
        writer.insert(model, rows)
    today = timezone.localdate()  # the derivation refresh_facts runs; nothing to read back
    facts = [
        derive_facts(surgery, kids["procedures"], kids["team"], kids["complications"], today)
        for _spec, surgery, kids in new
    ]
    SurgeryFacts.objects.bulk_create(facts, batch_size=BATCH)
    for _spec, surgery, _rows in new:
        writer.report.created[LABEL] += 1
        writer.note(surgery.patient, LABEL, "created")


def _reconcile(
    existing: list[Any], stated: list[dict[str, Any]], same: tuple[str, ...]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """(rows to add, rows to void): existing rows the import states again are kept as they are."""
    remaining = list(existing)
    add = []
    for values in stated:
        key = tuple(values[name] for name in same)
        row = next((r for r in remaining if tuple(getattr(r, n) for n in same) == key), None)
        if row is None:
            add.append(values)
        else:
            remaining.remove(row)
    return add, remaining


def _update(writer: ImportWriter, spec: _Spec, surgery: Surgery, patient: m.Patient) -> None:
    fields = dict(spec.fields)
    if "pci_intraop" in fields:  # regions stated now complete the ones recorded
        fields["pci_intraop"] = {**(surgery.pci_intraop or {}), **fields["pci_intraop"]}
    changes = {k: v for k, v in fields.items() if getattr(surgery, k) != v}
    plans = []
    for name, stated in spec.children.items():
        model, same = CHILDREN[name]
        plans.append((model, *_reconcile(list(getattr(surgery, name).all()), stated, same)))
    if not changes and not any(add or void for _model, add, void in plans):
        writer.report.unchanged[LABEL] += 1
        return
    if surgery.signed_at is not None:
        writer.report.reject(
            spec.label,
            f"{spec.label}: changes registry surgery {surgery.pk}, which is signed; "
            "correct it by an amendment in the registry",
        )
        return
    actor = writer.actor
    try:
        access.authorize(actor, Surgery, Action.CHANGE, surgery)
        if changes:
            surgery = versioning.update(actor, surgery, versioning.ANY_VERSION, changes)
        for model, add, void in plans:
            for row in void:
                versioning.void(actor, row, versioning.ANY_VERSION, "Not in the FHIR re-import")
            for values in add:
                row = model(surgery=surgery, **values)
                access.authorize(actor, model, Action.ADD, row)
                versioning.create(actor, row)
    except ValidationError as exc:
        _reject(writer, spec, exc)
        return
    except Forbidden:
        writer.report.reject(
            spec.label,
            f"{spec.label}: your role may not change surgeries in this center's registry",
            "forbidden",
        )
        return
    writer.report.updated[LABEL] += 1
    writer.note(patient, LABEL, "updated")
