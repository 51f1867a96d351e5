"""The claims list (filters, CSV and XLSX read back equal to the API), the supplier's page, and the supplier
scorecard compared with an independent computation on a generated data set."""

import csv
import io
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from django.utils import timezone

from claims.models import Claim
from claims.services import claim_raise
from invoices.models import Invoice
from orders.models import PurchaseOrder
from procurement.money import line_total_minor
from receiving.models import GoodsReceipt
from tests.invoices.helpers import invoice_for, ordered

from .conftest import api_as, browser, receive


def test_the_list_filters_and_downloads_equal_the_api(delivery):
    line = delivery.receipt.lines.get()
    for kind, quantity in (("damaged", "2"), ("quality", "1.5"), ("late", "3")):
        claim_raise(
            receipt_line=line, kind=kind, quantity=Decimal(quantity), comment="=cmd()", photos=[], by=delivery.warehouse
        )
    buyer = browser(delivery.world.buyer)
    page = buyer.get("/claims/?kind=quality").content.decode()
    assert 'data-claim="CL-FR-TEST-000002"' in page
    assert 'data-claim="CL-FR-TEST-000001"' not in page
    assert "?kind=quality&amp;export=xlsx" in page

    api = api_as(delivery.world.buyer).get("/api/v1/claims/").json()["results"]
    assert [item["number"] for item in api] == ["CL-FR-TEST-000003", "CL-FR-TEST-000002", "CL-FR-TEST-000001"]
    rows = list(csv.DictReader(io.StringIO(buyer.get("/claims/?export=csv").getvalue().decode("utf-8-sig"))))
    assert [(r["number"], r["kind"], r["quantity"], r["value"], r["status"], r["comment"]) for r in rows] == [
        (item["number"], item["kind"], item["quantity"], item["value"]["amount"], item["status"], "'=cmd()")
        for item in api
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(buyer.get("/claims/?export=xlsx").getvalue()))
    sheet = list(workbook.active.iter_rows(values_only=True))
    headings = list(sheet[0])
    read = [dict(zip(headings, row, strict=True)) for row in sheet[1:]]
    assert [(r["Claim"], r["Kind"], Decimal(str(r["Quantity"])), Decimal(str(r["Claimed value"]))) for r in read] == [
        (item["number"], item["kind"], Decimal(item["quantity"]), Decimal(item["value"]["amount"])) for item in api
    ]
    filtered = api_as(delivery.world.buyer).get("/api/v1/claims/?kind=late&export=csv")
    assert [row["number"] for row in csv.DictReader(io.StringIO(filtered.getvalue().decode("utf-8-sig")))] == [
        "CL-FR-TEST-000003"
    ]


def test_the_supplier_page_shows_its_claims_and_scorecard(delivery):
    line = delivery.receipt.lines.get()
    claim_raise(receipt_line=line, kind="damaged", quantity=Decimal(1), comment="", photos=[], by=delivery.warehouse)
    page = browser(delivery.world.buyer).get(f"/claims/suppliers/{delivery.world.supplier.code}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-claim="CL-FR-TEST-000001"' in text
    assert '<dd id="score-claims">1</dd>' in text
    assert "100.0 % (1 of 1 lines received)" in text
    bad = browser(delivery.world.buyer).get(f"/claims/suppliers/{delivery.world.supplier.code}/?from=2026-02-30")
    assert bad.status_code == 400 and "The start of the period is a day as YYYY-MM-DD." in bad.content.decode()
    refused = api_as(delivery.world.buyer).get(
        f"/api/v1/suppliers/{delivery.world.supplier.code}/scorecard/?from=2026-05-01&to=2026-04-01"
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"code": "invalid", "message": "The period ends before it starts."},
    )


