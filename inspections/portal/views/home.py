"""The hospital start page, the stock on hand, and the language choice."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.middleware import remember_language
from procurement import services as procurement
from procurement.selectors import distributions_for_user

from ...selectors import portal as selectors
from ..forms import (
    LanguageForm,
)
from .common import ACTION_ROWS_SHOWN, RECENT_DELIVERIES, portal_page, render_portal


@portal_page
def home(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """What needs action now (recall notices to answer, lots to stop using, deliveries to
    confirm, open complaints), then the latest deliveries and the stock on hand per hospital."""
    user = request.user
    to_confirm = selectors.deliveries_to_confirm(user)
    complaints = selectors.open_complaints(user)
    notices = selectors.notices_to_answer(user)
    context = {
        "hospitals": hospitals,
        "several": len(hospitals) > 1,
        "today": timezone.localdate(),
        "notices_to_answer": list(notices[:ACTION_ROWS_SHOWN]),
        "notices_to_answer_count": notices.count(),
        "to_confirm": list(to_confirm[:ACTION_ROWS_SHOWN]),
        "to_confirm_count": to_confirm.count(),
        "stop_using": list(selectors.stock_to_stop_using(hospitals)),
        "open_complaints": list(complaints[:ACTION_ROWS_SHOWN]),
        "open_complaints_count": complaints.count(),
        "recent": list(distributions_for_user(user)[:RECENT_DELIVERIES]),
        "stock": selectors.stock_by_hospital(hospitals),
    }
    return render_portal(request, "home.html", context, section="home")


@portal_page
def stock(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """What each hospital holds now, per lot, with the lot's status."""
    context = {"several": len(hospitals) > 1, "stock": selectors.stock_by_hospital(hospitals)}
    return render_portal(request, "stock.html", context, section="stock")


@require_POST
@login_required
def language_set(request: HttpRequest) -> HttpResponse:
    """Remember the language the user chose (pages now, e-mails later) and go back."""
    form = LanguageForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next", ""))
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages offered."))
        return redirect(next_url)
    language = form.cleaned_data["language"]
    try:
        procurement.user_language_set(user=request.user, language=language)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(next_url)
    remember_language(request, language)
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _safe_next(request: HttpRequest, url: str) -> str:
    """The page to go back to when it is on this site, else the start page."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")
