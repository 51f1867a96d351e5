"""`manage.py makemessages` with the project's defaults, so every run writes the catalogue the same way.

Django's command, plus: entries sorted by msgid and no `#: file:line` comments (two people adding strings in
different apps do not conflict in `locale/*/LC_MESSAGES/django.po`), obsolete entries and the POT-Creation-Date
header dropped, and the directories that hold no product strings skipped (tests, docs, collected and vendored
static files). Options given on the command line still apply (`--add-location=file` shows where a msgid comes
from).

    python manage.py makemessages -l fr -l sv
"""

from pathlib import Path
from typing import Any

from django.core.management.commands import makemessages

SKIPPED = ["tests", "staticfiles", "static/vendor", "node_modules", "docs", "bench", "deploy"]


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--sort-output"]
    msguniq_options = [*makemessages.Command.msguniq_options, "--sort-output"]
    msgattrib_options = [*makemessages.Command.msgattrib_options, "--sort-output"]
    xgettext_options = [*makemessages.Command.xgettext_options, "--sort-output"]

    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options["ignore_patterns"], *SKIPPED]
        if not options["add_location"]:
            options["no_location"] = True
        options["no_obsolete"] = True
        super().handle(*args, **options)
        for po_path in Path(self.default_locale_path or "locale").glob("*/LC_MESSAGES/*.po"):
            _drop_creation_date(po_path)


def _drop_creation_date(po_path: Path) -> None:
    """The POT-Creation-Date header changes on every run: left out, it is one conflict fewer at every merge."""
    text = po_path.read_text(encoding="utf-8")
    kept = "".join(line for line in text.splitlines(keepends=True) if not line.startswith('"POT-Creation-Date:'))
    if kept != text:
        po_path.write_text(kept, encoding="utf-8")
