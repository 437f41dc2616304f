"""``caseway demo`` loads the demo association; ``caseway demo code EMAIL`` prints a TOTP code."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from caseway.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, current_code, totp_secret
from caseway.demo.generator import DEFAULT_SEED, DEMO_PATIENTS, DemoGenerator
from caseway.organizations.models import Association
from caseway.portal import pagecache


class Command(BaseCommand):
    help = "Load the synthetic demo association, or print a demo account's one-time code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--patients",
            type=int,
            default=DEMO_PATIENTS,
            help="Synthetic cancer patients across the demo centers.",
        )
        sub = parser.add_subparsers(dest="subcommand")
        sub.add_parser("load", help="Load the demo data (the default).")
        code = sub.add_parser("code", help="Print the current one-time code of a demo account.")
        code.add_argument("email")
        sub.add_parser("accounts", help="List the demo accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("The demo generator does not run in production.")
        subcommand = options.get("subcommand") or "load"
        seed = options["seed"]
        if subcommand == "code":
            self.print_code(options["email"], seed)
            return
        if subcommand == "load":
            self.load(seed, options["patients"])
        self.print_accounts(seed)

    def load(self, seed: int, patients: int) -> None:
        existing = Association.objects.first()
        if existing is not None:
            if not existing.synthetic_data:
                raise CommandError("This database holds a real association; no demo is loaded.")
            self.stdout.write("The demo data is already loaded.")
            return
        with pagecache.one_change():  # one new generation of portal pages, at the end
            report = DemoGenerator(seed, patients=patients).run()
        summary = ", ".join(f"{n} {label}" for label, n in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {summary}."))

    def print_code(self, email: str, seed: int) -> None:
        account = next((a for a in DEMO_ACCOUNTS if a.email == email.lower()), None)
        if account is None or not account.is_staff:
            raise CommandError(f"{email} is not a demo staff account.")
        self.stdout.write(current_code(totp_secret(seed, account.email)))

    def print_accounts(self, seed: int) -> None:
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD})")
        for account in DEMO_ACCOUNTS:
            line = f"  {account.role:<22} {account.email}"
            if account.is_staff:
                line += f"  TOTP secret {totp_secret(seed, account.email)}"
            self.stdout.write(line)
        self.stdout.write(
            "Staff sign in with a one-time code: add the secret to an "
            "authenticator app, or run `caseway demo code EMAIL`.\n"
        )
