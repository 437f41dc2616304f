"""The public portal's pages: server-rendered, no JavaScript, no sign-in, no session writes.

Every page lives under its language (``/portal/<lang>/...``) for every content language. The
interface is translated into the languages Caseway has catalogues for (English and Korean);
in the other content languages the interface is English while the centers' own texts are shown
in the page's language when written (``models.fallback_chain``), each marked with the language
it is really in. Pages are rendered without the staff site's context processors (no session,
no navigation queries), so one rendering serves every visitor: it is kept in the shared cache
until what it shows changes (``pagecache``), and browsers and proxies may keep it five minutes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from caseway.organizations.choices import SPOKEN_LANGUAGES, CenterKind, DepartmentKind
from caseway.organizations.models import Association, Center, Institution
from caseway.portal import pagecache, public, ranking, vocabulary
from caseway.portal.choices import (
    CONTENT_LANGUAGES,
    RTL_LANGUAGES,
    AccreditationStatus,
    NewsStatus,
)
from caseway.portal.models import Accreditation, NewsItem, fallback_chain
from caseway.registry.choices import Approach, ProcedureGroup
from caseway.registry.report import LEVEL_LABELS

LANGUAGE_CODES = [code for code, _name in CONTENT_LANGUAGES]
LANGUAGE_NAMES = dict(CONTENT_LANGUAGES)
DEFAULT_LANGUAGE = "en"
CACHE_SECONDS = 300
NOT_FOUND_CACHE_SECONDS = 60
HOME_NEWS = 5
EN_DASH = "\u2013"
#: Open Graph locales of the content languages.
OG_LOCALES = {
    "en": "en_US",
    "ko": "ko_KR",
    "ja": "ja_JP",
    "zh": "zh_CN",
    "ru": "ru_RU",
    "ar": "ar_AR",
    "mn": "mn_MN",
    "vi": "vi_VN",
}
#: The staff site is not for crawlers: only the portal and its style sheet are.
ROBOTS_ALLOWED = ("/portal/", "/static/portal/", "/sitemap.xml")


class ContentLanguageConverter:
    """``<lang:...>`` in the portal's URLs: one of the content languages."""

    regex = "|".join(LANGUAGE_CODES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def ui_language(language: str) -> str:
    """The interface language of a page: its own when Caseway is translated into it."""
    return language if language in {code for code, _name in settings.LANGUAGES} else "en"


# --- texts in a language, marked with the language they are really in ----------------------------
@dataclass(frozen=True)
class Text:
    """A piece of content and the language it is written in, for ``lang``/``dir`` attributes
    where that differs from the interface around it."""

    value: str
    language: str
    ui: str  # the language of the interface around it
    page_rtl: bool  # the direction of the interface around it

    def __str__(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)

    @property
    def attrs(self) -> SafeString:
        rtl = self.language in RTL_LANGUAGES
        return format_html(
            "{}{}",
            format_html(' lang="{}"', self.language) if self.language != self.ui else "",
            format_html(' dir="{}"', "rtl" if rtl else "ltr") if rtl != self.page_rtl else "",
        )


class Texts:
    """Makes :class:`Text` for one page."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.ui = ui_language(language)
        self.rtl = language in RTL_LANGUAGES
        #: The interface's direction: the body's, where it differs from the document's.
        self.ui_rtl = self.ui in RTL_LANGUAGES

    def text(self, value: str, language: str) -> Text:
        return Text(value, language, self.ui, self.ui_rtl)

    def pick(self, texts: Mapping[str, Any] | None, key: str) -> Text:
        """``texts[lang][key]`` along the fallback chain (then any language at all)."""
        texts = texts or {}
        for code in fallback_chain(self.language):
            value = (texts.get(code) or {}).get(key)
            if value:
                return self.text(str(value), code)
        for code, entry in texts.items():
            if isinstance(entry, Mapping) and entry.get(key):
                return self.text(str(entry[key]), code)
        return self.text("", self.ui)

    def name(self, obj: Any, field: str = "name") -> Text:
        """A bilingual ``<field>_en``/``<field>_ko`` value: Korean on Korean pages, else English."""
        korean = getattr(obj, f"{field}_ko", "")
        if self.language == "ko" and korean:
            return self.text(korean, "ko")
        english = getattr(obj, f"{field}_en", "")
        return self.text(english, "en") if english else self.text(korean, "ko")

    def bilingual(self, names: Mapping[str, str]) -> Text:
        """A ``{"en": ..., "ko": ...}`` mapping (e.g. indicator names)."""
        return self.pick({code: {"v": value} for code, value in names.items()}, "v")


# --- rendering -----------------------------------------------------------------------------------
def _site_name(texts: Texts) -> Text:
    association = pagecache.remember("association", 60, Association.current)
    if association is None:
        return texts.text("Caseway", "en")
    return texts.name(association)


def _absolute(request: HttpRequest, path: str) -> str:
    return pagecache.origin(request) + path


def _alternates(
    request: HttpRequest, url_name: str, kwargs: Mapping[str, Any], query: str = ""
) -> list[dict[str, str]]:
    suffix = f"?{query}" if query else ""
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": _absolute(request, reverse(url_name, kwargs={**kwargs, "lang": code}) + suffix),
            "path": reverse(url_name, kwargs={**kwargs, "lang": code}) + suffix,
            "dir": "rtl" if code in RTL_LANGUAGES else "ltr",
        }
        for code in LANGUAGE_CODES
    ]


def _page(
    request: HttpRequest,
    language: str,
    template: str,
    context: dict[str, Any],
    *,
    url_name: str,
    url_kwargs: Mapping[str, Any] | None = None,
    title: str,
    description: str,
    og_type: str = "website",
    query: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render a portal page in ``language`` with its alternates, canonical URL and Open Graph.

    Rendered without a request, so none of the staff site's context processors run."""
    texts: Texts = context.get("texts") or Texts(language)
    alternates = _alternates(request, url_name, url_kwargs or {}, query)
    canonical = next(a["url"] for a in alternates if a["code"] == language)
    x_default = next(a["url"] for a in alternates if a["code"] == DEFAULT_LANGUAGE)
    with translation.override(texts.ui):
        site_name = _site_name(texts)
        html = loader.render_to_string(
            template,
            {
                **context,
                "texts": texts,
                "lang": language,
                "ui_lang": texts.ui,
                "dir": "rtl" if texts.rtl else "ltr",
                "ui_dir": "rtl" if texts.ui_rtl else "ltr",
                "site_name": site_name,
                "title": title,
                "description": description,
                "canonical": canonical,
                "alternates": alternates,
                "x_default": x_default,
                "og_type": og_type,
                "og_locale": OG_LOCALES[language],
                "og_alternates": [OG_LOCALES[c] for c in LANGUAGE_CODES if c != language],
                "home_url": reverse("portal:home", kwargs={"lang": language}),
                "search_url": reverse("portal:search", kwargs={"lang": language}),
                "current_url_name": url_name,
            },
        )
    response = HttpResponse(html, status=status)
    response["Content-Language"] = language
    seconds = CACHE_SECONDS if status == 200 else NOT_FOUND_CACHE_SECONDS
    return pagecache.cache_control(request, response, seconds)


def _not_found(request: HttpRequest, language: str, what: str) -> HttpResponse:
    texts = Texts(language)
    with translation.override(texts.ui):
        title = _("Page not found")
        description = _("There is no %(what)s at this address.") % {"what": what}
    return _page(
        request,
        language,
        "portal/not_found.html",
        {"texts": texts, "message": description},
        url_name="portal:home",
        title=title,
        description=description,
        status=404,
    )


# --- the language chosen from the browser --------------------------------------------------------
_ACCEPT = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def preferred_language(header: str) -> str:
    """The first content language the browser accepts (by ``q``), else English."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:30]):
        match = _ACCEPT.match(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        code = match.group(1).lower()
        if quality > 0 and code in LANGUAGE_NAMES:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other address under /portal/: the portal's 404, in the language of the path if any."""
    first = rest.split("/", 1)[0]
    language = first if first in LANGUAGE_NAMES else DEFAULT_LANGUAGE
    with translation.override(ui_language(language)):
        what = _("page")
    return _not_found(request, language, what)


@require_safe
def root(request: HttpRequest) -> HttpResponse:
    language = preferred_language(request.headers.get("Accept-Language", ""))
    response = HttpResponseRedirect(reverse("portal:home", kwargs={"lang": language}))
    patch_vary_headers(response, ("Accept-Language",))
    return pagecache.cache_control(request, response, CACHE_SECONDS)


# --- pages ---------------------------------------------------------------------------------------
def _spoken_language_options() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in SPOKEN_LANGUAGES]


