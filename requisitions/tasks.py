"""Celery tasks of requisitions: take ids, call one service; idempotent and time-limited."""

from celery import shared_task

from .services.imports import import_job_process, import_jobs_stalled_requeue


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


@shared_task(name="requisitions.import_jobs_sweep", time_limit=60, soft_time_limit=50)
def import_jobs_sweep() -> int:
    """Beat: queue again the imports whose worker died (a killed worker, a lost message)."""
    return import_jobs_stalled_requeue()
