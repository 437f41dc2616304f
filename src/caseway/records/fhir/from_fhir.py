"""FHIR R4 resources (validated with fhir.resources R4B) to Caseway field values. No ORM here.

``parse`` returns what a resource means for Caseway, or raises ``Rejected`` with a message that
names the element at fault. References stay as strings; the importer resolves them.

A surgical Procedure also carries what the surgical registry reads from it (``Parsed.registry``),
and an Observation coded in ``urn:caseway:fhir:registry`` is parsed for the registry only (kind
``registry``): ``caseway.registry.fhir_feed`` stores both once the record rows are written.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from caseway.records.fhir import codes as c
from caseway.records.fhir.to_fhir import REGISTRY_ROW, ROW_SYSTEM
from caseway.registry.scores import ScoreError, clavien_dindo_base


class Rejected(Exception):
    """The resource cannot be imported; the message says why."""


@dataclass
class Parsed:
    #: patient, condition, staging, status, measurement, biomarker, variant, treatment, document;
    #: registry: an Observation for the surgical registry only (no record row).
    kind: str
    label: str  # e.g. "Observation/ca125-1" or "entry 3 (Observation)"
    fields: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # field name -> reference text
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # how other resources may refer to this one
    source_key: str = ""
    #: A Caseway row id carried by an exported resource (re-import of an export).
    caseway_id: int | None = None
    #: What the surgical registry reads from this resource (a surgical Procedure, or a registry
    #: Observation); None for everything else. Plain values, so workers can hand it over.
    registry: dict[str, Any] | None = None


def validate(data: Any, label: str) -> dict[str, Any]:
    """Structure-validate with fhir.resources (R4B models); the valid JSON is returned as is
    (re-serialising the model would cost twice the validation and add nothing)."""
    if not isinstance(data, dict):
        raise Rejected(f"{label}: not a JSON object")
    resource_type = data.get("resourceType")
    if resource_type not in c.SUPPORTED_TYPES:
        raise Rejected(
            f"{label}: resource type {resource_type!r} is not supported "
            f"(supported: {', '.join(c.SUPPORTED_TYPES)})"
        )
    try:
        get_fhir_model_class(resource_type).model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or resource_type}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        raise Rejected(f"{label}: invalid {resource_type}: {problems}") from None
    return data


def _codings(concept: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((concept or {}).get("coding") or [])


def _code_in(concept: dict[str, Any] | None, system: str) -> str:
    for coding in _codings(concept):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _code_with_prefix(concept: dict[str, Any] | None, prefix: str) -> tuple[str, str]:
    for coding in _codings(concept):
        system = coding.get("system") or ""
        if system.startswith(prefix) and coding.get("code"):
            return system[len(prefix) :], str(coding["code"])
    return "", ""


def _text(concept: dict[str, Any] | None) -> str:
    concept = concept or {}
    if concept.get("text"):
        return str(concept["text"])
    for coding in _codings(concept):
        if coding.get("display"):
            return str(coding["display"])
    for coding in _codings(concept):
        if coding.get("code"):
            return str(coding["code"])
    return ""


def _day(value: str | None, label: str, element: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise Rejected(f"{label}: {element} {value!r} is not a full date") from None


def _require(value: Any, label: str, message: str) -> Any:
    if value in (None, "", []):
        raise Rejected(f"{label}: {message}")
    return value


def _profiles(resource: dict[str, Any]) -> set[str]:
    return {p.split("|")[0] for p in (resource.get("meta") or {}).get("profile") or []}


def _subject(resource: dict[str, Any], label: str) -> str:
    reference = ((resource.get("subject") or {}).get("reference")) or ""
    return str(_require(reference, label, "subject (the patient) is missing"))


def _identity(resource: dict[str, Any], parsed: Parsed) -> None:
    for identifier in resource.get("identifier") or []:
        system, value = identifier.get("system") or "", identifier.get("value") or ""
        if not value or system == REGISTRY_ROW:  # a registry surgery's id: read by _surgery
            continue
        if system.startswith(ROW_SYSTEM) and value.isdigit():
            parsed.caseway_id = int(value)
        elif not parsed.source_key:
            parsed.source_key = f"{system}|{value}"
    if not parsed.source_key and resource.get("id"):
        parsed.source_key = f"{resource['resourceType']}/{resource['id']}"


def parse(resource: dict[str, Any], label: str, full_url: str = "") -> Parsed:
    parser = _PARSERS[resource["resourceType"]]
    parsed = parser(resource, label)
    if resource.get("id"):
        parsed.keys.append(f"{resource['resourceType']}/{resource['id']}")
    if full_url:
        parsed.keys.append(full_url)
    if parsed.kind != "patient":
        _identity(resource, parsed)
    return parsed


def _patient(resource: dict[str, Any], label: str) -> Parsed:
    fields: dict[str, Any] = {}
    identifiers: list[tuple[str, str]] = []
    for identifier in resource.get("identifier") or []:
        system, value = identifier.get("system") or "", identifier.get("value") or ""
        kind = _code_in(identifier.get("type"), c.V2_0203)
        if not value:
            continue
        if kind == "MR" or system.startswith(c.MRN_SYSTEM):
            fields.setdefault("mrn", value)
        elif kind == "PPN" or system.startswith(c.PASSPORT_SYSTEM):
            fields["passport_number"] = value
        else:
            identifiers.append((system, value))
    if not fields.get("mrn") and identifiers:
        # No identifier typed MR: the first one is the record number the source uses.
        fields["mrn"] = identifiers.pop(0)[1]
    _require(fields.get("mrn"), label, "no identifier to use as the medical record number")
    names = resource.get("name") or []

    def name_text(name: dict[str, Any]) -> str:
        return (
            name.get("text")
            or " ".join([*(name.get("given") or []), name.get("family") or ""]).strip()
        )

    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    fields["name_original"] = _require(name_text(official), label, "name is missing")
    usual = next((n for n in names if n is not official and n.get("use") in ("usual", None)), None)
    fields["name_romanized"] = name_text(usual) if usual else ""
    fields["sex"] = _require(resource.get("gender"), label, "gender is missing")
    fields["birth_date"] = _require(
        _day(resource.get("birthDate"), label, "birthDate"), label, "birthDate is missing"
    )
    for communication in resource.get("communication") or []:
        language = (_codings(communication.get("language")) or [{}])[0].get("code")
        if language and (communication.get("preferred") or "preferred_language" not in fields):
            fields["preferred_language"] = language
    for telecom in resource.get("telecom") or []:
        if telecom.get("system") == "phone":
            fields.setdefault("phone", telecom.get("value", ""))
        elif telecom.get("system") == "email":
            fields.setdefault("email", telecom.get("value", ""))
    if resource.get("address"):
        address = resource["address"][0]
        fields["address"] = address.get("text") or ", ".join(
            [*(address.get("line") or []), address.get("city") or "", address.get("country") or ""]
        ).strip(", ")
    for extension in resource.get("extension") or []:
        if extension.get("url") == c.NATIONALITY_EXT:
            for part in extension.get("extension") or []:
                if part.get("url") == "code":
                    fields["nationality"] = (_codings(part.get("valueCodeableConcept")) or [{}])[
                        0
                    ].get("code", "")
    if fields.get("passport_number") and not fields.get("nationality"):
        for identifier in resource.get("identifier") or []:
            suffix = (identifier.get("system") or "").removeprefix(c.PASSPORT_SYSTEM)
            if identifier.get("value") == fields["passport_number"] and len(suffix) == 2:
                fields["nationality"] = suffix
    for doctor in resource.get("generalPractitioner") or []:
        fields["referring_doctor"] = doctor.get("display", "")
        contact = (doctor.get("identifier") or {}).get("value")
        if contact:
            fields["referring_doctor_contact"] = contact
    return Parsed("patient", label, fields, identifiers=identifiers)


def _condition(resource: dict[str, Any], label: str) -> Parsed:
    profiles = _profiles(resource)
    role = (
        "primary"
        if c.PROFILE_PRIMARY in profiles
        else "secondary"
        if c.PROFILE_SECONDARY in profiles
        else "other"
    )
    code = resource.get("code")
    icd10 = _code_in(code, c.ICD10) or _code_in(code, "http://hl7.org/fhir/sid/icd-10-cm")
    other = next((k for k in _codings(code) if k.get("system") and k.get("code")), {})
    _require(icd10 or other, label, "code has no coding (ICD-10 preferred)")
    fields: dict[str, Any] = {
        "role": role,
        "icd10": icd10,
        "code_system": "" if icd10 else other.get("system", "")[:200],
        "code": "" if icd10 else other.get("code", "")[:40],
        "description": _text(code)[:300] or icd10 or other.get("code", ""),
    }
    for site in resource.get("bodySite") or []:
        topography = _code_in(site, c.ICDO3)
        if topography:
            fields["topography"] = topography
    for extension in resource.get("extension") or []:
        if extension.get("url") == c.EXT_HISTOLOGY:
            concept = extension.get("valueCodeableConcept")
            fields["morphology"] = _code_in(concept, c.ICDO3)
            fields["histotype"] = (concept or {}).get("text", "")
        elif extension.get("url") == c.EXT_GRADE:
            fields["grade"] = extension.get("valueString", "")
    fields["diagnosed_on"] = _day(
        resource.get("onsetDateTime") or resource.get("recordedDate"), label, "onsetDateTime"
    )
    return Parsed("condition", label, fields, refs={"patient": _subject(resource, label)})


def _focus(resource: dict[str, Any], label: str) -> str:
    for focus in resource.get("focus") or []:
        if focus.get("reference", "").split("/")[0] in ("Condition", "urn:uuid:") or focus.get(
            "reference", ""
        ).startswith("urn:"):
            return str(focus["reference"])
    raise Rejected(f"{label}: focus must reference the Condition this result is about")


def _observation(resource: dict[str, Any], label: str) -> Parsed:
    profiles = _profiles(resource)
    code = resource.get("code")
    if _code_in(code, c.REGISTRY):
        return _registry_observation(resource, label)
    loinc = _code_in(code, c.LOINC)
    refs = {"patient": _subject(resource, label)}
    day = _day(
        resource.get("effectiveDateTime") or resource.get("issued"), label, "effectiveDateTime"
    )
    _require(day, label, "effectiveDateTime is missing")
    value = resource.get("valueCodeableConcept")
    if loinc in (c.LOINC_STAGE_CLINICAL, c.LOINC_STAGE_PATHOLOGICAL) or profiles & {
        c.PROFILE_TNM_GROUP,
        c.PROFILE_FIGO,
    }:
        system, stage = _code_with_prefix(value, c.STAGING_SYSTEM)
        if not system:
            # Data from other systems: the stage as text or display ("FIGO Stage IIIC"), the
            # system from the method, or from the profile (FIGO: chosen by the condition's site
            # when the import resolves the focus).
            system = _code_in(resource.get("method"), c.CASEWAY + "staging-system") or (
                FIGO_BY_SITE if c.PROFILE_FIGO in profiles or _mentions_figo(value) else "tnm-8"
            )
            stage = _stage_text(value)
        _require(
            stage, label, "the stage value has no stage (a code, display or text such as IIIC)"
        )
        components = {
            (comp.get("code") or {}).get("text", "").lower(): _text(
                comp.get("valueCodeableConcept")
            )
            for comp in resource.get("component") or []
        }
        fields = {
            "system": system,
            "stage": stage,
            "staged_on": day,
            "basis": "pathological" if loinc == c.LOINC_STAGE_PATHOLOGICAL else "clinical",
            **{k: v for k, v in components.items() if k in "tnm" and k},
        }
        return Parsed("staging", label, fields, refs={**refs, "condition": _focus(resource, label)})
    if loinc == c.LOINC_DISEASE_STATUS or c.PROFILE_DISEASE_STATUS in profiles:
        status = _require(
            _code_in(value, c.DISEASE_STATUS),
            label,
            f"valueCodeableConcept needs a code in {c.DISEASE_STATUS}",
        )
        return Parsed(
            "status",
            label,
            {"status": status, "assessed_on": day},
            refs={**refs, "condition": _focus(resource, label)},
        )
    if loinc == c.LOINC_VARIANT_ASSESSMENT or c.PROFILE_VARIANT in profiles:
        return _variant(resource, label, day, refs)
    biomarker = _code_in(code, c.BIOMARKER)
    if biomarker:
        fields = {
            "kind": biomarker,
            "reported_on": day,
            "result": _require(
                _code_in(value, c.BIOMARKER_RESULT),
                label,
                f"valueCodeableConcept needs a code in {c.BIOMARKER_RESULT}",
            ),
            "origin": _origin(resource),
            "report": _note(resource),
        }
        return Parsed("biomarker", label, fields, refs=refs)
    return _measurement(resource, label, day, refs, loinc, profiles)


#: Placeholder system: the FIGO staging that fits the condition's site, chosen on import.
FIGO_BY_SITE = "figo"
_STAGE = re.compile(
    r"(?:^|\s)((?:IV|I{1,3}|0)(?:[A-D](?:\d(?:\((?:i|ii)\)|[rp]|i{1,2})?)?)?"
    r"(?:mPOLEmut|mp53abn)?)(?:\s|$)"
)


def _mentions_figo(concept: dict[str, Any] | None) -> bool:
    texts = [(concept or {}).get("text", "")] + [
        f"{k.get('display', '')} {k.get('system', '')}" for k in _codings(concept)
    ]
    return any("figo" in t.lower() for t in texts)


def _stage_text(concept: dict[str, Any] | None) -> str:
    """The stage in a coding's code or display, or the text: "FIGO Stage IIIC" -> "IIIC"."""
    candidates = [k.get("code", "") for k in _codings(concept)]
    candidates += [k.get("display", "") for k in _codings(concept)]
    candidates.append((concept or {}).get("text", ""))
    for candidate in candidates:
        cleaned = re.sub(
            r"(?i)\b(figo|ajcc|uicc|tnm|stage|clinical|pathological)\b", " ", candidate or ""
        )
        match = _STAGE.search(f" {cleaned.strip()} ")
        if match:
            return match.group(1)
    return ""


