"""Sending orders: the outbox row of each revision is sent by a Celery task, exactly once at the supplier.

- The payloadID is fixed per revision, so a retry is the identical document (suppliers drop repeats).
- No transaction or row lock is held while we talk to the supplier (HTTP) or the mail server (SMTP): a
  sender claims the row in a short transaction (status `sending`, a random claim and a lease), sends with
  no transaction open, and records the attempt and its outcome in a second short transaction, only while
  its claim stands. A redelivered task and the sweeper never send a claimed row at the same time (SKIP
  LOCKED while claiming, then the live lease), and a row that is `sent` is never sent again. A sender that
  dies mid-send leaves a claim that expires; the sweeper then sends again with the same payloadID.
- Transport errors, HTTP 5xx and cXML 5xx statuses are retried with exponential backoff; HTTP or cXML
  4xx are not. After the last try the order is marked failed and the buyers are told (after commit);
  "resend" starts over.
- Every attempt is logged with what went out and what came back, credentials masked (punchout.redact).
"""

import logging
import secrets
import traceback
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from notifications.models import Kind
from procurement.events import audit_event_record
from procurement.i18n import in_language, supplier_language
from procurement.models import Employee
from procurement.task_queue import task_enqueue
from punchout import cxml
from punchout.redact import redact_cxml, redact_text

from .buyers import buyers_notify, check_buyer
from .error_codes import OrderErrorCode
from .errors import OrderError
from .lock_objects import purchase_orders_qs_select_for_update, transmissions_qs_select_for_update
from .models import PurchaseOrder, Transmission, TransmissionAttempt
from .order_documents import order_pdf, order_request_document
from .transitions import purchase_order_status_move, transmission_status_move

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = getattr(settings, "ORDER_TRANSMISSION_ATTEMPTS", 8)
BASE_DELAY = getattr(settings, "ORDER_TRANSMISSION_BASE_SECONDS", 30.0)
MAX_DELAY = 3600.0
TIMEOUT = 30.0
# How long a claim stands: longer than one send can take (httpx's timeout applies per phase), so a live
# sender is not overtaken; a crashed one's row is sent again by the sweeper after it.
LEASE_SECONDS = float(getattr(settings, "ORDER_TRANSMISSION_LEASE_SECONDS", 4 * TIMEOUT))
# A retry's timed task may run this much before the retry's time: its countdown starts after the time was set,
# so only the hosts' clocks (kept by NTP) can differ. Any task that comes earlier is skipped: not due yet.
EARLY_ALLOWED = timedelta(milliseconds=250)
RESPONSE_KEPT = 20_000
SENT_NOTE_MAX = Transmission._meta.get_field("sent_note").max_length or 300


def retry_delay(attempts: int) -> float:
    """30 s, 1 min, 2 min … capped at an hour (BASE_DELAY doubles per attempt)."""
    return float(min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY))


# The Celery task that sends one row, found by its explicit name: orders.tasks imports this module to send,
# so this module does not import the task (orders.apps registers the tasks when Django starts).
TRANSMIT_TASK = "orders.purchase_order_transmit"


def transmission_enqueue(transmission_id: int, delay: float = 0.0) -> None:
    # A broker that stays away is logged, not raised: the row is pending and due, so the sweeper sends it.
    task_enqueue(TRANSMIT_TASK, kwargs={"transmission_id": transmission_id}, countdown=delay if delay > 0 else None)


class _Outcome:
    SENT, RETRY, FAILED = "sent", "retry", "failed"


@dataclass(frozen=True)
class _Claim:
    transmission: Transmission
    token: str
    number: int


