"""FHIR R4 REST at /fhir/: read and search Patient, Condition, Observation and Procedure,
Patient/$everything, the Bulk Data $export, and the CapabilityStatement at /fhir/metadata.

The same access gate and audit trail as the pages and the JSON API: out of scope is 404,
forbidden is 403, every read and search of patient data is recorded. Errors are
OperationOutcomes. Authenticate with the browser session or ``Authorization: Bearer`` token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from caseway.accounts.actor import Actor, client_address
from caseway.accounts.models import ApiToken
from caseway.core import access
from caseway.core.access import Action
from caseway.organizations.models import Center
from caseway.records import models as m
from caseway.records.fhir import bulk, codes, to_fhir
from caseway.records.fhir.export import everything
from caseway.records.fhir.search import SearchError, count, date_filter, offset, token

FHIR_JSON = "application/fhir+json"


def outcome(status: int, code: str, message: str) -> JsonResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    return JsonResponse(body, status=status, content_type=FHIR_JSON)


def resource_response(resource: dict[str, Any], version: int | None = None) -> JsonResponse:
    response = JsonResponse(
        resource, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False}
    )
    if version is not None:
        response["ETag"] = f'W/"{version}"'
    return response


def fhir_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Authenticate (session or bearer token), build the actor, map gate errors to outcomes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user if request.user.is_authenticated else None
        header = request.headers.get("Authorization", "")
        if user is None and header.startswith("Bearer "):
            user = ApiToken.authenticate(header.removeprefix("Bearer ").strip())
        if user is None:
            response = outcome(401, "login", "Sign in or send a valid bearer token.")
            response["WWW-Authenticate"] = "Bearer"
            return response
        actor = Actor.for_user(user, client_address(request))
        try:
            return view(request, actor, *args, **kwargs)
        except access.NotFound:
            return outcome(404, "not-found", "No such resource, or it is outside your access.")
        except access.Forbidden:
            return outcome(403, "forbidden", "You are not allowed to do this.")
        except SearchError as exc:
            return outcome(400, "invalid", str(exc))

    return csrf_exempt(wrapper)


def _searchset(
    request: HttpRequest, resources: list[dict[str, Any]], total: int, start: int, size: int
) -> JsonResponse:
    base = request.build_absolute_uri(request.path)
    params = {k: v for k, v in request.GET.lists() if k != "_offset"}

    def link(relation: str, at: int) -> dict[str, str]:
        query = urlencode([*((k, v) for k, vs in params.items() for v in vs), ("_offset", str(at))])
        return {"relation": relation, "url": f"{base}?{query}"}

    links = [link("self", start)]
    if start + size < total:
        links.append(link("next", start + size))
    if start > 0:
        links.append(link("previous", max(0, start - size)))
    return resource_response(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": links,
            "entry": [
                {
                    "fullUrl": request.build_absolute_uri(
                        f"{reverse('fhir:base')}{r['resourceType']}/{r['id']}"
                    ),
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in resources
            ],
        }
    )


def _patient_filter(actor: Actor, value: str | None) -> Q:
    if value is None:
        return Q()
    ident = value.rsplit("/", 1)[-1]
    if not ident.isdigit():
        raise SearchError(f"patient {value!r} must be a Patient id such as Patient/12")
    return Q(patient_id=int(ident))


def _page(request: HttpRequest) -> tuple[int, int]:
    return offset(request.GET.get("_offset")), count(request.GET.get("_count"))


# --- Patient -------------------------------------------------------------------------------------
@require_GET
@fhir_view
def patient_read(request: HttpRequest, actor: Actor, pk: str) -> HttpResponse:
    patient = access.fetch(actor, m.Patient, Action.VIEW, pk=pk)
    return resource_response(
        to_fhir.patient(patient, list(patient.identifiers.all())), patient.version
    )


@require_GET
@fhir_view
def patient_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    queryset = access.scope(actor, m.Patient).filter(voided=False)
    if "identifier" in request.GET:
        _system, value = token(request.GET["identifier"])
        queryset = queryset.filter(
            Q(mrn=value)
            | Q(passport_number=value)
            | Q(identifiers__value=value, identifiers__voided=False)
        )
    if "name" in request.GET:
        name = request.GET["name"]
        queryset = queryset.filter(
            Q(name_original__icontains=name) | Q(name_romanized__icontains=name)
        )
    if "birthdate" in request.GET:
        queryset = queryset.filter(date_filter("birth_date", request.GET.getlist("birthdate")))
    if "gender" in request.GET:
        queryset = queryset.filter(sex=request.GET["gender"])
    access.record_search(actor, m.Patient, request.GET.dict())
    start, size = _page(request)
    queryset = queryset.distinct().order_by("pk")
    page = list(queryset[start : start + size].prefetch_related("identifiers"))
    return _searchset(
        request,
        [to_fhir.patient(p, list(p.identifiers.all())) for p in page],
        queryset.count(),
        start,
        size,
    )


@require_GET
@fhir_view
def patient_everything(request: HttpRequest, actor: Actor, pk: str) -> HttpResponse:
    patient = access.fetch(actor, m.Patient, Action.VIEW, pk=pk)
    base = request.build_absolute_uri(reverse("fhir:base"))
    return resource_response(everything(patient, base, actor=actor))


# --- Rows: Condition, Observation, Procedure ------------------------------------------------------
#: FHIR type -> [(model, date field, id prefix)]
ROW_TYPES: dict[str, list[tuple[type[Any], str]]] = {
    "Condition": [(m.Condition, "diagnosed_on")],
    "Observation": [
        (m.Staging, "staged_on"),
        (m.StatusAssessment, "assessed_on"),
        (m.Measurement, "measured_on"),
        (m.Biomarker, "reported_on"),
        (m.Variant, "reported_on"),
    ],
    "Procedure": [(m.Treatment, "started_on")],
}
_BY_PREFIX = {
    to_fhir.PREFIX.get(model._meta.model_name, ""): model
    for models_ in ROW_TYPES.values()
    for model, _field in models_
}


def _row_model(resource_type: str, ident: str) -> tuple[type[Any], str]:
    prefix, _sep, pk = ident.rpartition("-")
    model = _BY_PREFIX.get(prefix) if prefix else m.Condition
    allowed = [model_ for model_, _field in ROW_TYPES[resource_type]]
    if model not in allowed or not pk.isdigit():
        raise access.NotFound()
    return model, pk


def _code_filter(model: type[Any], value: str) -> Q | None:
    """The rows of ``model`` a code token matches, or None when the model cannot match."""
    system, code = token(value)
    if model is m.Condition:
        if system in (None, codes.ICD10):
            return Q(icd10=code) | Q(code=code) if system is None else Q(icd10=code)
        return Q(code_system=system, code=code)
    if model is m.Measurement:
        return Q(code=code) | Q(kind=code)
    if model is m.Staging:
        return Q() if code in (codes.LOINC_STAGE_CLINICAL, codes.LOINC_STAGE_PATHOLOGICAL) else None
    if model is m.StatusAssessment:
        return Q() if code == codes.LOINC_DISEASE_STATUS else None
    if model is m.Variant:
        return Q() if code == codes.LOINC_VARIANT_ASSESSMENT else Q(gene=code)
    if model is m.Biomarker:
        return Q(kind=code)
    if model is m.Treatment:
        return Q(code=code)
    return None


def _row_read(resource_type: str) -> Callable[..., HttpResponseBase]:
    @require_GET
    @fhir_view
    def read(request: HttpRequest, actor: Actor, ident: str) -> HttpResponse:
        model, pk = _row_model(resource_type, ident)
        row = access.fetch(actor, model, Action.VIEW, pk=pk)
        if resource_type == "Procedure" and row.kind == "systemic":
            raise access.NotFound()
        return resource_response(to_fhir.row_resource(row), row.version)

    return read


def _row_search(resource_type: str) -> Callable[..., HttpResponseBase]:
    @require_GET
    @fhir_view
    def search(request: HttpRequest, actor: Actor) -> HttpResponse:
        patient = _patient_filter(actor, request.GET.get("patient") or request.GET.get("subject"))
        found: list[tuple[Any, str, int]] = []  # (date, model label, pk)
        for model, date_field in ROW_TYPES[resource_type]:
            queryset = access.scope(actor, model).filter(patient, voided=False)
            if resource_type == "Procedure":
                queryset = queryset.exclude(kind="systemic")
            if "code" in request.GET:
                condition = _code_filter(model, request.GET["code"])
                if condition is None:
                    continue
                queryset = queryset.filter(condition)
            if "date" in request.GET:
                queryset = queryset.filter(date_filter(date_field, request.GET.getlist("date")))
            found += [
                (day, model._meta.label, pk) for pk, day in queryset.values_list("pk", date_field)
            ]
        access.record_search(actor, ROW_TYPES[resource_type][0][0], request.GET.dict())
        found.sort(key=lambda item: (item[0] is None, item[0], item[1], item[2]))
        start, size = _page(request)
        page = found[start : start + size]
        by_model: dict[str, list[int]] = {}
        for _day, label, pk in page:
            by_model.setdefault(label, []).append(pk)
        rows: dict[tuple[str, int], Any] = {}
        for model, _field in ROW_TYPES[resource_type]:
            for row in model._default_manager.filter(pk__in=by_model.get(model._meta.label, [])):
                rows[(model._meta.label, row.pk)] = row
        resources = [to_fhir.row_resource(rows[(label, pk)]) for _day, label, pk in page]
        return _searchset(request, resources, len(found), start, size)

    return search


# --- Bulk export ----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@fhir_view
def export_kickoff(request: HttpRequest, actor: Actor) -> HttpResponse:
    center = access.fetch(actor, Center, Action.VIEW, code=request.GET.get("center", ""))
    reason = request.GET.get("reason") or request.headers.get("X-Caseway-Reason", "")
    if len(reason.strip()) < 5:
        return outcome(400, "required", "Say why you export (reason=...); it is recorded.")
    access.authorize(actor, m.BulkExport, Action.ADD, m.BulkExport(center=center))
    job = bulk.request_export(actor, center, reason.strip())
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("fhir:export-status", args=[job.pk])
    )
    return response


@require_GET
@fhir_view
def export_status(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    job = access.fetch(actor, m.BulkExport, Action.VIEW, pk=pk)
    if job.status == m.BulkExport.Status.FAILED:
        return outcome(500, "exception", f"The export failed: {job.error}")
    if job.status != m.BulkExport.Status.DONE:
        response = HttpResponse(status=202)
        response["X-Progress"] = job.get_status_display()
        response["Retry-After"] = "5"
        return response
    manifest = dict(job.manifest)
    base = request.build_absolute_uri(reverse("fhir:base"))
    manifest["output"] = [
        {**entry, "url": base + entry["url"].removeprefix("/fhir/")} for entry in manifest["output"]
    ]
    manifest["request"] = base + manifest["request"].removeprefix("/fhir/")
    return JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})


@require_GET
@fhir_view
def export_file(
    request: HttpRequest, actor: Actor, pk: int, resource_type: str
) -> HttpResponseBase:
    job = access.fetch(actor, m.BulkExport, Action.VIEW, pk=pk)
    path = bulk.export_dir(job) / f"{resource_type}.ndjson"
    if job.status != m.BulkExport.Status.DONE or not path.is_file():
        raise access.NotFound()
    return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")


# --- CapabilityStatement --------------------------------------------------------------------------
@require_GET
def metadata(request: HttpRequest) -> JsonResponse:
    def resource(kind: str, params: list[tuple[str, str]], profiles: list[str]) -> dict[str, Any]:
        return {
            "type": kind,
            "supportedProfile": profiles,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": n, "type": t} for n, t in [*params, ("_count", "number")]],
        }

    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "software": {"name": "Caseway", "version": "0.1"},
        "implementation": {
            "description": "Caseway patient records",
            "url": request.build_absolute_uri(reverse("fhir:base")),
        },
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Session or Authorization: Bearer personal API token; "
                    "every read and search is audited."
                },
                "resource": [
                    {
                        **resource(
                            "Patient",
                            [
                                ("identifier", "token"),
                                ("name", "string"),
                                ("birthdate", "date"),
                                ("gender", "token"),
                            ],
                            [codes.PROFILE_PATIENT],
                        ),
                        "operation": [
                            {
                                "name": "everything",
                                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                            }
                        ],
                    },
                    resource(
                        "Condition",
                        [("patient", "reference"), ("code", "token"), ("date", "date")],
                        [codes.PROFILE_PRIMARY, codes.PROFILE_SECONDARY],
                    ),
                    resource(
                        "Observation",
                        [("patient", "reference"), ("code", "token"), ("date", "date")],
                        [
                            codes.PROFILE_TNM_GROUP,
                            codes.PROFILE_FIGO,
                            codes.PROFILE_TUMOR_MARKER,
                            codes.PROFILE_ECOG,
                            codes.PROFILE_KARNOFSKY,
                            codes.PROFILE_VARIANT,
                            codes.PROFILE_DISEASE_STATUS,
                        ],
                    ),
                    resource(
                        "Procedure",
                        [("patient", "reference"), ("code", "token"), ("date", "date")],
                        [codes.PROFILE_SURGERY, codes.PROFILE_RADIOTHERAPY],
                    ),
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    }
                ],
            }
        ],
    }
    return JsonResponse(statement, content_type=FHIR_JSON)


def base(request: HttpRequest) -> HttpResponse:
    return outcome(400, "not-supported", "Use a resource type, e.g. /fhir/Patient?name=...")


app_name = "fhir"
urlpatterns = [
    path("", base, name="base"),
    path("metadata", metadata, name="metadata"),
    path("Patient", patient_search, name="patient-search"),
    path("Patient/<str:pk>", patient_read, name="patient-read"),
    path("Patient/<str:pk>/$everything", patient_everything, name="patient-everything"),
    path("$export", export_kickoff, name="export"),
    path("$export-status/<int:pk>", export_status, name="export-status"),
    path("$export-file/<int:pk>/<str:resource_type>.ndjson", export_file, name="export-file"),
    *[
        url
        for kind in ROW_TYPES
        for url in (
            path(kind, _row_search(kind), name=f"{kind.lower()}-search"),
            path(f"{kind}/<str:ident>", _row_read(kind), name=f"{kind.lower()}-read"),
        )
    ],
]
