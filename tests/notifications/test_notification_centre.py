"""The notification centre with real data: an approval task and a decision reach people in the app and by e-mail
as each one chose, in their language; the bell counts what is unread; read marks; the daily digest."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from notifications.context_processors import unread_notifications
from notifications.models import Channel, Kind, Notification
from notifications.services import preferences_save
from notifications.tasks import daily_digest_task
from procurement.tasks import notification_email_send
from tests.approvals.helpers import decide, open_tasks, person, submitted
from tests.factories import Company


def notes(username: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient__username=username, in_app=True).order_by("pk"))


def mails_to(username: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [f"{username}@acme.example"]]


def test_a_new_task_is_in_the_approvers_notifications_and_mailbox_and_the_decision_reaches_the_requester(
    acme: Company, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        requisition = submitted("500")

    [note] = notes("bob")
    assert note.kind == Kind.TASK_ASSIGNED
    assert note.title == f"Approve {requisition.number} (500.00\xa0EUR) for Alice Martin"
    assert note.link == "/approvals/" and note.legal_entity == acme.france and note.read_at is None
    assert (note.object_type, note.object_id) == ("requisitions.requisition", str(requisition.pk))
    assert "/approvals/email/" not in note.body  # the bearer link stays in the e-mail
    [to_bob] = mails_to("bob")
    assert to_bob.subject == note.title and re.search(r"http\S+/approvals/email/\S+/", to_bob.body)

    with django_capture_on_commit_callbacks(execute=True):
        decide(requisition, "bob", "reject", comment="Not this quarter.")
    [outcome] = notes("alice")
    assert outcome.kind == Kind.REJECTED
    assert outcome.title == f"{requisition.number} is rejected"
    assert "Bob Dubois" in outcome.body and "Not this quarter." in outcome.body
    assert outcome.link == f"/requisitions/{requisition.pk}/"
    [to_alice] = mails_to("alice")
    assert to_alice.subject == outcome.title and "Comment: Not this quarter." in to_alice.body

    # alice's centre lists it, unread and highlighted, with a way to its requisition
    client.force_login(acme.alice.user)
    page = client.get("/notifications/").content.decode()
    assert f'id="notification-{outcome.pk}"' in page and "notification-unread" in page
    assert f"{requisition.number} is rejected" in page


def test_the_return_and_the_comment_reach_the_requester(acme: Company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requisition = submitted("500")
        decide(requisition, "bob", "return", comment="Which project?")
    [returned] = notes("alice")
    assert returned.kind == Kind.RETURNED and returned.title == f"{requisition.number} is returned"
    assert "Which project?" in returned.body


@pytest.mark.parametrize(
    ("channel", "in_app", "emailed"),
    [
        (Channel.BOTH, True, True),
        (Channel.EMAIL, False, True),
        (Channel.IN_APP, True, False),
        (Channel.NONE, False, False),
    ],
)
def test_each_channel_does_what_it_says(acme: Company, django_capture_on_commit_callbacks, channel, in_app, emailed):
    preferences_save(user=acme.bob.user, channels={Kind.TASK_ASSIGNED: channel}, daily_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        submitted("500")
    assert len(notes("bob")) == (1 if in_app else 0)
    assert len(mails_to("bob")) == (1 if emailed else 0)
    assert Notification.objects.filter(recipient=acme.bob.user, in_app=False).count() == 0


def test_a_preference_for_one_kind_leaves_the_others_alone(acme: Company, django_capture_on_commit_callbacks):
    preferences_save(user=acme.alice.user, channels={Kind.APPROVED: Channel.NONE}, daily_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        requisition = submitted("500")
        decide(requisition, "bob", "reject", comment="No.")
    assert [n.kind for n in notes("alice")] == [Kind.REJECTED] and len(mails_to("alice")) == 1


def test_the_email_of_a_french_reader_is_written_in_french(acme: Company, django_capture_on_commit_callbacks):
    acme.bob.language = "fr"
    acme.bob.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        requisition = submitted("500")
    [to_bob] = mails_to("bob")
    assert to_bob.extra_headers["Content-Language"] == "fr"
    # The subject is the msgid as the French catalogue renders it (English until the translations land).
    with translation.override("fr"):
        expected = translation.gettext("Approve %(number)s (%(total)s) for %(requester)s") % {
            "number": requisition.number,
            "total": requisition.total,
            "requester": "Alice Martin",
        }
    assert to_bob.subject == expected
    # alice reads English: the language follows the reader, not whoever triggered it.
    with django_capture_on_commit_callbacks(execute=True):
        decide(requisition, "bob", "approve")
    assert mails_to("alice")[-1].extra_headers["Content-Language"] == "en"


def test_the_bell_counts_unread_notifications_in_one_query(
    acme: Company, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted("500")
        submitted("400")
    request = RequestFactory().get("/")
    request.user = acme.bob.user
    context = unread_notifications(request)
    with django_assert_num_queries(1):
        html = render_to_string("notifications/_bell.html", context, request=request)
    assert re.search(r'id="notification-count"[^>]*>2<', html)
    assert 'href="/notifications/"' in html

    Notification.objects.filter(recipient=acme.bob.user).update(read_at=timezone.now())
    assert "notification-count" not in render_to_string(
        "notifications/_bell.html", unread_notifications(request), request=request
    )


def test_mark_one_and_all_read_on_the_page_and_in_the_api(acme: Company, django_capture_on_commit_callbacks, client):
    with django_capture_on_commit_callbacks(execute=True):
        for amount in ("500", "400", "300"):
            submitted(amount)
    first, second, third = notes("bob")
    client.force_login(acme.bob.user)

    answer = client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert answer.status_code == 302 and answer["Location"] == "/approvals/"
    first.refresh_from_db()
    assert first.read_at is not None

    listed = client.get("/api/v1/notifications/").json()
    assert listed["count"] == 3 and listed["unread"] == 2
    assert [n["id"] for n in listed["results"]] == [third.pk, second.pk, first.pk]  # newest first
    assert listed["results"][0]["link"] == "/approvals/" and listed["results"][0]["read_at"] is None

    read = client.post(f"/api/v1/notifications/{second.pk}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/").json()["unread"] == 0

    # someone else's notification is not there for bob
    with django_capture_on_commit_callbacks(execute=True):
        decide(submitted("200"), "bob", "approve")
    [alices] = notes("alice")
    missing = client.post(f"/api/v1/notifications/{alices.pk}/read/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.post(f"/notifications/{alices.pk}/read/").status_code == 404
    alices.refresh_from_db()
    assert alices.read_at is None


def test_preferences_page_saves_channels_and_the_digest(acme: Company, client):
    client.force_login(acme.alice.user)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and "data-primary-action" in page.content.decode()
    saved = client.post(
        "/notifications/preferences/",
        {f"kind:{kind}": Channel.BOTH for kind in Kind.values}
        | {f"kind:{Kind.SHIPPED}": Channel.IN_APP, "daily_digest": "on"},
    )
    assert saved.status_code == 302
    page = client.get("/notifications/preferences/").content.decode()
    assert re.search(rf'name="kind:{re.escape(Kind.SHIPPED)}".*?<option value="in_app" selected', page, re.S)
    assert re.search(r'name="daily_digest"[^>]*checked', page)
    refused = client.post("/notifications/preferences/", {f"kind:{Kind.SHIPPED}": "carrier-pigeon"})
    assert refused.status_code == 400 and "is-invalid" in refused.content.decode()


def test_the_daily_digest_batches_the_days_emails_into_one(acme: Company, django_capture_on_commit_callbacks):
    preferences_save(user=acme.bob.user, channels={}, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = submitted("500"), submitted("400")
    assert mails_to("bob") == []  # kept for the digest
    assert len(notes("bob")) == 2  # and in the app as usual

    morning = timezone.localtime(timezone.now()).replace(hour=8, minute=0) + timedelta(days=1)
    early = morning.replace(hour=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_digest_task(now=early.isoformat()) == 0  # before the digest hour
        assert daily_digest_task(now=morning.isoformat()) == 1
        assert daily_digest_task(now=(morning + timedelta(hours=1)).isoformat()) == 0  # once a day
    [digest] = mails_to("bob")
    assert digest.subject == "Your daily digest: 2 notifications"
    assert first.number in digest.body and second.number in digest.body
    assert digest.body.count("/approvals/") == 2 and "/approvals/email/" not in digest.body
    assert digest.extra_headers["Content-Language"] == "en"


def test_a_read_notification_is_left_out_of_the_digest(acme: Company, django_capture_on_commit_callbacks):
    preferences_save(user=acme.bob.user, channels={}, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = submitted("500"), submitted("400")
    Notification.objects.filter(recipient=acme.bob.user, title__contains=first.number).update(read_at=timezone.now())
    morning = timezone.localtime(timezone.now()).replace(hour=9) + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        daily_digest_task(now=morning.isoformat())
    [digest] = mails_to("bob")
    assert digest.subject == "Your daily digest: 1 notification"
    assert second.number in digest.body and first.number not in digest.body
    assert Notification.objects.filter(recipient=acme.bob.user, digested_at=None).count() == 0


def test_an_escalated_task_says_so(acme: Company, django_capture_on_commit_callbacks):
    from viewflow.workflow.models import Task

    from approvals.routing import approvals_escalate

    requisition = submitted("500")
    start = timezone.now() - timedelta(days=14)
    Task.objects.filter(pk=open_tasks(requisition)["bob"]).update(assigned=start, created=start)
    with django_capture_on_commit_callbacks(execute=True):
        assert approvals_escalate()["escalated"] == 1
    [escalated] = notes("carol")
    assert escalated.kind == Kind.ESCALATED and "Bob Dubois" in escalated.body
    assert person("carol").user.email in [m.to[0] for m in mail.outbox]


def test_the_e_mail_task_is_given_the_address_and_reads_no_user(acme: Company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        submitted("500")
    # The approver's e-mail is queued with their address: sending it reads nobody again
    with CaptureQueriesContext(connection) as queries:
        for callback in queued:
            callback()
    assert len(queries) == 0
    [to_bob] = mails_to("bob")
    assert to_bob.to == [acme.bob.user.email]
    # A task queued without the address (before this change) still finds it, and skips a user who has gone
    assert notification_email_send(user_id=acme.bob.user.pk, subject="s", body="b") is True
    assert mails_to("bob")[-1].to == [acme.bob.user.email]
    assert notification_email_send(user_id=0, subject="s", body="b") is False
