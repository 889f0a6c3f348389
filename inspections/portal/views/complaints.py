"""Complaints: reporting a problem with a lot, the hospital's complaints and their photos."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.pages import page_links, page_of

from ... import services
from ...selectors import complaints_for_user
from ...selectors import portal as selectors
from ..forms import (
    ComplaintForm,
)
from .common import COMPLAINTS_PER_PAGE, PHOTO_CONTENT_TYPES, portal_page, render_portal
from .deliveries import _delivery


@portal_page
def complaint_report_page(
    request: HttpRequest, distribution_id: int, *, hospitals: list
) -> HttpResponse:
    """Report a problem with units of a delivery; on success, the complaint's page."""
    distribution = _delivery(request, distribution_id)
    delivered = distribution.quantity_received or distribution.quantity
    posted = request.method == "POST"
    form = ComplaintForm(
        request.POST if posted else None, request.FILES if posted else None, delivered=delivered
    )
    if posted and form.is_valid():
        try:
            complaint = services.complaint_report(
                distribution=distribution,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
                quantity_affected=form.cleaned_data["quantity_affected"],
                photo=form.cleaned_data.get("photo"),
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _report_message(complaint.pk))
            return redirect("hospital_complaint", complaint_id=complaint.pk)
    context = {
        "distribution": distribution,
        "lot": distribution.lot,
        "form": form,
        # A file input cannot be filled in again: ask for the photo once more.
        "photo_lost": posted and bool(request.FILES.get("photo")),
    }
    return render_portal(
        request, "complaint_report.html", context, section="deliveries", root=False
    )


def _report_message(number: int) -> str:
    return _(
        "Thank you. The ministry has your report #%(number)s; an acknowledgement is on its way "
        "by e-mail. Keep the affected units apart and do not use them until you hear from us."
    ) % {"number": number}


@portal_page
def complaint_list(request: HttpRequest, *, hospitals: list) -> HttpResponse:
    """The hospitals' complaints, newest first, 25 per page."""
    page = page_of(request, complaints_for_user(request.user), COMPLAINTS_PER_PAGE)
    context = {
        "several": len(hospitals) > 1,
        "page_obj": page,
        "page_links": page_links(request, page),
    }
    return render_portal(request, "complaints.html", context, section="complaints")


def _complaint(request: HttpRequest, complaint_id: int):
    return get_object_or_404(complaints_for_user(request.user), pk=complaint_id)


@portal_page
def complaint_detail(request: HttpRequest, complaint_id: int, *, hospitals: list) -> HttpResponse:
    """What was reported, where it stands, and what the ministry did that the hospital sees."""
    complaint = _complaint(request, complaint_id)
    context = {
        "complaint": complaint,
        "events": list(selectors.complaint_history(complaint)),
    }
    return render_portal(request, "complaint.html", context, section="complaints", root=False)


@portal_page
def complaint_photo(request: HttpRequest, complaint_id: int, *, hospitals: list) -> HttpResponse:
    """The photo sent with a complaint, streamed to staff of its hospital only: media files are
    never served by URL."""
    complaint = _complaint(request, complaint_id)
    if not complaint.photo:
        raise Http404("This report has no photo.")
    try:
        handle = complaint.photo.storage.open(complaint.photo.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The photo's file is missing.") from exc
    extension = complaint.photo.name.rsplit(".", 1)[-1].lower()
    content_type = PHOTO_CONTENT_TYPES.get(extension)
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # An uploaded file is never a page: nothing in it may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
