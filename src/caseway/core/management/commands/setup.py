"""Prepare a database for use: translations, migrations and the shared cache table."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile translations, apply migrations and create the cache table."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("compiletranslations", verbosity=verbosity)
        call_command("migrate", interactive=False, verbosity=verbosity)
        call_command("createcachetable", verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS("Caseway is set up."))
