from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    """Supply side: suppliers, products, orders, shipments, lots, hospitals, the stock ledger."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "procurement"
    verbose_name = "Procurement"