def _cities(institutions: Sequence[Institution], texts: Texts) -> list[tuple[str, Text]]:
    """(value, label) of the cities of the member institutions, by label."""
    seen: dict[str, Text] = {}
    for institution in institutions:
        seen.setdefault(institution.city_en, texts.name(institution, "city"))
    return sorted(seen.items(), key=lambda item: str(item[1]))


@require_safe
@pagecache.shared()
def home(request: HttpRequest, lang: str) -> HttpResponse:
    texts = Texts(lang)
    centers = public.centers()
    institutions: dict[int, dict[str, Any]] = {}
    for center in centers:
        entry = institutions.setdefault(
            center.institution_id,
            {
                "institution": center.institution,
                "name": texts.name(center.institution),
                "city": texts.name(center.institution, "city"),
                "centers": [],
            },
        )
        entry["centers"].append({"center": center, "name": texts.name(center)})
    members = sorted(institutions.values(), key=lambda e: str(e["name"]))
    association = pagecache.remember("association", 60, Association.current)
    news = [_news_entry(item, texts) for item in public.published_news(limit=HOME_NEWS)]
    with translation.override(texts.ui):
        site = str(_site_name(texts))
        description = _(
            "%(site)s: find the member center for a condition or an operation by the evidence "
            "of its registry, its accreditations and the languages its clinicians speak."
        ) % {"site": site}
        cities = _cities([m["institution"] for m in members], texts)
        languages = _spoken_language_options()
    return _page(
        request,
        lang,
        "portal/home.html",
        {
            "texts": texts,
            "association": association,
            "members": members,
            "news": news,
            "form": {"q": "", "language": "", "city": ""},
            "cities": cities,
            "spoken_languages": languages,
        },
        url_name="portal:home",
        title=site,
        description=description,
    )


