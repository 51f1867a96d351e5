"""Taking a supplier's invoice in: from the neutral document (`invoices.formats`) to Invoice and InvoiceLine rows.

One service, `invoice_receive`, whatever the invoice came as (cXML, UBL, CII, Factur-X PDF, typed):

1. the supplier: the one cXML authenticated, else the seller's VAT number (or electronic address) among our
   suppliers' tax ids, else a refusal naming the number;
2. the orders it names (by number, or by our OrderRequest's payloadID) and from them the legal entity, else
   the buyer's VAT number among our legal entities, else the entity the user acts for, else a refusal;
3. duplicates: the same supplier, kind, number and fiscal year is refused (409); the same amount and date
   under another number is taken and flagged as a possible duplicate;
4. a credit note is tied to the invoice it corrects (by number, same supplier);
5. each line is linked to an order line: by the order and its line number, else by the supplier part id among
   that order's lines, else left unlinked with the reason in words;
6. the XML is kept with credentials masked, the PDF as an attachment; then the invoice is matched.

Nothing is written when the invoice is refused. What the reader found odd (totals that do not add up, a credit
note of an unknown invoice) is kept in `Invoice.notes`; the match puts it first among the invoice's reasons, so such
an invoice is on hold until someone looks (the possible duplicate is the match's own reason).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from budgets.periods import fiscal_year_of
from orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision
from procurement.models import LegalEntity, Supplier
from procurement.money import MoneyError, currency_digits, decimal_text, tax_amount_minor, to_minor
from punchout.redact import redact_cxml

from .errors import DuplicateInvoice, InvoiceRefused, UnknownBuyer, UnknownSupplier
from .formats import SupplierInvoiceDocument, SupplierInvoiceLine
from .formats.arithmetic import plain
from .matching import invoice_match, invoices_rematch
from .models import Invoice, InvoiceAttachment, InvoiceLine

__all__ = ["InvoiceReceived", "invoice_receive", "normalised_tax_id", "supplier_for_document"]

logger = logging.getLogger(__name__)

# UNCL 5305 duty or tax category codes (EN 16931 BT-151); a cXML category such as "vat" or "sales" is not one.
TAX_CATEGORIES = frozenset({"S", "AA", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"})

_DESCRIPTION_MAX = InvoiceLine._meta.get_field("description").max_length or 500
_PART_MAX = InvoiceLine._meta.get_field("supplier_part_id").max_length or 64
_REFERENCE_MAX = InvoiceLine._meta.get_field("order_reference").max_length or 100
_NUMBER_MAX = Invoice._meta.get_field("number").max_length or 60
_LINE_NUMBER_MAX = 2_147_483_647
_ZERO = Decimal(0)


@dataclass(frozen=True)
class InvoiceReceived:
    """The invoice taken in; `repeat` when the very same cXML document had already been taken (nothing new)."""

    invoice: Invoice
    repeat: bool = False


def normalised_tax_id(value: str | None) -> str:
    """A VAT number as compared: upper case, without spaces, dots or dashes (FR 40 303.265.045 → FR40303265045)."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def _without_country(value: str) -> str:
    return value[2:] if len(value) > 2 and value[:2].isalpha() else value


