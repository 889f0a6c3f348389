"""Units sent back to the supplier and the credit claimed for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .lots import Lot
from .stock import StockMovement


class CreditClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    ACCEPTED = "accepted", _("Accepted by the supplier")
    PAID = "paid", _("Paid")
    REFUSED = "refused", _("Refused by the supplier")


CREDIT_CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    CreditClaimStatus.CLAIMED: frozenset({CreditClaimStatus.ACCEPTED, CreditClaimStatus.REFUSED}),
    CreditClaimStatus.ACCEPTED: frozenset({CreditClaimStatus.PAID, CreditClaimStatus.REFUSED}),
    CreditClaimStatus.PAID: frozenset(),
    CreditClaimStatus.REFUSED: frozenset(),
}


class SupplierReturn(models.Model):
    """Recalled or rejected units of a lot sent back to its supplier: the ledger movement, the
    supplier's return authorisation and the credit the ministry claims for them."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="supplier_returns")
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="supplier_return"
    )
    quantity = models.PositiveIntegerField()
    authorisation_reference = models.CharField("return authorisation", max_length=100)
    credit_amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    claim_status = models.CharField(
        max_length=10,
        choices=CreditClaimStatus.choices,
        default=CreditClaimStatus.CLAIMED,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supplier_return_positive"),
            models.CheckConstraint(
                condition=Q(credit_amount__gte=0), name="credit_claim_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authorisation_reference}: {self.quantity} x {self.lot}"


class CreditClaimEvent(models.Model):
    """A change of a credit claim's status: who, when, from, to, why."""

    supplier_return = models.ForeignKey(
        SupplierReturn, on_delete=models.PROTECT, related_name="claim_events"
    )
    from_status = models.CharField(max_length=10, choices=CreditClaimStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=CreditClaimStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.supplier_return}: {self.from_status} -> {self.to_status}"