def _origin(resource: dict[str, Any]) -> str:
    sources = {v: k for k, v in c.GENOMIC_SOURCE.items()}
    for comp in resource.get("component") or []:
        if _code_in(comp.get("code"), c.LOINC) == c.LOINC_GENOMIC_SOURCE:
            return sources.get(_code_in(comp.get("valueCodeableConcept"), c.LOINC), "")
    return ""


def _note(resource: dict[str, Any]) -> str:
    return " ".join(n.get("text", "") for n in resource.get("note") or [])[:200]


def _variant(resource: dict[str, Any], label: str, day: Any, refs: dict[str, str]) -> Parsed:
    fields: dict[str, Any] = {
        "reported_on": day,
        "report": _note(resource),
        "origin": _origin(resource),
        "category": "mutation",
    }
    significance = {v: k for k, v in c.CLINICAL_SIGNIFICANCE.items()}
    value = resource.get("valueCodeableConcept")
    fields["classification"] = _code_in(value, c.VARIANT_CLASSIFICATION) or significance.get(
        _code_in(value, c.LOINC), ""
    )
    for comp in resource.get("component") or []:
        what = _code_in(comp.get("code"), c.LOINC)
        concept = comp.get("valueCodeableConcept")
        if what == c.LOINC_GENE:
            fields["gene"] = (_codings(concept) or [{}])[0].get("display") or _text(concept)
        elif what == c.LOINC_PROTEIN_CHANGE:
            fields["hgvs_protein"] = _text(concept)
        elif what == c.LOINC_CLINICAL_SIGNIFICANCE and not fields["classification"]:
            fields["classification"] = significance.get(_code_in(concept, c.LOINC), "")
        elif what == c.LOINC_CDNA_CHANGE:
            fields["hgvs_cdna"] = _text(concept)
        elif _code_in(comp.get("code"), c.VARIANT_CATEGORY):
            fields["category"] = _code_in(concept, c.VARIANT_CATEGORY)
    _require(fields.get("gene"), label, "no gene-studied component (LOINC 48018-6)")
    _require(fields["origin"], label, "no genomic source class component (LOINC 48002-0)")
    _require(
        fields["classification"],
        label,
        "no clinical significance (value or component LOINC 53037-8)",
    )
    return Parsed("variant", label, fields, refs=refs)


