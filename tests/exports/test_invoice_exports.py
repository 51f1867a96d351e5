"""The invoice list downloads as CSV and XLSX with its filters, equal to what the API lists, own entities only."""

from datetime import UTC, date, datetime
from decimal import Decimal

from invoices.exports import INVOICE_COLUMNS
from invoices.models import Invoice
from procurement.models import Role
from procurement.money import to_minor
from tests.factories import EmployeeFactory, LegalEntityFactory, SupplierFactory, UserFactory

from .downloads import csv_rows, number, xlsx_rows

KEYS = [column.key for column in INVOICE_COLUMNS]
MONEY = ("net", "tax", "charges", "total", "discount")


def _invoices():
    france = LegalEntityFactory(code="ACME-FR", currency="EUR")
    other = LegalEntityFactory(code="OTHER-DE", currency="EUR")
    erin = EmployeeFactory(user=UserFactory(username="erin"), legal_entities=[france], roles=[Role.FINANCE])
    durand = SupplierFactory(code="DURAND", name="Fournitures Durand")
    bhd = SupplierFactory(code="GULF", name="Gulf Trading W.L.L.", currency="BHD")
    for entity, supplier, kind, number_, day, due, currency, net, tax, status in [
        (france, durand, "invoice", "F-1", date(2026, 11, 2), date(2026, 12, 2), "EUR", "100.00", "20.00", "matched"),
        (france, durand, "credit_note", "AV-1", date(2026, 11, 5), None, "EUR", "37.02", "0", "received"),
        (france, bhd, "invoice", "-G-7", date(2026, 11, 9), date(2026, 11, 30), "BHD", "12.345", "1.235", "paid"),
        (other, durand, "invoice", "F-SECRET", date(2026, 11, 9), None, "EUR", "5.00", "1.00", "matched"),
    ]:
        Invoice.objects.create(
            legal_entity=entity,
            supplier=supplier,
            kind=kind,
            number=number_,
            fiscal_year=day.year,
            invoice_date=day,
            due_date=due,
            currency=currency,
            net_minor=to_minor(Decimal(net), currency),
            tax_minor=to_minor(Decimal(tax), currency),
            total_minor=to_minor(Decimal(net) + Decimal(tax), currency),
            status=status,
            source="typed",
            paid_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC) if status == "paid" else None,
            payment_reference="PAY-77" if status == "paid" else "",
        )
    return erin


def _expected_csv(api_row: dict) -> dict[str, str]:
    row = {
        "id": str(api_row["id"]),
        "kind": api_row["kind"],
        "number": api_row["number"],
        "supplier": api_row["supplier"],
        "supplier_name": api_row["supplier_name"],
        "legal_entity": api_row["legal_entity"],
        "status": api_row["status"],
        "invoice_date": api_row["invoice_date"],
        "due_date": api_row["due_date"] or "",
        "currency": api_row["currency"],
        **{key: api_row[key]["amount"] for key in MONEY},
        "discount_until": api_row["discount_until"] or "",
        "match_mode": api_row["match_mode"],
        "purchase_order_numbers": " ".join(api_row["purchase_order_numbers"]),
        "source": api_row["source"],
        "paid_at": api_row["paid_at"] or "",
        "payment_reference": api_row["payment_reference"],
    }
    if row["number"].startswith("-"):
        row["number"] = "'" + row["number"]  # never run as a formula by a spreadsheet
    return row


def test_invoice_downloads_equal_the_api_list_for_each_filter(db, api_client):
    erin = _invoices()
    api_client.force_authenticate(erin.user)
    for query in ("?x=1", "?status=matched", "?supplier=gulf", "?sort=due", "?due_by=2026-12-01"):
        listed = api_client.get(f"/api/v1/invoices/{query}").json()["results"]
        assert "F-SECRET" not in [row["number"] for row in listed]
        assert csv_rows(api_client.get(f"/api/v1/invoices/{query}&export=csv")) == [
            _expected_csv(row) for row in listed
        ]
        _, book = xlsx_rows(api_client.get(f"/api/v1/invoices/{query}&export=xlsx"), KEYS)
        assert [
            (row["number"], row["kind"], {key: number(row[key]) for key in MONEY}, row["invoice_date"]) for row in book
        ] == [
            (
                row["number"],
                row["kind"],
                {key: Decimal(row[key]["amount"]) for key in MONEY},
                datetime.fromisoformat(row["invoice_date"]),
            )
            for row in listed
        ]
    due = csv_rows(api_client.get("/api/v1/invoices/?sort=due&export=csv"))
    assert [row["number"] for row in due] == ["'-G-7", "F-1", "AV-1"]  # soonest due first, none last
    assert due[0]["net"] == "12.345" and due[0]["paid_at"] == "2026-12-01T09:30:00+00:00"


def test_the_invoices_page_downloads_what_it_shows(db, client):
    erin = _invoices()
    client.force_login(erin.user)
    page = client.get("/invoices/?supplier=DURAND").content.decode()
    assert 'href="/invoices/?supplier=DURAND&amp;export=xlsx"' in page
    rows = csv_rows(client.get("/invoices/?supplier=DURAND&export=csv"))
    assert [(row["number"], row["kind"], row["total"]) for row in rows] == [
        ("AV-1", "credit_note", "37.02"),
        ("F-1", "invoice", "120.00"),
    ]
    bad = client.get("/invoices/?due_by=tomorrow&export=csv")  # the page shows the date error, no download
    assert bad.status_code == 200 and "Give the date as YYYY-MM-DD" in bad.content.decode()
