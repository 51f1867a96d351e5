"""Status moves counted from a tally carried forward plus the events since its mark (procurement.audit_tally):
every event counted exactly once, whoever carries the tally forward and whenever, in a constant number of
queries however long the audit log is."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.audit_tally import audit_moves_count
from procurement.models import AuditEvent, AuditTally

MOVED = "orders.transmission.status"


def moves(*targets: str, days_ago: float = 0, event_type: str = MOVED) -> None:
    """Audit events of `event_type` moving to each of `targets`, created `days_ago`."""
    made = AuditEvent.objects.bulk_create(
        AuditEvent(event_type=event_type, object_type="transmission", object_id=str(n), data={"to": to})
        for n, to in enumerate(targets)
    )
    if days_ago:
        AuditEvent.objects.filter(pk__in=[event.pk for event in made]).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )


def counted_directly() -> dict[str, int]:
    counts: dict[str, int] = {}
    for data in AuditEvent.objects.filter(event_type=MOVED).values_list("data", flat=True):
        counts[data["to"]] = counts.get(data["to"], 0) + 1
    return counts


def test_old_events_are_tallied_once_and_new_ones_counted_live(db, settings):
    settings.AUDIT_TALLY_LAG_SECONDS = 900
    # Given a year of moves, some from today, and events of another type
    moves("sent", "sent", "retrying", "failed", days_ago=300)
    moves("sent", "retrying", days_ago=2)
    moves("sent")
    moves("sent", "sent", event_type="requisitions.requisition.status", days_ago=3)

    # When they are counted
    first = audit_moves_count(event_type=MOVED)

    # Then every move is counted once, and the tally holds those older than the lag
    assert first == {"sent": 4, "retrying": 2, "failed": 1} == counted_directly()
    tally = AuditTally.objects.get(event_type=MOVED)
    assert tally.counts == {"failed": 1, "retrying": 2, "sent": 3}
    assert timezone.now() - timedelta(seconds=901) < tally.counted_until < timezone.now() - timedelta(seconds=899)

    # And moves made afterwards are counted as they come, none twice
    moves("failed", "sent")
    assert audit_moves_count(event_type=MOVED) == {"sent": 5, "retrying": 2, "failed": 2} == counted_directly()
    assert AuditTally.objects.get(event_type=MOVED).counts == {"failed": 1, "retrying": 2, "sent": 3}

    # And when no lag is left, the tally takes the new ones in and the totals do not move
    settings.AUDIT_TALLY_LAG_SECONDS = 0
    settings.AUDIT_TALLY_ROLL_SECONDS = 0
    assert audit_moves_count(event_type=MOVED) == {"sent": 5, "retrying": 2, "failed": 2}
    assert AuditTally.objects.get(event_type=MOVED).counts == {"failed": 2, "retrying": 2, "sent": 5}


def test_a_current_tally_is_read_in_two_queries_however_many_events_it_holds(db, settings):
    # Given a tally carried forward over many old moves
    moves(*["sent"] * 300, days_ago=30)
    audit_moves_count(event_type=MOVED)
    moves("sent", "failed")

    # When it is read again before a step is due
    with CaptureQueriesContext(connection) as read:
        counts = audit_moves_count(event_type=MOVED)

    # Then two queries: the tally's row, and the events since its mark (never the old ones)
    assert counts == {"sent": 301, "failed": 1}
    assert len(read.captured_queries) == 2
    since = read.captured_queries[1]["sql"]
    assert '"created_at" >=' in since and "procurement_auditevent" in since


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reader_does_not_wait_for_another_carrying_the_tally_forward_and_counts_each_event_once(settings):
    settings.AUDIT_TALLY_LAG_SECONDS = 900
    settings.AUDIT_TALLY_ROLL_SECONDS = 0
    # Given an old tally, and another process holding its row lock while it carries it forward
    moves("sent", "failed", days_ago=10)
    audit_moves_count(event_type=MOVED)
    AuditTally.objects.filter(event_type=MOVED).update(counted_until=timezone.now() - timedelta(days=20), counts={})
    locked, release, let_go = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                AuditTally.objects.select_for_update().get(event_type=MOVED)
                locked.set()
                release.wait(20)
            let_go.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        # When this process reads the counts meanwhile
        counts = audit_moves_count(event_type=MOVED)
        waited = let_go.is_set()  # only once the other process let go of the row, had this one waited for it
    finally:
        release.set()
        holder.join(30)

    # Then it did not wait, and counted from the mark it read (the tally left as it was)
    assert (waited, counts) == (False, {"sent": 1, "failed": 1})
    assert AuditTally.objects.get(event_type=MOVED).counts == {}
    # And the next reader carries it forward
    assert audit_moves_count(event_type=MOVED) == {"sent": 1, "failed": 1}
    assert AuditTally.objects.get(event_type=MOVED).counts == {"failed": 1, "sent": 1}
