"""Shared pieces of the ministry panel: how an admin action calls a service.

Everything with a status or a quantity is read-only in the panel: it changes only through admin
actions (and a few pages of their own), each of which calls a service. A service that refuses
raises a `DomainError`; its message is shown to the person as it is, and the other selected
objects still go ahead (when it refuses every one of them, the action's page stays open with the
input as typed).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from ..errors import DomainError

# ---------------------------------------------------------------------------------------------
# Helpers shared by the admin classes


def run_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    call: Callable[[object], object],
    done: str,
) -> int:
    """Call a service per object; show each refusal once and what went through.

    Returns how many objects went through, so that `asks_first` can keep its page open when
    none did.
    """
    succeeded: list[str] = []
    refusals: list[str] = []
    for obj in queryset:
        try:
            call(obj)
        except DomainError as exc:
            if exc.message not in refusals:
                refusals.append(exc.message)
        else:
            succeeded.append(str(obj))
    for message in refusals:
        model_admin.message_user(request, message, messages.ERROR)
    if succeeded:
        model_admin.message_user(request, f"{done}: {', '.join(succeeded)}.", messages.SUCCESS)
    return len(succeeded)


def input_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    form,
    title: str,
    submit: str,
    queryset=None,
    action: str = "",
    warning: str = "",
    cancel_url: str = "",
) -> TemplateResponse:
    """The intermediate page: what is about to change, a form, and a button."""
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": title,
        "subtitle": None,
        "form": form,
        "media": model_admin.media + form.media,
        "queryset": queryset,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "warning": warning,
        "submit_label": submit,
        "cancel_url": cancel_url or reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/core/action_form.html", context)


def asks_first(
    form_class,
    *,
    title: str,
    submit: str,
    warning: str | Callable[[QuerySet], str] = "",
):
    """Turn an action that needs input into one that asks for it on an intermediate page.

    The page posts back to the changelist with `action`, the `_selected_action` ids and
    `apply`; only then does the wrapped action run, with the form's cleaned data as keywords.
    When the wrapped action returns 0 (the service refused every selected object), the page is
    shown again with the refusals and the input as typed, so a written reason is not lost.
    `warning` may depend on the selection: a function of the queryset.
    """

    def decorator(func):
        @wraps(func)
        def action(model_admin, request, queryset):
            form = form_class(request.POST if "apply" in request.POST else None)
            if form.is_bound and form.is_valid():
                went_through = func(model_admin, request, queryset, **form.cleaned_data)
                if went_through != 0:
                    return went_through  # the changelist redirects unless this is a response
            return input_page(
                model_admin,
                request,
                form=form,
                title=title,
                submit=submit,
                queryset=queryset,
                action=func.__name__,
                warning=warning(queryset) if callable(warning) else warning,
            )

        return action

    return decorator


class RefusalShownOnForm:
    """For a change form whose save calls a service: a refusal (`DomainError`) rolls the save
    back and shows the same form again, with the input as typed and the service's reason as the
    form's error, instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The transaction is rolled back; show the form again with the input and the reason.
            request._service_refusal = exc.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form

        def clean(self):
            raise ValidationError(refusal)

        return type(form.__name__, (form,), {"clean": clean})


class SavesOnlyEditedFields:
    """Write only the fields the form changed, so that an edit of notes or dates can never put
    back a status or quantity that a service changed while the form was open."""

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.save(update_fields=form.changed_data)
        else:
            super().save_model(request, obj, form, change)


class NoAddChangeDelete:
    """Written by services only: never added, edited or deleted through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyAdmin(NoAddChangeDelete, admin.ModelAdmin):
    """Ledger and event tables: written by services only, never added, edited or deleted here."""


class ViewOnlyInline(NoAddChangeDelete, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields
