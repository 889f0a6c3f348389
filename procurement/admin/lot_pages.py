"""The lot's own pages in the panel: dispatch units of one lot to a hospital, and record a return
of units from a hospital, each a form that calls one service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from core.admin.common import (
    input_page,
)
from core.errors import DomainError

from .. import admin_forms, services
from ..models import (
    Lot,
)
from .lot_actions import role_offers


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


class LotPages:
    """The dispatch and return pages of one lot, and the list actions that open them."""

    @admin.action(description="Dispatch to hospital (one lot)", permissions=["change"])
    def dispatch_to_hospital(self, request, queryset):
        return self._one_lot(request, queryset, "admin:procurement_lot_dispatch", "dispatch")

    @admin.action(description="Record a return from a hospital (one lot)", permissions=["change"])
    def record_return(self, request, queryset):
        return self._one_lot(
            request, queryset, "admin:procurement_lot_return", "record a return for"
        )

    def _one_lot(self, request, queryset, url_name: str, what: str):
        pks = list(queryset.values_list("pk", flat=True)[:2])
        if len(pks) != 1:
            self.message_user(request, f"Select exactly one lot to {what}.", messages.WARNING)
            return None
        return redirect(url_name, pks[0])

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dispatch/",
                self.admin_site.admin_view(self.dispatch_view),
                name="procurement_lot_dispatch",
            ),
            path(
                "<path:object_id>/return/",
                self.admin_site.admin_view(self.return_view),
                name="procurement_lot_return",
            ),
            *super().get_urls(),
        ]

    def dispatch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        lot = self._lot_to_act_on(request, object_id, "dispatch_to_hospital")
        form = admin_forms.DispatchForm(_posted(request), admin_site=self.admin_site)

        def dispatch(data) -> str:
            distribution = services.distribution_dispatch(lot=lot, actor=request.user, **data)
            return f"Dispatched {distribution}."

        return self._one_lot_page(
            request,
            lot,
            form,
            dispatch,
            title=f"Dispatch lot {lot} to a hospital",
            submit="Dispatch",
            warning=f"{lot.warehouse_units:,} units of {lot.product} are in the warehouse.",
        )

    def return_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        lot = self._lot_to_act_on(request, object_id, "record_return")
        form = admin_forms.ReturnForm(_posted(request), lot=lot)

        def record(data) -> str:
            services.stock_return_from_hospital(lot=lot, actor=request.user, **data)
            return (
                f"Recorded the return of {data['quantity']:,} units of lot {lot} from "
                f"{data['hospital']} to the central warehouse."
            )

        holding = form.fields["hospital"].queryset.exists()
        return self._one_lot_page(
            request,
            lot,
            form,
            record,
            title=f"Record a return of lot {lot} from a hospital",
            submit="Record the return",
            warning=(
                "The units go back into the central warehouse."
                if holding
                else f"No hospital holds units of lot {lot}: there is nothing to return."
            ),
        )

    def _lot_to_act_on(self, request: HttpRequest, object_id: str, action: str) -> Lot:
        lot = self.get_object(request, object_id)
        if lot is None:
            raise Http404("No such lot.")
        if not (self.has_change_permission(request, lot) and role_offers(request.user, action)):
            raise PermissionDenied
        return lot

    def _one_lot_page(self, request, lot: Lot, form, call, **page) -> HttpResponse:
        """Run `call` with the form's data; on a refusal keep the input and show why."""
        if form.is_bound and form.is_valid():
            try:
                done = call(form.cleaned_data)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:procurement_lot_change", lot.pk)
        cancel_url = reverse("admin:procurement_lot_change", args=[lot.pk])
        return input_page(self, request, form=form, cancel_url=cancel_url, **page)