def _claim(transmission_id: int) -> _Claim | None:
    """Take the row for one send, in a short transaction; None when it is not due or someone else has it."""
    now = timezone.now()
    with transaction.atomic():
        # Only this row (of=self): with SKIP LOCKED, a lock on a joined row (the supplier or the legal entity,
        # key-share locked by anyone writing an order for them) would skip the row and lose the send. And FOR NO
        # KEY UPDATE (lock_objects): FOR UPDATE would skip it too while any open transaction inserts a row that
        # references it (a FOR KEY SHARE lock), and the order would stay unsent.
        transmission = (
            transmissions_qs_select_for_update(skip_locked=True, of=("self",))
            .select_related("purchase_order__supplier", "purchase_order__legal_entity", "revision")
            .filter(pk=transmission_id)
            .first()
        )
        if transmission is None:
            return None  # someone is claiming or recording it right now
        waiting = transmission.status == Transmission.Status.PENDING or (
            transmission.status == Transmission.Status.RETRYING
            and (transmission.next_attempt_at is None or transmission.next_attempt_at <= now + EARLY_ALLOWED)
        )
        abandoned = transmission.status == Transmission.Status.SENDING and (
            transmission.claimed_until is None or transmission.claimed_until <= now
        )
        if not (waiting or abandoned):
            # A retry that is not due yet (its timed task or the sweeper sends it then), or a row being sent
            # under a live claim, or sent, failed or manual: never again by itself.
            return None
        transmission.attempts += 1
        transmission.claim = secrets.token_hex(16)
        transmission.claimed_until = now + timedelta(seconds=LEASE_SECONDS)
        transmission_status_move(
            transmission=transmission,
            to_status=Transmission.Status.SENDING,
            by=None,
            comment=f"Attempt {transmission.attempts}",
            also=["attempts", "claim", "claimed_until"],
            legal_entity=transmission.purchase_order.legal_entity,
        )
        if transmission.method != "email":
            order_request_document(transmission.revision)  # built and kept once, before the first send
    return _Claim(transmission, transmission.claim, transmission.attempts)


