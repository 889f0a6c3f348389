"""Who may read what through the API: the roles a resource is open to. Writes are checked again
by the services themselves (`require_role`), and hospital scoping is in the querysets, which come
from the apps' selectors, so the API and the pages can never disagree."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from ..roles import Role, has_role

ALL_ROLES = tuple(Role)
MINISTRY_ROLES = (Role.MINISTRY_OFFICER, Role.INSPECTOR, Role.WAREHOUSE_CLERK)


class HasRole(BasePermission):
    """Open to users holding one of the view's `roles` (all roles when the view says none).

    A view may narrow it per action with `action_roles = {"hold": (Role.MINISTRY_OFFICER,)}`;
    the service then checks again, so a missing entry here is never a hole.
    """

    message = "Your role does not give access to this resource."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        roles = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        if roles is None:
            roles = getattr(view, "roles", ALL_ROLES)
        return has_role(request.user, *roles)
