"""The demo story: the spring-2020 respirator case from SCENARIO.md, as far as the supply side goes.

`load_demo()` creates, with made-up names (`python manage.py load_demo`, in inspections, adds the
inspections of the story on top):

* the standards EN 149 FFP2, GB 2626 KN95 (non-medical) and WHO COVID-19 Ag-RDT;
* one demo user per role, all with the password ``demo-pass-2020`` (`DEMO_PASSWORD`):
  ``officer`` (ministry officer), ``inspector``, ``clerk`` (warehouse clerk), ``nurse`` (hospital
  staff at HOSP-001 and HOSP-011) and the superuser ``admin``;
* 25 hospitals HOSP-001..HOSP-025;
* order PO-2020-0001: 1,300,000 respirators for critical care, required to EN 149 FFP2, from a
  supplier whose product is certified to GB 2626 KN95 only (an intended-use mismatch). The
  shipment arrives as five lots of 260,000 (KN95-2003-A..E), all quarantined; the officer releases
  lots A-C on documents with a written emergency reason, and the clerk dispatches 600,000 units to
  the 25 hospitals (24,000 each; two hospitals get theirs from two lots). Lots D and E stay in
  quarantine, 180,000 units of lot C stay in the warehouse;
* order PO-2020-0002: 120,000 antigen rapid tests from a second supplier, of which one shipment
  of two lots (60,000 tests) has arrived and is quarantined.

Everything with a status or a quantity goes through `procurement.services`, acting as the demo
users; only reference data (standards, suppliers, products, hospitals, users) is written directly.
Lot dates are relative to the day of loading (made a few weeks ago, expiring in three years), so
the lots are never expired when the demo is loaded.

Loading is idempotent: when PO-2020-0001 exists nothing is written. `load_demo(reset=True)`
first removes what the demo created (identified by the demo suppliers, the demo hospitals and the
demo users) and loads it again, the returns of demo lots to their suppliers and their credit claims
included (`inspections.demo` makes them). The stock ledger is append-only everywhere else; this
reset is the one place that deletes movements, and only those of demo lots.

The demo publishes its password and creates a superuser, so it refuses (`DemoRefused`, nothing
written) unless `settings.DEBUG` is on or `force=True` is given. It also refuses when the database
holds rows the demo would take over but did not create:

* a hospital with a demo code (HOSP-001..HOSP-025) that is not a demo hospital. A demo hospital is
  recognised by its contact address, which the demo derives from the code's made-up name under the
  reserved `.example` domain (``apotheek@sint-gerlinde-gasthuis.example`` for HOSP-001): no real
  hospital can have it, and it needs no extra column;
* an account called ``officer``, ``inspector``, ``clerk`` or ``nurse`` without the demo e-mail
  domain (`DEMO_EMAIL_DOMAIN`): the demo would give it a role (and the nurse two hospitals).

An existing non-demo ``admin`` is left as it is: the demo grants it nothing (no superuser flag, no
role, no password change), uses it for nothing and lists it as "(existing account)".
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import registered_models

from core.models import OutboundEmail
from core.roles import Role, role_group

from . import services
from .models import (
    CreditClaimEvent,
    Distribution,
    Hospital,
    HospitalMembership,
    IntendedUse,
    Location,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    OrderEvent,
    Product,
    ProductCategory,
    PurchaseOrder,
    PurchaseOrderLine,
    ReleaseBasis,
    Shipment,
    Standard,
    StockBalance,
    StockMovement,
    Supplier,
    SupplierReturn,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


class DemoRefused(Exception):
    """The demo will not load into this database; nothing was written. `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# The figures of the story

# Published in the README on purpose: load_demo refuses unless DEBUG is on (or --force).
DEMO_PASSWORD = "demo-pass-2020"  # noqa: S105 - the demo's documented password, not a secret
# Demo users carry this e-mail domain; --reset deletes only users that have it, so an existing
# account that happens to be called "admin" is never removed.
DEMO_EMAIL_DOMAIN = "demo.ministry.example"

ORDER_REFERENCE = "PO-2020-0001"
TOTAL_ORDERED = 1_300_000
UNIT_PRICE = Decimal("2.4500")
SHIPMENT_REFERENCE = "AWB-784-20200328"
LOT_NUMBERS = ("KN95-2003-A", "KN95-2003-B", "KN95-2003-C", "KN95-2003-D", "KN95-2003-E")
LOT_SIZE = 260_000
RELEASED_LOT_COUNT = 3  # A-C: 780,000 units, enough to cover the 600,000 dispatched
DISTRIBUTED = 600_000
HOSPITAL_COUNT = 25
PER_HOSPITAL = DISTRIBUTED // HOSPITAL_COUNT  # 24,000
RELEASE_REASON = (
    "Emergency release on documents: intensive-care stocks of FFP2 respirators are below three "
    "days of use. The supplier's certificate of conformity and test report are on file; a "
    "laboratory test of a sample follows. Ordered for critical care, certified to GB 2626 KN95: "
    "the intended-use mismatch is known and accepted for now by the crisis team."
)
# The officer's written override of the intended-use mismatch (KN95 is not a medical standard).
MISMATCH_OVERRIDE = (
    "Override under emergency pressure: FFP2 unobtainable this month; KN95 (GB 2626) accepted "
    "for critical care pending a test. Ministry crisis team decision 2020-03-27."
)
DISPATCH_NOTE = "For staff treating COVID-19 patients in critical care."
# The nurse confirms what arrived at HOSP-001 and the first delivery at HOSP-011, one carton short
# there; HOSP-011's second delivery is left for the nurse to confirm on first sign-in.
SHORT_DELIVERY_HOSPITAL = "HOSP-011"
SHORT_BY = 200
SHORT_REMARK = "One carton of 200 arrived crushed and wet; set aside, not counted."

RAPID_ORDER_REFERENCE = "PO-2020-0002"
RAPID_TESTS_ORDERED = 120_000
RAPID_UNIT_PRICE = Decimal("4.8000")
RAPID_SHIPMENT_REFERENCE = "AWB-781-20200402"
RAPID_LOT_NUMBERS = ("AGRDT-2003-01", "AGRDT-2003-02")
RAPID_LOT_SIZE = 30_000

SHELF_LIFE = dt.timedelta(days=3 * 365)
MADE_AGO = dt.timedelta(days=40)

# The figures above must agree with each other; checked when this file is edited and imported
# (python -O would skip them, but these are constants: nothing changes them at run time).
assert PER_HOSPITAL * HOSPITAL_COUNT == DISTRIBUTED  # noqa: S101
assert LOT_SIZE * len(LOT_NUMBERS) == TOTAL_ORDERED  # noqa: S101
assert LOT_SIZE * RELEASED_LOT_COUNT >= DISTRIBUTED  # noqa: S101


@dataclass(frozen=True)
class StandardSpec:
    code: str
    title: str
    edition: str
    category: str
    is_medical: bool


FFP2 = StandardSpec(
    code="EN 149 FFP2",
    title="Respiratory protective devices - filtering half masks to protect against particles, "
    "class FFP2",
    edition="2001+A1:2009",
    category=ProductCategory.RESPIRATOR,
    is_medical=True,
)
KN95 = StandardSpec(
    code="GB 2626 KN95",
    title="Respiratory protection - non-powered air-purifying particle respirator, class KN95 "
    "(non-medical occupational respirator)",
    edition="2006",
    category=ProductCategory.RESPIRATOR,
    is_medical=False,
)
AG_RDT = StandardSpec(
    code="WHO COVID-19 Ag-RDT",
    title="WHO minimum performance for SARS-CoV-2 antigen rapid tests",
    edition="2020-09-11",
    category=ProductCategory.RAPID_TEST,
    is_medical=True,
)
STANDARDS = (FFP2, KN95, AG_RDT)

MASK_SUPPLIER = {
    "name": "Shenzhen Brightmed Protective Co., Ltd.",
    "country": "China",
    "contact_email": "export@brightmed-protective.example",
    "contact_phone": "+86 755 0000 1234",
}
TEST_SUPPLIER = {
    "name": "Zhuhai Lumentest Biotech Co., Ltd.",
    "country": "China",
    "contact_email": "sales@lumentest-biotech.example",
    "contact_phone": "+86 756 0000 5678",
}
DEMO_SUPPLIER_NAMES = (MASK_SUPPLIER["name"], TEST_SUPPLIER["name"])


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    category: str
    unit: str
    manufacturer: str


MASK_PRODUCT = ProductSpec(
    "BM-KN95-2020", "KN95 respirator", ProductCategory.RESPIRATOR, "piece", MASK_SUPPLIER["name"]
)
TEST_PRODUCT = ProductSpec(
    "LT-AGRDT-25",
    "SARS-CoV-2 antigen rapid test",
    ProductCategory.RAPID_TEST,
    "test",
    TEST_SUPPLIER["name"],
)
DEMO_SKUS = (MASK_PRODUCT.sku, TEST_PRODUCT.sku)


@dataclass(frozen=True)
class HospitalSpec:
    name: str
    city: str
    region: str
    language: str = "nl"
    webhook: bool = False


HOSPITALS = (
    HospitalSpec("Sint Gerlinde Gasthuis", "Oosterwijde", "Noordmarken"),
    HospitalSpec("Ziekenhuis Brakelveen", "Brakelveen", "Noordmarken", webhook=True),
    HospitalSpec("Medisch Centrum Lindemeer", "Lindemeer", "Westkust"),
    HospitalSpec("Academisch Ziekenhuis Hazelburg", "Hazelburg", "Middenland", language="en"),
    HospitalSpec("Gasthuis Dijkstede", "Dijkstede", "Westkust"),
    HospitalSpec("Ziekenhuis De Molenhoek", "Molendijkerveen", "Middenland"),
    HospitalSpec("Zandhoven Medisch Centrum", "Zandhoven", "Zuidheide"),
    HospitalSpec("Sint Wolbert Ziekenhuis", "Eikendam", "Zuidheide"),
    HospitalSpec("Waterzijl Ziekenhuis", "Waterzijl", "Westkust"),
    HospitalSpec("Rietkerk Gasthuis", "Rietkerk", "Oostgrens"),
    HospitalSpec("Bergeveld Ziekenhuisgroep", "Bergeveld", "Oostgrens", webhook=True),
    HospitalSpec("Kraaiendonk Medisch Centrum", "Kraaiendonk", "Zuidheide"),
    HospitalSpec("Ziekenhuis Nieuw-Wessel", "Nieuw-Wessel", "Noordmarken"),
    HospitalSpec("Heidestein Ziekenhuis", "Heidestein", "Middenland"),
    HospitalSpec("Vlietmond International Hospital", "Vlietmond", "Westkust", language="en"),
    HospitalSpec("Grevenlo Streekziekenhuis", "Grevenlo", "Oostgrens"),
    HospitalSpec("Schoorlanden Ziekenhuis", "Schoorlanden", "Noordmarken"),
    HospitalSpec("Sint Ludger Gasthuis", "Ossewaard", "Zuidheide"),
    HospitalSpec("Beekdorn Medisch Centrum", "Beekdorn", "Zuidheide"),
    HospitalSpec("Ziekenhuis Marrewijk", "Marrewijk", "Westkust"),
    HospitalSpec("Polderzicht Ziekenhuis", "Lagerveen", "Middenland"),
    HospitalSpec("Ziekenhuis Kempervoort", "Kempervoort", "Zuidheide"),
    HospitalSpec(
        "Universitair Medisch Centrum Amstelhaven", "Amstelhaven", "Middenland", language="en"
    ),
    HospitalSpec("Ziekenhuis Tjongerzijl", "Tjongerzijl", "Noordmarken"),
    HospitalSpec("Wadden Zorggroep", "Harlewier", "Noordmarken"),
)
assert len(HOSPITALS) == HOSPITAL_COUNT  # noqa: S101 - constants agree (see above)


def hospital_code(number: int) -> str:
    return f"HOSP-{number:03d}"


def hospital_contact_email(spec: HospitalSpec) -> str:
    """The demo hospital's made-up address under the reserved .example domain: its demo marker."""
    mailbox = "apotheek" if spec.language == "nl" else "pharmacy"
    return f"{mailbox}@{slugify(spec.name)}.example"


DEMO_HOSPITAL_CODES = tuple(hospital_code(n) for n in range(1, HOSPITAL_COUNT + 1))
DEMO_HOSPITAL_EMAILS = {
    hospital_code(number): hospital_contact_email(spec)
    for number, spec in enumerate(HOSPITALS, start=1)
}
WEBHOOK_BASE_URL = "http://127.0.0.1:8765/webhooks/recall/"
# The nurse works at two hospitals that received masks; HOSP-011 got them from two lots.
NURSE_HOSPITALS = ("HOSP-001", "HOSP-011")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role | None  # None: the superuser
    sees: str


DEMO_USERS = (
    DemoUser(
        "officer",
        Role.MINISTRY_OFFICER,
        "Ministry overview: lots by status, the 3 KN95 lots in use untested (released on "
        "documents), links into the ministry panel at /admin/",
    ),
    DemoUser(
        "inspector",
        Role.INSPECTOR,
        "Inspection queue: quarantined KN95 and rapid-test lots and the lots released on "
        "documents, with the intended-use mismatch",
    ),
    DemoUser(
        "clerk",
        Role.WAREHOUSE_CLERK,
        "Warehouse: released stock (180,000 of KN95-2003-C) and the latest dispatches",
    ),
    DemoUser(
        "nurse",
        Role.HOSPITAL_STAFF,
        f"Hospital portal: only {' and '.join(NURSE_HOSPITALS)}; a delivery to confirm, their "
        "deliveries and stock",
    ),
    DemoUser("admin", None, "Ministry overview, every page, and the whole panel at /admin/"),
)
DEMO_USERNAMES = tuple(user.username for user in DEMO_USERS)
# The demo gives these users a role (and the nurse hospitals): an existing account with one of these
# names that is not a demo account makes the demo refuse.
DEMO_ROLE_USERNAMES = tuple(user.username for user in DEMO_USERS if user.role is not None)


# ---------------------------------------------------------------------------------------------
# What the demo loaded


@dataclass(frozen=True)
class DemoSummary:
    already_loaded: bool
    order_reference: str
    units_ordered: int
    intended_use_mismatch: bool
    lots_received: int
    lots_quarantined: int
    lots_released_on_documents: int
    units_released_on_documents: int
    units_dispatched: int
    distributions: int
    hospitals_supplied: int
    units_in_warehouse: int
    receipts_confirmed: int
    receipt_discrepancies: int
    rapid_test_lots_received: int
    rapid_test_units_received: int
    rapid_test_lots_quarantined: int


def demo_lots() -> QuerySet[Lot]:
    """Lots received against orders to the demo suppliers."""
    return Lot.objects.filter(shipment__order__supplier__name__in=DEMO_SUPPLIER_NAMES)


def demo_summary(*, already_loaded: bool = False) -> DemoSummary:
    """The demo's figures as the database has them now."""
    line = PurchaseOrderLine.objects.select_related("product__claimed_standard").get(
        order__reference=ORDER_REFERENCE
    )
    masks = Lot.objects.filter(order_line=line)
    on_documents = masks.filter(release_basis=ReleaseBasis.DOCUMENTS)
    distributions = Distribution.objects.filter(lot__in=masks)
    rapid = Lot.objects.filter(order_line__order__reference=RAPID_ORDER_REFERENCE)
    return DemoSummary(
        already_loaded=already_loaded,
        order_reference=ORDER_REFERENCE,
        units_ordered=line.quantity,
        intended_use_mismatch=line.intended_use_mismatch,
        lots_received=masks.count(),
        lots_quarantined=masks.filter(status=LotStatus.QUARANTINED).count(),
        lots_released_on_documents=on_documents.count(),
        units_released_on_documents=_total(on_documents, "quantity_received"),
        units_dispatched=_total(distributions, "quantity"),
        distributions=distributions.count(),
        hospitals_supplied=distributions.values("hospital").distinct().count(),
        units_in_warehouse=_total(
            StockBalance.objects.filter(lot__in=masks, location__kind=LocationKind.WAREHOUSE),
            "quantity",
        ),
        receipts_confirmed=distributions.filter(status=Distribution.Status.CONFIRMED).count(),
        receipt_discrepancies=distributions.filter(Distribution.discrepancy_q()).count(),
        rapid_test_lots_received=rapid.count(),
        rapid_test_units_received=_total(rapid, "quantity_received"),
        rapid_test_lots_quarantined=rapid.filter(status=LotStatus.QUARANTINED).count(),
    )


def _total(queryset: QuerySet, field: str) -> int:
    return queryset.aggregate(total=Sum(field))["total"] or 0


# ---------------------------------------------------------------------------------------------
# Loading


NOT_DEBUG_REFUSAL = (
    "Refusing to load the demo: DEBUG is off, so this may be a production database. The demo "
    'creates the superuser "admin" and a login for every role, all with the published password '
    f"{DEMO_PASSWORD}, and --reset deletes rows. Run it only on a demo or development database: "
    "with DEBUG=true (as `make demo` does), or with --force if this database really is one. "
    "Nothing was changed."
)


def load_demo(
    *, stdout: Writer | None = None, reset: bool = False, force: bool = False
) -> DemoSummary:
    """Load the demo story once; with `reset`, remove the demo's rows first and load it again.

    Refuses (`DemoRefused`) unless `settings.DEBUG` is on or `force` is given, and whenever the
    database holds a non-demo hospital with a demo code or a non-demo account with a demo role
    username. All in one transaction: a failure leaves nothing half-loaded (or half-removed).
    """
    check_may_load(force=force)
    with transaction.atomic():
        check_nothing_to_take_over()
        if reset:
            removed = reset_demo()
            _say(stdout, f"Removed the demo data ({removed:,} rows).")
        if demo_is_loaded():
            _say(stdout, f"The demo is already loaded ({ORDER_REFERENCE} exists); nothing changed.")
            return demo_summary(already_loaded=True)
        _load_story()
    return demo_summary()


def demo_is_loaded() -> bool:
    return PurchaseOrder.objects.filter(reference=ORDER_REFERENCE).exists()


def check_may_load(*, force: bool) -> None:
    """Raise `DemoRefused` without DEBUG or `force`: the demo publishes its password."""
    if not (settings.DEBUG or force):
        raise DemoRefused(NOT_DEBUG_REFUSAL)


def check_nothing_to_take_over() -> None:
    """Raise `DemoRefused` when a hospital the demo would supply or an account it would give a
    role exists but was not created by the demo."""
    problems = []
    foreign_hospitals = list(
        Hospital.objects.filter(code__in=DEMO_HOSPITAL_CODES)
        .exclude(pk__in=demo_hospitals())
        .order_by("code")
        .values_list("code", "name")
    )
    if foreign_hospitals:
        named = ", ".join(f"{code} ({name})" for code, name in foreign_hospitals)
        example_code = DEMO_HOSPITAL_CODES[0]
        problems.append(
            f"The hospital code(s) {named} belong to hospitals the demo did not create; the demo "
            "would link its nurse to them and dispatch demo stock to them. (A demo hospital has "
            "the demo's made-up contact address under .example, such as "
            f"{DEMO_HOSPITAL_EMAILS[example_code]} for {example_code}.)"
        )
    foreign_users = list(
        get_user_model()
        .objects.filter(username__in=DEMO_ROLE_USERNAMES)
        .exclude(pk__in=demo_users())
        .order_by("username")
        .values_list("username", flat=True)
    )
    if foreign_users:
        problems.append(
            f"The account(s) {', '.join(foreign_users)} are not demo accounts; the demo would give "
            f"them its roles. (Demo accounts have an @{DEMO_EMAIL_DOMAIN} address.)"
        )
    if problems:
        raise DemoRefused(
            " ".join(
                [
                    "Refusing to load the demo into this database.",
                    *problems,
                    "Load the demo only on a demo or development database. Nothing was changed.",
                ]
            )
        )


def _say(stdout: Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def _load_story() -> None:
    users = {user.username: ensure_user(user) for user in DEMO_USERS}
    standards = {spec.code: ensure_standard(spec) for spec in STANDARDS}
    hospitals = ensure_hospitals()
    ensure_memberships(users["nurse"], [hospitals[code] for code in NURSE_HOSPITALS])
    _load_mask_story(users, standards, hospitals)
    _load_rapid_test_story(users, standards)


def _load_mask_story(
    users: dict[str, AbstractUser], standards: dict[str, Standard], hospitals: dict[str, Hospital]
) -> None:
    officer, clerk = users["officer"], users["clerk"]
    product = ensure_product(MASK_PRODUCT, standards[KN95.code])
    order = place_order(
        supplier=ensure_supplier(MASK_SUPPLIER),
        reference=ORDER_REFERENCE,
        line=services.OrderLineInput(
            product=product,
            quantity=TOTAL_ORDERED,
            unit_price=UNIT_PRICE,
            required_standard=standards[FFP2.code],
            intended_use=IntendedUse.MEDICAL,
        ),
        actor=officer,
        notes="Respirators for staff treating COVID-19 patients in critical care.",
    )
    lots = receive_lots(order, SHIPMENT_REFERENCE, LOT_NUMBERS, LOT_SIZE, actor=clerk)
    released = release_on_documents(lots[:RELEASED_LOT_COUNT], actor=officer)
    distributions = dispatch_plan(released, hospitals, actor=clerk)
    confirm_receipts(distributions, actor=users["nurse"])


def _load_rapid_test_story(users: dict[str, AbstractUser], standards: dict[str, Standard]) -> None:
    standard = standards[AG_RDT.code]
    order = place_order(
        supplier=ensure_supplier(TEST_SUPPLIER),
        reference=RAPID_ORDER_REFERENCE,
        line=services.OrderLineInput(
            product=ensure_product(TEST_PRODUCT, standard),
            quantity=RAPID_TESTS_ORDERED,
            unit_price=RAPID_UNIT_PRICE,
            required_standard=standard,
            intended_use=IntendedUse.MEDICAL,
        ),
        actor=users["officer"],
        notes="SARS-CoV-2 antigen rapid tests for hospital laboratories and emergency rooms.",
    )
    receive_lots(
        order, RAPID_SHIPMENT_REFERENCE, RAPID_LOT_NUMBERS, RAPID_LOT_SIZE, actor=users["clerk"]
    )


# ---------------------------------------------------------------------------------------------
# Reference data (plain get_or_create: no status, no quantity)


def ensure_user(spec: DemoUser) -> AbstractUser:
    """The demo user, created with the demo password; an existing account keeps its password.

    An existing account that is not a demo account gets no role: the demo refuses instead
    (`check_nothing_to_take_over` has already said so before anything was written)."""
    user, created = get_user_model().objects.get_or_create(
        username=spec.username,
        defaults={
            "email": f"{spec.username}@{DEMO_EMAIL_DOMAIN}",
            "is_staff": spec.role != Role.HOSPITAL_STAFF,
            "is_superuser": spec.role is None,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if spec.role is not None:
        if not created and not demo_users().filter(pk=user.pk).exists():
            raise DemoRefused(
                f'Refusing to load the demo: the account "{spec.username}" is not a demo account. '
                "Nothing was changed."
            )
        user.groups.add(role_group(spec.role))
    return user


def ensure_standard(spec: StandardSpec) -> Standard:
    standard, _ = Standard.objects.get_or_create(
        code=spec.code,
        defaults={
            "title": spec.title,
            "edition": spec.edition,
            "category": spec.category,
            "is_medical": spec.is_medical,
        },
    )
    return standard


def ensure_supplier(fields: dict[str, str]) -> Supplier:
    supplier, _ = Supplier.objects.get_or_create(name=fields["name"], defaults=fields)
    return supplier


def ensure_product(spec: ProductSpec, claimed: Standard) -> Product:
    product, _ = Product.objects.get_or_create(
        sku=spec.sku,
        defaults={
            "name": spec.name,
            "category": spec.category,
            "claimed_standard": claimed,
            "manufacturer": spec.manufacturer,
            "unit": spec.unit,
        },
    )
    return product


def ensure_hospitals() -> dict[str, Hospital]:
    """The 25 demo hospitals by code."""
    return {
        hospital_code(number): ensure_hospital(hospital_code(number), spec)
        for number, spec in enumerate(HOSPITALS, start=1)
    }


def ensure_hospital(code: str, spec: HospitalSpec) -> Hospital:
    hospital, _ = Hospital.objects.get_or_create(
        code=code,
        defaults={
            "name": spec.name,
            "city": spec.city,
            "region": spec.region,
            "contact_email": hospital_contact_email(spec),
            "language": spec.language,
            "webhook_url": f"{WEBHOOK_BASE_URL}{code}" if spec.webhook else "",
            "webhook_secret": f"demo-webhook-secret-{code.lower()}" if spec.webhook else "",
        },
    )
    return hospital


def ensure_memberships(user: AbstractUser, hospitals: Sequence[Hospital]) -> None:
    for hospital in hospitals:
        HospitalMembership.objects.get_or_create(
            user=user, hospital=hospital, defaults={"job_title": "Intensive-care nurse"}
        )


# ---------------------------------------------------------------------------------------------
# The story, through the services


def place_order(
    *,
    supplier: Supplier,
    reference: str,
    line: services.OrderLineInput,
    actor: AbstractUser,
    notes: str,
) -> PurchaseOrder:
    order = services.order_create(
        supplier=supplier, reference=reference, lines=[line], actor=actor, notes=notes
    )
    return services.order_place(order=order, actor=actor)


def receive_lots(
    order: PurchaseOrder,
    reference: str,
    lot_numbers: Sequence[str],
    lot_size: int,
    *,
    actor: AbstractUser,
) -> list[Lot]:
    """One shipment against the order's single line, one quarantined lot per number."""
    line = order.lines.get()
    made = timezone.localdate() - MADE_AGO
    shipment = services.shipment_receive(
        order=order,
        reference=reference,
        lots=[
            services.LotInput(line, number, lot_size, made, made + SHELF_LIFE)
            for number in lot_numbers
        ],
        actor=actor,
    )
    return list(shipment.lots.order_by("lot_number"))


def release_on_documents(lots: Sequence[Lot], *, actor: AbstractUser) -> list[Lot]:
    return [
        services.lot_release(
            lot=lot,
            actor=actor,
            basis=ReleaseBasis.DOCUMENTS,
            reason=RELEASE_REASON,
            mismatch_override=MISMATCH_OVERRIDE,
        )
        for lot in lots
    ]


def distribution_plan(
    lots: Sequence[tuple[str, int]], hospital_codes: Sequence[str], per_hospital: int
) -> Iterator[tuple[str, str, int]]:
    """(lot number, hospital code, quantity) rows: each hospital gets `per_hospital` units, taken
    from the lots in order; a hospital whose share straddles two lots gets a part from each."""
    remaining = [[number, available] for number, available in lots]
    current = 0
    for code in hospital_codes:
        wanted = per_hospital
        while wanted:
            number, available = remaining[current]
            take = min(wanted, available)
            if take:
                yield number, code, take
                remaining[current][1] -= take
                wanted -= take
            if remaining[current][1] == 0:
                current += 1


def dispatch_plan(
    lots: Sequence[Lot], hospitals: dict[str, Hospital], *, actor: AbstractUser
) -> list[Distribution]:
    by_number = {lot.lot_number: lot for lot in lots}
    plan = distribution_plan(
        [(lot.lot_number, lot.quantity_received) for lot in lots], list(hospitals), PER_HOSPITAL
    )
    return [
        services.distribution_dispatch(
            lot=by_number[number],
            hospital=hospitals[code],
            quantity=quantity,
            actor=actor,
            note=DISPATCH_NOTE,
        )
        for number, code, quantity in plan
    ]


def confirm_receipts(distributions: Sequence[Distribution], *, actor: AbstractUser) -> None:
    """The nurse's hospitals confirm their deliveries, all but the last one of each hospital
    that got two; the first delivery to SHORT_DELIVERY_HOSPITAL arrived a carton short."""
    for code in NURSE_HOSPITALS:
        ours = [d for d in distributions if d.hospital.code == code]
        to_confirm = ours[:-1] if len(ours) > 1 else ours
        for distribution in to_confirm:
            short = code == SHORT_DELIVERY_HOSPITAL
            services.distribution_confirm_receipt(
                distribution=distribution,
                quantity_received=distribution.quantity - SHORT_BY
                if short
                else distribution.quantity,
                remark=SHORT_REMARK if short else "",
                actor=actor,
            )


# ---------------------------------------------------------------------------------------------
# Reset: the one place that deletes ledger rows, and only the demo's


def reset_demo() -> int:
    """Delete what the demo created, in dependency order; returns the number of rows deleted.

    Never touches the role groups, the warehouse and sink locations or the standards. Raises
    `django.db.models.ProtectedError` (and the caller's transaction rolls back) when rows outside
    the demo still refer to demo objects.
    """
    lots = demo_lots()
    orders = PurchaseOrder.objects.filter(supplier__name__in=DEMO_SUPPLIER_NAMES)
    distributions = Distribution.objects.filter(lot__in=lots)
    alerts = [
        services.receipt_discrepancy_email_key(pk)
        for pk in distributions.values_list("pk", flat=True)
    ]
    querysets: list[QuerySet] = [
        OutboundEmail.objects.filter(key__in=alerts),
        distributions,
        # Returns to the supplier refer to their ledger movement: gone before the movements.
        CreditClaimEvent.objects.filter(supplier_return__lot__in=lots),
        SupplierReturn.objects.filter(lot__in=lots),
        LotEvent.objects.filter(lot__in=lots),
        StockMovement.objects.filter(lot__in=lots),
        StockBalance.objects.filter(lot__in=lots),
        Location.objects.filter(kind=LocationKind.HOSPITAL, hospital__in=demo_hospitals()),
        lots,
        Shipment.objects.filter(order__in=orders),
        OrderEvent.objects.filter(order__in=orders),
        PurchaseOrderLine.objects.filter(order__in=orders),
        orders,
        Product.objects.filter(sku__in=DEMO_SKUS),
        Supplier.objects.filter(name__in=DEMO_SUPPLIER_NAMES),
        demo_hospitals(),
        demo_users(),
    ]
    return sum(_delete(queryset) for queryset in querysets)


def demo_hospitals() -> QuerySet[Hospital]:
    """The demo's hospitals: a demo code with that code's demo contact address."""
    return Hospital.objects.filter(
        reduce(
            operator.or_,
            (
                Q(code=code, contact_email__iexact=email)
                for code, email in DEMO_HOSPITAL_EMAILS.items()
            ),
        )
    )


def demo_users() -> QuerySet:
    """The demo's users: the demo usernames with the demo e-mail domain."""
    return get_user_model().objects.filter(
        Q(username__in=DEMO_USERNAMES) & Q(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")
    )


def _delete(queryset: QuerySet) -> int:
    return delete_with_history(queryset)


def delete_with_history(queryset: QuerySet) -> int:
    """Delete the rows, and the rows that cascade from them, with their field history: a reset
    leaves no trace of the demo, so loading it again gives the same tables. Returns the number
    of rows deleted (history rows not counted)."""
    collector = Collector(using=queryset.db)
    collector.collect(queryset)  # what the delete will take, cascades included
    tracked = set(registered_models.values())
    deleting = {
        model: [obj.pk for obj in objects]
        for model, objects in collector.data.items()
        if model in tracked
    }
    deleted, _ = queryset.delete()
    for model, pks in deleting.items():
        model.history.filter(id__in=pks).delete()
    return deleted


# ---------------------------------------------------------------------------------------------
# Report


def render_report(summary: DemoSummary) -> str:
    """The summary and the logins table the command prints."""
    return "\n".join([*summary_lines(summary), "", *login_lines()])


def summary_lines(summary: DemoSummary) -> list[str]:
    mismatch = " (intended-use mismatch: medical use, GB 2626 KN95)" * summary.intended_use_mismatch
    return [
        f"Order {summary.order_reference}: {summary.units_ordered:,} respirators{mismatch}",
        f"Lots received: {summary.lots_received} ({summary.lots_quarantined} quarantined)",
        f"Released on documents: {summary.units_released_on_documents:,} units in "
        f"{summary.lots_released_on_documents} lots",
        f"Dispatched: {summary.units_dispatched:,} units in {summary.distributions} distributions "
        f"to {summary.hospitals_supplied} hospitals; {summary.units_in_warehouse:,} units in the "
        "warehouse",
        f"Receipts confirmed by hospitals: {summary.receipts_confirmed} "
        f"({summary.receipt_discrepancies} with a discrepancy)",
        f"Rapid tests ({RAPID_ORDER_REFERENCE}): {summary.rapid_test_units_received:,} received in "
        f"{summary.rapid_test_lots_received} lots ({summary.rapid_test_lots_quarantined} "
        "quarantined)",
    ]


def login_lines(base_url: str = "http://127.0.0.1:8000/") -> list[str]:
    """One line per demo user: username, role, password, what they see at `base_url`."""
    rows = [("username", "role", "password", f"sees at {base_url}")]
    rows += [
        (user.username, _role_label(user), _password_of(user), user.sees) for user in DEMO_USERS
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[3]])
        for row in rows
    ]


def _role_label(user: DemoUser) -> str:
    return str(user.role.label) if user.role else "superuser"


def _password_of(user: DemoUser) -> str:
    exists_not_demo = (
        get_user_model()
        .objects.filter(username=user.username)
        .exclude(pk__in=demo_users())
        .exists()
    )
    return "(existing account)" if exists_not_demo else DEMO_PASSWORD
