"""Print a new field-encryption key for CASEWAY_FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from caseway.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new key for CASEWAY_FIELD_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_key())
