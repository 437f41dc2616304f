"""Short-lived, per-process memory for values that are costly to compute and safe to be stale.

Only for display values where being up to a minute old is harmless (the association's name,
directory counts on a dashboard). Never for anything an access decision depends on. Each web
worker keeps its own copy, so workers stay stateless and nothing needs invalidating.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches

T = TypeVar("T")
_MISSING = object()


def remember(key: str, seconds: int, compute: Callable[[], T]) -> T:
    store = caches["local"]
    value = store.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        store.set(key, value, seconds)
    return value
