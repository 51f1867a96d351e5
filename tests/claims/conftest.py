"""A delivery to claim on, built as users make it: an issued order funded by a budget (tests.invoices.helpers),
received at the dock by wendy (the warehouse), invoiced by the supplier and accepted (booked as actual)."""

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from budgets.models import BudgetEntry
from invoices.models import Invoice
from invoices.typed import TypedLine, typed_invoice_receive
from orders.models import PurchaseOrder, PurchaseOrderLine
from p2p.receipts import goods_receipt_post
from procurement.models import Employee, Role
from receiving.models import GoodsReceipt
from receiving.services import ReceiptLineInput
from tests.factories import EmployeeFactory, api_token
from tests.invoices.helpers import World, ordered, world

__all__ = ["world"]


@dataclass
class Delivery:
    world: World
    warehouse: Employee
    order: PurchaseOrder
    line: PurchaseOrderLine
    receipt: GoodsReceipt
    invoice: Invoice | None
    # The e-mails a write queues leave when it commits: `with delivery.committed(execute=True):` runs them.
    committed: Any = None


def receive(order: PurchaseOrder, by: Employee, *quantities: str) -> GoodsReceipt:
    lines = list(order.lines.order_by("line_number"))
    return goods_receipt_post(
        order=order,
        lines=[ReceiptLineInput(line=line.pk, quantity=Decimal(q)) for line, q in zip(lines, quantities, strict=False)],
        note="",
        by=by,
    )


def invoice_of(world: World, order: PurchaseOrder, number: str, *lines: tuple[str, str]) -> Invoice:
    po_lines = list(order.lines.order_by("line_number"))
    received = typed_invoice_receive(
        legal_entity=world.france,
        supplier_code=world.supplier.code,
        number=number,
        invoice_date=timezone.localdate().isoformat(),
        currency="EUR",
        lines=[
            TypedLine(quantity=quantity, unit_price=price, po_line=str(po_line.pk))
            for po_line, (quantity, price) in zip(po_lines, lines, strict=False)
        ],
        purchase_order=order.number,
        by=world.buyer.user,
    )
    return received.invoice


@pytest.fixture
def warehouse(world) -> Employee:
    return EmployeeFactory(user__username="wendy", legal_entities=[world.france], roles=[Role.WAREHOUSE])


@pytest.fixture
def delivery(world, warehouse, django_capture_on_commit_callbacks) -> Delivery:
    """10 bolts at 12.50 ordered, received in full and invoiced (INV-1, accepted: 125.00 actual)."""
    order = ordered(world, ("10", "12.50"))
    receipt = receive(order, warehouse, "10")
    invoice = invoice_of(world, order, "INV-1", ("10", "12.50"))
    mail.outbox.clear()
    return Delivery(world, warehouse, order, order.lines.get(), receipt, invoice, django_capture_on_commit_callbacks)


def actual_minor(delivery: Delivery) -> int:
    return sum(
        BudgetEntry.objects.filter(budget=delivery.world.budget, kind=BudgetEntry.Kind.ACTUAL).values_list(
            "amount_minor", flat=True
        )
    )


def browser(employee: Employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def api_as(employee: Employee) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee)}")
    return client


def png(name: str = "crushed.png", size: tuple[int, int] = (8, 6)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def link_in(message: mail.EmailMessage) -> str:
    """The path of the answer link an e-mail carries."""
    found = re.search(r"https?://[^/\s]+(/claims/answer/[^\s]+/)", str(message.body))
    assert found, message.body
    return found.group(1)
