"""CSV exports of the admin's lists: the list as filtered, searched and sorted on screen.

`CsvExportMixin` gives a list an "Export CSV" link: every row the current filters and search
select, in the list's order, not only the page on screen. The rows are streamed
(`StreamingHttpResponse`, the queryset read in chunks), so a list of a hundred thousand lots is
never held in memory. Columns are the admin's
`csv_columns` (names as in `list_display`), headed by the same human-readable labels.

Every cell passes through `spreadsheet_safe`: text a spreadsheet would run as a formula (starting
with = + - @, a tab or a carriage return) gets a leading apostrophe. Complaints, notes and names
are typed by people outside the ministry; opening the export must not run what they typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, label_for_field, lookup_field
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.text import capfirst

CHUNK_SIZE = 2_000  # rows read from the database at a time
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-12", "+1,000", "-0.5") or a lone dash is no formula; it stays as it is.
_NUMBER = re.compile(r"[+-]?[\d,]*\.?\d*")


def spreadsheet_safe(text: str) -> str:
    """Neutralise a cell a spreadsheet would evaluate (CSV injection): prefix an apostrophe."""
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value, field: models.Field | None = None) -> str:
    """A value as text in the export: choice labels, yes/no, ISO dates, local times."""
    if field is not None and field.flatchoices and value is not None:
        value = dict(field.flatchoices).get(value, value)
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        text = local.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, Decimal | int | float):
        text = str(value)
    elif isinstance(value, SafeString):
        text = strip_tags(value)  # an admin column's HTML (a bold figure): only its text
    elif isinstance(value, models.fields.files.FieldFile):
        text = value.name or ""
    else:
        text = str(value)
    return spreadsheet_safe(text)


class _Echo:
    """A file for csv.writer that hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _path(model: type[Model], name: str) -> list[models.Field]:
    """The model fields a column goes through (`shipment__order__supplier`: three); none for a
    column that is an admin method or a property."""
    try:
        return get_fields_from_path(model, name)
    except (FieldDoesNotExist, AttributeError):
        return []


def _header(model_admin, name: str) -> str:
    fields = _path(model_admin.model, name)
    if LOOKUP_SEP in name and fields:
        return str(capfirst(fields[-1].verbose_name))  # "Supplier", not "Shipment order supplier"
    return str(capfirst(label_for_field(name, model_admin.model, model_admin)))


def _related(model: type[Model], columns: Iterable[str]) -> list[str]:
    """The forward relations the columns show, for one select_related: related objects are read
    with their rows, not one query per row."""
    paths = []
    for name in columns:
        fields = _path(model, name)
        relations = []
        for f in fields:
            if not (f.many_to_one or f.one_to_one) or f.auto_created:
                break
            relations.append(f.name)
        if relations:
            paths.append(LOOKUP_SEP.join(relations))
    return paths


def _chunks(queryset: QuerySet) -> Iterator[list[Model]]:
    rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


def csv_response(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet):
    """Stream `queryset` as CSV with the admin's `csv_columns`."""
    model = model_admin.model
    columns = list(model_admin.get_csv_columns(request))
    fields = {name: (_path(model, name) or [None])[-1] for name in columns}
    header = [_header(model_admin, name) for name in columns]
    queryset = queryset.select_related(*_related(model, columns))
    # Rows are written after the view returns: keep the language the request was served in.
    language = translation.get_language()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        with translation.override(language):
            # The byte order mark tells spreadsheet programs the file is UTF-8.
            yield "\ufeff" + writer.writerow([spreadsheet_safe(label) for label in header])
            for chunk in _chunks(queryset):
                model_admin.csv_prepare(chunk)
                for obj in chunk:
                    yield writer.writerow(_row(model_admin, obj, columns, fields))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{model._meta.model_name}s-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _row(model_admin, obj: Model, columns: Iterable[str], fields: dict) -> list[str]:
    row = []
    for name in columns:
        field, _attr, value = lookup_field(name, obj, model_admin)
        row.append(cell(value, field or fields[name]))
    return row


class CsvExportMixin:
    """An "Export CSV" link on the list, for whoever may view the list (nobody else).

    `csv_columns` defaults to `list_display`; `csv_prepare` may annotate each chunk of objects
    before it is written (figures a list computes per page).
    """

    csv_columns: list[str] | None = None

    def get_csv_columns(self, request: HttpRequest) -> list[str]:
        return self.csv_columns or [c for c in self.get_list_display(request) if c != "__str__"]

    def csv_prepare(self, objects: list[Model]) -> None:
        """Called with each chunk of objects before they are written; nothing by default."""

    def get_urls(self):
        opts = self.opts
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_csv_view),
            name=f"{opts.app_label}_{opts.model_name}_export",
        )
        return [export, *super().get_urls()]

    def export_csv_view(self, request: HttpRequest):
        """Every row of the list as the query string filters, searches and sorts it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, "The list's filters are not valid.", messages.ERROR)
            return HttpResponseRedirect(self._changelist_url())
        return csv_response(self, request, changelist.get_queryset(request))

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if self.has_view_permission(request):
            query = request.GET.copy()
            query.pop("p", None)  # the export has every page
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_export")
            extra_context = {
                **(extra_context or {}),
                "csv_export_url": f"{url}?{query.urlencode()}" if query else url,
            }
        return super().changelist_view(request, extra_context)

    def _changelist_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