def supplier_for_document(*, document: SupplierInvoiceDocument) -> Supplier:
    """The supplier whose tax id is the seller's VAT number (or its electronic address / legal id, without the
    country prefix: a Swedish organisation number, a SIREN); `UnknownSupplier` when none or several are."""
    seller = document.seller
    wanted = [normalised_tax_id(seller.vat_id)]
    wanted += [normalised_tax_id(value) for value in (seller.endpoint_id, seller.legal_id) if value]
    wanted = [value for value in wanted if value]
    if not wanted and document.format == "cxml" and seller.identifiers:
        # A cXML file uploaded by a buyer: the supplier's cXML identity (its shared secret is not checked here,
        # the buyer who uploads it vouches for the file).
        by_identity = list(Supplier.objects.filter(is_active=True, order_to_identity__in=seller.identifiers)[:2])
        if len(by_identity) == 1:
            return by_identity[0]
    if not wanted:
        raise UnknownSupplier(
            _("The invoice names no VAT number for its seller %(value)s: we recognise suppliers by it.")
            % {"value": str(seller.name or "")}
        )
    candidates = [
        supplier
        for supplier in Supplier.objects.filter(is_active=True).exclude(tax_id="").only("id", "tax_id", "name", "code")
        if (own := normalised_tax_id(supplier.tax_id))
        and (own in wanted or _without_country(own) in {_without_country(value) for value in wanted})
    ]
    if len(candidates) == 1:
        return candidates[0]
    shown = seller.vat_id or seller.endpoint_id or seller.legal_id
    if not candidates:
        raise UnknownSupplier(
            _(
                "No supplier with VAT number %(shown)s is known here: an administrator adds it to the "
                "supplier's tax id first."
            )
            % {"shown": shown}
        )
    names = ", ".join(sorted(supplier.code for supplier in candidates))
    raise UnknownSupplier(
        _("Several suppliers have VAT number %(shown)s (%(names)s): an administrator keeps one.")
        % {"shown": shown, "names": names}
    )


def _orders_named(supplier: Supplier, references: tuple[str, ...]) -> dict[str, PurchaseOrder]:
    """Our orders the supplier's references name: an order number, or the payloadID of one of its revisions."""
    found: dict[str, PurchaseOrder] = {}
    if not references:
        return found
    cleaned = [reference.strip() for reference in references if reference.strip()]
    orders = PurchaseOrder.objects.filter(supplier=supplier).select_related("legal_entity")
    for order in orders.filter(number__in=cleaned).order_by("-created_at", "-id"):
        found.setdefault(order.number, order)
    missing = [reference for reference in cleaned if reference not in found]
    if missing:
        revisions = PurchaseOrderRevision.objects.filter(payload_id__in=missing, purchase_order__supplier=supplier)
        for revision in revisions.select_related("purchase_order__legal_entity"):
            found.setdefault(revision.payload_id, revision.purchase_order)
    return found


def _legal_entity(
    document: SupplierInvoiceDocument, orders: dict[str, PurchaseOrder], acting: LegalEntity | None
) -> LegalEntity:
    entities = {order.legal_entity_id: order.legal_entity for order in orders.values()}
    if len(entities) > 1:
        codes = ", ".join(sorted(entity.code for entity in entities.values()))
        raise InvoiceRefused(
            _("The invoice names orders of several legal entities (%(codes)s): send one invoice each.")
            % {"codes": codes}
        )
    entity = next(iter(entities.values()), None)
    buyer = document.buyer
    if entity is None and buyer is not None:
        wanted = {normalised_tax_id(v) for v in (buyer.vat_id, buyer.endpoint_id, buyer.legal_id) if v}
        wanted |= {_without_country(value) for value in wanted}
        matches = [
            e
            for e in LegalEntity.objects.exclude(tax_id="")
            if normalised_tax_id(e.tax_id) in wanted or _without_country(normalised_tax_id(e.tax_id)) in wanted
        ]
        entity = matches[0] if len(matches) == 1 else None
    if entity is None:
        entity = acting
    if entity is None:
        named = None if buyer is None else (buyer.vat_id or buyer.endpoint_id or buyer.legal_id)
        raise UnknownBuyer(
            _("The invoice names none of our orders and its buyer VAT number %(named)s is none of our legal entities.")
            % {"named": named}
            if named
            else _("The invoice names none of our orders and no buyer.")
        )
    if acting is not None and entity.pk != acting.pk:
        raise InvoiceRefused(
            _("This invoice is for %(code)s (%(name)s), not for %(code2)s: switch to %(code)s to take it in.")
            % {"code": entity.code, "name": entity.name, "code2": acting.code}
        )
    return entity


def _minor(amount: Decimal, currency: str, what: str) -> int:
    try:
        return to_minor(amount, currency)
    except MoneyError:
        raise InvoiceRefused(
            _("%(what)s %(decimal_text)s cannot be stored") % {"what": what, "decimal_text": decimal_text(amount)}
        ) from None


