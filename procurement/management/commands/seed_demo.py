from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or bring up to date the demo data (idempotent): entities, people, suppliers, catalog, prices."

    def handle(self, *args: Any, **options: Any) -> None:
        def report(line: str) -> None:
            self.stdout.write(f"  {line}")

        # Each app may add its own demo data in <app>/demo.py; the core app's comes first.
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if app_config.name.startswith("django") or find_spec(app_config.name) is None:
                continue
            if find_spec(module_name) is None:
                continue
            self.stdout.write(f"{app_config.label}:")
            import_module(module_name).seed(report)
        self.stdout.write(self.style.SUCCESS("Demo data is in place. Log in as alice / demo."))
