"""procurement.sql.sql_bulk_update writes what bulk_update would: keys, text, null, booleans, in batches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.models import Employee
from procurement.sql import sql_bulk_update
from tests.factories import CostCentreFactory, EmployeeFactory, LegalEntityFactory

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_a_batch_is_one_statement():
    entity = LegalEntityFactory(code="BULK")
    centre = CostCentreFactory(legal_entity=entity, code="CC-1")
    boss = EmployeeFactory(legal_entities=[entity])
    people = EmployeeFactory.create_batch(5, legal_entities=[entity], manager=boss, signing_limit_minor=None)
    untouched = EmployeeFactory(
        legal_entities=[entity], manager=boss, signing_limit_minor=7_00, signing_limit_currency="SEK"
    )
    for n, person in enumerate(people):
        person.manager = None if n % 2 else people[0] if n else boss
        person.default_cost_centre = centre if n % 2 else None
        person.signing_limit_minor, person.signing_limit_currency = (n * 100, "EUR") if n else (None, "")
        person.user.is_active = n != 3

    with CaptureQueriesContext(connection) as queries:
        sql_bulk_update(
            people, ["manager", "default_cost_centre", "signing_limit_minor", "signing_limit_currency"], batch_size=3
        )
        sql_bulk_update([person.user for person in people], ["is_active"])

    assert len(queries) == 3
    read = {
        row.pk: (row.manager_id, row.default_cost_centre_id, row.signing_limit_minor, row.signing_limit_currency)
        for row in Employee.objects.filter(pk__in=[p.pk for p in [*people, untouched]])
    }
    assert read == {
        people[0].pk: (boss.pk, None, None, ""),
        people[1].pk: (None, centre.pk, 100, "EUR"),
        people[2].pk: (people[0].pk, None, 200, "EUR"),
        people[3].pk: (None, centre.pk, 300, "EUR"),
        people[4].pk: (people[0].pk, None, 400, "EUR"),
        untouched.pk: (boss.pk, None, 7_00, "SEK"),
    }
    active = dict(Employee.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "user__is_active"))
    assert active == {person.pk: person.pk != people[3].pk for person in people}
