"""Per-request user preferences and the second-factor requirement for staff."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caseway.accounts.actor import actor_for

SECOND_FACTOR_CHECKED = "caseway_second_factor_ok"


class UserPreferencesMiddleware:
    """Show the signed-in person's language and time zone (stored times are UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        zone = "Asia/Seoul"
        if user.is_authenticated:
            language = user.preferred_language
            translation.activate(language)
            request.LANGUAGE_CODE = language
            zone = user.time_zone or zone
        timezone.activate(zoneinfo.ZoneInfo(zone))
        response = self.get_response(request)
        timezone.deactivate()
        return response


class SlidingSessionMiddleware:
    """Idle expiry without a database write on every request.

    A signed-in session's expiry is pushed forward when it was last refreshed more than
    ``REFRESH_SECONDS`` ago, so a session expires after SESSION_COOKIE_AGE of inactivity (to
    within a minute) while most requests only read the session.
    """

    REFRESH_SECONDS = 60
    KEY = "caseway_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(self.KEY, 0) >= self.REFRESH_SECONDS:
                request.session[self.KEY] = now
        return self.get_response(request)


class RequireSecondFactorMiddleware:
    """Staff cannot use Caseway until they have set up a TOTP authenticator.

    Until then every page redirects to the set-up page; the API answers 403.
    """

    # The public portal is for everyone, staff without a second factor included.
    ALLOWED_PREFIXES = (
        "/accounts/",
        "/static/",
        "/i18n/",
        "/healthz",
        "/portal/",
        "/sitemap.xml",
        "/robots.txt",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._must_set_up(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "about:blank",
                        "title": "Second factor required",
                        "status": 403,
                        "detail": _("Set up two-factor authentication before using Caseway."),
                    },
                    status=403,
                    content_type="application/problem+json",
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _must_set_up(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or request.path.startswith(self.ALLOWED_PREFIXES):
            return False
        if request.session.get(SECOND_FACTOR_CHECKED) == user.pk:
            return False
        if not actor_for(request).is_staff_member:
            return False
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if has_totp:
            request.session[SECOND_FACTOR_CHECKED] = user.pk
        return not has_totp
