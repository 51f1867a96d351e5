"""A supplier's quote, until the due date: each line priced, bounded and kept sealed (no price in the audit)."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.events import audit_event_record
from procurement.money import Money, MoneyError, decimal_text, to_minor, typed_price_check

from ..error_codes import SourcingErrorCode
from ..errors import QuoteRefused, RFQInvalid, RFQStateConflict
from ..models import (
    LEAD_TIME_DAYS_MAX,
    Invitation,
    Quote,
    QuoteLine,
    RequestForQuotation,
)
from ..selectors import due_text
from .shared import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    NOTE_MAX,
    VALIDITY_DAYS_MAX,
    QuoteLineInput,
    S,
    rfq_locked,
    text_checked,
)


def _price_minor(value: Decimal, *, currency: str, label: str, field_name: str) -> int:
    try:
        typed_price_check(value, currency)
        minor = to_minor(value, currency)
    except MoneyError as error:
        raise RFQInvalid(f"{label}: {error}", field=field_name) from None
    if Money.from_minor(minor, currency).amount != value:
        raise RFQInvalid(
            _("%(label)s: %(price)s has more decimals than %(currency)s has.")
            % {"label": label, "price": decimal_text(value), "currency": currency},
            field=field_name,
        )
    return minor


@transaction.atomic
def quote_submit(
    *, invitation: Invitation, lines: Sequence[QuoteLineInput], note: str = "", now: datetime | None = None
) -> Quote:
    """Save the supplier's quote (a new one, or a revision replacing the one before), until the due date.

    Refused after the due date or on a request no longer open (`QuoteRefused`), and for a bad line (`RFQInvalid`:
    a price out of bounds or with too many decimals, a lead time, a validity date in the past). At least one line
    must be priced; a line left without a price is not quoted.
    """
    locked = rfq_locked(invitation.rfq)
    now = now or timezone.now()
    if locked.status != S.SENT or locked.is_due(now):
        raise QuoteRefused(
            _("The due date of %(number)s (%(due)s) has passed: quotes are no longer accepted.")
            % {"number": locked.number, "due": due_text(locked)}
            if locked.status == S.SENT or locked.status == S.AWARDED
            else _("%(number)s is no longer open for quotes.") % {"number": locked.number}
        )
    invitation = Invitation.objects.select_related("supplier").get(pk=invitation.pk, rfq=locked)
    note = text_checked(note, limit=NOTE_MAX, label=_("The note"), field_name="note")
    rfq_lines = {line.pk: line for line in locked.lines.all()}
    today = timezone.localdate(now)
    given: dict[int, QuoteLine] = {}
    for item in lines:
        line = rfq_lines.get(item.rfq_line)
        if line is None:
            raise RFQInvalid(_("%(number)s has no line %(id)s.") % {"number": locked.number, "id": item.rfq_line})
        if line.pk in given:
            raise RFQInvalid(_("Line %(number)s is given twice.") % {"number": line.line_number})
        label = _("Line %(number)s") % {"number": line.line_number}
        if item.unit_price is None:
            continue
        minor = _price_minor(item.unit_price, currency=locked.currency, label=label, field_name=f"price-{line.pk}")
        if item.lead_time_days is None or not 0 <= item.lead_time_days <= LEAD_TIME_DAYS_MAX:
            raise RFQInvalid(
                _("%(label)s: give the lead time in days, from 0 to %(max)s.")
                % {"label": label, "max": LEAD_TIME_DAYS_MAX},
                field=f"lead_time-{line.pk}",
            )
        if item.valid_until is None or item.valid_until < today:
            raise RFQInvalid(
                _("%(label)s: give the date until which the price is valid, today or later.") % {"label": label},
                field=f"valid_until-{line.pk}",
            )
        if item.valid_until > today + timedelta(days=VALIDITY_DAYS_MAX):
            raise RFQInvalid(
                _("%(label)s: the price can be valid for at most five years.") % {"label": label},
                field=f"valid_until-{line.pk}",
            )
        given[line.pk] = QuoteLine(
            rfq_line=line,
            unit_price_minor=minor,
            lead_time_days=item.lead_time_days,
            valid_until=item.valid_until,
            alternative_description=text_checked(
                item.alternative_description,
                limit=DESCRIPTION_MAX,
                label=_("%(label)s: the alternative") % {"label": label},
                field_name=f"alternative-{line.pk}",
            ),
            comment=text_checked(
                item.comment,
                limit=COMMENT_MAX,
                label=_("%(label)s: the comment") % {"label": label},
                field_name=f"comment-{line.pk}",
            ),
        )
    if not given:
        raise RFQInvalid(_("Give a price for at least one line."), field="lines")
    quote = Quote.objects.filter(invitation=invitation).first()
    if quote is None:
        quote = Quote.objects.create(
            invitation=invitation, rfq=locked, currency=locked.currency, note=note, submitted_at=now
        )
    else:
        quote.lines.all().delete()
        quote.note, quote.submitted_at, quote.revision = note, now, quote.revision + 1
        quote.save(update_fields=["note", "submitted_at", "revision"])
    for quote_line in given.values():
        quote_line.quote = quote
    QuoteLine.objects.bulk_create(given.values())
    # Sealed: the audit row says that a quote came, never what it says.
    audit_event_record(
        event_type="sourcing.quote.submitted",
        legal_entity=locked.legal_entity,
        obj=quote,
        data={
            "rfq": locked.number,
            "supplier": invitation.supplier.code,
            "lines": len(given),
            "revision": quote.revision,
        },
    )
    return quote


def due_check(rfq: RequestForQuotation, now: datetime) -> None:
    if rfq.status != S.SENT:
        raise RFQStateConflict(
            _("%(number)s is %(status)s.") % {"number": rfq.number, "status": rfq.get_status_display().lower()}
        )
    if not rfq.is_due(now):
        raise RFQStateConflict(
            _("%(number)s is open for quotes until %(due)s: evaluation starts then.")
            % {"number": rfq.number, "due": due_text(rfq)},
            code=SourcingErrorCode.QUOTES_SEALED,
        )
