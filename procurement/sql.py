"""Names for SQL written as text on hot paths (where the ORM's query building costs more than the query).

Identifiers always come from the models' `_meta` through these functions, quoted for the connection's database;
values always go as parameters (`sql_in_ids` for a list of ids).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model
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


# --- whole rows as SQL text -----------------------------------------------------------------------------


def _writable_fields(meta: Options) -> list[Field]:
    """The columns an INSERT of a new instance writes: what Django's `save(force_insert=True)` writes."""
    return [f for f in meta.local_concrete_fields if not f.generated and not f.primary_key]


def sql_insert_statement(obj: Model) -> tuple[str, tuple[Any, ...]]:
    """The INSERT Django's `save(force_insert=True)` runs for the new instance `obj`, RETURNING its id, and its
    parameters: the same columns, each value through the field's `pre_save` (so `auto_now` fields are set on `obj`
    as `save` sets them) and `get_db_prep_save`. Built as text: Django's insert compiler costs several times the
    insert (a cart's line add writes two rows)."""
    meta = obj._meta
    fields = _writable_fields(meta)
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "  # noqa: S608  (from _meta)
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {qn(meta.db_table)}.{qn(str(meta.pk.column))}"
    )
    return sql, tuple(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)


def sql_insert(obj: Model) -> None:
    """Write the new instance `obj` as `obj.save(force_insert=True)` does (`sql_insert_statement`; no model has
    save signals here) and set its id and state."""
    sql, params = sql_insert_statement(obj)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = cursor.fetchone()
    sql_inserted(obj, pk)


def sql_inserted(obj: Model, pk: Any) -> None:
    """`obj` was written by `sql_insert_statement` with the id `pk`: it is saved, as after `save`."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


def sql_select_list(meta: Options, alias: str) -> str:
    """Every concrete column of the model, prefixed by the query's `alias`, in `_meta.concrete_fields` order (what
    `sql_instance` reads back)."""
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(str(f.column))}" for f in meta.concrete_fields)


def sql_instance(model: type[Model], row: Sequence[Any], start: int = 0) -> tuple[Model | None, int]:
    """The instance of `model` whose columns (`sql_select_list`) begin at `row[start]`, with every value converted
    as Django's own queries convert it for this database, and where the next model's columns begin. None for a
    row without its id (an outer join that found nothing), as Django's `select_related` does."""
    fields = model._meta.concrete_fields
    end = start + len(fields)
    values = list(row[start:end])
    if values[fields.index(model._meta.pk)] is None:
        return None, end
    ops = connection.ops
    for index, field in enumerate(fields):
        value = values[index]
        if value is None:
            continue
        col = field.get_col(model._meta.db_table)
        for converter in (*ops.get_db_converters(col), *col.get_db_converters(connection)):
            value = converter(value, col, connection)
        values[index] = value
    return model.from_db(connection.alias, [f.attname for f in fields], values), end


def sql_related(obj: Model, name: str, related: Model | None) -> None:
    """`related` (read by `sql_instance` from the same row) kept as `obj.<name>`, the forward relation `name`, as
    Django's `select_related` keeps it: on a one-to-one, `related` knows `obj` back too."""
    field = obj._meta.get_field(name)
    field.set_cached_value(obj, related)  # type: ignore[union-attr]
    if related is not None and field.one_to_one:
        field.remote_field.set_cached_value(related, obj)  # type: ignore[union-attr]
