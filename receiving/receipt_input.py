"""What a receiver typed (the page) or an integrator sent (the API), read into `ReceiptLineInput`s.

Numbers are read as decimals ("3", "2.5", "2,5"), bounded in length; anything else is a clear error naming the
line and the field. Range and precision are the service's checks (`receiving.services`).
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .errors import ReceiptInvalid
from .models import GoodsReceiptLine
from .services import ReceiptLineInput

ZERO = Decimal(0)
NUMBER_TEXT_MAX = 30
LINES_MAX = 1000
REASONS = frozenset(GoodsReceiptLine.Reason.values)


def number_read(value: Any, *, label: str, what: str, field: str) -> Decimal:
    """A number typed or sent: empty is 0; a JSON number or a text in plain digits (a decimal comma too)."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ReceiptInvalid(
            _("%(label)s: the %(what)s must be a number.") % {"label": label, "what": what}, field=field
        )
    text = str(value).strip().replace(",", ".")
    if not text:
        return ZERO
    if len(text) > NUMBER_TEXT_MAX or any(char not in "0123456789.-+" for char in text):
        raise ReceiptInvalid(
            _("%(label)s: %(value)s is not a %(what)s.")
            % {"label": label, "value": repr(str(value)[:NUMBER_TEXT_MAX]), "what": what},
            field=field,
        )
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ReceiptInvalid(
            _("%(label)s: %(text)s is not a %(what)s.") % {"label": label, "text": repr(text), "what": what},
            field=field,
        ) from None
    if not number.is_finite():
        raise ReceiptInvalid(
            _("%(label)s: %(text)s is not a %(what)s.") % {"label": label, "text": repr(text), "what": what},
            field=field,
        )
    return number


def reason_read(value: Any, text: Any = "") -> tuple[str, str]:
    """(reason code, free text): a known code as it is; any other text is an "other" reason in words."""
    reason = value.strip() if isinstance(value, str) else ""
    words = text.strip() if isinstance(text, str) else ""
    if reason and reason not in REASONS:
        return GoodsReceiptLine.Reason.OTHER, f"{reason} {words}".strip()
    if not reason and words:
        return GoodsReceiptLine.Reason.OTHER, words
    return reason, words


def api_lines_read(data: Any) -> list[ReceiptLineInput]:
    """The API's `lines`: [{"line": <order line id>, "quantity", "rejected", "reason", "reason_text", "amount"}]."""
    if not isinstance(data, list) or not data:
        raise ReceiptInvalid(_("lines must be a list of the order lines that arrived."), field="lines")
    if len(data) > LINES_MAX:
        raise ReceiptInvalid(_("A receipt has at most %(lines_max)s lines.") % {"lines_max": LINES_MAX}, field="lines")
    result = []
    for position, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise ReceiptInvalid(_("lines[%(position)s] must be an object.") % {"position": position}, field="lines")
        line_id = entry.get("line")
        if isinstance(line_id, bool) or not isinstance(line_id, int | str) or not str(line_id).isdigit():
            raise ReceiptInvalid(
                _("lines[%(position)s]: line must be the id of an order line.") % {"position": position}, field="lines"
            )
        if len(str(line_id)) > 18:
            raise ReceiptInvalid(
                _("lines[%(position)s]: there is no order line %(line_id)s.")
                % {"position": position, "line_id": str(line_id)[:20]},
                field="lines",
            )
        label = f"lines[{position}]"
        reason, reason_text = reason_read(entry.get("reason"), entry.get("reason_text", ""))
        result.append(
            ReceiptLineInput(
                line=int(line_id),
                quantity=number_read(entry.get("quantity"), label=label, what=_("quantity"), field="quantity"),
                rejected=number_read(entry.get("rejected"), label=label, what=_("rejected quantity"), field="rejected"),
                reason=reason,
                reason_text=reason_text,
                amount=number_read(entry.get("amount"), label=label, what=_("amount"), field="amount"),
            )
        )
    return result
