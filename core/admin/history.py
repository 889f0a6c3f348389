"""One timeline per object on the admin's History page: field edits and domain events together.

Two records say what happened to an object. `django-simple-history` keeps a copy of the row at
every save (who, when, every field), so a diff of two copies says which fields an edit changed.
The services write domain events (`LotEvent`, `OrderEvent`, ...): who moved the object from which
status to which, and why. `HistoryAdminMixin.history_view` merges both, oldest first, so that
"who released this lot, on what evidence" and "who changed its expiry date" are on one page.

Which event table belongs to which admin object is registered here with `record_events`, next to
the admin that shows it; each app registers its own tables, and may register them on another
app's model (the quality side's supplier levels on the supply side's `Supplier`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Model
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.text import capfirst
from simple_history.models import registered_models

HISTORY_TEMPLATE = "admin/history/object_history.html"
ENTRIES_PER_PAGE = 100
SYSTEM_ACTOR = "system (a scheduled task or a command)"


@dataclass(frozen=True)
class EventSource:
    """A table of domain events about objects of one model.

    `via` is the lookup from an event to the object (`"lot"`, or `"level__supplier"` for the
    levels of a supplier). The `*_field` names say where each table keeps the moved-from and
    moved-to state (no `from_field` when it records only the result), the reason, and (when it
    has one) the kind of event. `details` are further values shown with each event, as
    (label, dotted path from the event): `("Product category", "level.category")`.
    """

    model: type[Model]
    via: str
    from_field: str = "from_status"
    to_field: str = "to_status"
    reason_field: str = "reason"
    kind_field: str = ""
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class Change:
    """One field of one edit: its label and the values before and after, as shown."""

    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One line of the timeline: a field edit (`changes`) or a domain event (`transition`)."""

    at: dt.datetime
    actor: str
    kind: str
    title: str
    changes: list[Change] = field(default_factory=list)
    transition: tuple[str, str] | None = None
    reason: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return self.kind == "event"


_EVENT_SOURCES: dict[type[Model], list[EventSource]] = {}


def record_events(model: type[Model], source: EventSource) -> None:
    """Show `source`'s events on the History page of `model`'s objects (registered once)."""
    sources = _EVENT_SOURCES.setdefault(model, [])
    if source not in sources:
        sources.append(source)


def event_sources(model: type[Model]) -> list[EventSource]:
    return list(_EVENT_SOURCES.get(model, []))


def timeline(obj: Model) -> list[Entry]:
    """Every field edit and domain event of `obj`, oldest first."""
    model = type(obj)
    entries = field_edits(obj) if model in registered_models.values() else admin_log(obj)
    for source in event_sources(model):
        entries += domain_events(obj, source)
    return sorted(entries, key=lambda entry: entry.at)


# ---------------------------------------------------------------------------------------------
# Field edits (django-simple-history)


def field_edits(obj: Model) -> list[Entry]:
    """The object's saved copies, each compared with the one before it."""
    records = list(obj.history.select_related("history_user").order_by("history_date", "pk"))
    fields = [f for f in type(obj).history.model.tracked_fields if f.name != "id"]
    shown = _ValueFormatter(fields, records)
    entries = []
    previous = None
    for record in records:
        entries.append(_edit_entry(record, previous, fields, shown))
        previous = record
    return entries


def _edit_entry(record, previous, fields, shown: _ValueFormatter) -> Entry:
    actor = _actor(record.history_user)
    if record.history_type == "-":
        return Entry(record.history_date, actor, "edit", "Deleted")
    if previous is None:
        # Created here, or the first copy taken of an object older than the history.
        title = "Created" if record.history_type == "+" else "First recorded state"
        changes = [
            Change(_label(f), "", shown(f, record))
            for f in fields
            if getattr(record, f.attname) not in (None, "")
        ]
        return Entry(record.history_date, actor, "edit", title, changes)
    changes = [
        Change(_label(f), shown(f, previous), shown(f, record))
        for f in fields
        if getattr(previous, f.attname) != getattr(record, f.attname)
    ]
    title = "Changed" if changes else "Saved without changes"
    return Entry(record.history_date, actor, "edit", title, changes)


