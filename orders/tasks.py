"""Celery tasks of purchase orders: take ids, call one service; safe to run twice."""

from celery import shared_task

from .transmission import transmission_send, transmissions_due


@shared_task(
    name="orders.purchase_order_transmit",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=120,
    soft_time_limit=100,
)
def purchase_order_transmit(*, transmission_id: int) -> str:
    """Send one outbox row once; it schedules its own retry when the supplier is down."""
    return transmission_send(transmission_id=transmission_id)


@shared_task(name="orders.purchase_order_transmissions_sweep", time_limit=60, soft_time_limit=50)
def purchase_order_transmissions_sweep() -> int:
    """Beat, every minute: send what is due and has no task (lost on a crash or a broker restart)."""
    due = transmissions_due()
    for transmission_id in due:
        purchase_order_transmit.delay(transmission_id=transmission_id)
    return len(due)
