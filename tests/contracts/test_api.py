"""GET/POST /api/v1/contracts/ and GET/PATCH /api/v1/contracts/{id}/: amounts as decimal strings with their
currency, prices with their tiers, errors as {"code", "message"}."""

import pytest

from procurement.contract_ledger import ContractSpend, contract_spend_commit
from procurement.models import Contract
from tests.factories import api_token


@pytest.fixture
def as_user(api_client):
    def login(employee):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee.user)}")
        return api_client

    return login


def test_a_contract_reads_with_its_burn_down_prices_and_tiers(as_user, requester, framework):
    contract_spend_commit(spends=[ContractSpend(framework.pk, 700_000, "EUR", "purchase_order:1")])
    body = as_user(requester).get(f"/api/v1/contracts/{framework.pk}/").json()
    assert {key: body[key] for key in ("number", "kind", "status", "supplier", "cap", "payment_terms")} == {
        "number": "FA-2026-01",
        "kind": "framework",
        "status": "active",
        "supplier": "PAPERCO",
        "cap": {"amount": "10000.00", "currency": "EUR"},
        "payment_terms": {"net_days": 30, "discount_percent": "2", "discount_days": 10},
    }
    assert body["burn_down"] == {
        "committed": {"amount": "7000.00", "currency": "EUR"},
        "invoiced": {"amount": "0.00", "currency": "EUR"},
        "used": {"amount": "7000.00", "currency": "EUR"},
        "remaining": {"amount": "3000.00", "currency": "EUR"},
        "percent_used": "70.0",
    }
    paper = next(price for price in body["prices"] if price["sku"] == "A4-500")
    assert paper["unit_price"] == {"amount": "9.00", "currency": "EUR"}
    assert paper["tiers"] == [
        {"min_quantity": "10", "unit_price": {"amount": "8.50", "currency": "EUR"}},
        {"min_quantity": "100", "unit_price": {"amount": "8.00", "currency": "EUR"}},
    ]
    listed = as_user(requester).get("/api/v1/contracts/", {"supplier": "PAPERCO"}).json()["results"]
    assert [row["number"] for row in listed] == ["FA-2026-01"]
    assert "prices" not in listed[0]


def test_another_entitys_contract_is_404(as_user, employee_in, sweden, framework):
    response = as_user(employee_in(sweden)).get(f"/api/v1/contracts/{framework.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "contract_not_found"
    assert as_user(employee_in(sweden)).get("/api/v1/contracts/").json() == {"results": []}


def new_contract(**changes):
    return {
        "number": "CT-API-1",
        "title": "Toner",
        "kind": "framework",
        "status": "active",
        "supplier": "PAPERCO",
        "legal_entity": "FR-TEST",
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "currency": "EUR",
        "cap": {"amount": "5000.00", "currency": "EUR"},
        "payment_terms": {"net_days": 60, "discount_percent": "3", "discount_days": 20},
        "prices": [
            {
                "sku": "TONER-1",
                "unit_price": {"amount": "44.00", "currency": "EUR"},
                "tiers": [{"min_quantity": "10", "unit_price": {"amount": "42.00", "currency": "EUR"}}],
            }
        ],
    } | changes


def test_a_buyer_posts_and_patches_a_contract(as_user, buyer, paper):
    client = as_user(buyer)
    created = client.post("/api/v1/contracts/", new_contract(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["cap"] == {"amount": "5000.00", "currency": "EUR"}
    assert body["payment_terms"] == {"net_days": 60, "discount_percent": "3", "discount_days": 20}
    assert body["prices"][0]["tiers"] == [{"min_quantity": "10", "unit_price": {"amount": "42.00", "currency": "EUR"}}]

    patched = client.patch(
        f"/api/v1/contracts/{body['id']}/", {"cap": None, "status": "ended", "title": "Toner (ended)"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    changed = patched.json()
    assert (changed["cap"], changed["status"], changed["title"]) == (None, "ended", "Toner (ended)")
    assert len(patched.json()["prices"]) == 1  # prices not given: kept
    assert Contract.objects.get(number="CT-API-1").cap_minor is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"valid_to": "2025-01-01"}, "valid_to: The end comes before the start."),
        ({"prices": [{"sku": "NOPE", "unit_price": {"amount": "1", "currency": "EUR"}}]},
         "prices.NOPE: NOPE is not in the catalog of Paper & Co."),
        ({"cap": {"amount": "5000.00", "currency": "SEK"}}, "cap: Give it in the contract's currency EUR."),
        ({"supplier": "NOBODY"}, "supplier: There is no supplier NOBODY."),
        ({"cap": {"amount": "20000000000000", "currency": "EUR"}}, None),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(as_user, buyer, paper, changes, message):
    response = as_user(buyer).post("/api/v1/contracts/", new_contract(**changes), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    if message:
        assert response.json()["message"] == message
    assert Contract.objects.filter(number="CT-API-1").count() == 0


def test_a_requester_may_not_record_contracts(as_user, requester, paper):
    response = as_user(requester).post("/api/v1/contracts/", new_contract(), format="json")
    assert response.status_code == 403
    assert response.json() == {"code": "not_a_buyer", "message": "Only a buyer of FR-TEST may record its contracts."}
