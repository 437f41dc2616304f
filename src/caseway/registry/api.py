"""The surgical registry under /api/registry/: surgeries and their rows through the gate,
signing and amending, and indicators (aggregates) per center, year and profile."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, FilterLookup, FilterSchema, Router, Schema, Status
from ninja.orm import create_schema

from caseway.accounts.actor import actor_for
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.api import Resource, add_resource_routes, partial_schema
from caseway.registry import models as m
from caseway.registry import queries, services
from caseway.registry.choices import (
    AlettiGroup,
    Approach,
    ClavienDindo,
    ConversionTarget,
    ProcedureGroup,
    SurgeonSpecialty,
    TeamRole,
    Timing,
    Urgency,
)

BOOKKEEPING = ["version", "created_at", "updated_at", "voided", "void_reason"]
SIGNATURE = ["signed_at", "signed_by", "amends", "amendment_reason"]


def _out(model: type[Any], extra: list[str] = ()) -> Any:  # type: ignore[assignment]
    names = [f.name for f in model._meta.fields if f.editable or f.name in ("id", *BOOKKEEPING)]
    return create_schema(model, name=f"{model.__name__}Out", fields=[*names, *extra])


SurgeryOut = _out(m.Surgery, SIGNATURE)


class SurgeryIn(Schema):
    patient: int
    condition: int | None = None
    center: int
    date: dt.date
    urgency: Urgency = Urgency.ELECTIVE
    specialty: SurgeonSpecialty
    procedure_group: ProcedureGroup = ProcedureGroup.OTHER
    indication: str = Field(min_length=1, max_length=300)
    timing: Timing = Timing.NOT_APPLICABLE
    neoadjuvant_cycles: int | None = None
    advanced_ovarian: bool = False
    approach: Approach
    platform: str = ""
    converted_to: ConversionTarget = ConversionTarget.NONE
    conversion_reason: str = ""
    incision_to_closure_min: int | None = None
    docking_min: int | None = None
    console_min: int | None = None
    blood_loss_ml: int | None = None
    transfused: bool | None = None
    pci_preop: dict[str, int] | None = None
    pci_intraop: dict[str, int] | None = None
    residual_mm: Decimal | None = None
    residual_locations: str = ""
    incomplete_reason: str = ""
    operative_report: dict[str, bool] = {}
    pathology_report_complete: bool | None = None
    mdt_discussed: bool | None = None
    in_trial: bool | None = None
    preop_workup_complete: bool | None = None
    complications_prospective: bool | None = None
    reoperation: bool | None = None
    interventional_radiology: bool | None = None
    icu_transfer: bool | None = None
    readmission: bool | None = None
    death_date: dt.date | None = None
    length_of_stay: int | None = None
    adjuvant_chemo_start: dt.date | None = None


class SurgeryFilter(FilterSchema):
    center: int | None = None
    patient: int | None = None
    approach: Approach | None = None
    date_from: Annotated[dt.date | None, FilterLookup("date__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("date__lte")] = None
    signed: bool | None = None

    def filter_signed(self, value: bool | None) -> Any:
        from django.db.models import Q

        return Q() if value is None else Q(signed_at__isnull=not value)


class ProcedureIn(Schema):
    surgery: int
    local_code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    standard_system: str = ""
    standard_code: str = ""
    aletti_group: AlettiGroup = AlettiGroup.NONE


class TeamMemberIn(Schema):
    surgery: int
    clinician: int | None = None
    name: str = Field(min_length=1, max_length=200)
    role: TeamRole
    specialty: SurgeonSpecialty


class ComplicationIn(Schema):
    surgery: int
    description: str = Field(min_length=1, max_length=200)
    grade: ClavienDindo
    present_at_discharge: bool = False
    day: int = Field(ge=0, le=90)


class RowFilter(FilterSchema):
    surgery: int | None = None


class AmendIn(Schema):
    reason: str = Field(min_length=3, max_length=300)
    changes: dict[str, Any]


class ResultOut(Schema):
    indicator: str
    name: str
    kind: str
    numerator: int
    denominator: int
    value: float | None
    low: float | None
    high: float | None
    attained: str | None
    points: int
    target_configurable: bool
    completeness: float | None
    missing: dict[str, int]


class IndicatorsOut(Schema):
    center: str
    year: int
    profile: str
    profile_version: str
    points: int
    results: list[ResultOut]


class ProfileOut(Schema):
    id: str
    version: str
    name: dict[str, str]
    indicators: list[str]


router = Router()
_surgeries = Router()
add_resource_routes(
    _surgeries,
    Resource(
        m.Surgery,
        SurgeryOut,
        SurgeryIn,
        partial_schema(SurgeryIn, exclude=("patient", "center")),
        SurgeryFilter,
        ordering=("-date", "pk"),
    ),
)
router.add_router("/surgeries", _surgeries)

ROWS: dict[str, tuple[type[Any], type[Schema]]] = {
    "procedures": (m.Procedure, ProcedureIn),
    "team": (m.TeamMember, TeamMemberIn),
    "complications": (m.Complication, ComplicationIn),
}
for _prefix, (_model, _schema) in ROWS.items():
    _sub = Router()
    add_resource_routes(
        _sub,
        Resource(_model, _out(_model), _schema, partial_schema(_schema, ("surgery",)), RowFilter),
    )
    router.add_router(f"/{_prefix}", _sub)


@router.post("/surgeries/{int:pk}/sign", response=SurgeryOut, tags=["surgeries"])
def sign(request: HttpRequest, pk: int, response: HttpResponse) -> m.Surgery:
    """Sign a record (If-Match required): from then on it changes only by amendment."""
    actor = actor_for(request)
    surgery = access.fetch(actor, m.Surgery, Action.SIGN, pk=pk)
    version = versioning.parse_if_match(request.headers.get("If-Match"))
    signed = services.sign(actor, surgery, version)
    response["ETag"] = signed.etag
    return signed


@router.post("/surgeries/{int:pk}/amend", response={201: SurgeryOut}, tags=["surgeries"])
def amend(request: HttpRequest, pk: int, payload: AmendIn) -> Status[m.Surgery]:
    """Correct a signed record: a new signed record supersedes it; the original is kept."""
    actor = actor_for(request)
    original = access.fetch(actor, m.Surgery, Action.VIEW, pk=pk)
    allowed = set(SurgeryIn.model_fields) - {"patient", "center"}
    unknown = set(payload.changes) - allowed
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError({"changes": f"Not amendable: {', '.join(sorted(unknown))}"})
    checked = partial_schema(SurgeryIn, exclude=("patient", "center")).model_validate(
        payload.changes
    )
    changes = checked.model_dump(exclude_unset=True)
    if "condition" in changes and changes["condition"] is not None:
        from caseway.records.models import Condition

        changes["condition"] = access.fetch(actor, Condition, Action.VIEW, pk=changes["condition"])
    return Status(201, services.amend(actor, original, changes, payload.reason))


@router.get("/profiles", response=list[ProfileOut], tags=["quality indicators"])
def profiles(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "version": p.version,
            "name": p.name,
            "indicators": [i.id for i in p.indicators],
        }
        for p in queries.profiles().values()
    ]


@router.get("/indicators", response=IndicatorsOut, tags=["quality indicators"])
def indicators(request: HttpRequest, center: str, year: int, profile: str) -> dict[str, Any]:
    """Every indicator of a profile for one center and year: counts, rate, Wilson 95%
    interval, target attainment, points and data completeness."""
    actor = actor_for(request)
    place = queries.center_for(actor, center)
    chosen = queries.profile(profile)
    results = queries.indicators(place, year, chosen).get((place.pk, year), {})
    return indicators_document(place.code, year, chosen, results)


def indicators_document(
    code: str, year: int, chosen: Any, results: dict[str, Any]
) -> dict[str, Any]:
    """The JSON shape shared by the API and ``caseway registry indicators --format json``."""
    from caseway.registry.indicators import Result, finish

    rows = []
    for indicator in chosen.indicators:
        result = results.get(indicator.id) or finish(
            indicator, Result(indicator.id, indicator.kind)
        )
        rows.append({**result.as_dict(), "name": queries.localized(indicator.name)})
    return {
        "center": code,
        "year": year,
        "profile": chosen.id,
        "profile_version": chosen.version,
        "points": sum(r["points"] for r in rows),
        "results": rows,
    }
