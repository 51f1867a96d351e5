"""The purchase order list downloads as CSV and XLSX, with its filters, equal to what the API lists."""

from decimal import Decimal

from orders.exports import ORDER_COLUMNS
from orders.models import PurchaseOrder
from procurement.models import Role
from procurement.money import to_minor
from tests.factories import EmployeeFactory, LegalEntityFactory, SupplierFactory, UserFactory, requisition_for

from .downloads import csv_rows, number, xlsx_rows

KEYS = [column.key for column in ORDER_COLUMNS]


def _orders():
    france = LegalEntityFactory(code="ACME-FR", currency="EUR", po_number_prefix="FR-PO-")
    japan = LegalEntityFactory(code="ACME-JP", currency="JPY", po_number_prefix="JP-PO-")
    buyer = EmployeeFactory(user=UserFactory(username="frank"), legal_entities=[france, japan], roles=[Role.BUYER])
    durand = SupplierFactory(code="DURAND", name='=Fournitures Durand, "SARL"')
    tokyo = SupplierFactory(code="TOKYO", name="Tōkyō Shōji", currency="JPY")
    made = []
    for order_number, entity, supplier, currency, total, tax, status in [
        ("FR-PO-000001", france, durand, "EUR", "1234.50", "246.90", PurchaseOrder.Status.SENT),
        ("FR-PO-000002", france, durand, "EUR", "0.05", "0.01", PurchaseOrder.Status.CLOSED),
        ("FR-PO-000003", france, tokyo, "EUR", "99999999.99", "0", PurchaseOrder.Status.SENT),
        ("JP-PO-000001", japan, tokyo, "JPY", "125000", "12500", PurchaseOrder.Status.SENT),
    ]:
        made.append(
            PurchaseOrder.objects.create(
                legal_entity=entity,
                number=order_number,
                supplier=supplier,
                currency=currency,
                requisition=requisition_for(buyer, entity, title=order_number),
                status=status,
                method="email",
                total_minor=to_minor(Decimal(total), currency),
                tax_minor=to_minor(Decimal(tax), currency),
            )
        )
    return buyer, made


def _api_rows(api_client, query: str) -> list[dict]:
    return api_client.get(f"/api/v1/purchase-orders/{query}").json()["results"]


def _as_export(api_order: dict, order: PurchaseOrder) -> dict[str, str]:
    """What the CSV must say for an order the API lists: the API's values, amounts as their plain amounts."""
    gross = Decimal(api_order["total"]["amount"]) + Decimal(api_order["tax"]["amount"])
    return {
        "id": str(api_order["id"]),
        "number": api_order["number"],
        "created_at": order.created_at.isoformat(),
        "status": api_order["status"],
        "revision": str(api_order["revision"]),
        "supplier": api_order["supplier"],
        "supplier_name": order.supplier.name,
        "legal_entity": api_order["legal_entity"],
        "requisition": str(api_order["requisition"]),
        "method": api_order["method"],
        "currency": api_order["total"]["currency"],
        "total": api_order["total"]["amount"],
        "tax": api_order["tax"]["amount"],
        "gross": str(gross),
    }


def test_api_csv_and_xlsx_hold_every_order_the_api_lists_with_the_same_filters(db, api_client):
    buyer, made = _orders()
    api_client.force_authenticate(buyer.user)
    by_id = {order.pk: order for order in made}
    for query in ("", "?status=sent", "?supplier=tokyo"):
        listed = _api_rows(api_client, query)
        expected = [_as_export(row, by_id[row["id"]]) for row in listed]
        separator = "&" if query else "?"
        rows = csv_rows(api_client.get(f"/api/v1/purchase-orders/{query}{separator}export=csv"))
        # a formula-looking text is written with an apostrophe in the CSV, as it is the supplier's name
        for row in expected:
            if row["supplier_name"].startswith("="):
                row["supplier_name"] = "'" + row["supplier_name"]
        assert rows == expected
        headings, book = xlsx_rows(api_client.get(f"/api/v1/purchase-orders/{query}{separator}export=xlsx"), KEYS)
        assert headings[:3] == ["Id", "Order", "Created"]
        assert [
            {**row, "total": number(row["total"]), "tax": number(row["tax"]), "gross": number(row["gross"])}
            for row in book
        ] == [
            {
                "id": row["id"],
                "number": row["number"],
                "created_at": by_id[row["id"]].created_at.replace(tzinfo=None, microsecond=0),  # UTC, to the second
                "status": row["status"],
                "revision": row["revision"],
                "supplier": row["supplier"],
                "supplier_name": by_id[row["id"]].supplier.name,
                "legal_entity": row["legal_entity"],
                "requisition": row["requisition"],
                "method": row["method"],
                "currency": row["total"]["currency"],
                "total": Decimal(row["total"]["amount"]),
                "tax": Decimal(row["tax"]["amount"]),
                "gross": Decimal(row["total"]["amount"]) + Decimal(row["tax"]["amount"]),
            }
            for row in listed
        ]
    assert [row["number"] for row in _api_rows(api_client, "?supplier=tokyo")] == ["JP-PO-000001", "FR-PO-000003"]


def test_the_orders_page_offers_its_list_with_its_filter_as_csv_and_xlsx(db, client):
    buyer, _ = _orders()
    client.force_login(buyer.user)
    page = client.get("/purchase-orders/?status=sent").content.decode()
    assert 'href="/purchase-orders/?status=sent&amp;export=csv"' in page
    assert 'href="/purchase-orders/?status=sent&amp;export=xlsx"' in page
    rows = csv_rows(client.get("/purchase-orders/?status=sent&export=csv"))
    assert [(row["number"], row["legal_entity"], row["total"]) for row in rows] == [
        ("FR-PO-000003", "ACME-FR", "99999999.99"),
        ("FR-PO-000001", "ACME-FR", "1234.50"),
    ]
    _, book = xlsx_rows(client.get("/purchase-orders/?status=sent&export=xlsx"), KEYS)
    assert [(row["number"], number(row["total"]), row["currency"]) for row in book] == [
        ("FR-PO-000003", Decimal("99999999.99"), "EUR"),
        ("FR-PO-000001", Decimal("1234.50"), "EUR"),
    ]
    unknown = client.get("/purchase-orders/?export=pdf")
    assert unknown.status_code == 200 and unknown["Content-Type"].startswith("text/html")
