"""Purchase orders, their lines and their status changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .reference import IntendedUse, Product, Standard, Supplier


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PLACED = "placed", _("Placed")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.PLACED, OrderStatus.CANCELLED}),
    OrderStatus.PLACED: frozenset(
        {OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED, OrderStatus.CANCELLED}
    ),
    OrderStatus.PARTIALLY_RECEIVED: frozenset({OrderStatus.RECEIVED}),
    OrderStatus.RECEIVED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class PurchaseOrder(models.Model):
    """An order to one supplier; its lines say what, how many, to which standard, for what use."""

    reference = models.CharField(max_length=40, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT, editable=False
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    placed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class PurchaseOrderLine(models.Model):
    """One product on an order, with the standard the ministry requires and the intended use."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3, default="EUR")
    required_standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="required_by_lines"
    )
    intended_use = models.CharField(
        max_length=20, choices=IntendedUse.choices, default=IntendedUse.MEDICAL
    )
    needed_by = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.quantity} x {self.product.name}"

    @property
    def intended_use_mismatch(self) -> bool:
        """Medical use was ordered but the product is certified only to a non-medical standard."""
        claimed = self.product.claimed_standard
        return self.intended_use == IntendedUse.MEDICAL and (
            claimed is None or not claimed.is_medical
        )

    @staticmethod
    def intended_use_mismatch_q(prefix: str = "") -> Q:
        """The same rule as `intended_use_mismatch`, for querysets (prefix: the path to the line,
        e.g. "order_line__")."""
        standard = f"{prefix}product__claimed_standard"
        return Q(**{f"{prefix}intended_use": IntendedUse.MEDICAL}) & (
            Q(**{f"{standard}__isnull": True}) | Q(**{f"{standard}__is_medical": False})
        )


class OrderEvent(models.Model):
    """A status change of a purchase order."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status}->{self.to_status}"
