"""Schema (state only): the e-mail outbox, webhook subscriptions and deliveries and the
Idempotency-Keys move from procurement to core. The tables stay as they are; this only tells
Django that core owns them (procurement 0017 forgets them). 0003 gives them core's names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The tables exist already: procurement created them.
        ("procurement", "0016_field_history"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=200, unique=True)),
                        ("to", models.JSONField(default=list)),
                        ("subject", models.CharField(max_length=255)),
                        ("body", models.TextField()),
                        (
                            "language",
                            models.CharField(
                                choices=[("en", "English"), ("nl", "Nederlands")], max_length=8
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("sending", "Being sent"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed for good"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("attempt_count", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "procurement_outboundemail",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "event",
                            models.CharField(
                                choices=[
                                    ("lot.status_changed", "Lot status changed"),
                                    ("inspection.recorded", "Inspection recorded"),
                                    ("recall.issued", "Recall issued"),
                                    ("notice.answered", "Notice answered"),
                                    ("return.received", "Return received"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("event_id", models.CharField(max_length=64, unique=True)),
                        ("payload", models.JSONField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("sending", "Being sent"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed for good"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("attempt_count", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "procurement_webhookdelivery",
                        "verbose_name_plural": "webhook deliveries",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="OutboundEmailAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        ("succeeded", models.BooleanField()),
                        ("error", models.TextField(blank=True)),
                        (
                            "email",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempts",
                                to="core.outboundemail",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procurement_outboundemailattempt",
                        "ordering": ["at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        ("succeeded", models.BooleanField()),
                        (
                            "response_status",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("error", models.TextField(blank=True)),
                        (
                            "delivery",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempts",
                                to="core.webhookdelivery",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procurement_webhookattempt",
                        "ordering": ["at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookSubscription",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        ("url", models.URLField()),
                        ("secret", models.CharField(max_length=128)),
                        (
                            "events",
                            models.JSONField(
                                default=list, help_text="Event names from WebhookEvent."
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procurement_webhooksubscription",
                        "ordering": ["name"],
                    },
                ),
                migrations.AddField(
                    model_name="webhookdelivery",
                    name="subscription",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="core.webhooksubscription",
                    ),
                ),
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=255)),
                        ("method", models.CharField(max_length=10)),
                        ("path", models.CharField(max_length=500)),
                        ("request_hash", models.CharField(max_length=64)),
                        (
                            "status",
                            models.CharField(
                                choices=[("in progress", "In progress"), ("done", "Done")],
                                max_length=12,
                            ),
                        ),
                        (
                            "response_status",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("response_body", models.JSONField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField(db_index=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="idempotency_keys",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procurement_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "key"), name="one_idempotency_key_per_user"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
