"""People changes (p2p.people_changes): fields audited from → to, manager cycles refused, open approval work moved."""

import pytest

from p2p.people_changes import UNSET, EmployeeOrgChange, PeopleChangeResult, employees_org_apply
from procurement.models import AuditEvent
from procurement.people import PeopleChangeInvalid
from tests.factories import company

pytestmark = pytest.mark.django_db


def test_a_manager_change_is_saved_and_audited_from_and_to():
    # Given alice reports to bob
    acme = company()
    # When the org import says she reports to carol
    result = employees_org_apply(
        changes=[EmployeeOrgChange(employee=acme.alice, manager=acme.carol)], by=None, source="org_import"
    )
    # Then she does, and the audit log says who she reported to before and where the change came from
    acme.alice.refresh_from_db()
    assert acme.alice.manager_id == acme.carol.pk
    assert result == PeopleChangeResult(changed_employees=1, rerouted_tasks=0, reassigned_tasks=0, delegations_ended=0)
    [event] = AuditEvent.objects.filter(event_type="organisation.employee.changed")
    assert event.data == {
        "manager": {"from": "bob", "to": "carol"},
        "employee": "alice",
        "source": "org_import",
    }


def test_a_manager_cycle_in_a_batch_is_refused_and_nothing_is_written():
    # Given dave is at the top, carol reports to dave
    acme = company()
    # When a batch puts dave under alice (who is below carol, below dave)
    with pytest.raises(PeopleChangeInvalid) as refused:
        employees_org_apply(
            changes=[
                EmployeeOrgChange(
                    employee=acme.frank, org_unit=UNSET, signing_limit_minor=5_00, signing_limit_currency="EUR"
                ),
                EmployeeOrgChange(employee=acme.dave, manager=acme.alice),
            ],
            by=None,
            source="org_import",
        )
    # Then the batch is refused, naming dave and the field, and nothing changed
    assert (refused.value.employee, refused.value.field) == (acme.dave, "manager")
    acme.dave.refresh_from_db()
    acme.frank.refresh_from_db()
    assert acme.dave.manager_id is None
    assert acme.frank.signing_limit_minor == 0
    assert AuditEvent.objects.filter(event_type="organisation.employee.changed").count() == 0


def _queries_of_batch(acme, count: int, *, change: bool) -> int:
    """The queries of one batch: `count` people under frank (none with approval work) given a new limit (`change`)
    or the limit they have (an import run again), plus alice's move to carol."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.models import Employee
    from tests.factories import EmployeeFactory

    people = EmployeeFactory.create_batch(
        count, manager=acme.frank, signing_limit_minor=10_00, signing_limit_currency="EUR"
    )
    people = list(Employee.objects.filter(pk__in=[p.pk for p in people]).select_related("user").order_by("pk"))
    alice = Employee.objects.select_related("user", "manager__user").get(pk=acme.alice.pk)
    carol = Employee.objects.select_related("user").get(pk=acme.carol.pk)
    changes = [EmployeeOrgChange(employee=alice, manager=carol if alice.manager_id != carol.pk else acme.bob)]
    changes += [EmployeeOrgChange(employee=p, signing_limit_minor=20_00 if change else 10_00) for p in people]
    with CaptureQueriesContext(connection) as queries:
        employees_org_apply(changes=changes, by=None, source="org_import")
    return len(queries)


def test_a_batch_costs_nothing_per_unchanged_employee_and_no_approval_reads_per_changed_one():
    # Given a company without open approvals
    acme = company()
    # When a batch carries 5, then 40, people whose data is already what it says (an import run again)
    few, many = _queries_of_batch(acme, 5, change=False), _queries_of_batch(acme, 40, change=False)
    # Then the 35 more cost no query at all
    assert many == few
    # And when 5, then 40, people really change, the 35 more cost nothing either: their columns are written by one bulk
    # update and their audit rows by one bulk insert, as the 5's are
    few, many = _queries_of_batch(acme, 5, change=True), _queries_of_batch(acme, 40, change=True)
    assert many == few


@pytest.mark.parametrize(
    ("minor", "currency", "field", "message"),
    [
        (5_00, "", "signing_limit_currency", "A signing limit needs a currency."),
        (5_00, "EURO", "signing_limit_currency", "EURO is not a currency code."),
        (-1, "EUR", "signing_limit", "A signing limit is a whole, non-negative amount."),
    ],
)
def test_a_bad_signing_limit_is_refused_naming_the_field(minor, currency, field, message):
    # Given dave, who signs up to 100,000 EUR
    acme = company()
    # When a change gives him a limit that cannot be
    with pytest.raises(PeopleChangeInvalid) as refused:
        employees_org_apply(
            changes=[EmployeeOrgChange(employee=acme.dave, signing_limit_minor=minor, signing_limit_currency=currency)],
            by=None,
            source="org_import",
        )
    # Then it is refused, naming the field, and his limit is as it was
    assert (refused.value.field, refused.value.message) == (field, message)
    acme.dave.refresh_from_db()
    assert (acme.dave.signing_limit_minor, acme.dave.signing_limit_currency) == (100_000_00, "EUR")


def test_a_limit_removed_and_a_unit_set_are_audited_in_one_event():
    from tests.factories import OrgUnitFactory

    acme = company()
    unit = OrgUnitFactory(legal_entity=acme.france, code="ENG", name="Engineering")
    employees_org_apply(
        changes=[EmployeeOrgChange(employee=acme.carol, signing_limit_minor=None, org_unit=unit)],
        by=acme.dave,
        source="scim",
    )
    acme.carol.refresh_from_db()
    assert (acme.carol.signing_limit_minor, acme.carol.signing_limit_currency, acme.carol.org_unit_id) == (
        None,
        "",
        unit.pk,
    )
    [event] = AuditEvent.objects.filter(event_type="organisation.employee.changed")
    assert (event.actor, event.data) == (
        acme.dave.user,
        {
            "org_unit": {"from": None, "to": "ENG"},
            "signing_limit": {"from": {"minor": 10_000_00, "currency": "EUR"}, "to": None},
            "employee": "carol",
            "source": "scim",
        },
    )
