"""Single sign-on's just-in-time provisioning is a people change: when the directory gives a signed-in employee a new
manager, their open approval work is re-routed by the usual rules and the change is audited with source "sso"."""

import pytest

from procurement.models import AuditEvent, Employee
from tests.approvals.helpers import open_tasks, submitted
from tests.factories import company

from .test_oidc_sign_in import make_provider, sign_in

pytestmark = pytest.mark.django_db


def test_a_manager_moved_in_the_directory_re_routes_the_pending_task_at_the_next_sign_in(client, oidc_provider):
    # Given alice (reporting to bob) waits on bob for 500 EUR, and her company signs in through the provider
    acme = company()
    make_provider(oidc_provider, acme.france)
    requisition = submitted("500.00")
    task_id = open_tasks(requisition)["bob"]
    claims = {"email": "alice@acme.example", "email_verified": True, "given_name": "Alice", "family_name": "Martin"}

    # When she signs in and the directory says her manager is carol now
    oidc_provider.person("alice-sso", "alice-pw", **claims, manager_email="carol@acme.example")
    landed = sign_in(client, oidc_provider, "acme", "alice-sso", "alice-pw")

    # Then she is in, carol is her manager, and the task waits for carol (who signs up to 10,000 EUR), not bob
    assert landed.status_code == 302 and landed["Location"] == "/"
    assert Employee.objects.get(pk=acme.alice.pk).manager_id == acme.carol.pk
    assert open_tasks(requisition) == {"carol": task_id}
    changed = AuditEvent.objects.get(event_type="organisation.employee.changed", object_id=str(acme.alice.pk))
    assert (changed.actor, changed.data["source"], changed.data["manager"]) == (
        None,
        "sso",
        {"from": "bob", "to": "carol"},
    )
    assert AuditEvent.objects.filter(event_type="approvals.task.rerouted").count() == 1
    sign_in_event = AuditEvent.objects.get(event_type="identity.sign_in")
    assert sign_in_event.data["changed"] == ["manager"]

    # When she signs in again with the same claims, nothing more moves
    client.post("/logout/")
    sign_in(client, oidc_provider, "acme", "alice-sso", "alice-pw")
    assert AuditEvent.objects.filter(event_type="organisation.employee.changed").count() == 1
    assert open_tasks(requisition) == {"carol": task_id}
