"""Requests for quotation in cXML, for suppliers whose systems answer by machine: the QuoteRequest of an
invitation, and a QuoteMessage taken in as the supplier's quote (`quote_submit`, with the same rules and the same
due date as the quote page). Both travel over the invitation's link (`/sourcing/quote/<token>/cxml/`): the link is
the credential, as it is for the page.

A QuoteMessage's items name our lines by lineNumber. An item marked as an alternative to line n
(`Alternative alternativeType="alternativeLine" basicLineNumber="n"`) is kept as that line's alternative: its
description, and its price when the line itself is not quoted; else the alternative and its price go into the
line's comment.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from punchout.cxml.elements import Credential, Header
from punchout.cxml.errors import CXMLError
from punchout.cxml.quotes import (
    QuoteMessage,
    QuoteMessageItem,
    QuoteRequest,
    QuoteRequestItem,
    build_quote_request,
    parse_quote_message,
)

from .errors import RFQInvalid
from .models import Invitation, Quote
from .services import COMMENT_MAX, QuoteLineInput, quote_submit


def quote_request_document(*, invitation: Invitation, now: datetime | None = None) -> bytes:
    """The QuoteRequest of the invitation: its request's lines, currency and due date (closeDate), from us to the
    supplier's identities (those its orders use)."""
    rfq, supplier = invitation.rfq, invitation.supplier
    ours = Credential(
        domain=supplier.order_from_domain or "DUNS", identity=supplier.order_from_identity or settings.CXML_IDENTITY
    )
    opened = rfq.sent_at or rfq.created_at
    return build_quote_request(
        QuoteRequest(
            payload_id="",
            timestamp=now or timezone.now(),
            header=Header(
                from_=ours,
                to=Credential(
                    domain=supplier.order_to_domain or "DUNS", identity=supplier.order_to_identity or supplier.code
                ),
                sender=ours,  # no shared secret: the supplier fetched it over its own link
                user_agent="Acme Procurement",
            ),
            request_id=rfq.number,
            request_date=opened,
            open_date=opened,
            close_date=rfq.due_at,
            currency=rfq.currency,
            name=rfq.title,
            description=rfq.description,
            items=tuple(
                QuoteRequestItem(
                    line_number=line.line_number,
                    quantity=line.quantity,
                    description=line.description,
                    unit_of_measure=line.unit,
                    specification=line.specification,
                )
                for line in rfq.lines.order_by("line_number")
            ),
        )
    )


def _lines(message: QuoteMessage, invitation: Invitation) -> list[QuoteLineInput]:
    by_number = {line.line_number: line for line in invitation.rfq.lines.all()}
    main: dict[int, QuoteMessageItem] = {}
    alternatives: dict[int, QuoteMessageItem] = {}
    for given in message.items:
        number = given.alternative_for or given.line_number
        if number not in by_number:
            raise RFQInvalid(_("%(number)s has no line %(line)s.") % {"number": invitation.rfq.number, "line": number})
        (alternatives if given.alternative_for else main)[number] = given
    lines = []
    for number, line in sorted(by_number.items()):
        item, alternative = main.get(number), alternatives.get(number)
        chosen = item or alternative
        if chosen is None:
            continue
        comment = chosen.comments
        if item is not None and alternative is not None:
            comment = " ".join(
                part
                for part in (
                    comment,
                    _("Alternative: %(description)s at %(price)s.")
                    % {
                        "description": alternative.description,
                        "price": f"{alternative.unit_price.amount:f} {alternative.unit_price.currency}",
                    },
                )
                if part
            )
        lines.append(
            QuoteLineInput(
                rfq_line=line.pk,
                unit_price=chosen.unit_price.amount,
                lead_time_days=chosen.lead_time_days,
                valid_until=chosen.valid_until or message.valid_until,
                alternative_description=alternative.description if alternative is not None else "",
                comment=comment[:COMMENT_MAX],
            )
        )
    return lines


def quote_message_receive(*, invitation: Invitation, data: bytes) -> Quote:
    """Take a supplier's QuoteMessage as its quote (or revision). `RFQInvalid` for a document that cannot be read
    or answers another request; `QuoteRefused` after the due date, as on the page."""
    try:
        message = parse_quote_message(data)
    except CXMLError as error:
        raise RFQInvalid(error.message) from None
    rfq = invitation.rfq
    if message.request_id not in ("", rfq.number):
        raise RFQInvalid(
            _("The QuoteMessage answers %(other)s, not %(number)s.")
            % {"other": message.request_id, "number": rfq.number}
        )
    if message.currency != rfq.currency:
        raise RFQInvalid(
            _("The quote is in %(currency)s: %(number)s asks for prices in %(wanted)s.")
            % {"currency": message.currency, "number": rfq.number, "wanted": rfq.currency}
        )
    return quote_submit(invitation=invitation, lines=_lines(message, invitation), note=message.comments)
