"""``caseway portal refresh [--center CODE ...]`` (recompute the portal's evidence from the
registry; nightly and after imports), ``caseway portal alerts`` (e-mail coordinators six months
before an accreditation expires and when it does, once each; run it daily) and
``caseway portal drafts`` (draft news from registry milestones and accreditations, once each),
``caseway portal warm [--language CODE ...]`` (render the public pages into the shared cache
ahead of visitors; after the nightly refresh)."""

from __future__ import annotations

import smtplib
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction

from caseway.accounts.actor import Actor
from caseway.core import versioning
from caseway.core.management.arguments import iso_date
from caseway.organizations.models import Center
from caseway.portal import evidence, pagecache, services, views


class Command(BaseCommand):
    help = (
        "The public portal: refresh its evidence, alert about accreditations, draft news, "
        "render its pages ahead of visitors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        refresh = sub.add_parser(
            "refresh", help="Recompute volumes, milestones and published indicators."
        )
        refresh.add_argument(
            "--center",
            action="append",
            dest="centers",
            metavar="CODE",
            help="Only this center (repeatable); all centers by default.",
        )
        alerts = sub.add_parser(
            "alerts", help="E-mail coordinators about accreditations due or expired (daily)."
        )
        drafts = sub.add_parser("drafts", help="Draft news from milestones and accreditations.")
        drafts.add_argument(
            "--years", type=int, default=10, help="Events of the last N years (10)."
        )
        warm = sub.add_parser(
            "warm", help="Render the public pages into the shared cache (after refresh)."
        )
        warm.add_argument(
            "--language",
            action="append",
            dest="languages",
            choices=views.LANGUAGE_CODES,
            metavar="CODE",
            help=f"Pages in this language (repeatable; {', '.join(views.LANGUAGE_CODES)}); "
            "English and Korean by default.",
        )
        for command in (refresh, alerts, drafts):
            command.add_argument(
                "--today", type=iso_date, default=None, help="Judge as of this date (YYYY-MM-DD)."
            )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("cli")
        try:
            getattr(self, f"do_{options['subcommand']}")(actor, options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except versioning.PreconditionFailed:
            raise CommandError(
                "A record changed while the command ran (someone editing it?). Run it again."
            ) from None
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the work ({exc}). Is it migrated (caseway migrate)?"
            ) from None

    def do_refresh(self, actor: Actor, options: dict[str, Any]) -> None:
        ids = None
        codes = options.get("centers")
        if codes:
            found = dict(
                Center.objects.filter(code__in=codes, voided=False).values_list("code", "pk")
            )
            unknown = [code for code in codes if code not in found]
            if unknown:
                known = ", ".join(
                    Center.objects.filter(voided=False)
                    .order_by("code")
                    .values_list("code", flat=True)
                )
                raise CommandError(
                    f"No center with code {', '.join(map(repr, unknown))}. Centers: {known or '-'}."
                )
            ids = list(found.values())
        started = time.monotonic()
        count = evidence.refresh(ids, today=options.get("today"))
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Evidence refreshed for {count} centers in {seconds:.2f} s.")
        )

    def do_alerts(self, actor: Actor, options: dict[str, Any]) -> None:
        # One transaction: if the mail cannot go out, no alert is marked as sent, so the next
        # run sends it again.
        try:
            with transaction.atomic():
                sent = services.accreditation_alerts(actor, options.get("today"))
        except (OSError, smtplib.SMTPException) as exc:
            raise CommandError(
                f"The alerts could not be e-mailed ({exc}); none is marked as sent. Check the "
                "mail settings (CASEWAY_EMAIL_HOST, CASEWAY_EMAIL_PORT) and run it again."
            ) from None
        for accreditation, kind in sent:
            what = "expired" if kind == "expired" else "due for renewal"
            self.stdout.write(
                f"{accreditation.center.code}: {accreditation} ({what}, valid until "
                f"{accreditation.valid_until.isoformat()})"
            )
        self.stdout.write(f"{len(sent)} accreditation alerts sent.")

    def do_drafts(self, actor: Actor, options: dict[str, Any]) -> None:
        if options["years"] < 1:
            raise CommandError("--years must be at least 1.")
        drafts = services.draft_news(actor, options.get("today"), years=options["years"])
        for item in drafts:
            where = item.center.code if item.center else "association"
            self.stdout.write(f"{where}: {item.event_date.isoformat()} {item.title('en')}")
        self.stdout.write(f"{len(drafts)} news drafts written.")

    def do_warm(self, actor: Actor, options: dict[str, Any]) -> None:
        languages = options.get("languages") or ["en", "ko"]
        paths = views.public_paths(languages)
        try:
            done = pagecache.warm(paths)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for failure in done.failed:
            self.stderr.write(f"Not kept: {failure}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{done.rendered} pages rendered, {done.kept} already kept, in "
                f"{done.seconds:.1f} s ({', '.join(languages)})."
            )
        )
        if done.failed:
            raise CommandError(f"{len(done.failed)} pages could not be rendered (above).")
