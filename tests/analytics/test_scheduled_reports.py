"""Weekly reports: set up on a page (field errors keep what was typed), sent once on their day with the list as its
owner downloads it, given back for a retry when the mail server is away, stopped when the owner leaves."""

import io
import socket
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from analytics.models import ScheduledReport
from analytics.services import scheduled_report_send, scheduled_reports_due
from analytics.tasks import scheduled_reports_send
from tests.exports.test_invoice_exports import _invoices

MONDAY = date(2026, 11, 30)


@pytest.fixture
def erin(db):
    return _invoices()


def test_a_report_is_set_up_on_its_page_with_errors_by_field_that_keep_what_was_typed(erin, client):
    client.force_login(erin.user)
    page = client.get("/invoices/?status=matched").content.decode()
    assert 'href="/analytics/reports/?report=invoices&amp;query=status%3Dmatched"' in page
    form = client.get("/analytics/reports/?report=invoices&query=status%3Dmatched").content.decode()
    assert 'value="status=matched"' in form and '<option value="invoices" selected>' in form
    bad = client.post(
        "/analytics/reports/",
        {
            "name": "Matched invoices",
            "report": "invoices",
            "query": "due_by=soon",
            "recipients": "ap@acme.example, nope",
            "file_format": "xlsx",
            "weekday": "0",
        },
    )
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "due_by is a date: YYYY-MM-DD" in text and "nope is not an e-mail address." in text
    assert 'value="Matched invoices"' in text and "ap@acme.example, nope</textarea>" in text
    assert ScheduledReport.objects.count() == 0
    good = client.post(
        "/analytics/reports/",
        {
            "name": "Matched invoices",
            "report": "invoices",
            "query": "status=matched&export=csv",
            "recipients": "ap@acme.example; Controller@Acme.example, ap@acme.example",
            "file_format": "xlsx",
            "weekday": "0",
        },
        follow=True,
    )
    assert "Matched invoices will be mailed every Monday." in good.content.decode()
    (report,) = ScheduledReport.objects.all()
    assert (report.query, report.recipients, report.weekday) == (
        "status=matched",
        ["ap@acme.example", "Controller@Acme.example"],
        0,
    )


def test_on_its_day_the_report_is_mailed_once_with_the_list_as_its_owner_downloads_it(erin, client, api_client):
    report = ScheduledReport.objects.create(
        owner=erin,
        legal_entity=erin.legal_entities.get(),
        name="Invoices to pay",
        report="invoices",
        query="sort=due",
        file_format="xlsx",
        recipients=["ap@acme.example", "cfo@acme.example"],
        weekday=0,
    )
    assert scheduled_reports_due(today=date(2026, 12, 1)) == []  # a Tuesday
    assert scheduled_reports_due(today=MONDAY) == [report.pk]
    assert scheduled_report_send(report_id=report.pk, today=MONDAY) is True
    assert scheduled_report_send(report_id=report.pk, today=MONDAY) is False  # once a day, however often asked
    (message,) = mail.outbox
    assert message.subject == "Weekly report: Invoices to pay"
    assert message.to == ["ap@acme.example", "cfo@acme.example"]
    ((filename, content, mimetype),) = message.attachments
    assert filename.startswith("invoices-") and filename.endswith(".xlsx")
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)][1:]
    api_client.force_authenticate(erin.user)
    listed = api_client.get("/api/v1/invoices/?sort=due").json()["results"]
    assert [(row[2], Decimal(str(row[13]))) for row in rows] == [
        (item["number"], Decimal(item["total"]["amount"])) for item in listed
    ]
    assert "F-SECRET" not in [row[2] for row in rows]  # what erin may see, nothing more
    report.refresh_from_db()
    assert report.last_sent_on == MONDAY
    assert scheduled_reports_due(today=MONDAY) == []
    assert scheduled_reports_due(today=date(2026, 12, 7)) == [report.pk]


def test_the_beat_sweep_sends_todays_reports_and_a_leaver_gets_none(erin):
    ScheduledReport.objects.create(
        owner=erin,
        legal_entity=erin.legal_entities.get(),
        name="Budgets",
        report="budgets",
        file_format="csv",
        recipients=["fin@acme.example"],
        weekday=timezone.localdate().weekday(),
    )
    assert scheduled_reports_send() == 1
    assert [m.attachments[0][0].endswith(".csv") for m in mail.outbox] == [True]
    assert scheduled_reports_send() == 0
    erin.user.is_active = False
    erin.user.save()
    ScheduledReport.objects.update(last_sent_on=None)
    assert scheduled_reports_send() == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_away_gives_the_report_back_for_the_retry(erin):
    report = ScheduledReport.objects.create(
        owner=erin,
        legal_entity=erin.legal_entities.get(),
        name="Invoices",
        report="invoices",
        file_format="csv",
        recipients=["ap@acme.example"],
        weekday=0,
    )
    away = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    with override_settings(MAILERS=away), pytest.raises(OSError):
        scheduled_report_send(report_id=report.pk, today=MONDAY)
    report.refresh_from_db()
    assert report.last_sent_on is None
    assert scheduled_report_send(report_id=report.pk, today=MONDAY) is True  # the retry, the server back
    assert len(mail.outbox) == 1


def test_the_api_sets_up_lists_and_stops_reports_and_names_a_bad_field(erin, api_client):
    api_client.force_authenticate(erin.user)
    bad = api_client.post(
        "/api/v1/scheduled-reports/", {"name": "X", "report": "orders", "recipients": []}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_report"
    assert "report: Choose one of the lists." in bad.json()["message"]
    made = api_client.post(
        "/api/v1/scheduled-reports/",
        {
            "name": "Orders sent",
            "report": "purchase_orders",
            "query": "status=sent",
            "recipients": ["b@acme.example"],
            "weekday": 4,
            "file_format": "csv",
        },
        format="json",
    )
    assert made.status_code == 201
    assert {k: made.json()[k] for k in ("report", "query", "weekday", "recipients", "legal_entity")} == {
        "report": "purchase_orders",
        "query": "status=sent",
        "weekday": 4,
        "recipients": ["b@acme.example"],
        "legal_entity": "ACME-FR",
    }
    assert [r["name"] for r in api_client.get("/api/v1/scheduled-reports/").json()["results"]] == ["Orders sent"]
    assert api_client.delete(f"/api/v1/scheduled-reports/{made.json()['id']}/").status_code == 204
    assert api_client.delete(f"/api/v1/scheduled-reports/{made.json()['id']}/").status_code == 404
