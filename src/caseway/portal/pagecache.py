"""Public pages rendered once and sent to every visitor until what they show changes.

A portal page is the same for every visitor: it is rendered without the request's user or
session. So a rendered page is kept in the shared cache (``CACHES["default"]``, the database:
every web worker on every machine reads the same pages) under a key naming its address, the
release (``code_version``), the day (an accreditation's status changes at midnight) and the
portal's *generation*. Whatever
changes what a public page shows starts a new generation: the evidence refresh, and the saving
of accreditations, profiles, news, centers, institutions, departments, clinicians and tumor
boards (signals connected in ``apps.py``, after the transaction commits). Pages of an old
generation are never read again and age out. Other workers notice a new generation within
``GENERATION_SECONDS`` (the worker that made the change at once).

Pages are rendered ahead of visitors by ``warm`` (``caseway portal warm``, after the nightly
refresh), so the first visitor of the day does not wait for a page either. That needs the
portal's public address (``CASEWAY_PUBLIC_URL``), which the pages' absolute links then name
whatever ``Host`` a request came with; without it the key includes the request's host.

The per-process memories the portal's pages are built from are keyed by the generation too
(``remember``), so a page rendered for a new generation never uses an older value.
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control

from caseway.core.cache import forget_object, remember_object

T = TypeVar("T")
GENERATION_KEY = "portal:generation"
#: How long a worker trusts the generation it last read.
GENERATION_SECONDS = 5
#: How long a page is kept (it is also keyed by the day); search pages, whose addresses are
#: as many as the queries typed, a shorter time.
PAGE_SECONDS = 24 * 3600
SEARCH_SECONDS = 600
#: Headers a kept page is sent again with (Cache-Control depends on the visitor: see
#: ``cache_control``).
KEPT_HEADERS = ("Content-Type", "Content-Language", "Access-Control-Allow-Origin", "Vary")


def enabled() -> bool:
    return bool(settings.CASEWAY_PORTAL_CACHE)


# --- the generation ------------------------------------------------------------------------------
def generation() -> str:
    return remember_object(GENERATION_KEY, GENERATION_SECONDS, _shared_generation)


def _shared_generation() -> str:
    store = caches["default"]
    value = store.get(GENERATION_KEY)
    if value is None:
        store.add(GENERATION_KEY, uuid.uuid4().hex, None)
        value = store.get(GENERATION_KEY)
    return str(value)


_quiet = 0


def changed() -> None:
    """What public pages show has changed: every page is rendered afresh from now on."""
    if _quiet:
        return
    caches["default"].set(GENERATION_KEY, uuid.uuid4().hex, None)
    forget_object(GENERATION_KEY)


def changed_on_commit(**_signal: Any) -> None:
    """``changed`` once the current transaction commits (a signal receiver): a page rendered
    before the commit must not be kept under the new generation."""
    if not _quiet:
        transaction.on_commit(changed, robust=True)


@contextmanager
def one_change() -> Iterator[None]:
    """Many saves (loading a demo, an import) count as one change, made at the end. For
    commands: it quiets the whole process, not one thread."""
    global _quiet
    _quiet += 1
    try:
        yield
    finally:
        _quiet -= 1
    changed_on_commit()


def remember(name: str, seconds: float, compute: Callable[[], T]) -> T:
    """A per-process memory (``core.cache.remember_object``) of the current generation."""
    return remember_object(f"{name}:{generation()}", seconds, compute)


# --- pages ---------------------------------------------------------------------------------------
def cache_control(request: HttpRequest, response: HttpResponse, seconds: int) -> HttpResponse:
    """Anyone may cache the page, except when the visitor has a session: the staff site's
    middleware may then renew its cookie on this response, which no shared cache may keep."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        patch_cache_control(response, private=True, max_age=seconds)
    else:
        patch_cache_control(response, public=True, max_age=seconds)
    return response


def origin(request: HttpRequest) -> str:
    """Scheme and host the page's absolute links name."""
    return settings.CASEWAY_PUBLIC_URL or f"{request.scheme}://{request.get_host()}"


@functools.cache
def code_version() -> str:
    """A digest of the code that renders pages (Caseway's Python, templates, translations and
    vocabulary): pages rendered by an earlier release are never sent by a later one. The
    same on every machine running the same release."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".html", ".mo", ".json") and "tests" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(request: HttpRequest) -> str:
    address = f"{origin(request)}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    day = timezone.localdate().isoformat()
    return f"portal:page:{code_version()}:{generation()}:{day}:{digest}"


@dataclass(frozen=True)
class _Kept:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    max_age: int


def shared(seconds: int = PAGE_SECONDS) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Keep the view's pages in the shared cache; send them again while their generation
    lasts. The view must not depend on who asks (only on the address). Only pages found (200)
    are kept: addresses that do not exist are as many as anyone cares to type."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def kept_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not enabled():
                return view(request, *args, **kwargs)
            store = caches["default"]
            key = _key(request)
            kept = store.get(key)
            if isinstance(kept, _Kept):
                response = HttpResponse(kept.body, status=kept.status)
                for name, value in kept.headers:
                    response[name] = value
                response["X-Cache"] = "hit"
                return cache_control(request, response, kept.max_age)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                headers = tuple((h, response[h]) for h in KEPT_HEADERS if h in response)
                max_age = _max_age(response)
                store.set(key, _Kept(response.status_code, headers, response.content, max_age),
                          seconds)  # fmt: skip
                response["X-Cache"] = "miss"
            return response

        return kept_view

    return decorator


def _max_age(response: HttpResponse) -> int:
    """How long the view let browsers and proxies keep the page (none said: not at all)."""
    for part in response.get("Cache-Control", "").split(","):
        name, _eq, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return int(value)
    return 0


# --- ahead of visitors ---------------------------------------------------------------------------
@dataclass
class Warmed:
    rendered: int = 0
    kept: int = 0  # already in the cache for this generation and day
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def warm(paths: Iterable[str]) -> Warmed:
    """Render the pages at ``paths`` into the shared cache (those not there yet)."""
    if not settings.CASEWAY_PUBLIC_URL:
        raise ValueError(
            "Pages can be rendered ahead of visitors only when the portal's public address is "
            "set: CASEWAY_PUBLIC_URL, e.g. https://portal.example.org."
        )
    if not enabled():
        raise ValueError("The portal's page cache is switched off (CASEWAY_PORTAL_CACHE).")
    started = time.monotonic()
    result = Warmed()
    parts = urlsplit(settings.CASEWAY_PUBLIC_URL)
    for path in paths:
        request = HttpRequest()
        request.method = "GET"
        address = urlsplit(path)
        request.path = request.path_info = address.path
        request.GET = QueryDict(address.query)
        request.META = {
            "HTTP_HOST": parts.netloc,
            "SERVER_NAME": parts.hostname or "",
            "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "QUERY_STRING": address.query,
        }
        match = resolve(request.path_info)
        response = match.func(request, *match.args, **match.kwargs)
        outcome = response.get("X-Cache")
        if outcome == "miss":
            result.rendered += 1
        elif outcome == "hit":
            result.kept += 1
        else:
            result.failed.append(f"{path} ({response.status_code})")
    result.seconds = time.monotonic() - started
    return result
