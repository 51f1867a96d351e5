"""A test marked `postgres` fails on CI when the database is not PostgreSQL; a local quick run skips it."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO_ROOT = Path(__file__).resolve().parent.parent

TINY_SUITE = """
import pytest


@pytest.mark.postgres
def test_needs_row_locks():
    pass


def test_plain():
    pass
"""


@pytest.fixture
def tiny_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """Two tests, one marked `postgres`, under the suite's own rule (tests/postgres_rule.py), no database."""
    pytester.makeini("[pytest]\nmarkers =\n    postgres: needs PostgreSQL\n")
    pytester.makeconftest("from tests.postgres_rule import pytest_collection_modifyitems, pytest_runtest_setup\n")
    pytester.makepyfile(test_tiny=TINY_SUITE)
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return pytester


def test_on_ci_without_postgresql_a_postgres_test_fails_the_run(tiny_suite, monkeypatch):
    # Given CI is set and DATABASE_URL names no PostgreSQL
    monkeypatch.setenv("CI", "1")
    # When the tiny suite runs
    result = tiny_suite.runpytest_subprocess("-p", "no:cacheprovider", "-rE")
    # Then the postgres test errors with the reason, the other passes, and the run fails
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*test_needs_row_locks*needs PostgreSQL: CI must run on PostgreSQL*"])


def test_on_ci_with_postgresql_the_postgres_test_runs(tiny_suite, monkeypatch):
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("DATABASE_URL", "postgres://ci@127.0.0.1:5432/procurement")
    result = tiny_suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.OK


def test_a_local_run_without_postgresql_skips_the_postgres_test(tiny_suite, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = tiny_suite.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*needs PostgreSQL: run `make test`*"])
