"""The ministry panel never lets a person type a status or a quantity.

Every registered ModelAdmin is opened, on objects of every status of the demo story and as a
superuser (who holds every permission and every role), and nothing named like a status or a
quantity may be an editable field: not in the change form, not in an inline, not in the list.
Statuses and quantities change only through the actions and pages that call a service and record
why. The one allowed exception is listed with its reason.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import WebhookAttempt, WebhookDelivery
from core.outbox import webhooks
from inspections import demo
from inspections.models import Certificate, VerificationStatus
from procurement import services
from procurement.models import ImportKind, Lot, LotStatus, OrderStatus, PurchaseOrder, Supplier
from procurement.services.imports import import_job_create
from tests import factories
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

# The status and quantity fields of the procurement and inspections tables, by their real names.
GUARDED_FIELDS = frozenset(
    {
        # statuses, and what moves or gates them
        "status",
        "claim_status",
        "verification_status",
        "from_status",
        "to_status",
        "state",
        "from_state",
        "to_state",
        "release_basis",
        "released_at",
        "verdict",
        "outcome",
        "accepted_in_gap",
        "reduced_proposed",
        "recent_original",
        "consecutive_accepted",
        "rejected_while_tightened",
        "acknowledged",
        # quantities and counts
        "quantity",
        "quantity_received",
        "quantity_affected",
        "quantity_shipped",
        "quantity_on_hand",
        "quantity_used",
        "quantity_destroyed",
        "units_tested",
        "nonconforming",
        "sample_size",
        "received",  # a notice's units received per lot
        "credit_amount",
        "attempt_count",
        "reminders_sent",
        "error_count",  # an import job's rows with errors
        "response_status",  # what a webhook receiver answered, or an idempotent first response
    }
)
# A field whose name says status or quantity must be in GUARDED_FIELDS (a new one is noticed).
STATUS_OR_QUANTITY = re.compile(
    r"status|state|quantity|units|verdict|outcome|nonconforming|sample_size|_count|_sent"
)

# (admin model, page, form or inline model, field): typed on that page only, and why that is safe.
ALLOWED = {
    # A new order's lines are typed on its add page and written by `order_create`, which checks
    # each quantity (a positive whole number); once the order exists its lines are read-only.
    ("PurchaseOrder", "add", "PurchaseOrderLine", "quantity"),
}


def _guarded_fields_of_the_apps() -> set[str]:
    names = set()
    for model in apps.get_models():
        ours = model._meta.app_label in {"procurement", "inspections"}
        if ours and not model.__name__.startswith("Historical"):
            names |= {f.name for f in model._meta.concrete_fields}
    return {name for name in names if STATUS_OR_QUANTITY.search(name)}


def test_every_status_or_quantity_field_of_the_apps_is_guarded():
    assert _guarded_fields_of_the_apps() <= GUARDED_FIELDS


# ---------------------------------------------------------------------------------------------
# Every admin, every page


@pytest.fixture
def superuser_client(client, settings):
    """The demo story (every kind of object, in most of their statuses) and a superuser."""
    settings.DEBUG = True  # the demo loads only on a development database
    demo.load_demo()
    officer = get_user_model().objects.get(username="officer")
    # What the story does not have: a draft order (reference and supplier still editable) and an
    # unverified certificate (descriptive fields editable).
    services.order_create(
        supplier=Supplier.objects.first(),
        reference="PO-AUDIT-DRAFT",
        lines=[_line()],
        actor=officer,
    )
    certificate = Certificate.objects.first()
    Certificate.objects.create(
        product=certificate.product or certificate.lot.order_line.product,
        standard=certificate.standard,
        issuer="Audit body",
        certificate_number="AUDIT-001",
    )
    _integrations(officer)
    client.force_login(factories.UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def _integrations(officer) -> None:
    """What the story does not make either: an API token, a webhook subscription with a
    delivery and an attempt, and a CSV import job (tasks run in-process, so it is previewed)."""
    services.api_token_create(name="Audit system", role="inspector", actor=officer)
    webhooks.webhook_subscription_create(
        name="Audit receiver",
        url="https://receiver.example/hook",
        events=["lot.status_changed"],
        actor=officer,
    )
    lot = factories.received_lot(quantity=10)
    # The hold publishes a delivery (sent after commit: never, inside a test's transaction).
    services.lot_hold(lot=lot, actor=officer, reason="Audit: a delivery to look at")
    delivery = WebhookDelivery.objects.get()
    WebhookAttempt.objects.create(delivery=delivery, succeeded=False, response_status=500)
    rows = "code,name,city,contact_email\nH-AUDIT,Audit,City,a@b.example\n"
    upload = SimpleUploadedFile("hospitals.csv", rows.encode())
    import_job_create(kind=ImportKind.HOSPITALS, upload=upload, actor=officer)


def _line() -> services.OrderLineInput:
    product = factories.ProductFactory()
    return services.OrderLineInput(
        product=product,
        quantity=10,
        unit_price=1,
        required_standard=product.claimed_standard,
    )


def _objects(model) -> list:
    """A few objects, and one in each status the story has, so pages that depend on the status
    (a draft order, a verified certificate) are all opened."""
    objects = list(model._default_manager.order_by("pk")[:3])
    for name in ("status", "verification_status", "state"):
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        for value in model._default_manager.values_list(name, flat=True).distinct():
            objects.append(model._default_manager.filter(**{name: value}).first())
    return list({obj.pk: obj for obj in objects}.values())


def _editable(response) -> set[tuple[str, str]]:
    """(form's model, field) for every field the page lets a person type into."""
    context = response.context
    fields = set()
    if "adminform" in context:
        form = context["adminform"].form
        fields |= {(form._meta.model.__name__, name) for name in form.fields}
    for inline in context.get("inline_admin_formsets") or []:
        formset = inline.formset
        parent_fk = getattr(formset, "fk", None)
        ignored = {"id", "DELETE", parent_fk.name if parent_fk else ""}
        forms = []
        if inline.has_change_permission:
            forms += formset.initial_forms
        if inline.has_add_permission:
            forms += [formset.empty_form, *formset.extra_forms]
        for form in forms:
            readonly = set(inline.readonly_fields)
            fields |= {
                (formset.model.__name__, name)
                for name in form.fields
                if name not in ignored and name not in readonly
            }
    return fields


def _refused(model_admin, page: str, editable: set[tuple[str, str]]) -> list[str]:
    admin_model = model_admin.model.__name__
    return [
        f"{admin_model} {page} page: {form_model}.{name} is editable"
        for form_model, name in sorted(editable)
        if name in GUARDED_FIELDS and (admin_model, page, form_model, name) not in ALLOWED
    ]


def test_no_admin_page_lets_anyone_type_a_status_or_a_quantity(superuser_client):
    problems: list[str] = []
    opened = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"procurement", "inspections"}:
            continue
        objects = _objects(model)
        assert objects, f"the story has no {model.__name__} to open"
        for obj in objects:
            response = superuser_client.get(admin_url(model, "change", obj.pk))
            assert response.status_code == 200, (model, obj.pk)
            problems += _refused(model_admin, "change", _editable(response))
            opened += 1
        add = superuser_client.get(admin_url(model, "add"))
        if add.status_code == 200:
            problems += _refused(model_admin, "add", _editable(add))
        problems += [
            f"{model.__name__} list: {name} is editable in the list"
            for name in model_admin.list_editable
            if name in GUARDED_FIELDS
        ]
    assert not problems, "\n".join(sorted(set(problems)))
    assert opened > 40


