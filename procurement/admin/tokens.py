"""API tokens for other systems: a ministry officer creates one here (the key is shown once, on
the page that follows), sees when each was last used, and revokes it with a reason. Nothing about
a token is edited after creation: a changed role or hospital is a new token."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse

from core.admin.common import asks_first, run_each
from core.admin.forms import ReasonForm
from core.errors import DomainError

from .. import services
from ..models import ApiToken, Hospital


class ApiTokenCreateForm(forms.ModelForm):
    """Name, role, hospitals and expiry; validation ends by asking the service, so its refusals
    show on the form and nothing is created unless the whole form is right."""

    contact_email = forms.EmailField(
        required=False,
        help_text="Who runs the integration. Needed for a ministry system that issues recalls: "
        "the recall's coordinator is e-mailed about overdue answers.",
    )
    hospitals = forms.ModelMultipleChoiceField(
        queryset=Hospital.objects.all(),
        required=False,
        help_text="Only for a hospital's system (role: hospital staff): the hospitals it acts for.",
        widget=admin.widgets.FilteredSelectMultiple("hospitals", is_stacked=False),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "role", "expires_at"]
        help_texts = {
            "name": "Which system uses it, e.g. 'National logistics platform'.",
            "expires_at": "Optional: the token stops working at this moment.",
        }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.created: tuple[ApiToken, str] | None = None

    def _post_clean(self):
        # After the model's own checks (unique name...): only then ask the service to create.
        super()._post_clean()
        if self.errors:
            return
        data = self.cleaned_data
        try:
            self.created = services.api_token_create(
                name=data["name"],
                role=data["role"],
                hospitals=data.get("hospitals") or [],
                expires_at=data.get("expires_at"),
                contact_email=data.get("contact_email", ""),
                actor=self.request.user,
            )
        except DomainError as error:
            self.add_error(None, error.message)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "prefix", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = [
        "name",
        "role",
        "hospitals",
        "prefix",
        "user",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "created_by", "revoked_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(ApiTokenCreateForm):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, request=request, **form_kwargs)

        return RequestForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "role", "contact_email", "hospitals", "expires_at"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description="hospitals")
    def hospitals(self, token: ApiToken) -> str:
        return ", ".join(str(h) for h in Hospital.objects.filter(memberships__user=token.user_id))

    @admin.display(description="state")
    def state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return "revoked"
        return "active"

    def save_model(self, request, obj, form, change) -> None:
        # The form's clean() created the token through the service; point the admin at it.
        token, key = form.created
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
        request._api_token_key = key  # shown once, by response_add; never stored

    def save_related(self, request, form, formsets, change) -> None:
        """Hospitals were given to the token's user by the service; nothing else to save."""

    def response_add(self, request, obj, post_url_continue=None):
        key = request._api_token_key
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"API token {obj.name} created",
            "token": obj,
            "key": key,
        }
        return TemplateResponse(request, "admin/procurement/apitoken/created.html", context)

    def has_change_permission(self, request, obj=None) -> bool:
        # Needed for the revoke action; a token's page is view only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a token is revoked, never deleted: its history stays

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    @asks_first(
        ReasonForm,
        title="Revoke API tokens",
        submit="Revoke",
        warning="The system using the token is refused from this moment on. This is final.",
    )
    def revoke(self, request, queryset, *, reason: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda token: services.api_token_revoke(token=token, actor=request.user, reason=reason),
            "Revoked",
        )