_KIND_BY_LOINC = {c.LOINC_ECOG: "ecog", c.LOINC_KARNOFSKY: "karnofsky", c.LOINC_TMB: "tmb"}
_KIND_BY_PROFILE = {
    c.PROFILE_TUMOR_MARKER: "tumor_marker",
    c.PROFILE_ECOG: "ecog",
    c.PROFILE_KARNOFSKY: "karnofsky",
}


def _measurement(
    resource: dict[str, Any],
    label: str,
    day: Any,
    refs: dict[str, str],
    loinc: str,
    profiles: set[str],
) -> Parsed:
    code = resource.get("code")
    kind = (
        _code_in(code, c.MEASUREMENT_KIND)
        or _KIND_BY_LOINC.get(loinc, "")
        or next((_KIND_BY_PROFILE[p] for p in profiles if p in _KIND_BY_PROFILE), "")
    )
    if not kind:
        raise Rejected(
            f"{label}: this Observation is not one Caseway records (code "
            f"{loinc or _text(code) or 'missing'}; supported: staging, disease "
            "status, tumor markers, performance status, biomarkers, variants)"
        )
    raw: Any
    unit = ""
    if "valueQuantity" in resource:
        raw = resource["valueQuantity"].get("value")
        unit = resource["valueQuantity"].get("unit") or resource["valueQuantity"].get("code", "")
    elif "valueInteger" in resource:
        raw = resource["valueInteger"]
    else:
        raw = _code_in(resource.get("valueCodeableConcept"), c.LOINC) and None
    try:
        value = Decimal(str(_require(raw, label, "a numeric value is missing")))
    except InvalidOperation:
        raise Rejected(f"{label}: value {raw!r} is not a number") from None
    name = _text(code)[:100] or kind
    return Parsed(
        "measurement",
        label,
        {
            "kind": kind,
            "code": loinc,
            "name": name,
            "value": value,
            "unit": unit[:20],
            "measured_on": day,
        },
        refs=refs,
    )


def _period(resource: dict[str, Any], element: str, label: str) -> tuple[Any, Any]:
    period = resource.get(f"{element}Period") or {}
    start = period.get("start") or resource.get(f"{element}DateTime")
    return (
        _require(_day(start, label, f"{element} start"), label, f"{element} date is missing"),
        _day(period.get("end"), label, f"{element} end"),
    )


def _treatment(
    resource: dict[str, Any], label: str, kind: str, concept: Any, start: Any, end: Any
) -> Parsed:
    line = next(
        (
            e.get("valueInteger")
            for e in resource.get("extension") or []
            if e.get("url") == c.EXT_TREATMENT_LINE
        ),
        None,
    )
    fields = {
        "kind": kind,
        "description": _require(_text(concept), label, "no text or coding says what was given")[
            :300
        ],
        "code": ((_codings(concept) or [{}])[0].get("code") or "")[:40],
        "started_on": start,
        "ended_on": end,
        "line": line,
    }
    refs = {"patient": _subject(resource, label)}
    for reason in resource.get("reasonReference") or []:
        refs["condition"] = reason.get("reference", "")
        break
    return Parsed("treatment", label, fields, refs=refs)


def _procedure(resource: dict[str, Any], label: str) -> Parsed:
    profiles = _profiles(resource)
    kind = (
        "radiotherapy"
        if c.PROFILE_RADIOTHERAPY in profiles or _text(resource.get("category")) == "radiotherapy"
        else "surgery"
    )
    start, end = _period(resource, "performed", label)
    parsed = _treatment(resource, label, kind, resource.get("code"), start, end)
    if kind == "surgery" and resource.get("status") not in NOT_PERFORMED:
        parsed.registry = _surgery(resource, label, start)
    return parsed