class _ValueFormatter:
    """Shows a stored value as people read it: choice labels, related objects by name (looked
    up once per field for all copies), yes/no, local dates and times."""

    def __init__(self, fields: Iterable[models.Field], records: list) -> None:
        self.related: dict[str, dict] = {}
        for f in fields:
            if f.is_relation and (f.many_to_one or f.one_to_one):
                ids = {getattr(r, f.attname) for r in records} - {None}
                manager = f.related_model._base_manager
                self.related[f.attname] = manager.in_bulk(ids) if ids else {}

    def __call__(self, f: models.Field, record) -> str:
        value = getattr(record, f.attname)
        if f.attname in self.related:
            if value is None:
                return ""
            related = self.related[f.attname].get(value)
            return str(related) if related is not None else f"#{value} (deleted)"
        return display_value(value, f)


def display_value(value, f: models.Field | None = None) -> str:
    """A value as text for people: choice labels, yes/no, local date and time, no "None"."""
    if f is not None and f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, dt.date | Decimal):
        return localize(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, dict):  # an event's data: {"hospital": "H01", "quantity": 200}
        shown = {str(key).replace("_", " "): display_value(item) for key, item in value.items()}
        return ", ".join(f"{key}: {item}" for key, item in shown.items() if item)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Domain events (written by the services)


def domain_events(obj: Model, source: EventSource) -> list[Entry]:
    related = {"actor", *(_relation(path) for _, path in source.details)} - {""}
    events = source.model._default_manager.filter(**{source.via: obj}).select_related(*related)
    return [_event_entry(event, source) for event in events]


def _event_entry(event: Model, source: EventSource) -> Entry:
    from_state = _choice(event, source.from_field)
    to_state = _choice(event, source.to_field)
    title = (
        _choice(event, source.kind_field)
        if source.kind_field
        else str(capfirst(source.model._meta.verbose_name))
    )
    details = [(label, _path_value(event, path)) for label, path in source.details]
    return Entry(
        at=event.at,
        actor=_actor(event.actor),
        kind="event",
        title=title,
        # A dispatch keeps the lot's status: no transition to show.
        transition=(from_state, to_state) if from_state != to_state else None,
        reason=getattr(event, source.reason_field, "") or "",
        details=[(label, value) for label, value in details if value],
    )


def _choice(event: Model, name: str) -> str:
    value = getattr(event, name) if name else ""
    if not value:
        return ""
    return display_value(value, event._meta.get_field(name))


def _relation(path: str) -> str:
    """The select_related lookup a dotted path needs ("level.category" -> "level")."""
    return "__".join(path.split(".")[:-1])


def _path_value(event: Model, path: str) -> str:
    *relations, name = path.split(".")
    target = event
    for relation in relations:
        target = getattr(target, relation)
        if target is None:
            return ""
    return display_value(getattr(target, name), target._meta.get_field(name))


# ---------------------------------------------------------------------------------------------
# Objects without field history: the admin's own log, as Django's History page shows it


def admin_log(obj: Model) -> list[Entry]:
    entries = LogEntry.objects.filter(
        object_id=str(obj.pk), content_type=get_content_type_for_model(obj)
    ).select_related("user")
    return [
        Entry(entry.action_time, _actor(entry.user), "edit", entry.get_change_message())
        for entry in entries
    ]


def _actor(user) -> str:
    if user is None:
        return SYSTEM_ACTOR
    full_name = user.get_full_name()
    return f"{user.get_username()} ({full_name})" if full_name else user.get_username()


def _label(f: models.Field) -> str:
    return str(capfirst(f.verbose_name))


# ---------------------------------------------------------------------------------------------
# The admin page


class HistoryAdminMixin:
    """Replaces Django's History page (the admin log) by the object's whole timeline.

    Put it before the admin base class. Nothing on the page changes anything: there is no
    "revert to this version" (a status or quantity goes back only through a service).
    """

    object_history_template = HISTORY_TEMPLATE

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = self.get_paginator(request, timeline(obj), ENTRIES_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "entries": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            "has_field_history": type(obj) in registered_models.values(),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)
