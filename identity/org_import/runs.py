"""Import runs: an uploaded organisation file checked and stored with its errors and diff (a draft), then marked
applied or failed by p2p.org_import_apply. Only administrators of the run's legal entity see or apply runs."""

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from procurement.events import audit_event_record
from procurement.models import Employee, LegalEntity, Role

from ..models import OrgImportRun
from .files import OrgFileRefused, OrgFileRow, read_org_file
from .plan import MODE_FULL, MODE_PARTIAL, OrgPlan, org_plan_build

EVENT_UPLOADED = "org_import.uploaded"
EVENT_APPLIED = "org_import.applied"
EVENT_FAILED = "org_import.failed"


def may_import_org(*, employee: Employee | None, legal_entity: LegalEntity) -> bool:
    """Administrators (and superusers) who are members of the legal entity."""
    if employee is None:
        return False
    if employee.user.is_superuser:
        return True
    is_member = employee.default_legal_entity_id == legal_entity.pk or (
        employee.legal_entities.filter(pk=legal_entity.pk).exists()
    )
    return is_member and employee.roles.filter(code=Role.ADMIN).exists()


def org_import_runs_of(*, legal_entity: LegalEntity) -> Any:
    return OrgImportRun.objects.filter(legal_entity=legal_entity).select_related("created_by", "applied_by")


def org_import_run_rows(run: OrgImportRun) -> list[OrgFileRow]:
    return [OrgFileRow.from_json(row) for row in run.rows]


@transaction.atomic
def org_import_run_create(
    *, legal_entity: LegalEntity, file_name: str, data: bytes, mode: str = MODE_PARTIAL, by: Any
) -> OrgImportRun:
    """Read and check a file for `legal_entity` and store it as a draft run with its errors or its diff. A file
    that cannot be read at all is stored too (its one error on line 0), so the list of runs shows every upload."""
    if mode not in (MODE_PARTIAL, MODE_FULL):
        mode = MODE_PARTIAL
    run = OrgImportRun(
        legal_entity=legal_entity,
        file_name=(file_name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_size=min(len(data), 2**31 - 1),
        mode=mode,
        created_by=by if getattr(by, "pk", None) else None,
    )
    try:
        rows = read_org_file(run.file_name, data)
    except OrgFileRefused as refused:
        run.errors = [{"line": 0, "column": "", "value": "", "message": refused.message, "code": refused.code}]
        run.save()
    else:
        run.rows = [row.as_json() for row in rows]
        run.row_count = len(rows)
        org_import_run_checked(run=run, plan=org_plan_build(legal_entity=legal_entity, rows=rows, mode=mode, by=by))
    audit_event_record(
        event_type=EVENT_UPLOADED,
        actor=by,
        legal_entity=legal_entity,
        obj=run,
        data={
            "file_name": run.file_name,
            "sha256": run.file_sha256,
            "mode": run.mode,
            "rows": run.row_count,
            "errors": len(run.errors),
            "counts": run.diff.get("counts", {}),
        },
    )
    return run


def org_import_run_checked(*, run: OrgImportRun, plan: OrgPlan) -> OrgImportRun:
    """Store a (re)built plan with the run: its errors, or its diff."""
    run.errors = [error.as_json() for error in plan.errors]
    run.diff = {} if plan.errors else plan.diff()
    if run.pk is None:
        run.save()
    else:
        run.save(update_fields=["errors", "diff"])
    return run


def org_import_run_applied(*, run: OrgImportRun, result: dict[str, int], by: Any) -> OrgImportRun:
    """Mark the run applied (inside the apply's transaction) and audit it with what changed."""
    run.status = OrgImportRun.Status.APPLIED
    run.result = result
    run.failure = ""
    run.applied_by = by if getattr(by, "pk", None) else None
    run.applied_at = timezone.now()
    run.save(update_fields=["status", "result", "failure", "applied_by", "applied_at"])
    audit_event_record(
        event_type=EVENT_APPLIED,
        actor=by,
        legal_entity=run.legal_entity,
        obj=run,
        data={"file_name": run.file_name, "sha256": run.file_sha256, "mode": run.mode, **result},
    )
    return run


@transaction.atomic
def org_import_run_failed(*, run_id: int, reason: str, by: Any) -> None:
    """Mark a run failed after its apply rolled back (in a transaction of its own), and audit the failure."""
    run = OrgImportRun.objects.select_for_update().select_related("legal_entity").get(pk=run_id)
    run.status = OrgImportRun.Status.FAILED
    run.failure = reason[:500]
    run.save(update_fields=["status", "failure"])
    audit_event_record(
        event_type=EVENT_FAILED, actor=by, legal_entity=run.legal_entity, obj=run, data={"reason": reason[:500]}
    )
