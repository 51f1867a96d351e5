"""`manage.py spend_refresh [--full]`: bring the spend facts up to date now (beat does it every minute)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from analytics.spend import spend_refresh


class Command(BaseCommand):
    help = "Recompute the spend facts of the months changed since the last run (--full: every month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Recompute every month of every legal entity.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = spend_refresh(full=options["full"])
        self.stdout.write(
            f"{result.months} months recomputed: {result.created} rows created, {result.updated} updated, "
            f"{result.deleted} deleted"
        )
