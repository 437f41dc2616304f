"""Where changes and patient-data reads are written down.

Core knows that every change must be journaled but not how: the writer named by the
``CASEWAY_JOURNAL_WRITER`` setting (the audit app) does it. Without a writer nothing can be
changed (fail closed).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class JournalWriter(Protocol):
    def __call__(
        self,
        actor: Any,
        action: str,
        *,
        obj: Any = None,
        entity_type: str = "",
        entity_id: str = "",
        patient_id: int | None = None,
        outcome: str = "success",
        reason: str = "",
        detail: dict[str, Any] | None = None,
    ) -> Any: ...


@cache
def writer() -> JournalWriter:
    path = getattr(settings, "CASEWAY_JOURNAL_WRITER", "")
    if not path:
        raise ImproperlyConfigured("CASEWAY_JOURNAL_WRITER is not set; changes cannot be made.")
    return import_string(path)


def record(actor: Any, action: str, **kwargs: Any) -> Any:
    return writer()(actor, action, **kwargs)
