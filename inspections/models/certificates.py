"""Certificates: the documents a product or a lot is certified by, and their verification."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    Lot,
    Product,
    Standard,
)

from ..validators import validate_report_file_size


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")
    INVALID = "invalid", _("Invalid")


class Certificate(models.Model):
    """A certificate for a product or a lot: standard, issuer, notified body, validity, file."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField(max_length=200)
    notified_body_number = models.CharField(max_length=20, blank=True)
    certificate_number = models.CharField(max_length=100)
    valid_until = models.DateField(null=True, blank=True)
    file = models.FileField(
        upload_to="certificates/%Y/%m/",
        blank=True,
        validators=[
            FileExtensionValidator(["pdf", "png", "jpg", "jpeg"]),
            validate_report_file_size,
        ],
    )
    verification_status = models.CharField(
        max_length=12,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["certificate_number"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(lot__isnull=True))
                | (Q(product__isnull=True) & Q(lot__isnull=False)),
                name="certificate_for_a_product_or_a_lot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_number} ({self.standard.code}, {self.issuer})"


class CertificateEvent(models.Model):
    """A change of a certificate's verification status."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=VerificationStatus.choices)
    to_status = models.CharField(max_length=12, choices=VerificationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate}: {self.from_status} -> {self.to_status}"