# --- the surgical registry ------------------------------------------------------------------------
#: Procedure statuses saying the operation did not take place: no registry record.
NOT_PERFORMED = frozenset({"preparation", "not-done", "entered-in-error"})
#: Words of a performer's function (text or display) -> team role, tried in this order.
_ROLE_WORDS = (
    ("proctor", "proctor"),
    ("supervis", "supervisor"),
    ("console", "console"),
    ("bedside", "bedside"),
    ("assist", "bedside"),
    ("trainee", "trainee"),
    ("resident", "trainee"),
    ("fellow", "trainee"),
    ("primary", "primary"),
    ("surgeon", "primary"),
    ("operator", "primary"),
)
_ROLES = "primary, console, bedside, supervisor, proctor, trainee"
_PCI_REGION = "pci-region-"


def _extensions(element: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e.get("url", ""): e for e in element.get("extension") or []}


def _value(extension: dict[str, Any], element: str, label: str) -> Any:
    if extension.get(element) in (None, ""):
        raise Rejected(f"{label}: extension {extension.get('url')} needs {element}")
    return extension[element]


def _surgery(resource: dict[str, Any], label: str, day: dt.date) -> dict[str, Any]:
    """The registry's reading of a surgical Procedure. Elements the resource does not carry are
    left out (None), so a re-import keeps what was recorded in the registry meanwhile."""
    code = resource.get("code")
    fields: dict[str, Any] = {"date": day, "indication": _text(code)[:300]}
    for url, extension in _extensions(resource).items():
        if url in c.SURGERY_EXTENSIONS:
            name, element = c.SURGERY_EXTENSIONS[url]
            fields[name] = _value(extension, element, label)
        elif url == c.EXT_SURGICAL_CONVERSION:
            parts = _extensions(extension)
            target = parts.get("target") or {"url": f"{url} (part target)"}
            fields["converted_to"] = _value(target, "valueCode", label)
            fields["conversion_reason"] = (parts.get("reason") or {}).get("valueString", "")
    surgery_id = next(
        (
            int(i["value"])
            for i in resource.get("identifier") or []
            if i.get("system") == REGISTRY_ROW and str(i.get("value", "")).isdigit()
        ),
        None,
    )
    procedures = [_registry_procedure(k, code) for k in _codings(code) if k.get("code")]
    return {
        "surgery": fields,
        "surgery_id": surgery_id,
        "procedures": procedures or None,
        "team": _team(resource, label),
        "complications": _complications(resource, label),
    }


