"""Outgoing webhooks: the events of a legal entity POSTed as signed JSON to the URLs its administrators chose.

- A delivery row is written in the transaction of what happened and its task queued on commit; nothing is
  sent for work that rolled back.
- No transaction is held while we talk to the receiver: a sender claims the row in a short transaction (a
  lease in `claimed_until`, SKIP LOCKED), posts with none open, and records the attempt in a second one.
- A 2xx answer delivers; anything else (an HTTP error, a timeout, a refused address) is retried after 1 min,
  5 min, 30 min, 2 h and 12 h (settings.WEBHOOK_RETRY_SECONDS), then the delivery has failed. Beat's sweep
  sends retries that are due (a lost timed task, a worker that died mid-send).
- Signature: `X-Procurement-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`,
  `X-Procurement-Timestamp: <unix seconds>` (docs/notifications.md says how to verify it).
- The secret is stored encrypted and shown once, when the webhook is made; errors kept in the log are masked.
"""

import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from procurement.models import LegalEntity
from procurement.task_queue import task_enqueue
from punchout.redact import redact_text
from punchout.web_addresses import WebAddressRefused, web_address_parse

from .models import TEST_EVENT, Kind, Webhook, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.webhook_deliver"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LEASE_SECONDS = 60.0
EARLY_ALLOWED = timedelta(milliseconds=250)
RESPONSE_KEPT = 200
DEFAULT_RETRY_SECONDS = (60, 300, 1800, 7200, 43200)
EVENTS = (*Kind.values, TEST_EVENT)
SECRET_BYTES = 32


