from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InvoicesConfig(AppConfig):
    """Supplier invoices and credit notes (cXML, UBL/Peppol, Factur-X, typed), their match and payment status."""

    name = "invoices"
    label = "invoices"
    verbose_name = gettext_lazy("Supplier invoices")
    default_auto_field = "django.db.models.BigAutoField"
