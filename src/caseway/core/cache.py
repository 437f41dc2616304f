"""Short-lived, per-process memory for values that are costly to compute and safe to be stale.

Only for display values where being up to a minute old is harmless (the association's name,
directory counts on a dashboard). Never for anything an access decision depends on. Each web
worker keeps its own copy, so workers stay stateless and nothing needs invalidating.
"""

from __future__ import annotations

import time
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


# Objects kept as they are (no pickling), for values read on every request that are costly to
# unpickle, e.g. the portal's search index. Same rules: per process, safe to be stale.
_OBJECTS: dict[str, tuple[float, object]] = {}
_OBJECTS_LIMIT = 2048


def remember_object(key: str, seconds: float, compute: Callable[[], T]) -> T:
    now = time.monotonic()
    found = _OBJECTS.get(key)
    if found is not None and found[0] > now:
        return found[1]  # type: ignore[return-value]
    value = compute()
    if len(_OBJECTS) >= _OBJECTS_LIMIT:
        for stale in [k for k, (until, _v) in _OBJECTS.items() if until <= now]:
            del _OBJECTS[stale]
        if len(_OBJECTS) >= _OBJECTS_LIMIT:
            _OBJECTS.clear()
    _OBJECTS[key] = (now + seconds, value)
    return value


def forget_object(key: str) -> None:
    """Drop one remembered object (its next use computes it again)."""
    _OBJECTS.pop(key, None)


def forget_objects() -> None:
    """Empty the object memory (tests start from nothing)."""
    _OBJECTS.clear()
