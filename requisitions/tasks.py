"""Celery tasks of requisitions: take ids, call one service; idempotent and time-limited."""

from celery import shared_task

from .services.imports import import_job_process


@shared_task(
    name="requisitions.import_job_run",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=900,
    soft_time_limit=840,
)
def import_job_run(*, job_id: int) -> str:
    """Add an uploaded quick order to its cart; a retry continues after the last committed chunk."""
    return str(import_job_process(job_id=job_id).status)
