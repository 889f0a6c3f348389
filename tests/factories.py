"""factory_boy factories shared by all tests. Objects with a status or a quantity that services
own (lots, distributions) are made through the services, by the helpers at the bottom."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.roles import Role, role_group
from procurement import services
from procurement.models import (
    Hospital,
    HospitalMembership,
    IntendedUse,
    Lot,
    Product,
    ProductCategory,
    PurchaseOrder,
    ReleaseBasis,
    Standard,
    Supplier,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(role_group(extracted))
            if extracted != Role.HOSPITAL_STAFF:
                self.is_staff = True
        self.save()


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ("code",)

    code = "EN 149 FFP2"
    title = "Respiratory protective devices - filtering half masks"
    edition = "2001+A1:2009"
    category = ProductCategory.RESPIRATOR
    is_medical = True


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n} Ltd")
    country = "China"
    contact_email = factory.Sequence(lambda n: f"sales{n}@supplier.example")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = "Respirator"
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    category = ProductCategory.RESPIRATOR
    claimed_standard = factory.SubFactory(StandardFactory)


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    code = factory.Sequence(lambda n: f"H{n:04d}")
    name = factory.Sequence(lambda n: f"General Hospital {n}")
    city = "Utrecht"
    region = "Utrecht"
    contact_email = factory.LazyAttribute(lambda h: f"pharmacy@{h.code.lower()}.example")
    # Staff pages follow the hospital's language; tests read English unless they ask for Dutch.
    language = "en"


class HospitalMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HospitalMembership

    user = factory.SubFactory(UserFactory, role=Role.HOSPITAL_STAFF)
    hospital = factory.SubFactory(HospitalFactory)


# What an inspection release names as its evidence in tests.
INSPECTION_EVIDENCE = "Inspection IR-2020-001 accepted (laboratory report LR-77)"


def officer(username: str = "officer") -> object:
    """The officer user; an existing one is reused as is (its password and session untouched)."""
    existing = get_user_model().objects.filter(username=username).first()
    return existing or UserFactory(username=username, role=Role.MINISTRY_OFFICER)


def placed_order(
    *, actor=None, quantity: int = 10_000, product: Product | None = None, **line
) -> PurchaseOrder:
    """A placed order with one line, made through the services."""
    actor = actor or officer()
    product = product or ProductFactory()
    order = services.order_create(
        supplier=SupplierFactory(),
        reference=f"PO-{PurchaseOrder.objects.count() + 1:05d}-{product.sku}",
        lines=[
            services.OrderLineInput(
                product=product,
                quantity=quantity,
                unit_price=Decimal("1.20"),
                required_standard=line.pop("required_standard", product.claimed_standard),
                intended_use=line.pop("intended_use", IntendedUse.MEDICAL),
                **line,
            )
        ],
        actor=actor,
    )
    return services.order_place(order=order, actor=actor)


def received_lot(*, quantity: int = 1_000, order: PurchaseOrder | None = None, actor=None, **lot):
    """A quarantined lot received through the services, on its own order unless given one."""
    actor = actor or officer()
    order = order or placed_order(actor=actor, quantity=quantity)
    line = order.lines.first()
    number = lot.pop("lot_number", f"LOT-{Lot.objects.count() + 1:06d}-{order.pk}")
    shipment = services.shipment_receive(
        order=order,
        reference=f"AWB-{number}",
        lots=[
            services.LotInput(
                order_line=line,
                lot_number=number,
                quantity=quantity,
                manufactured_on=lot.pop("manufactured_on", dt.date(2020, 2, 1)),
                expires_on=lot.pop("expires_on", timezone.localdate() + dt.timedelta(days=730)),
            )
        ],
        actor=actor,
    )
    return shipment.lots.get()


def released_lot(*, quantity: int = 1_000, actor=None, **kwargs) -> Lot:
    """A lot released on an (accepted) inspection basis, ready to dispatch."""
    actor = actor or officer()
    lot = received_lot(quantity=quantity, actor=actor, **kwargs)
    return services.lot_release(
        lot=lot, actor=actor, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
    )
