"""The demo as a user meets it: the invoices it seeds, and the two files in docs/examples/ that a buyer uploads."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from invoices.demo import example_files
from invoices.models import Invoice
from orders.models import PurchaseOrder

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

pytestmark = pytest.mark.django_db


def test_the_demo_invoices_and_the_example_files_match_their_orders():
    call_command("seed_demo", stdout=StringIO())
    assert {invoice.number: invoice.status for invoice in Invoice.objects.all()} == {
        "DP-2026-0001": "ready_to_pay",
        "BT-2026-0412": "exception",
    }
    on_hold = Invoice.objects.get(number="BT-2026-0412")
    assert [line.reasons for line in on_hold.lines.all()] == [
        ["unit price 189.00 vs 180.00 ordered, +5 % over the 2 % tolerance"]
    ]

    # The committed files are what the demo orders call for (made again, they read the same).
    made = example_files()
    assert sorted(made) == sorted(path.name for path in EXAMPLES.iterdir())
    assert (EXAMPLES / "invoice-peppol-ubl.xml").read_bytes() == made["invoice-peppol-ubl.xml"]

    client = APIClient()
    client.login(username="frank", password="demo")
    for name, order_number in (("invoice-factur-x.pdf", "FR-PO-000001"), ("invoice-peppol-ubl.xml", "SE-PO-000001")):
        with (EXAMPLES / name).open("rb") as upload:
            response = client.post("/api/v1/invoices/upload/", {"file": upload}, format="multipart")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "ready_to_pay"
        assert [line["match"] for line in response.json()["lines"]] == ["ok"]
        assert PurchaseOrder.objects.get(number=order_number).status == "closed"
