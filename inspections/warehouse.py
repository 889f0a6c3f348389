"""The warehouse's page for units hospitals send back under a recall: the returns in transit,
oldest first, each with a form to record what arrived, and the latest returns received.

It needs `HospitalReturn`, so it lives in `inspections`; it belongs to the warehouse start page
(`role_page("warehouse_home")`: warehouse clerks and ministry officers) and is mounted without a
namespace at `warehouse/returns/` from `config.urls`. Every write goes through
`services.hospital_return_receive`: a refusal of what was typed is a form error on that return
with the input kept, a refusal because of the return's state a message.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import DomainError, IllegalTransition
from core.pages import age_days, page_of, render_page, role_page

from . import services
from .models import HospitalReturn, ReturnStatus

PAGE = "warehouse_home"  # the start page this page belongs to (access rule and navigation)
IN_TRANSIT_PER_PAGE = 50
RECEIVED_SHOWN = 20


class ReturnReceiptForm(forms.Form):
    """What arrived of one return: the units counted, and what happened when it differs."""

    quantity_received = forms.IntegerField(
        label=_("Units that arrived"),
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    remark = forms.CharField(
        label=_("What happened, if your count differs"),
        required=False,
        max_length=2000,
        help_text=_("Needed when fewer units arrived than were shipped."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, hospital_return: HospitalReturn, **kwargs) -> None:
        kwargs.setdefault("prefix", f"return-{hospital_return.pk}")
        kwargs.setdefault("initial", {"quantity_received": hospital_return.quantity_shipped})
        super().__init__(*args, **kwargs)
        self.fields["quantity_received"].widget.attrs["max"] = hospital_return.quantity_shipped


def returns_in_transit() -> QuerySet[HospitalReturn]:
    """Returns shipped by hospitals and not yet received, oldest first, with what the page
    shows joined in."""
    return (
        HospitalReturn.objects.filter(status=ReturnStatus.SHIPPED)
        .select_related("hospital", "lot__order_line__product", "notice__recall", "shipped_by")
        .order_by("shipped_at", "pk")
    )


def returns_received() -> QuerySet[HospitalReturn]:
    """The latest returns received, newest first."""
    return (
        HospitalReturn.objects.filter(status=ReturnStatus.RECEIVED)
        .select_related("hospital", "lot__order_line__product", "received_by")
        .order_by("-received_at", "-pk")
    )


@role_page(PAGE)
def return_list(request: HttpRequest) -> HttpResponse:
    """Returns in transit, each with its receive form, and the latest received."""
    return _returns_page(request)


def _returns_page(
    request: HttpRequest, *, bound: ReturnReceiptForm | None = None, bound_id: int | None = None
) -> HttpResponse:
    now = timezone.now()
    page = page_of(request, returns_in_transit(), IN_TRANSIT_PER_PAGE)
    rows = [
        {
            "item": item,
            "days": age_days(item.shipped_at, now),
            "form": bound if item.pk == bound_id else ReturnReceiptForm(hospital_return=item),
        }
        for item in page
    ]
    context = {
        "page_obj": page,
        "rows": rows,
        "received": list(returns_received()[:RECEIVED_SHOWN]),
    }
    return render_page(request, "inspections/warehouse_returns.html", context, current=PAGE)


@role_page(PAGE)
def return_receive(request: HttpRequest, return_id: int) -> HttpResponse:
    """Record what arrived of one return; a short count needs a remark."""
    if request.method != "POST":
        return redirect("warehouse_returns")
    hospital_return = get_object_or_404(
        HospitalReturn.objects.select_related("hospital", "lot"), pk=return_id
    )
    form = ReturnReceiptForm(request.POST, hospital_return=hospital_return)
    if form.is_valid():
        try:
            hospital_return = services.hospital_return_receive(
                hospital_return=hospital_return,
                quantity_received=form.cleaned_data["quantity_received"],
                remark=form.cleaned_data["remark"],
                actor=request.user,
            )
        except IllegalTransition as exc:  # received meanwhile, e.g. by a colleague
            messages.error(request, exc.message)
            return redirect("warehouse_returns")
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _received_message(hospital_return))
            return redirect("warehouse_returns")
    return _returns_page(request, bound=form, bound_id=hospital_return.pk)


def _received_message(hospital_return: HospitalReturn) -> str:
    values = {
        "units": number_format(hospital_return.quantity_received, force_grouping=True),
        "shipped": number_format(hospital_return.quantity_shipped, force_grouping=True),
        "lot": hospital_return.lot.lot_number,
        "hospital": hospital_return.hospital.name,
    }
    if hospital_return.discrepancy:
        return (
            ngettext(
                "Return of lot %(lot)s from %(hospital)s received: %(units)s unit of the "
                "%(shipped)s shipped. The difference stays on record as missing in transit.",
                "Return of lot %(lot)s from %(hospital)s received: %(units)s units of the "
                "%(shipped)s shipped. The difference stays on record as missing in transit.",
                hospital_return.quantity_received,
            )
            % values
        )
    return (
        ngettext(
            "Return of lot %(lot)s from %(hospital)s received: %(units)s unit. It stays set "
            "apart with its lot's status.",
            "Return of lot %(lot)s from %(hospital)s received: %(units)s units. They stay set "
            "apart with their lot's status.",
            hospital_return.quantity_received,
        )
        % values
    )


urlpatterns = [
    path("warehouse/returns/", return_list, name="warehouse_returns"),
    path(
        "warehouse/returns/<int:return_id>/receive/",
        return_receive,
        name="warehouse_return_receive",
    ),
]
