"""Forms of the approval pages: what a person types is checked and bounded here, and kept on an error."""

import datetime
import ipaddress

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.request import Request

from procurement.models import Employee

from .services import DecisionOrigin

# An absence is planned at most this far ahead and lasts at most this long.
DELEGATION_MAX_DAYS_AHEAD = 2 * 366
DELEGATION_MAX_LENGTH_DAYS = 366


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(
        queryset=Employee.objects.none(),
        error_messages={"invalid_choice": gettext_lazy("Pick a colleague from the list.")},
    )
    starts_on = forms.DateField()
    ends_on = forms.DateField()
    comment = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: object, colleagues: QuerySet[Employee], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["delegate"].queryset = colleagues  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if any(name not in data for name in ("delegate", "starts_on", "ends_on")):
            self.add_error(None, _("Pick a colleague and both dates."))
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if isinstance(starts_on, datetime.date) and isinstance(ends_on, datetime.date):
            today = timezone.localdate()
            if ends_on < starts_on:
                self.add_error("ends_on", _("The absence ends before it starts."))
            elif ends_on < today:
                self.add_error("ends_on", _("The absence is over already."))
            elif (ends_on - starts_on).days >= DELEGATION_MAX_LENGTH_DAYS:
                self.add_error(
                    "ends_on",
                    _("An absence lasts at most %(delegation_max_length_days)s days.")
                    % {"delegation_max_length_days": DELEGATION_MAX_LENGTH_DAYS},
                )
            if (starts_on - today).days > DELEGATION_MAX_DAYS_AHEAD:
                self.add_error(
                    "starts_on",
                    _("Plan at most %(delegation_max_days_ahead)s days ahead.")
                    % {"delegation_max_days_ahead": DELEGATION_MAX_DAYS_AHEAD},
                )
        return data


def bounded_int(value: str | None, *, low: int = 1, high: int = 2**63 - 1) -> int | None:
    """`value` as an int when it is a plain number from `low` to `high` (a database id by default), else None."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None


def decision_origin(request: HttpRequest | Request, *, via: str) -> DecisionOrigin:
    """Where a decision comes from, for the audit: the connecting address and the browser's own words."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip: str | None = str(ipaddress.ip_address(address))
    except ValueError:
        ip = None
    return DecisionOrigin(
        via=via,
        ip=ip,
        forwarded_for=str(request.META.get("HTTP_X_FORWARDED_FOR", ""))[:200],
        user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:300],
    )
