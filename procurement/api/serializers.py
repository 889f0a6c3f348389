"""What the API shows of procurement's objects (output serializers) and what its actions accept
(input serializers). Serializers check the shape of a request; the services check the rules.

Output serializers are read-only through and through: statuses and quantities change only in
the services, through the actions. Input serializers name related objects by id; an unknown id is
a 400 naming the field. Whole numbers that end up in the database are bounded to what its
columns hold, so an absurd number is a 400, never a database error.
"""

from __future__ import annotations

from rest_framework import serializers

from ..models import (
    CreditClaimEvent,
    CreditClaimStatus,
    Distribution,
    Hospital,
    IntendedUse,
    LocationKind,
    Lot,
    LotEvent,
    OrderEvent,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReleaseBasis,
    Shipment,
    Standard,
    StockMovement,
    Supplier,
    SupplierReturn,
)
from ..services import DISPOSAL_KINDS
from .base import TrackerModelSerializer

# The schema names each status vocabulary once (settings.SPECTACULAR_SETTINGS'
# ENUM_NAME_OVERRIDES), by import path: a nested class needs a module-level name.
DistributionStatus = Distribution.Status

# A PositiveIntegerField holds up to this on every database the project runs on.
MAX_UNITS = 2_147_483_647
TEXT_MAX = 2000


class ReadOnlyModelSerializer(TrackerModelSerializer):
    """A model serializer whose every field is read-only (the API's outputs), and whose blank
    choices are declared (TrackerModelSerializer)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


# ---------------------------------------------------------------------------------------------
# Reference data


class SupplierSerializer(ReadOnlyModelSerializer):
    """A supplier the ministry buys from."""

    class Meta:
        model = Supplier
        fields = ["id", "name", "country", "contact_email", "contact_phone"]


class StandardSerializer(ReadOnlyModelSerializer):
    """A named product standard and whether it is for medical use."""

    class Meta:
        model = Standard
        fields = ["id", "code", "title", "edition", "category", "is_medical"]


class ProductSerializer(ReadOnlyModelSerializer):
    """A product, with the id of the standard its maker claims (null: none claimed)."""

    class Meta:
        model = Product
        fields = ["id", "name", "sku", "category", "claimed_standard", "manufacturer", "unit"]


class HospitalSerializer(ReadOnlyModelSerializer):
    """A hospital as integrations see it; its webhook address and secret stay in the panel."""

    class Meta:
        model = Hospital
        fields = ["id", "code", "name", "city", "region", "contact_email", "language"]


# ---------------------------------------------------------------------------------------------
# Purchase orders


class OrderLineSerializer(ReadOnlyModelSerializer):
    """One product on an order: how many, at what price, to which standard, for what use."""

    intended_use_mismatch = serializers.BooleanField(
        read_only=True,
        help_text="Ordered for medical use, but the product is certified only to a non-medical "
        "standard: its lots need an officer's written override to be released.",
    )

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "product",
            "quantity",
            "unit_price",
            "currency",
            "required_standard",
            "intended_use",
            "intended_use_mismatch",
            "needed_by",
        ]


class PurchaseOrderSerializer(ReadOnlyModelSerializer):
    """A purchase order with its lines. Its status changes through its actions."""

    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "reference",
            "supplier",
            "status",
            "notes",
            "created_at",
            "created_by",
            "placed_at",
            "lines",
        ]


class OrderEventSerializer(ReadOnlyModelSerializer):
    """A status change of an order: who, when, from, to, why."""

    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = OrderEvent
        fields = ["id", "from_status", "to_status", "actor", "at", "reason"]


class OrderLineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
    required_standard = serializers.PrimaryKeyRelatedField(queryset=Standard.objects.all())
    intended_use = serializers.ChoiceField(choices=IntendedUse.choices, default=IntendedUse.MEDICAL)
    currency = serializers.CharField(min_length=3, max_length=3, default="EUR")
    needed_by = serializers.DateField(required=False, allow_null=True, default=None)


class OrderCreateSerializer(serializers.Serializer):
    """A draft order: `place` commits it to the supplier."""

    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.all())
    reference = serializers.CharField(max_length=40)
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    lines = OrderLineInputSerializer(many=True, allow_empty=False)


# ---------------------------------------------------------------------------------------------
# Shipments and lots


class LotSerializer(ReadOnlyModelSerializer):
    """A lot's row: its own fields and the ids of what it belongs to. Kept flat and free of
    per-row lookups: the lots list is the API's busiest."""

    # Annotated by `selectors.lots_for_list`, which every lot the API shows is read through.
    product = serializers.CharField(source="product_sku")
    supplier = serializers.IntegerField(source="supplier_pk")
    # Declared: the model field is not editable, and DRF would then leave out that it may be
    # blank (a lot not released yet).
    release_basis = serializers.ChoiceField(choices=ReleaseBasis.choices, allow_blank=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "lot_number",
            "status",
            "release_basis",
            "quantity_received",
            "manufactured_on",
            "expires_on",
            "received_at",
            "released_at",
            "shipment",
            "order_line",
            "product",
            "supplier",
        ]

    def to_representation(self, lot: Lot) -> dict:
        """The row built directly, at a fraction of the generic field-by-field cost (the lots
        list is benchmarked at 100 rows a page). The declared fields still describe it in the
        schema, and a test holds this row equal to what they would produce."""
        return {
            "id": lot.pk,
            "lot_number": lot.lot_number,
            "status": lot.status,
            "release_basis": lot.release_basis,
            "quantity_received": lot.quantity_received,
            "manufactured_on": lot.manufactured_on.isoformat() if lot.manufactured_on else None,
            "expires_on": lot.expires_on.isoformat() if lot.expires_on else None,
            "received_at": _MOMENT.to_representation(lot.received_at),
            "released_at": _MOMENT.to_representation(lot.released_at) if lot.released_at else None,
            "shipment": lot.shipment_id,
            "order_line": lot.order_line_id,
            "product": lot.product_sku,
            "supplier": lot.supplier_pk,
        }


