"""The corporate hierarchy: who someone's managers are, however deep the tree."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from procurement.models import Employee
from procurement.selectors import employee_manager_chain
from tests.factories import EmployeeFactory


def build_chain(depth: int) -> list[Employee]:
    """An employee at index 0 whose managers are the following entries, top manager last."""
    people = [EmployeeFactory() for _ in range(depth + 1)]
    for person, manager in itertools.pairwise(people):
        person.manager = manager
        person.save(update_fields=["manager"])
    return people


@pytest.mark.parametrize("depth", [3, 30])
def test_manager_chain_is_read_in_one_query_whatever_the_depth(db, django_assert_num_queries, depth):
    # Given an employee with `depth` managers above them
    people = build_chain(depth)
    employee = Employee.objects.get(pk=people[0].pk)

    # When their manager chain is read
    with django_assert_num_queries(1):
        chain = employee_manager_chain(employee=employee)
        names = [manager.user.username for manager in chain]  # users come with the same query

    # Then it lists every manager from the direct one to the top, in order
    assert names == [person.user.username for person in people[1:]]


def test_top_manager_has_an_empty_chain_without_a_query(db, django_assert_num_queries):
    boss = EmployeeFactory()
    with django_assert_num_queries(0):
        assert employee_manager_chain(employee=boss) == []


def test_a_cycle_in_bad_data_ends_the_chain_instead_of_looping(db):
    # Given data where a and b manage each other (written around validation)
    a, b, c = EmployeeFactory(), EmployeeFactory(), EmployeeFactory()
    Employee.objects.filter(pk=c.pk).update(manager=a)
    Employee.objects.filter(pk=a.pk).update(manager=b)
    Employee.objects.filter(pk=b.pk).update(manager=a)
    c.refresh_from_db()

    # Then c's chain lists a and b once each and stops
    assert [m.pk for m in employee_manager_chain(employee=c)] == [a.pk, b.pk]


def test_an_admin_cannot_make_someone_their_own_indirect_manager(db):
    people = build_chain(3)
    top = people[-1]
    top.manager = people[0]
    with pytest.raises(ValidationError) as error:
        top.full_clean()
    assert "own manager" in str(error.value)
