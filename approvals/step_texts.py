"""The names and reasons of approval steps in the reader's language.

A chain's steps are stored with English texts made by `chain.py` and `invoice_chain.py` ("Manager: Bob Dubois",
"signing limit 1,000.00 EUR", "variance 12.00 EUR · role: finance"): they are the chain's record, kept as they
were when it was built. Pages, e-mails and the tracker show them through `step_text_display`, which reads those
known shapes back and writes them in the active language, amounts in its figures. A text of another shape (a
rule's own name, typed by an administrator) is shown as it is.

The writers keep the stored texts in one language and one number format (`STORED_LANGUAGE`), whoever's request
built the chain, so these shapes stay readable.
"""

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import override

from procurement.money import Money

from .models import PurchasingRule

STORED_LANGUAGE = "en"
PART_SEPARATOR = " · "

# An amount as `Money.format("en")` writes it: "1,000.00 EUR".
_AMOUNT = re.compile(r"^(-?[\d,]+(?:\.\d+)?)\xa0?\s?([A-Z]{3})$")


def stored_amount(money: Money) -> str:
    """An amount as step texts store it (English figures), so `step_text_display` can read it back."""
    return money.format(STORED_LANGUAGE)


def stored_label(label: object) -> str:
    """A choice's label (lazy) in the stored language, lower-cased: "role: finance"."""
    with override(STORED_LANGUAGE):
        return str(label).lower()


def _amount_display(text: str) -> str:
    match = _AMOUNT.match(text.strip())
    if match is None:
        return text
    try:
        amount = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return text
    return str(Money(amount, match.group(2)))


def _role_display(stored: str) -> str:
    for _value, label in PurchasingRule.RoleChoice.choices:
        if stored_label(label) == stored:
            return str(label).lower()
    return stored


_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^Manager: (?P<name>.+)$"), lambda m: _("Manager: %(name)s") % {"name": m["name"]}),
    (re.compile(r"^Requester: (?P<names>.+)$"), lambda m: _("Requester: %(names)s") % {"names": m["names"]}),
    (re.compile(r"^no signing limit$"), lambda m: _("no signing limit")),
    (
        re.compile(r"^signing limit (?P<limit>.+)$"),
        lambda m: _("signing limit %(limit)s") % {"limit": _amount_display(m["limit"])},
    ),
    (
        re.compile(r"^variance (?P<amount>.+)$"),
        lambda m: _("variance %(amount)s") % {"amount": _amount_display(m["amount"])},
    ),
    (
        re.compile(r"^named by the rule “(?P<rule>.+)”$"),
        lambda m: _("named by the rule “%(rule)s”") % {"rule": m["rule"]},
    ),
    (re.compile(r"^named by the rule$"), lambda m: _("named by the rule")),
    (re.compile(r"^group (?P<name>.+)$"), lambda m: _("group %(name)s") % {"name": m["name"]}),
    (re.compile(r"^role: (?P<role>.+)$"), lambda m: _("role: %(role)s") % {"role": _role_display(m["role"])}),
    (
        re.compile(r"^a buyer checks the invoice against the order$"),
        lambda m: _("a buyer checks the invoice against the order"),
    ),
    (re.compile(r"^Manager approval \(default\)$"), lambda m: _("Manager approval (default)")),
)


def _part_display(part: str) -> str:
    for pattern, render in _SHAPES:
        match = pattern.match(part)
        if match is not None:
            return render(match)
    return part


def step_text_display(text: str) -> str:
    """A stored step name or reason in the active language ("Manager: Bob Dubois" → "Responsable : Bob Dubois")."""
    if not text:
        return text
    return PART_SEPARATOR.join(_part_display(part) for part in text.split(PART_SEPARATOR))


# For texts rendered later, in someone else's language (an e-mail written under the recipient's language).
step_text_lazy = lazy(step_text_display, str)