@require_safe
@pagecache.shared()
def institution_page(request: HttpRequest, lang: str, code: str) -> HttpResponse:
    texts = Texts(lang)
    institution = Institution.objects.filter(code=code, voided=False).first()
    if institution is None:
        with translation.override(texts.ui):
            what = _("member institution")
        return _not_found(request, lang, what)
    centers = list(institution.centers.filter(voided=False).order_by("name_en"))
    departments = list(institution.departments.filter(voided=False).order_by("name_en"))
    news = (
        NewsItem.objects.filter(
            voided=False, status=NewsStatus.PUBLISHED, center__institution=institution
        )
        .select_related("center")
        .order_by("-event_date", "-pk")[:10]
    )
    name = texts.name(institution)
    with translation.override(texts.ui):
        description = _("%(name)s, %(city)s: its centers and international patient contact.") % {
            "name": name,
            "city": texts.name(institution, "city"),
        }
        kinds = dict(CenterKind.choices)
        context = {
            "texts": texts,
            "institution": institution,
            "name": name,
            "city": texts.name(institution, "city"),
            "centers": [
                {"center": c, "name": texts.name(c), "kind": str(kinds.get(c.kind, ""))}
                for c in centers
            ],
            "departments": [texts.name(d) for d in departments],
            "contact": _contact(institution),
            "news": [_news_entry(item, texts) for item in news],
        }
    return _page(
        request,
        lang,
        "portal/institution.html",
        context,
        url_name="portal:institution",
        url_kwargs={"code": code},
        title=str(name),
        description=description,
    )


def _contact(institution: Institution) -> dict[str, str]:
    phone = institution.ipc_phone
    return {
        "name": institution.ipc_contact_name,
        "phone": phone,
        "tel": "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else "",
        "email": institution.ipc_email,
    }


