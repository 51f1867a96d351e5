from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Kind
from .webhooks import WebhookTargetRefused, webhook_target_check


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("Target URL"),
        max_length=2048,
        help_text=_("Where the events are POSTed: https, no user name or password in it."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Kind.choices, widget=forms.CheckboxSelectMultiple, required=True
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "url"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean_url(self) -> str:
        try:
            return webhook_target_check(self.cleaned_data["url"])
        except WebhookTargetRefused as refused:
            raise forms.ValidationError(refused.message) from None


class PreferencesForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=_("Daily digest"),
        required=False,
        help_text=_("Instead of an e-mail each time, one e-mail a day with what happened."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Kind.choices:
            field = forms.ChoiceField(label=label, choices=Channel.choices, initial=Channel.BOTH)
            field.widget.attrs["class"] = "form-select"
            self.fields[f"kind:{value}"] = field

    def kind_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("kind:")]

    def channels(self) -> dict[str, str]:
        return {name.split(":", 1)[1]: value for name, value in self.cleaned_data.items() if name.startswith("kind:")}
