"""What an order looks like to the supplier: the cXML OrderRequest of a revision, and the PDF."""

import html
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation

from orders.po_pdf import Party, PrintLine, PurchaseOrderPrint, TaxSummaryLine, render_purchase_order_pdf
from procurement.i18n import in_language, supplier_language
from procurement.models import Address, TaxCategory
from procurement.money import Money, decimal_text, split_minor
from procurement.taxes import REVERSE_CHARGE_NOTE, TaxRow
from punchout import cxml
from punchout.redact import MASK, redact_cxml

from .models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision
from .order_contracts import payment_terms_text
from .selectors import order_tax_breakdown


def _cxml_address(address: Address | None, fallback_name: str) -> cxml.Address:
    if address is None:
        return cxml.Address(name=fallback_name, address_id=None, country="", country_code="")
    return cxml.Address(
        name=address.name,
        address_id=f"{address.legal_entity.code}-{address.pk}",
        deliver_to=(address.name,),
        street=tuple(line for line in address.street.splitlines() if line.strip()) or (address.street,),
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
        country_code=address.country,
    )


def _money(minor: int, currency: str) -> cxml.Money:
    return cxml.Money(amount=Money.from_minor(minor, currency).amount, currency=currency)


def _distributions(line: PurchaseOrderLine, currency: str) -> tuple[cxml.Distribution, ...]:
    source = line.requisition_line
    splits = list(source.splits.select_related("cost_centre")) if source is not None else []
    parts = (
        [(split.cost_centre.code, split.gl_account or line.gl_account, split.percent) for split in splits]
        if splits
        else [(line.cost_centre.code if line.cost_centre else "", line.gl_account, Decimal(100))]
    )
    # Largest remainder: the Distribution charges add up to the line's total exactly (docs/money.md).
    charges = split_minor(line.total_minor, [percent for _, _, percent in parts])
    distributions = []
    for (centre, account, percent), charge in zip(parts, charges, strict=True):
        if not centre and not account:
            continue
        segments = []
        if centre:
            segments.append(cxml.AccountingSegment(type="CostCenter", id=centre, description="Cost centre"))
        if account:
            segments.append(cxml.AccountingSegment(type="GeneralLedger", id=account, description="GL account"))
        distributions.append(
            cxml.Distribution(
                accounting_name=f"{decimal_text(percent)} %",
                segments=tuple(segments),
                charge=_money(charge, currency),
            )
        )
    return tuple(distributions)


_EXEMPT_DETAILS: dict[str, str] = {TaxCategory.ZERO.value: "zeroRated", TaxCategory.EXEMPT.value: "exempt"}
REVERSE_CHARGE_EXEMPTION = "VATEX-EU-AE"  # the CEF VATEX code for reverse charge (EN 16931)


def _tax_detail(
    *, category: str, rate: Decimal, taxable_minor: int, tax_minor: int, currency: str, label: str
) -> cxml.TaxDetail:
    reverse_charge = category == TaxCategory.REVERSE_CHARGE
    return cxml.TaxDetail(
        purpose="tax",
        category="vat",
        percentage_rate=Decimal(decimal_text(rate)),  # 20, 5.5: not the stored 20.000
        taxable_amount=_money(taxable_minor, currency),
        tax_amount=_money(tax_minor, currency),
        description=label,
        tax_rate_type=category or None,  # the UNCL5305 category (S, AA, Z, E, AE …)
        exempt_detail=_EXEMPT_DETAILS.get(category),
        exemption_code=REVERSE_CHARGE_EXEMPTION if reverse_charge else None,
        exemption_reason=REVERSE_CHARGE_NOTE if reverse_charge else "",
    )


def _line_tax(line: PurchaseOrderLine, currency: str) -> cxml.Tax | None:
    """The line's Tax (ItemOut/Tax): its amount and one TaxDetail with the rate; None when no tax is known."""
    if line.tax_rate is None:
        return None
    label = TaxRow(line.tax_category, line.tax_rate, line.total_minor, line.tax_minor).label
    detail = _tax_detail(
        category=line.tax_category,
        rate=line.tax_rate,
        taxable_minor=line.total_minor,
        tax_minor=line.tax_minor,
        currency=currency,
        label=label,
    )
    return cxml.Tax(money=_money(line.tax_minor, currency), description=label, details=(detail,))


