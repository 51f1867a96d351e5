"""What the approvers of an invoice exception are asked to accept, as stored on its chain.

`invoices.exceptions` writes it when it routes the invoice (`InvoiceSummary(...).as_json()`); the inbox, the
e-mail and the API read it back (`InvoiceSummary.of(chain)`). A snapshot on purpose: the approvers decide on the
variance that was routed; a changed exception resolves a new chain with a new summary.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from procurement.money import Money

from .models import ApprovalChain


@dataclass(frozen=True)
class InvoiceLineSummary:
    line_number: int
    description: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class InvoiceSummary:
    invoice_id: int
    number: str
    legal_entity_id: int
    legal_entity: str
    supplier: str
    supplier_name: str
    total: Money
    variance: Money
    purchase_orders: tuple[str, ...]
    requesters: tuple[str, ...]
    # The invoice's own reasons, then each exception line's, prefixed "line 2 (Scale): …".
    reasons: tuple[str, ...]
    lines: tuple[InvoiceLineSummary, ...]
    entered_by: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "invoice_id": self.invoice_id,
            "number": self.number,
            "legal_entity_id": self.legal_entity_id,
            "legal_entity": self.legal_entity,
            "supplier": self.supplier,
            "supplier_name": self.supplier_name,
            "total": self.total.as_api(),
            "variance": self.variance.as_api(),
            "purchase_orders": list(self.purchase_orders),
            "requesters": list(self.requesters),
            "reasons": list(self.reasons),
            "lines": [
                {"line_number": line.line_number, "description": line.description, "reasons": list(line.reasons)}
                for line in self.lines
            ],
            "entered_by": self.entered_by,
        }

    @classmethod
    def of(cls, chain: ApprovalChain) -> "InvoiceSummary":
        data = chain.subject_summary or {}

        def money(key: str) -> Money:
            value = data.get(key) or {}
            return Money(Decimal(value.get("amount", "0")), value.get("currency", chain.currency))

        return cls(
            invoice_id=chain.invoice_id or 0,
            number=str(data.get("number", "")),
            legal_entity_id=int(data.get("legal_entity_id") or 0),
            legal_entity=str(data.get("legal_entity", "")),
            supplier=str(data.get("supplier", "")),
            supplier_name=str(data.get("supplier_name", "")),
            total=money("total"),
            variance=money("variance"),
            purchase_orders=tuple(data.get("purchase_orders", ())),
            requesters=tuple(data.get("requesters", ())),
            reasons=tuple(data.get("reasons", ())),
            lines=tuple(
                InvoiceLineSummary(int(line["line_number"]), str(line.get("description", "")), tuple(line["reasons"]))
                for line in data.get("lines", ())
            ),
            entered_by=str(data.get("entered_by", "")),
        )
