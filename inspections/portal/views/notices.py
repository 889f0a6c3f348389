"""Recall notices: the list, one notice with its reply card, answering it, shipping units back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError, IllegalTransition, InsufficientStock
from core.pages import page_links, page_of
from procurement.services import RETURNABLE_STATUSES

from ... import services
from ...models import Notice
from ...selectors import portal as selectors
from ...services.replies import REPLYABLE_RECALLS
from ..forms import (
    ReplyForm,
    ReturnForm,
)
from .common import NOTICES_PER_PAGE, portal_page, render_portal


@portal_page
def notice_list(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """Every recall notice to the user's hospitals, newest first, 25 per page."""
    page = page_of(request, selectors.notices_for_user(request.user), NOTICES_PER_PAGE)
    context = {
        "several": len(hospitals) > 1,
        "today": timezone.localdate(),
        "page_obj": page,
        "page_links": page_links(request, page),
    }
    return render_portal(request, "notices.html", context, section="notices")


def _notice(request: HttpRequest, notice_id: int) -> Notice:
    return get_object_or_404(selectors.notices_for_user(request.user), pk=notice_id)


@portal_page
def notice_detail(request: HttpRequest, notice_id: int, *, hospitals: list) -> HttpResponse:
    """The notice (what is recalled, why, what to do, by when, whom to ask), the reply card
    pre-filled, the answers given, and the units sent back."""
    return _notice_page(request, _notice(request, notice_id))


def _notice_page(
    request: HttpRequest,
    notice: Notice,
    *,
    reply_form: ReplyForm | None = None,
    return_form: ReturnForm | None = None,
) -> HttpResponse:
    rows = selectors.notice_lot_rows(notice)
    reply = selectors.notice_reply_of(notice)
    may_answer = notice.recall.status in REPLYABLE_RECALLS
    if reply_form is None and may_answer:
        initial = ReplyForm.initial_for(rows, reply, request.user)
        reply_form = ReplyForm(rows=rows, initial=initial)
    returnable = _returnable(rows)
    if return_form is None and returnable:
        return_form = ReturnForm(rows=returnable)
    context = {
        "notice": notice,
        "recall": notice.recall,
        "rows": rows,
        "today": timezone.localdate(),
        "reply": reply,
        "may_answer": may_answer,
        "reply_form": reply_form,
        "explanation_open": _explanation_open(reply_form, rows),
        "history": list(selectors.notice_reply_history(notice)),
        "return_form": return_form if returnable else None,
        "returns": list(selectors.notice_returns(notice)),
    }
    return render_portal(request, "notice.html", context, section="notices", root=False)


def _returnable(rows: list) -> list:
    """The lots the hospital can send back: it holds units, and they must not be used."""
    return [row for row in rows if row.held and row.lot.status in RETURNABLE_STATUSES]


def _explanation_open(form: ReplyForm | None, rows: list) -> bool:
    """Show the explanation field open when it has something, an error, or the ledger already
    gives more units than were received (the figures cannot add up without one)."""
    if form is None:
        return False
    return bool(
        form["explanation"].value()
        or form["explanation"].errors
        or any(row.accounted > row.received for row in rows)
    )


@portal_page
def notice_answer(request: HttpRequest, notice_id: int, *, hospitals: list) -> HttpResponse:
    """Answer the notice (again): the reply card's figures, acknowledged, who answers."""
    notice = _notice(request, notice_id)
    if request.method != "POST":
        return redirect(_notice_url(notice, "reply"))
    form = ReplyForm(request.POST, rows=selectors.notice_lot_rows(notice))
    if form.is_valid():
        try:
            services.notice_reply(
                notice=notice,
                actor=request.user,
                acknowledged=form.cleaned_data["acknowledged"],
                lines=form.lines(),
                respondent_name=form.cleaned_data["respondent_name"],
                respondent_role=form.cleaned_data["respondent_role"],
                explanation=form.cleaned_data["explanation"],
            )
        except services.ExplanationNeeded as exc:
            form.add_error("explanation", exc.message)
        except InsufficientStock as exc:  # about the figures typed: keep them, say why
            form.add_error(None, exc.message)
        except IllegalTransition as exc:  # the recall was closed meanwhile
            messages.error(request, exc.message)
            return redirect(_notice_url(notice))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you. Your answer to notice %(reference)s is recorded.")
                % {"reference": notice.reference},
            )
            return redirect(_notice_url(notice))
    return _notice_page(request, notice, reply_form=form)


@portal_page
def notice_return(request: HttpRequest, notice_id: int, *, hospitals: list) -> HttpResponse:
    """Record units of one of the notice's lots shipped back to the central warehouse."""
    notice = _notice(request, notice_id)
    if request.method != "POST":
        return redirect(_notice_url(notice, "return"))
    form = ReturnForm(request.POST, rows=_returnable(selectors.notice_lot_rows(notice)))
    if form.is_valid():
        lot, quantity = form.chosen_lot(), form.cleaned_data["quantity"]
        try:
            services.hospital_return_ship(
                notice=notice,
                lot=lot,
                quantity=quantity,
                actor=request.user,
                reference=form.cleaned_data["reference"],
            )
        except InsufficientStock as exc:
            form.add_error("quantity", exc.message)
        except IllegalTransition as exc:  # the lot may no longer be sent back
            messages.error(request, exc.message)
            return redirect(_notice_url(notice))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _return_message(lot, quantity))
            return redirect(_notice_url(notice, "return"))
    return _notice_page(request, notice, return_form=form)


def _notice_url(notice: Notice, anchor: str = "") -> str:
    url = reverse("hospital_notice", args=[notice.pk])
    return f"{url}#{anchor}" if anchor else url


def _return_message(lot, quantity: int) -> str:
    return ngettext(
        "%(units)s unit of lot %(lot)s recorded as shipped back. The warehouse confirms its "
        "arrival.",
        "%(units)s units of lot %(lot)s recorded as shipped back. The warehouse confirms their "
        "arrival.",
        quantity,
    ) % {"units": number_format(quantity, force_grouping=True), "lot": lot.lot_number}