def _registry_procedure(coding: dict[str, Any], concept: dict[str, Any] | None) -> dict[str, Any]:
    """One coding of Procedure.code -> one registry procedure row. SNOMED CT codings, and codings
    carrying a local code (as Caseway exports a mapped row), are standard codes."""
    system, code = coding.get("system") or "", str(coding["code"])
    extensions = _extensions(coding)
    local = (extensions.get(c.EXT_LOCAL_CODE) or {}).get("valueString")
    standard = system == c.SNOMED or bool(local and system and system != c.ALETTI_GROUP)
    aletti = (extensions.get(c.ALETTI_GROUP) or {}).get("valueCode") or (
        code if system == c.ALETTI_GROUP else ""
    )
    return {
        "local_code": local or code,
        "name": (coding.get("display") or _text(concept) or code)[:200],
        "standard_system": system if standard else "",
        "standard_code": code if standard else "",
        "aletti_group": aletti,
    }


def _role(concept: dict[str, Any] | None, alone: bool) -> str:
    coded = _code_in(concept, c.SURGICAL_ROLE)
    if coded:
        return coded
    if not concept:
        return "primary" if alone else ""  # the one surgeon named
    words = " ".join(
        [concept.get("text", ""), *(k.get("display", "") for k in _codings(concept))]
    ).lower()
    return next((role for word, role in _ROLE_WORDS if word in words), "")


