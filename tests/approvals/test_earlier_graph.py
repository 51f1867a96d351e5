"""A process started on the earlier graph (start → check_stage → split_stage → approve → join_stage → route …)
goes on on the new one: its open approve tasks lead to the gate, and a join of the earlier graph still waiting is
read as viewflow's Obsolete node and ends with its stage."""

from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes import Obsolete
from viewflow.workflow.status import PROCESS, STATUS

from approvals.flows import ApprovalFlow

from .helpers import decide, open_tasks, submitted


def test_an_open_join_of_the_earlier_graph_ends_with_its_stage(acme):
    # Given a requisition in approval whose process also holds a join of the earlier graph, still waiting
    requisition = submitted("1500.00")
    process = Process.objects.get(data__requisition=requisition.pk)
    join = Task.objects.create(
        process=process,
        flow_task=ApprovalFlow.instance.node("join_stage"),
        flow_task_type="JOIN",
        status=STATUS.STARTED,
        started=timezone.now(),
    )
    assert isinstance(Task.objects.get(pk=join.pk).flow_task, Obsolete)

    # When bob approves his stage
    decide(requisition, "bob")

    # Then the waiting join ended with the stage, and carol's task is open
    join.refresh_from_db()
    assert join.status == STATUS.CANCELED
    assert set(open_tasks(requisition)) == {"carol"}

    # And carol's approval ends the process
    decide(requisition, "carol")
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    requisition.refresh_from_db()
    assert requisition.status in ("approved", "ordered")