def _line_numbers(lines: tuple[SupplierInvoiceLine, ...]) -> list[int]:
    """The supplier's own line numbers when they are distinct whole numbers, else 1, 2, 3 …"""
    numbers = [int(line.line_id) if line.line_id.isascii() and line.line_id.isdigit() else 0 for line in lines]
    if all(0 < number <= _LINE_NUMBER_MAX for number in numbers) and len(set(numbers)) == len(numbers):
        return numbers
    return list(range(1, len(lines) + 1))


def _order_line(
    line: SupplierInvoiceLine, order: PurchaseOrder, order_lines: list[PurchaseOrderLine]
) -> tuple[PurchaseOrderLine | None, str]:
    """(the order line, how it was linked or why not)."""
    reference = line.order_line_reference
    if reference and reference.isascii() and reference.isdigit():
        by_number = next((pl for pl in order_lines if pl.line_number == int(reference)), None)
        if by_number is not None:
            return by_number, f"order {order.number}, line {by_number.line_number}"
    part = (line.seller_item_id or "").strip()
    if part:
        by_part = [pl for pl in order_lines if pl.supplier_part_id.strip() == part]
        if len(by_part) == 1:
            return by_part[0], f"order {order.number}, line {by_part[0].line_number}, by supplier part {part}"
        if len(by_part) > 1:
            numbers = ", ".join(str(pl.line_number) for pl in by_part)
            return None, f"lines {numbers} of order {order.number} all have part {part}: not linked"
    named = f"no line {reference}" if reference else "no line number"
    return None, f"order {order.number} has {named}" + (f" and no line with part {part}" if part else "")


def _check_line(line: SupplierInvoiceLine, number: int) -> None:
    if line.quantity < 0 or line.net_amount < 0:
        raise InvoiceRefused(
            _(
                "Line %(line_id)s bills a negative amount (%(plain)s × %(plain2)s): a return or a "
                "correction comes as a credit note."
            )
            % {"line_id": line.line_id, "plain": plain(line.quantity), "plain2": plain(line.net_price or _ZERO)}
        )
    if line.net_price is not None and line.net_price < 0:
        raise InvoiceRefused(
            _("Line %(line_id)s has a negative price: a discount comes as a credit note.") % {"line_id": line.line_id}
        )
    if len(line.unit_code) > 3:
        raise InvoiceRefused(
            _("The unit %(unit_code)s of line %(line_id)s is not a UN/CEFACT unit code (3 characters).")
            % {"unit_code": repr(line.unit_code[:20]), "line_id": line.line_id}
        )
    if line.tax_rate is not None and not 0 <= line.tax_rate <= 100:
        raise InvoiceRefused(
            _("The tax rate %(plain)s %% of line %(line_id)s is not between 0 and 100.")
            % {"plain": plain(line.tax_rate), "line_id": line.line_id}
        )
    if line.price_base_quantity <= 0:
        raise InvoiceRefused(
            _("The price base quantity of line %(line_id)s is not above 0.") % {"line_id": line.line_id}
        )


def _stored_text(data: bytes) -> str:
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return redact_cxml(data.decode(encoding, errors="replace")).replace("\x00", "\ufffd")


