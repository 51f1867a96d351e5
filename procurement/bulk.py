"""Many new rows of one table written in one go: PostgreSQL `COPY … FROM STDIN` (psycopg 3), Django's
`bulk_create` on any other database. Used where thousands of rows come in at once (a punchout cart, a quick
order, an import) and Django's insert compiler would cost more than the database.

The rows written are the ones `bulk_create` would write: every field the caller does not give gets what Django
would give it (`auto_now`/`auto_now_add` the time of the call, otherwise the field's default), and values go
through the field's own conversion where the database driver needs one (JSON). COPY returns no ids: they are
taken from the table's sequence first, in one query, ascending in row order as an insert would number them.
Database errors (a check constraint, a value too long) are Django's `IntegrityError`/`DataError`, as from an
insert. On PostgreSQL a write costs 2 queries (one without ids) whatever the number of rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields import NOT_PROVIDED

__all__ = ["bulk_insert_id_pairs", "bulk_insert_objects", "bulk_insert_rows"]

# Fields whose value a psycopg 3 COPY takes as the Python value the field holds (its get_db_prep_save does
# nothing more on PostgreSQL than check the type the caller already gives).
_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "DecimalField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "URLField",
    }
)


def _is_auto_time(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _left_to_database(field: models.Field[Any, Any]) -> bool:
    """True when the column's own default is what Django gives a new instance, so a row need not carry it: a
    nullable field without any default (Django leaves its column without a default: NULL), or one whose
    `db_default` is the same plain value as its `default`."""
    if field.db_default is NOT_PROVIDED:
        return field.null and not field.has_default()
    if not field.has_default():
        return True  # only a database default: the database gives it (an instance would hold a DatabaseDefault)
    default, db_default = field.default, field.db_default
    return not callable(default) and not hasattr(db_default, "resolve_expression") and default == db_default


def _filled(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], list[Any]]:
    """The fields the caller left out that the row must still carry, and their values as Django gives them to a
    new instance: `auto_now`/`auto_now_add` fields the time now (one time for the whole write), others their
    default. Fields whose column's default gives the same value are left to the database (`_left_to_database`):
    COPY sends fewer columns."""
    names: list[str] = []
    values: list[Any] = []
    holder = SimpleNamespace()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given:
            continue
        if _is_auto_time(field):
            values.append(field.pre_save(holder, add=True))  # type: ignore[arg-type]
        elif _left_to_database(field):
            continue
        else:
            values.append(field.get_default())
        names.append(field.attname)
    return names, values


def _prep(field: models.Field[Any, Any], connection: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _prep_json(field: models.Field[Any, Any], connection: Any, value: Any) -> Any:
    """A JSONField's value for COPY: an empty mapping (what most rows hold) as its JSON text, which is what the
    field's own conversion (psycopg's Jsonb with the field's encoder) writes for it; anything else through it."""
    if value.__class__ is dict and not value:
        return "{}"
    return field.get_db_prep_save(value, connection)


def _converters(model: type[models.Model], names: Sequence[str], connection: Any) -> list[Callable[[Any], Any] | None]:
    """Per column: None when the value goes to COPY as it is, else the field's conversion for this database."""
    fields: dict[str, models.Field[Any, Any]] = {field.attname: field for field in model._meta.concrete_fields}
    converters: list[Callable[[Any], Any] | None] = []
    for name in names:
        field = fields[name]
        internal_type = field.get_internal_type()
        if internal_type in _AS_IS:
            converters.append(None)
        elif internal_type == "JSONField":
            converters.append(partial(_prep_json, field, connection))
        else:
            converters.append(partial(_prep, field, connection))
    return converters


