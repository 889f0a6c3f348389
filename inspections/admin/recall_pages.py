"""The recall's pages and actions in the panel: the draft form, the issue page (who will get a
notice, by which channels), the close page (the final figures and the gap), and the list's
actions (issue, cancel drafts, mark as closing, reopen, close), each calling one service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin.common import asks_first, run_each
from core.admin.forms import ReasonForm, StatedReasonForm
from core.errors import DomainError
from core.roles import Role, has_role

from .. import selectors, services
from ..models import (
    Inspection,
    Recall,
    RecallStatus,
)
from ..reports.views import may_report
from .recall_forms import CloseForm, RecallDraftForm, suggested_reference

TEMPLATES = "admin/inspections/recall"


def may_act(request: HttpRequest) -> bool:
    """Only ministry officers (and superusers) prepare, issue, cancel and close recalls."""
    return has_role(request.user, Role.MINISTRY_OFFICER)


def _selected_one(model_admin, request, queryset, what: str) -> Recall | None:
    if queryset.count() != 1:
        model_admin.message_user(
            request, f"{what} one recall at a time: select exactly one.", messages.ERROR
        )
        return None
    return queryset.get()


def _channels(hospital) -> str:
    return "e-mail and webhook" if hospital.webhook_url else "e-mail"


class RecallPages:
    """Prepare, issue, cancel, mark as closing, reopen and close a recall."""

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

    @admin.action(description="Issue the recall (shows who gets a notice first)")
    def issue_recall(self, request, queryset):
        recall = _selected_one(self, request, queryset, "Issue")
        if recall is not None:
            return HttpResponseRedirect(reverse("admin:inspections_recall_issue", args=[recall.pk]))
        return None

    @admin.action(description="Cancel draft recalls")
    @asks_first(
        ReasonForm,
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
        StatedReasonForm,
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
        ReasonForm,
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
