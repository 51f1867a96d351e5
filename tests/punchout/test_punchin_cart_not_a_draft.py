"""The shop-side cart of an ERP's punch-in is never an ordinary draft once the punch-in is over.

Given a punch-in from the ERP with items in its cart, when it is transferred (or left, or its time passes
without the browser ever coming back), then the cart is no cart to fill, the lists of requisitions (page and
API) never offer it as a draft, and submitting it is refused with a clear `{"code","message"}`; its page stays
readable to those who may see it.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from punchout.models import InboundSession
from requisitions.errors import PunchinCartNotSubmittable
from requisitions.models import Requisition, RequisitionStatus
from requisitions.selectors import carts_of

from .test_punchin_identity import add_to_cart, punch_in

pytestmark = pytest.mark.usefixtures("punch_in")


def submit_refusal(cart: Requisition) -> PunchinCartNotSubmittable:
    from p2p.submit_to_order import requisition_submit

    with pytest.raises(PunchinCartNotSubmittable) as refused:
        requisition_submit(requisition=cart, by=cart.requester)
    return refused.value


def listed_for(employee, *, status: str = "") -> list[tuple[int, str]]:
    api = APIClient()
    api.force_authenticate(employee.user)
    response = api.get("/api/v1/requisitions/", {"status": status} if status else {})
    assert response.status_code == 200, response.content
    return [(row["id"], row["status"]) for row in response.json()["results"]]


def test_a_transferred_punch_in_cart_is_no_draft_anywhere(client, organisation):
    browser, session = punch_in(client, "buyer@erp.example")
    add_to_cart(browser)
    cart = Requisition.objects.get(pk=session.requisition_id)
    assert cart.status == RequisitionStatus.DRAFT and cart.lines.count() == 2
    # Whoever submits it while shopping (the page refuses it in the punch-in already) is refused by the service.
    refusal = submit_refusal(cart)
    assert refusal.code == "punchin_cart"
    assert refusal.message == (
        f"{cart.number} is the cart of a punchout session from a purchasing system: it goes back to that system "
        "and cannot be submitted for approval here."
    )

    assert browser.post("/punchout/inbound/transfer/").status_code == 200
    cart.refresh_from_db()
    assert cart.status == RequisitionStatus.CANCELLED
    assert list(carts_of(employee=cart.requester)) == []
    erin = organisation.finance  # finance sees every requisition of her entities
    erin.legal_entities.add(organisation.sweden)
    assert (cart.pk, "cancelled") in listed_for(erin)
    assert cart.pk not in [pk for pk, _ in listed_for(erin, status="draft")]
    assert submit_refusal(cart).code == "punchin_cart"
    # Still readable from where it is linked (the cart's own page), read-only: nothing to submit.
    reader = Client()
    reader.force_login(erin.user)
    page = reader.get(f"/requisitions/{cart.pk}/")
    assert page.status_code == 200 and "Submit for approval" not in page.content.decode()


def test_a_punch_in_cart_left_behind_after_its_time_is_no_draft(client, organisation):
    """The browser never came back: the session is past its time and its cart still says draft in the table."""
    browser, session = punch_in(client, "buyer@erp.example")
    add_to_cart(browser)
    InboundSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    cart = Requisition.objects.get(pk=session.requisition_id)
    assert cart.status == RequisitionStatus.DRAFT

    assert list(carts_of(employee=cart.requester)) == []
    erin = organisation.finance
    erin.legal_entities.add(organisation.sweden)
    assert cart.pk not in [pk for pk, _ in listed_for(erin)]
    assert cart.pk not in [pk for pk, _ in listed_for(erin, status="draft")]
    refusal = submit_refusal(cart)
    assert refusal.code == "punchin_cart" and cart.number in refusal.message


def test_the_api_answers_the_refusal_as_code_and_message(client, organisation):
    """The punch-in identity cannot reach the API at all; a requester whose cart was a punch-in's gets the rule's
    answer from the submit endpoint."""
    browser, session = punch_in(client, "buyer@erp.example")
    add_to_cart(browser)
    browser.post("/punchout/inbound/leave/")
    cart = Requisition.objects.get(pk=session.requisition_id)
    # Data from before the rule (or edited by hand): the cart made a draft of an ordinary employee's again.
    Requisition.objects.filter(pk=cart.pk).update(status=RequisitionStatus.DRAFT, requester=organisation.requester)
    alice = organisation.requester
    alice.legal_entities.add(organisation.sweden)
    api = APIClient()
    api.force_authenticate(alice.user)
    response = api.post(f"/api/v1/requisitions/{cart.pk}/submit/")
    assert response.status_code == 409
    assert response.json()["code"] == "punchin_cart"
    assert "cannot be submitted for approval here" in response.json()["message"]
    assert cart.pk not in [pk for pk, _ in listed_for(alice, status="draft")]

    page = Client()
    page.force_login(alice.user)
    assert cart.pk not in [c.pk for c in carts_of(employee=alice)]
    refused = page.post(f"/requisitions/{cart.pk}/save/", {"action": "submit"}, follow=True)
    assert "cannot be submitted for approval here" in refused.content.decode()
    cart.refresh_from_db()
    assert cart.status == RequisitionStatus.DRAFT