def _percent(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_the_scorecard_equals_an_independent_computation_on_generated_deliveries(world, warehouse):
    rng = random.Random(20)
    today = timezone.localdate()
    start, end = today - timedelta(days=30), today
    expected = {"received": 0, "claimed": 0, "claims": 0, "due": 0, "on_time": 0, "issued": 0, "confirmed": 0}
    ordered_minor = invoiced_minor = 0
    for number in range(6):
        quantities = [rng.randint(2, 9) for _ in range(2)]
        prices = [Decimal(rng.randint(100, 5000)) / 100 for _ in range(2)]
        order = ordered(world, *[(str(q), str(p)) for q, p in zip(quantities, prices, strict=True)])
        lines = list(order.lines.order_by("line_number"))
        issued_inside = number != 5  # the last order was issued before the period
        if not issued_inside:
            PurchaseOrder.objects.filter(pk=order.pk).update(issued_at=timezone.now() - timedelta(days=60))
        confirmed = rng.random() < 0.5
        if confirmed:
            lines[0].confirmed_quantity = lines[0].quantity
            lines[0].confirmed_delivery_date = today - timedelta(days=rng.randint(0, 20))
            lines[0].save(update_fields=["confirmed_quantity", "confirmed_delivery_date"])
        lines[1].needed_by = today - timedelta(days=rng.randint(0, 20)) if rng.random() < 0.7 else None
        lines[1].save(update_fields=["needed_by"])
        expected["issued"] += int(issued_inside)
        expected["confirmed"] += int(issued_inside and confirmed)
        receipt = receive(order, warehouse, *(str(q) for q in quantities))
        days_ago = rng.choice([2, 10, 25, 45])  # 45: before the period
        received_on = today - timedelta(days=days_ago)
        GoodsReceipt.objects.filter(pk=receipt.pk).update(received_at=timezone.now() - timedelta(days=days_ago))
        inside = days_ago <= 30
        for line, receipt_line in zip(lines, receipt.lines.order_by("po_line__line_number"), strict=True):
            due = line.confirmed_delivery_date or line.needed_by
            claimed = rng.random() < 0.4
            if claimed:
                claim_raise(
                    receipt_line=receipt_line, kind="damaged", quantity=Decimal(1), comment="", photos=[], by=warehouse
                )
                expected["claims"] += 1  # raised today: inside the period
            if inside:
                expected["received"] += 1
                expected["claimed"] += int(claimed)
                if due is not None:
                    expected["due"] += 1
                    expected["on_time"] += int(received_on <= due)
        # The supplier invoices line 1 at its own price: accepted invoices in the period count, others not.
        billed = prices[0] + Decimal(rng.randint(-50, 80)) / 100
        status = rng.choice([Invoice.Status.READY_TO_PAY, Invoice.Status.PAID, Invoice.Status.EXCEPTION])
        invoice = invoice_for(order, (lines[0], str(quantities[0]), str(billed)), rate=None)
        Invoice.objects.filter(pk=invoice.pk).update(status=status)
        if status != Invoice.Status.EXCEPTION:
            ordered_minor += line_total_minor(quantity=Decimal(quantities[0]), unit_price_minor=int(prices[0] * 100))
            invoiced_minor += int((billed * quantities[0] * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # A credit note is no price: it is left out.
    credit = invoice_for(order, (lines[0], "1", "1.00"), rate=None, kind=Invoice.Kind.CREDIT_NOTE)
    Invoice.objects.filter(pk=credit.pk).update(status=Invoice.Status.READY_TO_PAY)

    card = (
        api_as(world.buyer)
        .get(f"/api/v1/suppliers/{world.supplier.code}/scorecard/?from={start.isoformat()}&to={end.isoformat()}")
        .json()
    )
    assert Claim.objects.count() == expected["claims"]
    assert {
        key: card[key]
        for key in (
            "received_lines",
            "claimed_lines",
            "claims",
            "lines_with_due_day",
            "on_time_lines",
            "orders_issued",
            "orders_confirmed",
        )
    } == {
        "received_lines": expected["received"],
        "claimed_lines": expected["claimed"],
        "claims": expected["claims"],
        "lines_with_due_day": expected["due"],
        "on_time_lines": expected["on_time"],
        "orders_issued": expected["issued"],
        "orders_confirmed": expected["confirmed"],
    }
    assert (card["claim_rate"], card["on_time_rate"], card["confirmation_rate"]) == (
        _percent(expected["claimed"], expected["received"]),
        _percent(expected["on_time"], expected["due"]),
        _percent(expected["confirmed"], expected["issued"]),
    )
    variance = invoiced_minor - ordered_minor
    assert card["price_variance"] == (
        [
            {
                "currency": "EUR",
                "ordered": {"amount": str(Decimal(ordered_minor).scaleb(-2)), "currency": "EUR"},
                "invoiced": {"amount": str(Decimal(invoiced_minor).scaleb(-2)), "currency": "EUR"},
                "variance": {"amount": str(Decimal(variance).scaleb(-2)), "currency": "EUR"},
                "percent": _percent(variance, ordered_minor),
            }
        ]
        if ordered_minor
        else []
    )
