"""The contract pages: the list (the user's entities only, by supplier and status), one contract with its
burn-down and tiers, and the form buyers record them with, keeping what was typed on an error."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from procurement.contract_ledger import ContractSpend, contract_spend_commit
from procurement.models import AuditEvent, Contract
from tests.contracts.factories import ContractFactory


def test_the_list_shows_the_users_entities_contracts_with_their_burn_down(client, requester, framework, sweden):
    contract_spend_commit(spends=[ContractSpend(framework.pk, 700_000, "EUR", "purchase_order:1")])
    ContractFactory(number="SE-ONLY", legal_entity=sweden)
    client.force_login(requester.user)

    page = client.get("/contracts/").content.decode()

    assert "FA-2026-01" in page and "SE-ONLY" not in page
    assert "10,000.00\xa0EUR" in page and "70.0 %" in page and "3,000.00\xa0EUR" in page


def test_the_list_filters_by_supplier_and_status(client, requester, framework, france):
    ContractFactory(number="CT-DRAFT", legal_entity=france, status=Contract.Status.DRAFT)
    client.force_login(requester.user)
    assert "FA-2026-01" not in client.get("/contracts/", {"status": "draft"}).content.decode()
    assert "CT-DRAFT" in client.get("/contracts/", {"status": "draft"}).content.decode()
    only_paper = client.get("/contracts/", {"supplier": "paperco"}).content.decode()
    assert "FA-2026-01" in only_paper and "CT-DRAFT" not in only_paper


def test_a_contract_shows_its_terms_cap_and_tiers(client, requester, framework):
    contract_spend_commit(spends=[ContractSpend(framework.pk, 850_000, "EUR", "purchase_order:7")])
    client.force_login(requester.user)
    page = client.get(f"/contracts/{framework.pk}/").content.decode()
    assert "30 days net; 2 % discount if paid within 10 days" in page
    assert "8,500.00\xa0EUR" in page and "1,500.00\xa0EUR" in page and "85.0 %" in page
    assert "from 10: 8.50 EUR; from 100: 8.00 EUR" in page
    assert "purchase_order:7" in page


def test_another_entitys_contract_is_not_found(client, employee_in, sweden, framework):
    client.force_login(employee_in(sweden).user)
    assert client.get(f"/contracts/{framework.pk}/").status_code == 404


def form(**changes):
    data = {
        "number": "CT-NEW-1",
        "title": "Toner 2027",
        "kind": "framework",
        "status": "active",
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "currency": "eur",
        "cap": "5000.00",
        "minimum_order": "100",
        "payment_net_days": "45",
        "early_discount_percent": "1.5",
        "early_discount_days": "15",
        "prices": "TONER-1 44.00 10:42.00 50:40.00\nA4-500 8.90",
        "notes": "",
    }
    return data | changes


def test_a_buyer_records_a_framework_agreement_with_tiers_and_a_file(client, buyer, paper, france, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(buyer.user)
    assert client.get("/contracts/new/").status_code == 200
    data = form(supplier=str(paper.supplier.pk), legal_entity=str(france.pk))
    data["attachment"] = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed", content_type="application/pdf")

    response = client.post("/contracts/new/", data)

    assert response.status_code == 302
    contract = Contract.objects.get(number="CT-NEW-1")
    assert (contract.cap_minor, contract.minimum_order_minor, contract.currency) == (500_000, 10_000, "EUR")
    assert (contract.payment_net_days, contract.early_discount_percent, contract.early_discount_days) == (
        45,
        Decimal("1.50"),
        15,
    )
    assert contract.owner == buyer
    prices = {
        price.item.sku: (price.unit_price_minor, [(t.min_quantity, t.unit_price_minor) for t in price.tiers.all()])
        for price in contract.prices.select_related("item")
    }
    assert prices == {"TONER-1": (4400, [(Decimal(10), 4200), (Decimal(50), 4000)]), "A4-500": (890, [])}
    assert AuditEvent.objects.filter(event_type="contract.created", object_id=str(contract.pk)).count() == 1
    attachment = contract.attachments.get()
    download = client.get(f"/contracts/{contract.pk}/files/{attachment.pk}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 signed"


def test_bad_input_is_shown_by_its_field_and_kept(client, buyer, paper, france):
    client.force_login(buyer.user)
    data = form(
        supplier=str(paper.supplier.pk),
        legal_entity=str(france.pk),
        valid_to="2025-12-31",
        prices="TONER-1 44.00 10:abc\nNOPE-9 1.00",
        early_discount_days="60",
        cap="12.345",
    )
    response = client.post("/contracts/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Line 1: write a tier as quantity:price, e.g. 10:8.50, not 10:abc." in page
    assert "TONER-1 44.00 10:abc" in page  # kept as typed
    assert Contract.objects.filter(number="CT-NEW-1").count() == 0

    response = client.post("/contracts/new/", data | {"prices": "NOPE-9 1.00"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "NOPE-9 is not in the catalog of Paper &amp; Co." in page
    assert "The end comes before the start." in page
    assert "The discount period cannot be longer than the payment term." in page
    assert "Too many decimals for EUR." in page


def test_only_buyers_record_contracts(client, requester, framework):
    client.force_login(requester.user)
    assert client.get("/contracts/new/").status_code == 403
    assert client.get(f"/contracts/{framework.pk}/edit/").status_code == 403


def test_a_buyer_edits_a_contract_and_its_prices(client, buyer, framework):
    client.force_login(buyer.user)
    page = client.get(f"/contracts/{framework.pk}/edit/").content.decode()
    assert "A4-500 9 10:8.5 100:8" in page
    data = form(
        number="FA-2026-01",
        supplier=str(framework.supplier_id),
        legal_entity=str(framework.legal_entity_id),
        valid_from=framework.valid_from.isoformat(),
        valid_to=(framework.valid_to + datetime.timedelta(days=30)).isoformat(),
        prices="A4-500 8.80 500:7.50",
    )
    assert client.post(f"/contracts/{framework.pk}/edit/", data).status_code == 302
    framework.refresh_from_db()
    price = framework.prices.get()
    assert (price.unit_price_minor, [(t.min_quantity, t.unit_price_minor) for t in price.tiers.all()]) == (
        880,
        [(Decimal(500), 750)],
    )
