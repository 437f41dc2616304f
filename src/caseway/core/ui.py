"""Generic gated pages: list, detail, create, edit (with conflict display) and void.

A domain app describes a model once with a ``PageSet`` (columns, fields, form) and gets its five
pages, every one going through the access gate and the versioning service.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from caseway.core import access, versioning
from caseway.core.access import Action


@dataclass
class PageSet:
    """How one model appears in the UI."""

    model: type[models.Model]
    namespace: str
    list_columns: list[str]
    detail_fields: list[str]
    form_class: type[forms.ModelForm[Any]] | None = None
    search_fields: list[str] = field(default_factory=list)
    filter_fields: list[str] = field(default_factory=list)
    ordering: tuple[str, ...] = ("pk",)
    page_size: int = 25
    related_lists: list[tuple[str, Any, list[str]]] = field(default_factory=list)
    #: Detail page template, and extra context computed from (actor, object).
    detail_template: str = "core/object_detail.html"
    detail_extra: Callable[[Any, Any], dict[str, Any]] | None = None
    #: Pages offered besides list and detail (those need a form_class).
    actions: tuple[str, ...] = ("add", "edit", "void")
    #: The URL segment of the pages (default: the model name with an "s").
    plural: str = ""

    @property
    def name(self) -> str:
        return self.model._meta.model_name  # type: ignore[return-value]

    def url_name(self, page: str) -> str:
        return f"{self.namespace}:{self.name}_{page}"

    def urls(self) -> list[Any]:
        views: list[tuple[str, type[GatedView], str]] = [
            ("", ListPage, "list"),
            ("<int:pk>/", DetailPage, "detail"),
        ]
        if self.form_class is not None:
            offered = [
                ("add/", CreatePage, "add"),
                ("<int:pk>/edit/", EditPage, "edit"),
                ("<int:pk>/void/", VoidPage, "void"),
            ]
            views += [view for view in offered if view[2] in self.actions]
        return [
            path(
                f"{self.plural or self.name + 's'}/{route}",
                view.as_view(pages=self),
                name=f"{self.name}_{page}",
            )
            for route, view, page in views
        ]


def show_errors(
    form: forms.BaseForm, exc: ValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's or model's errors beside the form's fields (``aliases`` maps a model
    field to the form field showing it); what no field shows goes to the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, messages_ in exc.message_dict.items():
            name = (aliases or {}).get(name, name)
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, exc.messages)


def conflict_page(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    back: str,
    back_label: str = "",
    current: Any = None,
) -> HttpResponse:
    """The 409 page of a hand-written view: someone else changed what this write was based
    on (``current``: the record as it is now); nothing was saved."""
    context = {"title": title, "message": message, "back": back, "back_label": back_label}
    return render(request, "core/conflict.html", {**context, "current": current}, status=409)


def actor_of(request: HttpRequest) -> Any:
    from caseway.accounts.actor import actor_for

    return actor_for(request)


def may(actor: Any, model: type[models.Model], action: Action, obj: Any = None) -> bool:
    """Whether the gate would allow ``action`` (for showing or hiding buttons only)."""
    try:
        access.authorize(actor, model, action, obj)
    except access.Forbidden:
        return False
    return True


def https_formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """Model-form field factory: a web address typed without a scheme means https."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    """A model form that carries the version it was based on."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.version

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}


class GatedForm(VersionedForm):
    """A versioned form whose related-row choices come through the access gate."""

    wants_actor = True
    #: field name -> model whose gate scope limits the choices
    gated_choices: dict[str, type[models.Model]] = {}

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, model in self.gated_choices.items():
            if name in self.fields:
                self.fields[name].queryset = (  # type: ignore[attr-defined]
                    access.scope(actor, model)
                    if actor is not None
                    else model._default_manager.none()
                )


class VoidForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class GatedView(LoginRequiredMixin, View):
    pages: PageSet = None  # type: ignore[assignment]

    @property
    def actor(self) -> Any:
        return actor_of(self.request)

    def context(self, **extra: Any) -> dict[str, Any]:
        meta = self.pages.model._meta
        return {
            "pages": self.pages,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            **extra,
        }

    def form_kwargs(self) -> dict[str, Any]:
        """Forms that offer related rows (``GatedForm``) get the actor, to offer only those the
        actor may see; initial values may come from the query string (``?patient=12``)."""
        if getattr(self.pages.form_class, "wants_actor", False):
            return {"actor": self.actor, "initial": self.request.GET.dict()}
        return {}

    def detail_url(self, obj: models.Model) -> str:
        return reverse(self.pages.url_name("detail"), args=[obj.pk])


