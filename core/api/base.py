"""What every API view shares: token or session sign-in, role check, the one error format,
`Idempotency-Key` on POST, and paging. Resources subclass `TrackerViewSet` (or
`TrackerReadOnlyViewSet`) and call services in their actions; they never save a model."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from rest_framework import mixins, serializers, viewsets

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


class TrackerModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose choice fields that may be blank say so in the schema even when
    read-only (DRF drops `allow_blank` for read-only fields, and the schema would then promise a
    value from the list where the API can answer "")."""

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            if isinstance(field, serializers.ChoiceField) and not field.allow_blank:
                source = field.source or name  # not bound yet: source is set only if given
                try:
                    model_field = model._meta.get_field(source)
                except FieldDoesNotExist:  # a related path or a computed value
                    continue
                if getattr(model_field, "blank", False):
                    field.allow_blank = True
        return fields
