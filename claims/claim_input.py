"""Reading what a person typed into a claim's forms (and the API's JSON): numbers and days as text, each refusal
naming its field."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .errors import ClaimInvalid

NUMBER_MAX = 40


def decimal_read(text: object, *, field: str, what: str) -> Decimal | None:
    """A decimal with a point (or a comma), None when empty."""
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text) if isinstance(text, int | Decimal) and not isinstance(text, bool) else None
        if text is None:
            raise ClaimInvalid(_("%(what)s must be a number.") % {"what": what}, field=field)
    value = text.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if len(value) > NUMBER_MAX:
        raise ClaimInvalid(_("%(what)s is too long.") % {"what": what}, field=field)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ClaimInvalid(
            _("%(what)s is not a number: %(text)s.") % {"what": what, "text": value}, field=field
        ) from None
    if not number.is_finite():
        raise ClaimInvalid(_("%(what)s is not a number: %(text)s.") % {"what": what, "text": value}, field=field)
    return number


def date_read(text: object, *, field: str, what: str) -> date | None:
    """An ISO day (2026-12-24), None when empty."""
    if text is None or text == "":
        return None
    if not isinstance(text, str) or len(text.strip()) > 10:
        raise ClaimInvalid(_("%(what)s is a day as YYYY-MM-DD.") % {"what": what}, field=field)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ClaimInvalid(_("%(what)s is a day as YYYY-MM-DD.") % {"what": what}, field=field) from None
