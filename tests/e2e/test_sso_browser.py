"""A person signs in through their company's OpenID Connect provider (a real django-oauth-toolkit provider in its
own process): their work e-mail on our login page, the provider's own login form, and back on their home page with
the name, org unit and cost centre the provider's claims gave them; logging out ends the provider's session too."""

import re

import pytest
from playwright.sync_api import Page, expect

from identity.models import GroupRoleMapping, IdentityProvider, IdentityProviderDomain
from procurement.models import Employee, Role
from tests.factories import CostCentreFactory, LegalEntityFactory, OrgUnitFactory
from tests.identity.provider import CLIENTS, start_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory):
    provider = start_provider(tmp_path_factory.mktemp("oidc-provider-e2e"))
    yield provider
    provider.stop()


def test_a_person_signs_in_through_their_company_provider_and_sees_their_org_data(
    live_server, page: Page, oidc_provider, settings
):
    settings.SITE_URL = live_server.url
    acme = LegalEntityFactory(code="ACME", name="Acme SA")
    lab = OrgUnitFactory(legal_entity=acme, code="LAB", name="Laboratory")
    CostCentreFactory(legal_entity=acme, code="CC-LAB", name="Lab costs", org_unit=lab)
    requester, _ = Role.objects.get_or_create(code="requester", defaults={"name": "Requester"})
    approver, _ = Role.objects.get_or_create(code="approver", defaults={"name": "Approver"})
    provider = IdentityProvider.objects.create(
        name="Acme SSO",
        slug="acme",
        legal_entity=acme,
        discovery_url=oidc_provider.issuer,
        client_id="procurement",
        client_secret=CLIENTS["procurement"],
        org_unit_claim="department",
        cost_centre_claim="cost_center",
    )
    provider.default_roles.add(requester)
    IdentityProviderDomain.objects.create(provider=provider, domain="acme.example")
    GroupRoleMapping.objects.create(provider=provider, group="approvers", role=approver)
    oidc_provider.person(
        "grace",
        "grace-provider-pw",
        email="grace@acme.example",
        email_verified=True,
        given_name="Grace",
        family_name="Hopper",
        department="LAB",
        cost_center="CC-LAB",
        groups=["approvers"],
    )

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Work e-mail").fill("grace@acme.example")
    page.get_by_role("button", name="Continue with single sign-on").click()

    # The provider's own login form.
    expect(page.get_by_role("heading", name="Test Identity Provider")).to_be_visible()
    page.get_by_label("Provider user name").fill("grace")
    page.get_by_label("Provider password").fill("grace-provider-pw")
    page.get_by_role("button", name="Sign in to the provider").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Grace Hopper · ACME")
    expect(page.locator("#home-org-unit")).to_have_text("Org unit: Laboratory")
    expect(page.locator("#home-cost-centre")).to_have_text("Cost centre: CC-LAB — Lab costs")
    expect(page.locator("#home-approvals")).to_be_visible()  # an approver by her group
    grace = Employee.objects.get(user__email="grace@acme.example")
    assert sorted(grace.roles.values_list("code", flat=True)) == ["approver", "requester"]

    # On a phone the org line fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    box = page.locator("#home-org").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390

    # Logging out ends the provider's session: the next sign-in asks for the provider's password again.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/login/(\?state=[\w-]+)?$"))
    page.get_by_role("link", name="Sign in with Acme SSO").click()
    expect(page.get_by_label("Provider user name")).to_be_visible()
