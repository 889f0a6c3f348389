"""The report pages, mounted at /admin/reports/ (before the admin site's own URLs) and wrapped
by the admin site's `admin_view`, so they sign people in and out like every admin page.

Each report has three URLs: the page, `<name>_csv` and `<name>_pdf`.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, path

from . import views

app_name = "reports"


def _report(route: str, view, name: str) -> list[URLPattern]:
    wrapped = admin.site.admin_view(view)
    return [
        path(f"{route}/", wrapped, {"fmt": "html"}, name=name),
        path(f"{route}/csv/", wrapped, {"fmt": "csv"}, name=f"{name}_csv"),
        path(f"{route}/pdf/", wrapped, {"fmt": "pdf"}, name=f"{name}_pdf"),
    ]


urlpatterns = [
    path("lots/", admin.site.admin_view(views.lot_search), name="lot_search"),
    *_report("lots/<int:pk>", views.lot_trace, "lot_trace"),
    *_report("recalls/<int:pk>", views.recall_report, "recall_report"),
    *_report("suppliers/<int:pk>", views.supplier_scorecard, "supplier_scorecard"),
]
