"""Celery tasks of catalog uploads: take ids, call one service; idempotent and time-limited."""

from celery import shared_task

from .services import catalog_upload_publish_run, catalog_upload_validate, catalog_uploads_stalled_requeue


@shared_task(
    name="catalogs.upload_validate",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=1800,
    soft_time_limit=1740,
)
def upload_validate(*, upload_id: int) -> str:
    """Read, check and diff a staged catalog; a second run starts over."""
    return str(catalog_upload_validate(upload_id=upload_id).status)


@shared_task(
    name="catalogs.upload_publish",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=1800,
    soft_time_limit=1740,
)
def upload_publish(*, upload_id: int) -> str:
    """Publish an approved catalog upload (one transaction); a second run finds it published and does nothing."""
    return str(catalog_upload_publish_run(upload_id=upload_id).status)


@shared_task(name="catalogs.uploads_sweep", time_limit=60, soft_time_limit=50)
def uploads_sweep() -> int:
    """Beat: queue again the uploads whose worker died (a check that stopped moving, a publication that never ended)."""
    return catalog_uploads_stalled_requeue()
