"""Defect 18 of issue 13: every amount a person types in the admin is in major units of its currency
("50.00" EUR), shown back the same way; the database keeps minor units (5000)."""

from approvals.models import PurchasingRule
from procurement.models import Employee, LegalEntity
from tests.factories import CatalogItemFactory, EmployeeFactory, SupplierFactory


def rule_form(**overrides):
    data = {
        "name": "Finance above 50 EUR",
        "position": 10,
        "is_active": "on",
        "currency": "EUR",
        "min_amount": "50",
        "max_amount": "",
        "effect": "role",
        "role": "finance",
        "mode": "any",
        "required_count": 1,
        "sla_hours": 72,
        "line_source": "",
        "unspsc_prefix": "",
        "message": "",
        "versions-TOTAL_FORMS": 0,
        "versions-INITIAL_FORMS": 0,
        "versions-MIN_NUM_FORMS": 0,
        "versions-MAX_NUM_FORMS": 1000,
    }
    return {**data, **overrides}


def test_a_purchasing_rule_amount_is_typed_and_shown_in_major_units(admin_client, db):
    # when an administrator types 50 EUR as the lower bound
    response = admin_client.post("/admin/approvals/purchasingrule/add/", rule_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = PurchasingRule.objects.get()
    # then it is stored as 5000 cents, and the form shows 50.00 in EUR
    assert (rule.min_amount_minor, rule.max_amount_minor) == (5000, None)
    page = admin_client.get(f"/admin/approvals/purchasingrule/{rule.pk}/change/").content.decode()
    assert 'name="min_amount" value="50.00"' in page
    assert "Above (in EUR)" in page
    assert 'name="min_amount_minor"' not in page


def test_a_rule_amount_in_yen_and_too_many_decimals_are_checked(admin_client, db):
    response = admin_client.post("/admin/approvals/purchasingrule/add/", rule_form(currency="JPY", min_amount="5000.5"))
    assert response.status_code == 200
    assert "JPY amounts have 0 decimals at most." in response.content.decode()
    assert not PurchasingRule.objects.exists()
    response = admin_client.post("/admin/approvals/purchasingrule/add/", rule_form(currency="JPY", min_amount="5000"))
    assert response.status_code == 302
    assert PurchasingRule.objects.get().min_amount_minor == 5000


def test_a_signing_limit_is_shown_in_major_units_of_its_currency(admin_client, france):
    employee = EmployeeFactory(legal_entities=[france])
    Employee.objects.filter(pk=employee.pk).update(signing_limit_minor=250000, signing_limit_currency="EUR")
    page = admin_client.get(f"/admin/procurement/employee/{employee.pk}/change/").content.decode()
    assert 'name="signing_limit" value="2500.00"' in page and "Signing limit (in EUR)" in page


def test_an_email_approval_limit_and_a_base_price_are_shown_in_major_units(admin_client, france):
    LegalEntity.objects.filter(pk=france.pk).update(email_approval_limit_minor=100000)
    page = admin_client.get(f"/admin/procurement/legalentity/{france.pk}/change/").content.decode()
    assert 'name="email_approval_limit" value="1000.00"' in page
    item = CatalogItemFactory(supplier=SupplierFactory(), base_price_minor=1250, currency="EUR")
    page = admin_client.get(f"/admin/procurement/catalogitem/{item.pk}/change/").content.decode()
    assert 'name="base_price" value="12.50"' in page and "Base price (in EUR)" in page
