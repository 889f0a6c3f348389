"""Supply-side tables: what the ministry bought, what arrived, and where every unit is.

Statuses and quantities on these tables are written only by `procurement.services`; the admin,
pages, API and tasks call those services. Every status change leaves an event row, and stock is an
append-only ledger (`StockMovement`) with a per-location balance (`StockBalance`) kept beside it.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """The four roles; each is a Django group of the same name (created by a data migration)."""

    MINISTRY_OFFICER = "ministry officer", _("Ministry officer")
    INSPECTOR = "inspector", _("Inspector")
    WAREHOUSE_CLERK = "warehouse clerk", _("Warehouse clerk")
    HOSPITAL_STAFF = "hospital staff", _("Hospital staff")


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

    def __str__(self) -> str:
        return f"{self.name} [{self.sku}]"


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


class Shipment(models.Model):
    """One delivery from the supplier against an order, received in one or more lots."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="shipments")
    reference = models.CharField(
        max_length=60, help_text="Airway bill, container or delivery note."
    )
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"], name="shipment_reference_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.order.reference})"


class LotStatus(models.TextChoices):
    QUARANTINED = "quarantined", _("Quarantined")
    RELEASED = "released", _("Released")
    ON_HOLD = "on_hold", _("On hold")
    REJECTED = "rejected", _("Rejected")
    RECALLED = "recalled", _("Recalled")
    DISPOSED = "disposed", _("Disposed")


# The allowed moves, one table. `rejected` is for lots of which no unit ever left the warehouse,
# `recalled` for lots with units at hospitals; the services check that part.
LOT_TRANSITIONS: dict[str, frozenset[str]] = {
    LotStatus.QUARANTINED: frozenset({LotStatus.RELEASED, LotStatus.ON_HOLD, LotStatus.REJECTED}),
    LotStatus.RELEASED: frozenset({LotStatus.ON_HOLD, LotStatus.REJECTED, LotStatus.RECALLED}),
    LotStatus.ON_HOLD: frozenset({LotStatus.RELEASED, LotStatus.REJECTED, LotStatus.RECALLED}),
    LotStatus.REJECTED: frozenset({LotStatus.DISPOSED}),
    LotStatus.RECALLED: frozenset({LotStatus.DISPOSED}),
    LotStatus.DISPOSED: frozenset(),
}


def lot_may_move(from_status: str, to_status: str) -> bool:
    """Whether the transition table allows a lot to go from one status to another."""
    return to_status in LOT_TRANSITIONS.get(from_status, frozenset())


class ReleaseBasis(models.TextChoices):
    INSPECTION = "inspection", _("Accepted inspection")
    DOCUMENTS = "documents", _("Emergency release on documents")


class Lot(models.Model):
    """A shipment lot: the unit that is inspected, released, dispatched and recalled."""

    lot_number = models.CharField(max_length=60, unique=True)
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lots")
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="lots")
    quantity_received = models.PositiveIntegerField(editable=False)
    manufactured_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=LotStatus.choices,
        default=LotStatus.QUARANTINED,
        editable=False,
        db_index=True,
    )
    release_basis = models.CharField(
        max_length=20, choices=ReleaseBasis.choices, blank=True, editable=False
    )
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    received_at = models.DateTimeField(editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["lot_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_received__gt=0), name="lot_quantity_received_positive"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(manufactured_on__isnull=True)
                | Q(expires_on__gt=models.F("manufactured_on")),
                name="lot_expiry_after_manufacture",
            ),
        ]

    def __str__(self) -> str:
        return self.lot_number

    @property
    def product(self) -> Product:
        return self.order_line.product

    @property
    def needs_test(self) -> bool:
        """Released on documents alone: the lot is in use but still has to be inspected."""
        return self.release_basis == ReleaseBasis.DOCUMENTS and self.status == LotStatus.RELEASED

    @staticmethod
    def needs_test_q() -> Q:
        """The same rule as `needs_test`, for querysets."""
        return Q(release_basis=ReleaseBasis.DOCUMENTS, status=LotStatus.RELEASED)