class WebhookTargetRefused(ValueError):
    """A URL we will not post to; `message` says why in words an administrator understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def retry_schedule() -> tuple[float, ...]:
    """Seconds before each retry; the delivery fails after the last (so len + 1 attempts in all)."""
    return tuple(float(s) for s in getattr(settings, "WEBHOOK_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))


def _address_allowed(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def webhook_target_check(url: str, *, resolve: bool = True) -> str:
    """The URL as we will post to it (WHATWG-normalised by punchout.web_addresses), or WebhookTargetRefused:
    http(s) only (https only when settings.WEBHOOK_HTTPS_ONLY), no user name or password, and no loopback,
    private, link-local or reserved address unless settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES (tests on localhost).
    With `resolve` the host's DNS answers are checked too (at save time and before every send)."""
    try:
        address = web_address_parse(url.strip())
    except WebAddressRefused as refused:
        raise WebhookTargetRefused(refused.message) from None
    if getattr(settings, "WEBHOOK_HTTPS_ONLY", False) and address.scheme != "https":
        raise WebhookTargetRefused("Only https addresses are accepted.")
    if not getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False):
        host = address.host.strip("[]")
        if host == "localhost" or host.endswith(".localhost"):
            raise WebhookTargetRefused("The address is on this machine (localhost): not accepted.")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            if not _address_allowed(host):
                raise WebhookTargetRefused("The address is a private, loopback or reserved one: not accepted.")
        elif resolve:
            try:
                answers = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            except (OSError, UnicodeError):
                raise WebhookTargetRefused(f"The host {host[:100]} cannot be resolved.") from None
            if not answers or not all(_address_allowed(str(answer[4][0])) for answer in answers):
                raise WebhookTargetRefused(
                    f"The host {host[:100]} resolves to a private, loopback or reserved address: not accepted."
                )
    return address.href


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(SECRET_BYTES)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `timestamp + "." + body` with the secret."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_signature_verify(
    *, secret: str, timestamp: str, body: bytes, signature: str, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """What a receiver does (docs/notifications.md): recompute, compare in constant time, refuse old timestamps."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance_seconds:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", errors="replace"))


# --- queueing ------------------------------------------------------------------------------------


def _payload(delivery: WebhookDelivery, legal_entity: LegalEntity, event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(delivery.uuid),
        "event": event,
        "created": timezone.now().isoformat(),
        "legal_entity": legal_entity.code,
        "data": data,
    }


def webhook_enqueue(delivery_id: int, delay: float = 0.0) -> None:
    # A broker that stays away is logged, not raised: the row is pending and due, so the sweeper sends it.
    task_enqueue(DELIVER_TASK, kwargs={"delivery_id": delivery_id}, countdown=delay if delay > 0 else None)


def webhooks_for(*, legal_entity: LegalEntity, event: str) -> list[Webhook]:
    """The active webhooks of the entity subscribed to `event`."""
    return [
        hook for hook in Webhook.objects.filter(legal_entity=legal_entity, active=True) if event in (hook.events or [])
    ]


def webhook_event_queue(
    *, legal_entity: LegalEntity, event: str, data: dict[str, Any], hooks: list[Webhook] | None = None
) -> list[WebhookDelivery]:
    """A delivery for each active webhook of the entity subscribed to `event` (`hooks`, when the caller read them
    already: webhooks_for), sent once this commits."""
    if hooks is None:
        hooks = webhooks_for(legal_entity=legal_entity, event=event)
    # JSON-safe now (dates, decimals), so what is stored is what is sent.
    clean = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    made = []
    for hook in hooks:
        delivery = WebhookDelivery(webhook=hook, event=event, payload={}, next_attempt_at=timezone.now())
        delivery.payload = _payload(delivery, legal_entity, event, clean)
        delivery.save()
        made.append(delivery)
        transaction.on_commit(functools.partial(webhook_enqueue, delivery.pk))
    return made


def webhook_test_send(*, webhook: Webhook) -> WebhookDelivery:
    """The "Send test event" button: a `webhook.test` delivery to this webhook alone."""
    with transaction.atomic():
        delivery = WebhookDelivery(webhook=webhook, event=TEST_EVENT, payload={}, next_attempt_at=timezone.now())
        delivery.payload = _payload(
            delivery, webhook.legal_entity, TEST_EVENT, {"webhook": webhook.name, "message": "A test event."}
        )
        delivery.save()
        transaction.on_commit(lambda: webhook_enqueue(delivery.pk))
    return delivery


# --- sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    delivery: WebhookDelivery
    number: int


def _claim(delivery_id: int) -> _Claim | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            # FOR NO KEY UPDATE: FOR UPDATE would also skip the row while a transaction that references it (an
            # attempt being logged) holds its key-share lock, and the delivery would wait for the sweeper.
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .select_related("webhook__legal_entity")
            .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
            .first()
        )
        if delivery is None:
            return None
        due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now + EARLY_ALLOWED
        free = delivery.claimed_until is None or delivery.claimed_until <= now
        if not (due and free):
            return None
        delivery.attempts += 1
        delivery.claimed_until = now + timedelta(seconds=LEASE_SECONDS)
        delivery.save(update_fields=["attempts", "claimed_until"])
    return _Claim(delivery, delivery.attempts)


def webhook_deliver(*, delivery_id: int) -> str:
    """Try once to post a pending delivery that is due: delivered, retry, failed or skipped.

    Call it outside any transaction (a Celery task): no lock is held while the receiver answers."""
    claim = _claim(delivery_id)
    if claim is None:
        return "skipped"
    delivery = claim.delivery
    hook = delivery.webhook
    started = timezone.now()
    clock = time.monotonic()
    status_code: int | None = None
    error = ""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    try:
        url = webhook_target_check(hook.url)
        timestamp = str(int(time.time()))
        response = httpx.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "procurement-webhooks/1",
                "X-Procurement-Event": delivery.event,
                "X-Procurement-Delivery": str(delivery.uuid),
                "X-Procurement-Timestamp": timestamp,
                "X-Procurement-Signature": webhook_signature(secret=hook.secret, timestamp=timestamp, body=body),
            },
            timeout=TIMEOUT,
            follow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:RESPONSE_KEPT]}"
    except WebhookTargetRefused as refused:
        error = refused.message
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a bug or a time limit: recorded and retried like a transport error
        logger.error("webhook delivery %s: unexpected %s", delivery.pk, type(exc).__name__)
        error = f"{type(exc).__name__}: {exc}"
    error = _masked(error, hook.secret)
    duration = int((time.monotonic() - clock) * 1000)
    return _record(claim, started, duration, status_code, error)


def _masked(text: str, secret: str) -> str:
    """An error as we keep and show it: credentials, the secret and any signature never appear."""
    text = redact_text(text)
    if secret:
        text = text.replace(secret, "********")
    return text[:500]


def _record(claim: _Claim, started: Any, duration: int, status_code: int | None, error: str) -> str:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=claim.delivery.pk)
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=claim.number,
            started_at=started,
            duration_ms=min(duration, 2**31 - 1),
            status_code=status_code,
            error=error,
        )
        delivery.claimed_until = None
        delivery.last_status_code = status_code
        delivery.last_error = error
        schedule = retry_schedule()
        retry_in = 0.0
        if not error:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            outcome = "delivered"
        elif delivery.attempts <= len(schedule):
            retry_in = schedule[delivery.attempts - 1]
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            outcome = "retry"
        else:
            delivery.state = WebhookDelivery.State.FAILED
            delivery.next_attempt_at = None
            outcome = "failed"
        delivery.save()
        logger.info("webhook delivery %s attempt %s: %s", delivery.pk, claim.number, outcome)
        if outcome == "retry":
            pk = delivery.pk
            transaction.on_commit(lambda: webhook_enqueue(pk, retry_in))
    return outcome


def webhook_deliveries_sweep(*, now: Any = None) -> int:
    """Beat: queue every pending delivery that is due and not being sent (a lost or early task)."""
    moment = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=moment)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=moment))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        webhook_enqueue(pk)
    return len(due)


# --- managing webhooks -----------------------------------------------------------------------------


def webhook_events_clean(events: Any) -> list[str]:
    """The subscribed events, each one we send; WebhookTargetRefused-like ValueError otherwise."""
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        raise ValueError("events must be a list of event names.")
    unknown = sorted(set(events) - set(Kind.values))
    if unknown:
        raise ValueError(f"Unknown events: {', '.join(e[:40] for e in unknown[:5])}.")
    return [event for event in Kind.values if event in set(events)]


@transaction.atomic
def webhook_create(
    *, legal_entity: LegalEntity, name: str, url: str, events: list[str], by: Any
) -> tuple[Webhook, str]:
    """A new webhook and its secret, which is shown this once (stored encrypted, never shown again)."""
    secret = webhook_secret_new()
    hook = Webhook.objects.create(
        legal_entity=legal_entity,
        name=name.strip()[:100],
        url=webhook_target_check(url),
        events=webhook_events_clean(events),
        secret=secret,
        created_by=by,
    )
    return hook, secret


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    name: str | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    active: bool | None = None,
) -> Webhook:
    """Change a webhook's name, URL, events or whether it is active; the secret stays."""
    hook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if name is not None:
        hook.name = name.strip()[:100]
    if url is not None:
        hook.url = webhook_target_check(url)
    if events is not None:
        hook.events = webhook_events_clean(events)
    if active is not None:
        hook.active = active
    hook.save()
    return hook
