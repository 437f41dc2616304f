"""The portal's staff pages: accreditations with their honest status, evidence documents and
renewal; each center's profile (texts per language, what it declares, the indicators it
publishes); news drafted from events, edited, published and withdrawn.

Every object comes through the access gate (404 outside the person's centers, 403 for what
their role may not do) and every change through ``core.versioning`` or the portal's services.
A change based on a version someone else has replaced meanwhile answers 409 and shows what
is saved now; nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from caseway.accounts.actor import actor_for
from caseway.audit.history import history_of
from caseway.audit.models import AuditAction
from caseway.core import access, journal, ui, versioning
from caseway.core.access import Action
from caseway.core.ui import PageSet, VoidForm, may
from caseway.portal import forms, services
from caseway.portal.choices import CONTENT_LANGUAGES, AccreditationStatus, NewsStatus
from caseway.portal.models import Accreditation, AccreditationEvidence, CenterProfile, NewsItem
from caseway.records import files
from caseway.registry.choices import Approach, ProcedureGroup

NAMESPACE = "portal_staff"

STATUS_CSS = {
    AccreditationStatus.VALID: "status-valid",
    AccreditationStatus.RENEWAL_DUE: "status-expiring",
    AccreditationStatus.RENEWAL_PENDING: "status-expiring",
    AccreditationStatus.EXPIRED: "status-expired",
}


def today() -> dt.date:
    """The date statuses are judged on (one place, so tests can set it)."""
    return timezone.localdate()


# --- accreditation status, said plainly ----------------------------------------------------


@dataclass
class StatusRow:
    accreditation: Accreditation
    status: AccreditationStatus
    note: str

    @property
    def css(self) -> str:
        return STATUS_CSS[self.status]

    @property
    def label(self) -> str:
        return str(self.status.label)


def _day(value: dt.date) -> str:
    return date_format(value, "DATE_FORMAT")


def describe(accreditation: Accreditation, day: dt.date | None = None) -> StatusRow:
    """The accreditation's status on ``day`` and a sentence saying what it means."""
    day = day or today()
    status = accreditation.status(day)
    until = accreditation.valid_until
    submitted = accreditation.renewal_submitted_on
    values = {
        "until": _day(until),
        "submitted": _day(submitted) if submitted else "",
        "days": abs((until - day).days),
    }
    if status == AccreditationStatus.EXPIRED:
        note = _("Expired on %(until)s (%(days)s days ago); no renewal is recorded.") % values
    elif status == AccreditationStatus.RENEWAL_PENDING:
        note = (
            _("Expired on %(until)s; the renewal submitted on %(submitted)s is pending.") % values
        )
    elif status == AccreditationStatus.RENEWAL_DUE and submitted:
        note = (
            _("Valid until %(until)s (%(days)s days left); renewal submitted on %(submitted)s.")
            % values
        )
    elif status == AccreditationStatus.RENEWAL_DUE:
        note = _("Valid until %(until)s (%(days)s days left): prepare the renewal.") % values
    else:
        note = _("Valid until %(until)s.") % values
    return StatusRow(accreditation, status, note)


def scope_in_words(accreditation: Accreditation) -> dict[str, list[str]]:
    groups = dict(ProcedureGroup.choices)
    approaches = dict(Approach.choices)
    return {
        "conditions": list(accreditation.scope_icd10 or []),
        "groups": [str(groups.get(c, c)) for c in accreditation.scope_procedure_groups or []],
        "approaches": [str(approaches.get(c, c)) for c in accreditation.scope_approaches or []],
    }


