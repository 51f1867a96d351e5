"""What we write about orders never uses exponent notation: 100 is "100", not "1E+2" (issue 12)."""

import pytest
from lxml import etree
from rest_framework.test import APIClient

from procurement.models import Employee
from tests.factories import api_token

from .conftest import cxml_supplier, ordered

pytestmark = pytest.mark.usefixtures("auto_approve")


def test_round_quantities_and_percentages_are_written_as_plain_numbers(endpoint, django_capture_on_commit_callbacks):
    # Given an order of 100 pieces, charged 100 % to one cost centre
    with django_capture_on_commit_callbacks(execute=True):
        order = ordered([(cxml_supplier("ROUND", endpoint.url), "Paper", "100", "1.00")]).purchase_orders.get()
    # When the supplier reads the OrderRequest and a buyer reads the API
    (sent,) = endpoint.received
    item = etree.fromstring(sent).find(".//ItemOut")
    frank = Employee.objects.select_related("user").get(user__username="frank")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(frank.user)}")
    (line,) = api.get(f"/api/v1/purchase-orders/{order.pk}/").json()["lines"]
    # Then every number is plain
    assert item.get("quantity") == "100"
    assert [accounting.get("name") for accounting in item.iter("Accounting")] == ["100 %"]
    assert (line["quantity"], line["shipped_quantity"]) == ("100", "0")
