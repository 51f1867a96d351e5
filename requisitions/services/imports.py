"""Uploaded quick orders: queued, then added to the cart chunk by chunk by a worker."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee
from procurement.task_queue import task_enqueue

from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError
from ..import_job_states import TERMINAL as IMPORT_JOB_TERMINAL
from ..import_job_states import import_job_status_move
from ..lock_objects import import_jobs_qs_select_for_update
from ..models import ImportJob, Requisition, RequisitionEvent
from ..quick_order import (
    MAX_BYTES,
    QuickOrderError,
    QuickOrderErrorGroup,
    QuickOrderFormatError,
    QuickOrderParse,
    errors_grouped,
    parse_upload,
)
from .quick_add import NOTHING_TO_READ, requisition_quick_add
from .shared import _check_editable, _event, _lock

IMPORT_CHUNK = 500


@transaction.atomic
def import_job_create(*, requisition: Requisition, by: Employee, filename: str, content: bytes) -> ImportJob:
    """Queue an uploaded (or long pasted) quick order; a worker adds it chunk by chunk, showing progress."""
    if len(content) > MAX_BYTES:
        raise RequisitionError(
            _("The file is larger than %(value)s MB.") % {"value": MAX_BYTES // (1024 * 1024)},
            code=RequisitionErrorCode.FILE_TOO_LARGE,
        )
    requisition = _lock(requisition)
    _check_editable(requisition, by)
    job = ImportJob.objects.create(requisition=requisition, created_by=by, filename=filename[:255], content=content)
    transaction.on_commit(lambda: _enqueue_import(job.pk, by))
    return job


# The Celery task that runs a job, found by its explicit name: requisitions.tasks imports this module to run
# it, so this module does not import the task (requisitions.apps registers the tasks when Django starts).
IMPORT_TASK = "requisitions.import_job_run"
NOT_STARTED = "The import could not be started: the task queue did not answer. Upload the file again."


def _enqueue_import(job_id: int, by: Employee) -> None:
    if not task_enqueue(IMPORT_TASK, kwargs={"job_id": job_id}):
        # Nothing would ever start it: it fails with why, rather than wait at 0 % for good.
        _import_job_fail(job_id=job_id, by=by, message=NOT_STARTED)


# A job whose worker died (killed, a lost message) stops moving; beat queues it again after this long. One chunk
# takes seconds, so a live job never waits this long; a second run of a live job would add nothing anyway.
STALLED_AFTER = timedelta(seconds=getattr(settings, "IMPORT_JOB_STALLED_SECONDS", 300))


def import_jobs_stalled_requeue() -> int:
    """Beat: queue again every unfinished job that has not moved for STALLED_AFTER; it continues after its last
    committed chunk. Returns how many."""
    before = timezone.now() - STALLED_AFTER
    stalled = list(
        ImportJob.objects.exclude(status__in=IMPORT_JOB_TERMINAL)
        .filter(Q(progress_at__lt=before) | Q(progress_at__isnull=True, created_at__lt=before))
        .values_list("pk", flat=True)[:100]
    )
    for job_id in stalled:
        task_enqueue(IMPORT_TASK, kwargs={"job_id": job_id})  # not queued: the next sweep tries again
    return len(stalled)


def _error_json(error: QuickOrderError) -> dict[str, Any]:
    return {"line": error.line, "message": error.message, "reason": error.group}


def import_job_errors_grouped(*, job: ImportJob) -> list[QuickOrderErrorGroup]:
    """The import's errors, identical ones together ("Unknown SKU — 3,316 lines: 4, 5, 6 …")."""
    return errors_grouped(
        QuickOrderError(line=e["line"], message=e["message"], reason=e.get("reason", "")) for e in job.errors
    )


def _import_job_fail(*, job_id: int, by: Employee, message: str) -> ImportJob:
    """The file cannot be read: the job fails with why (unless another worker ended it already)."""
    with transaction.atomic():
        locked = import_jobs_qs_select_for_update().get(pk=job_id)
        if locked.status in IMPORT_JOB_TERMINAL:
            return locked
        locked.message, locked.finished_at = message, timezone.now()
        return import_job_status_move(
            job=locked, to_status=ImportJob.Status.FAILED, by=by, comment=message, also_save=["message", "finished_at"]
        )


def import_job_process(*, job_id: int) -> ImportJob:
    """Parse the file, then add its rows in chunks; each chunk commits with its progress, so a retry
    after a crash continues where it stopped and never adds a chunk twice."""
    job = ImportJob.objects.select_related("requisition", "created_by").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    try:
        parsed = parse_upload(job.filename or "pasted.txt", bytes(job.content))
    except QuickOrderFormatError as error:
        return _import_job_fail(job_id=job.pk, by=job.created_by, message=str(error))
    rows = list(parsed.rows)
    if not rows and not parsed.errors:
        return _import_job_fail(job_id=job.pk, by=job.created_by, message=str(NOTHING_TO_READ))
    # Every line read counts once: added, or not added with its error (parse errors included).
    with transaction.atomic():
        locked = import_jobs_qs_select_for_update().get(pk=job.pk)
        if locked.status in IMPORT_JOB_TERMINAL:  # another worker ended it
            return locked
        locked.total_lines = len(rows) + len(parsed.errors)
        locked.progress_at = timezone.now()
        import_job_status_move(
            job=locked, to_status=ImportJob.Status.RUNNING, by=job.created_by, also_save=["total_lines", "progress_at"]
        )
    job.refresh_from_db()
    start = job.processed_lines
    while start < len(rows):
        chunk = rows[start : start + IMPORT_CHUNK]
        with transaction.atomic():
            locked = import_jobs_qs_select_for_update().get(pk=job.pk)
            if locked.processed_lines != start:  # another worker took this chunk
                start = locked.processed_lines
                continue
            try:
                result = requisition_quick_add(
                    requisition=job.requisition, by=job.created_by, parsed=QuickOrderParse(rows=tuple(chunk), errors=())
                )
            except RequisitionError as error:
                locked.message, locked.finished_at = error.message, timezone.now()
                return import_job_status_move(
                    job=locked,
                    to_status=ImportJob.Status.FAILED,
                    by=job.created_by,
                    comment=error.message,
                    also_save=["message", "finished_at"],
                )
            locked.processed_lines = start + len(chunk)
            locked.added += result.added
            locked.errors = [*locked.errors, *(_error_json(e) for e in result.errors)]
            locked.progress_at = timezone.now()
            locked.save(update_fields=["processed_lines", "added", "errors", "progress_at"])
        start += len(chunk)
    with transaction.atomic():
        locked = import_jobs_qs_select_for_update().get(pk=job.pk)
        if locked.status in IMPORT_JOB_TERMINAL:  # another worker ended it
            return locked
        locked.errors = sorted([*locked.errors, *(_error_json(e) for e in parsed.errors)], key=lambda e: e["line"])
        locked.processed_lines = locked.total_lines
        locked.finished_at = timezone.now()
        import_job_status_move(
            job=locked,
            to_status=ImportJob.Status.DONE,
            by=job.created_by,
            also_save=["errors", "processed_lines", "finished_at"],
        )
        _event(
            job.requisition,
            job.created_by,
            RequisitionEvent.Kind.IMPORTED,
            data={"file": job.filename, "added": locked.added, "errors": len(locked.errors)},
        )
    return locked
