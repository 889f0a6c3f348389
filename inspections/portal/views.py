"""The hospital portal's pages (deliveries, recall notices and their reply card, complaints,
stock), and the language choice every signed-in user has.

Open to hospital staff (`role_page("hospital_home")`); a hospital staff user not linked to a
hospital yet gets the friendly no-access page. Every object is read through the scoped selectors
(`inspections.portal.selectors`), so another hospital's delivery, complaint or photo answers 404.
Every write goes through a service: a refusal of what was typed is shown as a form error with the
input kept, a refusal because of the object's state (IllegalTransition) as a message. Each page
runs a fixed number of queries, whatever the number of rows and hospitals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from procurement import services as procurement
from procurement.errors import DomainError, IllegalTransition, InsufficientStock
from procurement.middleware import remember_language
from procurement.models import Distribution
from procurement.selectors import distributions_for_user, hospitals_for_user
from procurement.services import NO_CONSUMPTION_STATUSES, RETURNABLE_STATUSES
from procurement.views import no_access, page_links, page_of, render_page, role_page

from .. import services
from ..models import Notice
from ..selectors import complaints_for_user
from ..services.replies import REPLYABLE_RECALLS
from . import selectors
from .forms import (
    ComplaintForm,
    DeliveryFilterForm,
    LanguageForm,
    ReceiptForm,
    ReplyForm,
    ReturnForm,
    UseForm,
)

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


def _render(
    request: HttpRequest, template: str, context: dict, *, section: str, root: bool = True
) -> HttpResponse:
    """Render a portal page; `section` marks the portal's own navigation (`root`: the section's
    own page rather than one below it)."""
    context = {**context, "section": section, "section_root": root}
    return render_page(request, f"portal/{template}", context, current=PAGE)


# ---------------------------------------------------------------------------------------------
# Home


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
    return _render(request, "home.html", context, section="home")


# ---------------------------------------------------------------------------------------------
# Deliveries


@portal_page
def delivery_list(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """All deliveries, searched and filtered by receipt state, 25 per page."""
    form = DeliveryFilterForm(request.GET)
    search = form.values()
    deliveries = selectors.deliveries_search(request.user, **search)
    page = page_of(request, deliveries, DELIVERIES_PER_PAGE)
    context = {
        "form": form,
        "search": search,
        "filtered": search != DeliveryFilterForm.UNFILTERED,
        "several": len(hospitals) > 1,
        "page_obj": page,
        "page_links": page_links(request, page),
    }
    return _render(request, "deliveries.html", context, section="deliveries")


def _delivery(request: HttpRequest, distribution_id: int) -> Distribution:
    return get_object_or_404(selectors.deliveries_for_page(request.user), pk=distribution_id)


@portal_page
def delivery_detail(request: HttpRequest, distribution_id: int, *, hospitals: list) -> HttpResponse:
    """A delivery: the lot, its certificates and status, receipt and use, and its complaints."""
    return _delivery_page(request, _delivery(request, distribution_id))


def _delivery_page(
    request: HttpRequest,
    distribution: Distribution,
    *,
    receipt_form: ReceiptForm | None = None,
    use_form: UseForm | None = None,
) -> HttpResponse:
    lot = distribution.lot
    confirmed = distribution.status == Distribution.Status.CONFIRMED
    if receipt_form is None and not confirmed:
        receipt_form = ReceiptForm(initial={"quantity_received": distribution.quantity})
    context = {
        "distribution": distribution,
        "lot": lot,
        "product": lot.order_line.product,
        "confirmed": confirmed,
        "receipt_form": receipt_form,
        "use_form": use_form or UseForm(),
        "use_refused": lot.status in NO_CONSUMPTION_STATUSES,
        "on_hand": selectors.lot_on_hand(distribution),
        "certificates": list(selectors.lot_certificates(lot)),
        "complaints": list(complaints_for_user(request.user).filter(distribution=distribution)),
    }
    return _render(request, "delivery.html", context, section="deliveries", root=False)


@portal_page
def delivery_confirm(
    request: HttpRequest, distribution_id: int, *, hospitals: list
) -> HttpResponse:
    """Confirm receipt with the units counted; a different count needs a remark."""
    distribution = _delivery(request, distribution_id)
    if request.method != "POST":
        return redirect("hospital_delivery", distribution_id=distribution.pk)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            distribution = procurement.distribution_confirm_receipt(
                distribution=distribution,
                quantity_received=form.cleaned_data["quantity_received"],
                remark=form.cleaned_data["remark"],
                actor=request.user,
            )
        except IllegalTransition as exc:  # confirmed meanwhile, e.g. by a colleague
            messages.error(request, exc.message)
            return redirect("hospital_delivery", distribution_id=distribution.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _receipt_message(distribution))
            return redirect("hospital_delivery", distribution_id=distribution.pk)
    return _delivery_page(request, distribution, receipt_form=form)


def _receipt_message(distribution: Distribution) -> str:
    counted = distribution.quantity_received
    values = {
        "lot": distribution.lot.lot_number,
        "units": number_format(counted, force_grouping=True),
        "sent": number_format(distribution.quantity, force_grouping=True),
    }
    if distribution.discrepancy:
        return (
            ngettext(
                "Receipt of lot %(lot)s confirmed: %(units)s unit counted, %(sent)s dispatched. "
                "The ministry has been told of the difference.",
                "Receipt of lot %(lot)s confirmed: %(units)s units counted, %(sent)s dispatched. "
                "The ministry has been told of the difference.",
                counted,
            )
            % values
        )
    return (
        ngettext(
            "Receipt of lot %(lot)s confirmed: %(units)s unit.",
            "Receipt of lot %(lot)s confirmed: %(units)s units.",
            counted,
        )
        % values
    )


@portal_page
def delivery_use(request: HttpRequest, distribution_id: int, *, hospitals: list) -> HttpResponse:
    """Record units of the delivery's lot used up at the delivery's hospital."""
    distribution = _delivery(request, distribution_id)
    if request.method != "POST":
        return redirect("hospital_delivery", distribution_id=distribution.pk)
    form = UseForm(request.POST)
    if form.is_valid():
        quantity = form.cleaned_data["quantity_used"]
        try:
            procurement.stock_consume(
                lot=distribution.lot,
                hospital=distribution.hospital,
                quantity=quantity,
                actor=request.user,
            )
        except InsufficientStock as exc:  # about the number typed: keep it, say why
            form.add_error("quantity_used", exc.message)
        except IllegalTransition as exc:  # the lot may not be used (recalled, rejected)
            messages.error(request, exc.message)
            return redirect("hospital_delivery", distribution_id=distribution.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(units)s unit of lot %(lot)s recorded as used.",
                    "%(units)s units of lot %(lot)s recorded as used.",
                    quantity,
                )
                % {
                    "units": number_format(quantity, force_grouping=True),
                    "lot": distribution.lot.lot_number,
                },
            )
            return redirect("hospital_delivery", distribution_id=distribution.pk)
    return _delivery_page(request, distribution, use_form=form)


# ---------------------------------------------------------------------------------------------
# Complaints


@portal_page
def complaint_report_page(
    request: HttpRequest, distribution_id: int, *, hospitals: list
) -> HttpResponse:
    """Report a problem with units of a delivery; on success, the complaint's page."""
    distribution = _delivery(request, distribution_id)
    delivered = distribution.quantity_received or distribution.quantity
    posted = request.method == "POST"
    form = ComplaintForm(
        request.POST if posted else None, request.FILES if posted else None, delivered=delivered
    )
    if posted and form.is_valid():
        try:
            complaint = services.complaint_report(
                distribution=distribution,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
                quantity_affected=form.cleaned_data["quantity_affected"],
                photo=form.cleaned_data.get("photo"),
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _report_message(complaint.pk))
            return redirect("hospital_complaint", complaint_id=complaint.pk)
    context = {
        "distribution": distribution,
        "lot": distribution.lot,
        "form": form,
        # A file input cannot be filled in again: ask for the photo once more.
        "photo_lost": posted and bool(request.FILES.get("photo")),
    }
    return _render(request, "complaint_report.html", context, section="deliveries", root=False)