def _invoice_lines(
    invoice: Invoice, document: SupplierInvoiceDocument, orders: dict[str, PurchaseOrder]
) -> list[InvoiceLine]:
    currency = document.currency
    order_lines: dict[int, list[PurchaseOrderLine]] = {}
    for line_row in PurchaseOrderLine.objects.filter(purchase_order__in={o.pk for o in orders.values()}):
        order_lines.setdefault(line_row.purchase_order_id, []).append(line_row)
    single_order = next(iter(orders.values())) if len({o.pk for o in orders.values()}) == 1 else None
    rows = []
    for line, number in zip(document.lines, _line_numbers(document.lines), strict=True):
        _check_line(line, number)
        order = orders.get(line.order_reference or "")
        if order is None and not line.order_reference and not line.unbacked_reason:
            order = single_order
        po_line: PurchaseOrderLine | None = None
        if order is not None:
            po_line, note = _order_line(line, order, order_lines.get(order.pk, []))
        elif line.unbacked_reason:
            note = line.unbacked_reason
        elif line.order_reference:
            note = f"order {line.order_reference} is not one of our orders with this supplier"
        else:
            note = "the invoice names no order"
        net_minor = _minor(
            line.net_amount, currency, _("The net amount of line %(line_id)s") % {"line_id": line.line_id}
        )
        if line.tax_amount is not None:
            tax_minor = _minor(
                abs(line.tax_amount), currency, _("The tax of line %(line_id)s") % {"line_id": line.line_id}
            )
        elif line.tax_rate is not None:
            tax_minor = tax_amount_minor(net_minor=net_minor, rate_percent=line.tax_rate)
        else:
            tax_minor = 0
        price = line.net_price
        if price is None:  # a line stated by amount only: its price per unit is what the amount says
            price = line.net_amount / line.quantity * line.price_base_quantity if line.quantity else line.net_amount
        category = (line.tax_category or "").strip().upper()
        rows.append(
            InvoiceLine(
                invoice=invoice,
                line_number=number,
                po_line=po_line,
                order_reference=(order.number if order is not None else (line.order_reference or ""))[:_REFERENCE_MAX],
                order_line_number=po_line.line_number if po_line is not None else None,
                link_note=note[:300],
                supplier_part_id=(line.seller_item_id or "")[:_PART_MAX],
                description=line.description[:_DESCRIPTION_MAX],
                quantity=line.quantity,
                unit=line.unit_code,
                unit_price_minor=_minor(
                    price, currency, _("The price of line %(line_id)s") % {"line_id": line.line_id}
                ),
                price_basis_quantity=line.price_base_quantity,
                net_minor=net_minor,
                tax_category=category if category in TAX_CATEGORIES else "",
                tax_rate=line.tax_rate,
                tax_minor=tax_minor,
            )
        )
    return rows


def _credit_target(supplier: Supplier, document: SupplierInvoiceDocument, reasons: list[str]) -> Invoice | None:
    if not document.is_credit_note:
        return None
    if not document.corrected_invoice:
        reasons.append("the credit note names no invoice it corrects")
        return None
    corrected = (
        Invoice.objects.filter(supplier=supplier, kind=Invoice.Kind.INVOICE, number=document.corrected_invoice.strip())
        .order_by("-invoice_date", "-id")
        .first()
    )
    if corrected is None:
        reasons.append(f"it corrects invoice {document.corrected_invoice}, which is not known here")
    return corrected


def _repeat_or_refuse(existing: Invoice, document: SupplierInvoiceDocument, digest: str) -> InvoiceReceived:
    if document.message_id and existing.payload_id == document.message_id and existing.document_hash == digest:
        return InvoiceReceived(existing, repeat=True)
    kind = _("Credit note") if existing.is_credit_note else "Invoice"
    raise DuplicateInvoice(
        _(
            "%(kind)s %(number)s of %(name)s for fiscal year %(fiscal_year)s was already received on "
            "%(isoformat)s: it is not taken twice."
        )
        % {
            "kind": kind,
            "number": existing.number,
            "name": existing.supplier.name,
            "fiscal_year": existing.fiscal_year,
            "isoformat": existing.received_at.date().isoformat(),
        }
    )


