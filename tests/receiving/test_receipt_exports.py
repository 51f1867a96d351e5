"""Goods receipts download as CSV and XLSX, one row per receipt line, equal to what `GET /api/v1/receipts/` lists."""

from decimal import Decimal

import pytest

from p2p.receipts import goods_receipt_post
from receiving.exports import RECEIPT_LINE_COLUMNS
from receiving.services import ReceiptLineInput
from tests.exports.downloads import csv_rows, number, xlsx_rows

from .conftest import api_as, order_of, person

pytestmark = pytest.mark.usefixtures("organisation")
KEYS = [column.key for column in RECEIPT_LINE_COLUMNS]


def _receive(order, *lines, note=""):
    by_number = {line.line_number: line for line in order.lines.all()}
    return goods_receipt_post(
        order=order,
        lines=[
            ReceiptLineInput(
                line=by_number[number_].pk,
                quantity=Decimal(quantity),
                rejected=Decimal(rejected),
                reason="damaged" if Decimal(rejected) else "",
                reason_text="Crushed box" if Decimal(rejected) else "",
            )
            for number_, quantity, rejected in lines
        ],
        note=note,
        by=person("alice"),
    )


def _flattened(api_receipts: list[dict]) -> list[dict[str, str]]:
    return [
        {
            "receipt": str(receipt["id"]),
            "number": receipt["number"],
            "status": receipt["status"],
            "legal_entity": receipt["legal_entity"],
            "purchase_order_number": receipt["purchase_order_number"],
            "line_number": str(line["line_number"]),
            "description": line["description"],
            "quantity": line["quantity"],
            "rejected": line["rejected"],
            "reason": line["reason"],
            "reason_text": line["reason_text"],
        }
        for receipt in api_receipts
        for line in receipt["lines"]
    ]


def test_receipt_lines_download_equal_the_api_list():
    gloves = order_of([("Nitrile gloves, box", "5", "8.00"), ("Pipette tips", "2.5", "4.00")])
    paper = order_of([("Paper A4", "10", "3.20")])
    _receive(gloves, (1, "3", "0"), (2, "1.5", "1"))
    _receive(paper, (1, "10", "0"))
    _receive(gloves, (1, "2", "0"))
    api = api_as(person("alice"))
    for query in ("?x=1", f"?purchase_order={gloves.pk}"):
        listed = api.get(f"/api/v1/receipts/{query}").json()["results"]
        rows = csv_rows(api.get(f"/api/v1/receipts/{query}&export=csv"))
        assert [{key: row[key] for key in _flattened(listed)[0]} for row in rows] == _flattened(listed)
        _, book = xlsx_rows(api.get(f"/api/v1/receipts/{query}&export=xlsx"), KEYS)
        assert [
            (row["number"], row["line_number"], number(row["quantity"]), number(row["rejected"])) for row in book
        ] == [
            (line["number"], int(line["line_number"]), Decimal(line["quantity"]), Decimal(line["rejected"]))
            for line in _flattened(listed)
        ]
    assert [(row["number"], row["line_number"], row["quantity"], row["rejected"]) for row in rows] == [
        ("GR-FR-ORG-000003", "1", "2", "0"),
        ("GR-FR-ORG-000001", "1", "3", "0"),
        ("GR-FR-ORG-000001", "2", "1.5", "1"),
    ]


def test_the_receiving_page_downloads_every_receipt_line_of_the_entity(client):
    order = order_of([("Paper A4", "10", "3.20")])
    _receive(order, (1, "4", "0"), note="First pallet")
    client.force_login(person("alice").user)
    page = client.get("/receiving/").content.decode()
    assert 'href="/receiving/?export=csv"' in page
    rows = csv_rows(client.get("/receiving/?export=csv"))
    assert [(row["number"], row["description"], row["quantity"], row["supplier"]) for row in rows] == [
        ("GR-FR-ORG-000001", "Paper A4", "4", "DOCK")
    ]