def _team(resource: dict[str, Any], label: str) -> list[dict[str, Any]] | None:
    """Performers with a name (actor.display: Practitioner resources are not imported)."""
    performers = resource.get("performer") or []
    team = []
    for number, performer in enumerate(performers, start=1):
        name = ((performer.get("actor") or {}).get("display") or "").strip()
        if not name:
            continue
        function = performer.get("function")
        role = _role(function, alone=len(performers) == 1)
        if not role:
            said = _text(function)
            raise Rejected(
                f"{label}: performer {number} ({name}): "
                + (f"function {said!r} is not a surgical role" if said else "function is missing")
                + f"; give a code of {c.SURGICAL_ROLE} ({_ROLES})"
            )
        specialty = (_extensions(performer).get(c.EXT_SURGEON_SPECIALTY) or {}).get("valueCode")
        team.append({"name": name[:200], "role": role, "specialty": specialty or "other"})
    return team or None


def _complications(resource: dict[str, Any], label: str) -> list[dict[str, Any]] | None:
    """Procedure.complication: text (or a display) says what, a Clavien-Dindo coding the grade
    ("d" suffix: present at discharge), an extension the day after surgery it began."""
    concepts = resource.get("complication") or []
    rows = []
    for number, concept in enumerate(concepts, start=1):
        where = f"{label}: complication {number}"
        description = concept.get("text") or next(
            (
                k["display"]
                for k in _codings(concept)
                if k.get("display") and k.get("system") != c.CLAVIEN_DINDO
            ),
            "",
        )
        _require(description, where, "no text or display says what it was")
        graded = _require(
            _code_in(concept, c.CLAVIEN_DINDO),
            where,
            f"no Clavien-Dindo grade (a coding in {c.CLAVIEN_DINDO}, e.g. IIIa or IIIad)",
        )
        try:
            grade = clavien_dindo_base(graded)
        except ScoreError as exc:
            raise Rejected(f"{where}: {exc}") from None
        day = _extensions(concept).get(c.EXT_COMPLICATION_DAY, {}).get("valueInteger")
        _require(
            day, where, f"the day after surgery is missing ({c.EXT_COMPLICATION_DAY} valueInteger)"
        )
        rows.append(
            {
                "description": description[:200],
                "grade": grade,
                "present_at_discharge": graded != grade,
                "day": day,
            }
        )
    return rows or None


def _is_reference_to(reference: str, resource_type: str) -> bool:
    return reference.startswith("urn:") or reference.rsplit("/", 2)[-2:-1] == [resource_type]


def _quantity(resource: dict[str, Any], label: str, units: dict[str, int]) -> Decimal:
    """valueInteger, or valueQuantity in one of ``units`` (lower-case unit -> factor to the
    first one, which is also assumed when the quantity names no unit)."""
    if "valueInteger" in resource:
        return Decimal(resource["valueInteger"])
    quantity = resource.get("valueQuantity") or {}
    value = _require(quantity.get("value"), label, "valueQuantity (or valueInteger) is missing")
    unit = str(quantity.get("code") or quantity.get("unit") or next(iter(units))).lower()
    if unit not in units:
        raise Rejected(f"{label}: unit {unit!r} is not one of {', '.join(units)}")
    return Decimal(str(value)) * units[unit]


def _pci_region(code: str, label: str) -> str:
    number = code.removeprefix(_PCI_REGION)
    if not (code.startswith(_PCI_REGION) and number.isdigit() and int(number) <= 12):
        raise Rejected(f"{label}: {code!r} is not a PCI region (pci-region-0 to pci-region-12)")
    return str(int(number))


