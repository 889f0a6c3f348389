"""The app's URLs plus `/bench/bare-lots/`: the lots list's first page as a bare Django view
builds it (one `values()` query for the page, one COUNT, `JsonResponse`): no DRF, no
authentication, no filters. The benchmark checks that it answers the same JSON as
`/api/v1/lots/?page_size=100` before timing either. Only `bench.settings` uses this URLconf."""

from django.db.models import F
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.fields import DateTimeField

from procurement.models import Lot

PAGE = 100
_MOMENT = DateTimeField()  # the API's own formatting of a moment (site time zone)


def bare_lots(request):
    rows = Lot.objects.order_by("lot_number").values(
        "id",
        "lot_number",
        "status",
        "release_basis",
        "quantity_received",
        "manufactured_on",
        "expires_on",
        "received_at",
        "released_at",
        "shipment_id",
        "order_line_id",
        product=F("order_line__product__sku"),
        supplier=F("shipment__order__supplier_id"),
    )[:PAGE]
    count = Lot.objects.count()
    results = [
        {
            "id": row["id"],
            "lot_number": row["lot_number"],
            "status": row["status"],
            "release_basis": row["release_basis"],
            "quantity_received": row["quantity_received"],
            "manufactured_on": _date(row["manufactured_on"]),
            "expires_on": _date(row["expires_on"]),
            "received_at": _MOMENT.to_representation(row["received_at"]),
            "released_at": _MOMENT.to_representation(row["released_at"])
            if row["released_at"]
            else None,
            "shipment": row["shipment_id"],
            "order_line": row["order_line_id"],
            "product": row["product"],
            "supplier": row["supplier"],
        }
        for row in rows
    ]
    next_url = (
        request.build_absolute_uri(f"/api/v1/lots/?page=2&page_size={PAGE}")
        if count > PAGE
        else None
    )
    return JsonResponse({"count": count, "next": next_url, "previous": None, "results": results})


def _date(value):
    return value.isoformat() if value else None


urlpatterns = [path("bench/bare-lots/", bare_lots), path("", include("config.urls"))]
