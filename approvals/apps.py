from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from requisitions.hooks import register

        from .services import ApprovalHook

        register(ApprovalHook())
