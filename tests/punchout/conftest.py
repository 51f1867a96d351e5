from io import StringIO

import pytest
from django.core.management import call_command

from procurement.models import Supplier
from punchout.models import PunchoutConnection

from .supplier_site import OCI_PASSWORD, OCI_USER, SECRET, SupplierSite


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


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
