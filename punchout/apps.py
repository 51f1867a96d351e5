from django.apps import AppConfig


class PunchoutConfig(AppConfig):
    name = "punchout"
    default_auto_field = "django.db.models.BigAutoField"
