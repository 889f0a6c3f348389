"""Reference data: standards, suppliers, products, hospitals and who works for which, and each
user's own preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..validators import validate_gtin


class ProductCategory(models.TextChoices):
    RESPIRATOR = "respirator", _("Respirator")
    MEDICAL_MASK = "medical_mask", _("Medical mask")
    RAPID_TEST = "rapid_test", _("Rapid test")
    GOWN = "gown", _("Gown")
    GLOVE = "glove", _("Glove")
    VENTILATOR = "ventilator", _("Ventilator")
    OTHER = "other", _("Other")


class IntendedUse(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    NON_MEDICAL = "non_medical", _("Non-medical")


class Standard(models.Model):
    """A named product standard (EN 149 FFP2, GB 2626 KN95) and whether it is for medical use."""

    code = models.CharField(max_length=60, unique=True, help_text="e.g. EN 149 FFP2")
    title = models.CharField(max_length=200)
    edition = models.CharField(max_length=60, blank=True, help_text="e.g. 2001+A1:2009")
    category = models.CharField(max_length=20, choices=ProductCategory.choices)
    is_medical = models.BooleanField(
        "for medical use",
        default=False,
        help_text="Whether products certified to this standard may be used in patient care.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.edition})" if self.edition else self.code


class Supplier(models.Model):
    """A company the ministry buys from."""

    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """Something the ministry buys, with the standard its maker claims it meets."""

    name = models.CharField(max_length=200)
    sku = models.CharField("product code", max_length=60, unique=True)
    gtin = models.CharField(
        "GTIN",
        max_length=14,
        blank=True,
        validators=[validate_gtin],
        help_text="The GS1 trade item number under the product's barcode, as 14 digits.",
    )
    category = models.CharField(max_length=20, choices=ProductCategory.choices)
    claimed_standard = models.ForeignKey(
        Standard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        help_text="The standard the manufacturer certifies the product to.",
    )
    manufacturer = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=30, default="piece")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["gtin"], condition=~Q(gtin=""), name="product_gtin_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.sku}]"


class Hospital(models.Model):
    """A consignee: receives units, and is told at once when a lot it holds is recalled."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField()
    language = models.CharField(
        "preferred language", max_length=8, choices=settings.LANGUAGES, default="nl"
    )
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(
        max_length=128, blank=True, help_text="Shared secret for HMAC-SHA256 webhook signatures."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="HospitalMembership", related_name="hospitals"
    )

    # The webhook secret is never copied into the history: admins may replace it, never read it.
    history = HistoricalRecords(excluded_fields=["webhook_secret"])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class HospitalMembership(models.Model):
    """Links a hospital staff user to a hospital whose records they may see and change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hospital_memberships"
    )
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="memberships")
    job_title = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "hospital"], name="one_membership_per_hospital")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hospital.code}"


class UserPreference(models.Model):
    """What a signed-in user chose for themselves: for now the language of pages and e-mails.

    No row (or an empty language) means: the language of the user's hospital, else the browser's.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.language or 'default'}"
