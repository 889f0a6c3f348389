"""The site's shell, shared by every staff page and the hospital portal: each role's start page
and the dispatcher at / that sends a user to theirs, the role check on a page, rendering with the
navigation, the page for users not set up yet, paging, and the 429 page of the sign-in limit.

The start pages themselves belong to the apps; they are named here by URL name only, so `core`
imports neither app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import Role, has_role, user_roles


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
    return render_page(request, "core/no_access.html", context, current="")


def age_days(since: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole days from a moment to now (never negative), or None when there is no moment."""
    return None if since is None else max(0, (now - since).days)


def page_of(request: HttpRequest, rows: QuerySet, per_page: int, param: str = "page") -> Page:
    """The requested page (its number in `param`); a missing, bad or too-high page number gives
    the nearest real page."""
    return Paginator(rows, per_page).get_page(request.GET.get(param))


def page_links(request: HttpRequest, page: Page, param: str = "page") -> dict[str, str | None]:
    """Previous/next links that keep the rest of the query (search, filters, other lists'
    page numbers)."""

    def link(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "next": link(page.next_page_number()) if page.has_next() else None,
    }


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


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many sign-in attempts from one address (django-ratelimit's RATELIMIT_VIEW): 429."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
