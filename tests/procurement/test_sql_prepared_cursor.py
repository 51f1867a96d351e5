"""procurement.sql.sql_prepared_cursor: the same rows as Django's cursor, logged and counted as Django logs its
own queries; on PostgreSQL the statement is prepared once per connection, and not when the connection prepares
nothing (PgBouncer in transaction mode)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from procurement.sql import sql_prepared_cursor

STATEMENT = (
    "SELECT u.id, u.username, u.date_joined, CAST(%s AS TEXT) AS label, u.date_joined > %s AS later"
    " FROM auth_user u WHERE u.id >= %s AND u.username <> %s ORDER BY u.id LIMIT %s"
)
PARAMS = ["it's", connection.ops.adapt_datetimefield_value(datetime(2020, 1, 1, tzinfo=UTC)), 0, "nobody", 10]


def users() -> None:
    for name in ("ann", "ben", "chloé"):
        User.objects.create(username=name, first_name=name.title())


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.django_db
def test_the_prepared_cursor_reads_the_rows_django_reads_and_logs_the_statement_with_its_values():
    users()
    with connection.cursor() as cursor:
        cursor.execute(STATEMENT, PARAMS)
        expected = cursor.fetchall()

    with CaptureQueriesContext(connection) as queries:
        for _ in range(7):  # past PostgreSQL's five custom plans
            with sql_prepared_cursor() as cursor:
                cursor.execute(STATEMENT, PARAMS)
                assert cursor.fetchall() == expected

    assert [row[1] for row in expected] == ["ann", "ben", "chloé"]
    assert expected[0][3] == "it's" and expected[0][4]
    assert len(queries) == 7
    logged = queries.captured_queries[-1]["sql"]
    assert "'nobody'" in logged and "$1" not in logged


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_statement_is_prepared_once_and_again_after_a_rollback():
    users()
    for _ in range(3):
        with sql_prepared_cursor() as cursor:
            cursor.execute(STATEMENT, PARAMS)
    assert sum("pg_prepared_statements" not in s and "FROM auth_user u" in s for s in prepared_statements()) == 1

    # A rollback deallocates what psycopg prepared; the next run prepares it again
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with sql_prepared_cursor() as cursor:
            cursor.execute(STATEMENT, PARAMS)
        raise ZeroDivisionError
    with sql_prepared_cursor() as cursor:
        cursor.execute(STATEMENT, PARAMS)
        assert [row[1] for row in cursor.fetchall()] == ["ann", "ben", "chloé"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_connection_that_prepares_nothing_gets_the_ordinary_cursor(monkeypatch):
    users()
    options = {key: value for key, value in connection.settings_dict["OPTIONS"].items() if key != "prepare_threshold"}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    before = prepared_statements()
    for _ in range(3):
        with sql_prepared_cursor() as cursor:
            cursor.execute(STATEMENT, PARAMS)
            assert len(cursor.fetchall()) == 3
    assert prepared_statements() == before
