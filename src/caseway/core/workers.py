"""Process-pool plumbing. This module imports nothing from Django at import time, so a spawned
worker can load it before Django is set up, then set Django up."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Initializer for worker processes that run Caseway code."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings")
    import django

    django.setup()
