from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    """Supplier invoices and credit notes (cXML, UBL/Peppol, Factur-X, typed), their match and payment status."""

    name = "invoices"
    label = "invoices"
    verbose_name = "Supplier invoices"
    default_auto_field = "django.db.models.BigAutoField"
