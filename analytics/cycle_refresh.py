"""Keeps the cycle-time and approver-turnaround rows (analytics.cycle_models) up to date with what the apps record.

Each step's moment, read from the rows where it is recorded (docs/analytics.md, "Cycle times and approver
turnaround"):

- **submitted**: the requisition's `submitted_at`, its latest submission (a requisition returned for changes and
  submitted again counts from the submission that was approved);
- **approved**: the latest status event to `approved` of the requisition (`RequisitionEvent`);
- **ordered**: the earliest `issued_at` of its purchase orders (the moment an order was issued to its supplier; an
  order held for a buyer counts from when the buyer issued it);
- **first received**: the earliest posted (not reversed) goods receipt of its orders (`GoodsReceipt.received_at`);
- **last received**: the latest posted goods receipt of its orders, once every good has arrived (the requisition
  is `received` or `closed`);
- **invoiced**: the arrival (`Invoice.received_at`) of the latest invoice (not a credit note, not rejected) on its
  orders, once it is fully invoiced (the requisition is `invoiced` or `closed`).

An approval decision's turnaround runs from the creation of the approver's task (viewflow's `Task.created`, when
the stage reached them, by delegation or escalation too) to the decision (`ApprovalStepApprover.decided_at`).

`cycle_refresh` runs from beat: it recomputes the rows of every requisition and decision that changed since its
last run (with a few minutes' overlap: recomputing a row is idempotent), so a page never reads the apps' tables.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any, Final

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from approvals.models import ApprovalStepApprover
from invoices.models import Invoice
from orders.models import PurchaseOrder
from receiving.models import GoodsReceipt
from requisitions.models import Requisition, RequisitionEvent, RequisitionStatus

from .cycle_models import ApprovalTurnaround, RefreshMark, RequisitionCycle

BATCH: Final = 500
OVERLAP: Final = timedelta(minutes=5)
MARK: Final = "cycle"
FULLY_RECEIVED: Final = frozenset({RequisitionStatus.RECEIVED, RequisitionStatus.CLOSED})
FULLY_INVOICED: Final = frozenset({RequisitionStatus.INVOICED, RequisitionStatus.CLOSED})
DECIDED: Final = ("approved", "rejected", "returned")


def month_of(moment: datetime) -> date:
    """The first day of the month of `moment` in the site's time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    delta = end - start
    return delta.days * 86_400 + delta.seconds  # whole seconds, rounded down (a negative one too)


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(sorted(set(ids)))
    while batch := list(islice(iterator, BATCH)):
        yield batch


def requisition_cycles_refresh(requisition_ids: Iterable[int]) -> int:
    """Recompute the cycle rows of these requisitions (a requisition never submitted has none); rows written."""
    written = 0
    for batch in _batches(requisition_ids):
        written += _cycles_batch(batch)
    return written


def _cycles_batch(ids: list[int]) -> int:
    requisitions = list(
        Requisition.objects.filter(pk__in=ids, submitted_at__isnull=False).values_list(
            "pk", "legal_entity_id", "submitted_at", "status"
        )
    )
    approved = dict(
        RequisitionEvent.objects.filter(
            requisition_id__in=ids, kind=RequisitionEvent.Kind.STATUS, to_status=RequisitionStatus.APPROVED
        )
        .values("requisition_id")
        .annotate(at=Max("created_at"))
        .values_list("requisition_id", "at")
    )
    ordered: dict[int, datetime] = {}
    suppliers: dict[int, set[int]] = defaultdict(set)
    for requisition_id, supplier_id, issued_at in PurchaseOrder.objects.filter(requisition_id__in=ids).values_list(
        "requisition_id", "supplier_id", "issued_at"
    ):
        suppliers[requisition_id].add(supplier_id)
        if issued_at is not None and (requisition_id not in ordered or issued_at < ordered[requisition_id]):
            ordered[requisition_id] = issued_at
    received = {
        row[0]: (row[1], row[2])
        for row in GoodsReceipt.objects.filter(
            purchase_order__requisition_id__in=ids, status=GoodsReceipt.Status.POSTED
        )
        .values("purchase_order__requisition_id")
        .annotate(first=Min("received_at"), last=Max("received_at"))
        .values_list("purchase_order__requisition_id", "first", "last")
    }
    invoiced = dict(
        Invoice.objects.filter(purchase_orders__requisition_id__in=ids, kind=Invoice.Kind.INVOICE)
        .exclude(status=Invoice.Status.REJECTED)
        .values("purchase_orders__requisition_id")
        .annotate(at=Max("received_at"))
        .values_list("purchase_orders__requisition_id", "at")
    )
    rows = []
    for pk, entity_id, submitted, status in requisitions:
        submitted_at: datetime = submitted  # type: ignore[assignment]  # submitted_at__isnull=False
        approved_at = approved.get(pk)
        ordered_at = ordered.get(pk)
        first_received, last_received = received.get(pk, (None, None))
        last_received = last_received if status in FULLY_RECEIVED else None
        invoiced_at = invoiced.get(pk) if status in FULLY_INVOICED else None
        only = suppliers.get(pk, set())
        rows.append(
            RequisitionCycle(
                requisition_id=pk,
                legal_entity_id=entity_id,
                month=month_of(submitted_at),
                supplier_id=next(iter(only)) if len(only) == 1 else None,
                submitted_at=submitted_at,
                approved_at=approved_at,
                ordered_at=ordered_at,
                first_received_at=first_received,
                last_received_at=last_received,
                invoiced_at=invoiced_at,
                approval_seconds=_seconds(submitted_at, approved_at),
                ordering_seconds=_seconds(approved_at, ordered_at),
                first_delivery_seconds=_seconds(ordered_at, first_received),
                last_delivery_seconds=_seconds(ordered_at, last_received),
                invoicing_seconds=_seconds(last_received, invoiced_at),
                total_seconds=_seconds(submitted_at, invoiced_at),
                refreshed_at=timezone.now(),
            )
        )
    kept = {row.requisition_id for row in rows}
    with transaction.atomic():
        RequisitionCycle.objects.filter(requisition_id__in=set(ids) - kept).delete()
        RequisitionCycle.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["requisition"],
            update_fields=[f.name for f in RequisitionCycle._meta.concrete_fields if not f.primary_key],
        )
    return len(rows)


