"""What the quality side's viewsets share: roles, and the base that reads through the selectors."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from core.api.base import TrackerReadOnlyViewSet
from core.roles import Role

from ...filters import (
    id_in_range,
)

OFFICER = (Role.MINISTRY_OFFICER,)


QUALITY = (Role.MINISTRY_OFFICER, Role.INSPECTOR)


HOSPITAL = (Role.HOSPITAL_STAFF,)


# A sub-list of one object: no filters or ordering of the resource's own list apply to it.
SUB_LIST = {"filter_backends": [], "pagination_class": None}


class QualityMixin:
    """What the quality side's resources share: JSON bodies, an id that cannot name an object
    answers 404 (not a database error), and the helpers their actions use."""

    parser_classes = [JSONParser]
    # Any path segment reaches the view (the router's default leaves out "1.5", which Django
    # would answer with its HTML page), and `get_object` answers a JSON 404.
    lookup_value_regex = "[^/]+"

    def get_object(self):
        if not id_in_range(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)):
            raise NotFound()
        return super().get_object()

    def valid(self, serializer_class, **kwargs) -> dict:
        """The request's body, checked for shape by `serializer_class` (400 with field errors)."""
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def fresh(self, pk: int):
        """The object as the list shows it, read again after a service changed it."""
        return self.get_queryset().get(pk=pk)

    def answer(self, obj, *, created: bool = False) -> Response:
        data = self.get_serializer(self.fresh(obj.pk)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class QualityViewSet(QualityMixin, TrackerReadOnlyViewSet):
    """A quality resource that lists and shows; changes go through its creates and actions."""
