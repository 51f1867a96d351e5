"""Release orders of a framework agreement consume its cap (committed; released when cancelled), and carry the
contract's payment terms onto the purchase order, its page, its PDF and its cXML OrderRequest."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from lxml import etree
from pypdf import PdfReader

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from orders.order_changes import purchase_order_cancel
from orders.order_documents import order_pdf
from p2p.submit_to_order import requisition_submit
from procurement.contract_ledger import contract_burn_down
from procurement.models import Contract, ContractLedgerEntry, Employee, LegalEntity
from procurement.money import Money
from punchout import cxml
from requisitions.services import CatalogPick, requisition_create, requisition_lines_add_from_catalog
from tests.contracts.factories import ContractFactory, contract_price
from tests.factories import CatalogItemFactory
from tests.factories_documents import buying_organisation
from tests.orders.conftest import alice, cxml_supplier
from tests.orders.supplier_endpoint import SupplierEndpoint
from tests.punchout.support import dtd_errors


@pytest.fixture
def endpoint():
    running = SupplierEndpoint()
    yield running
    running.close()


@pytest.fixture
def paper_supplier(db, endpoint):
    """alice's organisation orders everything at once (auto-approved); Paper & Co takes cXML orders; France's
    framework agreement FA-ORG-01 caps it at 1,000.00 EUR, 30 days net, 2 % off within 10 days, paper at 9.00,
    8.00 from 100 boxes."""
    buying_organisation()
    purchasing_rule_save(
        rule=PurchasingRule(name="Approve everything", position=1, effect=PurchasingRule.Effect.AUTO_APPROVE)
    )
    supplier = cxml_supplier("PAPERCO", endpoint.url)
    paper = CatalogItemFactory(supplier=supplier, sku="A4-500", name="A4 paper", base_price_minor=1000, unit="BX")
    contract = ContractFactory(
        number="FA-ORG-01",
        kind=Contract.Kind.FRAMEWORK,
        supplier=supplier,
        legal_entity=LegalEntity.objects.get(code="FR-ORG"),
        cap_minor=100_000,
        payment_net_days=30,
        early_discount_percent=Decimal(2),
        early_discount_days=10,
    )
    contract_price(contract, paper, 900, tiers=[(100, 800)])
    return paper


def order_paper(paper, quantity, django_capture_on_commit_callbacks):
    cart = requisition_create(by=alice(), legal_entity=alice().default_legal_entity, title="Paper")
    requisition_lines_add_from_catalog(requisition=cart, by=alice(), picks=[CatalogPick(item=paper, quantity=quantity)])
    with django_capture_on_commit_callbacks(execute=True):
        requisition = requisition_submit(requisition=cart, by=alice())
    return requisition.purchase_orders.get()


def eur(text):
    return Money(Decimal(text), "EUR")


def test_a_release_order_commits_its_amount_and_carries_the_payment_terms(
    paper_supplier, endpoint, client, django_capture_on_commit_callbacks
):
    # When alice orders 100 boxes under the framework agreement (8.00 each)
    order = order_paper(paper_supplier, Decimal(100), django_capture_on_commit_callbacks)

    # Then the order is placed under the contract with its payment terms
    assert (order.total, order.contract.number) == (eur("800.00"), "FA-ORG-01")
    assert (order.payment_net_days, order.payment_discount_percent, order.payment_discount_days) == (
        30,
        Decimal("2.00"),
        10,
    )
    # and 800.00 of the 1,000.00 cap is committed: 80 % used, 200.00 left
    burn = contract_burn_down(order.contract)
    assert (burn.committed, burn.invoiced, burn.used, burn.remaining, burn.percent_used) == (
        eur("800.00"),
        eur("0.00"),
        eur("800.00"),
        eur("200.00"),
        Decimal("80.0"),
    )
    # The OrderRequest says the terms in its header, valid against the DTD: 2 % within 10 days, net in 30
    (document,) = endpoint.documents
    assert dtd_errors(document) == []
    header = etree.fromstring(document).find("Request/OrderRequest/OrderRequestHeader")
    terms = [
        (term.get("payInNumberOfDays"), term.find("Discount/DiscountPercent").get("percent") if len(term) else None)
        for term in header.findall("PaymentTerm")
    ]
    assert terms == [("10", "2"), ("30", None)]
    assert cxml.parse_order_request(document).payment_terms == (
        cxml.PaymentTerm(pay_in_days=10, discount_percent=Decimal(2)),
        cxml.PaymentTerm(pay_in_days=30),
    )
    # The PDF prints them, and the order's page shows them
    text = re.sub(r"\s+", " ", "".join(page.extract_text() for page in PdfReader(BytesIO(order_pdf(order))).pages))
    assert "30 days net; 2% discount if paid within 10 days (contract FA-ORG-01)" in text
    client.force_login(Employee.objects.get(user__username="frank").user)
    response = client.get(f"/purchase-orders/{order.pk}/")
    assert response.status_code == 200, response.content.decode()[-3000:]
    page = response.content.decode()
    assert "30 days net; 2% discount if paid within 10 days (contract FA-ORG-01)" in page


def test_a_cancelled_order_gives_its_amount_back_to_the_cap(paper_supplier, django_capture_on_commit_callbacks):
    order = order_paper(paper_supplier, Decimal(50), django_capture_on_commit_callbacks)
    assert contract_burn_down(order.contract).used == eur("450.00")

    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_cancel(order=order, by=Employee.objects.get(user__username="frank"))

    burn = contract_burn_down(order.contract)
    assert (burn.committed, burn.used, burn.remaining, burn.percent_used) == (
        eur("0.00"),
        eur("0.00"),
        eur("1000.00"),
        Decimal("0.0"),
    )
    assert sorted(ContractLedgerEntry.objects.values_list("kind", "amount_minor", "reference")) == [
        ("committed", 45000, f"purchase_order:{order.pk}"),
        ("released", 45000, f"purchase_order:{order.pk}:revision:2"),
    ]


def test_an_order_without_contract_lines_has_no_terms_of_its_own(paper_supplier, django_capture_on_commit_callbacks):
    Contract.objects.update(status=Contract.Status.ENDED)
    order = order_paper(paper_supplier, Decimal(1), django_capture_on_commit_callbacks)
    assert (order.contract, order.payment_net_days, order.payment_discount_percent) == (None, None, None)
    assert ContractLedgerEntry.objects.count() == 0
