"""Top-level URL map. Each domain app owns its URLs; the API is one NinjaAPI at /api/."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from caseway.accounts.views import set_language
from caseway.api import api
from caseway.portal import views as portal


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", include("caseway.dashboard.urls")),
    path("accounts/", include("allauth.urls")),
    path("people/", include("caseway.accounts.urls")),
    path("directory/", include("caseway.organizations.urls")),
    path("records/", include("caseway.records.urls")),
    path("registry/", include("caseway.registry.urls")),
    path("manage/portal/", include("caseway.portal.staff_urls")),
    path("tumorboard/", include("caseway.tumorboard.urls")),
    path("audit/", include("caseway.audit.urls")),
    path("api/", api.urls),
    path("fhir/", include("caseway.records.fhir.rest")),
    path("i18n/language/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    # The public portal (no sign-in): pages per language, partners' JSON, sitemap, robots.
    path("portal/", include("caseway.portal.urls")),
    path("sitemap.xml", portal.sitemap, name="sitemap"),
    path("robots.txt", portal.robots, name="robots"),
]
