"""What every API view shares: token or session sign-in, role check, the one error format,
`Idempotency-Key` on POST, and paging. Resources subclass `TrackerViewSet` (or
`TrackerReadOnlyViewSet`) and call services in their actions; they never save a model."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from . import idempotency
from .pagination import PagePagination
from .permissions import HasRole


class IdempotentMixin:
    """Answers a repeated POST with the first response (see `idempotency`)."""

    _idempotency_record = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = idempotency.idempotency_begin(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._idempotency_record is not None:
            idempotency.idempotency_finish(self._idempotency_record, response)
            self._idempotency_record = None
        return response


class TrackerViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """A resource: subclass with `roles`, `get_queryset` (from a selector: scoping happens
    there), serializers, and `@action`s that call services."""

    permission_classes = [HasRole]
    pagination_class = PagePagination


class TrackerReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    """A resource that lists and shows; changes go through its actions."""