class LotEvent(models.Model):
    """One thing that happened to a lot: who, when, from which status to which, and why."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        STATUS_CHANGED = "status_changed", _("Status changed")
        DISPATCHED = "dispatched", _("Dispatched")
        CONSUMED = "consumed", _("Consumed")
        DATES_CORRECTED = "dates_corrected", _("Dates corrected")
        RETURNED = "returned", _("Returned from hospital")
        RECEIPT_CONFIRMED = "receipt_confirmed", _("Receipt confirmed by hospital")
        RETURN_SHIPPED = "return_shipped", _("Return shipped by hospital")
        RETURN_RECEIVED = "return_received", _("Return received at warehouse")
        DESTROYED_ON_SITE = "destroyed_on_site", _("Destroyed at hospital")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=LotStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=LotStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.lot}: {self.get_kind_display()} {self.from_status}->{self.to_status}"


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


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Central warehouse")
    HOSPITAL = "hospital", _("Hospital")
    SUPPLIER = "supplier", _("Returned to supplier")
    DESTROYED = "destroyed", _("Destroyed")
    CONSUMED = "consumed", _("Consumed")
    IN_TRANSIT = "in_transit", _("Returns in transit")
    LOST = "lost", _("Lost in return")


# Units at these locations have left the ministry's hands for good.
TERMINAL_LOCATION_KINDS = frozenset(
    {LocationKind.SUPPLIER, LocationKind.DESTROYED, LocationKind.CONSUMED, LocationKind.LOST}
)


class Location(models.Model):
    """A place stock can be: the central warehouse, a hospital, or a terminal sink."""

    kind = models.CharField(max_length=20, choices=LocationKind.choices)
    name = models.CharField(max_length=200)
    hospital = models.OneToOneField(
        Hospital, on_delete=models.PROTECT, null=True, blank=True, related_name="location"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            # A hospital location names its hospital; no other kind does.
            models.CheckConstraint(
                condition=(Q(kind=LocationKind.HOSPITAL) & Q(hospital__isnull=False))
                | (~Q(kind=LocationKind.HOSPITAL) & Q(hospital__isnull=True)),
                name="location_hospital_iff_hospital_kind",
            ),
            # One warehouse and one of each sink: the ledger's arithmetic depends on it.
            models.UniqueConstraint(
                fields=["kind"],
                condition=~Q(kind=LocationKind.HOSPITAL),
                name="one_location_per_non_hospital_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt from supplier")
    DISPATCH = "dispatch", _("Dispatch to hospital")
    RETURN_FROM_HOSPITAL = "return_from_hospital", _("Return from hospital")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("Return to supplier")
    DESTRUCTION = "destruction", _("Destruction")
    CONSUMPTION = "consumption", _("Consumption")
    RETURN_SHIPPED = "return_shipped", _("Return shipped by hospital")
    RETURN_RECEIVED = "return_received", _("Return received at warehouse")
    RETURN_LOST = "return_lost", _("Return lost: shipped, never arrived")


class StockMovement(models.Model):
    """One append-only ledger line: a quantity of a lot moved from one location to another.

    A receipt has no `from_location` (the units enter the ledger). Rows are never changed or
    deleted; a correction is a new movement.
    """

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_out"
    )
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements_in")
    kind = models.CharField(max_length=30, choices=MovementKind.choices)
    reference = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(kind=MovementKind.RECEIPT, from_location__isnull=True)
                | (~Q(kind=MovementKind.RECEIPT) & Q(from_location__isnull=False)),
                name="movement_only_receipt_has_no_source",
            ),
        ]
        indexes = [models.Index(fields=["lot", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} x {self.lot}"


class StockBalance(models.Model):
    """What a location holds of a lot now; kept by the ledger service with every movement."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="balances")
    quantity = models.IntegerField(default=0)

    class Meta:
        ordering = ["lot", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "location"], name="one_balance_per_lot_location"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} @ {self.location}: {self.quantity}"