def transmission_send(*, transmission_id: int) -> str:
    """Try once to send a pending transmission, or a retry that is due. Returns what happened: sent, retry,
    failed, or skipped.

    Call it outside any transaction (a Celery task, an on-commit callback): the wait for the supplier then
    holds no database lock, not even SQLite's write lock.
    """
    claim = _claim(transmission_id)
    if claim is None:
        return "skipped"
    transmission = claim.transmission
    order = transmission.purchase_order
    attempt = TransmissionAttempt(number=claim.number, started_at=timezone.now())
    try:
        if transmission.method == "email":
            outcome = _send_email(order, transmission, attempt)
        else:
            outcome = _send_cxml(order, transmission, attempt)
    except Exception as exc:  # a bad URL, a time limit, a bug: recorded and retried like a transport error
        # The text only masked (an invalid URL's may carry user-info), and where it failed.
        logger.error(
            "transmission %s: unexpected %s while sending: %s\n%s",
            transmission.pk,
            type(exc).__name__,
            redact_text(str(exc))[:300],
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        attempt.error = f"{type(exc).__name__}: {exc}"
        outcome = _Outcome.RETRY
    attempt.finished_at = timezone.now()
    attempt.outcome = outcome
    attempt.error = redact_text(attempt.error)[:500]
    _record(claim, attempt, outcome)
    return outcome


def _record(claim: _Claim, attempt: TransmissionAttempt, outcome: str) -> None:
    """Log the attempt and, while the claim stands, move the row and the order (a second short transaction)."""
    with transaction.atomic():
        transmission = (
            transmissions_qs_select_for_update(of=("self",)).select_related("revision").get(pk=claim.transmission.pk)
        )
        attempt.transmission = transmission
        attempt.save()
        if transmission.status != Transmission.Status.SENDING or transmission.claim != claim.token:
            # Our lease ran out and another sender took over, or a buyer resent it: theirs is the outcome.
            logger.warning("transmission %s: outcome %s of an overtaken claim only logged", transmission.pk, outcome)
            return
        order = (
            purchase_orders_qs_select_for_update(of=("self",), no_key=True)
            .select_related("supplier", "legal_entity")
            .get(pk=transmission.purchase_order_id)
        )
        transmission.claim = ""
        transmission.claimed_until = None
        retry_in = 0.0
        if outcome == _Outcome.SENT:
            to_status = Transmission.Status.SENT
            transmission.sent_at = timezone.now()
            transmission.next_attempt_at = None
            transmission.last_error = ""
            if order.status in (PurchaseOrder.Status.ISSUED, PurchaseOrder.Status.FAILED):
                purchase_order_status_move(
                    order=order,
                    to_status=PurchaseOrder.Status.SENT,
                    by=None,
                    comment=f"Revision {transmission.revision.revision} sent",
                )
        elif outcome == _Outcome.RETRY and transmission.attempts < MAX_ATTEMPTS:
            retry_in = retry_delay(transmission.attempts)
            to_status = Transmission.Status.RETRYING
            transmission.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
            transmission.last_error = attempt.error[:500]
        else:
            to_status = Transmission.Status.FAILED
            transmission.next_attempt_at = None
            transmission.last_error = attempt.error[:500]
            if order.status != PurchaseOrder.Status.CANCELLED:
                purchase_order_status_move(
                    order=order, to_status=PurchaseOrder.Status.FAILED, by=None, comment=attempt.error[:500]
                )
            _tell_buyers(order, attempt.error)  # e-mailed once this commits
        transmission_status_move(
            transmission=transmission,
            to_status=to_status,
            by=None,
            comment=f"Attempt {attempt.number}: {attempt.error}".removesuffix(": ")[:500],
            also=["claim", "claimed_until", "sent_at", "next_attempt_at", "last_error"],
            legal_entity=order.legal_entity,
        )
        transmission_id = transmission.pk
        if retry_in:
            transaction.on_commit(lambda: transmission_enqueue(transmission_id, retry_in))


def _send_cxml(order: PurchaseOrder, transmission: Transmission, attempt: TransmissionAttempt) -> str:
    supplier = order.supplier
    document = order_request_document(transmission.revision)
    attempt.request = redact_cxml(document.decode("utf-8"))
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
    attempt.response = redact_text(response.text[: 5 * RESPONSE_KEPT])[:RESPONSE_KEPT]
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


@in_language(lambda order, *args, **kwargs: supplier_language(order.supplier, order.legal_entity))
def _send_email(order: PurchaseOrder, transmission: Transmission, attempt: TransmissionAttempt) -> str:
    """The order's PDF by e-mail, both in the supplier's language (procurement.i18n.supplier_language)."""
    supplier = order.supplier
    revision = transmission.revision
    values = {
        "number": order.number,
        "revision": revision.revision,
        "entity": order.legal_entity.name,
        "reference": revision.payload_id,
    }
    if revision.kind == "delete":
        subject = gettext("Cancellation of purchase order %(number)s") % values
        text = gettext("Please find attached the cancellation of purchase order %(number)s from %(entity)s.")
    elif revision.revision > 1:
        subject = gettext("Purchase order %(number)s revision %(revision)s") % values
        text = gettext("Please find attached purchase order %(number)s revision %(revision)s from %(entity)s.")
    else:
        subject = gettext("Purchase order %(number)s") % values
        text = gettext("Please find attached purchase order %(number)s from %(entity)s.")
    body = f"{text % values}\n" + gettext("Reference %(reference)s.") % values + "\n"
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
    buyers_notify(
        legal_entity_id=order.legal_entity_id,
        kind=Kind.TRANSMISSION_FAILED,
        message="transmission_failed",
        context={"number": order.number, "supplier": order.supplier.name, "error": error},
        link=reverse("orders:detail", args=[order.pk]),
        obj=order,
        data={
            "purchase_order": {"id": order.pk, "number": order.number},
            "supplier": order.supplier.code,
            "error": error,
        },
    )


@transaction.atomic
def transmission_resend(*, order: PurchaseOrder, by: Employee) -> Transmission:
    """Send the order's latest revision again, with the same payloadID (the supplier drops a duplicate)."""
    check_buyer(by, order)
    transmission = (
        transmissions_qs_select_for_update().filter(purchase_order=order).order_by("-revision__revision").first()
    )
    if transmission is None or transmission.method == "none":
        raise OrderError(
            _("%(number)s is not sent electronically.") % {"number": order.number}, code=OrderErrorCode.NOT_SENDABLE
        )
    transmission.attempts = 0
    transmission.next_attempt_at = timezone.now()
    transmission.claim = ""  # a send under way is overtaken: it logs its attempt, this one decides
    transmission.claimed_until = None
    transmission_status_move(
        transmission=transmission,
        to_status=Transmission.Status.PENDING,
        by=by,
        comment="Sent again",
        also=["attempts", "next_attempt_at", "claim", "claimed_until"],
        legal_entity=order.legal_entity,
    )
    if order.status == PurchaseOrder.Status.FAILED:
        purchase_order_status_move(
            order=order,
            to_status=PurchaseOrder.Status.ISSUED,
            by=by,
            comment=f"Revision {transmission.revision.revision} sent again",
        )
    transaction.on_commit(lambda: transmission_enqueue(transmission.pk))
    return transmission


def transmissions_due() -> list[int]:
    """Rows the sweeper should (re)send: pending or retrying and due (a lost task, a restarted worker), and
    rows whose sender's claim expired."""
    now = timezone.now()
    return list(
        Transmission.objects.filter(
            Q(status__in=[Transmission.Status.PENDING, Transmission.Status.RETRYING], next_attempt_at__lte=now)
            | Q(status=Transmission.Status.SENDING, claimed_until__lte=now)  # the sender died mid-send
        ).values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def transmission_mark_sent(*, order: PurchaseOrder, by: Employee, note: str = "") -> Transmission:
    """A buyer sent the order's latest revision by hand (order method "none"): record who and when.

    The revision's outbox row becomes sent (by that buyer, at that moment) and the order moves as a
    transmitted order does (to sent); the event is in the audit log.
    """
    check_buyer(by, order)
    note = (note or "").strip()
    if len(note) > SENT_NOTE_MAX:
        raise OrderError(
            _("The note has at most %(sent_note_max)s characters (%(note)s given).")
            % {"sent_note_max": SENT_NOTE_MAX, "note": len(note)},
            code=OrderErrorCode.INVALID,
        )
    order = purchase_orders_qs_select_for_update(of=("self",)).get(pk=order.pk)
    transmission = (
        transmissions_qs_select_for_update(of=("self",))
        .select_related("revision")
        .filter(purchase_order=order)
        .order_by("-revision__revision")
        .first()
    )
    if transmission is None or transmission.method != "none":
        raise OrderError(
            _("%(number)s is sent electronically, not by hand.") % {"number": order.number},
            code=OrderErrorCode.NOT_MANUAL,
        )
    if transmission.status != Transmission.Status.MANUAL:
        raise OrderError(
            _("%(number)s revision %(revision)s is already marked as sent.")
            % {"number": order.number, "revision": transmission.revision.revision},
            code=OrderErrorCode.ALREADY_SENT,
        )
    now = timezone.now()
    transmission.sent_at = now
    transmission.sent_by = by
    transmission.sent_note = note
    transmission.next_attempt_at = None
    transmission_status_move(
        transmission=transmission,
        to_status=Transmission.Status.SENT,
        by=by,
        comment=note or "Sent by hand",
        also=["sent_at", "sent_by", "sent_note", "next_attempt_at"],
        legal_entity=order.legal_entity,
    )
    if order.status == PurchaseOrder.Status.MANUAL:
        purchase_order_status_move(
            order=order,
            to_status=PurchaseOrder.Status.SENT,
            by=by,
            comment=note or f"Revision {transmission.revision.revision} sent by hand",
        )
    audit_event_record(
        event_type="purchase_order.marked_sent",
        actor=by.user,
        legal_entity=order.legal_entity,
        obj=order,
        data={
            "revision": transmission.revision.revision,
            "payload_id": transmission.revision.payload_id,
            "by": by.display_name,
            "at": now.isoformat(),
            "note": transmission.sent_note,
        },
    )
    return transmission
