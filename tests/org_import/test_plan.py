"""The organisation file checked line by line and its diff against factory data (identity.org_import)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity.org_import.files import read_org_file
from identity.org_import.plan import MODE_FULL, org_plan_build
from tests.factories import EmployeeFactory, LegalEntityFactory, OrgUnitFactory, UserFactory

from .conftest import csv_file, known_roles

pytestmark = pytest.mark.django_db


def plan_of(acme, admin, data: bytes, mode: str = "partial"):
    return org_plan_build(legal_entity=acme.france, rows=read_org_file("org.csv", data), mode=mode, by=admin.user)


def test_the_diff_of_a_sample_file_names_every_create_update_and_unchanged_row(acme, admin):
    # Given alice under bob with a 0 EUR limit, bob unchanged, and a new person in a new unit and cost centre
    OrgUnitFactory(legal_entity=acme.france, code="FR", name="Acme France")
    data = csv_file(
        "Email;First name;last_name;org_unit;org_unit_name;org_unit_parent;manager_email;cost_centre;cost_centre_name;"
        "signing_limit;signing_limit_currency;roles;status",
        "alice@acme.example;;;;;;carol@acme.example;;;500;;;",
        "nina@acme.example;Nina;Ng;FR-LAB;Laboratory;FR;bob@acme.example;FR-LAB;Lab;0;EUR;requester;active",
        "bob@acme.example;Bob;Dubois;;;;carol@acme.example;FR-ENG;;1000.00;EUR;approver,requester;active",
    )
    # When the file is checked
    plan = plan_of(acme, admin, data)
    # Then the diff says exactly what applying it would change
    assert plan.errors == []
    assert plan.diff() == {
        "org_units": [
            {
                "action": "create",
                "code": "FR-LAB",
                "line": 3,
                "fields": [
                    {"field": "name", "old": None, "new": "Laboratory"},
                    {"field": "parent", "old": None, "new": "FR"},
                ],
            }
        ],
        "cost_centres": [
            {
                "action": "create",
                "code": "FR-LAB",
                "line": 3,
                "fields": [
                    {"field": "name", "old": None, "new": "Lab"},
                    {"field": "org_unit", "old": None, "new": "FR-LAB"},
                ],
            }
        ],
        "employees": [
            {
                "action": "update",
                "email": "alice@acme.example",
                "name": "Alice Martin",
                "line": 2,
                "fields": [
                    {"field": "manager", "old": "bob@acme.example", "new": "carol@acme.example"},
                    {"field": "signing_limit", "old": "0.00 EUR", "new": "500.00 EUR"},
                ],
            },
            {
                "action": "create",
                "email": "nina@acme.example",
                "name": "",
                "line": 3,
                "fields": [
                    {"field": "first_name", "old": None, "new": "Nina"},
                    {"field": "last_name", "old": None, "new": "Ng"},
                    {"field": "manager", "old": None, "new": "bob@acme.example"},
                    {"field": "org_unit", "old": None, "new": "FR-LAB"},
                    {"field": "default_cost_centre", "old": None, "new": "FR-LAB"},
                    {"field": "signing_limit", "old": None, "new": "0.00 EUR"},
                    {"field": "roles", "old": "", "new": "requester"},
                ],
            },
        ],
        "counts": {
            "org_units_created": 1,
            "org_units_updated": 0,
            "cost_centres_created": 1,
            "cost_centres_updated": 0,
            "created": 1,
            "updated": 1,
            "leavers": 0,
            "unchanged": 1,
        },
    }


def test_every_bad_line_is_reported_with_its_column_value_and_message(acme, admin):
    data = csv_file(
        "email,manager_email,signing_limit,signing_limit_currency,roles,status,legal_entity,org_unit_name",
        "alice@acme.example,alice@acme.example,,,,,,",
        "not-an-email,,,,,,,",
        "bob@acme.example,nobody@acme.example,12.345,,,,,",
        "carol@acme.example,,-5,,wizard,gone,ACME-SE,",
        "alice@acme.example,,,,,,,",
        "dave@acme.example,,,USD,,,,Unit",
        ",carol@acme.example,,,,,,",
    )
    plan = plan_of(acme, admin, data)
    assert [(e.line, e.column, e.value, e.message) for e in plan.errors] == [
        (2, "manager_email", "alice@acme.example", "A person cannot be their own manager."),
        (3, "email", "not-an-email", "Not an e-mail address."),
        (4, "manager_email", "nobody@acme.example", "No employee of ACME-FR has this e-mail, and no row of this file."),
        (4, "signing_limit", "12.345", "EUR amounts have at most 2 decimals."),
        (
            5,
            "legal_entity",
            "ACME-SE",
            "This import is for ACME-FR: load this person in an import of their own legal entity.",
        ),
        (5, "signing_limit", "-5", "A signing limit cannot be negative."),
        (
            5,
            "roles",
            "wizard",
            f"Unknown roles: wizard. The roles are: {known_roles()}.",
        ),
        (5, "status", "gone", "The status is active or leaver."),
        (6, "email", "alice@acme.example", "This person is already on line 2."),
        (7, "org_unit_name", "Unit", "Give the org_unit code this applies to."),
        (7, "signing_limit_currency", "USD", "A currency needs a signing_limit on the same row."),
        (8, "email", "", "Each row needs the person's e-mail address."),
    ]
    assert plan.diff()["employees"] == []


def test_a_manager_cycle_is_an_error_on_each_line_that_makes_it(acme, admin):
    # dave (top) would report to alice, who reports (through bob and carol) to dave
    plan = plan_of(acme, admin, csv_file("email,manager_email", "dave@acme.example,alice@acme.example"))
    assert [(e.line, e.column, e.message) for e in plan.errors] == [
        (2, "manager_email", "This manager would make a loop: dave@acme.example would manage their own manager.")
    ]
    # Managers named in later rows are resolved after all rows are read, and loops among new people are found
    plan = plan_of(
        acme,
        admin,
        csv_file("email,manager_email", "x@acme.example,y@acme.example", "y@acme.example,x@acme.example"),
    )
    assert [(e.line, e.column) for e in plan.errors] == [(2, "manager_email"), (3, "manager_email")]
    plan = plan_of(acme, admin, csv_file("email,manager_email", "x@acme.example,y@acme.example", "y@acme.example,-"))
    assert plan.errors == []
    assert plan.counts["created"] == 2


def test_the_full_mode_lists_the_missing_people_of_the_entity_as_leavers(acme, admin):
    rows = ["email"] + [f"{name}@acme.example" for name in ("alice", "bob", "carol", "dave")]
    plan = plan_of(acme, admin, csv_file(*rows), mode=MODE_FULL)
    assert [(p["action"], p["email"], p["line"], p["fields"]) for p in plan.diff()["employees"]] == [
        ("leaver", "erin@acme.example", 0, [{"field": "status", "old": "active", "new": "leaver"}]),
        ("leaver", "frank@acme.example", 0, [{"field": "status", "old": "active", "new": "leaver"}]),
    ]
    assert plan.counts["unchanged"] == 4


def test_people_of_another_entity_cannot_be_touched(acme, admin):
    other = LegalEntityFactory(code="OTHER")
    EmployeeFactory(user=UserFactory(username="sven", email="sven@other.example"), legal_entities=[other])
    plan = plan_of(acme, admin, csv_file("email,signing_limit", "sven@other.example,100"))
    assert [(e.line, e.column, e.message) for e in plan.errors] == [
        (2, "email", "This person belongs to another legal entity: they are changed by an import of theirs.")
    ]


def test_checking_a_file_costs_the_same_queries_for_ten_rows_or_a_thousand(acme, admin, django_assert_num_queries):
    def people(count: int) -> bytes:
        rows = [f"p{n}@acme.example,P{n},Person,FR-ENG,bob@acme.example,1000,requester" for n in range(count)]
        return csv_file("email,first_name,last_name,cost_centre,manager_email,signing_limit,roles", *rows)

    with CaptureQueriesContext(connection) as ten:
        assert plan_of(acme, admin, people(10)).counts["created"] == 10
    with django_assert_num_queries(len(ten.captured_queries)):
        assert plan_of(acme, admin, people(1000)).counts["created"] == 1000


def test_an_entity_admin_cannot_change_a_superuser(acme, admin):
    root = EmployeeFactory(
        user=UserFactory(username="root", email="root@acme.example", is_superuser=True), legal_entities=[acme.france]
    )
    plan = plan_of(acme, admin, csv_file("email,status,roles", "root@acme.example,leaver,-"))
    assert [(e.line, e.column, e.message) for e in plan.errors] == [
        (2, "email", "A superuser's account is changed only by a superuser (in the admin).")
    ]
    assert root.user.is_active
