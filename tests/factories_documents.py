"""factory_boy factories for the parties that exchange documents with us, and a small buying organisation.

Suppliers that take orders over cXML (with their shared secret) or by e-mail, ERP clients that punch into our
catalog (cXML and OCI logins), punchout connections to supplier shops, budgets, and `buying_organisation()`:
the people, cost centres and budget an approved requisition needs to become purchase orders. Tests build what
they need from these; the demo seed is only for the few smoke tests that load it as a user would.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from budgets.models import Budget
from procurement.models import Address, CostCentre, Employee, LegalEntity, OrgUnit, PriceList, Role, Supplier
from punchout.models import ErpClient, PunchoutConnection
from tests.factories import (
    AddressFactory,
    BudgetFactory,
    CostCentreFactory,
    EmployeeFactory,
    LegalEntityFactory,
    OrgUnitFactory,
    PriceListFactory,
    SupplierFactory,
    UserFactory,
)

SUPPLIER_SECRET = "supplier-secret"  # a test credential
ERP_SECRET = "erp-secret"  # a test credential


class CxmlSupplierFactory(SupplierFactory):
    """A supplier that takes purchase orders as cXML OrderRequests at `order_url`, with a shared secret."""

    name = factory.LazyAttribute(lambda o: f"{o.code.title()} Ltd")
    address = "1 Supply Road\n75001 Paris\nFrance"
    order_method = Supplier.OrderMethod.CXML
    order_url = "http://127.0.0.1:9/cxml/orders"
    order_from_domain = "DUNS"
    order_from_identity = "ACME-CATALOG"
    order_to_domain = "DUNS"
    order_to_identity = factory.LazyAttribute(lambda o: f"{o.code}-ID")
    order_sender_domain = "DUNS"
    order_sender_identity = "ACME-CATALOG"
    order_shared_secret = SUPPLIER_SECRET
    order_email = factory.LazyAttribute(lambda o: f"orders@{o.code.lower()}.example")


class EmailSupplierFactory(SupplierFactory):
    """A supplier that takes purchase orders by e-mail, with the order's PDF attached."""

    address = "12 rue du Faubourg, 69003 Lyon, France"
    order_method = Supplier.OrderMethod.EMAIL
    order_email = factory.LazyAttribute(lambda o: f"orders@{o.code.lower()}.example")
    contact_email = factory.LazyAttribute(lambda o: o.order_email)


class ErpClientFactory(factory.django.DjangoModelFactory):
    """An ERP that punches into our catalog: cXML with a shared secret, and an OCI login with `oci_password`."""

    class Meta:
        model = ErpClient
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    class Params:
        oci_password = ERP_SECRET

    code = factory.Sequence(lambda n: f"ERP-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code.title()} system")
    legal_entity = factory.SubFactory(LegalEntityFactory)
    cxml_identities = factory.LazyAttribute(lambda o: [{"domain": "NetworkID", "identity": o.code}])
    shared_secret = ERP_SECRET
    oci_enabled = True
    oci_username = factory.LazyAttribute(lambda o: o.code.lower())
    oci_password_hash = factory.LazyAttribute(lambda o: make_password(o.oci_password))
    allowed_hosts = factory.LazyFunction(lambda: ["127.0.0.1", "localhost"])
    group = factory.LazyAttribute(lambda o: Group.objects.get_or_create(name=f"ERP clients: {o.code}")[0])


class PunchoutConnectionFactory(factory.django.DjangoModelFactory):
    """A cXML punchout to a supplier's shop at `url`."""

    class Meta:
        model = PunchoutConnection

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.LazyAttribute(lambda o: f"{o.supplier.name} shop")
    protocol = PunchoutConnection.Protocol.CXML
    url = "http://127.0.0.1:9/cxml/setup"
    from_domain = "NetworkID"
    from_identity = "acme"
    to_domain = "DUNS"
    to_identity = "shop"
    sender_domain = "NetworkID"
    sender_identity = "acme"
    shared_secret = SUPPLIER_SECRET
    extrinsics = factory.LazyFunction(lambda: ["UserEmail", "UniqueName", "CostCenter"])


