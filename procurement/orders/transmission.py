"""Sending orders: the outbox row of each revision is sent by a Celery task, exactly once at the supplier.

- The payloadID is fixed per revision, so a retry is the identical document (suppliers drop repeats).
- A row is sent under its row lock (SKIP LOCKED): a redelivered task and the sweeper never send it twice
  at the same time, and a row that is `sent` is never sent again.
- Transport errors, HTTP 5xx and cXML 5xx statuses are retried with exponential backoff; HTTP or cXML
  4xx are not. After the last try the order is marked failed and the buyers are told; "resend" starts over.
- Every attempt is logged with what went out (shared secret masked) and what came back.
"""

import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from procurement.models import Employee
from punchout import cxml

from .documents import order_pdf, order_request_document
from .models import PurchaseOrder, Transmission, TransmissionAttempt

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "ORDER_TRANSMISSION_ATTEMPTS", 8)
BASE_DELAY = getattr(settings, "ORDER_TRANSMISSION_BASE_SECONDS", 30.0)
MAX_DELAY = 3600.0
TIMEOUT = 30.0


def retry_delay(attempts: int) -> float:
    """30 s, 1 min, 2 min … capped at an hour (BASE_DELAY doubles per attempt)."""
    return float(min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY))


def transmission_enqueue(transmission_id: int, delay: float = 0.0) -> None:
    from .tasks import purchase_order_transmit

    if delay > 0:
        if purchase_order_transmit.app.conf.task_always_eager:
            return  # in-process tasks cannot wait: the sweeper or "resend" picks the row up when due
        purchase_order_transmit.apply_async(kwargs={"transmission_id": transmission_id}, countdown=delay)
    else:
        purchase_order_transmit.delay(transmission_id=transmission_id)


class _Outcome:
    SENT, RETRY, FAILED = "sent", "retry", "failed"


def transmission_send(*, transmission_id: int) -> str:
    """Try once to send a pending transmission. Returns what happened: sent, retry, failed, or skipped."""
    with transaction.atomic():
        transmission = (
            Transmission.objects.select_for_update(skip_locked=True)
            .select_related("purchase_order__supplier", "revision")
            .filter(pk=transmission_id)
            .first()
        )
        if transmission is None:
            return "skipped"  # someone else is sending it right now
        if transmission.status not in (Transmission.Status.PENDING, Transmission.Status.RETRYING):
            return "skipped"  # sent, failed or manual: never again by itself
        order = transmission.purchase_order
        transmission.attempts += 1
        attempt = TransmissionAttempt(
            transmission=transmission, number=transmission.attempts, started_at=timezone.now()
        )
        if transmission.method == "email":
            outcome = _send_email(order, transmission, attempt)
        else:
            outcome = _send_cxml(order, transmission, attempt)
        attempt.finished_at = timezone.now()
        attempt.outcome = outcome
        attempt.save()
        retry_in = 0.0
        if outcome == _Outcome.SENT:
            transmission.status = Transmission.Status.SENT
            transmission.sent_at = timezone.now()
            transmission.next_attempt_at = None
            transmission.last_error = ""
            if order.status in (PurchaseOrder.Status.ISSUED, PurchaseOrder.Status.FAILED):
                order.status = PurchaseOrder.Status.SENT
                order.save(update_fields=["status"])
        elif outcome == _Outcome.RETRY and transmission.attempts < MAX_ATTEMPTS:
            retry_in = retry_delay(transmission.attempts)
            transmission.status = Transmission.Status.RETRYING
            transmission.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            transmission.last_error = attempt.error[:500]
        else:
            transmission.status = Transmission.Status.FAILED
            transmission.next_attempt_at = None
            transmission.last_error = attempt.error[:500]
            if order.status != PurchaseOrder.Status.CANCELLED:
                order.status = PurchaseOrder.Status.FAILED
                order.save(update_fields=["status"])
            _tell_buyers(order, attempt.error)
        transmission.save()
        if retry_in:
            transaction.on_commit(lambda: transmission_enqueue(transmission_id, retry_in))
    return outcome