def _order_tax(lines: list[PurchaseOrderLine], currency: str) -> cxml.Tax | None:
    """The order's Tax (OrderRequestHeader/Tax): the lines' taxes added, one TaxDetail per category and rate."""
    rows = [row for row in order_tax_breakdown(lines) if row.rate is not None]
    if not rows:
        return None
    details = tuple(
        _tax_detail(
            category=row.category,
            rate=row.rate,
            taxable_minor=row.taxable_minor,
            tax_minor=row.tax_minor,
            currency=currency,
            label=row.label,
        )
        for row in rows
        if row.rate is not None
    )
    reverse_charge = any(row.reverse_charge for row in rows)
    return cxml.Tax(
        money=_money(sum(row.tax_minor for row in rows), currency),
        description=REVERSE_CHARGE_NOTE if reverse_charge else "VAT",
        details=details,
    )


def _header_comments(order: PurchaseOrder, revision: PurchaseOrderRevision) -> str:
    """What the supplier reads in the header Comments: the note to the supplier, and for a changed or cancelled
    order what changed. Never the requisition's justification, which is internal."""
    parts = [order.supplier_note]
    if revision.kind != PurchaseOrderRevision.Kind.NEW:
        parts.append(revision.note)
    return "\n\n".join(part.strip() for part in parts if part.strip())


def _payment_terms(order: PurchaseOrder) -> tuple[cxml.PaymentTerm, ...]:
    """The contract's terms as ordered: the early-payment discount term, then the net term."""
    if order.payment_net_days is None:
        return ()
    terms = []
    if order.has_payment_discount:
        assert order.payment_discount_days is not None and order.payment_discount_percent is not None
        terms.append(
            cxml.PaymentTerm(
                pay_in_days=order.payment_discount_days,
                discount_percent=Decimal(decimal_text(order.payment_discount_percent)),
            )
        )
    terms.append(cxml.PaymentTerm(pay_in_days=order.payment_net_days))
    return tuple(terms)


def order_request_for(revision: PurchaseOrderRevision) -> cxml.OrderRequest:
    order = revision.purchase_order
    supplier = order.supplier
    lines = list(
        order.lines.select_related("cost_centre", "requisition_line").exclude(status=PurchaseOrderLine.Status.CANCELLED)
        if revision.kind != "delete"
        else order.lines.select_related("cost_centre", "requisition_line")
    )
    previous = (
        PurchaseOrderRevision.objects.filter(purchase_order=order, revision__lt=revision.revision)
        .order_by("-revision")
        .values_list("payload_id", flat=True)
        .first()
    )
    requester = order.requisition.requester
    return cxml.OrderRequest(
        header=cxml.Header(
            from_=cxml.Credential(
                domain=supplier.order_from_domain or "DUNS",
                identity=supplier.order_from_identity or settings.CXML_IDENTITY,
            ),
            to=cxml.Credential(
                domain=supplier.order_to_domain or "DUNS", identity=supplier.order_to_identity or supplier.code
            ),
            sender=cxml.Credential(
                domain=supplier.order_sender_domain or supplier.order_from_domain or "DUNS",
                identity=supplier.order_sender_identity or supplier.order_from_identity or settings.CXML_IDENTITY,
                shared_secret=supplier.order_shared_secret or None,
            ),
            user_agent="Acme Procurement",
        ),
        payload_id=revision.payload_id,
        timestamp=revision.timestamp,
        order_id=order.number,
        order_date=order.issued_at or revision.timestamp,
        order_type=revision.kind,  # type: ignore[arg-type]
        order_version=revision.revision,
        total=_money(revision.total_minor, order.currency),
        bill_to=_cxml_address(order.bill_to, order.legal_entity.name),
        ship_to=_cxml_address(order.ship_to, order.legal_entity.name) if order.ship_to else None,
        items=tuple(
            cxml.OrderItem(
                line_number=line.line_number,
                quantity=line.quantity.normalize(),
                supplier_part_id=line.supplier_part_id or f"LINE-{line.line_number}",
                supplier_part_auxiliary_id=line.supplier_part_auxiliary_id or None,
                unit_price=_money(line.unit_price_minor, order.currency),
                price_basis_quantity=cxml.PriceBasisQuantity.per(line.price_basis_quantity, line.unit),
                description=line.description,
                unit_of_measure=line.unit,
                classifications=(cxml.Classification(domain="UNSPSC", value=line.unspsc),) if line.unspsc else (),
                requested_delivery_date=line.needed_by,
                manufacturer_part_id=None,
                manufacturer_name=None,
                distributions=_distributions(line, order.currency),
                comments=line.supplier_note,
                extrinsics={},
                tax=_line_tax(line, order.currency),
            )
            for line in lines
        ),
        tax=_order_tax(lines, order.currency),
        payment_terms=_payment_terms(order),
        comments=_header_comments(order, revision),
        extrinsics={
            "Requisition": order.requisition.number,
            "Requester": requester.display_name,
            "RequesterEmail": requester.user.email,
        },
        document_reference_payload_id=previous if revision.kind != "new" else None,
    )


