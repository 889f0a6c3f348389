"""Data: the four role groups with their admin permissions, and the warehouse and sink locations."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "view_standard",
    "view_supplier",
    "view_product",
    "view_purchaseorder",
    "view_purchaseorderline",
    "view_shipment",
    "view_lot",
    "view_lotevent",
    "view_orderevent",
    "view_hospital",
    "view_hospitalmembership",
    "view_location",
    "view_stockmovement",
    "view_stockbalance",
    "view_distribution",
]
ROLE_PERMISSIONS = {
    "ministry officer": VIEW_ALL
    + [
        "add_standard",
        "change_standard",
        "add_supplier",
        "change_supplier",
        "add_product",
        "change_product",
        "add_purchaseorder",
        "change_purchaseorder",
        "add_purchaseorderline",
        "change_purchaseorderline",
        "delete_purchaseorderline",
        "add_shipment",
        "change_shipment",
        "change_lot",
        "add_hospital",
        "change_hospital",
        "add_hospitalmembership",
        "change_hospitalmembership",
        "delete_hospitalmembership",
    ],
    "inspector": VIEW_ALL + ["change_lot"],
    "warehouse clerk": VIEW_ALL + ["add_shipment", "change_shipment", "change_lot"],
    "hospital staff": [],
}
LOCATIONS = [
    ("warehouse", "Central warehouse"),
    ("supplier", "Returned to supplier"),
    ("destroyed", "Destroyed"),
    ("consumed", "Consumed"),
]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    app_config = apps.get_app_config("procurement")
    app_config.models_module = True  # a migration's app stub lacks it; create_permissions asks
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="procurement", codename__in=codenames
            )
        )
    Location = apps.get_model("procurement", "Location")
    for kind, name in LOCATIONS:
        Location.objects.get_or_create(kind=kind, defaults={"name": name})


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()
    Location = apps.get_model("procurement", "Location")
    Location.objects.filter(kind__in=[k for k, _ in LOCATIONS], balances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