def _news_entry(item: NewsItem, texts: Texts) -> dict[str, Any]:
    return {
        "item": item,
        "title": texts.pick(item.texts, "title"),
        "date": item.event_date,
        "url": reverse("portal:news", kwargs={"lang": texts.language, "pk": item.pk}),
        "center": texts.name(item.center) if item.center else None,
    }


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def accreditation_status_line(accreditation: Accreditation, status: AccreditationStatus) -> str:
    """The honest status of an accreditation, in words (in the active language)."""
    until = _day(accreditation.valid_until)
    submitted = _day(accreditation.renewal_submitted_on)
    if status == AccreditationStatus.VALID:
        return _("Valid until %(date)s") % {"date": until}
    if status == AccreditationStatus.RENEWAL_DUE:
        if submitted:
            return _("Valid until %(date)s; renewal submitted on %(submitted)s") % {
                "date": until,
                "submitted": submitted,
            }
        return _("Valid until %(date)s; renewal due") % {"date": until}
    if status == AccreditationStatus.RENEWAL_PENDING:
        return _("Expired on %(date)s; renewal submitted on %(submitted)s, pending") % {
            "date": until,
            "submitted": submitted,
        }
    return _("Expired on %(date)s") % {"date": until}


def _condition_labels(codes: Sequence[str], texts: Texts) -> list[str]:
    """ICD-10 codes with the vocabulary's name for them when it has one: "Ovarian cancer (C56)"."""
    names: dict[str, str] = {}
    for concept in vocabulary.concepts("condition"):
        for code in getattr(concept, "icd10", ()) or ():
            names.setdefault(code, concept.label(texts.ui))
    labels = []
    for code in codes:
        name = names.get(code) or names.get(code[:3])
        labels.append(f"{name} ({code})" if name else code)
    return labels


def _scope(accreditation: Accreditation, texts: Texts) -> list[tuple[str, str]]:
    """(what, list) of what an accreditation covers, e.g. ("Conditions", "Ovarian cancer (C56)")."""
    groups = dict(ProcedureGroup.choices)
    approaches = dict(Approach.choices)
    parts = []
    if accreditation.scope_icd10:
        labels = _condition_labels(accreditation.scope_icd10, texts)
        parts.append((_("Conditions"), ", ".join(labels)))
    if accreditation.scope_procedure_groups:
        names = [str(groups.get(g, g)) for g in accreditation.scope_procedure_groups]
        parts.append((_("Operations"), ", ".join(names)))
    if accreditation.scope_approaches:
        names = [str(approaches.get(a, a)) for a in accreditation.scope_approaches]
        parts.append((_("Approaches"), ", ".join(names)))
    return parts


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _attained_label(attained: str | None) -> str:
    """ "optimal", "minimum", "not met"; a single-level target reads "met"."""
    if not attained:
        return _("not assessed")
    if attained == "target":
        return _("met")
    return str(LEVEL_LABELS.get(attained, attained.replace("_", " ")))


def _indicator_rows(indicators: Sequence[Mapping[str, Any]], texts: Texts) -> list[dict[str, Any]]:
    rows = []
    for item in indicators:
        rate = item.get("kind") == "rate"
        value = item.get("value")
        attained = item.get("attained")
        if rate:
            shown = _percent(value)
            interval = (
                f"{_percent(item.get('low'))} {EN_DASH} {_percent(item.get('high'))}"
                if value is not None and item.get("low") is not None
                else "—"
            )
            count = f"{item.get('numerator', 0):,} / {item.get('denominator', 0):,}"
        else:
            shown = "—" if value is None else f"{round(value):,}"
            interval = "—"
            count = ""
        rows.append(
            {
                "id": item.get("indicator", ""),
                "name": texts.bilingual(item.get("name") or {}),
                "year": item.get("year"),
                "value": shown,
                "interval": interval,
                "count": count,
                "attained": attained,
                "attained_label": _attained_label(attained),
                "met": attained not in (None, "not_met"),
            }
        )
    return rows