_MASKED_SECRET = f"<SharedSecret>{MASK}</SharedSecret>"


def order_request_document(revision: PurchaseOrderRevision) -> bytes:
    """The revision's OrderRequest as built the first time, so every retry is the same document.

    It is kept with its SharedSecret masked (shown on the order page and in the admin); the supplier's
    current secret goes back in when it is sent.
    """
    if not revision.document:
        built = cxml.build_order_request(order_request_for(revision)).decode("utf-8")
        revision.document = redact_cxml(built)
        revision.save(update_fields=["document"])
    secret = revision.purchase_order.supplier.order_shared_secret
    document = revision.document
    if secret:
        document = document.replace(_MASKED_SECRET, f"<SharedSecret>{html.escape(secret, quote=False)}</SharedSecret>")
    return document.encode("utf-8")


def _party(address: Address | None, name: str) -> Party:
    if address is None:
        return Party(name=name)
    return Party(
        name=address.name,
        address_lines=(*address.street.splitlines(), f"{address.postal_code} {address.city}", address.country),
    )


def _printed_rate(line: PurchaseOrderLine) -> str:
    """A line's VAT as the PDF's column shows it: "20 %", "0 % RC" (reverse charge), "" when unknown."""
    if line.tax_rate is None:
        return ""
    return f"{decimal_text(line.tax_rate)} %" + (" RC" if line.tax_category == TaxCategory.REVERSE_CHARGE else "")


@in_language(lambda order, *args, **kwargs: supplier_language(order.supplier, order.legal_entity))
def order_pdf(order: PurchaseOrder, revision: PurchaseOrderRevision | None = None) -> bytes:
    revision = revision or order.revisions.order_by("-revision").first()
    entity = order.legal_entity
    bill_to = order.bill_to
    supplier = order.supplier
    lines = list(order.lines.select_related("cost_centre").order_by("line_number"))
    taxes = [row for row in order_tax_breakdown(lines) if row.rate is not None]
    status_note = ""
    if order.status == PurchaseOrder.Status.CANCELLED:
        status_note = "CANCELLED"
    elif revision is not None and revision.revision > 1:
        status_note = f"Revision {revision.revision} replaces revision {revision.revision - 1}"
    requester = order.requisition.requester
    return render_purchase_order_pdf(
        PurchaseOrderPrint(
            number=order.number,
            revision=revision.revision if revision else order.revision,
            # The buyer's day (the configured time zone), not whatever day the moment is in UTC.
            order_date=timezone.localdate(order.issued_at or order.created_at),
            currency=order.currency,
            buyer=Party(
                name=entity.name,
                address_lines=_party(bill_to, entity.name).address_lines,
                tax_id=entity.tax_id,
            ),
            supplier=Party(
                name=supplier.name,
                address_lines=tuple(line for line in supplier.address.splitlines() if line.strip()),
                tax_id=supplier.tax_id,
                email=supplier.order_email or supplier.contact_email,
                phone=supplier.phone,
            ),
            bill_to=_party(bill_to, entity.name),
            ship_to=_party(order.ship_to, entity.name),
            lines=tuple(
                PrintLine(
                    number=line.line_number,
                    sku=line.supplier_part_id,
                    description=line.description
                    + (" (cancelled)" if line.status == "cancelled" else "")
                    + (
                        f" (price per {decimal_text(line.price_basis_quantity)} {line.unit})"
                        if line.price_basis_quantity != 1
                        else ""
                    ),
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price.amount,
                    total=line.total.amount,
                    needed_by=line.needed_by,
                    note=line.supplier_note,
                    account=" ".join(
                        filter(None, [line.cost_centre.code if line.cost_centre else "", line.gl_account])
                    ),
                    tax=_printed_rate(line),
                )
                for line in lines
            ),
            total=order.total.amount,
            taxes=tuple(
                TaxSummaryLine(
                    label=row.label,
                    taxable=Money.from_minor(row.taxable_minor, order.currency).amount,
                    tax=Money.from_minor(row.tax_minor, order.currency).amount,
                )
                for row in taxes
            ),
            tax_total=Money.from_minor(sum(row.tax_minor for row in taxes), order.currency).amount,
            tax_note=str(REVERSE_CHARGE_NOTE) if any(row.reverse_charge for row in taxes) else "",
            contact=f"{requester.display_name} <{requester.user.email}>" if requester.user.email else "",
            requisition=order.requisition.number,
            notes=order.supplier_note,  # never the requisition's justification: that one stays in the company
            payment_terms=payment_terms_text(order),
            status_note=status_note,
            language=translation.get_language(),
        ),
        gettext=translation.gettext,
    )
