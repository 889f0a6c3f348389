"""What every portal page shares: its access rule (hospital staff with at least one hospital) and
its rendering."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from core.pages import no_access, render_page, role_page
from procurement.selectors import hospitals_for_user

PAGE = "hospital_home"  # the start page these pages belong to (access rule and navigation)


DELIVERIES_PER_PAGE = 25


COMPLAINTS_PER_PAGE = 25


NOTICES_PER_PAGE = 25


RECENT_DELIVERIES = 10


ACTION_ROWS_SHOWN = 20  # per "needs action" list on the home page; the rest behind a link


# How a complaint photo is served: only these types, by the stored name's extension.
PHOTO_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


def portal_page(view: Callable) -> Callable:
    """Hospital staff only (403 for other roles, sign-in first for visitors); a user with no
    hospital gets the no-access page. The view gets the user's hospitals, by name."""

    @role_page(PAGE)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        hospitals = list(hospitals_for_user(request.user).order_by("name", "pk"))
        if not hospitals:
            return no_access(request)
        return view(request, *args, hospitals=hospitals, **kwargs)

    return wrapper


def render_portal(
    request: HttpRequest, template: str, context: dict, *, section: str, root: bool = True
) -> HttpResponse:
    """Render a portal page; `section` marks the portal's own navigation (`root`: the section's
    own page rather than one below it)."""
    context = {**context, "section": section, "section_root": root}
    return render_page(request, f"portal/{template}", context, current=PAGE)
