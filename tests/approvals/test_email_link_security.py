"""E-mail approval links as bearer tokens: short-lived, audited with the browser that clicked, and a login above
the entity's limit; and every number the approval pages take from a person is bounded."""

import re
import time

import pytest
from django.core import mail
from django.utils import timezone

from approvals.links import decision_link_url
from approvals.models import ApprovalStepApprover, Delegation
from procurement.models import LegalEntity
from requisitions.models import Requisition, RequisitionEvent
from tests.factories import PASSWORD

from .helpers import open_tasks, person, submitted

pytestmark = pytest.mark.usefixtures("acme")

CLICK = {"REMOTE_ADDR": "203.0.113.7", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Thunderbird/140.0"}


def submit_and_mail(django_capture_on_commit_callbacks, amount: str) -> Requisition:
    with django_capture_on_commit_callbacks(execute=True):
        return submitted(amount)


def bobs_link(requisition: Requisition) -> str:
    to_bob = next(m for m in mail.outbox if m.to == ["bob@acme.example"] and requisition.number in m.subject)
    return re.search(r"http\S+(/approvals/email/\S+/)", to_bob.body).group(1)


def link_made_hours_ago(monkeypatch, requisition: Requisition, hours: float) -> str:
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - hours * 3600)
    url = decision_link_url(task_id=open_tasks(requisition)["bob"], user_id=person("bob").user_id)
    monkeypatch.setattr(time, "time", real_time)
    return url[url.index("/approvals/") :]


def decision_event(requisition: Requisition) -> RequisitionEvent:
    return RequisitionEvent.objects.get(requisition=requisition, kind=RequisitionEvent.Kind.DECISION)


def test_a_link_expires_after_48_hours_by_default(client, django_capture_on_commit_callbacks, monkeypatch):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    assert "valid for 48 hours, no login needed" in mail.outbox[0].body
    expired = client.get(link_made_hours_ago(monkeypatch, requisition, 49))
    assert expired.status_code == 400 and "not valid or has expired" in expired.content.decode()
    fresh = client.get(link_made_hours_ago(monkeypatch, requisition, 47))
    assert fresh.status_code == 200 and requisition.number in fresh.content.decode()


def test_the_expiry_is_a_setting(client, django_capture_on_commit_callbacks, monkeypatch, settings):
    settings.APPROVAL_LINK_MAX_AGE_HOURS = 2
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    assert "valid for 2 hours" in mail.outbox[0].body
    assert client.get(link_made_hours_ago(monkeypatch, requisition, 3)).status_code == 400
    assert client.get(link_made_hours_ago(monkeypatch, requisition, 1)).status_code == 200


def test_the_audit_records_the_browser_that_clicked_and_the_history_shows_it(
    client, django_capture_on_commit_callbacks
):
    # Given bob's link to a 500 EUR requisition, opened from some browser
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    # When that browser approves
    done = client.post(bobs_link(requisition), {"decision": "approve"}, **CLICK)
    assert done.status_code == 200
    # Then the decision records the link, the address and the user agent of the click
    event = decision_event(requisition)
    assert event.actor == person("bob").user
    assert event.data == {
        "decision": "approve",
        "step": "Manager: Bob Dubois",
        "via": "e-mail link",
        "ip": "203.0.113.7",
        "user_agent": CLICK["HTTP_USER_AGENT"],
    }
    assignment = ApprovalStepApprover.objects.get(step__chain__requisition=requisition, approver=person("bob"))
    assert (assignment.decided_via, assignment.decided_from_ip, assignment.decided_user_agent) == (
        "e-mail link",
        "203.0.113.7",
        CLICK["HTTP_USER_AGENT"],
    )
    # And the requester sees it in the requisition's history
    client.force_login(person("alice").user)
    page = client.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert (
        'approve at “Manager: Bob Dubois” <span class="muted decision-origin">via e-mail link from 203.0.113.7, '
        "Mozilla/5.0 (X11; Linux x86_64) Thunderbird/140.0</span>" in page
    )


def test_an_inbox_decision_records_its_origin_too(client, django_capture_on_commit_callbacks):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    client.force_login(person("bob").user)
    client.post(f"/approvals/tasks/{open_tasks(requisition)['bob']}/approve/", {}, **CLICK)
    assert decision_event(requisition).data["via"] == "inbox"
    assert decision_event(requisition).data["ip"] == "203.0.113.7"


@pytest.fixture
def france_limit_1000_eur(acme):
    assert LegalEntity.objects.filter(pk=acme.france.pk).update(email_approval_limit_minor=100_000) == 1


@pytest.mark.usefixtures("france_limit_1000_eur")
def test_above_the_entitys_limit_the_link_asks_for_a_login_and_decides_nothing_by_itself(
    client, django_capture_on_commit_callbacks
):
    # Given ACME-FR lets e-mail links decide up to 1,000 EUR, and a 5,000 EUR requisition waits for bob
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "5000")
    assert "you will be asked to log in" in mail.outbox[0].body
    url = bobs_link(requisition)
    task = open_tasks(requisition)["bob"]

    # When the link is opened without a login, it shows the requisition and a way to log in, no buttons
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and requisition.number in text
    assert f'href="/login/?next={url.replace("/", "%2F").replace(":", "%3A")}"' in text
    assert 'name="decision"' not in text
    # And a decision posted anyway is refused and changes nothing
    refused = client.post(url, {"decision": "approve"}, **CLICK)
    assert refused.status_code == 403 and "Log in to decide" in refused.content.decode()
    assert open_tasks(requisition) == {"bob": task}

    # When bob logs in from there, he lands on the same page, now with the buttons
    login = client.post("/login/", {"username": "bob", "password": PASSWORD, "next": url})
    assert login.status_code == 302 and login["Location"] == url
    assert 'name="decision" value="approve"' in client.get(url).content.decode()
    # And his decision goes through as the logged-in assignee, audited as such
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"decision": "approve"}, **CLICK)
    assert done.status_code == 200 and "approved" in done.content.decode()
    assert "bob" not in open_tasks(requisition)
    assert decision_event(requisition).data["via"] == "e-mail link + login"
    # And the link stays single-use: a second click answers the first decision and decides nothing
    again = client.post(url, {"decision": "reject", "comment": "no"})
    assert again.status_code == 200 and "already been decided" in again.content.decode()
    assert requisition.events.filter(kind="decision").count() == 1


