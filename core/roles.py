"""Roles are Django groups; these helpers are the one place that asks who may do what."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import NotPermitted

User = AbstractBaseUser | AnonymousUser


class Role(models.TextChoices):
    """The four roles; each is a Django group of the same name (created by a data migration)."""

    MINISTRY_OFFICER = "ministry officer", gettext_lazy("Ministry officer")
    INSPECTOR = "inspector", gettext_lazy("Inspector")
    WAREHOUSE_CLERK = "warehouse clerk", gettext_lazy("Warehouse clerk")
    HOSPITAL_STAFF = "hospital staff", gettext_lazy("Hospital staff")


def role_group(role: Role) -> Group:
    """The group for a role, created if missing (tests that flush tables lose migration rows)."""
    group, _created = Group.objects.get_or_create(name=role.value)
    return group


def user_roles(user: User) -> frozenset[str]:
    """The role names a user holds; cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_tracker_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._tracker_roles = cached
    return cached


def has_role(user: User, *roles: Role) -> bool:
    """True for superusers and for users in any of the given role groups."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(user_roles(user) & {r.value for r in roles})


def require_role(user: User | None, *roles: Role, action: str | Promise) -> None:
    """Raise NotPermitted unless the user holds one of the roles.

    The refusal names the roles by their labels: "Only a ministry officer may recall a lot." An
    `action` marked for translation (`gettext_lazy`) gives the whole sentence in the reader's
    language; a plain string is English, and so is the sentence around it (the ministry panel's
    messages are English), so a refusal never mixes two languages.
    """
    if user is None or not has_role(user, *roles):
        if isinstance(action, Promise):
            raise NotPermitted(_refusal(roles, action))
        with translation.override("en"):
            message = _refusal(roles, action)
        raise NotPermitted(message)


# Each role as the sentence names it, with its article ("an inspector", "een keurmeester").
_A_ROLE = {
    Role.MINISTRY_OFFICER: gettext_lazy("a ministry officer"),
    Role.INSPECTOR: gettext_lazy("an inspector"),
    Role.WAREHOUSE_CLERK: gettext_lazy("a warehouse clerk"),
    Role.HOSPITAL_STAFF: gettext_lazy("a member of hospital staff"),
}


def _refusal(roles: tuple[Role, ...], action: str | Promise) -> str:
    allowed = get_text_list([str(_A_ROLE[Role(role)]) for role in roles], _("or"))
    return _("Only %(roles)s may %(action)s.") % {"roles": allowed, "action": action}
