"""``caseway registry import FILE --center CODE``, ``caseway registry indicators ...``,
``caseway registry milestones --center CODE``, ``caseway registry report ...`` and
``caseway registry refresh``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from caseway.accounts.actor import Actor
from caseway.core.access import NotFound
from caseway.organizations.models import Center
from caseway.registry import queries, services
from caseway.registry.api import indicators_document


class Command(BaseCommand):
    help = "The surgical registry: import surgeries, compute indicators, milestones, reports."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        importing = sub.add_parser("import", help="Import a CSV or XLSX file, all or nothing.")
        importing.add_argument("file", type=Path)
        importing.add_argument("--center", required=True, help="Center code, e.g. smc-gcc")

        computing = sub.add_parser("indicators", help="Every indicator of a profile.")
        computing.add_argument("--center", required=True)
        computing.add_argument("--year", required=True, type=int)
        computing.add_argument("--profile", default="esgo-aoc-2016")
        computing.add_argument("--format", choices=("table", "json"), default="table")
        computing.add_argument("--language", choices=("en", "ko"), default="en")

        milestones = sub.add_parser("milestones", help="Annual volumes and milestones.")
        milestones.add_argument("--center", required=True)
        milestones.add_argument("--robotic", action="store_true", help="Robotic cases only")

        report = sub.add_parser("report", help="The accreditation report as PDF or HTML.")
        report.add_argument("--center", required=True)
        report.add_argument("--year", required=True, type=int)
        report.add_argument("--profile", default="esgo-aoc-2016")
        report.add_argument("--language", choices=("en", "ko"), default="en")
        report.add_argument("--output", required=True, type=Path, help="file.pdf or file.html")

        sub.add_parser("refresh", help="Re-derive outcomes whose follow-up window has closed.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        handler = getattr(self, f"do_{options['subcommand']}")
        handler(actor, options)

    def _center(self, code: str) -> Center:
        center = Center.objects.filter(code=code, voided=False).first()
        if center is None:
            codes = ", ".join(Center.objects.filter(voided=False).values_list("code", flat=True))
            raise CommandError(f"No center with code {code!r}. Centers: {codes}.")
        return center

    def _profile(self, profile_id: str) -> Any:
        try:
            return queries.profile(profile_id)
        except NotFound:
            known = ", ".join(queries.profiles())
            raise CommandError(f"No indicator profile {profile_id!r}. Profiles: {known}.") from None

    def do_import(self, actor: Actor, options: dict[str, Any]) -> None:
        from caseway.registry import tabular

        center = self._center(options["center"])
        if not options["file"].is_file():
            raise CommandError(f"Not a file: {options['file']}")
        report = tabular.import_file(actor, center, options["file"])
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"{center.code}: {report.summary()}"))
            return
        self.stderr.write(self.style.ERROR(f"Nothing was imported. {report.summary()}"))
        for line in report.lines():
            self.stderr.write(f"  {line}")
        sys.exit(1)

    def do_indicators(self, actor: Actor, options: dict[str, Any]) -> None:
        center = self._center(options["center"])
        chosen = self._profile(options["profile"])
        year = options["year"]
        with translation.override(options["language"]):
            results = queries.indicators(center, year, chosen).get((center.pk, year), {})
            document = indicators_document(center.code, year, chosen, results)
            if options["format"] == "json":
                self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
                return
            self.stdout.write(self._table(document, queries.localized(chosen.name)))

    @staticmethod
    def _table(document: dict[str, Any], title: str) -> str:
        def shown(value: float | None, kind: str) -> str:
            if value is None:
                return "-"
            return f"{value * 100:.1f}%" if kind == "rate" else f"{value:g}"

        header = ("indicator", "result", "95% CI", "n/N", "attained", "points", "complete")
        lines = [
            (
                r["indicator"],
                shown(r["value"], r["kind"]),
                "-" if r["low"] is None else f"{r['low'] * 100:.1f}-{r['high'] * 100:.1f}%",
                f"{r['numerator']}/{r['denominator']}"
                if r["kind"] == "rate"
                else str(r["denominator"]),
                (r["attained"] or "-") + (" (local target)" if r["target_configurable"] else ""),
                str(r["points"]),
                "-" if r["completeness"] is None else f"{r['completeness'] * 100:.0f}%",
            )
            for r in document["results"]
        ]
        widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
        out = [
            f"{title}: {document['center']} {document['year']} (profile {document['profile']} "
            f"v{document['profile_version']})"
        ]
        for row in [header, *lines]:
            out.append(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        out.append(f"points: {document['points']}")
        return "\n".join(out)

    def do_milestones(self, actor: Actor, options: dict[str, Any]) -> None:
        center = self._center(options["center"])
        volumes = queries.volumes(center, robotic_only=options["robotic"])
        for year, count, cumulative in volumes["years"]:
            self.stdout.write(f"{year}  {count:>6}  cumulative {cumulative:>7}")
        for milestone in volumes["milestones"]:
            self.stdout.write(
                f"milestone {milestone.number:,}: {milestone.date.isoformat()} "
                f"(surgery {milestone.surgery_id})"
            )

    def do_report(self, actor: Actor, options: dict[str, Any]) -> None:
        center = self._center(options["center"])
        chosen = self._profile(options["profile"])
        output: Path = options["output"]
        with translation.override(options["language"]):
            html = queries.report_html(actor, center, options["year"], chosen)
            if output.suffix.lower() == ".pdf":
                from caseway.registry.pdf import render_pdf

                output.write_bytes(render_pdf(html))
            else:
                output.write_text(html, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))

    def do_refresh(self, actor: Actor, options: dict[str, Any]) -> None:
        count = services.refresh_open_follow_up()
        self.stdout.write(f"Re-derived {count} surgeries whose follow-up window closed.")
