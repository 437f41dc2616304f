"""``caseway audit verify`` checks the hash chain; ``caseway audit export`` writes it out."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caseway.accounts.actor import Actor
from caseway.audit import services
from caseway.audit.services import EventFilter


class Command(BaseCommand):
    help = "Verify or export the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Check the hash chain; exit 1 at the first broken event.")
        export = sub.add_parser("export", help="Write events as FHIR NDJSON or CSV to stdout.")
        export.add_argument("--format", choices=["ndjson", "csv"], default="ndjson")
        export.add_argument("--reason", required=True, help="Why the trail is exported.")
        export.add_argument("--patient", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify()
        else:
            self.export(options)

    def verify(self) -> None:
        report = services.verify()
        if report.intact:
            self.stdout.write(
                self.style.SUCCESS(f"Audit trail intact: {report.checked} events verified.")
            )
            return
        self.stderr.write(
            self.style.ERROR(
                f"Audit trail broken at {report.first_break} "
                f"({report.checked} events verified before it)."
            )
        )
        sys.exit(1)

    def export(self, options: dict[str, Any]) -> None:
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason must say why the trail is exported.")
        actor = Actor.system("cli")
        lines = services.export(
            actor, EventFilter(patient_id=options["patient"]), options["format"], reason
        )
        for line in lines:
            self.stdout.write(line, ending="")
