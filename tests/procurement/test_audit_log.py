"""The audit log's page (/audit/) and API (/api/v1/audit/events/): who reads what, the filters, keyset pages,
downloads (docs/identity.md, "Audit log")."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.events import audit_event_record
from procurement.models import AuditEvent, Role, TokenScope
from procurement.sql import sql_column, sql_table
from tests.factories import PASSWORD, EmployeeFactory, SupplierFactory, UserFactory, api_token

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def at(event: AuditEvent, when: datetime) -> AuditEvent:
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
    event.refresh_from_db()
    return event


@pytest.fixture
def world(france, sweden):
    """Ida audits ACME France (FR-TEST); Fiona is finance there; Rick a requester. Events: Bob signs in to France
    from 10.0.0.1 on 1 March, fails to sign in to Sweden from 10.0.0.2 on 2 March, a supplier changes (no
    entity) on 3 March, and a budget of France changes on 4 March."""
    ida = EmployeeFactory(
        legal_entities=[france],
        roles=[Role.AUDITOR],
        user__username="ida",
        user__first_name="Ida",
        user__last_name="Berg",
        user__email="ida@acme.example",
    )
    fiona = EmployeeFactory(legal_entities=[france], roles=[Role.FINANCE], user__username="fiona")
    rick = EmployeeFactory(legal_entities=[france, sweden], roles=[Role.REQUESTER], user__username="rick")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Dubois", email="bob@acme.example")
    supplier = SupplierFactory(code="BUROTEC", name="Burotec")
    AuditEvent.objects.all().delete()
    events = {
        "sign_in": at(
            audit_event_record(
                event_type="identity.sign_in",
                actor=bob,
                legal_entity=france,
                obj=bob,
                data={"method": "password", "provider": "", "ip": "10.0.0.1"},
            ),
            datetime(2026, 3, 1, 9, 0, tzinfo=PARIS),
        ),
        "failed": at(
            audit_event_record(
                event_type="identity.sign_in_failed",
                legal_entity=sweden,
                data={"method": "oidc", "reason": "state", "username": "bob", "ip": "10.0.0.2"},
            ),
            datetime(2026, 3, 2, 9, 0, tzinfo=PARIS),
        ),
        "supplier": at(
            audit_event_record(
                event_type="supplier.changed",
                actor=bob,
                obj=supplier,
                data={"name": "Burotec", "changes": {"order_shared_secret": "changed"}, "source": "admin"},
            ),
            datetime(2026, 3, 3, 9, 0, tzinfo=PARIS),
        ),
        "budget": at(
            audit_event_record(
                event_type="budget.changed",
                actor=bob,
                legal_entity=france,
                data={
                    "cost_centre": "FR-ENG",
                    "period": "2026",
                    "amount": "2500.00",
                    "currency": "EUR",
                    "changes": {"amount_minor": {"from": 100000, "to": 250000}},
                },
            ),
            datetime(2026, 3, 4, 9, 0, tzinfo=PARIS),
        ),
    }
    return {"ida": ida, "fiona": fiona, "rick": rick, "bob": bob, "events": events, "france": france}


def ids(*events):
    return [event.pk for event in events]


def api_ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def page_ids(response):
    assert response.status_code == 200, response.content.decode()[:500]
    return [row["event"].pk for row in response.context["rows"]]


def signed_in(client, employee):
    assert client.login(username=employee.user.username, password=PASSWORD)
    return client


def test_an_auditor_reads_their_entitys_events_and_the_group_wide_ones_newest_first(client, world):
    e = world["events"]
    response = signed_in(client, world["ida"]).get(reverse("audit"))
    assert page_ids(response) == ids(e["budget"], e["supplier"], e["sign_in"])
    text = response.content.decode()
    assert "Changed budget FR-ENG 2026: amount" in text
    assert "Signed in (password)" in text
    assert "10.0.0.1" in text
    assert 'id="menu-audit"' in text


def test_finance_reads_only_its_entitys_events(client, world):
    e = world["events"]
    assert page_ids(signed_in(client, world["fiona"]).get(reverse("audit"))) == ids(e["budget"], e["sign_in"])


def test_a_requester_is_refused_the_page_and_the_api_and_sees_no_menu_link(client, api_client, world):
    signed_in(client, world["rick"])
    assert client.get(reverse("audit")).status_code == 403
    assert 'id="menu-audit"' not in client.get(reverse("profile")).content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(world['rick'])}")
    response = api_client.get("/api/v1/audit/events/")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "sign_ins"}, ["sign_in"]),
        ({"type": "budget.changed"}, ["budget"]),
        ({"type": "suppliers"}, ["supplier"]),
        ({"actor": "dubois"}, ["budget", "supplier", "sign_in"]),
        ({"actor": "Bob Dub"}, ["budget", "supplier", "sign_in"]),
        ({"actor": "ida@"}, []),
        ({"entity": "FR-TEST"}, ["budget", "sign_in"]),
        ({"entity": "none"}, ["supplier"]),
        ({"object_type": "procurement.supplier"}, ["supplier"]),
        ({"from": "2026-03-03"}, ["budget", "supplier"]),
        ({"to": "2026-03-01"}, ["sign_in"]),
        ({"from": "2026-03-02", "to": "2026-03-03"}, ["supplier"]),
        ({"ip": "10.0.0.1"}, ["sign_in"]),
        ({"ip": "10.0.0.2"}, []),  # Sweden's: not Ida's to read
        ({"type": "sign_ins", "entity": "FR-TEST", "ip": "10.0.0.1", "actor": "bob"}, ["sign_in"]),
    ],
)
def test_filters_select_exactly_the_events_they_name_on_the_page_and_in_the_api(
    client, api_client, world, query, expected
):
    e = world["events"]
    signed_in(client, world["ida"])
    assert page_ids(client.get(reverse("audit"), query)) == [e[name].pk for name in expected]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(world['ida'], scopes=[TokenScope.READ])}")
    assert api_ids(api_client.get("/api/v1/audit/events/", query)) == [e[name].pk for name in expected]


def test_the_object_filter_with_an_id_finds_that_object(api_client, world):
    supplier_event = world["events"]["supplier"]
    api_client.force_authenticate(world["ida"].user)
    response = api_client.get(
        "/api/v1/audit/events/", {"object_type": "procurement.Supplier", "object_id": supplier_event.object_id}
    )
    assert api_ids(response) == [supplier_event.pk]
    assert (
        api_ids(api_client.get("/api/v1/audit/events/", {"object_type": "procurement.Supplier", "object_id": "0"}))
        == []
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-13-01"}, "“2026-13-01” is not a date (YYYY-MM-DD) for “from”."),
        ({"type": "nothing.such"}, "There is no event type or group “nothing.such”."),
        ({"ip": "10.0.0.300"}, "“10.0.0.300” is not an IP address."),
        ({"limit": "500"}, "The page size is a number from 1 to 200."),
        ({"entity": "SE-TEST"}, "You do not read the log of a legal entity “SE-TEST”."),
        ({"cursor": "garbage"}, "This page link is not valid any more: start from the first page."),
        ({"from": "2026-03-04", "to": "2026-03-01"}, "The date “from” is after the date “to”."),
    ],
)
def test_bad_filters_answer_a_clear_error(client, api_client, world, query, message):
    api_client.force_authenticate(world["ida"].user)
    response = api_client.get("/api/v1/audit/events/", query)
    assert (response.status_code, response.json()) == (400, {"code": "invalid_filter", "message": message})
    page = signed_in(client, world["ida"]).get(reverse("audit"), query)
    assert page.status_code == 400
    assert message.replace("“", "&ldquo;") in page.content.decode() or message in page.content.decode()


def test_the_api_answers_the_documented_fields(api_client, world):
    api_client.force_authenticate(world["ida"].user)
    row = api_client.get("/api/v1/audit/events/", {"type": "sign_ins"}).json()["results"][0]
    bob = world["bob"]
    assert row == {
        "id": world["events"]["sign_in"].pk,
        "created_at": "2026-03-01T08:00:00+00:00",
        "event_type": "identity.sign_in",
        "summary": "Signed in (password)",
        "actor": {"id": bob.pk, "username": "bob", "name": "Bob Dubois"},
        "legal_entity": "FR-TEST",
        "object_type": "auth.User",
        "object_id": str(bob.pk),
        "ip": "10.0.0.1",
        "data": {"method": "password", "provider": "", "ip": "10.0.0.1"},
    }


def test_a_token_needs_the_admin_scope_unless_its_owner_is_an_auditor(api_client, france):
    admin = EmployeeFactory(legal_entities=[france], roles=[Role.ADMIN])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=[TokenScope.READ])}")
    response = api_client.get("/api/v1/audit/events/")
    assert (response.status_code, response.json()["code"]) == (403, "insufficient_scope")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(admin, scopes=[TokenScope.READ, TokenScope.ADMIN])}")
    assert api_client.get("/api/v1/audit/events/").status_code == 200


def test_pages_are_stable_when_events_share_a_timestamp(api_client, world, france):
    AuditEvent.objects.all().delete()
    same = datetime(2026, 5, 1, 12, 0, tzinfo=PARIS)
    made = [
        at(audit_event_record(event_type="budget.changed", legal_entity=france, data={"n": n}), same) for n in range(5)
    ]
    api_client.force_authenticate(world["ida"].user)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api_client.get("/api/v1/audit/events/", params).json()
        seen += [row["id"] for row in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        # An event written meanwhile is newer: it never shifts the pages being read.
        audit_event_record(event_type="budget.changed", legal_entity=france, data={"late": True})
    assert seen == sorted((event.pk for event in made), reverse=True)
    assert pages == 3


def test_the_page_and_the_api_take_the_same_number_of_queries_for_3_or_30_events(client, api_client, world, france):
    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    signed_in(client, world["ida"])
    bob = world["bob"]
    few = (count(reverse("audit") + "?actor=bob"), count("/api/v1/audit/events/?actor=bob"))
    for _n in range(27):
        audit_event_record(
            event_type="identity.sign_in", actor=bob, legal_entity=france, obj=bob, data={"method": "password"}
        )
    assert AuditEvent.objects.count() == 31
    many = (count(reverse("audit") + "?actor=bob"), count("/api/v1/audit/events/?actor=bob"))
    assert few == many


def test_the_csv_download_has_every_filtered_event_in_the_documented_columns(client, world):
    e = world["events"]
    response = signed_in(client, world["ida"]).get(reverse("audit"), {"type": "budgets", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        [
            "id",
            "created_at",
            "event_type",
            "summary",
            "actor",
            "actor_name",
            "actor_email",
            "legal_entity",
            "object_type",
            "object_id",
            "ip",
            "data",
        ],
        [
            str(e["budget"].pk),
            "2026-03-04T08:00:00+00:00",
            "budget.changed",
            "Changed budget FR-ENG 2026: amount_minor",
            "bob",
            "Bob Dubois",
            "bob@acme.example",
            "FR-TEST",
            "",
            "",
            "",
            '{"amount": "2500.00", "changes": {"amount_minor": {"from": 100000, "to": 250000}}, "cost_centre": '
            '"FR-ENG", "currency": "EUR", "period": "2026"}',
        ],
    ]


def test_the_xlsx_download_has_the_same_rows_with_headings_for_people(client, world):
    e = world["events"]
    response = signed_in(client, world["ida"]).get(reverse("audit"), {"export": "xlsx", "entity": "FR-TEST"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Event",
        "Time",
        "Type",
        "What",
        "User name",
        "Who",
        "E-mail",
        "Legal entity",
        "Object type",
        "Object",
        "From",
        "Details",
    ]
    assert [row[0] for row in rows[1:]] == [e["budget"].pk, e["sign_in"].pk]
    assert rows[2][1:4] == [datetime(2026, 3, 1, 8, 0), "identity.sign_in", "Signed in (password)"]
    assert rows[2][10] == "10.0.0.1"


def test_the_api_csv_export_follows_the_filters(api_client, world):
    api_client.force_authenticate(world["ida"].user)
    response = api_client.get("/api/v1/audit/events.csv", {"type": "sign_ins"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{world['events']['sign_in'].pk},")


INDEX_OF_FILTER = [
    ({"entity": "FR-TEST"}, "audit_event_entity_created"),
    ({"type": "sign_ins"}, "audit_event_type_created"),
    ({"type": "budget.changed", "entity": "FR-TEST"}, "audit_event_"),  # either index serves
    ({"actor": "bob"}, "audit_event_actor_created"),
    ({"object_type": "procurement.supplier", "object_id": "1"}, "audit_event_object_created"),
    ({"ip": "10.0.0.1"}, "audit_event_ip_created"),
    ({"from": "2026-03-01", "to": "2026-03-02"}, "procurement_auditevent_created_at"),
    ({}, "procurement_auditevent_created_at"),
]


def _log_of_a_working_company(other_entity) -> None:
    """30,000 more events beside the world's few, spread over two years as a company's log is (status moves of
    requisitions, half of them in another entity, from many addresses, by no one in the world), and the table
    analysed: on a handful of rows the planner may take any index it likes, and did, now and then."""
    meta = AuditEvent._meta
    columns = ", ".join(
        sql_column(meta, name)
        for name in ("created_at", "actor", "legal_entity", "event_type", "object_type", "object_id", "data")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sql_table(meta)} ({columns}) SELECT"  # noqa: S608 - identifiers from the model
            " TIMESTAMPTZ '2024-01-01 00:00+00' + g * INTERVAL '37 minutes', NULL,"
            " CASE WHEN mod(g, 2) = 0 THEN %s END, 'requisitions.requisition.status', 'requisitions.requisition',"
            " mod(g, 5000)::text, jsonb_build_object('from', 'draft', 'to', 'submitted',"
            " 'ip', '192.168.' || mod(g, 200) || '.' || mod(g, 250))"
            " FROM generate_series(1, 30000) AS g",
            [other_entity.pk],
        )
        cursor.execute(f"ANALYZE {sql_table(meta)}")


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "index"), INDEX_OF_FILTER, ids=lambda v: str(v))
def test_every_filter_reads_through_an_index_of_the_log(world, sweden, query, index):
    """On PostgreSQL, with sequential scans ruled out, each filter's page query is planned on the index meant for
    it when a superuser reads every entity, and on an index for an auditor too: the log reaches millions of rows."""
    from procurement.audit_log import audit_events_filtered, audit_filters_parse, audit_reader_for

    root = UserFactory(username="root", is_superuser=True)
    ida = world["ida"]
    _log_of_a_working_company(sweden)
    for reader, expected in (
        (audit_reader_for(user=root, employee=None, entities=[]), (index,)),
        (
            audit_reader_for(user=ida.user, employee=ida, entities=[world["france"]]),
            ("audit_event_", "procurement_auditevent_created_at"),
        ),
    ):
        events = audit_events_filtered(reader=reader, filters=audit_filters_parse(query))
        # A superuser's filtered rows unordered: the planner cannot take the time index for the order and filter
        # after it (what it may rightly do on a tiny table), so the filter's own index is what serves it.
        events = events.order_by()[:51] if reader.all_entities and query else events[:51]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = events.explain()
        assert "Seq Scan on procurement_auditevent" not in plan, plan
        assert any(name in plan for name in expected), plan


def test_a_superuser_reads_every_entitys_events(admin_client, world):
    e = world["events"]
    response = admin_client.get(reverse("audit"))
    assert page_ids(response) == ids(e["budget"], e["supplier"], e["failed"], e["sign_in"])
    assert 'id="menu-audit"' in response.content.decode()
    assert page_ids(admin_client.get(reverse("audit"), {"entity": "SE-TEST"})) == ids(e["failed"])


def test_an_xlsx_download_beyond_its_bound_is_refused_with_what_to_do(client, api_client, world, monkeypatch):
    from procurement import audit_views

    monkeypatch.setattr(audit_views, "XLSX_MAX_EVENTS", 2)
    signed_in(client, world["ida"])
    response = client.get(reverse("audit"), {"export": "xlsx"})
    assert response.status_code == 400
    assert response.content.decode() == (
        "More than 2 events match: an XLSX download holds at most that many. Narrow the filters (dates, type) or "
        "download the CSV, which has every event."
    )
    assert client.get(reverse("audit"), {"export": "xlsx", "type": "budgets"}).status_code == 200
