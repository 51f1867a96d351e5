"""Settings of the Celery worker processes that test_transmission_worker starts and kills: the test settings,
with a short claim lease, so that a row the killed worker had claimed is sent again within the test."""

from procurement.settings.test import *  # noqa: F403

ORDER_TRANSMISSION_LEASE_SECONDS = 5.0
