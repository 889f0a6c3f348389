"""Data: ministry officers manage webhook subscriptions in the panel and look at deliveries and
their attempts (a failed delivery is theirs to retry). Nobody deletes a subscription: it is
deactivated, and its log stays."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_webhooksubscription",
    "change_webhooksubscription",
    "view_webhooksubscription",
    "view_webhookdelivery",
    "view_webhookattempt",
]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("procurement")
    app_config.models_module = True  # a migration's app stub lacks it; create_permissions asks
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="ministry officer")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="procurement", codename__in=CODENAMES)
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="ministry officer"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="procurement", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [("procurement", "0013_officers_manage_api_tokens")]

    operations = [migrations.RunPython(forwards, backwards)]
