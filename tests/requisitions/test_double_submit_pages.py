"""A page form sent twice (a double click, Back and send again, a script) acts once: the one-time form token."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from requisitions.models import Requisition, RequisitionEvent


@pytest.fixture
def browser(client, requester):
    client.force_login(requester.user)
    return client


def token_of(html: str, form_id: str) -> str:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form is not None, f"no form #{form_id}"
    token = re.search(r'name="form_token" value="([^"]+)"', form.group(0))
    assert token is not None, f"form #{form_id} has no form_token"
    return token.group(1)


def told(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_add_to_cart_posted_twice_with_the_form_adds_the_quantity_once(browser, requester, items):
    token = token_of(browser.get("/catalog/").content.decode(), "add-to-cart")
    form = {f"qty-{items['PEN-1'].pk}": "3", "next": "/catalog/?q=pen", "form_token": token}
    first = browser.post("/requisitions/add-from-catalog/", form)
    again = browser.post("/requisitions/add-from-catalog/", form)

    cart = Requisition.objects.get(requester=requester)
    assert [(line.supplier_part_id, line.quantity) for line in cart.lines.all()] == [("PEN-1", Decimal(3))]
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == "/catalog/?q=pen"
    # The first answer's message was not read yet (the browser left it for the second): both are shown.
    assert told(again) == [
        ("success", f"Added 1 item to {cart.number} “{cart.title}”: 3 EA PEN-1."),
        ("info", "Already added: the cart was not changed again."),
    ]


def test_each_rendering_of_the_catalog_gives_a_new_token(browser, items):
    page = browser.get("/catalog/").content.decode()
    assert token_of(page, "add-to-cart") != token_of(browser.get("/catalog/").content.decode(), "add-to-cart")


def test_the_same_token_with_other_quantities_is_another_request(browser, requester, items):
    """Back to the catalog (restored as it was) and other quantities: that is new, and it is added."""
    token = token_of(browser.get("/catalog/").content.decode(), "add-to-cart")
    browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "3", "form_token": token})
    browser.post("/requisitions/add-from-catalog/", {f"qty-{items['INK-1'].pk}": "1", "form_token": token})
    cart = Requisition.objects.get(requester=requester)
    assert sorted(cart.lines.values_list("supplier_part_id", flat=True)) == ["INK-1", "PEN-1"]


def test_a_form_that_failed_answers_its_error_again_and_adds_nothing(browser, requester, items):
    form = {f"qty-{items['PEN-1'].pk}": "lots", "form_token": "t" * 22}
    first = browser.post("/requisitions/add-from-catalog/", form)
    again = browser.post("/requisitions/add-from-catalog/", form)
    refused = ("error", "Nothing was added: 1 quantity cannot be ordered. PEN-1: 'lots' is not a number.")
    assert told(first) == [refused]
    assert told(again) == [refused]  # said once, though both were answered
    assert told(browser.post("/requisitions/add-from-catalog/", form)) == [refused]
    assert again["Location"] == first["Location"]
    assert not Requisition.objects.filter(requester=requester).exists()


def test_posts_without_a_token_act_as_before(browser, requester, items):
    for _ in range(2):
        browser.post("/requisitions/add-from-catalog/", {f"qty-{items['PEN-1'].pk}": "3"})
    [line] = Requisition.objects.get(requester=requester).lines.all()
    assert line.quantity == 6


def test_submit_for_approval_twice_submits_once_and_shows_no_error(browser, filled_cart):
    token = token_of(browser.get(f"/requisitions/{filled_cart.pk}/").content.decode(), "cart-form")
    form = {"action": "submit", "title": filled_cart.title, "form_token": token}
    first = browser.post(f"/requisitions/{filled_cart.pk}/save/", form)
    again = browser.post(f"/requisitions/{filled_cart.pk}/save/", form)

    filled_cart.refresh_from_db()
    assert filled_cart.status != Requisition.Status.DRAFT
    assert again["Location"] == first["Location"] == f"/requisitions/{filled_cart.pk}/"
    assert told(again) == [
        ("success", f"{filled_cart.number} is in approval."),
        ("info", "Already done: the cart was not changed again."),
    ]
    assert filled_cart.events.filter(kind=RequisitionEvent.Kind.STATUS, from_status="draft").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_racing_add_the_quantity_once(requester, items):
    from django.test import Client

    from tests.concurrency import run_concurrently

    form = {f"qty-{items['PEN-1'].pk}": "3", "next": "/catalog/", "form_token": "r" * 22}

    def post():
        client = Client()
        client.force_login(requester.user)
        return client.post("/requisitions/add-from-catalog/", form)

    results = run_concurrently([post, post, post])
    assert [r.status_code for r in results] == [302, 302, 302]
    assert {r["Location"] for r in results} == {"/catalog/"}  # type: ignore[index]
    [line] = Requisition.objects.get(requester=requester).lines.all()
    assert line.quantity == 3
