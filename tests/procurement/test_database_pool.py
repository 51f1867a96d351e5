"""PostgreSQL connections in production (docs/deploy.md "PostgreSQL and Redis"): the settings that the environment
gives, and a real query through Django's psycopg pool on the test PostgreSQL."""

import json
import subprocess

import pytest
from django.db import connection

from tests.production_process import production_manage

DATABASE_KEYS = """
import json
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({key: database.get(key) for key in
      ("ENGINE", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS", "OPTIONS")}))
"""


def run_prod(code: str, database_url: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Python code run with the production settings and these variables, as a deployment would start it."""
    return production_manage(database_url, "shell", "--no-imports", "-c", code, **variables)


def prod_database(**variables: str) -> dict[str, object]:
    done = run_prod(DATABASE_KEYS, "postgres://app:secret@db.internal:5432/procurement", **variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_pool_variables_each_process_keeps_its_connections_a_minute():
    assert prod_database() == {
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": False,
        # psycopg prepares the statements the code asks it to (procurement.sql.sql_prepared_cursor)
        "OPTIONS": {"prepare_threshold": 5},
    }


def test_pool_sizes_from_the_environment_turn_on_the_psycopg_pool():
    assert prod_database(DATABASE_POOL_MAX_SIZE="8", DATABASE_POOL_MIN_SIZE="3", DATABASE_POOL_TIMEOUT="5") == {
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": False,
        "OPTIONS": {"prepare_threshold": 5, "pool": {"min_size": 3, "max_size": 8, "timeout": 5.0}},
    }
    # Only the largest size given: the pool opens two connections and grows to it
    assert prod_database(DATABASE_POOL_MAX_SIZE="4")["OPTIONS"] == {
        "prepare_threshold": 5,
        "pool": {"min_size": 2, "max_size": 4, "timeout": 30.0},
    }


def test_pgbouncer_in_transaction_mode_gets_no_server_side_cursors_nor_prepared_statements():
    assert prod_database(DATABASE_PGBOUNCER="1") == {
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {},
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"DATABASE_POOL_MAX_SIZE": "8", "DATABASE_PGBOUNCER": "1"},
            "Set DATABASE_POOL_MAX_SIZE or DATABASE_PGBOUNCER, not both: PgBouncer already pools the connections",
        ),
        (
            {"DATABASE_POOL_MAX_SIZE": "2", "DATABASE_POOL_MIN_SIZE": "5"},
            "DATABASE_POOL_MIN_SIZE must be between 1 and DATABASE_POOL_MAX_SIZE",
        ),
    ],
)
def test_contradicting_pool_variables_stop_the_start(variables, message):
    done = run_prod(DATABASE_KEYS, "postgres://app:secret@db.internal:5432/procurement", **variables)
    assert done.returncode != 0
    assert f"ImproperlyConfigured: {message}" in done.stderr


def test_a_pool_on_sqlite_is_refused(tmp_path):
    done = run_prod(DATABASE_KEYS, f"sqlite:///{tmp_path / 'db.sqlite3'}", DATABASE_POOL_MAX_SIZE="4")
    assert done.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE and DATABASE_PGBOUNCER need a PostgreSQL DATABASE_URL" in done.stderr


POOLED_QUERIES = """
import json
from django.db import connection

from tests.production_process import production_manage
backends = []
for request in range(3):  # three requests one after the other, each closing its connection at the end
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), (SELECT count(*) FROM django_migrations) > 0")
        backends.append(cursor.fetchone())
    connection.close()
stats = connection.pool.get_stats()
print(json.dumps({"backends": backends, "max": connection.pool.max_size, "requests": stats["requests_num"]}))
connection.close_pool()
"""


@pytest.mark.postgres
@pytest.mark.django_db
def test_queries_run_through_the_pool_and_reuse_its_connection():
    # Given the production settings with a pool of one connection, on the test database
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

    # When three requests in turn query it
    done = run_prod(POOLED_QUERIES, url, DATABASE_POOL_MAX_SIZE="1", DATABASE_POOL_MIN_SIZE="1")

    # Then each got the pool's one connection in turn: one server process served all three
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    (first_backend, migrated), *others = result["backends"]
    assert migrated is True
    assert [backend for backend, _ in others] == [first_backend, first_backend]
    assert (result["max"], result["requests"]) == (1, 3)
