"""Shipments: received only through the receive page, which calls shipment_receive."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin.common import SavesOnlyEditedFields, ViewOnlyInline
from core.admin.export import CsvExportMixin
from core.admin.history import HistoryAdminMixin
from core.errors import DomainError

from .. import admin_forms, services
from ..models import (
    Lot,
    Shipment,
)

# ---------------------------------------------------------------------------------------------
# Shipments and receiving


class ShipmentLotInline(ViewOnlyInline):
    model = Lot
    fields = ["lot_number", "order_line", "quantity_received", "status", "expires_on"]
    show_change_link = True

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("order_line__order", "order_line__product")
        )


@admin.register(Shipment)
class ShipmentAdmin(HistoryAdminMixin, CsvExportMixin, SavesOnlyEditedFields, admin.ModelAdmin):
    """A shipment is added only by receiving it (`shipment_receive`), on the receive page."""

    csv_columns = [
        "reference",
        "order",
        "supplier",
        "received_at",
        "received_by",
        "lot_count",
        "notes",
    ]
    list_display = ["reference", "order", "supplier", "received_at", "received_by", "lot_count"]
    list_filter = [("order__supplier", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["order__supplier", "received_by"]
    search_fields = ["reference", "order__reference", "order__supplier__name"]
    date_hierarchy = "received_at"
    fields = ["order", "reference", "received_at", "received_by", "notes"]
    readonly_fields = ["order", "reference", "received_at", "received_by"]
    inlines = [ShipmentLotInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lots_count=Count("lots"))

    @admin.display(description="supplier", ordering="order__supplier__name")
    def supplier(self, shipment: Shipment):
        return shipment.order.supplier

    @admin.display(description="lots", ordering="lots_count")
    def lot_count(self, shipment: Shipment) -> int:
        return shipment.lots_count

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        receive = path(
            "receive/",
            self.admin_site.admin_view(self.receive_view),
            name="procurement_shipment_receive",
        )
        return [receive, *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        url = reverse("admin:procurement_shipment_receive")
        query = request.GET.urlencode()
        return HttpResponseRedirect(f"{url}?{query}" if query else url)

    def receive_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        order_id = request.POST.get("order") or request.GET.get("order")
        form = admin_forms.ShipmentReceiveForm(data, initial={"order": order_id})
        lots = admin_forms.lot_formset(data, order_id)
        if data is not None and form.is_valid() and lots.is_valid():
            try:
                shipment = services.shipment_receive(
                    **form.cleaned_data, lots=lots.lot_inputs(), actor=request.user
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                count = shipment.lots.count()
                self.message_user(
                    request,
                    f"Shipment {shipment.reference} received: {count} lot(s) in quarantine.",
                    messages.SUCCESS,
                )
                return redirect("admin:procurement_shipment_change", shipment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Receive a shipment",
            "subtitle": None,
            "form": form,
            "lots": lots,
            "media": self.media + form.media + lots.media,
        }
        return TemplateResponse(request, "admin/procurement/shipment/receive.html", context)
