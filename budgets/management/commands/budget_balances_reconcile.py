"""`manage.py budget_balances_reconcile [--fix] [--budget ID ...]`: prove that every budget's running balances
equal its ledger's sums (budgets.ledger). Prints each drift and exits with status 1 when there is any; with
`--fix` the drifted balances are set to the ledger's sums under the budgets' row locks (and the drift found is
still printed, status 0).

Run it after a deploy that wrote entries outside `ledger_write`, or on a schedule (cron, a Celery beat task)
as the ledger's audit.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.ledger import budget_balances_reconcile
from budgets.models import Budget


class Command(BaseCommand):
    help = "Check that each budget's running balances equal the sums of its ledger; --fix sets them to the sums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="Set drifted balances to the ledger's sums.")
        parser.add_argument("--budget", type=int, action="append", dest="budgets", help="Only this budget id.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["budgets"]
        drift = budget_balances_reconcile(budget_ids=ids, fix=options["fix"])
        for line in drift:
            self.stdout.write(str(line))
        checked = len(ids) if ids else Budget.objects.count()
        if drift and not options["fix"]:
            raise CommandError(f"{len(drift)} balance(s) differ from the ledger ({checked} budgets checked).")
        if drift:
            self.stdout.write(f"{checked} budgets checked: {len(drift)} drifted balance(s) set to the ledger's sums.")
        else:
            self.stdout.write(f"{checked} budgets checked: every balance equals its ledger.")
