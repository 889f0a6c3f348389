"""Deliveries: the list, one delivery, confirming its receipt, booking use."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.formats import number_format
from django.utils.translation import ngettext

from core.errors import DomainError, IllegalTransition, InsufficientStock
from core.pages import page_links, page_of
from procurement import services as procurement
from procurement.models import Distribution
from procurement.services import NO_CONSUMPTION_STATUSES

from ...selectors import complaints_for_user
from ...selectors import portal as selectors
from ..forms import (
    DeliveryFilterForm,
    ReceiptForm,
    UseForm,
)
from .common import DELIVERIES_PER_PAGE, portal_page, render_portal


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
    return render_portal(request, "deliveries.html", context, section="deliveries")


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
    return render_portal(request, "delivery.html", context, section="deliveries", root=False)


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
