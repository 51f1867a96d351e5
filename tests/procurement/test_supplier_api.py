"""Suppliers as configuration as code: administrators register and change them through the API."""

import pytest

from procurement.models import AuditEvent, Supplier
from tests.factories import SupplierFactory, api_token

ACME_OFFICE = {
    "code": "OFFICE-1",
    "name": "Office One",
    "currency": "EUR",
    "order_method": "cxml",
    "order_url": "https://supplier.example/cxml/orders",
    "order_from": {"domain": "NetworkID", "identity": "ACME-BUYER"},
    "order_to": {"domain": "DUNS", "identity": "123456789"},
    "shared_secret": "very-secret",
    "email": "",
}


def client_for(api_client, employee):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee.user)}")
    return api_client


@pytest.fixture
def admin_api(api_client, france, employee_in):
    return client_for(api_client, employee_in(france, roles=["admin"]))


def test_an_admin_registers_a_cxml_supplier_and_the_secret_is_never_returned(admin_api):
    response = admin_api.post("/api/v1/suppliers/", ACME_OFFICE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["order_to"] == {"domain": "DUNS", "identity": "123456789"}
    assert body["has_shared_secret"] is True
    assert "very-secret" not in response.content.decode()

    supplier = Supplier.objects.get(code="OFFICE-1")
    assert supplier.order_shared_secret == "very-secret"
    assert supplier.order_from_identity == "ACME-BUYER"
    event = AuditEvent.objects.get(event_type="supplier.created", object_id=str(supplier.pk))
    assert event.data["order_shared_secret"] == "***"
    assert "very-secret" not in admin_api.get("/api/v1/suppliers/OFFICE-1/").content.decode()


def test_an_admin_switches_a_supplier_to_email_ordering(admin_api):
    SupplierFactory(code="PAPER", name="Paper")
    response = admin_api.patch(
        "/api/v1/suppliers/PAPER/", {"order_method": "email", "email": "o@paper.example"}, format="json"
    )
    assert response.status_code == 200, response.json()
    supplier = Supplier.objects.get(code="PAPER")
    assert (supplier.order_method, supplier.order_email, supplier.name) == ("email", "o@paper.example", "Paper")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ACME_OFFICE, "order_url": ""}, "order_url"),
        ({**ACME_OFFICE, "order_method": "email"}, "email"),
        ({**ACME_OFFICE, "currency": "euro"}, "currency"),
        ({**ACME_OFFICE, "code": "bad code"}, "code"),
        ({**ACME_OFFICE, "order_method": "fax"}, "order_method"),
    ],
)
def test_incomplete_order_settings_are_refused_field_by_field(admin_api, body, field):
    response = admin_api.post("/api/v1/suppliers/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Supplier.objects.filter(code=body["code"]).exists()


def test_a_patch_that_would_break_ordering_is_refused(admin_api):
    SupplierFactory(code="PAPER", name="Paper")
    response = admin_api.patch("/api/v1/suppliers/PAPER/", {"order_method": "cxml"}, format="json")
    assert response.status_code == 400 and "order_url" in response.json()["errors"]


def test_a_duplicate_code_is_refused(admin_api):
    SupplierFactory(code="OFFICE-1")
    response = admin_api.post("/api/v1/suppliers/", ACME_OFFICE, format="json")
    assert response.status_code == 400 and response.json()["code"] == "duplicate_supplier"


def test_requesters_may_list_suppliers_but_not_change_them(api_client, france, employee_in):
    SupplierFactory(code="PAPER", name="Paper")
    client = client_for(api_client, employee_in(france, roles=["requester"]))
    assert [s["code"] for s in client.get("/api/v1/suppliers/").json()["results"]] == ["PAPER"]
    assert client.post("/api/v1/suppliers/", ACME_OFFICE, format="json").status_code == 403
    assert client.patch("/api/v1/suppliers/PAPER/", {"name": "X"}, format="json").status_code == 403
    assert Supplier.objects.get(code="PAPER").name == "Paper"


def test_an_unknown_supplier_is_a_404_with_the_error_shape(admin_api):
    response = admin_api.patch("/api/v1/suppliers/NOPE/", {"name": "X"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