def _milestones(milestones: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for m in sorted(milestones, key=lambda m: (m.get("date", ""), m.get("count", 0))):
        values = {"count": f"{m['count']:,}", "date": m["date"]}
        if m.get("kind") == "robotic":
            lines.append(_("%(count)sth robotic operation on %(date)s") % values)
        else:
            lines.append(_("%(count)sth operation on %(date)s") % values)
    return lines


@require_safe
@pagecache.shared()
def center_page(request: HttpRequest, lang: str, code: str) -> HttpResponse:
    texts = Texts(lang)
    page = public.center_page(code)
    if page is None:
        with translation.override(texts.ui):
            what = _("center")
        return _not_found(request, lang, what)
    center = page.center
    shown = page.profile is not None and page.profile.published
    profile_texts = page.profile.texts if shown and page.profile else {}
    name = texts.name(center)
    summary = texts.pick(profile_texts, "summary")
    departments_by_kind = dict(DepartmentKind.choices)
    spoken = dict(SPOKEN_LANGUAGES)
    evidence = page.evidence or {}
    annual = list(evidence.get("annual", []))[-10:]
    with translation.override(texts.ui):
        as_of = (
            timezone.localtime(page.evidence_as_of).date().isoformat()
            if page.evidence_as_of
            else ""
        )
        description = str(summary) or _(
            "%(center)s, %(institution)s, %(city)s: accreditations, volumes and quality "
            "indicators computed from the association's registry."
        ) % {
            "center": name,
            "institution": texts.name(center.institution),
            "city": texts.name(center.institution, "city"),
        }
        context = {
            "texts": texts,
            "page": page,
            "center": center,
            "name": name,
            "institution": texts.name(center.institution),
            "institution_url": reverse(
                "portal:institution", kwargs={"lang": lang, "code": center.institution.code}
            ),
            "city": texts.name(center.institution, "city"),
            "summary": summary,
            "treats": texts.pick(profile_texts, "treats"),
            "team": texts.pick(profile_texts, "team"),
            "accreditations": [
                {
                    "accreditation": a,
                    "status": status,
                    "line": accreditation_status_line(a, status),
                    "current": public.accreditation_is_current(status),
                    "program": texts.name(a, "program"),
                    "scope": _scope(a, texts),
                }
                for a, status in page.accreditations
            ],
            "boards": [
                {
                    "name": texts.name(board),
                    "departments": [
                        str(departments_by_kind.get(d, d)) for d in (board.quorum or [])
                    ],
                    "sites": _condition_labels(board.tumor_sites or [], texts),
                }
                for board in page.boards
            ],
            "departments": [texts.name(d) for d in page.departments],
            "clinicians": [
                {
                    "name": texts.name(c),
                    "title": c.title,
                    "specialty": c.specialty,
                    "department": texts.name(c.department),
                    "languages": [str(spoken.get(code, code)) for code in (c.languages or [])],
                }
                for c in page.clinicians
            ],
            "languages": [str(spoken.get(code, code)) for code in page.languages],
            "annual": annual,
            "milestones": _milestones(evidence.get("milestones", [])),
            "indicators": _indicator_rows(evidence.get("indicators", []), texts),
            "as_of": as_of,
            "contact": _contact(center.institution),
            "news": [_news_entry(item, texts) for item in page.news],
            "json_url": reverse("portal:center_json", kwargs={"code": center.code}),
        }
    return _page(
        request,
        lang,
        "portal/center.html",
        context,
        url_name="portal:center",
        url_kwargs={"code": code},
        title=f"{name} · {context['institution']}",
        description=description,
    )


@require_safe
@pagecache.shared()
def news_page(request: HttpRequest, lang: str, pk: int) -> HttpResponse:
    texts = Texts(lang)
    item = (
        NewsItem.objects.filter(pk=pk, voided=False, status=NewsStatus.PUBLISHED)
        .filter(Q(center__isnull=True) | Q(center__voided=False))
        .select_related("center__institution")
        .first()
    )
    if item is None:
        with translation.override(texts.ui):
            what = _("news item")
        return _not_found(request, lang, what)
    entry = _news_entry(item, texts)
    body = texts.pick(item.texts, "body")
    center_url = (
        reverse("portal:center", kwargs={"lang": lang, "code": item.center.code})
        if item.center
        else ""
    )
    return _page(
        request,
        lang,
        "portal/news.html",
        {"texts": texts, "entry": entry, "body": body, "center_url": center_url},
        url_name="portal:news",
        url_kwargs={"pk": pk},
        title=str(entry["title"]),
        description=str(body)[:200],
        og_type="article",
    )


def _understood(query: vocabulary.Query, texts: Texts) -> list[Text]:
    """The concepts a query was read as, named in the page's language when the vocabulary
    has that name (else in the interface's), then the ICD-10 codes typed."""
    labels = []
    for concept in query.concepts:
        own = concept.labels.get(texts.language)
        labels.append(
            texts.text(own, texts.language)
            if own
            else texts.text(concept.label(texts.ui), texts.ui)
        )
    labels += [texts.text(f"ICD-10 {code}", texts.ui) for code in query.codes]
    return labels


#: Results shown for a search (the strongest evidence first); a short page is quick to read
#: on a phone and quick to send over a slow connection.
SHOWN = 20


def _search_context(
    texts: Texts, q: str, language: str, city: str, searched: bool
) -> tuple[Any, ...]:
    """What a search page shows besides the form: results with their reasons in words, what
    the query was understood as, and the filters' options."""
    found = (
        public.search(q, language_spoken=language or None, city=city or None, limit=SHOWN)
        if searched
        else None
    )
    with translation.override(texts.ui):
        results = []
        if found is not None:
            for result in found.results:
                facts = result.center
                results.append(
                    {
                        "name": texts.bilingual(facts.name),
                        "institution": texts.bilingual(facts.institution),
                        "city": texts.bilingual(facts.city),
                        "url": reverse(
                            "portal:center", kwargs={"lang": texts.language, "code": facts.code}
                        ),
                        "reasons": [str(line) for line in ranking.describe(result, texts.ui)],
                    }
                )
        understood = _understood(found.query, texts) if found else []
        unmatched = list(found.query.unmatched) if found else []
        spoken = dict(SPOKEN_LANGUAGES)
        title = _("Find a center") if not q else _("Centers for “%(q)s”") % {"q": q}
        description = _(
            "Search the association's centers by condition (ICD-10 code or name), operation, "
            "language spoken or city; ranked by evidence from the registry."
        )
        cities = _cities(public.institutions(), texts)
        languages = _spoken_language_options()
        language_label = str(spoken.get(language, "")) if language else ""
        city_label = str(dict(cities).get(city, city))
    return (
        results,
        found.total if found else 0,
        understood,
        unmatched,
        str(title),
        str(description),
        cities,
        languages,
        language_label,
        city_label,
    )


@require_safe
@pagecache.shared(pagecache.SEARCH_SECONDS)
def search_page(request: HttpRequest, lang: str) -> HttpResponse:
    texts = Texts(lang)
    q = request.GET.get("q", "").strip()[:200]
    spoken_codes = {code for code, _label in SPOKEN_LANGUAGES}
    language = request.GET.get("language", "").strip()
    language = language if language in spoken_codes else ""
    city = request.GET.get("city", "").strip()[:100]
    searched = bool(q or language or city)
    # The page's words for a query are kept with its results (a minute per worker): a search
    # asked again in other words for the same filters ("C56", "ovarian cancer") costs its
    # template only.
    key = f"portal-search-page:{lang}:{language}:{city}:{q}"
    if pagecache.enabled():
        shown = pagecache.remember(
            key,
            public.RESULTS_SECONDS,
            lambda: _search_context(texts, q, language, city, searched),
        )
    else:
        shown = _search_context(texts, q, language, city, searched)
    results, total, understood, unmatched, title, description, cities, languages = shown[:8]
    language_label, city_label = shown[8:]
    query = request.GET.urlencode() if searched else ""
    return _page(
        request,
        lang,
        "portal/search.html",
        {
            "texts": texts,
            "searched": searched,
            "form": {"q": q, "language": language, "city": city},
            "results": results,
            "total": total,
            "understood": understood,
            "unmatched": unmatched,
            "cities": cities,
            "spoken_languages": languages,
            "language_label": language_label,
            "city_label": city_label,
            "examples": ["ovarian cancer", "난소암", "C56", "robotic prostatectomy"],
        },
        url_name="portal:search",
        title=title,
        description=description,
        query=query,
    )


# --- partners' JSON, sitemap, robots -------------------------------------------------------------
def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@pagecache.shared()
def center_json(request: HttpRequest, code: str) -> HttpResponse:
    page = public.center_page(code)
    if page is None:
        missing = JsonResponse(
            {"error": "not_found", "detail": f"No center with the code {code!r}."}, status=404
        )
        return pagecache.cache_control(request, _cors(missing), NOT_FOUND_CACHE_SECONDS)
    base_url = pagecache.origin(request)
    response = JsonResponse(
        public.center_json(page, base_url), json_dumps_params={"ensure_ascii": False}
    )
    return pagecache.cache_control(request, _cors(response), CACHE_SECONDS)


def public_paths(languages: Sequence[str]) -> list[str]:
    """The addresses of the public pages in ``languages``: home, institutions, centers and
    published news (what ``caseway portal warm`` renders ahead of visitors)."""
    centers = public.centers()
    news = NewsItem.objects.filter(voided=False, status=NewsStatus.PUBLISHED).filter(
        Q(center__isnull=True) | Q(center__voided=False)
    )
    news_ids = list(news.order_by("pk").values_list("pk", flat=True))
    paths = []
    for lang in languages:
        paths.append(reverse("portal:home", kwargs={"lang": lang}))
        paths += [
            reverse("portal:institution", kwargs={"lang": lang, "code": institution.code})
            for institution in public.institutions()
        ]
        paths += [
            reverse("portal:center", kwargs={"lang": lang, "code": center.code})
            for center in centers
        ]
        paths += [reverse("portal:news", kwargs={"lang": lang, "pk": pk}) for pk in news_ids]
    paths += [reverse("portal:center_json", kwargs={"code": center.code}) for center in centers]
    return paths


def _sitemap_entries(request: HttpRequest) -> list[tuple[list[dict[str, str]], str]]:
    """(alternates, last modified) of every public page."""
    entries: list[tuple[list[dict[str, str]], str]] = [
        (_alternates(request, "portal:home", {}), "")
    ]
    for institution in public.institutions():
        entries.append((_alternates(request, "portal:institution", {"code": institution.code}), ""))
    for center in Center.objects.filter(voided=False, institution__voided=False).order_by("code"):
        entries.append((_alternates(request, "portal:center", {"code": center.code}), ""))
    news = (
        NewsItem.objects.filter(voided=False, status=NewsStatus.PUBLISHED)
        .filter(Q(center__isnull=True) | Q(center__voided=False))
        .order_by("pk")
    )
    for item in news.only("pk", "published_at", "event_date"):
        modified = item.published_at.date().isoformat() if item.published_at else ""
        entries.append((_alternates(request, "portal:news", {"pk": item.pk}), modified))
    return entries


@require_safe
@pagecache.shared()
def sitemap(request: HttpRequest) -> HttpResponse:
    """Every public page in every content language, each listing its alternates."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for alternates, modified in _sitemap_entries(request):
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{a["code"]}" href={quoteattr(a["url"])}/>'
            for a in alternates
        )
        default = next(a["url"] for a in alternates if a["code"] == DEFAULT_LANGUAGE)
        links += f'<xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(default)}/>'
        lastmod = f"<lastmod>{modified}</lastmod>" if modified else ""
        for alternate in alternates:
            lines.append(f"<url><loc>{escape(alternate['url'])}</loc>{lastmod}{links}</url>")
    lines.append("</urlset>")
    response = HttpResponse("\n".join(lines) + "\n", content_type="application/xml; charset=utf-8")
    return pagecache.cache_control(request, response, 3600)


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the portal; the staff site (everything else) is not for them."""
    lines = ["User-agent: *"]
    lines += [f"Allow: {path}" for path in ROBOTS_ALLOWED]
    lines += ["Disallow: /", "", f"Sitemap: {_absolute(request, reverse('sitemap'))}"]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    return pagecache.cache_control(request, response, 3600)
