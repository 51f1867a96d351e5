"""Punchout sessions (ours at a shop, and an ERP's punch-in at ours) move only as their tables allow, and every
move leaves one change-log row with no secret in it."""

import secrets
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from procurement.models import AuditEvent, Employee
from punchout.errors import PunchoutError
from punchout.models import InboundSession, PunchoutConnection, PunchoutSession
from punchout.tokens import token_hash
from punchout.transitions import (
    PUNCHIN_ALLOWED,
    PUNCHIN_EVENT_TYPE,
    SESSION_ALLOWED,
    SESSION_EVENT_TYPE,
    punchin_session_status_move,
    punchout_session_status_move,
)
from requisitions.services import requisition_create

from .test_inbound import post_setup, setup_request, shop_three_items, start_page
from .test_sessions import post_back, punch_out, shop

pytestmark = pytest.mark.django_db


def _pairs(table):
    return [(from_status, to_status) for from_status, targets in table.items() for to_status in sorted(targets)]


def _refused(table):
    return [(a, b) for a in table for b in table if a != b and b not in table[a]]


def _moves(event_type, obj):
    return [
        (e.data["from"], e.data["to"])
        for e in AuditEvent.objects.filter(event_type=event_type, object_id=str(obj.pk)).order_by("pk")
    ]


def alice() -> Employee:
    return Employee.objects.select_related("user").get(user__username="alice")


@pytest.fixture
def cart(organisation):
    return requisition_create(by=alice(), legal_entity=organisation.france, title="Shop run")


@pytest.fixture
def outbound(cart, shop_supplier) -> PunchoutSession:
    connection = PunchoutConnection.objects.create(
        supplier=shop_supplier, name="Shop", protocol="cxml", url="http://127.0.0.1:9/never-called"
    )
    return PunchoutSession.objects.create(
        connection=connection,
        employee=cart.requester,
        requisition=cart,
        token_hash=token_hash(secrets.token_urlsafe(32)),
        buyer_cookie="cookie-1",
        expires_at=timezone.now() + timedelta(hours=1),
    )


@pytest.fixture
def inbound(erp_client, organisation) -> InboundSession:
    return InboundSession.objects.create(
        client=erp_client,
        protocol=InboundSession.Protocol.CXML,
        buyer_cookie="erp-cookie-1",
        return_url="http://127.0.0.1:9999/erp/return",
        start_token_hash=token_hash(secrets.token_urlsafe(32)),
        start_expires_at=timezone.now() + timedelta(minutes=5),
        expires_at=timezone.now() + timedelta(hours=1),
        employee=alice(),
    )


@pytest.mark.parametrize(("from_status", "to_status"), _pairs(SESSION_ALLOWED))
def test_every_allowed_session_move_moves_and_logs_one_event(outbound, organisation, from_status, to_status):
    PunchoutSession.objects.filter(pk=outbound.pk).update(status=from_status)
    outbound.refresh_from_db()

    punchout_session_status_move(session=outbound, to_status=to_status, comment="why")

    outbound.refresh_from_db()
    assert outbound.status == to_status
    event = AuditEvent.objects.get(event_type=SESSION_EVENT_TYPE)
    assert (event.object_type, event.object_id, event.actor, event.legal_entity) == (
        "punchout.PunchoutSession",
        str(outbound.pk),
        alice().user,
        organisation.france,
    )
    assert event.data == {"from": from_status, "to": to_status, "comment": "why"}


@pytest.mark.parametrize(("from_status", "to_status"), _refused(SESSION_ALLOWED))
def test_a_session_move_not_in_the_table_is_refused_and_writes_nothing(outbound, from_status, to_status):
    PunchoutSession.objects.filter(pk=outbound.pk).update(status=from_status)
    outbound.refresh_from_db()

    with pytest.raises(PunchoutError) as refused:
        punchout_session_status_move(session=outbound, to_status=to_status)

    assert refused.value.code == "transition_not_allowed"
    outbound.refresh_from_db()
    assert outbound.status == from_status
    assert not AuditEvent.objects.filter(event_type=SESSION_EVENT_TYPE).exists()


@pytest.mark.parametrize(("from_status", "to_status"), _pairs(PUNCHIN_ALLOWED))
def test_every_allowed_punchin_move_moves_and_logs_one_event(inbound, erp_client, from_status, to_status):
    InboundSession.objects.filter(pk=inbound.pk).update(status=from_status)
    inbound.refresh_from_db()

    punchin_session_status_move(session=inbound, to_status=to_status, comment="why")

    inbound.refresh_from_db()
    assert inbound.status == to_status
    event = AuditEvent.objects.get(event_type=PUNCHIN_EVENT_TYPE)
    assert (event.object_type, event.object_id, event.actor, event.legal_entity) == (
        "punchout.InboundSession",
        str(inbound.pk),
        alice().user,
        erp_client.legal_entity,
    )
    assert event.data == {"from": from_status, "to": to_status, "comment": "why"}


@pytest.mark.parametrize(("from_status", "to_status"), _refused(PUNCHIN_ALLOWED))
def test_a_punchin_move_not_in_the_table_is_refused_and_writes_nothing(inbound, from_status, to_status):
    InboundSession.objects.filter(pk=inbound.pk).update(status=from_status)
    inbound.refresh_from_db()

    with pytest.raises(PunchoutError) as refused:
        punchin_session_status_move(session=inbound, to_status=to_status)

    assert refused.value.code == "transition_not_allowed"
    inbound.refresh_from_db()
    assert inbound.status == from_status
    assert not AuditEvent.objects.filter(event_type=PUNCHIN_EVENT_TYPE).exists()


def test_a_punchout_session_returned_logs_its_move(client, cart, cxml_connection, site):
    client.force_login(alice().user)
    start_url = punch_out(client, cart, cxml_connection)
    action, fields = shop(start_url, {"SHOP-PEN": 2})

    assert post_back(action, fields).status_code == 303

    session = PunchoutSession.objects.get()
    assert session.status == "returned"
    assert _moves(SESSION_EVENT_TYPE, session) == [("open", "returned")]


@pytest.mark.usefixtures("punch_in")
def test_a_punch_in_transferred_logs_its_moves_in_order(client):
    url = start_page(post_setup(client, setup_request()))
    browser = Client()
    browser.get(urlparse(url).path)
    shop_three_items(browser)

    assert browser.post("/punchout/inbound/transfer/").status_code == 200

    session = InboundSession.objects.get()
    assert session.status == "transferred"
    assert _moves(PUNCHIN_EVENT_TYPE, session) == [("pending", "shopping"), ("shopping", "transferred")]
    # The log holds statuses and a why, never the buyer cookie, a token or the return URL.
    for event in AuditEvent.objects.filter(event_type=PUNCHIN_EVENT_TYPE):
        assert set(event.data) == {"from", "to", "comment"}
        assert "erp-cookie-1" not in str(event.data) and "erp/return" not in str(event.data)
