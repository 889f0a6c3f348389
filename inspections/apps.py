from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    """Quality side: standards' criteria, sampling, inspections, supplier levels, certificates."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "inspections"
    verbose_name = "Inspections"

    def ready(self) -> None:
        # procurement never imports inspections; inspections hands it the checks it must run.
        from procurement import services as procurement

        from . import services

        if services.refuse_discontinued_supplier not in procurement.receipt_guards:
            procurement.receipt_guards.append(services.refuse_discontinued_supplier)
        if services.refuse_release_on_dead_documents not in procurement.release_guards:
            procurement.release_guards.append(services.refuse_release_on_dead_documents)
