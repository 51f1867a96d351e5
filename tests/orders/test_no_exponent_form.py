"""No number we write reads in exponent form (issue 13, defect 3): `<Accounting name="1E+2 %">`, a 90/10 split
as `9E+1 %` / `1E+1 %`, an API quantity of 10 as `"1E+1"`.

The guard in tests/document_guard.py reads every response, document and e-mail of every test. This test walks
the product the way its users and integrators read it after an order of round quantities, split 90/10: every
GET endpoint of the API as each persona of the buying organisation, and the pages of the requisition, the order,
the inbox and the budgets, so the guard sees each of them at least once.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.test import Client
from lxml import etree
from rest_framework.test import APIClient

from budgets.models import Budget
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee
from procurement.money import Money
from requisitions.models import Requisition, RequisitionList
from requisitions.services import (
    SplitSpec,
    requisition_create,
    requisition_line_add_free_text,
    requisition_line_splits_set,
)
from tests.factories import api_token

from .. import document_guard
from .conftest import alice, cxml_supplier

pytestmark = pytest.mark.usefixtures("auto_approve")

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"
PERSONAS = ("alice", "bob", "erin", "frank")


def _get_paths() -> list[str]:
    paths = yaml.safe_load(SCHEMA.read_text())["paths"]
    return sorted(path for path, operations in paths.items() if "get" in operations)


def _api(username: str) -> APIClient:
    user = Employee.objects.select_related("user").get(user__username=username).user
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def _values(path: str, requisition: Requisition, order_pk: int) -> dict[str, list[str]]:
    line = requisition.lines.order_by("line_number").first()
    return {
        "id": [str(order_pk)]
        if path.startswith("/api/v1/purchase-orders/")
        else [str(pk) for pk in Budget.objects.values_list("pk", flat=True)]
        if path.startswith("/api/v1/budgets/")
        else [str(requisition.pk)],
        "line_id": [str(line.pk)] if line else [],
        "list_id": [str(pk) for pk in RequisitionList.objects.values_list("pk", flat=True)],
        "code": ["ROUND", "NORDIC-IT"],
        "task_id": [],
        "job_id": [],
    }


def test_every_api_answer_page_and_document_of_an_ordered_split_writes_plain_numbers(
    endpoint, django_capture_on_commit_callbacks
):
    from tests.factories import SupplierFactory

    # Given an order of 10 and 100 pieces, the first line charged 90/10 to two cost centres
    supplier = cxml_supplier("ROUND", endpoint.url)
    SupplierFactory(code="NORDIC-IT", name="Nordic IT Supply AB", currency="SEK")  # a supplier in another currency

    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title="Round numbers")
    for description, quantity, price in (("Paper", "10", "2.50"), ("Pens", "100", "0.10")):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice(),
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(price), "EUR"),
            supplier=supplier,
            unspsc="44121700",
        )
    first = cart.lines.get(line_number=1)
    requisition_line_splits_set(
        line=first,
        by=alice(),
        splits=[
            SplitSpec(cost_centre=alice().default_cost_centre, percent=Decimal("90")),
            SplitSpec(cost_centre=alice().cost_centres.get(), percent=Decimal("10")),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        requisition = requisition_submit(requisition=cart, by=alice())
    order = requisition.purchase_orders.get()

    # Then the supplier reads plain numbers in the OrderRequest
    (sent,) = endpoint.received
    items = etree.fromstring(sent).findall(".//ItemOut")
    assert [item.get("quantity") for item in items] == ["10", "100"]
    assert [a.get("name") for a in items[0].iter("Accounting")] == ["90 %", "10 %"]
    assert document_guard.take() == []

    # When every persona reads every GET endpoint of the API
    answered: dict[str, int] = {}
    for username in PERSONAS:
        api = _api(username)
        for template in _get_paths():
            names = re.findall(r"{(\w+)}", template)
            choices = _values(template, requisition, order.pk)
            urls = [template]
            for name in names:
                urls = [url.replace(f"{{{name}}}", value) for url in urls for value in choices[name]]
            for url in urls:
                if "{" in url:
                    continue
                status = api.get(url).status_code
                assert status < 500, f"{username} GET {url} answered {status}"
                answered[f"{username} {url}"] = status
        # and the pages a person reads
        browser = Client()
        browser.force_login(Employee.objects.get(user__username=username).user)
        for page in (
            "/catalog/",
            "/requisitions/",
            f"/requisitions/{requisition.pk}/",
            "/approvals/",
            "/approvals/history/",
            "/budgets/",
            "/purchase-orders/",
            f"/purchase-orders/{order.pk}/",
        ):
            status = browser.get(page).status_code
            assert status < 500, f"{username} GET {page} answered {status}"
            answered[f"{username} {page}"] = status

    # Then nothing any of them read was written in exponent form, and they did read the order and its lines
    walked = list(document_guard.scanned)
    assert document_guard.take() == []
    assert answered[f"frank /api/v1/purchase-orders/{order.pk}/"] == 200
    assert answered[f"alice /api/v1/requisitions/{requisition.pk}/lines/"] == 200
    assert answered[f"alice /requisitions/{requisition.pk}/"] == 200
    assert len(walked) >= len(answered)
