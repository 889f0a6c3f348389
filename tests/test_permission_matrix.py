"""Who may open what: every page and every API endpoint, for every role, against one table.

The URL patterns are read from the resolver (`django.urls.get_resolver()`), so a new URL without
an entry in EXPECTED fails `test_every_url_has_an_expected_answer_per_role`. Path parameters are
filled from the demo's story (`load_demo`) plus a hospital B complaint with a photo; every
hospital-scoped object in a path belongs to hospital B, so hospital A's staff must never get a
200 there (pages and API alike answer 404 for someone else's object).

Only GET is sent: the walk must change nothing. A POST-only endpoint answers GET with 405 once
the caller is let in, so its row still says who is let in (401/403 before 405). The ministry
panel (/admin/, 230 URLs) is covered by rules instead of rows: see the admin tests below.

Roles: `anonymous`, `officer`, `inspector`, `clerk`, `hospital_a` (staff of hospital A). Pages
are opened with a signed-in session, the API with an API token of the role (tests/api_helpers).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image
from rest_framework.test import APIClient

from core.outbox.webhooks import webhook_subscription_create
from core.roles import Role
from inspections import demo as quality_demo
from inspections import services as quality
from inspections.models import (
    Certificate,
    ComplaintCategory,
    HospitalReturn,
    Inspection,
    Notice,
    Recall,
    SupplierLevel,
)
from procurement.models import (
    Distribution,
    Hospital,
    Product,
    PurchaseOrder,
    Shipment,
    Standard,
    StockMovement,
    Supplier,
    SupplierReturn,
)
from tests import factories
from tests.api_helpers import token_client

ROLES = ("anonymous", "officer", "inspector", "clerk", "hospital_a")


@dataclass(frozen=True)
class Route:
    """One URL pattern as a path template (`hospital/notices/<notice_id>/`) and its name."""

    template: str
    name: str
    params: tuple[str, ...]


def _template(pattern: str) -> tuple[str, tuple[str, ...]]:
    """A route's or a regex's pattern as `a/<name>/b/`, with the names of its parameters."""
    params = tuple(re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", pattern))
    names = tuple(a or b for a, b in params)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", text)
    return text.replace("^", "").replace("$", "").replace("\\", ""), names


def _walk(patterns, prefix: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            routes += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            template, params = _template(prefix + str(entry.pattern))
            routes.append(Route(template, entry.name or "", params))
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns)


def site_routes() -> list[Route]:
    """Every URL outside the ministry panel, without DRF's format-suffix twins (`lots.json`),
    which answer like the route they copy."""
    return [
        r
        for r in all_routes()
        if not r.template.startswith("admin/") and "<format>" not in r.template
    ]


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.template.startswith("admin/")]


# ---------------------------------------------------------------------------------------------
# The table: one row per URL outside the panel, one expected status per role.
#
# 302 is the sign-in page (pages), 401 no credentials (API), 403 a role that may not, 404 not
# yours (another hospital's object) or nothing there, 405 a POST-only endpoint opened by
# someone it lets in. `A` = (anonymous, officer, inspector, clerk, hospital_a).


def _row(anonymous, officer, inspector, clerk, hospital_a) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, officer, inspector, clerk, hospital_a), strict=True))


EXPECTED: dict[str, dict[str, int]] = {
    # --- API: 401 without a token; the supply side for the ministry's three roles; hospital
    # staff only their hospitals, distributions, complaints, notices and returns (404 for B's).
    "api/v1/suppliers/": _row(401, 200, 200, 200, 403),
    "api/v1/suppliers/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/products/": _row(401, 200, 200, 200, 403),
    "api/v1/products/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/standards/": _row(401, 200, 200, 200, 403),
    "api/v1/standards/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/hospitals/": _row(401, 200, 200, 200, 200),
    "api/v1/hospitals/<pk>/": _row(401, 200, 200, 200, 404),
    "api/v1/orders/": _row(401, 200, 200, 200, 403),
    "api/v1/orders/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/orders/<pk>/cancel/": _row(401, 405, 405, 405, 403),
    "api/v1/orders/<pk>/events/": _row(401, 200, 200, 200, 403),
    "api/v1/orders/<pk>/place/": _row(401, 405, 405, 405, 403),
    "api/v1/shipments/": _row(401, 200, 200, 200, 403),
    "api/v1/shipments/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/lots/": _row(401, 200, 200, 200, 403),
    "api/v1/lots/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/lots/<pk>/correct-dates/": _row(401, 405, 405, 405, 403),
    "api/v1/lots/<pk>/dispose/": _row(401, 405, 405, 405, 403),
    "api/v1/lots/<pk>/events/": _row(401, 200, 200, 200, 403),
    "api/v1/lots/<pk>/hold/": _row(401, 405, 405, 405, 403),
    "api/v1/lots/<pk>/recall/": _row(401, 405, 405, 405, 403),
    "api/v1/lots/<pk>/reject/": _row(401, 405, 405, 405, 403),
    "api/v1/lots/<pk>/release/": _row(401, 405, 405, 405, 403),
    "api/v1/lots/<pk>/traceability/": _row(401, 200, 200, 200, 403),
    "api/v1/webhooks/": _row(401, 200, 403, 403, 403),
    "api/v1/webhooks/<pk>/": _row(401, 200, 403, 403, 403),
    "api/v1/webhooks/<pk>/deactivate/": _row(401, 405, 403, 403, 403),
    "api/v1/webhooks/<pk>/deliveries/": _row(401, 200, 403, 403, 403),
    "api/v1/distributions/": _row(401, 200, 200, 200, 200),
    "api/v1/distributions/<pk>/": _row(401, 200, 200, 200, 404),
    "api/v1/distributions/<pk>/confirm-receipt/": _row(401, 405, 405, 405, 405),
    "api/v1/distributions/<pk>/record-use/": _row(401, 405, 405, 405, 405),
    "api/v1/stock-movements/": _row(401, 200, 200, 200, 403),
    "api/v1/stock-movements/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/supplier-returns/": _row(401, 200, 200, 200, 403),
    "api/v1/supplier-returns/<pk>/": _row(401, 200, 200, 200, 403),
    "api/v1/supplier-returns/<pk>/credit-claim/": _row(401, 405, 405, 405, 403),
    "api/v1/inspections/": _row(401, 200, 200, 403, 403),
    "api/v1/inspections/<pk>/": _row(401, 200, 200, 403, 403),
    "api/v1/inspections/<pk>/decide-conflict/": _row(401, 405, 405, 403, 403),
    "api/v1/inspection-plans/<pk>/": _row(401, 200, 200, 403, 403),
    "api/v1/complaints/": _row(401, 200, 200, 403, 200),
    "api/v1/complaints/<pk>/": _row(401, 200, 200, 403, 404),
    "api/v1/complaints/<pk>/close/": _row(401, 405, 405, 403, 405),
    "api/v1/complaints/<pk>/escalate/": _row(401, 405, 405, 403, 405),
    "api/v1/recalls/": _row(401, 200, 200, 403, 403),
    "api/v1/recalls/<pk>/": _row(401, 200, 200, 403, 403),
    "api/v1/recalls/<pk>/cancel/": _row(401, 405, 405, 403, 403),
    "api/v1/recalls/<pk>/close/": _row(401, 405, 405, 403, 403),
    "api/v1/recalls/<pk>/effectiveness/": _row(401, 200, 200, 403, 403),
    "api/v1/recalls/<pk>/events/": _row(401, 200, 200, 403, 403),
    "api/v1/recalls/<pk>/issue/": _row(401, 405, 405, 403, 403),
    "api/v1/recalls/<pk>/notices/": _row(401, 200, 200, 403, 403),
    "api/v1/recalls/<pk>/reopen/": _row(401, 405, 405, 403, 403),
    "api/v1/recalls/<pk>/start-closing/": _row(401, 405, 405, 403, 403),
    "api/v1/notices/": _row(401, 200, 200, 403, 200),
    "api/v1/notices/<pk>/": _row(401, 200, 200, 403, 404),
    "api/v1/notices/<pk>/lots/": _row(401, 200, 200, 403, 404),
    "api/v1/notices/<pk>/reply/": _row(401, 405, 405, 403, 405),
    "api/v1/notices/<pk>/return/": _row(401, 405, 405, 403, 405),
    "api/v1/notices/<pk>/versions/": _row(401, 200, 200, 403, 404),
    "api/v1/returns/": _row(401, 200, 403, 200, 200),
    "api/v1/returns/<pk>/": _row(401, 200, 403, 200, 404),
    "api/v1/returns/<pk>/receive/": _row(401, 405, 403, 405, 405),
    "api/v1/certificates/": _row(401, 200, 200, 403, 403),
    "api/v1/certificates/<pk>/": _row(401, 200, 200, 403, 403),
    "api/v1/certificates/<pk>/verify/": _row(401, 405, 405, 403, 403),
    "api/v1/supplier-levels/": _row(401, 200, 200, 403, 403),
    "api/v1/supplier-levels/<pk>/": _row(401, 200, 200, 403, 403),
    "api/v1/supplier-levels/<pk>/approve-reduced/": _row(401, 405, 405, 403, 403),
    "api/v1/supplier-levels/<pk>/reinstate/": _row(401, 405, 405, 403, 403),
    "api/v1/supplier-levels/<pk>/return-to-normal/": _row(401, 405, 405, 403, 403),
    "api/v1/schema/": _row(200, 200, 200, 200, 200),
    "api/v1/docs/": _row(200, 200, 200, 200, 200),
    # --- Pages: the sign-in page for strangers, 403 for a role the page is not for.
    "accounts/login/": _row(200, 200, 200, 200, 200),
    "accounts/logout/": _row(405, 405, 405, 405, 405),
    "i18n/setlang/": _row(302, 302, 302, 302, 302),
    "inspections/queue/": _row(302, 200, 200, 403, 403),
    "inspections/lots/<lot_id>/record/": _row(302, 200, 200, 403, 403),
    "inspections/<inspection_id>/": _row(302, 200, 200, 403, 403),
    "hospital/": _row(302, 403, 403, 403, 200),
    "hospital/deliveries/": _row(302, 403, 403, 403, 200),
    "hospital/deliveries/<distribution_id>/": _row(302, 403, 403, 403, 404),
    "hospital/deliveries/<distribution_id>/confirm/": _row(302, 403, 403, 403, 404),
    "hospital/deliveries/<distribution_id>/use/": _row(302, 403, 403, 403, 404),
    "hospital/deliveries/<distribution_id>/report/": _row(302, 403, 403, 403, 404),
    "hospital/complaints/": _row(302, 403, 403, 403, 200),
    "hospital/complaints/<complaint_id>/": _row(302, 403, 403, 403, 404),
    "hospital/complaints/<complaint_id>/photo/": _row(302, 403, 403, 403, 404),
    "hospital/notices/": _row(302, 403, 403, 403, 200),
    "hospital/notices/<notice_id>/": _row(302, 403, 403, 403, 404),
    "hospital/notices/<notice_id>/reply/": _row(302, 403, 403, 403, 404),
    "hospital/notices/<notice_id>/return/": _row(302, 403, 403, 403, 404),
    "hospital/stock/": _row(302, 403, 403, 403, 200),
    "account/language/": _row(405, 405, 405, 405, 405),
    "warehouse/returns/": _row(302, 200, 403, 200, 403),
    "warehouse/returns/<return_id>/receive/": _row(302, 302, 403, 302, 403),
    "": _row(302, 302, 302, 302, 302),
    "ministry/": _row(302, 200, 403, 403, 403),
    "inspection/": _row(302, 200, 200, 403, 403),
    "warehouse/": _row(302, 200, 403, 200, 403),
    "warehouse/distribute/": _row(302, 200, 403, 200, 403),
    "warehouse/lots/<lot_id>/distribute/": _row(302, 200, 403, 200, 403),
    "warehouse/distributions/import/": _row(302, 200, 403, 200, 403),
    "warehouse/distributions/plans/<token>/": _row(302, 404, 403, 404, 403),
    "warehouse/distributions/plans/<token>/notes/": _row(302, 404, 403, 404, 403),
    "warehouse/distributions/<distribution_id>/note/": _row(302, 200, 403, 200, 403),
}


# ---------------------------------------------------------------------------------------------
# The objects the paths are filled with


@dataclass
class World:
    """Hospital A (whose staff walk the site) and one object of every kind in a URL; the
    hospital-scoped ones belong to hospital B."""

    hospital_a: Hospital
    objects: dict[str, object]


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("ward.png", buffer.getvalue(), content_type="image/png")


def _build_world() -> World:
    quality_demo.load_demo(force=True)
    complaint_a = quality_demo.demo_complaints().select_related("hospital").first()
    hospital_a = complaint_a.hospital
    distribution_b = (
        Distribution.objects.exclude(hospital=hospital_a).filter(hospital__notices__isnull=False)
    ).first()
    hospital_b = distribution_b.hospital
    staff_b = factories.UserFactory(username="staff-b", role=Role.HOSPITAL_STAFF)
    factories.HospitalMembershipFactory(user=staff_b, hospital=hospital_b)
    complaint_b = quality.complaint_report(
        distribution=distribution_b,
        category=ComplaintCategory.FIT,
        description="The straps snap when the mask is put on.",
        quantity_affected=1,
        actor=staff_b,
        photo=_photo(),
    )
    officer = factories.UserFactory(username="matrix-officer", role=Role.MINISTRY_OFFICER)
    webhook = webhook_subscription_create(
        name="Matrix receiver",
        url="https://receiver.example/hooks",
        events=["lot.status_changed"],
        secret="",
        actor=officer,
    )
    returned = HospitalReturn.objects.exclude(notice__hospital=hospital_a).first()
    objects = {
        # API basenames
        "supplier": Supplier.objects.first(),
        "product": Product.objects.first(),
        "standard": Standard.objects.first(),
        "hospital": hospital_b,
        "order": PurchaseOrder.objects.first(),
        "shipment": Shipment.objects.first(),
        "lot": distribution_b.lot,
        "webhook": webhook,
        "distribution": distribution_b,
        "stock-movement": StockMovement.objects.first(),
        "supplier-return": SupplierReturn.objects.first(),
        "inspection": Inspection.objects.first(),
        # /api/v1/inspection-plans/<pk>/ is a lot's plan, by the lot's id (not an InspectionPlan
        # row: on SQLite their ids happened to match a lot's, on PostgreSQL they did not).
        "inspection-plan": distribution_b.lot,
        "complaint": complaint_b,
        "recall": Recall.objects.first(),
        "notice": Notice.objects.filter(hospital=hospital_b).first(),
        "hospital-return": returned,
        "certificate": Certificate.objects.first(),
        "supplier-level": SupplierLevel.objects.first(),
    }
    missing = [kind for kind, obj in objects.items() if obj is None]
    assert not missing, f"the demo has no {missing}"
    return World(hospital_a=hospital_a, objects=objects)


# Page parameters, by name: the object kind (its pk goes in the path).
PAGE_PARAMS = {
    "lot_id": "lot",
    "inspection_id": "inspection",
    "distribution_id": "distribution",
    "complaint_id": "complaint",
    "notice_id": "notice",
    "return_id": "hospital-return",
}
# A distribution plan's token is made when a clerk checks a file; none exists here.
NO_SUCH_PLAN = "no-such-plan"


def _api_kind(route: Route) -> str:
    """The object kind of an API route, from its name (`supplier-return-credit-claim`)."""
    kinds = sorted(
        (k for k in _KINDS if route.name == k or route.name.startswith(k + "-")), key=len
    )
    assert kinds, f"no object kind for {route.name}"
    return kinds[-1]


_KINDS = (
    "supplier", "product", "standard", "hospital", "order", "shipment", "lot", "webhook",
    "distribution", "stock-movement", "supplier-return", "inspection", "inspection-plan",
    "complaint", "recall", "notice", "hospital-return", "certificate", "supplier-level",
)  # fmt: skip


def url_of(route: Route, world: World) -> str:
    path = route.template
    for param in route.params:
        if param == "pk":
            obj = world.objects[_api_kind(route)]
            value = str(obj.pk)
        elif param == "token":
            value = NO_SUCH_PLAN
        else:
            value = str(world.objects[PAGE_PARAMS[param]].pk)
        path = path.replace(f"<{param}>", value)
    return "/" + path


# ---------------------------------------------------------------------------------------------
# The clients


ROLE_OF = {
    "officer": Role.MINISTRY_OFFICER,
    "inspector": Role.INSPECTOR,
    "clerk": Role.WAREHOUSE_CLERK,
    "hospital_a": Role.HOSPITAL_STAFF,
}


def page_client(role: str, world: World, client_class):
    client = client_class()
    if role != "anonymous":
        user = factories.UserFactory(username=f"matrix-{role}", role=ROLE_OF[role])
        if role == "hospital_a":
            factories.HospitalMembershipFactory(user=user, hospital=world.hospital_a)
        client.force_login(user)
    return client


def api_client(role: str, world: World) -> APIClient:
    if role == "anonymous":
        return APIClient()
    hospitals = [world.hospital_a] if role == "hospital_a" else []
    return token_client(ROLE_OF[role], hospitals=hospitals, name=f"matrix {role}")


def _answers(role: str, world: World, client_class) -> dict[str, int]:
    from django.core.cache import cache

    pages = page_client(role, world, client_class)
    api = api_client(role, world)
    answers = {}
    for route in site_routes():
        client = api if route.template.startswith("api/") else pages
        cache.clear()  # the anonymous API throttle counts in the cache; this walk is no flood
        answers[route.template] = client.get(url_of(route, world)).status_code
    return answers


# ---------------------------------------------------------------------------------------------
# The tests


# Kinds owned by one hospital: hospital A's staff must never be shown B's.
HOSPITAL_B_KINDS = {"hospital", "distribution", "complaint", "notice", "hospital-return"}


def _shows_hospital_b(route: Route) -> bool:
    if "pk" in route.params:
        return _api_kind(route) in HOSPITAL_B_KINDS
    return any(PAGE_PARAMS.get(param) in HOSPITAL_B_KINDS for param in route.params)


def test_every_url_has_an_expected_answer_per_role():
    templates = {route.template for route in site_routes()}

    missing = sorted(templates - set(EXPECTED))
    stale = sorted(set(EXPECTED) - templates)

    assert not missing, f"URLs without a row in EXPECTED: {missing}"
    assert not stale, f"rows in EXPECTED for URLs that no longer exist: {stale}"
    assert all(set(row) == set(ROLES) for row in EXPECTED.values())


def test_the_table_never_lets_hospital_a_see_hospital_b_nor_a_stranger_in():
    for route in site_routes():
        row = EXPECTED[route.template]
        if _shows_hospital_b(route):
            assert row["hospital_a"] != 200, route.template
        if route.template not in PUBLIC:
            assert row["anonymous"] in (302, 401, 404, 405), route.template


# Open to anyone: signing in, the language switch, the API's description.
PUBLIC = {"accounts/login/", "accounts/logout/", "i18n/setlang/", "api/v1/schema/", "api/v1/docs/"}


@pytest.mark.django_db
def test_every_role_gets_the_expected_answer_on_every_page_and_endpoint():
    from django.test import Client

    world = _build_world()
    wrong = []
    for role in ROLES:
        for template, status in _answers(role, world, Client).items():
            expected = EXPECTED.get(template, {}).get(role)
            if status != expected:
                wrong.append(f"{role:<10} {template}: {status}, expected {expected}")

    assert not wrong, "\n".join(["answers that differ from EXPECTED:", *wrong])


@pytest.mark.django_db
def test_hospital_a_posting_to_hospital_b_s_objects_is_told_they_do_not_exist():
    """GET cannot reach a POST-only endpoint's object; a POST (empty: it would be refused anyway)
    must stop at "not found" before anything is read from the body."""
    from django.test import Client

    world = _build_world()
    pages, api = page_client("hospital_a", world, Client), api_client("hospital_a", world)
    wrong = []
    for route in site_routes():
        if not _shows_hospital_b(route):
            continue
        client = api if route.template.startswith("api/") else pages
        status = client.post(url_of(route, world), {}).status_code
        if status != HOSPITAL_B_POST.get(route.template, 404):
            wrong.append(f"{route.template}: {status}")

    assert not wrong, "\n".join(["hospital A posting to B's objects:", *wrong])


# POST answers other than 404 for hospital A on B's objects: read-only endpoints do not take a
# POST at all (405, before any lookup), and steps that are not hospital staff's are refused by
# role (403) whoever's object it is. None says whether B's object exists.
HOSPITAL_B_POST: dict[str, int] = {
    "api/v1/hospitals/<pk>/": 405,
    "api/v1/distributions/<pk>/": 405,
    "api/v1/complaints/<pk>/": 405,
    "api/v1/notices/<pk>/": 405,
    "api/v1/notices/<pk>/lots/": 405,
    "api/v1/notices/<pk>/versions/": 405,
    "api/v1/returns/<pk>/": 405,
    "api/v1/complaints/<pk>/close/": 403,
    "api/v1/complaints/<pk>/escalate/": 403,
    "api/v1/returns/<pk>/receive/": 403,
    "warehouse/returns/<return_id>/receive/": 403,
    "warehouse/distributions/<distribution_id>/note/": 403,
}


# ---------------------------------------------------------------------------------------------
# The ministry panel: rules instead of rows


def _admin_path(route: Route) -> str:
    """An admin URL with every parameter set to 1: the panel checks who asks before it looks
    anything up."""
    path = route.template
    for param in route.params:
        path = path.replace(f"<{param}>", "1")
    return "/" + path


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "hospital_a"])
def test_strangers_to_the_panel_are_sent_to_its_sign_in_page_from_every_admin_url(
    client, hospital, role
):
    if role == "hospital_a":
        staff = factories.UserFactory(username="nurse-a", role=Role.HOSPITAL_STAFF)
        factories.HospitalMembershipFactory(user=staff, hospital=hospital)
        client.force_login(staff)
    wrong = []
    for route in admin_routes():
        response = client.get(_admin_path(route))
        expected = ADMIN_EXCEPTIONS.get(route.template)
        if expected is not None:
            ok = response.status_code == expected
        else:
            location = response.headers.get("Location", "")
            ok = response.status_code == 302 and location.startswith("/admin/login/")
        if not ok:
            wrong.append(f"{route.template}: {response.status_code}")

    assert len(admin_routes()) > 100
    assert not wrong, "\n".join(["admin URLs that did not send a stranger to sign in:", *wrong])


# The admin URLs that are not behind the panel's sign-in, and what a stranger gets there.
ADMIN_EXCEPTIONS: dict[str, int] = {
    "admin/login/": 200,  # the sign-in page itself
    "admin/logout/": 302,  # to the panel's start page, which sends a stranger to sign in
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["officer", "inspector", "clerk"])
def test_staff_open_every_changelist_they_hold_a_permission_for_and_no_other(client, rf, role):
    from django.contrib import admin

    user = factories.UserFactory(username=f"panel-{role}", role=ROLE_OF[role])
    client.force_login(user)
    request = rf.get("/admin/")
    request.user = user
    wrong, opened = [], 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/"
        allowed = model_admin.has_view_or_change_permission(request)
        status = client.get(url).status_code
        opened += status == 200
        if status != (200 if allowed else 403):
            wrong.append(f"{url}: {status}, may view: {allowed}")

    assert opened > 0
    assert not wrong, "\n".join([f"changelists for the {role}:", *wrong])


@pytest.mark.django_db
def test_hospital_a_opens_its_own_objects_where_b_s_are_not_found():
    """The 404s above are about whose object it is, not about the page: with A's objects in the
    same paths, A's staff get them."""
    from django.test import Client

    world = _build_world()
    distribution = Distribution.objects.filter(hospital=world.hospital_a).first()
    colleague = factories.UserFactory(username="colleague-a", role=Role.HOSPITAL_STAFF)
    factories.HospitalMembershipFactory(user=colleague, hospital=world.hospital_a)
    own = {
        "distribution": distribution,
        "complaint": quality.complaint_report(
            distribution=distribution,
            category=ComplaintCategory.FIT,
            description="The nose clip does not hold.",
            quantity_affected=1,
            actor=colleague,
            photo=_photo(),
        ),
        "notice": Notice.objects.filter(hospital=world.hospital_a).first(),
        "hospital": world.hospital_a,
    }
    assert all(own.values()), own
    world.objects.update(own)
    pages, api = page_client("hospital_a", world, Client), api_client("hospital_a", world)
    wrong = []
    for route in site_routes():
        if not _shows_hospital_b(route) or EXPECTED[route.template]["hospital_a"] != 404:
            continue
        if "return_id" in route.params or route.name.startswith("hospital-return"):
            continue  # A has sent nothing back in the story
        client = api if route.template.startswith("api/") else pages
        status = client.get(url_of(route, world)).status_code
        if status != OWN_GET.get(route.template, 200):
            wrong.append(f"{route.template}: {status}")

    assert not wrong, "\n".join(["hospital A's own objects:", *wrong])


# The hospital's form posts: a GET is sent back to the object's own page.
OWN_GET = {
    "hospital/deliveries/<distribution_id>/confirm/": 302,
    "hospital/deliveries/<distribution_id>/use/": 302,
    "hospital/notices/<notice_id>/reply/": 302,
    "hospital/notices/<notice_id>/return/": 302,
}