def _send_cxml(order: PurchaseOrder, transmission: Transmission, attempt: TransmissionAttempt) -> str:
    supplier = order.supplier
    document = order_request_document(transmission.revision)
    secret = supplier.order_shared_secret
    attempt.request = document.decode("utf-8").replace(secret, "********") if secret else document.decode("utf-8")
    try:
        response = httpx.post(
            supplier.order_url,
            content=document,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        attempt.error = f"{type(exc).__name__}: {exc}"[:500]
        return _Outcome.RETRY
    attempt.http_status = response.status_code
    attempt.response = response.text[:20_000]
    status = None
    try:
        status = cxml.parse_response(response.content).status
    except cxml.CXMLError as exc:
        if response.status_code >= 500 or response.status_code < 400:
            attempt.error = f"HTTP {response.status_code}, not a cXML Response ({exc.message})"[:500]
            return _Outcome.RETRY
        attempt.error = f"HTTP {response.status_code}"
        return _Outcome.FAILED
    attempt.cxml_status = status.code
    if 200 <= status.code < 300 and response.status_code < 400:
        return _Outcome.SENT
    attempt.error = f"cXML {status.code} {status.text}: {status.message}".strip()[:500]
    if status.code >= 500 or response.status_code >= 500:
        return _Outcome.RETRY
    return _Outcome.FAILED


def _send_email(order: PurchaseOrder, transmission: Transmission, attempt: TransmissionAttempt) -> str:
    supplier = order.supplier
    revision = transmission.revision
    subject = f"Purchase order {order.number}" + (f" revision {revision.revision}" if revision.revision > 1 else "")
    if revision.kind == "delete":
        subject = f"Cancellation of purchase order {order.number}"
    body = f"Please find attached {subject.lower()} from {order.legal_entity.name}.\nReference {revision.payload_id}.\n"
    attempt.request = f"To: {supplier.order_email}\nSubject: {subject}\n\n{body}"
    message = EmailMessage(subject, body, to=[supplier.order_email])
    message.attach(f"{order.number}-rev{revision.revision}.pdf", order_pdf(order, revision), "application/pdf")
    try:
        message.send()
    except OSError as exc:  # SMTP and socket errors
        attempt.error = f"{type(exc).__name__}: {exc}"[:500]
        return _Outcome.RETRY
    attempt.response = "accepted by the mail server"
    return _Outcome.SENT


def _tell_buyers(order: PurchaseOrder, error: str) -> None:
    from .services import buyers_notify

    buyers_notify(
        legal_entity_id=order.legal_entity_id,
        subject=f"{order.number} was not sent",
        body=f"Purchase order {order.number} could not be sent to {order.supplier.name}: {error}",
    )


@transaction.atomic
def transmission_resend(*, order: PurchaseOrder, by: Employee) -> Transmission:
    """Send the order's latest revision again, with the same payloadID (the supplier drops a duplicate)."""
    from .services import check_buyer

    check_buyer(by, order)
    transmission = (
        Transmission.objects.select_for_update().filter(purchase_order=order).order_by("-revision__revision").first()
    )
    if transmission is None or transmission.method == "none":
        from .services import OrderError

        raise OrderError(f"{order.number} is not sent electronically.", code="not_sendable")
    transmission.status = Transmission.Status.PENDING
    transmission.attempts = 0
    transmission.next_attempt_at = timezone.now()
    transmission.save(update_fields=["status", "attempts", "next_attempt_at"])
    if order.status == PurchaseOrder.Status.FAILED:
        order.status = PurchaseOrder.Status.ISSUED
        order.save(update_fields=["status"])
    transaction.on_commit(lambda: transmission_enqueue(transmission.pk))
    return transmission


def transmissions_due() -> list[int]:
    """Rows the sweeper should (re)send: pending or retrying and due (a lost task, a restarted worker)."""
    return list(
        Transmission.objects.filter(
            status__in=[Transmission.Status.PENDING, Transmission.Status.RETRYING],
            next_attempt_at__lte=timezone.now(),
        ).values_list("pk", flat=True)[:500]
    )
