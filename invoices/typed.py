"""A paper invoice typed by a buyer: checked field by field, then taken in like any other invoice.

`typed_invoice_receive` takes what was typed as text (a page's form, the API's JSON), so that each bad field
is named in the refusal and the form can keep what was typed: `TypedInvoiceInvalid.errors` maps a field
name (`number`, `lines.2.quantity` …) to its message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext as _

from orders.models import PurchaseOrder, PurchaseOrderLine
from procurement.models import LegalEntity, Supplier
from procurement.money import currency_digits, is_currency, tax_amount_minor, to_minor

from .error_codes import InvoiceErrorCode
from .errors import InvoiceError
from .formats import InvoiceFormatError, Party, SupplierInvoiceDocument, SupplierInvoiceLine, Totals
from .formats.values import amount, optional_rate, quantity
from .ingestion import InvoiceReceived, invoice_receive
from .models import InvoiceAttachment

__all__ = ["MAX_TYPED_LINES", "TypedInvoiceInvalid", "TypedLine", "typed_invoice_receive"]

MAX_TYPED_LINES = 200


class TypedInvoiceInvalid(InvoiceError):
    """What was typed cannot be an invoice; `errors` names each field at fault."""

    code = InvoiceErrorCode.INVOICE_INVALID

    def __init__(self, errors: Mapping[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(f"{first_field}: {first_message}" if first_field != "__all__" else first_message)
        self.errors = dict(errors)


@dataclass(frozen=True)
class TypedLine:
    """One typed line, as text; `po_line` the id of the order line it bills (optional)."""

    description: str = ""
    quantity: str = ""
    unit_price: str = ""
    unit: str = "EA"
    tax_rate: str = ""
    supplier_part_id: str = ""
    po_line: str = ""


@dataclass
class _Errors:
    found: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.found.setdefault(name, message)

    def check[T](self, name: str, read: Callable[[str, str], T], text: str, what: str) -> T | None:
        try:
            return read(text, what)
        except InvoiceFormatError as error:
            self.add(name, error.message)
            return None


def _date(errors: _Errors, name: str, text: str, *, required: bool) -> date | None:
    text = (text or "").strip()
    if not text:
        if required:
            errors.add(name, _("Enter a date (YYYY-MM-DD)."))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(name, _("%(text)s is not a date (YYYY-MM-DD).") % {"text": repr(text[:20])})
        return None


def _order(errors: _Errors, text: str, supplier: Supplier | None, entity: LegalEntity) -> PurchaseOrder | None:
    text = (text or "").strip()
    if not text:
        return None
    orders = PurchaseOrder.objects.filter(legal_entity=entity)
    order = orders.filter(pk=int(text)).first() if text.isdigit() else None
    order = order or orders.filter(number=text).first()
    if order is None:
        errors.add(
            "purchase_order", _("No order %(text)s of %(code)s is known.") % {"text": text[:40], "code": entity.code}
        )
    elif supplier is not None and order.supplier_id != supplier.pk:
        errors.add(
            "purchase_order",
            _("Order %(number)s is not an order of %(name)s.") % {"number": order.number, "name": supplier.name},
        )
    return order


def typed_invoice_receive(
    *,
    legal_entity: LegalEntity,
    supplier_code: str,
    number: str,
    invoice_date: str,
    currency: str,
    lines: Sequence[TypedLine],
    due_date: str = "",
    purchase_order: str = "",
    kind: str = "invoice",
    corrects: str = "",
    pdf: bytes | None = None,
    pdf_name: str = "",
    by: AbstractBaseUser | AnonymousUser | None = None,
) -> InvoiceReceived:
    """Check a typed invoice and take it in for `legal_entity`; `TypedInvoiceInvalid` naming every bad field.

    Each line's net amount is quantity × unit price, rounded to the currency; its tax the rate of that (per
    line, as `procurement.money.tax_amount_minor`). The PDF of the paper invoice is kept as its attachment.
    """
    errors = _Errors()
    supplier = Supplier.objects.filter(code__iexact=(supplier_code or "").strip(), is_active=True).first()
    if supplier is None:
        errors.add(
            "supplier",
            _("No supplier %(supplier_code)s is known.") % {"supplier_code": repr(supplier_code.strip()[:40])}
            if supplier_code.strip()
            else _("Choose a supplier."),
        )
    number = (number or "").strip()
    if not number:
        errors.add("number", _("Enter the supplier's invoice number."))
    elif len(number) > 60:
        errors.add("number", _("An invoice number has at most 60 characters."))
    issued = _date(errors, "invoice_date", invoice_date, required=True)
    due = _date(errors, "due_date", due_date, required=False)
    currency = (currency or "").strip().upper()
    if not is_currency(currency):
        errors.add(
            "currency",
            _("%(currency)s is not an ISO 4217 currency code.") % {"currency": repr(currency[:10])}
            if currency
            else _("Enter a currency."),
        )
    if kind not in ("invoice", "credit_note"):
        errors.add("kind", _("Choose invoice or credit note."))
    order = _order(errors, purchase_order, supplier, legal_entity)
    order_lines = {str(line.pk): line for line in order.lines.all()} if order is not None else {}
    typed = [
        line
        for line in lines
        if any(
            getattr(line, name).strip()
            for name in ("description", "quantity", "unit_price", "supplier_part_id", "po_line")
        )
    ]
    if not typed:
        errors.add("lines", _("Type at least one line."))
    if len(typed) > MAX_TYPED_LINES:
        errors.add(
            "lines",
            _("At most %(max_typed_lines)s lines can be typed; upload the invoice instead.")
            % {"max_typed_lines": MAX_TYPED_LINES},
        )
    digits = currency_digits(currency) if is_currency(currency) else 2
    document_lines = []
    net_total = tax_total = 0
    for position, line in enumerate(typed[:MAX_TYPED_LINES], 1):
        prefix = f"lines.{position}"
        qty = errors.check(
            f"{prefix}.quantity",
            quantity,
            line.quantity,
            _("the quantity of line %(position)s") % {"position": position},
        )
        price = errors.check(
            f"{prefix}.unit_price",
            amount,
            line.unit_price,
            _("the unit price of line %(position)s") % {"position": position},
        )
        rate = errors.check(
            f"{prefix}.tax_rate",
            optional_rate,
            line.tax_rate,
            _("the tax rate of line %(position)s") % {"position": position},
        )
        if qty is not None and qty <= 0:
            errors.add(f"{prefix}.quantity", _("A quantity is above 0 (a return is a credit note)."))
        if price is not None and price < 0:
            errors.add(f"{prefix}.unit_price", _("A price is 0 or more."))
        if rate is not None and not 0 <= rate <= 100:
            errors.add(f"{prefix}.tax_rate", _("A tax rate is between 0 and 100 %."))
        unit = line.unit.strip().upper() or "EA"
        if len(unit) > 3:
            errors.add(f"{prefix}.unit", _("A unit is a UN/CEFACT code of up to 3 characters (EA, C62, HUR)."))
        po_line: PurchaseOrderLine | None = None
        if line.po_line.strip():
            po_line = order_lines.get(line.po_line.strip())
            if po_line is None:
                errors.add(f"{prefix}.po_line", _("Choose a line of the invoice's order."))
        description = line.description.strip() or (po_line.description if po_line else "")
        if not description:
            errors.add(f"{prefix}.description", _("Describe the line."))
        if errors.found or qty is None or price is None or not is_currency(currency):
            continue
        net_minor = to_minor(qty * price, currency)
        tax_minor = 0 if rate is None else tax_amount_minor(net_minor=net_minor, rate_percent=rate)
        net_total += net_minor
        tax_total += tax_minor
        document_lines.append(
            SupplierInvoiceLine(
                line_id=str(position),
                quantity=qty,
                unit_code=unit,
                net_amount=Decimal(net_minor).scaleb(-digits),
                net_price=price,
                description=description[:500],
                seller_item_id=line.supplier_part_id.strip() or (po_line.supplier_part_id if po_line else "") or None,
                order_reference=order.number if order is not None else None,
                order_line_reference=str(po_line.line_number) if po_line is not None else None,
                tax_category="S" if rate else ("Z" if rate == 0 else None),
                tax_rate=rate,
                tax_amount=Decimal(tax_minor).scaleb(-digits),
            )
        )
    if pdf is not None and len(pdf) > InvoiceAttachment.MAX_BYTES:
        errors.add(
            "file", _("The PDF is larger than %(value)s MB.") % {"value": InvoiceAttachment.MAX_BYTES // (1024 * 1024)}
        )
    elif pdf is not None and pdf.lstrip()[:5] != b"%PDF-":
        errors.add("file", _("Attach the paper invoice as a PDF."))
    if errors.found or supplier is None or issued is None:
        raise TypedInvoiceInvalid(errors.found or {"__all__": _("The invoice is incomplete.")})
    net = Decimal(net_total).scaleb(-digits)
    tax = Decimal(tax_total).scaleb(-digits)
    document = SupplierInvoiceDocument(
        format="typed",
        kind="credit_note" if kind == "credit_note" else "invoice",
        number=number,
        issue_date=issued,
        due_date=due,
        currency=currency,
        seller=Party(name=supplier.name, vat_id=supplier.tax_id or None),
        buyer=None,
        lines=tuple(document_lines),
        totals=Totals(
            line_net_total=net,
            allowance_total=Decimal(0),
            charge_total=Decimal(0),
            tax_exclusive=net,
            tax_total=tax,
            tax_inclusive=net + tax,
            prepaid=Decimal(0),
            payable=net + tax,
        ),
        order_reference=order.number if order is not None else None,
        order_references=(order.number,) if order is not None else (),
        corrected_invoice=corrects.strip() or None,
    )
    return invoice_receive(
        document=document,
        supplier=supplier,
        legal_entity=legal_entity,
        pdf=pdf,
        pdf_name=pdf_name,
        by=by,
    )
