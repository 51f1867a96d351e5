"""Beat and the producers name tasks by their explicit Celery names, so a module can move without losing work."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from procurement.celery import QUEUES, app

# Loading the task modules goes through celery's Django fixup, which touches the connection.
pytestmark = pytest.mark.django_db

EXPLICIT_NAMES = {
    "orders.purchase_order_transmit",
    "orders.purchase_order_transmissions_sweep",
    "approvals.approvals_escalate",
    "approvals.delegations_apply",
    "requisitions.import_job_run",
    "requisitions.import_jobs_sweep",
    "procurement.notification_email_send",
    "procurement.worker_heartbeat",
    "invoices.supplier_email_send",
    "notifications.webhook_deliver",
    "notifications.webhook_deliveries_sweep",
    "notifications.daily_digest",
    "budgets.budget_balances_reconcile",
    "catalogs.upload_validate",
    "catalogs.upload_publish",
    "catalogs.uploads_sweep",
    "contracts.contract_alerts_send",
    "sourcing.supplier_email_send",
    "claims.supplier_email_send",
    "analytics.scheduled_reports_send",
    "analytics.scheduled_report_send",
    "analytics.spend_refresh",
    "analytics.cycle_refresh",
}


def test_every_task_of_ours_has_its_explicit_name() -> None:
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == EXPLICIT_NAMES


def test_every_beat_entry_names_a_registered_task() -> None:
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "approvals.approvals_escalate",
        "approvals.delegations_apply",
        "orders.purchase_order_transmissions_sweep",
        "requisitions.import_jobs_sweep",
        "procurement.worker_heartbeat",
        "notifications.webhook_deliveries_sweep",
        "notifications.daily_digest",
        "budgets.budget_balances_reconcile",
        "catalogs.uploads_sweep",
        "contracts.contract_alerts_send",
        "analytics.scheduled_reports_send",
        "analytics.spend_refresh",
        "analytics.cycle_refresh",
    }
    assert scheduled <= set(app.tasks)


def test_every_routed_queue_is_one_of_the_queues_and_the_embedded_worker_takes_them_all() -> None:
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {"celery"} == set(QUEUES)
    procfile = (Path(settings.BASE_DIR) / "deploy" / "Procfile.dev").read_text()
    (worker,) = [line for line in procfile.splitlines() if line.startswith("worker:")]
    assert re.search(r"--queues=(\S+)", worker).group(1).split(",") == list(QUEUES)


def test_make_worker_takes_every_queue() -> None:
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    assert re.search(r"celery -A procurement worker -B -l info \\\n\s+--queues=(\S+)", makefile).group(1).split(
        ","
    ) == list(QUEUES)
