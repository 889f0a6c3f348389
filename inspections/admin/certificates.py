"""Certificates: the descriptive fields are entered and corrected here; their verification
changes only through the actions, which call `services.certificate_set_verification`.

Once a certificate is verified (or found invalid), what was checked is frozen: its descriptive
fields are read-only until someone marks it unverified again, an action that records why. So a
verification always stands for the values shown next to it."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.http import HttpRequest

from core.admin.common import SavesOnlyEditedFields, ViewOnlyInline, asks_first, run_each
from core.admin.forms import ReasonForm
from core.admin.history import EventSource, HistoryAdminMixin, record_events

from .. import admin_forms, services
from ..models import Certificate, CertificateEvent, VerificationStatus
from .common import (
    QUALITY_ROLES,
    ActionsByRole,
    RoleAccess,
    stored_file_link,
    stored_file_path,
)

record_events(Certificate, EventSource(CertificateEvent, "certificate"))


class CertificateEventInline(RoleAccess, ViewOnlyInline):
    model = CertificateEvent
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    verbose_name_plural = "verification history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


DESCRIPTIVE_FIELDS = admin_forms.CertificateAdminForm.Meta.fields


def descriptive_fields_locked(certificate: Certificate | None) -> bool:
    """Whether the certificate's descriptive fields are frozen: it was verified or found invalid,
    and that verification is about the values as they are."""
    return certificate is not None and (
        certificate.verification_status != VerificationStatus.UNVERIFIED
    )


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
    page = asks_first(ReasonForm, title=title, submit=description, warning=warning)
    return admin.action(description=description)(page(action))


@admin.register(Certificate)
class CertificateAdmin(
    HistoryAdminMixin, RoleAccess, ActionsByRole, SavesOnlyEditedFields, admin.ModelAdmin
):
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
        warning=(
            "The earlier verification no longer stands: say why it must be checked again (a "
            "value to correct, a withdrawn notified body). Its descriptive fields can then be "
            "corrected before it is verified again."
        ),
    )

    @admin.display(description="covers")
    def covers(self, certificate: Certificate) -> str:
        if certificate.lot_id:
            return f"Lot {certificate.lot}"
        return f"Product {certificate.product}"

    @admin.display(description="file")
    def file_link(self, certificate: Certificate) -> str:
        return stored_file_link(certificate, "file", certificate.file)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if descriptive_fields_locked(obj):
            # The file too: `get_fields` puts its read-only link in its place.
            readonly += [name for name in DESCRIPTIVE_FIELDS if name != "file"]
        return readonly

    def get_fields(self, request: HttpRequest, obj=None):
        # Read-only, a file is shown as a link to the download view, never to MEDIA_URL.
        fields = super().get_fields(request, obj)
        read_only = descriptive_fields_locked(obj) or not self.has_change_permission(request, obj)
        if obj is not None and read_only:
            return ["file_link" if name == "file" else name for name in fields]
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        locked = descriptive_fields_locked(obj)
        context = {
            **context,
            "descriptive_fields_locked": locked,
            "may_unverify": locked and "mark_unverified" in self.get_actions(request),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        # The certificate scan, to people who may view the certificate (there is no public URL).
        return [stored_file_path(self, "file", "file"), *super().get_urls()]
