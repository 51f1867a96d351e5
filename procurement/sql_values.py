"""Values in SQL written as text (beside procurement.sql, which gives the names): a list of ids as one parameter."""

from collections.abc import Iterable
from typing import Any

from django.db import connection


def sql_in_ids(column: str, ids: Iterable[int]) -> tuple[str, list[Any]]:
    """`column IN (ids)` and its parameters. On PostgreSQL `column = ANY(%s)` with the ids as one array parameter:
    psycopg caches its parsing of a statement of at most 50 parameters, and a page's 100 ids were 100 values to
    quote and splice into a statement parsed anew each time. SQLite keeps the IN list (it plans
    `IN (SELECT … FROM json_each(…))` as a scan of the table). No ids: a condition that holds for no row."""
    values = sorted(ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values)) or 'NULL'})", list(values)