class ListPage(GatedView):
    def get(self, request: HttpRequest) -> HttpResponse:
        pages = self.pages
        queryset = access.scope(self.actor, pages.model)
        access.record_search(self.actor, pages.model, request.GET.dict())
        query = request.GET.get("q", "").strip()[:100]
        if query and pages.search_fields:
            condition = Q()
            for name in pages.search_fields:
                condition |= Q(**{f"{name}__icontains": query})
            queryset = queryset.filter(condition)
        show_voided = request.GET.get("voided") == "1"
        if hasattr(pages.model, "voided") and not show_voided:
            queryset = queryset.filter(voided=False)
        page = Paginator(queryset.order_by(*pages.ordering), pages.page_size).get_page(
            request.GET.get("page")
        )
        context = self.context(
            page=page,
            query=query,
            show_voided=show_voided,
            can_add=pages.form_class is not None
            and "add" in pages.actions
            and may(self.actor, pages.model, Action.ADD),
        )
        template = "core/_object_table.html" if request.htmx else "core/object_list.html"  # type: ignore[attr-defined]
        return render(request, template, context)


class DetailPage(GatedView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        from caseway.audit.history import history_of

        obj = access.fetch(self.actor, self.pages.model, Action.VIEW, pk=pk)
        related = []
        for accessor, title, columns in self.pages.related_lists:
            rows = getattr(obj, accessor).all()
            if hasattr(rows.model, "voided"):
                rows = rows.filter(voided=False)
            related.append((title, columns, rows))
        editable = self.pages.form_class is not None
        actions = self.pages.actions
        extra = self.pages.detail_extra(self.actor, obj) if self.pages.detail_extra else {}
        return render(
            request,
            self.pages.detail_template,
            self.context(
                **extra,
                object=obj,
                related=related,
                history=history_of(obj),
                can_change=editable
                and "edit" in actions
                and may(self.actor, self.pages.model, Action.CHANGE, obj),
                can_void=editable
                and "void" in actions
                and hasattr(obj, "voided")
                and not getattr(obj, "voided", False)
                and may(self.actor, self.pages.model, Action.VOID, obj),
            ),
        )


class CreatePage(GatedView):
    def form(self, data: Any = None, files: Any = None) -> forms.ModelForm[Any]:
        form = self.pages.form_class(  # type: ignore[misc]
            data=data, files=files, **self.form_kwargs()
        )
        form.fields.pop("version", None)
        return form

    def get(self, request: HttpRequest) -> HttpResponse:
        access.authorize(self.actor, self.pages.model, Action.ADD)
        return render(request, "core/object_form.html", self.context(form=self.form()))

    def post(self, request: HttpRequest) -> HttpResponse:
        access.authorize(self.actor, self.pages.model, Action.ADD)
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            obj = form.save(commit=False)
            try:
                access.authorize(self.actor, self.pages.model, Action.ADD, obj)
            except access.Forbidden:
                form.add_error(None, _("You cannot add this record there."))
            else:
                try:
                    versioning.create(self.actor, obj)
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, _("Saved."))
                    return HttpResponseRedirect(self.detail_url(obj))
        return render(request, "core/object_form.html", self.context(form=form), status=422)


class EditPage(GatedView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access.fetch(self.actor, self.pages.model, Action.CHANGE, pk=pk)
        form = self.pages.form_class(instance=obj, **self.form_kwargs())  # type: ignore[misc]
        return render(request, "core/object_form.html", self.context(form=form, object=obj))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access.fetch(self.actor, self.pages.model, Action.CHANGE, pk=pk)
        original = copy.copy(obj)
        form = self.pages.form_class(  # type: ignore[misc]
            data=request.POST, instance=obj, **self.form_kwargs()
        )
        conflict = None
        if form.is_valid():
            try:
                access.authorize(self.actor, self.pages.model, Action.CHANGE, form.instance)
                saved = versioning.update(
                    self.actor,
                    original,
                    form.cleaned_data["version"],
                    form.changes(),  # type: ignore[union-attr]
                )
            except access.Forbidden:
                form.add_error(None, _("You cannot move this record there."))
            except versioning.PreconditionFailed as exc:
                conflict = self._conflict(form, exc.current)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.detail_url(saved))
        return render(
            request,
            "core/object_form.html",
            self.context(form=form, object=original, conflict=conflict),
            status=409 if conflict else 422,
        )

    def _conflict(self, form: Any, current: Any) -> dict[str, Any]:
        """What the other person changed, to show beside the user's own values."""
        rows = []
        for name in form.changed_data:
            if name == "version":
                continue
            mine = form.cleaned_data.get(name)
            theirs = getattr(current, name, None)
            rows.append({"label": form.fields[name].label, "mine": mine, "theirs": theirs})
        form.data = form.data.copy()
        form.data["version"] = current.version
        return {"current": current, "rows": rows}


class VoidPage(GatedView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access.fetch(self.actor, self.pages.model, Action.VOID, pk=pk)
        form = VoidForm(initial={"version": obj.version})  # type: ignore[attr-defined]
        return render(request, "core/object_void.html", self.context(form=form, object=obj))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = access.fetch(self.actor, self.pages.model, Action.VOID, pk=pk)
        form = VoidForm(request.POST)
        if form.is_valid():
            try:
                versioning.void(
                    self.actor, obj, form.cleaned_data["version"], form.cleaned_data["reason"]
                )
            except versioning.PreconditionFailed:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this record meanwhile. Review it "
                        "and void it again if still needed."
                    ),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Voided."))
                return HttpResponseRedirect(self.detail_url(obj))
        return render(
            request, "core/object_void.html", self.context(form=form, object=obj), status=422
        )
