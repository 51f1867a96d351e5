"""The `postgres` marker's rule, as pytest hooks that tests/conftest.py takes in (no Django here, so a
pytester suite can use the very same rule).

A test marked `postgres` needs PostgreSQL's behaviour (locks, races). Without PostgreSQL it is skipped on a
quick local SQLite run; on CI (`CI` set) it fails: CI must run on PostgreSQL, never skip those tests silently.
"""

import os

import pytest

NEEDS_POSTGRES_ON_CI = "needs PostgreSQL: CI must run on PostgreSQL"


def database_is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if database_is_postgres() or os.environ.get("CI"):
        return
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: run `make test`"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if "postgres" in item.keywords and os.environ.get("CI") and not database_is_postgres():
        pytest.fail(NEEDS_POSTGRES_ON_CI, pytrace=False)
