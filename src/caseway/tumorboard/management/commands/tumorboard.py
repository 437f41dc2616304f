"""``caseway tumorboard schedule --board CODE --from DATE --to DATE [--apply]``,
``caseway tumorboard meetings --board CODE --from DATE --to DATE``,
``caseway tumorboard notify`` (send due case lists; run it hourly) and
``caseway tumorboard metrics --board CODE --from DATE --to DATE [--format json]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from caseway.accounts.actor import Actor
from caseway.core import versioning
from caseway.core.management.arguments import iso_date
from caseway.tumorboard import metrics, services
from caseway.tumorboard.models import Board


class Command(BaseCommand):
    help = "Tumor boards: plan agendas, generate meetings, send case lists, metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        schedule = sub.add_parser(
            "schedule", help="The agenda a solve would set, and why cases were left out."
        )
        meetings = sub.add_parser("meetings", help="Generate meetings from the board's pattern.")
        report = sub.add_parser("metrics", help="The board's metrics for a period.")
        for command in (schedule, meetings, report):
            command.add_argument("--board", required=True, help="Board code, e.g. smc-gcc-gyn")
            command.add_argument("--from", dest="start", required=True, type=iso_date)
            command.add_argument("--to", dest="end", required=True, type=iso_date)
        schedule.add_argument("--apply", action="store_true", help="Write the agenda too.")
        schedule.add_argument("--time-limit", type=float, default=5.0, help="Seconds (5).")
        report.add_argument("--format", choices=("table", "json"), default="table")
        for command in (schedule, report):
            command.add_argument("--language", choices=("en", "ko"), default="en")
        sub.add_parser("notify", help="Send the case lists that are due, and changed lists.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            with translation.override(options.get("language") or "en"):
                getattr(self, f"do_{options['subcommand']}")(actor, options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except versioning.PreconditionFailed:
            raise CommandError(
                "The agenda changed while it was being planned (another coordinator?). "
                "Run the command again."
            ) from None

    def _board(self, options: dict[str, Any]) -> Board:
        board = Board.objects.filter(code=options["board"], voided=False).first()
        if board is None:
            codes = ", ".join(Board.objects.filter(voided=False).values_list("code", flat=True))
            raise CommandError(f"No board with code {options['board']!r}. Boards: {codes or '-'}.")
        if options["end"] < options["start"]:
            raise CommandError("--to is before --from.")
        return board

    def do_schedule(self, actor: Actor, options: dict[str, Any]) -> None:
        board = self._board(options)
        if (options["end"] - options["start"]).days > 92:
            raise CommandError("Plan at most three months at a time.")
        plan = services.plan_agenda(
            board, options["start"], options["end"], time_limit=options["time_limit"]
        )
        schedule = plan.schedule
        gap = f", gap {schedule.gap:.2%}" if schedule.gap else ""
        self.stdout.write(
            f"{board.code}: {len(plan.meetings)} meetings, {len(schedule.placements)} cases "
            f"placed; solver {schedule.status}{gap} in {schedule.seconds:.2f} s"
        )
        zone = board.zone
        for meeting, placed in plan.by_meeting():
            used = sum(case.minutes for _, case in placed)
            self.stdout.write(
                f"\n{meeting.starts_at.astimezone(zone):%Y-%m-%d %H:%M} "
                f"({used}/{meeting.duration_minutes} min)"
            )
            if not placed:
                self.stdout.write("  (no cases)")
            for placement, case in placed:
                late = "  LATE" if placement.late else ""
                self.stdout.write(
                    f"  {placement.position:>2}. +{placement.starts_after:>3} min  "
                    f"{case.patient.mrn:<14} {case.get_urgency_display():<8} "
                    f"due {case.deadline}  {case.question[:60]}{late}"
                )
        left_out = plan.left_out()
        if left_out:
            self.stdout.write(f"\nLeft out ({len(left_out)}):")
            for case, reason in left_out:
                self.stdout.write(f"  {case.patient.mrn:<14} due {case.deadline}  {reason}")
        if options["apply"]:
            services.apply_agenda(actor, plan)
            self.stdout.write(self.style.SUCCESS("\nThe agenda is written."))

    def do_meetings(self, actor: Actor, options: dict[str, Any]) -> None:
        board = self._board(options)
        created = services.generate_meetings(actor, board, options["start"], options["end"])
        zone = board.zone
        for meeting in created:
            self.stdout.write(f"{meeting.starts_at.astimezone(zone):%Y-%m-%d %H:%M}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} meetings created."))

    def do_notify(self, actor: Actor, options: dict[str, Any]) -> None:
        sent = services.send_due_agendas(actor, timezone.now())
        for notice in sent:
            self.stdout.write(
                f"{notice.meeting}: case list revision {notice.revision} to "
                f"{notice.recipients} recipients"
            )
        self.stdout.write(f"{len(sent)} case lists sent.")

    def do_metrics(self, actor: Actor, options: dict[str, Any]) -> None:
        board = self._board(options)
        result = metrics.for_board(board, options["start"], options["end"])
        if options["format"] == "json":
            document = {"board": board.code, **result.as_dict()}
            self.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=False))
            return
        for label, value in result.rows():
            self.stdout.write(f"{label:<50} {value}")
