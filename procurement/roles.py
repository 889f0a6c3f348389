"""Roles are Django groups; these helpers are the one place that asks who may do what."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from .errors import NotPermitted
from .models import Role

User = AbstractBaseUser | AnonymousUser


def role_group(role: Role) -> Group:
    """The group for a role, created if missing (tests that flush tables lose migration rows)."""
    group, _ = Group.objects.get_or_create(name=role.value)
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


def require_role(user: User | None, *roles: Role, action: str) -> None:
    """Raise NotPermitted unless the user holds one of the roles."""
    if user is None or not has_role(user, *roles):
        allowed = " or ".join(r.value for r in roles)
        raise NotPermitted(f"Only a {allowed} may {action}.")
