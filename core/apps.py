from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What both wings use and neither owns: the outbox and its transports, roles, domain errors,
    bulk writes, the API's and the panel's shared pieces, and the middleware. It imports neither
    `procurement` nor `inspections`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"
