"""When the supplier acknowledges or answers a claim through its link, the person who raised it and the entity's
buyers are told in the app, and by e-mail as each chose."""

from datetime import timedelta

from django.core import mail
from django.template.defaultfilters import date as date_format
from django.test import Client
from django.utils import timezone

from claims.models import Claim
from notifications.models import Channel, Kind, Notification, NotificationPreference

from .conftest import link_in
from .test_claim_flow import raise_on_page


def notices():
    return [
        (n.recipient.username, n.kind, n.title, n.body, n.link, n.in_app)
        for n in Notification.objects.filter(kind=Kind.CLAIM_ANSWERED).order_by("pk").select_related("recipient")
    ]


def test_the_raiser_and_the_buyers_hear_the_acknowledgement_and_the_credit_note(delivery):
    # Given wendy's claim, and a buyer who chose to be told in the app only
    buyer = delivery.world.buyer.user
    NotificationPreference.objects.create(user=buyer, kind=Kind.CLAIM_ANSWERED, channel=Channel.IN_APP)
    raise_on_page(delivery)
    claim = Claim.objects.get()
    link = link_in(mail.outbox[0])
    mail.outbox.clear()
    page = f"/claims/{claim.pk}/"

    # When the supplier acknowledges it through its link
    with delivery.committed(execute=True):
        Client().post(link, {"action": "acknowledge"})

    # Then both are told in the app; wendy (no preference: both) is e-mailed too, the buyer is not
    acknowledged = "Supplier BOLTS acknowledged claim CL-FR-TEST-000001"
    seen = f"Supplier BOLTS has seen claim CL-FR-TEST-000001 on order {delivery.order.number} and will answer it."
    assert notices() == [
        (buyer.username, "claim.answered", acknowledged, seen, page, True),
        ("wendy", "claim.answered", acknowledged, seen, page, True),
    ]
    assert [(m.to, m.subject) for m in mail.outbox] == [([delivery.warehouse.user.email], acknowledged)]
    assert f"http://127.0.0.1:8000{page}" in mail.outbox[0].body

    # When it answers a credit note of 20.00 (acknowledging twice tells nobody again)
    with delivery.committed(execute=True):
        Client().post(link, {"action": "acknowledge"})
        Client().post(link, {"answer": "credit_note", "credit_amount": "20.00", "note": "Sorry"})

    # Then each hears the credit note, with the supplier's note
    answered = "Supplier BOLTS answered claim CL-FR-TEST-000001"
    credited = (
        f"Supplier BOLTS credits 20.00\xa0EUR for claim CL-FR-TEST-000001 on order {delivery.order.number} "
        "(credit note CL-FR-TEST-000001).\n\nSorry"
    )
    assert notices()[2:] == [
        (buyer.username, "claim.answered", answered, credited, page, True),
        ("wendy", "claim.answered", answered, credited, page, True),
    ]
    assert [(m.to, m.subject) for m in mail.outbox[1:]] == [([delivery.warehouse.user.email], answered)]


def test_a_replacement_and_a_rejection_are_told_with_their_date_and_reason(delivery):
    raise_on_page(delivery, quantity="1")
    raise_on_page(delivery, quantity="1", kind="quality")
    links = [link_in(message) for message in mail.outbox]
    day = timezone.localdate() + timedelta(days=3)

    Client().post(links[0], {"answer": "replacement", "replacement_date": day.isoformat()})
    Client().post(links[1], {"answer": "rejection", "reason": "Damaged in your warehouse"})

    order = delivery.order.number
    told = [(title, body) for _who, _kind, title, body, _link, _in_app in notices() if _who == "wendy"]
    assert told == [
        (
            "Supplier BOLTS answered claim CL-FR-TEST-000001",
            f"Supplier BOLTS sends a replacement for claim CL-FR-TEST-000001 on order {order}, to arrive by "
            f"{date_format(day, 'DATE_FORMAT')}.",
        ),
        (
            "Supplier BOLTS rejected claim CL-FR-TEST-000002",
            f"Supplier BOLTS rejected claim CL-FR-TEST-000002 on order {order}: Damaged in your warehouse",
        ),
    ]