def _report_message(number: int) -> str:
    return _(
        "Thank you. The ministry has your report #%(number)s; an acknowledgement is on its way "
        "by e-mail. Keep the affected units apart and do not use them until you hear from us."
    ) % {"number": number}


@portal_page
def complaint_list(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """The hospitals' complaints, newest first, 25 per page."""
    page = page_of(request, complaints_for_user(request.user), COMPLAINTS_PER_PAGE)
    context = {
        "several": len(hospitals) > 1,
        "page_obj": page,
        "page_links": page_links(request, page),
    }
    return _render(request, "complaints.html", context, section="complaints")


def _complaint(request: HttpRequest, complaint_id: int):
    return get_object_or_404(complaints_for_user(request.user), pk=complaint_id)


@portal_page
def complaint_detail(request: HttpRequest, complaint_id: int, *, hospitals: list) -> HttpResponse:
    """What was reported, where it stands, and what the ministry did that the hospital sees."""
    complaint = _complaint(request, complaint_id)
    context = {
        "complaint": complaint,
        "events": list(selectors.complaint_history(complaint)),
    }
    return _render(request, "complaint.html", context, section="complaints", root=False)


@portal_page
def complaint_photo(request: HttpRequest, complaint_id: int, *, hospitals: list) -> HttpResponse:
    """The photo sent with a complaint, streamed to staff of its hospital only: media files are
    never served by URL."""
    complaint = _complaint(request, complaint_id)
    if not complaint.photo:
        raise Http404("This report has no photo.")
    try:
        handle = complaint.photo.storage.open(complaint.photo.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The photo's file is missing.") from exc
    extension = complaint.photo.name.rsplit(".", 1)[-1].lower()
    content_type = PHOTO_CONTENT_TYPES.get(extension)
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # An uploaded file is never a page: nothing in it may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---------------------------------------------------------------------------------------------
# Recall notices: the notice as it was sent, the reply card, units sent back


@portal_page
def notice_list(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """Every recall notice to the user's hospitals, newest first, 25 per page."""
    page = page_of(request, selectors.notices_for_user(request.user), NOTICES_PER_PAGE)
    context = {
        "several": len(hospitals) > 1,
        "today": timezone.localdate(),
        "page_obj": page,
        "page_links": page_links(request, page),
    }
    return _render(request, "notices.html", context, section="notices")


def _notice(request: HttpRequest, notice_id: int) -> Notice:
    return get_object_or_404(selectors.notices_for_user(request.user), pk=notice_id)


@portal_page
def notice_detail(request: HttpRequest, notice_id: int, *, hospitals: list) -> HttpResponse:
    """The notice (what is recalled, why, what to do, by when, whom to ask), the reply card
    pre-filled, the answers given, and the units sent back."""
    return _notice_page(request, _notice(request, notice_id))


def _notice_page(
    request: HttpRequest,
    notice: Notice,
    *,
    reply_form: ReplyForm | None = None,
    return_form: ReturnForm | None = None,
) -> HttpResponse:
    rows = selectors.notice_lot_rows(notice)
    reply = selectors.notice_reply_of(notice)
    may_answer = notice.recall.status in REPLYABLE_RECALLS
    if reply_form is None and may_answer:
        initial = ReplyForm.initial_for(rows, reply, request.user)
        reply_form = ReplyForm(rows=rows, initial=initial)
    returnable = _returnable(rows)
    if return_form is None and returnable:
        return_form = ReturnForm(rows=returnable)
    context = {
        "notice": notice,
        "recall": notice.recall,
        "rows": rows,
        "today": timezone.localdate(),
        "reply": reply,
        "may_answer": may_answer,
        "reply_form": reply_form,
        "explanation_open": _explanation_open(reply_form, rows),
        "history": list(selectors.notice_reply_history(notice)),
        "return_form": return_form if returnable else None,
        "returns": list(selectors.notice_returns(notice)),
    }
    return _render(request, "notice.html", context, section="notices", root=False)


def _returnable(rows: list) -> list:
    """The lots the hospital can send back: it holds units, and they must not be used."""
    return [row for row in rows if row.held and row.lot.status in RETURNABLE_STATUSES]


def _explanation_open(form: ReplyForm | None, rows: list) -> bool:
    """Show the explanation field open when it has something, an error, or the ledger already
    gives more units than were received (the figures cannot add up without one)."""
    if form is None:
        return False
    return bool(
        form["explanation"].value()
        or form["explanation"].errors
        or any(row.accounted > row.received for row in rows)
    )


@portal_page
def notice_answer(request: HttpRequest, notice_id: int, *, hospitals: list) -> HttpResponse:
    """Answer the notice (again): the reply card's figures, acknowledged, who answers."""
    notice = _notice(request, notice_id)
    if request.method != "POST":
        return redirect(_notice_url(notice, "reply"))
    form = ReplyForm(request.POST, rows=selectors.notice_lot_rows(notice))
    if form.is_valid():
        try:
            services.notice_reply(
                notice=notice,
                actor=request.user,
                acknowledged=form.cleaned_data["acknowledged"],
                lines=form.lines(),
                respondent_name=form.cleaned_data["respondent_name"],
                respondent_role=form.cleaned_data["respondent_role"],
                explanation=form.cleaned_data["explanation"],
            )
        except services.ExplanationNeeded as exc:
            form.add_error("explanation", exc.message)
        except InsufficientStock as exc:  # about the figures typed: keep them, say why
            form.add_error(None, exc.message)
        except IllegalTransition as exc:  # the recall was closed meanwhile
            messages.error(request, exc.message)
            return redirect(_notice_url(notice))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you. Your answer to notice %(reference)s is recorded.")
                % {"reference": notice.reference},
            )
            return redirect(_notice_url(notice))
    return _notice_page(request, notice, reply_form=form)


@portal_page
def notice_return(request: HttpRequest, notice_id: int, *, hospitals: list) -> HttpResponse:
    """Record units of one of the notice's lots shipped back to the central warehouse."""
    notice = _notice(request, notice_id)
    if request.method != "POST":
        return redirect(_notice_url(notice, "return"))
    form = ReturnForm(request.POST, rows=_returnable(selectors.notice_lot_rows(notice)))
    if form.is_valid():
        lot, quantity = form.chosen_lot(), form.cleaned_data["quantity"]
        try:
            services.hospital_return_ship(
                notice=notice,
                lot=lot,
                quantity=quantity,
                actor=request.user,
                reference=form.cleaned_data["reference"],
            )
        except InsufficientStock as exc:
            form.add_error("quantity", exc.message)
        except IllegalTransition as exc:  # the lot may no longer be sent back
            messages.error(request, exc.message)
            return redirect(_notice_url(notice))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _return_message(lot, quantity))
            return redirect(_notice_url(notice, "return"))
    return _notice_page(request, notice, return_form=form)


def _notice_url(notice: Notice, anchor: str = "") -> str:
    url = reverse("hospital_notice", args=[notice.pk])
    return f"{url}#{anchor}" if anchor else url


def _return_message(lot, quantity: int) -> str:
    return ngettext(
        "%(units)s unit of lot %(lot)s recorded as shipped back. The warehouse confirms its "
        "arrival.",
        "%(units)s units of lot %(lot)s recorded as shipped back. The warehouse confirms their "
        "arrival.",
        quantity,
    ) % {"units": number_format(quantity, force_grouping=True), "lot": lot.lot_number}


# ---------------------------------------------------------------------------------------------
# Stock


@portal_page
def stock(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """What each hospital holds now, per lot, with the lot's status."""
    context = {"several": len(hospitals) > 1, "stock": selectors.stock_by_hospital(hospitals)}
    return _render(request, "stock.html", context, section="stock")


# ---------------------------------------------------------------------------------------------
# Language, for every signed-in user


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


# ---------------------------------------------------------------------------------------------
# Helpers
