"""Who may do what in the quality panel, and the pieces its admin classes share.

The role groups carry Django model permissions for procurement's tables only (procurement's data
migration); the quality side's tables are opened to the roles here, in one place: officers and
inspectors see everything, officers edit the reference data (criteria, inspection plans),
officers and inspectors enter certificates. Permissions granted to a user or group the Django way
still count, and superusers may do everything. The services check the roles again.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from core.roles import Role, has_role

QUALITY_ROLES = (Role.MINISTRY_OFFICER, Role.INSPECTOR)
OFFICERS = (Role.MINISTRY_OFFICER,)

# The actions each role is offered; ministry officers and superusers are offered all of them.
ACTIONS_BY_ROLE = {
    Role.INSPECTOR: {"mark_verified", "mark_invalid", "mark_unverified"},
}


def role_offers(user, action: str) -> bool:
    """Whether the user's roles offer this action of the quality panel."""
    if has_role(user, Role.MINISTRY_OFFICER):
        return True
    return any(action in names and has_role(user, role) for role, names in ACTIONS_BY_ROLE.items())


class RoleAccess:
    """Admin permissions by role, on top of Django's model permissions.

    `view_roles` may look, `edit_roles` may add and change, `delete_roles` may delete. Put it
    before the admin base class, so that a view-only base (`ViewOnlyAdmin`) still says no to
    adding and changing when `edit_roles` is empty.
    """

    view_roles: tuple[Role, ...] = QUALITY_ROLES
    edit_roles: tuple[Role, ...] = ()
    delete_roles: tuple[Role, ...] = ()

    @staticmethod
    def _holds(request: HttpRequest, roles: tuple[Role, ...]) -> bool:
        return bool(roles) and has_role(request.user, *roles)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or self._holds(request, self.view_roles)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        roles = (*self.view_roles, *self.edit_roles)
        return super().has_view_permission(request, obj) or self._holds(request, roles)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return super().has_add_permission(request, *args) or self._holds(request, self.edit_roles)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) or self._holds(request, self.edit_roles)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed or self._holds(request, self.delete_roles)


class ActionsByRole:
    """Offer each person only the actions their role may take (see `ACTIONS_BY_ROLE`)."""

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        return {name: a for name, a in actions.items() if role_offers(request.user, name)}


# ---------------------------------------------------------------------------------------------
# Uploaded files (lab reports, certificate scans)


def stored_file_path(model_admin: admin.ModelAdmin, route: str, field: str) -> URLPattern:
    """The admin URL `admin:<app>_<model>_<route>` (`<pk>/<route>/`) that streams the object's
    stored `field` to people who may view the object (see `stored_file_response`)."""
    opts = model_admin.opts

    def view(request: HttpRequest, object_id: str) -> FileResponse:
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No such {opts.verbose_name}.")
        if not model_admin.has_view_permission(request, obj):
            raise PermissionDenied
        return stored_file_response(getattr(obj, field))

    return path(
        f"<path:object_id>/{route}/",
        model_admin.admin_site.admin_view(view),
        name=f"{opts.app_label}_{opts.model_name}_{route}",
    )


def stored_file_link(obj: Model, route: str, file: FieldFile) -> str:
    """A link to the download view of `stored_file_path`, named after the file; "-" without one.
    Never a link to MEDIA_URL."""
    if not file:
        return "-"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{route}", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, Path(file.name).name)


def stored_file_response(file: FieldFile) -> FileResponse:
    """Stream a stored upload (a lab report, a certificate scan) as a download.

    Uploads live under MEDIA_ROOT, which has no public URL: they are served only through admin
    views that check the person may view the object first. As a download, never shown inline, so
    a file that is not what its extension says is not rendered by the browser.
    """
    if not file:
        raise Http404("No file is stored.")
    try:
        handle = file.open("rb")
    except OSError as exc:
        raise Http404("The stored file is missing.") from exc
    return FileResponse(handle, as_attachment=True, filename=Path(file.name).name)
