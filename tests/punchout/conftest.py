import pytest

from procurement.models import CatalogItem, Supplier
from punchout.models import ErpClient, PunchoutConnection
from tests.factories import CatalogItemFactory, SupplierFactory
from tests.factories_documents import ERP_SECRET, ErpClientFactory, Organisation, buying_organisation

from .supplier_site import OCI_PASSWORD, OCI_USER, SECRET, SupplierSite

# A small catalog: sku, name, UNSPSC, unit, list price in EUR cents. The goggles' name is over OCI's 40 characters.
CATALOG = [
    ("GOG-AF-10", "Laboratory safety goggles with anti-fog coating, pack of 10", "46181804", "PK", 8990),
    ("MRK-BLK-10", "Whiteboard marker, black, box of 10", "44121708", "BX", 1260),
    ("PEN-BLK-10", "Ballpoint pen, black, box of 10", "44121704", "BX", 420),
    ("PEN-BLU-50", "Ballpoint pen, blue, box of 50", "44121704", "BX", 1600),
]


@pytest.fixture
def organisation(db) -> Organisation:
    """Who buys: alice requests, bob approves, erin is finance, admin a superuser (tests/factories_documents.py)."""
    return buying_organisation()


@pytest.fixture
def erp_client(organisation) -> ErpClient:
    """The ERP of the Swedish entity, punching into our catalog: cXML NetworkID ERP-TEST, OCI login erp-test."""
    return ErpClientFactory(
        code="ERP-TEST",
        name="Test ERP",
        legal_entity=organisation.sweden,
        shared_secret=ERP_SECRET,
        oci_username="erp-test",
        oci_password=ERP_SECRET,
    )


@pytest.fixture
def catalog(db) -> list[CatalogItem]:
    supplier = SupplierFactory(code="OFFICE", name="Office Supplies SARL", currency="EUR")
    return [
        CatalogItemFactory(supplier=supplier, sku=sku, name=name, unspsc=unspsc, unit=unit, base_price_minor=price)
        for sku, name, unspsc, unit, price in CATALOG
    ]


@pytest.fixture
def punch_in(erp_client, catalog) -> ErpClient:
    """What an ERP's punch-in needs: the client and a catalog to shop."""
    return erp_client


@pytest.fixture
def site():
    with SupplierSite() as running:
        yield running


@pytest.fixture
def shop_supplier(db):
    return Supplier.objects.create(code="TESTSHOP", name="Test shop", currency="EUR")


@pytest.fixture
def cxml_connection(site, shop_supplier):
    return PunchoutConnection.objects.create(
        supplier=shop_supplier,
        name="Test cXML shop",
        protocol="cxml",
        url=f"{site.url}/cxml/setup",
        from_domain="NetworkID",
        from_identity="acme",
        to_domain="DUNS",
        to_identity="shop",
        sender_domain="NetworkID",
        sender_identity="acme",
        shared_secret=SECRET,
        extrinsics=["UserEmail", "UniqueName", "CostCenter"],
    )


@pytest.fixture
def oci_connection(site, shop_supplier):
    return PunchoutConnection.objects.create(
        supplier=shop_supplier,
        name="Test OCI shop",
        protocol="oci",
        url=f"{site.url}/oci/catalog",
        method="POST",
        oci_fields={"USERNAME": OCI_USER, "PASSWORD": OCI_PASSWORD},
        unit_map={"ST": "EA"},
    )
