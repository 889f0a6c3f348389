"""Forms every app's admin actions share: a written reason, asked for on the intermediate page.

They only collect input; the service the action calls checks the rule (a reason is required)
and its message is the one shown. A required reason is marked `required` in the browser.
"""

from __future__ import annotations

from django import forms


def text_area(*, required_in_browser: bool) -> forms.Textarea:
    attrs = {"rows": 4, "cols": 60}
    if required_in_browser:
        attrs["required"] = "required"
    return forms.Textarea(attrs=attrs)


class ReasonForm(forms.Form):
    """A written reason, required by the service (the browser asks for it too)."""

    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=text_area(required_in_browser=True),
        help_text="Recorded with the change: who did it, when and why.",
    )


class StatedReasonForm(ReasonForm):
    """A reason the panel insists on even where the service records the change without one
    (placing an order, marking a recall as closing): every change made in the panel says why."""

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError("Say why: the reason is recorded with the change.")
        return reason