def _registry_observation(resource: dict[str, Any], label: str) -> Parsed:
    """A result the registry records on the surgery it is part of; no record row of its own."""
    code = _code_in(resource.get("code"), c.REGISTRY)
    part_of = next(
        (
            str(r["reference"])
            for r in resource.get("partOf") or []
            if _is_reference_to(r.get("reference") or "", "Procedure")
        ),
        "",
    )
    _require(part_of, label, "partOf must reference the surgical Procedure this result is part of")
    fields: dict[str, Any] = {}
    if code == "residual-disease-mm":
        fields["residual_mm"] = _quantity(resource, label, {"mm": 1, "cm": 10})
        fields["residual_locations"] = _text(resource.get("bodySite"))[:300]
        fields["incomplete_reason"] = " ".join(
            n.get("text", "") for n in resource.get("note") or []
        )[:300]
    elif code == "blood-loss-ml":
        fields["blood_loss_ml"] = int(_quantity(resource, label, {"ml": 1, "l": 1000}))
    elif code == "pci":
        fields["pci_intraop"] = {
            _pci_region(_code_in(comp.get("code"), c.REGISTRY), label): comp.get("valueInteger")
            for comp in resource.get("component") or []
        }
    elif code.startswith(_PCI_REGION):
        fields["pci_intraop"] = {_pci_region(code, label): resource.get("valueInteger")}
    else:
        raise Rejected(
            f"{label}: {code!r} is not a registry code Caseway reads (residual-disease-mm, pci, "
            "pci-region-0 to pci-region-12, blood-loss-ml)"
        )
    return Parsed(
        "registry",
        label,
        {},
        refs={"patient": _subject(resource, label), "procedure": part_of},
        registry={"surgery": fields},
    )


def _medication_statement(resource: dict[str, Any], label: str) -> Parsed:
    start, end = _period(resource, "effective", label)
    return _treatment(
        resource, label, "systemic", resource.get("medicationCodeableConcept"), start, end
    )


def _medication_request(resource: dict[str, Any], label: str) -> Parsed:
    bounds: dict[str, Any] = {}
    for dosage in resource.get("dosageInstruction") or []:
        bounds = (((dosage.get("timing") or {}).get("repeat") or {}).get("boundsPeriod")) or {}
        if bounds:
            break
    start = _require(
        _day(bounds.get("start") or resource.get("authoredOn"), label, "authoredOn"),
        label,
        "authoredOn (or a dosage bounds start) is missing",
    )
    end = _day(bounds.get("end"), label, "boundsPeriod end")
    return _treatment(
        resource, label, "systemic", resource.get("medicationCodeableConcept"), start, end
    )


def _attachment(attachment: dict[str, Any], label: str) -> bytes | None:
    if attachment.get("data"):
        try:
            return base64.b64decode(attachment["data"], validate=True)
        except (binascii.Error, ValueError):
            raise Rejected(f"{label}: attachment data is not valid base64") from None
    return None


def _document(
    resource: dict[str, Any],
    label: str,
    title: str,
    day: Any,
    text: str,
    attachments: list[dict[str, Any]],
) -> Parsed:
    content = None
    for attachment in attachments:
        content = _attachment(attachment, label)
        title = title or attachment.get("title", "")
        if content is not None:
            break
    fields = {
        "title": _require(title, label, "no title (description or code text)")[:200],
        "document_date": _require(day, label, "no date"),
        "text": text,
        "_content": content,
    }
    return Parsed("document", label, fields, refs={"patient": _subject(resource, label)})


def _document_reference(resource: dict[str, Any], label: str) -> Parsed:
    attachments = [c.get("attachment") or {} for c in resource.get("content") or []]
    day = _day(resource.get("date"), label, "date")
    return _document(resource, label, resource.get("description", ""), day, "", attachments)


def _diagnostic_report(resource: dict[str, Any], label: str) -> Parsed:
    day = _day(
        resource.get("effectiveDateTime") or resource.get("issued"), label, "effectiveDateTime"
    )
    return _document(
        resource,
        label,
        _text(resource.get("code")),
        day,
        resource.get("conclusion", ""),
        resource.get("presentedForm") or [],
    )


_PARSERS = {
    "Patient": _patient,
    "Condition": _condition,
    "Observation": _observation,
    "Procedure": _procedure,
    "MedicationStatement": _medication_statement,
    "MedicationRequest": _medication_request,
    "DocumentReference": _document_reference,
    "DiagnosticReport": _diagnostic_report,
}