# Formats a moment as every other DateTimeField of the API does (in the site's time zone).
_MOMENT = serializers.DateTimeField()


class LotEventSerializer(ReadOnlyModelSerializer):
    """One thing that happened to a lot: who, when, from which status to which, and why."""

    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = LotEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "at", "reason", "data"]


class ShipmentSerializer(ReadOnlyModelSerializer):
    """A delivery from the supplier against an order, with the lots it was received in."""

    received_by = serializers.CharField(
        source="received_by.username", default=None, allow_null=True
    )
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = ["id", "order", "reference", "received_at", "received_by", "notes", "lots"]


class LotInputSerializer(serializers.Serializer):
    order_line = serializers.PrimaryKeyRelatedField(queryset=PurchaseOrderLine.objects.all())
    lot_number = serializers.CharField(max_length=60)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    manufactured_on = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class ShipmentReceiveSerializer(serializers.Serializer):
    """A shipment arriving against a placed order, in one or more lots."""

    order = serializers.PrimaryKeyRelatedField(queryset=PurchaseOrder.objects.all())
    reference = serializers.CharField(max_length=60)
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now when not given."
    )
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    lots = LotInputSerializer(many=True, allow_empty=False)


class ReasonSerializer(serializers.Serializer):
    """Input of the actions that only need a reason (hold, reject, recall)."""

    reason = serializers.CharField(max_length=TEXT_MAX)


class OptionalReasonSerializer(serializers.Serializer):
    """Input of the actions where a reason is recorded if given (placing an order)."""

    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class LotReleaseSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(
        choices=ReleaseBasis.choices,
        help_text="`inspection`: on an accepted inspection (name it in the reason). "
        "`documents`: an emergency release on documents alone, by a ministry officer.",
    )
    reason = serializers.CharField(max_length=TEXT_MAX)
    mismatch_override = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="A ministry officer's written override, needed when the lot's order line has "
        "an intended-use mismatch.",
    )


class LotDisposeSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in DISPOSAL_KINDS],
        help_text="Return the warehouse's units to the supplier, or destroy them.",
    )
    reason = serializers.CharField(max_length=TEXT_MAX)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class LotCorrectDatesSerializer(serializers.Serializer):
    """A date left out keeps the lot's; a date given as null clears it."""

    manufactured_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=TEXT_MAX)


class LocationUnitsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LocationKind.choices, read_only=True)
    location = serializers.IntegerField(read_only=True)
    hospital = serializers.IntegerField(read_only=True, allow_null=True)
    hospital_code = serializers.CharField(read_only=True)
    hospital_name = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)


def _totals_serializer() -> type[serializers.Serializer]:
    """Units per location kind, one field for each kind, so the schema names them all."""
    fields = {
        kind.value: serializers.IntegerField(read_only=True, help_text=str(kind.label))
        for kind in LocationKind
    }
    return type("LocationKindTotalsSerializer", (serializers.Serializer,), fields)


LocationKindTotalsSerializer = _totals_serializer()


