"""Certificates: the descriptive fields are entered and corrected here; their verification
changes only through the actions, which call `services.certificate_set_verification`."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from procurement.admin.common import (
    SavesOnlyEditedFields,
    ViewOnlyInline,
    asks_first,
    run_each,
)

from .. import admin_forms, services
from ..models import Certificate, CertificateEvent, VerificationStatus
from .common import QUALITY_ROLES, ActionsByRole, RoleAccess, stored_file_response


class CertificateEventInline(RoleAccess, ViewOnlyInline):
    model = CertificateEvent
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    verbose_name_plural = "verification history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def _verification_action(status: str, *, description: str, title: str, warning: str):
    """An action that sets the selected certificates' verification to `status`, with a reason."""

    def action(model_admin, request, queryset, *, reason: str) -> int:
        def mark(certificate: Certificate) -> None:
            services.certificate_set_verification(
                certificate=certificate, actor=request.user, status=status, reason=reason
            )

        done = f"Marked {VerificationStatus(status).label.lower()}"
        return run_each(model_admin, request, queryset, mark, done)

    # The intermediate page posts the action back by this name.
    action.__name__ = action.__qualname__ = f"mark_{status}"
    page = asks_first(admin_forms.ReasonForm, title=title, submit=description, warning=warning)
    return admin.action(description=description)(page(action))


@admin.register(Certificate)
class CertificateAdmin(RoleAccess, ActionsByRole, SavesOnlyEditedFields, admin.ModelAdmin):
    form = admin_forms.CertificateAdminForm
    list_display = [
        "certificate_number",
        "covers",
        "standard",
        "issuer",
        "notified_body_number",
        "valid_until",
        "verification_status",
    ]
    list_filter = ["verification_status", ("standard", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["product", "lot", "standard"]
    search_fields = [
        "certificate_number",
        "issuer",
        "notified_body_number",
        "product__name",
        "product__sku",
        "lot__lot_number",
    ]
    autocomplete_fields = ["product", "lot", "standard"]
    fields = [*admin_forms.CertificateAdminForm.Meta.fields, "verification_status"]
    readonly_fields = ["verification_status", "file_link"]
    inlines = [CertificateEventInline]
    edit_roles = QUALITY_ROLES
    actions = ["mark_verified", "mark_invalid", "mark_unverified"]

    mark_verified = _verification_action(
        VerificationStatus.VERIFIED,
        description="Mark verified",
        title="Mark certificates verified",
        warning=(
            "Say how each certificate was checked: the notified body's register (NANDO), the "
            "issuer's confirmation, the certificate number and validity."
        ),
    )
    mark_invalid = _verification_action(
        VerificationStatus.INVALID,
        description="Mark invalid",
        title="Mark certificates invalid",
        warning=(
            "A lot whose certificates are all invalid or expired can no longer be released on "
            "documents: it needs an accepted inspection. Say what is wrong with the certificate."
        ),
    )
    mark_unverified = _verification_action(
        VerificationStatus.UNVERIFIED,
        description="Mark unverified",
        title="Mark certificates unverified",
        warning="The earlier verification no longer stands: say why it must be checked again.",
    )

    @admin.display(description="covers")
    def covers(self, certificate: Certificate) -> str:
        if certificate.lot_id:
            return f"Lot {certificate.lot}"
        return f"Product {certificate.product}"

    @admin.display(description="file")
    def file_link(self, certificate: Certificate) -> str:
        if not certificate.file:
            return "-"
        url = reverse("admin:inspections_certificate_file", args=[certificate.pk])
        return format_html('<a href="{}">{}</a>', url, certificate.file.name.rsplit("/", 1)[-1])

    def get_fields(self, request, obj=None):
        # Read-only, a file is shown as a link to the download view, never to MEDIA_URL.
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return ["file_link" if name == "file" else name for name in fields]
        return fields

    def get_urls(self):
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="inspections_certificate_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The certificate scan, to people who may view the certificate."""
        certificate = self.get_object(request, unquote(object_id))
        if certificate is None:
            raise Http404("No such certificate.")
        if not self.has_view_permission(request, certificate):
            raise PermissionDenied
        return stored_file_response(certificate.file)
