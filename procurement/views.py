"""The signed-in start pages: one per role, and the dispatcher at / that sends each user to theirs.

Every record shown is read through `procurement.selectors`, which decide whose records a user may
see; the views only page, arrange and label them. Each page runs a fixed number of queries
whatever the number of rows and, on the hospital page, whatever the number of hospitals the user
belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors
from .models import Lot, LotStatus, Role
from .roles import has_role, user_roles

DELIVERIES_PER_PAGE = 25
LOTS_PER_PAGE = 50
LATEST_DISTRIBUTIONS = 20
NEEDS_TEST_SHOWN = 20
EXPIRES_SOON_DAYS = 90


@dataclass(frozen=True)
class RolePage:
    """A start page, the roles that may open it, and how the navigation names it."""

    url_name: str
    roles: tuple[Role, ...]
    label: str


# In the order the dispatcher tries them: a user with several roles lands on the first that fits.
ROLE_PAGES = (
    RolePage("ministry_home", (Role.MINISTRY_OFFICER,), gettext_lazy("Ministry overview")),
    RolePage(
        "inspector_home", (Role.INSPECTOR, Role.MINISTRY_OFFICER), gettext_lazy("Inspection queue")
    ),
    RolePage(
        "warehouse_home", (Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER), gettext_lazy("Warehouse")
    ),
    RolePage("hospital_home", (Role.HOSPITAL_STAFF,), gettext_lazy("Hospital deliveries")),
)
_PAGES_BY_NAME = {page.url_name: page for page in ROLE_PAGES}


def role_page(url_name: str) -> Callable:
    """Sign-in required, and one of the page's roles (superusers pass); anyone else gets 403."""
    page = _PAGES_BY_NAME[url_name]

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_role(request.user, *page.roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# ---------------------------------------------------------------------------------------------
# The dispatcher and the page for users who are not set up yet


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to the start page of their role, or explain that they have none yet."""
    for page in ROLE_PAGES:
        # Ministry officers may open the inspector and warehouse pages too, but land on their own.
        if has_role(request.user, page.roles[0]):
            return redirect(page.url_name)
    return no_access(request)


def no_access(request: HttpRequest) -> HttpResponse:
    """A friendly page (status 200) for a signed-in user with no role or no hospital yet."""
    context = {"is_hospital_staff": Role.HOSPITAL_STAFF.value in user_roles(request.user)}
    return render_page(request, "procurement/no_access.html", context, current="")


# ---------------------------------------------------------------------------------------------
# One page per role


@role_page("ministry_home")
def ministry_home(request: HttpRequest) -> HttpResponse:
    """Lots by status, the inspection backlog, lots in use untested, and ways into the panel."""
    now = timezone.now()
    counts = selectors.lot_status_counts()
    oldest = selectors.oldest_quarantined_receipt()
    needs_test = selectors.lots_needing_test().order_by("released_at", "lot_number")
    needs_test_count = needs_test.count()
    needs_test_rows = [
        _LotRow(lot, age_days(lot.released_at, now)) for lot in needs_test[:NEEDS_TEST_SHOWN]
    ]
    context = {
        "status_rows": [
            {
                "label": status.label,
                "value": status.value,
                "lots": counts[status.value]["lots"],
                "units": counts[status.value]["units"],
                "admin_url": _admin_url("procurement_lot_changelist", status__exact=status.value),
            }
            for status in LotStatus
        ],
        "waiting_lots": counts[LotStatus.QUARANTINED.value]["lots"],
        "oldest_waiting_days": age_days(oldest, now) if oldest else None,
        # The oldest releases first, at most NEEDS_TEST_SHOWN; the rest in the panel.
        "needs_test": needs_test_rows,
        "needs_test_count": needs_test_count,
        "needs_test_more": needs_test_count - len(needs_test_rows),
        "needs_test_admin_url": _admin_url("procurement_lot_changelist", needs_test="yes"),
        "admin_links": _ministry_admin_links(),
    }
    return render_page(request, "procurement/ministry_home.html", context, current="ministry_home")


@role_page("inspector_home")
def inspector_home(request: HttpRequest) -> HttpResponse:
    """Lots waiting for inspection, oldest receipt first, with what should worry the inspector."""
    now = timezone.now()
    lots = selectors.lots_awaiting_inspection()
    page_obj = _page(request, lots, LOTS_PER_PAGE)
    context = {
        "page_obj": page_obj,
        "rows": [_LotRow(lot, age_days(lot.received_at, now)) for lot in page_obj],
    }
    return render_page(
        request, "procurement/inspector_home.html", context, current="inspector_home"
    )


@role_page("warehouse_home")
def warehouse_home(request: HttpRequest) -> HttpResponse:
    """Released stock in the warehouse, first-expired-first-out, and the latest dispatches."""
    today = timezone.localdate()
    context = {
        "page_obj": _page(request, selectors.lots_dispatchable(), LOTS_PER_PAGE),
        "distributions": selectors.distributions_for_user(request.user)[:LATEST_DISTRIBUTIONS],
        "today": today,
        "expires_soon_before": today + dt.timedelta(days=EXPIRES_SOON_DAYS),
    }
    return render_page(
        request, "procurement/warehouse_home.html", context, current="warehouse_home"
    )


@role_page("hospital_home")
def hospital_home(request: HttpRequest) -> HttpResponse:
    """The deliveries to the user's hospitals, newest first, and what each hospital holds now."""
    hospitals = list(selectors.hospitals_for_user(request.user))
    if not hospitals:
        return no_access(request)
    balances_by_hospital = defaultdict(list)
    for balance in selectors.hospitals_stock_on_hand(hospitals):
        balances_by_hospital[balance.location.hospital_id].append(balance)
    context = {
        "hospitals": hospitals,
        "page_obj": _page(
            request, selectors.distributions_for_user(request.user), DELIVERIES_PER_PAGE
        ),
        "stock": [(hospital, balances_by_hospital[hospital.pk]) for hospital in hospitals],
    }
    return render_page(request, "procurement/hospital_home.html", context, current="hospital_home")


# ---------------------------------------------------------------------------------------------
# Helpers


@dataclass(frozen=True)
class _LotRow:
    lot: Lot
    age_days: int | None


def age_days(since: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole days from a moment to now (never negative), or None when there is no moment."""
    return None if since is None else max(0, (now - since).days)


def _page(request: HttpRequest, rows: QuerySet, per_page: int) -> Page:
    """The requested page; a missing, bad or too-high page number gives the nearest real page."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def _admin_url(name: str, **query: str) -> str | None:
    """A URL into the ministry panel, or None while that model is not registered there."""
    try:
        url = reverse(f"admin:{name}")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def _ministry_admin_links() -> list[dict[str, str]]:
    links = [
        (_("Lots waiting for inspection"), "procurement_lot_changelist", LotStatus.QUARANTINED),
        (_("Lots on hold"), "procurement_lot_changelist", LotStatus.ON_HOLD),
        (_("Recalled lots"), "procurement_lot_changelist", LotStatus.RECALLED),
        (_("Purchase orders"), "procurement_purchaseorder_changelist", None),
        (_("Distributions"), "procurement_distribution_changelist", None),
        (_("Hospitals"), "procurement_hospital_changelist", None),
    ]
    result = []
    for label, name, status in links:
        url = _admin_url(name, status__exact=status.value) if status else _admin_url(name)
        if url:
            result.append({"label": label, "url": url})
    return result


def render_page(
    request: HttpRequest, template: str, context: dict, *, current: str
) -> HttpResponse:
    """Render with what the layout needs: the user's role names and the pages they may open."""
    user = request.user
    nav = [
        {"label": page.label, "url": reverse(page.url_name), "current": page.url_name == current}
        for page in ROLE_PAGES
        if has_role(user, *page.roles)
    ]
    return render(request, template, {**context, "nav_pages": nav, "role_label": _role_label(user)})


def _role_label(user) -> str:
    labels = [role.label for role in Role if role.value in user_roles(user)]
    if user.is_superuser:
        labels.insert(0, _("Administrator"))
    return ", ".join(str(label) for label in labels)
