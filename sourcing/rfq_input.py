"""What a buyer, a supplier or an evaluator typed (pages) or an integrator sent (the API), read into the services'
inputs. Numbers, dates and ids are read bounded in length; anything else is a clear error naming the field.
Ranges and precision are the services' checks (`sourcing.services`)."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .errors import RFQInvalid
from .models import Criterion

NUMBER_TEXT_MAX = 30
ID_TEXT_MAX = 18
LIST_MAX = 500


def decimal_read(value: Any, *, label: str, field: str) -> Decimal | None:
    """A number typed or sent ("3", "2.5", "2,5", a JSON number); empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RFQInvalid(_("%(label)s must be a number.") % {"label": label}, field=field)
    text = str(value).strip().replace(",", ".")
    if len(text) > NUMBER_TEXT_MAX or any(char not in "0123456789.-+" for char in text):
        raise RFQInvalid(
            _("%(label)s: %(value)s is not a number.") % {"label": label, "value": repr(str(value)[:NUMBER_TEXT_MAX])},
            field=field,
        )
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RFQInvalid(
            _("%(label)s: %(value)s is not a number.") % {"label": label, "value": repr(text)}, field=field
        ) from None
    if not number.is_finite():
        raise RFQInvalid(
            _("%(label)s: %(value)s is not a number.") % {"label": label, "value": repr(text)}, field=field
        )
    return number


def whole_read(value: Any, *, label: str, field: str, low: int, high: int) -> int | None:
    """A whole number from `low` to `high`; empty is None."""
    number = decimal_read(value, label=label, field=field)
    if number is None:
        return None
    if number != number.to_integral_value() or not low <= number <= high:
        raise RFQInvalid(
            _("%(label)s must be a whole number from %(low)s to %(high)s.")
            % {"label": label, "low": low, "high": high},
            field=field,
        )
    return int(number)


def date_read(value: Any, *, label: str, field: str) -> date | None:
    """A date as 2026-12-31; empty is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_date(value.strip()[:10]) if isinstance(value, str) and len(value.strip()) == 10 else None
    if parsed is None:
        raise RFQInvalid(_("%(label)s: give a date as 2026-12-31.") % {"label": label}, field=field)
    return parsed


def due_read(value: Any, *, field: str = "due_at", offset_required: bool = False) -> datetime:
    """The due date and time: ISO 8601 with an offset (the API requires one), or a local date and time typed on
    the page, read in the site's time zone."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise RFQInvalid(_("Give the due date and time."), field=field)
    try:
        parsed = parse_datetime(text[:40]) if len(text) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise RFQInvalid(_("Give the due date and time as 2026-12-31 17:00."), field=field)
    if timezone.is_naive(parsed):
        if offset_required:
            raise RFQInvalid(_("Give the due date with its offset: 2026-12-31T17:00:00+01:00."), field=field)
        parsed = timezone.make_aware(parsed)
    return parsed


def id_read(value: Any, *, label: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise RFQInvalid(_("%(label)s must be an id.") % {"label": label}, field=field)
    text = str(value).strip()
    if len(text) > ID_TEXT_MAX:
        raise RFQInvalid(_("%(label)s must be an id.") % {"label": label}, field=field)
    return int(text)


def ids_read(values: Any, *, label: str, field: str) -> list[int]:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)) or len(values) > LIST_MAX:
        raise RFQInvalid(_("%(label)s must be a list of ids.") % {"label": label}, field=field)
    return [id_read(value, label=label, field=field) for value in values]


def weights_read(values: Mapping[str, Any]) -> dict[str, int]:
    """The four weights, each a whole number from 0 to 100 (their sum is the service's check)."""
    weights = {}
    for criterion in Criterion:
        weight = whole_read(
            values.get(criterion.value),
            label=_("The weight of %(criterion)s") % {"criterion": criterion.label.lower()},
            field=f"weight-{criterion.value}",
            low=0,
            high=100,
        )
        weights[criterion.value] = weight or 0
    return weights


def text_read(value: Any, *, label: str, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RFQInvalid(_("%(label)s must be a text.") % {"label": label}, field=field)
    return value[:10_000]
