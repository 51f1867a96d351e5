"""The table of allowed status moves of a quick-order import job, and the one function that moves it.

Nothing changes an import job's status except `import_job_status_move`: it checks the move against the table
and writes the job's change-log row (an `AuditEvent`, "requisitions.import_job.status") in the same transaction.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.status_moves import StatusTable, status_move

from .errors import TransitionNotAllowed
from .models import ImportJob

S = ImportJob.Status

EVENT_TYPE = "requisitions.import_job.status"

ALLOWED: dict[str, frozenset[str]] = {
    # Queued: a worker reads the file and starts adding it, or the file cannot be read (or is empty).
    S.QUEUED: frozenset({S.RUNNING, S.FAILED}),
    # Running: every chunk added (done), or a chunk refused (failed).
    S.RUNNING: frozenset({S.DONE, S.FAILED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
}
TERMINAL = frozenset(status for status, targets in ALLOWED.items() if not targets)


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


TABLE = StatusTable(allowed=ALLOWED, labels=S, what=gettext_lazy("import"), event_type=EVENT_TYPE)


def import_job_status_move(
    *, job: ImportJob, to_status: str, by: Employee | None, comment: str = "", also_save: Iterable[str] = ()
) -> ImportJob:
    """Move the job to `to_status` if the table allows it, save it (with the fields in `also_save` the caller
    set) and log the move (from, to, why).

    The caller holds the job's row lock (`import_jobs_qs_select_for_update`). Staying in the same status is no
    move: only `also_save` is saved and nothing is logged. A move the table does not allow raises
    `TransitionNotAllowed` (a `RequisitionError`, code `transition_not_allowed`) and writes nothing.
    """
    status_move(
        job,
        table=TABLE,
        to_status=to_status,
        refused=TransitionNotAllowed,
        actor=by.user if by is not None else None,
        legal_entity=lambda: job.requisition.legal_entity,
        comment=comment,
        also_save=also_save,
    )
    return job
