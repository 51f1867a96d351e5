"""A people change re-routing open approvals while approvers decide them, each on its own connection: every task
ends decided once or moved once, never both (PostgreSQL)."""

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.errors import ApprovalError
from p2p.people_changes import EmployeeOrgChange, PeopleChangeResult, employees_org_apply
from p2p.submit_to_order import approval_decide
from procurement.models import Role
from requisitions.models import RequisitionEvent
from tests.concurrency import run_concurrently
from tests.factories import EmployeeFactory, UserFactory

from .helpers import open_tasks, person, submitted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("acme")]


def test_decisions_racing_a_re_route_each_end_decided_once_or_moved_once():
    # Given three of alice's requisitions waiting for bob, and ben, who joins under carol
    waiting = [submitted(f"{500 + n}") for n in range(3)]
    tasks = [open_tasks(requisition)["bob"] for requisition in waiting]
    ben = EmployeeFactory(
        user=UserFactory(username="ben", first_name="Ben", last_name="Noir", email="ben@acme.example"),
        legal_entities=list(person("alice").legal_entities.all()),
        manager=person("carol"),
        signing_limit_minor=1_000_00,
        signing_limit_currency="EUR",
        roles=[Role.APPROVER],
    )

    # When the org import makes ben alice's manager while bob approves all three, at the same moment
    def reroute() -> PeopleChangeResult:
        return employees_org_apply(
            changes=[EmployeeOrgChange(employee=person("alice"), manager=ben)], by=None, source="org_import"
        )

    def approve(task_id: int) -> object:
        return approval_decide(task_id=task_id, by=person("bob"), decision="approve")

    moved, *decisions = run_concurrently([reroute, *(lambda task_id=task_id: approve(task_id) for task_id in tasks)])

    # Then each requisition was either approved by bob (nothing moved) or moved to ben (bob told it is not his)
    assert isinstance(moved, PeopleChangeResult), moved
    outcomes = []
    for requisition, task_id, decision in zip(waiting, tasks, decisions, strict=True):
        requisition.refresh_from_db()
        history = list(requisition.events.filter(kind__in=["decision", "rerouted"]).values_list("kind", flat=True))
        if isinstance(decision, ApprovalError):
            assert requisition.status == "in_approval"
            assert history == [RequisitionEvent.Kind.REROUTED]
            assert open_tasks(requisition) == {"ben": task_id}
            outcomes.append("moved")
        else:
            assert not isinstance(decision, Exception), decision
            assert requisition.status == "approved"
            assert history == [RequisitionEvent.Kind.DECISION]
            assert Task.objects.get(pk=task_id).status == STATUS.DONE
            outcomes.append("decided")
    assert moved.rerouted_tasks == outcomes.count("moved")
    assert moved.changed_employees == 1
