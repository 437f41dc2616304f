"""``caseway fhir import PATH... --center CODE`` and ``caseway fhir export ...``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caseway.accounts.actor import Actor
from caseway.audit.models import AuditAction
from caseway.core import journal
from caseway.organizations.models import Center
from caseway.records import models as m
from caseway.records.fhir import bulk
from caseway.records.fhir.export import everything
from caseway.records.fhir.importer import import_paths


class Command(BaseCommand):
    help = "Import FHIR R4 (Bundle or NDJSON) into a center, or export FHIR from it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        importing = sub.add_parser("import", help="Import files, all or nothing.")
        importing.add_argument("paths", nargs="+", type=Path)
        importing.add_argument("--center", required=True, help="Center code, e.g. smc-gcc")
        exporting = sub.add_parser("export", help="Export one patient or a whole center.")
        target = exporting.add_mutually_exclusive_group(required=True)
        target.add_argument("--patient", type=int, help="Patient id: print $everything")
        target.add_argument("--center", help="Center code: Bulk Data files into --out")
        exporting.add_argument("--out", type=Path, help="Directory for the bulk files")
        exporting.add_argument("--reason", default="", help="Why (recorded in the audit trail)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        if options["subcommand"] == "import":
            self.do_import(actor, options)
        else:
            self.do_export(actor, options)

    def _center(self, code: str) -> Center:
        center = Center.objects.filter(code=code, voided=False).first()
        if center is None:
            raise CommandError(f"No center with code {code!r}.")
        return center

    def do_import(self, actor: Actor, options: dict[str, Any]) -> None:
        center = self._center(options["center"])
        missing = [str(p) for p in options["paths"] if not p.is_file()]
        if missing:
            raise CommandError(f"Not a file: {', '.join(missing)}")
        report = import_paths(actor, center, options["paths"])
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Imported into {center.code}: {report.summary()}.")
            )
            return
        self.stderr.write(
            self.style.ERROR(f"Nothing was imported: {len(report.issues)} resource(s) rejected.")
        )
        for issue in report.issues:
            self.stderr.write(f"  {issue['diagnostics']}")
        sys.exit(1)

    def do_export(self, actor: Actor, options: dict[str, Any]) -> None:
        reason = options["reason"].strip()
        if len(reason) < 5:
            raise CommandError("--reason must say why the data is exported (it is audited).")
        if options["patient"] is not None:
            patient = m.Patient.objects.filter(pk=options["patient"], voided=False).first()
            if patient is None:
                raise CommandError(f"No patient with id {options['patient']}.")
            journal.record(actor, AuditAction.EXPORT, obj=patient, reason=reason)
            self.stdout.write(
                json.dumps(everything(patient, actor=actor), ensure_ascii=False, indent=1)
            )
            return
        if options["out"] is None:
            raise CommandError("--out DIR is required for a center export.")
        center = self._center(options["center"])
        job = m.BulkExport.objects.create(center=center, reason=reason)
        manifest = bulk.write_export(job, f"{options['out']}/", actor)
        options["out"].mkdir(parents=True, exist_ok=True)
        for entry in manifest["output"]:
            source = bulk.export_dir(job) / f"{entry['type']}.ndjson"
            source.replace(options["out"] / f"{entry['type']}.ndjson")
            entry["url"] = f"{entry['type']}.ndjson"
        (options["out"] / "manifest.json").write_text(json.dumps(manifest, indent=1))
        m.BulkExport.objects.filter(pk=job.pk).update(
            status=m.BulkExport.Status.DONE, manifest=manifest
        )
        journal.record(
            actor,
            AuditAction.EXPORT,
            entity_type="records.bulkexport",
            entity_id=str(job.pk),
            reason=reason,
            detail={"center": center.pk},
        )
        counts = ", ".join(f"{e['count']} {e['type']}" for e in manifest["output"])
        self.stdout.write(self.style.SUCCESS(f"Exported {counts} to {options['out']}."))
