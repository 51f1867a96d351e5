"""Outgoing webhooks against a real HTTP receiver on localhost: signed, retried with backoff after a failing first
delivery, logged per attempt, isolated per legal entity, the secret never shown back."""

import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from notifications.models import Kind, Webhook, WebhookDelivery
from notifications.webhooks import (
    WebhookTargetRefused,
    webhook_create,
    webhook_event_queue,
    webhook_signature_verify,
    webhook_target_check,
)
from procurement.models import Role
from tests.approvals.helpers import submitted
from tests.factories import Company
from tests.waiting import wait_until


@dataclass
class Receiver:
    """An HTTP server in a thread: answers each POST with the next status of `answers` (then 200), keeps them."""

    answers: list[int]
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    got = Receiver(answers=[500])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = got.answers.pop(0) if got.answers else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"boom" if status >= 400 else b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/procurement"
    yield got
    server.shutdown()
    server.server_close()


def make_admin(acme: Company) -> None:
    """dave administers the company's entities."""
    role = Role.objects.get_or_create(code=Role.ADMIN, defaults={"name": "Administrator"})[0]
    acme.dave.roles.add(role)


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: run through scripts/testenv.py")
def test_a_failing_first_delivery_is_retried_signed_and_logged_by_a_real_worker(
    acme: Company, receiver: Receiver, redis_worker, settings, client, caplog
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_RETRY_SECONDS = [1, 1, 1]
    make_admin(acme)
    client.force_login(acme.dave.user)
    caplog.set_level(logging.DEBUG)

    # An administrator adds the webhook by the API; the secret comes back this once
    created = client.post(
        "/api/v1/webhooks/?legal_entity=ACME-FR",
        {"name": "Chat", "url": receiver.url, "events": [Kind.TASK_ASSIGNED, Kind.APPROVED]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    hook_id = created.json()["id"]
    assert secret.startswith("whsec_") and len(secret) > 40

    # When alice submits (bob gets a task), the worker posts; the receiver answers 500, then 200 a second later
    requisition = submitted("500")
    delivered = wait_until(
        lambda: WebhookDelivery.objects.filter(webhook_id=hook_id, state="delivered").exists(), seconds=60
    )
    assert delivered, list(WebhookDelivery.objects.values("state", "attempts", "last_error"))
    delivery = WebhookDelivery.objects.get(webhook_id=hook_id)
    assert delivery.attempts == 2 and delivery.last_status_code == 200 and delivery.delivered_at is not None
    assert len(receiver.received) == 2

    # Then both posts are the same event, signed with the secret over timestamp + "." + body
    for headers, body in receiver.received:
        assert headers["x-procurement-event"] == "approval.task_assigned"
        assert headers["x-procurement-delivery"] == str(delivery.uuid)
        assert headers["content-type"] == "application/json"
        timestamp, signature = headers["x-procurement-timestamp"], headers["x-procurement-signature"]
        expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature, expected)
        assert webhook_signature_verify(secret=secret, timestamp=timestamp, body=body, signature=signature)
        assert not webhook_signature_verify(secret="whsec_wrong", timestamp=timestamp, body=body, signature=signature)
    payload = json.loads(receiver.received[1][1])
    assert set(payload) == {"id", "event", "created", "legal_entity", "data"}
    assert payload["id"] == str(delivery.uuid) and payload["legal_entity"] == "ACME-FR"
    assert payload["data"]["requisition"]["number"] == requisition.number
    assert payload["data"]["total"] == {"amount": "500.00", "currency": "EUR"}
    assert payload["data"]["link"].endswith("/approvals/") and "/approvals/email/" not in json.dumps(payload)

    # The delivery log (page and API) shows both attempts, and the secret appears nowhere
    page = client.get(f"/notifications/webhooks/{hook_id}/").content.decode()
    assert page.count('class="small text-body-secondary delivery-attempt"') == 2
    assert "HTTP 500" in page and "HTTP 200" in page
    log = client.get(f"/api/v1/webhooks/{hook_id}/deliveries/?legal_entity=ACME-FR").json()["results"]
    assert [(a["number"], a["status_code"]) for a in log[0]["attempt_log"]] == [(1, 500), (2, 200)]
    assert log[0]["attempt_log"][0]["error"] == "HTTP 500: boom"
    shown = [
        page,
        json.dumps(log),
        client.get("/api/v1/webhooks/?legal_entity=ACME-FR").content.decode(),
        client.get(f"/api/v1/webhooks/{hook_id}/?legal_entity=ACME-FR").content.decode(),
        client.get("/notifications/webhooks/").content.decode(),
        caplog.text,
        json.dumps(list(WebhookDelivery.objects.values("payload", "last_error"))),
    ]
    assert not [text for text in shown if secret in text]
    assert Webhook.objects.values_list("secret", flat=True).get(pk=hook_id) == secret  # decrypted in Python only
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhook WHERE id = %s", [hook_id])
        stored = cursor.fetchone()[0]
    assert stored.startswith("encrypted:fernet:") and secret not in stored
    assert not [m for m in mail.outbox if secret in m.body]


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: run through scripts/testenv.py")
def test_the_send_test_event_button_and_a_delivery_that_fails_for_good(
    acme: Company, receiver: Receiver, redis_worker, settings, client
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_RETRY_SECONDS = [1]
    receiver.answers = [503, 503]
    make_admin(acme)
    hook, _secret = webhook_create(
        legal_entity=acme.france, name="Ops", url=receiver.url, events=[Kind.SHIPPED], by=acme.dave.user
    )
    client.force_login(acme.dave.user)
    answer = client.post(f"/notifications/webhooks/{hook.pk}/test/")
    assert answer.status_code == 302
    assert wait_until(lambda: WebhookDelivery.objects.filter(webhook=hook, state="failed").exists(), seconds=60)
    failed = WebhookDelivery.objects.get(webhook=hook)
    assert failed.event == "webhook.test" and failed.attempts == 2 and failed.last_status_code == 503
    assert [headers["x-procurement-event"] for headers, _body in receiver.received] == ["webhook.test"] * 2


def test_events_reach_only_the_webhooks_of_their_entity_and_their_events(acme: Company, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    france, _ = webhook_create(
        legal_entity=acme.france, name="FR", url="http://127.0.0.1:9/a", events=[Kind.APPROVED], by=None
    )
    france_other, _ = webhook_create(
        legal_entity=acme.france, name="FR shipping", url="http://127.0.0.1:9/b", events=[Kind.SHIPPED], by=None
    )
    sweden, _ = webhook_create(
        legal_entity=acme.sweden, name="SE", url="http://127.0.0.1:9/c", events=[Kind.APPROVED], by=None
    )
    webhook_event_queue(legal_entity=acme.france, event=Kind.APPROVED, data={"requisition": {"number": "R-1"}})
    assert list(WebhookDelivery.objects.values_list("webhook__name", flat=True)) == ["FR"]
    assert not WebhookDelivery.objects.filter(webhook__in=[france_other, sweden]).exists()
    assert france.deliveries.get().payload["legal_entity"] == "ACME-FR"


def test_only_admins_of_the_entity_see_its_webhooks(acme: Company, client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    make_admin(acme)
    swedish, _ = webhook_create(
        legal_entity=acme.sweden, name="SE", url="http://127.0.0.1:9/c", events=[Kind.APPROVED], by=None
    )
    client.force_login(acme.alice.user)  # a requester
    assert client.get("/notifications/webhooks/").status_code == 403
    assert client.get("/api/v1/webhooks/").json()["code"] == "not_an_admin"
    client.force_login(acme.dave.user)
    assert client.get("/api/v1/webhooks/?legal_entity=ACME-FR").json() == {"results": []}
    assert client.get(f"/api/v1/webhooks/{swedish.pk}/?legal_entity=ACME-FR").status_code == 404
    assert client.get(f"/notifications/webhooks/{swedish.pk}/").status_code == 404  # acting for ACME-FR
    listed = client.get("/api/v1/webhooks/?legal_entity=ACME-SE").json()["results"]
    assert [h["name"] for h in listed] == ["SE"] and "secret" not in listed[0]


def test_webhook_pages_make_one_and_show_the_secret_once(acme: Company, client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    make_admin(acme)
    client.force_login(acme.dave.user)
    made = client.post(
        "/notifications/webhooks/",
        {"name": "Teams", "url": "http://127.0.0.1:9/teams", "events": [Kind.APPROVED, Kind.REJECTED], "active": "on"},
    )
    assert made.status_code == 200
    hook = Webhook.objects.get(name="Teams")
    assert hook.secret in made.content.decode() and 'id="webhook-secret"' in made.content.decode()
    assert hook.secret not in client.get("/notifications/webhooks/").content.decode()
    assert hook.secret not in client.get(f"/notifications/webhooks/{hook.pk}/").content.decode()

    refused = client.post(
        "/notifications/webhooks/", {"name": "Bad", "url": "http://user:pw@127.0.0.1/x", "events": [Kind.APPROVED]}
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "is-invalid" in body and "user name or password" in body and 'value="Bad"' in body


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/x", "Only http and https"),
        ("https://user:secret@example.com/x", "user name or password"),
        ("http://127.0.0.1:8000/x", "private, loopback or reserved"),
        ("http://10.1.2.3/x", "private, loopback or reserved"),
        ("http://[::1]/x", "private, loopback or reserved"),
        ("http://2130706433/x", "private, loopback or reserved"),  # 127.0.0.1 written as a number
        ("http://169.254.169.254/latest/meta-data", "private, loopback or reserved"),
        ("http://localhost:8000/x", "localhost"),
    ],
)
def test_target_urls_are_checked(settings, url, why):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(WebhookTargetRefused) as refused:
        webhook_target_check(url, resolve=False)
    assert why in refused.value.message


def test_https_only_in_production(settings):
    settings.WEBHOOK_HTTPS_ONLY = True
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(WebhookTargetRefused, match="Only https"):
        webhook_target_check("http://127.0.0.1/x")
    assert webhook_target_check("https://127.0.0.1/x") == "https://127.0.0.1/x"


def test_the_api_refuses_bad_webhooks_with_a_code(acme: Company, client, settings):
    make_admin(acme)
    client.force_login(acme.dave.user)
    cases = [
        ({"name": "", "url": "https://example.com/", "events": [Kind.APPROVED]}, "invalid"),
        ({"name": "X", "url": "https://example.com/", "events": ["order.exploded"]}, "invalid"),
        ({"name": "X", "url": "http://10.0.0.1/", "events": [Kind.APPROVED]}, "invalid_webhook_url"),
        ([1, 2], "invalid"),
    ]
    for body, code in cases:
        answer = client.post("/api/v1/webhooks/", body, content_type="application/json")
        assert answer.status_code == 400 and answer.json()["code"] == code, (body, answer.content)
    assert not Webhook.objects.exists()


def test_the_secret_is_not_kept_for_an_idempotent_replay(acme: Company, client, settings):
    from procurement.models import IdempotencyKey

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    make_admin(acme)
    client.force_login(acme.dave.user)
    made = client.post(
        "/api/v1/webhooks/",
        {"name": "Chat", "url": "http://127.0.0.1:9/x", "events": [Kind.APPROVED]},
        content_type="application/json",
        headers={"Idempotency-Key": "webhook-1"},
    )
    assert made.status_code == 201 and made.json()["secret"]
    assert not IdempotencyKey.objects.exists()
