"""What the supply side's viewsets share: the roles of its actions, and how an action runs a
service."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response

from core.api.permissions import HasRole
from core.roles import Role, has_role, require_role

OFFICER = (Role.MINISTRY_OFFICER,)


DISPATCHERS = (Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER)


DECIDERS = (Role.MINISTRY_OFFICER, Role.INSPECTOR)


class ActionRole(HasRole):
    """`HasRole`, refusing an action with the sentence its service would say ("Only a ministry
    officer may recall a lot.") when the view names the act in `action_doing`: a caller who may
    read the resource learns who may act on it."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        doing = getattr(view, "action_doing", {}).get(getattr(view, "action", None))
        user = request.user
        if doing and user and user.is_authenticated and has_role(user, *view.roles):
            require_role(user, *view.action_roles[view.action], action=doing)
        return False


class ServiceActions:
    """What the resources' actions share: the role check with the services' refusals, reading
    an action's input, answering with the object as the list shows it (re-read through the
    view's queryset)."""

    permission_classes = [ActionRole]

    def valid_input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def answer(self, obj, *, created: bool = False) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(fresh).data, status=code)
