"""Every model is in the admin with search and filters, and its pages open for an administrator."""

import pytest
from django.contrib import admin
from django.urls import reverse

from procurement.audit_tally import audit_moves_count
from tests.factories import (
    AddressFactory,
    CatalogItemAttributeFactory,
    CategoryFactory,
    CostCentreFactory,
    EmployeeFactory,
    ExchangeRateFactory,
    LegalEntityFactory,
    OrgUnitFactory,
    PriceListFactory,
    SupplierFactory,
)


@pytest.fixture
def one_of_each(db):
    """A row of each core model a company sets up: entity, address, unit, cost centre, employee, category,
    supplier, catalog item with an attribute, price list, exchange rate; and the tally of transmission moves."""
    entity = LegalEntityFactory(code="ACME-FR", name="Acme France SAS")
    AddressFactory(legal_entity=entity)
    unit = OrgUnitFactory(legal_entity=entity)
    centre = CostCentreFactory(legal_entity=entity, org_unit=unit)
    EmployeeFactory(legal_entities=[entity], org_unit=unit, default_cost_centre=centre, roles=["requester"])
    CategoryFactory()
    CatalogItemAttributeFactory(item__supplier=SupplierFactory(code="BUROTEC", name="Burotec Fournitures SARL"))
    PriceListFactory(legal_entities=[entity])
    ExchangeRateFactory()
    audit_moves_count(event_type="orders.transmission.status")


def core_models():
    return [model for model in admin.site._registry if model._meta.app_label in {"procurement", "approvals", "budgets"}]


def test_every_core_model_is_registered():
    from django.apps import apps

    registered = set(core_models())
    assert set(apps.get_app_config("procurement").get_models()) <= registered


@pytest.mark.parametrize("model", core_models(), ids=lambda m: m._meta.model_name)
def test_changelists_search_and_filter(admin_client, one_of_each, model):
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(url, {"q": "acme"}).status_code == 200
    first = model.objects.first()
    if first is not None:
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
        assert admin_client.get(change).status_code == 200


def test_the_supplier_shared_secret_is_never_shown_back(admin_client, db):
    supplier = SupplierFactory(order_shared_secret="s3cr3t-value")
    page = admin_client.get(reverse("admin:procurement_supplier_change", args=[supplier.pk])).content.decode()
    assert "s3cr3t-value" not in page


def test_an_administrator_gives_an_entity_its_countrys_tax_codes_and_opens_one(admin_client, db):
    from procurement.models import TaxCode

    entity = LegalEntityFactory(code="ACME-SE", name="Acme Sverige AB", currency="SEK", country="SE")
    response = admin_client.post(
        reverse("admin:procurement_legalentity_changelist"),
        {"action": "create_default_tax_codes", "_selected_action": [entity.pk]},
        follow=True,
    )
    assert "7 tax codes created." in response.content.decode()
    standard = TaxCode.objects.get(legal_entity=entity, is_default=True)
    assert (standard.code, standard.rate, standard.category) == ("S25", 25, "S")
    change = reverse("admin:procurement_taxcode_change", args=[standard.pk])
    assert admin_client.get(change).status_code == 200
