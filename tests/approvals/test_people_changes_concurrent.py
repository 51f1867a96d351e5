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


def _someone_waits_for_a_lock() -> bool:
    """Another connection waits for a row lock (the one the test's first party holds)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def _first_holds_then_second(first, second):
    """`first` runs in a transaction held open until `second`, started meanwhile on another connection, waits for a
    lock; then `first` commits and `second` goes on. Returns what each returned or raised."""
    import threading

    from django.db import connection, transaction

    from tests.waiting import wait_for

    holding, release = threading.Event(), threading.Event()
    results: list[object] = [None, None]

    def run_first() -> None:
        try:
            with transaction.atomic():
                results[0] = first()
                holding.set()
                release.wait(120)
        except Exception as error:
            results[0] = error
            holding.set()
        finally:
            connection.close()

    def run_second() -> None:
        try:
            results[1] = second()
        except Exception as error:
            results[1] = error
        finally:
            connection.close()

    one, two = threading.Thread(target=run_first), threading.Thread(target=run_second)
    one.start()
    assert holding.wait(120)
    two.start()
    wait_for(_someone_waits_for_a_lock, "the second party to wait for the first's lock")
    release.set()
    one.join(120)
    two.join(120)
    return results


def _ben():
    return EmployeeFactory(
        user=UserFactory(username="ben", first_name="Ben", last_name="Noir", email="ben@acme.example"),
        legal_entities=list(person("alice").legal_entities.all()),
        manager=person("carol"),
        signing_limit_minor=1_000_00,
        signing_limit_currency="EUR",
        roles=[Role.APPROVER],
    )


def test_a_re_route_waiting_for_a_decision_under_way_moves_nothing():
    # Given alice's requisition waits for bob, and ben joins under carol
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    ben = _ben()
    # When bob's decision holds the process while the org import moves alice under ben
    decided, moved = _first_holds_then_second(
        lambda: approval_decide(task_id=task_id, by=person("bob"), decision="approve"),
        lambda: employees_org_apply(
            changes=[EmployeeOrgChange(employee=person("alice"), manager=ben)], by=None, source="org_import"
        ),
    )
    # Then bob's decision stands and the re-route, seeing it, moved nothing
    assert not isinstance(decided, Exception), decided
    assert moved == PeopleChangeResult(changed_employees=1, rerouted_tasks=0, reassigned_tasks=0, delegations_ended=0)
    requisition.refresh_from_db()
    assert requisition.status == "approved"
    assert requisition.events.filter(kind=RequisitionEvent.Kind.REROUTED).count() == 0


def test_a_decision_waiting_for_a_re_route_under_way_is_told_the_task_moved():
    # Given alice's requisition waits for bob, and ben joins under carol
    requisition = submitted("500")
    task_id = open_tasks(requisition)["bob"]
    ben = _ben()
    # When the org import holds the process, moving alice under ben, while bob decides
    moved, decided = _first_holds_then_second(
        lambda: employees_org_apply(
            changes=[EmployeeOrgChange(employee=person("alice"), manager=ben)], by=None, source="org_import"
        ),
        lambda: approval_decide(task_id=task_id, by=person("bob"), decision="approve"),
    )
    # Then the task is ben's, and bob is told it moved (never decided after it moved)
    assert moved == PeopleChangeResult(changed_employees=1, rerouted_tasks=1, reassigned_tasks=0, delegations_ended=0)
    assert isinstance(decided, ApprovalError), decided
    assert str(decided) == "This approval has moved to someone else."
    requisition.refresh_from_db()
    assert requisition.status == "in_approval"
    assert open_tasks(requisition) == {"ben": task_id}
