"""The chain preview before submit and the stored chain after, in the API and as a picture on the page."""

from decimal import Decimal

import pytest

from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import api_token


@pytest.fixture
def alice_cart(acme):
    alice = acme.alice
    cart = requisition_create(by=alice, legal_entity=acme.france, title="Chair")
    requisition_line_add_free_text(
        requisition=cart,
        by=alice,
        description="Ergonomic chair",
        quantity=Decimal(1),
        unit="EA",
        unit_price=Money(Decimal("6000"), "EUR"),
    )
    return alice, cart


def test_the_api_previews_the_chain_then_shows_the_stored_one(api_client, alice_cart):
    alice, cart = alice_cart
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(alice.user)}")
    preview = api_client.get(f"/api/v1/requisitions/{cart.pk}/approval-chain/").json()
    assert preview["status"] == "preview" and preview["total"] == {"amount": "6000.00", "currency": "EUR"}
    assert [(s["name"], [a["username"] for a in s["approvers"]]) for s in preview["stages"]] == [
        ("Manager: Bob Dubois", ["bob"]),
        ("Manager: Carol Lefebvre", ["carol"]),
        ("Finance above 5,000 EUR", ["erin"]),
    ]

    assert api_client.post(f"/api/v1/requisitions/{cart.pk}/submit/").json()["status"] == "in_approval"
    stored = api_client.get(f"/api/v1/requisitions/{cart.pk}/approval-chain/").json()
    assert stored["status"] == "pending"
    assert [s["status"] for s in stored["stages"]] == ["pending"] * 3


def test_the_requisition_page_draws_the_chain(client, alice_cart):
    alice, cart = alice_cart
    client.force_login(alice.user)
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    assert 'id="approval-chain"' in page
    assert (
        page.index("1. Manager: Bob Dubois")
        < page.index("2. Manager: Carol Lefebvre")
        < page.index("3. Finance above 5,000 EUR")
    )
    assert "Preview: who would sign" in page


def test_a_submission_that_cannot_be_routed_shows_why_on_the_page(client, alice_cart):
    from approvals.models import PurchasingRule
    from approvals.services import purchasing_rule_save

    alice, cart = alice_cart
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Freeze", position=1, effect=PurchasingRule.Effect.BLOCK, message="Purchasing is frozen until January."
        )
    )
    client.force_login(alice.user)
    assert "Purchasing is frozen until January." in client.get(f"/requisitions/{cart.pk}/").content.decode()
    response = client.post(f"/requisitions/{cart.pk}/save/", {"action": "submit"}, follow=True)
    assert "Purchasing is frozen until January." in response.content.decode()
    cart.refresh_from_db()
    assert cart.status == "draft"


def test_editing_a_rule_in_the_admin_makes_a_new_version(admin_client, alice_cart):
    from approvals.models import PurchasingRule

    rule = PurchasingRule.objects.get(name="Finance above 5,000 EUR")
    form = admin_client.get(f"/admin/approvals/purchasingrule/{rule.pk}/change/")
    assert form.status_code == 200
    data = {
        "name": "Finance above 8,000 EUR",
        "position": 30,
        "is_active": "on",
        "min_amount": "8000.00",  # major units (issue 13, defect 18)
        "currency": "EUR",
        "effect": "role",
        "role": "finance",
        "mode": "any",
        "required_count": 1,
        "sla_hours": 72,
        "line_source": "",
        "unspsc_prefix": "",
        "message": "",
        "versions-TOTAL_FORMS": 1,
        "versions-INITIAL_FORMS": 1,
        "versions-MIN_NUM_FORMS": 0,
        "versions-MAX_NUM_FORMS": 1000,
        "versions-0-id": rule.versions.get().pk,
        "versions-0-rule": rule.pk,
    }
    response = admin_client.post(f"/admin/approvals/purchasingrule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.name, rule.version, rule.versions.count()) == ("Finance above 8,000 EUR", 2, 2)
    assert rule.min_amount_minor == 800000
    assert rule.versions.get(version=1).snapshot["name"] == "Finance above 5,000 EUR"