def _log(connection: Any, sql: str, started: float) -> None:
    """COPY bypasses Django's cursor wrapper: count it as the query it is (tests assert query counts)."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _copy(
    model: type[models.Model],
    names: list[str],
    rows: Iterable[Sequence[Any]],
    count: int,
    with_ids: bool,
    using: str,
    tail: Sequence[Any] = (),
) -> list[int]:
    """COPY `rows` (values of the first names) each followed by `tail` (the same values of the last names for every
    row, converted once)."""
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    ids: list[int] = []
    converters = _converters(model, names, connection)
    given = len(names) - len(tail)
    tail = [
        value if function is None else function(value) for value, function in zip(tail, converters[given:], strict=True)
    ]
    offset = 1 if with_ids else 0  # the id comes first in a written row
    convert = [(index + offset, function) for index, function in enumerate(converters[:given]) if function is not None]
    column_of: dict[str, str] = {field.attname: str(field.column) for field in meta.concrete_fields}
    with connection.cursor() as cursor:
        if with_ids:
            # The sequence is looked up once, in FROM: as an argument of nextval it was looked up again for each
            # id (a catalog look-up and a text-to-regclass cast per row: 30 ms for 5,000 ids instead of 1.6).
            cursor.execute(
                "SELECT nextval(seq) FROM CAST(pg_get_serial_sequence(%s, %s) AS regclass) AS seq,"
                " generate_series(1, %s)",
                [quote(meta.db_table), column_of[meta.pk.attname], count],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        columns = ([column_of[meta.pk.attname]] if with_ids else []) + [column_of[name] for name in names]
        sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
        started = time.monotonic()
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            numbered = zip(ids, rows, strict=True) if with_ids else ((None, row) for row in rows)
            for pk, row in numbered:
                values = [pk, *row, *tail] if with_ids else [*row, *tail]
                for index, function in convert:
                    values[index] = function(values[index])
                write(values)
        _log(connection, sql, started)
    return ids


def bulk_insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    with_ids: bool = True,
    using: str = DEFAULT_DB_ALIAS,
    batch_size: int = 1000,
) -> list[int]:
    """Insert `rows` (values in the order of `fields`, attribute names such as `requisition_id`) into `model`'s
    table; the new primary keys in row order (empty when `with_ids` is False: the database numbers the rows).

    Fields not named get what Django gives a new instance (see the module's docstring). `batch_size` applies to
    the `bulk_create` fallback only: one COPY takes every row.
    """
    if not rows:
        return []
    connection = connections[using]
    extra_names, extra_values = _filled(model, fields)
    names = [*fields, *extra_names]
    if connection.vendor == "postgresql":
        return _copy(model, names, rows, len(rows), with_ids, using, tail=extra_values)
    objects = [model(**dict(zip(names, (*row, *extra_values), strict=True))) for row in rows]
    created = model._default_manager.using(using).bulk_create(objects, batch_size=batch_size)
    return [obj.pk for obj in created] if with_ids else []


def bulk_insert_objects[ModelT: models.Model](
    objects: Sequence[ModelT], *, using: str = DEFAULT_DB_ALIAS, batch_size: int = 1000
) -> list[ModelT]:
    """`bulk_create(objects)` written with COPY on PostgreSQL: each object gets its primary key and its
    `auto_now`/`auto_now_add` values set, as `bulk_create` sets them; elsewhere `bulk_create` itself."""
    if not objects:
        return []
    model = type(objects[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model._default_manager.using(using).bulk_create(objects, batch_size=batch_size)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    names = [field.attname for field in fields]
    auto_times = [field for field in fields if _is_auto_time(field)]
    for field in auto_times:
        # pre_save sets the attribute on the instance too, as bulk_create does; one time for the whole write.
        value = field.pre_save(objects[0], add=True)
        for obj in objects[1:]:
            setattr(obj, field.attname, value)
    values = attrgetter(*names)
    rows = [values(obj) for obj in objects] if len(names) > 1 else [(values(obj),) for obj in objects]
    ids = _copy(model, names, rows, len(rows), True, using)
    pk_name = model._meta.pk.attname
    for obj, pk in zip(objects, ids, strict=True):
        setattr(obj, pk_name, pk)
        obj._state.adding = False
        obj._state.db = using
    return list(objects)


def _runs(ids: Sequence[int]) -> tuple[list[int], list[int]] | None:
    """Strictly ascending ids as the first and last id of each run of consecutive ones ([1, 2, 3, 7, 8] gives
    ([1, 7], [3, 8])); None when they are not strictly ascending."""
    firsts, lasts = [ids[0]], []
    previous = ids[0]
    for value in ids[1:]:
        if value != previous + 1:
            if value <= previous:
                return None
            lasts.append(previous)
            firsts.append(value)
        previous = value
    lasts.append(previous)
    return firsts, lasts


def bulk_insert_id_pairs(
    model: type[models.Model], fields: tuple[str, str], value: Any, ids: Sequence[int], *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """Insert one row of `model` per id of `ids`: `fields[0]` the same `value` in every row, `fields[1]` the id (a
    link table's rows, such as a session's links to the lines it brought), in the order of `ids`.

    On PostgreSQL, when the ids are strictly ascending (ids `bulk_insert_rows` gave), the database makes the rows
    from the runs of consecutive ids in one `INSERT … SELECT` (the same rows, in the same order, as COPY wrote
    them; a run is two parameters where COPY sent a row a line). Otherwise, and where the model has columns the
    rows would have to fill, `bulk_insert_rows`."""
    if not ids:
        return
    connection = connections[using]
    runs = _runs(ids) if connection.vendor == "postgresql" else None
    if runs is None or _filled(model, fields)[0]:
        bulk_insert_rows(model, fields, [(value, pk) for pk in ids], with_ids=False, using=using)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    field_of: dict[str, models.Field[Any, Any]] = {field.attname: field for field in meta.concrete_fields}
    first, second = (quote(str(field_of[name].column)) for name in fields)
    field = field_of[fields[0]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({first}, {second})"  # noqa: S608  # names from _meta, values parameters
            " SELECT %s, id FROM unnest(%s::bigint[], %s::bigint[]) AS run(first_id, last_id),"
            " generate_series(run.first_id, run.last_id) AS id ORDER BY id",
            [field.get_db_prep_save(value, connection), *runs],
        )
