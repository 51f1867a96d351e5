"""Names for SQL written as text on hot paths (where the ORM's query building costs more than the query).

Identifiers always come from the models' `_meta` through these functions, quoted for the connection's database;
values always go as parameters (`sql_in_ids` for a list of ids).
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Field
from django.db.models.options import Options


def sql_column(meta: Options, name: str) -> str:
    """The quoted column of the field `name` ("pk" for the primary key) of the model whose `_meta` is `meta`."""
    field = meta.pk if name == "pk" else meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise ValueError(f"{meta.label}.{name} is not a concrete column")
    return connection.ops.quote_name(field.column)


def sql_table(meta: Options) -> str:
    """The quoted table of the model whose `_meta` is `meta`."""
    return connection.ops.quote_name(meta.db_table)


def sql_field(meta: Options, name: str) -> Field:
    """The concrete field `name` of the model whose `_meta` is `meta` (for its `get_db_prep_save` and `attname`)."""
    field = meta.get_field(name)
    if not isinstance(field, Field):
        raise ValueError(f"{meta.label}.{name} is not a concrete field")
    return field


def sql_in_ids(column: str, ids: Iterable[int]) -> tuple[str, list[Any]]:
    """`column IN (ids)` and its parameters. On PostgreSQL `column = ANY(%s)` with the ids as one array parameter:
    psycopg caches its parsing of a statement of at most 50 parameters, and a page's 100 ids were 100 values to
    quote and splice into a statement parsed anew each time. SQLite keeps the IN list (it plans
    `IN (SELECT … FROM json_each(…))` as a scan of the table). No ids: a condition that holds for no row."""
    values = sorted(ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values)) or 'NULL'})", list(values)
