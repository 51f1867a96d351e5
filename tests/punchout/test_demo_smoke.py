"""Smoke test of the demo as an integrator sees it: the published demo ERP client punches into the demo catalog.

This one test loads the demo seed on purpose (README: cXML NetworkID ERP-DEMO / demo-secret, OCI erp-demo /
demo-secret); every other punchout test builds its own world with factories.
"""

from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.test import Client

from punchout.models import InboundSession

from .test_inbound import post_setup, setup_request, start_page

pytestmark = pytest.mark.usefixtures("demo")


def test_the_demo_erp_client_punches_into_the_demo_catalog_with_its_published_credentials(client):
    url = start_page(post_setup(client, setup_request(identity="ERP-DEMO", secret="demo-secret")))
    browser = Client()
    assert browser.get(urlparse(url).path)["Location"] == "/catalog/"
    page = browser.get("/catalog/").content.decode()
    assert "Shopping for Demo ERP" in page and "Transfer cart to Demo ERP" in page
    assert InboundSession.objects.get().client.code == "ERP-DEMO"


def test_the_demo_erp_client_calls_up_the_catalog_over_oci():
    cache.clear()
    params = {"USERNAME": "erp-demo", "PASSWORD": "demo-secret", "HOOK_URL": "http://localhost:8123/sap/hook"}
    landed = Client().post("/punchout/oci/", params)
    assert landed.status_code == 303 and "/punchout/inbound/start/" in landed["Location"]