def invoice_receive(
    *,
    document: SupplierInvoiceDocument,
    supplier: Supplier | None = None,
    legal_entity: LegalEntity | None = None,
    source_xml: bytes | None = None,
    pdf: bytes | None = None,
    pdf_name: str = "",
    by: AbstractBaseUser | AnonymousUser | None = None,
    check_entity: Callable[[LegalEntity], None] | None = None,
) -> InvoiceReceived:
    """Take a supplier invoice in (see the module's docstring); `InvoiceRefused` and its kinds when it is not.

    `supplier` is the one cXML authenticated (else recognised from the document); `legal_entity` the entity
    the user acts for (an invoice for another entity is refused); `check_entity` may refuse the entity found
    (the caller's permission: a member and a buyer or finance of it). Returns the invoice, matched when the
    matching has run.
    """
    number = document.number.strip()
    if not number or len(number) > _NUMBER_MAX:
        raise InvoiceRefused(
            _("The invoice number must have 1 to %(number_max)s characters.") % {"number_max": _NUMBER_MAX}
        )
    user = by if isinstance(by, User) else None
    if document.totals.tax_inclusive < 0 or document.totals.tax_exclusive < 0 or document.totals.tax_total < 0:
        raise InvoiceRefused(_("The invoice's total is negative: a correction comes as a credit note."))
    supplier = supplier or supplier_for_document(document=document)
    orders = _orders_named(supplier, document.order_references)
    entity = _legal_entity(document, orders, legal_entity)
    if check_entity is not None:
        check_entity(entity)
    fiscal_year = fiscal_year_of(document.issue_date, entity.fiscal_year_start_month)
    kind = Invoice.Kind.CREDIT_NOTE if document.is_credit_note else Invoice.Kind.INVOICE
    kept = _stored_text(source_xml) if source_xml else ""
    digest = hashlib.sha256(kept.encode("utf-8")).hexdigest() if kept else ""
    currency = document.currency
    net_minor = _minor(document.totals.tax_exclusive, currency, _("The total without tax"))
    tax_minor = _minor(document.totals.tax_total, currency, _("The tax total"))
    total_minor = _minor(document.totals.tax_inclusive, currency, _("The total with tax"))
    reasons = list(document.notes)
    if document.totals.payable != document.totals.tax_inclusive - document.totals.prepaid:
        reasons.append(
            f"the supplier asks for {decimal_text(document.totals.payable, currency_digits(currency))} {currency}"
        )
    existing = (
        Invoice.objects.filter(supplier=supplier, kind=kind, number=number, fiscal_year=fiscal_year)
        .select_related("supplier")
        .first()
    )
    if existing is not None:
        return _repeat_or_refuse(existing, document, digest)
    try:
        with transaction.atomic():
            corrects = _credit_target(supplier, document, reasons)
            twin = (
                Invoice.objects.filter(
                    supplier=supplier, kind=kind, invoice_date=document.issue_date, total_minor=total_minor
                )
                .exclude(number=number)
                .order_by("-id")
                .first()
            )
            invoice = Invoice.objects.create(
                legal_entity=entity,
                supplier=supplier,
                kind=kind,
                number=number,
                fiscal_year=fiscal_year,
                invoice_date=document.issue_date,
                due_date=document.due_date,
                currency=currency,
                corrects=corrects,
                net_minor=net_minor,
                tax_minor=tax_minor,
                charges_minor=_minor(
                    document.totals.charge_total - document.totals.allowance_total, currency, _("The charges")
                ),
                total_minor=total_minor,
                notes=reasons,
                possible_duplicate_of=twin,
                source=document.format,
                payload_id=document.message_id[:250],
                document=kept,
                document_hash=digest,
                payment_terms=document.payment_terms[:200],
                created_by=user,
            )
            linked_orders = {order.pk for order in orders.values()}
            if not linked_orders and corrects is not None:
                linked_orders = set(corrects.purchase_orders.values_list("pk", flat=True))
            invoice.purchase_orders.set(linked_orders)
            InvoiceLine.objects.bulk_create(_invoice_lines(invoice, document, orders))
            if pdf is not None:
                InvoiceAttachment.objects.create(
                    invoice=invoice,
                    filename=(pdf_name or f"{number}.pdf")[:200],
                    content_type="application/pdf",
                    size=len(pdf),
                    sha256=hashlib.sha256(pdf).hexdigest(),
                    content=pdf,
                    uploaded_by=user,
                )
            # Matched at once: accepted, or on hold with its reasons (and an approval started). A credit note
            # makes room on its orders: their invoices on hold are matched again after it.
            invoice_match(invoice=invoice)
            if invoice.is_credit_note:
                for order in invoice.purchase_orders.all():
                    invoices_rematch(order=order)
    except IntegrityError:
        # The same invoice arrived twice at once: the other delivery took it.
        existing = Invoice.objects.filter(supplier=supplier, kind=kind, number=number, fiscal_year=fiscal_year).first()
        if existing is None:
            raise
        return _repeat_or_refuse(existing, document, digest)
    logger.info("invoice %s of %s received (%s lines)", number, supplier.code, len(document.lines))
    return InvoiceReceived(invoice)