class Distribution(models.Model):
    """A dispatch of units of one lot to one hospital (a delivery, from the hospital's side)."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("Dispatched")
        CONFIRMED = "confirmed", _("Receipt confirmed")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="distributions")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="distributions")
    quantity = models.PositiveIntegerField(editable=False)
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="distribution", editable=False
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DISPATCHED, editable=False
    )
    dispatched_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    # Filled once, by the hospital, through `distribution_confirm_receipt`.
    quantity_received = models.PositiveIntegerField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    receipt_remark = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-dispatched_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="distribution_quantity_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status="dispatched",
                        confirmed_at__isnull=True,
                        quantity_received__isnull=True,
                    )
                    | Q(
                        status="confirmed",
                        confirmed_at__isnull=False,
                        quantity_received__isnull=False,
                    )
                ),
                name="distribution_confirmed_iff_received_quantity",
            ),
        ]
        indexes = [models.Index(fields=["hospital", "status"])]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.lot} to {self.hospital.code}"

    @property
    def discrepancy(self) -> int | None:
        """Units received minus units dispatched (negative: fewer arrived); None until confirmed."""
        if self.quantity_received is None:
            return None
        return self.quantity_received - self.quantity

    @staticmethod
    def discrepancy_q() -> Q:
        """Confirmed deliveries where the hospital counted a different quantity."""
        return Q(status="confirmed") & ~Q(quantity_received=F("quantity"))


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


class OutboundEmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")


class OutboundEmail(models.Model):
    """An e-mail on its way out (the outbox rule): written in the same transaction as the change
    that causes it, already rendered in the recipient's language, and sent by a Celery task after
    commit. `key` is stable, so a retry never makes a second message with a new identity: the
    Message-ID is derived from it."""

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        max_length=10,
        choices=OutboundEmailStatus.choices,
        default=OutboundEmailStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} -> {', '.join(self.to)} ({self.status})"

    @property
    def key_digest(self) -> str:
        """A short, header-safe fingerprint of the key, for the Message-ID."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:20]


class OutboundEmailAttempt(models.Model):
    """One try at handing an outbound e-mail to the mail server, and what came of it."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return (
            f"{self.email_id} at {self.at:%Y-%m-%d %H:%M}: {'ok' if self.succeeded else 'failed'}"
        )


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


# ---------------------------------------------------------------------------------------------
# Integrations: API tokens, idempotent requests, outbound webhooks


class ApiToken(models.Model):
    """A named credential for another system (a logistics platform, a hospital's stock system, a
    laboratory). It acts as its own user, `user`, who holds exactly the token's role and, for a
    hospital's system, memberships of its hospitals, so the API applies the same permission
    matrix and hospital scoping as the pages. Only a SHA-256 hash of the key is stored: the key
    itself is shown once, when the token is created."""

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    prefix = models.CharField(max_length=12, unique=True, help_text="Identifies the key in logs.")
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens_created",
        null=True,
        blank=True,
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens_revoked",
        null=True,
        blank=True,
    )
    revoke_reason = models.TextField(blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in progress", _("In progress")
    DONE = "done", _("Done")


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an `Idempotency-Key` header, kept so that a client
    retrying after a timeout gets the same answer instead of a second dispatch or recall. Keys are
    per user; a key reused with a different request body is refused; rows expire."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=IdempotencyStatus.choices)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"


class WebhookEvent(models.TextChoices):
    """What a ministry-level integration can subscribe to."""

    LOT_STATUS_CHANGED = "lot.status_changed", _("Lot status changed")
    INSPECTION_RECORDED = "inspection.recorded", _("Inspection recorded")
    RECALL_ISSUED = "recall.issued", _("Recall issued")
    NOTICE_ANSWERED = "notice.answered", _("Notice answered")
    RETURN_RECEIVED = "return.received", _("Return received")


class WebhookSubscription(models.Model):
    """An endpoint of another system that wants to hear of some events. Every delivery is signed
    with HMAC-SHA256 over the body using `secret`."""

    name = models.CharField(max_length=100)
    url = models.URLField()
    secret = models.CharField(max_length=128)
    events = models.JSONField(default=list, help_text="Event names from WebhookEvent.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} -> {self.url}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed for good")


class WebhookDelivery(models.Model):
    """One event on its way to one subscription (the outbox rule): written in the transaction of
    the change, sent after commit, claimed with a conditional update, retried with backoff. The
    `event_id` goes out as the `Idempotency-Key` header, so a receiver can drop a repeat."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription.name} ({self.status})"


