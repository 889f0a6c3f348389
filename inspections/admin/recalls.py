"""Recalls: prepared as drafts (from scratch, or from an inspection that found units at
hospitals), issued after a page listing every hospital that will get a notice and what it
received, followed through their effectiveness figures (the same selector as `recall_report`),
closed. The recall itself is read-only here: every step calls a service of
`inspections.services`, and a refusal is shown as a message with the input kept. Ministry
officers act; inspectors look.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from procurement.admin.common import ViewOnlyInline, asks_first, run_each
from procurement.admin.export import CsvExportMixin
from procurement.admin.history import EventSource, HistoryAdminMixin, record_events
from procurement.errors import DomainError
from procurement.roles import Role, has_role

from .. import admin_forms, selectors, services
from ..models import (
    Channel,
    DeliveryStatus,
    Inspection,
    Notice,
    NoticeReply,
    Recall,
    RecallEvent,
    RecallStatus,
)
from ..reports.views import may_report
from .common import OFFICERS, ActionsByRole, RoleAccess
from .recall_forms import CloseForm, RecallDraftForm, suggested_reference

TEMPLATES = "admin/inspections/recall"

record_events(Recall, EventSource(RecallEvent, "recall"))


def may_act(request: HttpRequest) -> bool:
    """Only ministry officers (and superusers) prepare, issue, cancel and close recalls."""
    return has_role(request.user, Role.MINISTRY_OFFICER)


# ---------------------------------------------------------------------------------------------
# Inlines


class RecallEventInline(RoleAccess, ViewOnlyInline):
    model = RecallEvent
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class NoticeInline(RoleAccess, ViewOnlyInline):
    """Each notified hospital: what it received, how each channel fared, whether it answered."""

    model = Notice
    fields = [
        "hospital",
        "units",
        "deliveries_status",
        "answered",
        "reminders_sent",
        "coordinator_alerted_at",
    ]
    verbose_name_plural = "notices (permanent delivery failures in red: reach them another way)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("recall", "hospital", "reply")
            .prefetch_related(
                Prefetch("deliveries", queryset=selectors.notice_deliveries_with_last_attempt())
            )
        )

    @admin.display(description="units received")
    def units(self, notice: Notice) -> str:
        return f"{notice.units_received:,}"

    @admin.display(description="deliveries")
    def deliveries_status(self, notice: Notice) -> str:
        return format_html_join(
            "", "<div>{}</div>", ((_delivery_line(d),) for d in notice.deliveries.all())
        )

    @admin.display(description="answered")
    def answered(self, notice: Notice) -> str:
        reply = _reply_of(notice)
        if reply is None:
            return "no reply"
        if not reply.acknowledged:
            return "replied, not acknowledged"
        return f"yes, {timezone.localtime(reply.answered_at):%Y-%m-%d %H:%M}"


def _reply_of(notice: Notice) -> NoticeReply | None:
    try:
        return notice.reply
    except NoticeReply.DoesNotExist:
        return None


def _delivery_line(delivery) -> str:
    channel = Channel(delivery.channel).label
    attempts = f"{delivery.attempt_count} attempt{'s' if delivery.attempt_count != 1 else ''}"
    if delivery.status == DeliveryStatus.FAILED:
        return format_html(
            '<strong class="admin-alert">{}: FAILED for good after {}: {}</strong>',
            channel,
            attempts,
            delivery.last_error or "no error recorded",
        )
    text = f"{channel}: {DeliveryStatus(delivery.status).label.lower()} ({attempts})"
    if delivery.status != DeliveryStatus.DELIVERED and delivery.last_error:
        return format_html("{}; last error: {}", text, delivery.last_error)
    return text


# ---------------------------------------------------------------------------------------------
# The list: figures of a whole page in a fixed number of queries


class RecallChangeList(ChangeList):
    def get_results(self, request) -> None:
        super().get_results(request)
        figures = selectors.recalls_effectiveness(self.result_list)
        for recall in self.result_list:
            recall.figures = figures[recall.pk]


def _selected_one(model_admin, request, queryset, what: str) -> Recall | None:
    if queryset.count() != 1:
        model_admin.message_user(
            request, f"{what} one recall at a time: select exactly one.", messages.ERROR
        )
        return None
    return queryset.get()


@admin.register(Recall)
class RecallAdmin(HistoryAdminMixin, CsvExportMixin, RoleAccess, ActionsByRole, admin.ModelAdmin):
    """Read-only for everyone: recalls change only through the services, by the actions and the
    issue and close pages."""

    edit_roles = OFFICERS
    csv_columns = [
        "reference",
        "status",
        "recall_class",
        "depth",
        "action",
        "lot_numbers",
        "issued_at",
        "response_deadline",
        "notified",
        "answered",
        "overdue",
        "unaccounted",
        "coordinator",
        "closed_at",
    ]
    list_display = [
        "reference",
        "class_code",
        "status",
        "lot_numbers",
        "issued_at",
        "response_deadline",
        "notified",
        "answered",
        "overdue",
        "unaccounted",
    ]
    list_filter = ["status", "recall_class"]
    search_fields = ["reference", "lots__lot_number"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            "Recall",
            {
                "fields": [
                    "reference",
                    "status",
                    "lot_numbers",
                    "recall_class",
                    "depth",
                    "action",
                    "effectiveness_level",
                    "response_deadline",
                    "coordinator",
                    "source_inspection_link",
                ]
            },
        ),
        ("What the notice says", {"fields": ["reason", "hazard"]}),
        (
            "Who and when",
            {"fields": ["created_by", "created_at", "issued_at", "closed_at"]},
        ),
    ]
    readonly_fields = [name for _, options in fieldsets for name in options["fields"]]
    inlines = [NoticeInline, RecallEventInline]
    actions = ["issue_recall", "cancel_drafts", "mark_closing", "reopen", "close_recall"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("coordinator", "created_by", "source_inspection__lot")
            .prefetch_related("lots")
        )

    def get_changelist(self, request, **kwargs):
        return RecallChangeList

    def csv_prepare(self, objects: list[Recall]) -> None:
        # The export's figures, as the list computes them for each page (`RecallChangeList`).
        figures = selectors.recalls_effectiveness(objects)
        for recall in objects:
            recall.figures = figures[recall.pk]

    # Read-only: a draft is added through `recall_create`, nothing is edited or deleted.

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # Columns and fields

    @admin.display(description="class", ordering="recall_class")
    def class_code(self, recall: Recall) -> str:
        return recall.recall_class

    @admin.display(description="lots")
    def lot_numbers(self, recall: Recall) -> str:
        return ", ".join(lot.lot_number for lot in recall.lots.all())

    @admin.display(description="notified")
    def notified(self, recall: Recall) -> int:
        return recall.figures.hospitals_notified

    @admin.display(description="answered")
    def answered(self, recall: Recall) -> int:
        return recall.figures.hospitals_answered

    @admin.display(description="overdue")
    def overdue(self, recall: Recall) -> str:
        count = recall.figures.hospitals_overdue
        if count:
            return format_html('<strong class="admin-alert">{}</strong>', count)
        return "0"

    @admin.display(description="unaccounted")
    def unaccounted(self, recall: Recall) -> str:
        count = recall.figures.units.unaccounted
        if count:
            return format_html('<strong class="admin-alert">{}</strong>', f"{count:,}")
        return "0"

    @admin.display(description="prepared from")
    def source_inspection_link(self, recall: Recall) -> str:
        inspection = recall.source_inspection
        if inspection is None:
            return "-"
        url = reverse("admin:inspections_inspection_change", args=[inspection.pk])
        return format_html('<a href="{}">{}</a>', url, inspection)

    # Pages

    def get_urls(self):
        def route(suffix: str, view):
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(view),
                name=f"inspections_recall_{suffix}",
            )

        return [
            route("issue", self.issue_view),
            route("close", self.close_view),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        recall = self.get_object(request, unquote(object_id))
        if recall is not None and self.has_view_permission(request, recall):
            extra_context = {
                **(extra_context or {}),
                **self._status_context(request, recall),
                "figures": selectors.recall_effectiveness(recall),
                "may_read_report": may_report(request.user),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        """A draft, written by `recall_create` (prefilled from an inspection with
        `?inspection=<id>`); a refusal is shown with the form as typed."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = RecallDraftForm(request.POST, user=request.user)
            if form.is_valid():
                recall = self._create(request, form)
                if recall is not None:
                    return redirect("admin:inspections_recall_change", recall.pk)
        else:
            form = RecallDraftForm(initial=self._draft_initial(request), user=request.user)
        source = form["source_inspection"].value()
        context = {
            "title": "Prepare a recall",
            "form": form,
            "media": self.media + form.media,
            "source_inspection": Inspection.objects.select_related("lot")
            .filter(pk=source if str(source or "").isdigit() else None)
            .first(),
        }
        return self._page(request, "draft_form.html", context)

    def issue_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """What issuing will do (every hospital that gets a notice, units per lot), then
        `recall_issue`."""
        recall = self._recall_to_act_on(request, object_id)
        if request.method == "POST" and self._call(request, services.recall_issue, recall):
            count = recall.notices.count()
            self.message_user(
                request,
                f"Recall {recall.reference} issued: {count} notice(s) on their way.",
                messages.SUCCESS,
            )
            return redirect("admin:inspections_recall_change", recall.pk)
        recall.refresh_from_db()
        lots = list(recall.lots.order_by("lot_number"))
        numbers = [lot.lot_number for lot in lots]
        consignees = selectors.recall_consignees(lots)
        totals = {n: sum(c.received.get(n, 0) for c in consignees) for n in numbers}
        context = {
            "title": f"Issue recall {recall.reference}",
            "recall": recall,
            "may_issue": services.recall_may_move(recall.status, RecallStatus.ISSUED),
            "lots": lots,
            "rows": [
                {
                    "hospital": c.hospital,
                    "channels": _channels(c.hospital),
                    "units": [c.received.get(n, 0) for n in numbers],
                    "total": sum(c.received.values()),
                }
                for c in consignees
            ],
            "totals": [totals[n] for n in numbers],
            "total": sum(totals.values()),
            "never_dispatched": [n for n in numbers if not totals[n]],
        }
        return self._page(request, "issue.html", context)

    def close_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The figures and whether a reason is needed, then `recall_close`."""
        recall = self._recall_to_act_on(request, object_id)
        form = CloseForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            if self._call(request, services.recall_close, recall, reason=reason):
                self.message_user(request, f"Recall {recall.reference} closed.", messages.SUCCESS)
                return redirect("admin:inspections_recall_change", recall.pk)
        recall.refresh_from_db()
        figures = selectors.recall_effectiveness(recall)
        context = {
            "title": f"Close recall {recall.reference}",
            "recall": recall,
            "figures": figures,
            "gaps": figures.gaps(),
            "may_close": services.recall_may_move(recall.status, RecallStatus.CLOSED),
            "form": form,
            "media": self.media + form.media,
        }
        return self._page(request, "close.html", context)

    # Actions (offered to officers only: see `common.ACTIONS_BY_ROLE`)

    @admin.action(description="Issue the recall (shows who gets a notice first)")
    def issue_recall(self, request, queryset):
        recall = _selected_one(self, request, queryset, "Issue")
        if recall is not None:
            return HttpResponseRedirect(reverse("admin:inspections_recall_issue", args=[recall.pk]))
        return None

    @admin.action(description="Cancel draft recalls")
    @asks_first(
        admin_forms.ReasonForm,
        title="Cancel draft recalls",
        submit="Cancel the drafts",
        warning="Only drafts can be cancelled; an issued recall is closed instead.",
    )
    def cancel_drafts(self, request, queryset, *, reason: str) -> int:
        def cancel(recall: Recall) -> None:
            services.recall_cancel(recall=recall, actor=request.user, reason=reason)

        return run_each(self, request, queryset, cancel, "Cancelled")

    @admin.action(description="Mark as closing (the last returns are on their way)")
    @asks_first(
        admin_forms.StatedReasonForm,
        title="Mark recalls as closing",
        submit="Mark as closing",
        warning="Only issued recalls are marked as closing; they can go back to issued.",
    )
    def mark_closing(self, request, queryset, *, reason: str) -> int:
        def start_closing(recall: Recall) -> None:
            services.recall_start_closing(recall=recall, actor=request.user, reason=reason)

        return run_each(self, request, queryset, start_closing, "Marked as closing")

    @admin.action(description="Take closing recalls back to issued")
    @asks_first(
        admin_forms.ReasonForm,
        title="Take recalls back to issued",
        submit="Back to issued",
        warning="Only recalls marked as closing go back to issued.",
    )
    def reopen(self, request, queryset, *, reason: str) -> int:
        def reopen(recall: Recall) -> None:
            services.recall_reopen(recall=recall, actor=request.user, reason=reason)

        return run_each(self, request, queryset, reopen, "Back to issued")

    @admin.action(description="Close the recall (shows the figures first)")
    def close_recall(self, request, queryset):
        recall = _selected_one(self, request, queryset, "Close")
        if recall is not None:
            return HttpResponseRedirect(reverse("admin:inspections_recall_close", args=[recall.pk]))
        return None

    # Helpers

    def _recall_to_act_on(self, request: HttpRequest, object_id: str) -> Recall:
        recall = self.get_object(request, unquote(object_id))
        if recall is None:
            raise Http404("No such recall.")
        if not (self.has_view_permission(request, recall) and may_act(request)):
            raise PermissionDenied
        return recall

    def _call(self, request: HttpRequest, service, recall: Recall, **kwargs) -> bool:
        """Call a service; show its refusal as a message. Whether it went through."""
        try:
            service(recall=recall, actor=request.user, **kwargs)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return False
        return True

    def _create(self, request: HttpRequest, form: RecallDraftForm) -> Recall | None:
        try:
            recall = services.recall_create(**form.cleaned_data, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        self.log_addition(request, recall, [{"added": {}}])
        self.message_user(
            request,
            f"Recall {recall.reference} prepared as a draft. Nothing happens to the lots or "
            "hospitals until it is issued.",
            messages.SUCCESS,
        )
        return recall

    def _draft_initial(self, request: HttpRequest) -> dict:
        initial = {"reference": suggested_reference(), "coordinator": request.user.pk}
        inspection_id = request.GET.get("inspection", "")
        if not inspection_id:
            return initial
        inspection = (
            Inspection.objects.select_related("lot", "standard")
            .filter(pk=inspection_id if inspection_id.isdigit() else None)
            .first()
        )
        if inspection is None:
            self.message_user(request, f"No inspection #{inspection_id}.", messages.ERROR)
            return initial
        try:
            defaults = services.recall_defaults_from_inspection(inspection)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return initial
        return {
            **initial,
            "lots": [lot.pk for lot in defaults["lots"]],
            "reason": defaults["reason"],
            "source_inspection": inspection.pk,
        }

    def _status_context(self, request: HttpRequest, recall: Recall) -> dict:
        acting = may_act(request)

        def offered(to_status: str) -> bool:
            return acting and services.recall_may_move(recall.status, to_status)

        return {
            "may_issue": offered(RecallStatus.ISSUED),
            "may_cancel": offered(RecallStatus.CANCELLED),
            "may_mark_closing": offered(RecallStatus.CLOSING),
            "may_reopen": recall.status == RecallStatus.CLOSING and offered(RecallStatus.ISSUED),
            "may_close": offered(RecallStatus.CLOSED),
        }

    def _page(self, request: HttpRequest, template: str, context: dict) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"{TEMPLATES}/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "subtitle": None,
                "media": self.media,
                **context,
            },
        )


def _channels(hospital) -> str:
    return "e-mail and webhook" if hospital.webhook_url else "e-mail"


# ---------------------------------------------------------------------------------------------
# From an inspection that found units at hospitals (a link on the inspection's page)


def recall_from_inspection_url(inspection_id: int | str) -> str:
    """The recall's add page, prefilled from an inspection (`recall_defaults_from_inspection`)."""
    url = reverse("admin:inspections_recall_add")
    return f"{url}?{urlencode({'inspection': inspection_id})}"
