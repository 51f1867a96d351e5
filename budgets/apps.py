from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from requisitions.hooks import register

        from .services import BudgetHook

        register(BudgetHook())