@dataclass(frozen=True)
class Organisation:
    """Who buys: a French entity (and a Swedish one nobody of the French team may see orders of), its people
    by role, the cost centres they charge (engineering: 1,000,000 EUR, warn only; lab: 20,000 EUR, hard stop)."""

    france: LegalEntity
    sweden: LegalEntity
    engineering: CostCentre
    lab: CostCentre
    budget: Budget  # engineering's
    framework: PriceList  # the French entity's framework agreement: 12 % off every list price
    requester: Employee  # alice, engineer: reports to bob
    lead: Employee  # bob, team lead: signs up to 1,000 EUR, reports to carol
    head: Employee  # carol, head of engineering: signs up to 10,000 EUR
    finance: Employee  # erin, CFO: approver and finance, no limit
    buyer: Employee  # frank, buyer
    admin: Employee  # admin, a superuser


def _person(username: str, first: str, last: str, entities: list[LegalEntity], roles: list[str], **kwargs) -> Employee:
    user = UserFactory(username=username, first_name=first, last_name=last, email=f"{username}@acme.example")
    return EmployeeFactory(user=user, legal_entities=entities, roles=roles, **kwargs)


def buying_organisation() -> Organisation:
    """The people, cost centres and budget an approved requisition needs to become purchase orders.

    Usernames are the personas' (alice, bob, carol, erin, frank, admin) so pages and e-mails read as in the
    product; every value a test asserts on is set here, not taken from the demo seed.
    """
    france = LegalEntityFactory(code="FR-ORG", name="Acme France SAS", currency="EUR", po_number_prefix="FR-PO-")
    sweden = LegalEntityFactory(code="SE-ORG", name="Acme Sverige AB", currency="SEK", po_number_prefix="SE-PO-")
    lyon = {"street": "41 quai Rambaud", "postal_code": "69002", "city": "Lyon"}
    AddressFactory(legal_entity=france, kind=Address.Kind.BILL_TO, name="Acme France SAS — Comptabilité", **lyon)
    AddressFactory(legal_entity=france, kind=Address.Kind.SHIP_TO, name="Acme France SAS — Site de Lyon", **lyon)
    unit = cast(OrgUnit, OrgUnitFactory(legal_entity=france, code="FR-ORG-ENG", name="Engineering"))
    engineering = cast(
        CostCentre, CostCentreFactory(legal_entity=france, code="FR-ORG-ENG", name="Engineering", org_unit=unit)
    )
    lab = cast(CostCentre, CostCentreFactory(legal_entity=france, code="FR-ORG-LAB", name="Laboratory", org_unit=unit))
    budget = BudgetFactory(cost_centre=engineering, amount_minor=100_000_000, control=Budget.Control.WARN)
    BudgetFactory(cost_centre=lab, amount_minor=2_000_000, control=Budget.Control.HARD)
    framework = PriceListFactory(
        code="FR-ORG-FRAMEWORK", name="Acme France framework agreement", percent_off=Decimal("12.00"),
        legal_entities=[france],
    )  # fmt: skip
    both = [france, sweden]
    eur = {"signing_limit_currency": "EUR"}
    finance = _person("erin", "Erin", "Laurent", both, [Role.APPROVER, Role.FINANCE], default_cost_centre=engineering)
    head = _person(
        "carol", "Carol", "Lefebvre", both, [Role.REQUESTER, Role.APPROVER], manager=finance,
        signing_limit_minor=1_000_000, default_cost_centre=engineering, org_unit=unit, **eur,
    )  # fmt: skip
    lead = _person(
        "bob", "Bob", "Dubois", both, [Role.REQUESTER, Role.APPROVER], manager=head,
        signing_limit_minor=100_000, default_cost_centre=engineering, org_unit=unit, **eur,
    )  # fmt: skip
    requester = _person(
        "alice", "Alice", "Martin", both, [Role.REQUESTER], manager=lead,
        signing_limit_minor=0, default_cost_centre=engineering, org_unit=unit, **eur,
    )  # fmt: skip
    requester.cost_centres.set([lab])
    buyer = _person(
        "frank", "Frank", "Girard", both, [Role.REQUESTER, Role.BUYER], manager=finance,
        signing_limit_minor=0, default_cost_centre=engineering, **eur,
    )  # fmt: skip
    admin_user = UserFactory(username="admin", email="admin@acme.example", is_staff=True, is_superuser=True)
    admin = EmployeeFactory(user=admin_user, legal_entities=both, roles=[Role.ADMIN])
    return Organisation(
        france=france,
        sweden=sweden,
        engineering=engineering,
        lab=lab,
        budget=budget,
        framework=framework,
        requester=requester,
        lead=lead,
        head=head,
        finance=finance,
        buyer=buyer,
        admin=admin,
    )