def test_the_allowed_exception_is_really_on_that_page(superuser_client):
    # The allow-list is not stale: the order's add page does take line quantities.
    response = superuser_client.get(admin_url(PurchaseOrder, "add"))

    assert ("PurchaseOrderLine", "quantity") in _editable(response)


# ---------------------------------------------------------------------------------------------
# What a forged form post does


def test_a_status_posted_to_a_lot_change_page_changes_nothing(client, officer):
    lot = factories.received_lot(quantity=1_000)
    client.force_login(officer)

    client.post(
        admin_url(Lot, "change", lot.pk),
        {"status": LotStatus.RELEASED, "quantity_received": 5, "lot_number": "FORGED"},
    )

    lot.refresh_from_db()
    assert (lot.status, lot.quantity_received) == (LotStatus.QUARANTINED, 1_000)
    assert lot.lot_number != "FORGED"


def test_a_status_posted_with_a_draft_order_edit_is_ignored(client, officer):
    order = services.order_create(
        supplier=factories.SupplierFactory(), reference="PO-DRAFT-1", lines=[_line()], actor=officer
    )
    client.force_login(officer)

    response = client.post(
        admin_url(PurchaseOrder, "change", order.pk),
        {
            "reference": "PO-DRAFT-1",
            "supplier": order.supplier.pk,
            "notes": "Delivery to the central warehouse.",
            "status": OrderStatus.PLACED,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-id": order.lines.get().pk,
            "lines-0-order": order.pk,
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.notes == "Delivery to the central warehouse."
    assert order.status == OrderStatus.DRAFT


def test_a_certificate_verification_cannot_be_posted(client, officer):
    certificate = Certificate.objects.create(
        product=factories.ProductFactory(),
        standard=factories.StandardFactory(),
        issuer="Notified body",
        certificate_number="CE-1",
    )
    client.force_login(officer)

    client.post(
        admin_url(Certificate, "change", certificate.pk),
        {
            "product": certificate.product.pk,
            "standard": certificate.standard.pk,
            "issuer": "Notified body",
            "certificate_number": "CE-1",
            "verification_status": VerificationStatus.VERIFIED,
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    certificate.refresh_from_db()
    assert certificate.verification_status == VerificationStatus.UNVERIFIED
