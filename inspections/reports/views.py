"""The report pages of the ministry panel, under /admin/reports/ (each wrapped by the admin
site's `admin_view`: signed-in active staff only, never cached). Each report is one view that
answers the page, the CSV or the PDF of the same `Document`.

Who may read what (the roles of `procurement.roles`; superusers may read everything):
- a lot's traceability: ministry officers and inspectors, who see lots and their inspections;
- a recall's report and a supplier's scorecard: ministry officers;
- the lot search: anyone who may see lots; it leads to the traceability page, or for a warehouse
  clerk (who sees lots but not their inspections) to the lot's admin page.
Anyone else is refused (403); hospital staff never get past the admin's sign-in.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from core.roles import Role, has_role
from procurement.models import Lot, Supplier

from ..models import Recall
from ..selectors import reports as selectors
from . import contents
from .csv import csv_response
from .document import Document, for_page
from .pdf import pdf_response

TRACE_ROLES = (Role.MINISTRY_OFFICER, Role.INSPECTOR)
REPORT_ROLES = (Role.MINISTRY_OFFICER,)
QUERY_MAX = 60  # a lot number is at most 60 characters


def may_trace(user) -> bool:
    """Whether the user may read lots' traceability pages."""
    return has_role(user, *TRACE_ROLES)


def may_report(user) -> bool:
    """Whether the user may read recall reports and supplier scorecards."""
    return has_role(user, *REPORT_ROLES)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# The reports


def lot_trace(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require(may_trace(request.user))
    lot = get_object_or_404(Lot, pk=pk)
    document = contents.lot_trace_document(selectors.lot_trace(lot), request.user)
    lot_url = reverse("admin:procurement_lot_change", args=[lot.pk])
    crumbs = [
        ("Lots", reverse("admin:procurement_lot_changelist")),
        (lot.lot_number, lot_url),
    ]
    return _respond(request, document, fmt, "reports:lot_trace", pk, crumbs, "Traceability")


def recall_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require(may_report(request.user))
    recall = get_object_or_404(Recall, pk=pk)
    report = selectors.recall_status_report(recall)
    document = contents.recall_report_document(report, request.user)
    crumbs = [
        ("Recalls", reverse("admin:inspections_recall_changelist")),
        (recall.reference, reverse("admin:inspections_recall_change", args=[recall.pk])),
    ]
    label = "Final report" if report.is_final else "Status report"
    return _respond(request, document, fmt, "reports:recall_report", pk, crumbs, label)


def supplier_scorecard(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _require(may_report(request.user))
    supplier = get_object_or_404(Supplier, pk=pk)
    document = contents.supplier_scorecard_document(
        selectors.supplier_scorecard(supplier), request.user
    )
    crumbs = [
        ("Suppliers", reverse("admin:procurement_supplier_changelist")),
        (supplier.name, reverse("admin:procurement_supplier_change", args=[supplier.pk])),
    ]
    return _respond(request, document, fmt, "reports:supplier_scorecard", pk, crumbs, "Scorecard")


def _respond(request, document: Document, fmt: str, url_name: str, pk: int, crumbs, label: str):
    """The document as CSV, PDF or the admin page (with its downloads and breadcrumbs)."""
    if fmt == "csv":
        return csv_response(document)
    if fmt == "pdf":
        return pdf_response(document)
    context = {
        **admin.site.each_context(request),
        "title": document.title,
        "document": document,
        "sections": for_page(document),
        "crumbs": crumbs,
        "page_label": label,
        "csv_url": reverse(f"{url_name}_csv", args=[pk]),
        "pdf_url": reverse(f"{url_name}_pdf", args=[pk]),
    }
    return TemplateResponse(request, "admin/reports/document.html", context)


# ---------------------------------------------------------------------------------------------
# Finding a lot by its number


def lot_search(request: HttpRequest) -> HttpResponse:
    """The exact lot number (any case) opens the lot; anything else lists the lots whose number
    contains it."""
    tracing = may_trace(request.user)
    _require(tracing or request.user.has_perm("procurement.view_lot"))
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    if query:
        exact = selectors.lots_numbered(query)
        if len(exact) == 1:
            return redirect(_lot_url(exact[0], tracing))
    matches = selectors.lots_matching(query) if query else []
    shown = matches[: selectors.LOT_MATCHES_SHOWN]
    context = {
        **admin.site.each_context(request),
        "title": f"Lots numbered like “{query}”" if query else "Find a lot",
        "query": query,
        "lot_query": query,  # keeps the header's search field filled in
        "matches": [(lot, _lot_url(lot, tracing)) for lot in shown],
        "more": len(matches) > len(shown),
        "limit": selectors.LOT_MATCHES_SHOWN,
    }
    return TemplateResponse(request, "admin/reports/lot_search.html", context)


def _lot_url(lot: Lot, tracing: bool) -> str:
    if tracing:
        return reverse("reports:lot_trace", args=[lot.pk])
    return reverse("admin:procurement_lot_change", args=[lot.pk])