class LotTraceabilitySerializer(serializers.Serializer):
    """Where every unit of a lot is now. `by_kind` adds up to `accounted`, which equals
    `quantity_received` while the ledger is right."""

    lot = serializers.IntegerField(source="lot.pk", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    status = serializers.CharField(source="lot.status", read_only=True)
    quantity_received = serializers.IntegerField(source="lot.quantity_received", read_only=True)
    accounted = serializers.IntegerField(read_only=True)
    held = serializers.IntegerField(
        read_only=True,
        help_text="Units still in the ministry's hands: warehouse, hospitals, returns in transit.",
    )
    by_kind = LocationKindTotalsSerializer(read_only=True)
    locations = LocationUnitsSerializer(many=True, read_only=True)

    def to_representation(self, units) -> dict:
        """The answer built directly: field by field, a lot at 200 hospitals cost 40 ms of
        serializer work a request, several times the query (`bench.traceability`). The declared
        fields still describe it in the schema; a test holds the two equal."""
        lot = units.lot
        return {
            "lot": lot.pk,
            "lot_number": lot.lot_number,
            "status": lot.status,
            "quantity_received": lot.quantity_received,
            "accounted": units.accounted,
            "held": units.held,
            "by_kind": dict(units.by_kind),
            "locations": [
                {
                    "kind": place.kind,
                    "location": place.location,
                    "hospital": place.hospital,
                    "hospital_code": place.hospital_code,
                    "hospital_name": place.hospital_name,
                    "quantity": place.quantity,
                }
                for place in units.locations
            ],
        }


# ---------------------------------------------------------------------------------------------
# Distributions


class DistributionSerializer(ReadOnlyModelSerializer):
    """A dispatch of units of one lot to one hospital, and the hospital's receipt of it."""

    lot_number = serializers.CharField(source="lot.lot_number")
    product = serializers.CharField(source="lot.order_line.product.sku")
    hospital_code = serializers.CharField(source="hospital.code")
    discrepancy = serializers.IntegerField(
        allow_null=True,
        help_text="Units received minus units dispatched; null until the receipt is confirmed.",
    )

    class Meta:
        model = Distribution
        fields = [
            "id",
            "lot",
            "lot_number",
            "product",
            "hospital",
            "hospital_code",
            "quantity",
            "status",
            "dispatched_at",
            "note",
            "quantity_received",
            "confirmed_at",
            "receipt_remark",
            "discrepancy",
        ]


class DispatchSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReceiptConfirmSerializer(serializers.Serializer):
    quantity_received = serializers.IntegerField(min_value=0, max_value=MAX_UNITS)
    remark = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the count differs from the units dispatched.",
    )


class UseRecordSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)


class UseRecordedSerializer(serializers.Serializer):
    """Units of the delivery's lot recorded as used at its hospital, and what it holds now."""

    distribution = serializers.IntegerField(read_only=True)
    lot = serializers.IntegerField(read_only=True)
    hospital = serializers.IntegerField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    on_hand = serializers.IntegerField(read_only=True)


# ---------------------------------------------------------------------------------------------
# The ledger


class StockMovementSerializer(ReadOnlyModelSerializer):
    """One ledger line: units of a lot moved from one location (none for a receipt) to
    another. `*_kind` name the kind of location, `*_hospital` its hospital, if any."""

    lot_number = serializers.CharField(source="lot.lot_number")
    from_kind = serializers.CharField(source="from_location.kind", default=None, allow_null=True)
    from_hospital = serializers.IntegerField(
        source="from_location.hospital_id", default=None, allow_null=True
    )
    to_kind = serializers.CharField(source="to_location.kind")
    to_hospital = serializers.IntegerField(source="to_location.hospital_id", allow_null=True)
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "lot",
            "lot_number",
            "quantity",
            "kind",
            "from_location",
            "from_kind",
            "from_hospital",
            "to_location",
            "to_kind",
            "to_hospital",
            "reference",
            "actor",
            "at",
        ]


# ---------------------------------------------------------------------------------------------
# Supplier returns


class CreditClaimEventSerializer(ReadOnlyModelSerializer):
    """A change of a credit claim's status."""

    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = CreditClaimEvent
        fields = ["id", "from_status", "to_status", "actor", "at", "reason"]


class SupplierReturnSerializer(ReadOnlyModelSerializer):
    """Units of a lot returned to its supplier, and the credit claimed for them."""

    lot_number = serializers.CharField(source="lot.lot_number")
    supplier = serializers.IntegerField(source="lot.shipment.order.supplier_id")
    created_by = serializers.CharField(source="created_by.username")
    claim_events = CreditClaimEventSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierReturn
        fields = [
            "id",
            "lot",
            "lot_number",
            "supplier",
            "quantity",
            "authorisation_reference",
            "credit_amount",
            "currency",
            "claim_status",
            "created_by",
            "created_at",
            "claim_events",
        ]


class SupplierReturnCreateSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    authorisation_reference = serializers.CharField(max_length=100)
    credit_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="The credit to claim; the units at the order line's unit price when left out.",
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(max_length=TEXT_MAX)


class CreditClaimStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CreditClaimStatus.choices)
    reason = serializers.CharField(max_length=TEXT_MAX)
