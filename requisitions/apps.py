from django.apps import AppConfig


class RequisitionsConfig(AppConfig):
    name = "requisitions"
    default_auto_field = "django.db.models.BigAutoField"
