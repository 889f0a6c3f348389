"""CSV import jobs in the ministry panel: the "Import from CSV" button on the hospital, product
and distribution lists, the upload page, the job page (a progress bar while it runs, then the
preview, the Apply confirmation, the result), its JSON status for the bar, and the job list.

Every step calls a service in `procurement.imports`; who may import what is the importer's
role rule (ministry officers: everything; warehouse clerks: distribution plans), and a job of a
kind the user may not import answers 404.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin.common import ViewOnlyAdmin
from core.errors import DomainError

from ..models import ImportJob, ImportKind, ImportStatus
from ..planning import RowError
from ..selectors import imports as import_selectors
from ..services import imports

# Where each kind's records are listed (the button's changelist, the result's link).
TARGETS = {
    ImportKind.HOSPITALS: ("procurement_hospital_changelist", "hospitals"),
    ImportKind.PRODUCTS: ("procurement_product_changelist", "products"),
    ImportKind.DISTRIBUTION_PLAN: ("procurement_distribution_changelist", "distributions"),
}


class ImportFromCsvMixin:
    """For a changelist: an "Import from CSV" button, shown to those who may run the import."""

    import_kind: str
    change_list_template = "admin/imports/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = dict(extra_context or {})
        if self.import_kind in imports.kinds_for_user(request.user):
            extra_context["import_url"] = reverse(
                "admin:procurement_importjob_upload", args=[self.import_kind]
            )
        return super().changelist_view(request, extra_context)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@admin.register(ImportJob)
class ImportJobAdmin(ViewOnlyAdmin):
    """The job list; a job's own page replaces the change form."""

    list_display = [
        "id",
        "created_at",
        "kind",
        "original_name",
        "status",
        "total_rows",
        "error_count",
        "created_by",
        "finished_at",
    ]
    list_display_links = ["id", "original_name"]
    list_filter = ["kind", "status"]
    search_fields = ["original_name", "created_by__username"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest):
        return import_selectors.import_jobs_for_user(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(imports.kinds_for_user(request.user))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        kinds = imports.kinds_for_user(request.user)
        return bool(kinds) and (obj is None or obj.kind in kinds)

    def get_urls(self):
        view, name = self.admin_site.admin_view, "procurement_importjob"
        return [
            path("new/<str:kind>/", view(self.upload_view), name=f"{name}_upload"),
            path("<int:job_id>/status/", view(self.status_view), name=f"{name}_status"),
            path("<int:job_id>/apply/", view(self.apply_view), name=f"{name}_apply"),
            *super().get_urls(),
        ]

    # -----------------------------------------------------------------------------------------
    # Pages

    def upload_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        """Choose a file; a refused one is named with every reason, and nothing is stored."""
        importer = self._importer(request, kind)
        posted = request.method == "POST"
        form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
        errors: list[RowError] = []
        if posted and form.is_valid():
            try:
                job = imports.import_job_create(
                    kind=kind, upload=form.cleaned_data["file"], actor=request.user
                )
            except imports.ImportRefused as exc:
                errors = exc.errors
            except DomainError as exc:
                errors = [RowError(None, None, exc.message)]
            else:
                return redirect(_job_url(job))
        context = {
            **self._context(request, f"Import {TARGETS[kind][1]} from CSV"),
            "form": form,
            "errors": errors,
            "kind": kind,
            "importer": importer,
            "max_megabytes": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024),
            "max_rows": settings.IMPORT_MAX_ROWS,
            "target_url": reverse(f"admin:{TARGETS[kind][0]}"),
        }
        return TemplateResponse(request, "admin/imports/upload.html", context)

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """The job page: progress while it runs, then the preview, then the result."""
        job = self._job(request, object_id)
        title = f"Import {job.pk}: {job.get_kind_display().lower()} from {job.original_name}"
        context = {
            **self._context(request, title),
            "job": job,
            "progress": import_selectors.import_job_progress(job),
            "importer": imports.importer_for(job.kind),
            "events": job.events.select_related("actor"),
            "errors_more": max(0, job.error_count - len(job.errors)),
            "may_apply": job.status == ImportStatus.PREVIEW_READY and not job.error_count,
            "target_url": reverse(f"admin:{TARGETS[job.kind][0]}"),
            "target_label": TARGETS[job.kind][1],
        }
        return TemplateResponse(request, "admin/imports/job.html", context)

    def status_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        """What the progress bar polls every second (never cached: admin_view says so)."""
        return JsonResponse(import_selectors.import_job_progress(self._job(request, job_id)))

    def apply_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """Ask before applying (GET), then apply (POST): a refusal is shown on the job page."""
        job = self._job(request, job_id)
        if request.method == "POST":
            try:
                imports.import_job_confirm(job=job, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Import {job.pk} is being applied: all rows or none.")
            return redirect(_job_url(job))
        if job.status != ImportStatus.PREVIEW_READY or job.error_count:
            return redirect(_job_url(job))  # the job page says why there is nothing to apply
        context = {
            **self._context(request, f"Apply import {job.pk}?"),
            "job": job,
            "target_label": TARGETS[job.kind][1],
        }
        return TemplateResponse(request, "admin/imports/apply.html", context)

    # -----------------------------------------------------------------------------------------
    # Helpers

    def _importer(self, request: HttpRequest, kind: str):
        if kind not in TARGETS:
            raise Http404("No such import.")
        if kind not in imports.kinds_for_user(request.user):
            raise PermissionDenied
        return imports.importer_for(kind)

    def _job(self, request: HttpRequest, job_id) -> ImportJob:
        if not str(job_id).isdigit():
            raise Http404("No such import job.")
        return get_object_or_404(self.get_queryset(request), pk=int(job_id))

    def _context(self, request: HttpRequest, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "subtitle": None,
        }


def _job_url(job: ImportJob) -> str:
    return reverse("admin:procurement_importjob_change", args=[job.pk])