def approval_turnarounds_refresh(assignment_ids: Iterable[int]) -> int:
    """Recompute the turnaround rows of these approval assignments (undecided ones have none); rows written."""
    written = 0
    for batch in _batches(assignment_ids):
        written += _turnarounds_batch(batch)
    return written


def _turnarounds_batch(ids: list[int]) -> int:
    assignments = list(
        ApprovalStepApprover.objects.filter(pk__in=ids, decided_at__isnull=False, status__in=DECIDED).values_list(
            "pk",
            "approver_id",
            "decided_by_id",
            "status",
            "decided_at",
            "step__name",
            "step__rule_id",
            "step__chain__requisition_id",
            "step__chain__requisition__legal_entity_id",
            "step__chain__invoice__legal_entity_id",
            "step__chain__created_at",
        )
    )
    created: dict[int, datetime] = {}
    if assignments:
        # The task of each assignment: the latest one made for it (a delegation or an escalation makes another),
        # read through the created index between the chains' creation and the latest decision.
        earliest = min(row[10] for row in assignments)
        latest = max(row[4] for row in assignments if row[4] is not None)
        for data, task_created in (
            Task.objects.filter(
                flow_task=ApprovalFlow.approve,
                created__gte=earliest - timedelta(seconds=1),
                created__lte=latest,
                data__assignment__in=[row[0] for row in assignments],
            )
            .exclude(status=STATUS.CANCELED)
            .values_list("data", "created")
        ):
            key = data.get("assignment") if isinstance(data, dict) else None
            if isinstance(key, int) and (key not in created or task_created > created[key]):
                created[key] = task_created
    rows = []
    for (
        pk,
        approver_id,
        decided_by_id,
        status,
        decided_at,
        stage,
        rule_id,
        requisition_id,
        r_entity,
        i_entity,
        _c,
    ) in assignments:
        task_created = created.get(pk)
        entity_id = r_entity or i_entity
        if task_created is None or entity_id is None or decided_at is None:
            continue
        rows.append(
            ApprovalTurnaround(
                assignment_id=pk,
                legal_entity_id=entity_id,
                month=month_of(decided_at),
                approver_id=decided_by_id or approver_id,
                stage=stage[:200],
                rule_id=rule_id,
                requisition_id=requisition_id,
                outcome=status,
                task_created_at=task_created,
                decided_at=decided_at,
                seconds=_seconds(task_created, decided_at) or 0,
            )
        )
    kept = {row.assignment_id for row in rows}
    with transaction.atomic():
        ApprovalTurnaround.objects.filter(assignment_id__in=set(ids) - kept).delete()
        ApprovalTurnaround.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["assignment"],
            update_fields=[f.name for f in ApprovalTurnaround._meta.concrete_fields if not f.primary_key],
        )
    return len(rows)


def cycle_refresh(*, full: bool = False) -> dict[str, Any]:
    """Recompute the rows of what changed since the last run (everything with `full` or on the first run).

    Changes are found by the moments the apps write when they change: a requisition's `updated_at` (every status
    move: submitted, approved, received, invoiced, closed…), an order's `issued_at`, a receipt's `received_at` and
    `reversed_at`, a decision's `decided_at`. The mark is taken before reading, so nothing written meanwhile is
    missed; the next run starts OVERLAP earlier, for transactions that committed late."""
    now = timezone.now()
    mark = RefreshMark.objects.filter(name=MARK).first()
    since = None if full or mark is None else mark.at - OVERLAP
    if since is None:
        requisition_ids: Iterable[int] = Requisition.objects.filter(submitted_at__isnull=False).values_list(
            "pk", flat=True
        )
        assignment_ids: Iterable[int] = ApprovalStepApprover.objects.filter(decided_at__isnull=False).values_list(
            "pk", flat=True
        )
    else:
        requisition_ids = {
            *Requisition.objects.filter(updated_at__gte=since).values_list("pk", flat=True),
            *PurchaseOrder.objects.filter(issued_at__gte=since).values_list("requisition_id", flat=True),
            *GoodsReceipt.objects.filter(Q(received_at__gte=since) | Q(reversed_at__gte=since)).values_list(
                "purchase_order__requisition_id", flat=True
            ),
        }
        assignment_ids = ApprovalStepApprover.objects.filter(decided_at__gte=since).values_list("pk", flat=True)
    cycles = requisition_cycles_refresh(requisition_ids)
    turnarounds = approval_turnarounds_refresh(assignment_ids)
    RefreshMark.objects.update_or_create(name=MARK, defaults={"at": now})
    return {"requisitions": cycles, "decisions": turnarounds}
