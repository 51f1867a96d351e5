"""Approvers decide from an e-mail: signed links that expire, work once, and only for their task."""

import re
import time

import pytest
from django.core import mail

from approvals.links import decision_link_url

from .helpers import open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")


def submit_and_mail(django_capture_on_commit_callbacks, amount="5000"):
    with django_capture_on_commit_callbacks(execute=True):
        requisition = submitted(amount)
    return requisition


def path_of(url: str) -> str:
    return url[url.index("/approvals/") :]


def test_bob_approves_from_the_mail_without_logging_in_and_carol_is_asked_next(
    client, django_capture_on_commit_callbacks, settings
):
    requisition = submit_and_mail(django_capture_on_commit_callbacks)
    [to_bob] = mail.outbox
    assert to_bob.to == ["bob@acme.example"] and requisition.number in to_bob.subject
    assert "5,000.00\xa0EUR" in to_bob.subject
    url = path_of(re.search(r"http\S+/approvals/email/\S+/", to_bob.body).group(0))

    page = client.get(url)
    assert page.status_code == 200 and "Approve" in page.content.decode()
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"  # opening the link decides nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"decision": "approve"})
    assert "approved" in done.content.decode()
    assert [m.to for m in mail.outbox[1:]] == [["carol@acme.example"]]

    # A second click answers the first decision (not an error page), and decides nothing again
    again = client.post(url, {"decision": "approve"})
    assert again.status_code == 200 and "already been decided" in again.content.decode()
    assert f"{requisition.number} approved" in again.content.decode()
    assert [m.to for m in mail.outbox[1:]] == [["carol@acme.example"]]


def test_return_from_the_mail_needs_a_comment_and_tells_the_requester(client, django_capture_on_commit_callbacks):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    url = path_of(re.search(r"http\S+/approvals/email/\S+/", mail.outbox[0].body).group(0))
    refused = client.post(url, {"decision": "return"})
    assert refused.status_code == 400 and "comment is required" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "return", "comment": "Which project?"})
    requisition.refresh_from_db()
    assert requisition.status == "returned"
    to_alice = mail.outbox[-1]
    assert to_alice.to == ["alice@acme.example"] and "Which project?" in to_alice.body


def test_forged_altered_and_expired_links_are_refused(client, django_capture_on_commit_callbacks, monkeypatch):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    task = open_tasks(requisition)["bob"]
    good = path_of(decision_link_url(task_id=task, user_id=person("bob").user_id))
    assert client.get(good[:-5] + "xxxx/").status_code == 400
    carol_link = path_of(decision_link_url(task_id=task, user_id=person("carol").user_id))
    assert client.post(carol_link, {"decision": "approve"}).status_code == 410  # signed, but not carol's task

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 8 * 24 * 3600)
    old = path_of(decision_link_url(task_id=task, user_id=person("bob").user_id))
    monkeypatch.setattr(time, "time", real_time)
    assert client.get(old).status_code == 400
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"
