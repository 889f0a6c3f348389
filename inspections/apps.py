from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    """Quality side: standards' criteria, sampling, inspections, recalls (built in later issues)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "inspections"
    verbose_name = "Inspections and recalls"
