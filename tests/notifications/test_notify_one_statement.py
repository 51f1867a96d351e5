"""On PostgreSQL a batch of messages is written in one statement (notifications.services._written_as_chosen: each
person's channel and digest read by the INSERT that keeps their rows): the same notification rows, in the same
order, and the same e-mails as reading the choices first and inserting after (_chosen_then_written, what SQLite
runs and what every database ran before), for every channel, with and without a digest or an address, in two
languages, with a webhook or without."""

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import notifications.services as services
from notifications.models import Channel, Kind, Notification, Webhook
from notifications.services import Notice, Recipient, notify_each, preferences_save
from procurement.money import Money
from tests.factories import Company

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.postgres]


def written_rows() -> list[dict[str, Any]]:
    """Every notification row, in id order, without its id and time."""
    return [
        {k: v for k, v in row.items() if k not in ("id", "created")}
        for row in Notification.objects.order_by("pk").values()
    ]


def run(way: Any, monkeypatch, acme: Company, *, legal_entity: Any) -> tuple[list[Any], list[Any], list[Any], int]:
    """notify_each on the company's people, writing its rows `way`; the rows, the notifications it returned and the
    e-mails sent when the transaction commits (all taken back after)."""
    monkeypatch.setattr(services, "_written_as_chosen", way)
    people = [acme.alice, acme.bob, acme.carol, acme.dave, acme.erin, acme.frank]
    parts = {
        "requester": "Alice Martin",
        "number": "REQ-1",
        "title": "Laptops",
        "total": Money.from_minor(550000, "EUR"),
        "lines": [],
        "hours": 48,
        "needs_login": False,
        "step": "Manager: Bob Dubois",
        "step_reason": "",
    }
    notices = [
        Notice(
            recipients=[Recipient(p.user, {"decision_link": f"https://p2p.example/d/{p.pk}/"}) for p in people]
            + [acme.bob.user],  # twice in one notice: told once
            context=parts,
            data={"n": 1},
        ),
        Notice(recipients=[acme.carol.user, acme.frank.user], context={**parts, "number": "REQ-2"}),
    ]
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(services, "task_enqueue_on_commit", lambda name, *, kwargs: sent.append((name, kwargs)))
    sid = transaction.savepoint()
    with CaptureQueriesContext(connection) as queries:
        returned = notify_each(
            notices=notices, kind=Kind.TASK_ASSIGNED, legal_entity=legal_entity, message="task_assigned", link="/x/"
        )
    rows = written_rows()
    given = [
        ({k: v for k, v in vars(n).items() if k not in ("_state", "id", "created")}, n.pk is not None, n._state.adding)
        for n in returned
    ]
    transaction.savepoint_rollback(sid)
    return rows, given, sent, len(queries)


@pytest.mark.parametrize("webhook", [False, True])
def test_one_statement_writes_the_rows_and_sends_the_mails_of_two(acme: Company, monkeypatch, webhook: bool):
    preferences_save(user=acme.bob.user, channels={Kind.TASK_ASSIGNED: Channel.EMAIL}, daily_digest=True)
    preferences_save(user=acme.carol.user, channels={Kind.TASK_ASSIGNED: Channel.IN_APP}, daily_digest=True)
    preferences_save(user=acme.dave.user, channels={Kind.TASK_ASSIGNED: Channel.NONE}, daily_digest=False)
    preferences_save(user=acme.erin.user, channels={Kind.APPROVED: Channel.NONE}, daily_digest=True)
    acme.frank.user.email = ""
    acme.frank.user.save(update_fields=["email"])
    acme.carol.language = "fr"
    acme.carol.save(update_fields=["language"])
    if webhook:
        Webhook.objects.create(
            legal_entity=acme.france,
            name="ERP",
            url="https://erp.example/hook",
            events=[Kind.TASK_ASSIGNED],
            secret="s3cret",
        )
    one = run(services._written_as_chosen, monkeypatch, acme, legal_entity=acme.france)
    two = run(services._chosen_then_written, monkeypatch, acme, legal_entity=acme.france)
    assert one[:3] == two[:3]
    assert one[3] == two[3] - 1 and (one[3] == 1 or webhook)
    rows, given, sent, _count = one
    # what each chose: alice both; bob e-mail kept for his digest; carol in the app only; dave nothing; erin both
    # with a digest (e-mail kept); frank has no address (in the app)
    assert [(r["recipient_id"], r["in_app"], r["for_digest"]) for r in rows] == [
        (acme.alice.user_id, True, False),
        (acme.bob.user_id, False, True),
        (acme.carol.user_id, True, False),
        (acme.erin.user_id, True, True),
        (acme.frank.user_id, True, False),
        (acme.carol.user_id, True, False),
        (acme.frank.user_id, True, False),
    ]
    assert all(g[1] and g[2] is False for g in given) and len(given) == len(rows)
    assert [(kwargs["email"], kwargs["language"]) for _name, kwargs in sent] == [("alice@acme.example", "en")]
    carol = [r["title"] for r in rows if r["recipient_id"] == acme.carol.user_id]
    assert len(carol) == 2 and carol[0] != rows[0]["title"]  # hers in French


def test_no_entity_and_nobody_told(acme: Company, monkeypatch):
    preferences_save(user=acme.alice.user, channels={Kind.TASK_ASSIGNED: Channel.NONE}, daily_digest=False)
    one = run(services._written_as_chosen, monkeypatch, acme, legal_entity=None)
    two = run(services._chosen_then_written, monkeypatch, acme, legal_entity=None)
    assert one[:3] == two[:3] and (one[3], two[3]) == (1, 2)
    with CaptureQueriesContext(connection) as queries:
        assert notify_each(notices=[], kind=Kind.TASK_ASSIGNED, legal_entity=None, message="task_assigned") == []
    assert len(queries) == 0
