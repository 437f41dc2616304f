"""The portal's staff side under /api/portal/: accreditations (with their status and the
renewal), evidence documents (metadata; files only through the staff pages), center profiles
and news (publish, withdraw, drafts from events), all through the gate and versioned.

The public portal's own JSON for partners is elsewhere; nothing here answers without sign-in.
"""

# No `from __future__ import annotations`: ninja must see the schema classes in signatures.

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, FilterSchema, Router, Schema
from ninja.orm import create_schema

from caseway.accounts.actor import actor_for
from caseway.core import access, versioning
from caseway.core.access import Action
from caseway.core.api import Resource, add_resource_routes, partial_schema
from caseway.portal import services
from caseway.portal.choices import NewsKind, NewsStatus
from caseway.portal.models import Accreditation, AccreditationEvidence, CenterProfile, NewsItem

BOOKKEEPING = ["version", "created_at", "updated_at"]
VOIDING = ["voided", "void_reason"]


def _fields(model: type[Any], extra: tuple[str, ...] = ()) -> list[str]:
    names = [f.name for f in model._meta.fields if f.editable or f.name == "id"]
    return [*names, *BOOKKEEPING, *(VOIDING if hasattr(model, "voided") else []), *extra]


_AccreditationBase = create_schema(
    Accreditation, name="PortalAccreditationBase", fields=_fields(Accreditation)
)


class AccreditationOut(_AccreditationBase):  # type: ignore[misc,valid-type]
    #: valid, renewal_due, renewal_pending or expired, as of today.
    status: str

    @staticmethod
    def resolve_status(obj: Accreditation) -> str:
        return str(obj.status())


class AccreditationIn(Schema):
    center: int
    body: str = Field(min_length=1, max_length=40)
    body_name: str = Field(default="", max_length=200)
    program_en: str = Field(min_length=1, max_length=200)
    program_ko: str = Field(min_length=1, max_length=200)
    level: str = Field(default="", max_length=100)
    scope_icd10: list[str] = []
    scope_procedure_groups: list[str] = []
    scope_approaches: list[str] = []
    granted_on: dt.date
    #: Empty: five years after it was granted.
    valid_until: dt.date | None = None
    certificate_number: str = Field(default="", max_length=100)
    public_url: str = Field(default="", max_length=200)
    published: bool = True


class AccreditationFilter(FilterSchema):
    center: int | None = None
    body: str | None = None


class RenewalIn(Schema):
    submitted_on: dt.date


EvidenceOut = create_schema(
    AccreditationEvidence,
    name="PortalEvidenceOut",
    fields=[*_fields(AccreditationEvidence), "content_type", "size", "sha256"],
)


class EvidenceFilter(FilterSchema):
    accreditation: int | None = None


ProfileOut = create_schema(CenterProfile, name="PortalProfileOut", fields=_fields(CenterProfile))


class IndicatorRef(Schema):
    profile: str
    indicator: str


class ProfileIn(Schema):
    center: int
    published: bool = False
    #: {"en": {"summary": ..., "treats": ..., "team": ...}, "ko": {...}, ...}
    texts: dict[str, dict[str, str]] = {}
    declared_icd10: list[str] = []
    declared_procedure_groups: list[str] = []
    published_indicators: list[IndicatorRef] = []


class ProfileFilter(FilterSchema):
    center: int | None = None


NewsOut = create_schema(
    NewsItem, name="PortalNewsOut", fields=_fields(NewsItem, ("status", "published_at"))
)


class NewsIn(Schema):
    #: Empty: news of the association (association administrators only).
    center: int | None = None
    kind: NewsKind = NewsKind.ANNOUNCEMENT
    #: {"en": {"title": ..., "body": ...}, "ko": {...}, ...}
    texts: dict[str, dict[str, str]]
    event_date: dt.date


class NewsFilter(FilterSchema):
    center: int | None = None
    status: NewsStatus | None = None
    kind: NewsKind | None = None


def _if_match(request: HttpRequest) -> int:
    return versioning.parse_if_match(request.headers.get("If-Match"))


def _accreditation_routes(router: Router) -> None:
    @router.post("/{int:pk}/renewal", response=AccreditationOut, tags=["accreditations"])
    def renewal(request: HttpRequest, pk: int, payload: RenewalIn, response: HttpResponse) -> Any:
        """Record that the renewal was submitted (If-Match required): past its date the
        accreditation is then "renewal pending" rather than "expired"."""
        actor = actor_for(request)
        accreditation = access.fetch(actor, Accreditation, Action.CHANGE, pk=pk)
        saved = services.record_renewal(
            actor, accreditation, _if_match(request), payload.submitted_on
        )
        response["ETag"] = saved.etag
        return saved


def _news_routes(router: Router) -> None:
    @router.post("/drafts", response=list[NewsOut], tags=["news items"])  # type: ignore[valid-type]
    def drafts(request: HttpRequest) -> Any:
        """Draft news from registry milestones and accreditations not drafted yet."""
        actor = actor_for(request)
        access.authorize(actor, NewsItem, Action.ADD)
        from caseway.portal.forms import managed_centers

        mine = managed_centers(actor).values_list("pk", flat=True)
        return services.draft_news(actor, timezone.localdate(), centers=mine)

    @router.post("/{int:pk}/publish", response=NewsOut, tags=["news items"])
    def publish(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
        """Show the news item on the portal (If-Match required)."""
        actor = actor_for(request)
        item = access.fetch(actor, NewsItem, Action.CHANGE, pk=pk)
        item = services.publish(actor, item, _if_match(request))
        response["ETag"] = item.etag
        return item

    @router.post("/{int:pk}/unpublish", response=NewsOut, tags=["news items"])
    def unpublish(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
        """Withdraw it from the portal; it is a draft again (If-Match required)."""
        actor = actor_for(request)
        item = access.fetch(actor, NewsItem, Action.CHANGE, pk=pk)
        item = services.unpublish(actor, item, _if_match(request))
        response["ETag"] = item.etag
        return item


router = Router()
accreditations = Router()
evidence = Router()
profiles = Router()
news = Router()

# Extra routes first, so /news/drafts is not taken for a news item's id.
_news_routes(news)
add_resource_routes(
    accreditations,
    Resource(
        Accreditation,
        AccreditationOut,
        AccreditationIn,
        partial_schema(AccreditationIn, exclude=("center",)),
        AccreditationFilter,
        ordering=("valid_until", "pk"),
        extra_routes=[_accreditation_routes],
    ),
)
# Evidence files are uploaded and downloaded on the staff pages (content-checked, audited).
add_resource_routes(
    evidence,
    Resource(
        AccreditationEvidence,
        EvidenceOut,
        None,
        None,
        EvidenceFilter,
        ordering=("-document_date", "pk"),
    ),
)
add_resource_routes(
    profiles,
    Resource(
        CenterProfile,
        ProfileOut,
        ProfileIn,
        partial_schema(ProfileIn, exclude=("center",)),
        ProfileFilter,
        ordering=("center_id",),
        voidable=False,
    ),
)
add_resource_routes(
    news,
    Resource(
        NewsItem,
        NewsOut,
        NewsIn,
        partial_schema(NewsIn, exclude=("center",)),
        NewsFilter,
        ordering=("-event_date", "-pk"),
    ),
)

for _prefix, _sub in {
    "/accreditations": accreditations,
    "/evidence": evidence,
    "/profiles": profiles,
    "/news": news,
}.items():
    router.add_router(_prefix, _sub)