@pytest.mark.usefixtures("france_limit_1000_eur")
def test_above_the_limit_someone_else_logged_in_cannot_use_the_link(client, django_capture_on_commit_callbacks):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "5000")
    url = bobs_link(requisition)
    client.force_login(person("carol").user)
    for response in (client.get(url), client.post(url, {"decision": "approve"})):
        assert response.status_code == 403
        assert "This approval waits for Bob Dubois: log in as them to decide." in response.content.decode()
    assert set(open_tasks(requisition)) == {"bob"}


@pytest.mark.usefixtures("france_limit_1000_eur")
def test_up_to_the_limit_the_link_still_decides_alone(client, django_capture_on_commit_callbacks):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "1000")
    assert "no login needed" in mail.outbox[0].body
    done = client.post(bobs_link(requisition), {"decision": "approve"})
    assert done.status_code == 200 and "approved" in done.content.decode()


# --- return URLs and bounded numbers -------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "https:evil.example"])
def test_deciding_in_the_inbox_never_redirects_off_site(client, django_capture_on_commit_callbacks, target):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    client.force_login(person("bob").user)
    response = client.post(f"/approvals/tasks/{open_tasks(requisition)['bob']}/approve/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/approvals/"


def test_deciding_in_the_inbox_follows_an_on_site_next(client, django_capture_on_commit_callbacks):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    client.force_login(person("bob").user)
    response = client.post(
        f"/approvals/tasks/{open_tasks(requisition)['bob']}/approve/", {"next": "/approvals/?order=newest"}
    )
    assert response["Location"] == "/approvals/?order=newest"


def test_a_non_numeric_delegate_is_a_form_error_that_keeps_what_was_typed(client):
    client.force_login(person("bob").user)
    today = timezone.localdate().isoformat()
    response = client.post(
        "/approvals/away/", {"delegate": "dave", "starts_on": today, "ends_on": today, "comment": "Ski week"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Pick a colleague from the list." in page
    assert f'name="starts_on" required value="{today}"' in page
    assert f'name="ends_on" required value="{today}"' in page
    assert 'name="comment" maxlength="200" value="Ski week"' in page
    assert Delegation.objects.count() == 0


@pytest.mark.parametrize(
    ("delegate", "starts_on", "ends_on", "message"),
    [
        ("9" * 30, "today", "today", "Pick a colleague from the list."),
        ("-1", "today", "today", "Pick a colleague from the list."),
        ("dave", "99999-01-01", "today", "Enter a valid date."),
        ("dave", "today", "+800 days", "An absence lasts at most 366 days."),
        ("dave", "+1000 days", "+1001 days", "Plan at most 732 days ahead."),
        ("dave", "-10 days", "-5 days", "The absence is over already."),
        ("dave", "today", "-1 days", "The absence ends before it starts."),
    ],
)
def test_the_out_of_office_form_bounds_ids_and_days(client, delegate, starts_on, ends_on, message):
    today = timezone.localdate()

    def day(value: str) -> str:
        if value == "today":
            return today.isoformat()
        if value.endswith(" days"):
            return (today + timezone.timedelta(days=int(value.split()[0]))).isoformat()
        return value

    client.force_login(person("bob").user)
    response = client.post(
        "/approvals/away/",
        {
            "delegate": person("dave").pk if delegate == "dave" else delegate,
            "starts_on": day(starts_on),
            "ends_on": day(ends_on),
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Delegation.objects.count() == 0


def test_removing_a_delegation_with_a_huge_or_foreign_id_says_so(client):
    client.force_login(person("bob").user)
    for value in ("9" * 40, "12345678901234567890", "-3", "x"):
        response = client.post("/approvals/away/", {"delegate": "", "delete": value}, follow=True)
        assert response.status_code == 200
        assert "That delegation is not there any more." in response.content.decode()


def test_bulk_approval_and_the_api_page_bound_their_numbers(client, api_client, django_capture_on_commit_callbacks):
    requisition = submit_and_mail(django_capture_on_commit_callbacks, "500")
    client.force_login(person("bob").user)
    task = open_tasks(requisition)["bob"]
    response = client.post("/approvals/bulk-approve/", {"tasks": ["9" * 30, "99999999999999999999", str(task)]})
    assert response.status_code == 302
    assert "bob" not in open_tasks(requisition)

    decide = client.post(f"/approvals/tasks/{'9' * 30}/approve/", {}, follow=True)
    assert decide.status_code == 200
    assert f"There is no approval task {'9' * 30} of yours." in decide.content.decode()

    api_client.force_authenticate(person("bob").user)
    for page in ("9" * 30, "9" * 5000, "0", "-1", "x"):
        answer = api_client.get("/api/v1/approvals/inbox/", {"page": page})
        assert answer.status_code == 200, page
    assert api_client.post(f"/api/v1/approvals/tasks/{'9' * 30}/approve/", {}, format="json").status_code == 403