def _conflict(
    request: HttpRequest, title: str, back: str, current: Any, message: str = ""
) -> HttpResponse:
    """The 409 page of a one-button change (renewal, publish, void) based on an old version."""
    return ui.conflict_page(
        request,
        title=title,
        message=message
        or _(
            "Someone else changed this record after you opened it, so nothing was saved. "
            "Look at it again and repeat the change if it is still needed."
        ),
        back=back,
        current=current,
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("portal_staff:accreditation_list")


# --- accreditations ------------------------------------------------------------------------


@login_required
def accreditation_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    rows = access.scope(actor, Accreditation).select_related("center__institution")
    access.record_search(actor, Accreditation, request.GET.dict())
    center = request.GET.get("center", "")
    if center:
        rows = rows.filter(center__code=center)
    show_voided = request.GET.get("voided") == "1"
    if not show_voided:
        rows = rows.filter(voided=False)
    day = today()
    return render(
        request,
        "portal_staff/accreditation_list.html",
        {
            "rows": [describe(a, day) for a in rows.order_by("valid_until", "pk")],
            "centers": forms.centers_for(actor),
            "center": center,
            "show_voided": show_voided,
            "can_add": may(actor, Accreditation, Action.ADD),
            "section": "accreditations",
        },
    )


def accreditation_extra(actor: Any, accreditation: Accreditation) -> dict[str, Any]:
    day = today()
    live = not accreditation.voided
    return {
        "row": describe(accreditation, day),
        "scope": scope_in_words(accreditation),
        "evidence": accreditation.evidence.filter(voided=False).order_by("-document_date"),
        "renewal_form": forms.RenewalForm(
            initial={
                "version": accreditation.version,
                "submitted_on": accreditation.renewal_submitted_on or day,
            }
        ),
        "can_renew": live and may(actor, Accreditation, Action.CHANGE, accreditation),
        "can_upload": live
        and may(
            actor,
            AccreditationEvidence,
            Action.ADD,
            AccreditationEvidence(accreditation=accreditation),
        ),
        "section": "accreditations",
    }


accreditations = PageSet(
    model=Accreditation,
    namespace=NAMESPACE,
    list_columns=["body", "center", "program_en", "granted_on", "valid_until"],
    detail_fields=[
        "center",
        "body",
        "body_name",
        "program_en",
        "program_ko",
        "level",
        "granted_on",
        "valid_until",
        "renewal_submitted_on",
        "certificate_number",
        "public_url",
        "published",
    ],
    form_class=forms.AccreditationForm,
    ordering=("valid_until", "pk"),
    detail_template="portal_staff/accreditation_detail.html",
    detail_extra=accreditation_extra,
)


@login_required
def accreditation_renewal(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the renewal was submitted: the portal then says "renewal pending"."""
    actor = actor_for(request)
    accreditation = access.fetch(actor, Accreditation, Action.CHANGE, pk=pk)
    form = forms.RenewalForm(
        request.POST or None,
        initial={
            "version": accreditation.version,
            "submitted_on": accreditation.renewal_submitted_on or today(),
        },
    )
    back = reverse("portal_staff:accreditation_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.record_renewal(
                actor,
                accreditation,
                form.cleaned_data["version"],
                form.cleaned_data["submitted_on"],
            )
        except versioning.PreconditionFailed as exc:
            return _conflict(request, _("The renewal was not recorded"), back, exc.current)
        except ValidationError as exc:
            ui.show_errors(form, exc, {"renewal_submitted_on": "submitted_on"})
        else:
            messages.success(request, _("The renewal is recorded; the portal says it is pending."))
            return redirect(back)
    return render(
        request,
        "portal_staff/renewal.html",
        {"form": form, "object": accreditation, "section": "accreditations"},
        status=422 if form.errors else 200,
    )


# --- evidence documents --------------------------------------------------------------------


def store_evidence(
    actor: Any,
    accreditation: Accreditation,
    title: str,
    document_date: dt.date,
    inspected: files.Inspected,
    content: bytes,
) -> AccreditationEvidence:
    """Keep an inspected file as evidence under a random name with its checksum; if the row
    cannot be written, the file is removed again (nothing is kept half)."""
    evidence = AccreditationEvidence(
        accreditation=accreditation,
        title=title,
        document_date=document_date,
        content_type=inspected.content_type,
        size=inspected.size,
        sha256=inspected.sha256,
    )
    access.authorize(actor, AccreditationEvidence, Action.ADD, evidence)
    evidence.file.save(f"{uuid.uuid4().hex}{inspected.extension}", ContentFile(content), save=False)
    try:
        versioning.create(actor, evidence)
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@login_required
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    accreditation = access.fetch(actor, Accreditation, Action.VIEW, pk=pk)
    access.authorize(
        actor, AccreditationEvidence, Action.ADD, AccreditationEvidence(accreditation=accreditation)
    )
    form = forms.EvidenceForm(
        request.POST or None,
        request.FILES or None,
        initial={"document_date": accreditation.granted_on},
    )
    if request.method == "POST" and form.is_valid():
        assert form.inspected is not None  # a valid form has its file inspected
        if accreditation.voided:
            form.add_error(None, _("This accreditation is voided."))
        else:
            try:
                evidence = store_evidence(
                    actor,
                    accreditation,
                    form.cleaned_data["title"],
                    form.cleaned_data["document_date"],
                    form.inspected,
                    form.content,
                )
            except ValidationError as exc:
                ui.show_errors(form, exc)
            else:
                messages.success(request, _("The document is kept."))
                return redirect("portal_staff:accreditationevidence_detail", evidence.pk)
    return render(
        request,
        "portal_staff/evidence_form.html",
        {"form": form, "object": accreditation, "section": "accreditations"},
        status=422 if form.errors else 200,
    )


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """The stored file, only through the gate, as a download; every download is audited."""
    actor = actor_for(request)
    evidence = access.fetch(actor, AccreditationEvidence, Action.VIEW, pk=pk)
    if not evidence.file:
        raise access.NotFound()
    center = evidence.accreditation.center
    journal.record(
        actor,
        AuditAction.VIEW,
        obj=evidence,
        center_id=center.pk,
        institution_id=center.institution_id,
        detail={"file": "download", "sha256": evidence.sha256},
    )
    extension = (evidence.file.name or "").rsplit(".", 1)[-1]
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=f"accreditation-{evidence.accreditation_id}-evidence-{evidence.pk}.{extension}",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


evidence = PageSet(
    model=AccreditationEvidence,
    namespace=NAMESPACE,
    plural="evidence",
    list_columns=["title", "accreditation", "document_date", "size"],
    detail_fields=["accreditation", "title", "document_date", "content_type", "size", "sha256"],
    form_class=forms.EvidenceForm,
    search_fields=["title", "accreditation__body", "accreditation__center__name_en"],
    ordering=("-document_date", "pk"),
    detail_template="portal_staff/evidence_detail.html",
    actions=("void",),
)


# --- center profiles -----------------------------------------------------------------------


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    profiles = {p.center_id: p for p in access.scope(actor, CenterProfile)}
    rows = [(center, profiles.get(center.pk)) for center in forms.centers_for(actor)]
    return render(request, "portal_staff/profile_list.html", {"rows": rows, "section": "profiles"})


def _save_profile(
    actor: Any, center: Any, profile: CenterProfile | None, form: forms.ProfileForm
) -> CenterProfile:
    values = form.values()
    if profile is None:
        created = CenterProfile(center=center, **values)
        access.authorize(actor, CenterProfile, Action.ADD, created)
        return versioning.create(actor, created)
    access.authorize(actor, CenterProfile, Action.CHANGE, profile)
    return versioning.update(actor, profile, form.cleaned_data["version"], values)


@login_required
def profile_edit(request: HttpRequest, code: str) -> HttpResponse:
    """One center's profile: read by its staff, written by its managers (created on the
    first save)."""
    actor = actor_for(request)
    access.authorize(actor, CenterProfile, Action.VIEW)
    center = forms.centers_for(actor).filter(code=code).first()
    if center is None:
        raise access.NotFound()
    existing = CenterProfile.objects.filter(center=center).first()
    profile = access.fetch(actor, CenterProfile, Action.VIEW, pk=existing.pk) if existing else None
    subject = profile or CenterProfile(center=center)
    can_change = may(actor, CenterProfile, Action.CHANGE if profile else Action.ADD, subject)
    initial = forms.ProfileForm.initial_for(profile)
    conflict = None
    if request.method == "POST":
        if not can_change:
            raise access.Forbidden(_("You are not allowed to do this."))
        form = forms.ProfileForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                _save_profile(actor, center, profile, form)
            except versioning.PreconditionFailed as exc:
                current = cast(CenterProfile, exc.current)
                theirs = forms.ProfileForm.initial_for(current)
                conflict = {
                    "current": current,
                    "rows": forms.conflict_rows(form, theirs, current.version),
                }
            except ValidationError as exc:
                ui.show_errors(form, exc)
            else:
                messages.success(request, _("The profile is saved."))
                return redirect("portal_staff:profile_edit", code=center.code)
    else:
        form = forms.ProfileForm(initial=initial)
    return render(
        request,
        "portal_staff/profile_form.html",
        {
            "form": form,
            "center": center,
            "profile": profile,
            "can_change": can_change,
            "conflict": conflict,
            "history": history_of(profile) if profile else [],
            "texts": _texts_by_language(profile.texts if profile else {}),
            "section": "profiles",
        },
        status=409 if conflict else 422 if form.errors else 200,
    )


def _texts_by_language(texts: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(code, language name, texts) for the languages that have texts, in the usual order."""
    return [(code, name, texts[code]) for code, name in CONTENT_LANGUAGES if texts.get(code)]


# --- news ----------------------------------------------------------------------------------


@login_required
def news_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    rows: QuerySet[NewsItem] = access.scope(actor, NewsItem).select_related("center")
    center = request.GET.get("center", "")
    if center == "association":
        rows = rows.filter(center__isnull=True)
    elif center:
        rows = rows.filter(center__code=center)
    status = request.GET.get("status", "")
    if status in NewsStatus.values:
        rows = rows.filter(status=status)
    show_voided = request.GET.get("voided") == "1"
    if not show_voided:
        rows = rows.filter(voided=False)
    can_add = may(actor, NewsItem, Action.ADD)
    return render(
        request,
        "portal_staff/news_list.html",
        {
            "items": rows.order_by("-event_date", "-pk")[:200],
            "centers": forms.centers_for(actor),
            "center": center,
            "status": status,
            "statuses": NewsStatus.choices,
            "show_voided": show_voided,
            "can_add": can_add,
            "can_draft": can_add,
            "section": "news",
        },
    )


@login_required
@require_POST
def news_draft(request: HttpRequest) -> HttpResponse:
    """Draft news from registry milestones and accreditations not drafted yet."""
    actor = actor_for(request)
    access.authorize(actor, NewsItem, Action.ADD)
    mine = forms.managed_centers(actor).values_list("pk", flat=True)
    drafts = services.draft_news(actor, today(), centers=mine)
    messages.success(
        request,
        ngettext("%(count)s news draft written.", "%(count)s news drafts written.", len(drafts))
        % {"count": len(drafts)},
    )
    return redirect(reverse("portal_staff:newsitem_list") + "?status=draft")


def _news_form_page(
    request: HttpRequest,
    form: forms.NewsForm,
    item: NewsItem | None,
    conflict: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "portal_staff/news_form.html",
        {"form": form, "object": item, "conflict": conflict, "section": "news"},
        status=409 if conflict else 422 if form.errors else 200,
    )


@login_required
def news_add(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    access.authorize(actor, NewsItem, Action.ADD)
    form = forms.NewsForm(
        request.POST or None,
        actor=actor,
        adding=True,
        initial={
            "kind": "announcement",
            "event_date": today(),
            "center": request.GET.get("center"),
        },
    )
    if request.method == "POST" and form.is_valid():
        item = NewsItem(
            center=form.cleaned_data["center"],
            kind=form.cleaned_data["kind"],
            event_date=form.cleaned_data["event_date"],
            texts=form.texts(),
            status=NewsStatus.DRAFT,
        )
        try:
            access.authorize(actor, NewsItem, Action.ADD, item)
            versioning.create(actor, item)
        except access.Forbidden:
            form.add_error("center", _("You cannot add news there."))
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved. Publish it when it is ready."))
            return redirect("portal_staff:newsitem_detail", item.pk)
    return _news_form_page(request, form, None)


@login_required
def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    item = access.fetch(actor, NewsItem, Action.VIEW, pk=pk)
    can_change = not item.voided and may(actor, NewsItem, Action.CHANGE, item)
    return render(
        request,
        "portal_staff/news_detail.html",
        {
            "object": item,
            "texts": _texts_by_language(item.texts),
            "can_change": can_change,
            "can_publish": can_change and item.status == NewsStatus.DRAFT,
            "can_unpublish": can_change and item.status == NewsStatus.PUBLISHED,
            "can_void": not item.voided and may(actor, NewsItem, Action.VOID, item),
            "history": history_of(item),
            "section": "news",
        },
    )


@login_required
def news_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    item = access.fetch(actor, NewsItem, Action.CHANGE, pk=pk)
    form = forms.NewsForm(request.POST or None, initial=forms.NewsForm.initial_for(item))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = versioning.update(actor, item, form.cleaned_data["version"], form.changes())
        except versioning.PreconditionFailed as exc:
            current = cast(NewsItem, exc.current)
            theirs = forms.NewsForm.initial_for(current)
            conflict = {
                "current": current,
                "rows": forms.conflict_rows(form, theirs, current.version),
            }
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal_staff:newsitem_detail", saved.pk)
    return _news_form_page(request, form, item, conflict)


def _posted_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise ValidationError(_("The form did not say which version it was based on.")) from None


def _news_change(request: HttpRequest, pk: int, change: Any, done: str) -> HttpResponse:
    actor = actor_for(request)
    item = access.fetch(actor, NewsItem, Action.CHANGE, pk=pk)
    back = reverse("portal_staff:newsitem_detail", args=[pk])
    try:
        change(actor, item, _posted_version(request))
    except versioning.PreconditionFailed as exc:
        return _conflict(request, _("Nothing was changed"), back, exc.current)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def news_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _news_change(request, pk, services.publish, _("Published on the portal."))


@login_required
@require_POST
def news_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _news_change(
        request, pk, services.unpublish, _("Withdrawn from the portal; it is a draft again.")
    )


@login_required
def news_void(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    item = access.fetch(actor, NewsItem, Action.VOID, pk=pk)
    form = VoidForm(request.POST or None, initial={"version": item.version})
    back = reverse("portal_staff:newsitem_detail", args=[pk])
    if request.method == "POST" and form.is_valid():
        try:
            versioning.void(actor, item, form.cleaned_data["version"], form.cleaned_data["reason"])
        except versioning.PreconditionFailed as exc:
            return _conflict(request, _("The news item was not voided"), back, exc.current)
        except ValidationError as exc:
            ui.show_errors(form, exc)
        else:
            messages.success(request, _("Voided."))
            return redirect(back)
    return render(
        request,
        "portal_staff/void.html",
        {"form": form, "object": item, "back": back, "section": "news"},
        status=422 if form.errors else 200,
    )


# --- URLs ----------------------------------------------------------------------------------


def urlpatterns() -> list[Any]:
    generated = [u for u in accreditations.urls() if u.name != "accreditation_list"]
    return [
        path("", index, name="index"),
        path("accreditations/", accreditation_list, name="accreditation_list"),
        path(
            "accreditations/<int:pk>/renewal/",
            accreditation_renewal,
            name="accreditation_renewal",
        ),
        path(
            "accreditations/<int:pk>/evidence/add/",
            evidence_add,
            name="accreditation_evidence_add",
        ),
        *generated,
        path("evidence/<int:pk>/file/", evidence_file, name="accreditationevidence_file"),
        *evidence.urls(),
        path("profiles/", profile_list, name="profile_list"),
        path("profiles/<str:code>/", profile_edit, name="profile_edit"),
        path("news/", news_list, name="newsitem_list"),
        path("news/add/", news_add, name="newsitem_add"),
        path("news/draft/", news_draft, name="newsitem_draft"),
        path("news/<int:pk>/", news_detail, name="newsitem_detail"),
        path("news/<int:pk>/edit/", news_edit, name="newsitem_edit"),
        path("news/<int:pk>/publish/", news_publish, name="newsitem_publish"),
        path("news/<int:pk>/unpublish/", news_unpublish, name="newsitem_unpublish"),
        path("news/<int:pk>/void/", news_void, name="newsitem_void"),
    ]
