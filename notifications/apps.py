from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """What people are told: the in-app notification centre, e-mails per preference, the daily digest, and the
    outgoing webhooks of each legal entity."""

    name = "notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
