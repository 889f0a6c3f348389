"""What the ministry-panel tests share: a model's admin URLs, the messages a response showed,
and posting an action the way its intermediate page does."""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse


def admin_url(model, view: str = "changelist", *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def act(client, model, action: str, objects, **form):
    """Post an admin action; with form data, as the intermediate page's confirmation."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects]}
    if form:
        data.update(form, apply="yes")
    return client.post(admin_url(model), data, follow=True)