class WebhookAttempt(models.Model):
    """One try at posting a webhook delivery, and what the receiver answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M}: {outcome}"


class ImportKind(models.TextChoices):
    """What a CSV import job brings in: reference data, or a distribution plan to dispatch.

    Import jobs live in the ministry panel only, whose texts are English: plain labels here."""

    HOSPITALS = "hospitals", "Hospitals"
    PRODUCTS = "products", "Products"
    DISTRIBUTION_PLAN = "distribution_plan", "Distribution plan"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Checking the rows"
    PREVIEW_READY = "preview_ready", "Preview ready"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# The allowed moves of an import job, one table (the services in `procurement.imports` check it).
IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ImportStatus.QUEUED: frozenset({ImportStatus.VALIDATING, ImportStatus.FAILED}),
    ImportStatus.VALIDATING: frozenset({ImportStatus.PREVIEW_READY, ImportStatus.FAILED}),
    ImportStatus.PREVIEW_READY: frozenset({ImportStatus.IMPORTING}),
    ImportStatus.IMPORTING: frozenset({ImportStatus.DONE, ImportStatus.FAILED}),
    ImportStatus.DONE: frozenset(),
    ImportStatus.FAILED: frozenset(),
}


def import_job_upload_to(job: ImportJob, filename: str) -> str:
    """A name of our own under MEDIA_ROOT (the person's file name is kept in `original_name`)."""
    return f"imports/{job.kind}/{uuid.uuid4().hex}.csv"


class ImportJob(models.Model):
    """One uploaded CSV file on its way in: checked row by row in a dry run (the preview), then,
    once a person confirms, written all rows or none. Status and counts are written only by
    `procurement.imports`; `errors` holds the dry run's findings as {row, column, message}."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file = models.FileField(upload_to=import_job_upload_to, max_length=255)
    original_name = models.CharField("file name", max_length=255)
    size = models.PositiveBigIntegerField("size in bytes", default=0)
    status = models.CharField(
        max_length=20,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED,
        editable=False,
        db_index=True,
    )
    total_rows = models.PositiveIntegerField(default=0, editable=False)
    rows_processed = models.PositiveIntegerField(default=0, editable=False)
    # Kept up to `procurement.imports.ERRORS_KEPT`; `error_count` counts them all.
    errors = models.JSONField(default=list, blank=True, editable=False)
    error_count = models.PositiveIntegerField(default=0, editable=False)
    preview = models.JSONField(default=dict, blank=True, editable=False)
    result = models.JSONField("result summary", default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign of life of the step under way (a progress update, a status change): the
    # sweeper queues a job again when this is old and the job is not finished.
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(status__in=[ImportStatus.DONE, ImportStatus.FAILED]),
                name="import_job_finished_only_when_done_or_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.get_kind_display()} from {self.original_name}"


class ImportJobEvent(models.Model):
    """A status change of an import job: who (none for the worker's own steps), when, from, to,
    and a word on why (rows read, errors found, what was written)."""

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=ImportStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ImportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_status} -> {self.to_status}"
