"""People, their roles, their preferences and their API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caseway.accounts.forms import ApiTokenForm, MembershipForm, PersonForm, PreferencesForm
from caseway.accounts.models import ApiToken, Membership, User
from caseway.core.ui import PageSet

NAMESPACE = "accounts"

people = PageSet(
    model=User,
    namespace=NAMESPACE,
    list_columns=["full_name", "email", "full_name_ko", "is_active"],
    detail_fields=[
        "email",
        "full_name",
        "full_name_ko",
        "preferred_language",
        "time_zone",
        "is_active",
        "date_joined",
    ],
    form_class=PersonForm,
    actions=("add",),
    search_fields=["email", "full_name", "full_name_ko"],
    ordering=("full_name",),
    related_lists=[
        ("memberships", gettext_lazy("Roles"), ["role", "scope_label", "valid_until"]),
    ],
)

memberships = PageSet(
    model=Membership,
    namespace=NAMESPACE,
    list_columns=["user", "role", "scope_label", "valid_from", "valid_until"],
    detail_fields=["user", "role", "level", "scope_label", "valid_from", "valid_until"],
    form_class=MembershipForm,
    search_fields=["user__email", "user__full_name", "role"],
    ordering=("user__full_name", "role"),
)

PAGE_SETS = [people, memberships]


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language; a signed-in person keeps it as their preference."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(preferred_language=language)
    translation.activate(language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences are saved."))
        return HttpResponseRedirect(reverse("accounts:preferences"))
    roles = (
        Membership.objects.current()
        .filter(user_id=request.user.pk)  # type: ignore[misc]
        .select_related("institution", "center")
    )
    return render(
        request,
        "accounts/preferences.html",
        {"form": form, "roles": roles},
        status=422 if form.errors else 200,
    )


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    issued: str | None = None
    if request.method == "POST" and form.is_valid():
        expires = timezone.now() + dt.timedelta(days=form.cleaned_data["valid_days"])
        _token, issued = ApiToken.issue(request.user, form.cleaned_data["name"], expires)  # type: ignore[arg-type]
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user_id=request.user.pk, revoked_at__isnull=True)  # type: ignore[misc]
    context: dict[str, Any] = {"form": form, "tokens": tokens, "issued": issued}
    return render(request, "accounts/api_tokens.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.success(request, _("The token is revoked."))
    return HttpResponseRedirect(reverse("accounts:api_tokens"))
