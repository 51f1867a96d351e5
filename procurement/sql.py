"""Names for SQL written as text on hot paths (where the ORM's query building costs more than the query).

Identifiers always come from the models' `_meta` through these functions, quoted for the connection's database;
values always go as parameters (`sql_in_ids` for a list of ids).
"""

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Field, Model
from django.db.models.options import Options

# Quoted names per (database vendor, model, field): a hot statement names a few dozen, and the models do not change.
_NAMES: dict[tuple[str, Options, str | None], str] = {}


def sql_column(meta: Options, name: str) -> str:
    """The quoted column of the field `name` ("pk" for the primary key) of the model whose `_meta` is `meta`."""
    key = (connection.vendor, meta, name)
    quoted = _NAMES.get(key)
    if quoted is None:
        field = meta.pk if name == "pk" else meta.get_field(name)
        if not isinstance(field, Field) or not field.column:
            raise ValueError(f"{meta.label}.{name} is not a concrete column")
        quoted = _NAMES[key] = connection.ops.quote_name(field.column)
    return quoted


def sql_table(meta: Options) -> str:
    """The quoted table of the model whose `_meta` is `meta`."""
    key = (connection.vendor, meta, None)
    quoted = _NAMES.get(key)
    if quoted is None:
        quoted = _NAMES[key] = connection.ops.quote_name(meta.db_table)
    return quoted


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


class SqlModelRow:
    """A model's columns read by SQL text under a table alias, and turned back into an instance as the ORM builds one
    (`Model.from_db` after each field's database converters): for a wide locked read whose ORM query (several
    `select_related` levels, `select_for_update(of=…)`) costs more to compile than to run. The select list is every
    concrete column in the model's field order, so `columns` and `build` always agree."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.width = len(self.fields)
        self.attnames = [field.attname for field in self.fields]
        self.pk_index = self.fields.index(model._meta.pk)
        self._columns: dict[str, str] = {}
        self._converters: dict[str, list[tuple[int, Any, list[Any]]]] = {}

    @property
    def columns(self) -> str:
        """`alias."column", …` for the connection's database."""
        vendor = connection.vendor
        if vendor not in self._columns:
            qn = connection.ops.quote_name
            self._columns[vendor] = ", ".join(f"{self.alias}.{qn(str(field.column))}" for field in self.fields)
        return self._columns[vendor]

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance of the `width` values of `row` from `start`, as loaded from the database."""
        values = list(row[start : start + self.width])
        vendor = connection.vendor
        converters = self._converters.get(vendor)
        if converters is None:
            converters = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
                if functions:
                    converters.append((index, column, functions))
            self._converters[vendor] = converters
        for index, column, functions in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)


def _writable_fields(meta: Options) -> list[Field]:
    """The columns an INSERT of a new instance writes: what Django's `save(force_insert=True)` writes (a proxy
    model's are its concrete model's)."""
    concrete = meta.concrete_model._meta if meta.proxy and meta.concrete_model is not None else meta
    return [f for f in concrete.local_concrete_fields if not f.generated and not f.primary_key]


def sql_insert_statement(objs: Sequence[Model]) -> tuple[str, list[Any]]:
    """The INSERT of new instances of one model, as `bulk_create` (or `save(force_insert=True)` for one) writes
    them, RETURNING their ids, and its parameters: the same columns, each value through the field's `pre_save` (so
    `auto_now` fields are set on the instances as `save` sets them) and `get_db_prep_save`. Built as text: Django's
    insert compiler costs several times the insert on a hot path (a cart's line add writes two rows)."""
    meta = objs[0]._meta
    fields = _writable_fields(meta)
    qn = connection.ops.quote_name
    params: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="sql_insert")  # type: ignore[attr-defined]
        params += [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (  # identifiers from the model, values as parameters
        f"INSERT INTO {sql_table(meta)} ({', '.join(qn(str(field.column)) for field in fields)})"  # noqa: S608
        f" VALUES {', '.join([row] * len(objs))} RETURNING {sql_table(meta)}.{sql_column(meta, 'pk')}"
    )
    return sql, params


# Columns whose values are text: cast to `text` (not `varchar(n)`, which cuts a long value where an INSERT refuses it).
_TEXT_TYPES = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField"})


def sql_rows_select(objs: Sequence[Model], leave_out: Iterable[str] = ()) -> tuple[list[Field], str, list[Any]]:
    """The values `sql_insert_statement` writes for new instances of one model (each through the field's `pre_save`,
    so `auto_now` fields are set on the instances too, and `get_db_prep_save`), but for the fields `leave_out`, as
    a SELECT of one row per instance (UNION ALL): `n` (the instance's position) then each field's column, named
    as the column. The first row's values are cast to the columns' types (character columns to text, so an INSERT
    of a value too long is still refused), which the other rows take. For an `INSERT … SELECT` that adds values the
    database knows, or keeps only some rows, in one statement. Returns the fields, the SELECT and its parameters."""
    meta = objs[0]._meta
    left_out = set(leave_out)
    fields = [f for f in _writable_fields(meta) if f.name not in left_out and f.attname not in left_out]
    qn = connection.ops.quote_name
    typed = ", ".join(
        [
            "CAST(%s AS integer) AS n",
            *(
                f"CAST(%s AS {'text' if f.get_internal_type() in _TEXT_TYPES else f.db_type(connection)})"
                f" AS {qn(str(f.column))}"
                for f in fields
            ),
        ]
    )
    plain = ", ".join(["%s"] * (len(fields) + 1))
    params: list[Any] = []
    for position, obj in enumerate(objs):
        obj._prepare_related_fields_for_save(operation_name="sql_insert")  # type: ignore[attr-defined]
        params += [position, *(field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields)]
    sql = " UNION ALL ".join([f"SELECT {typed}", *[f"SELECT {plain}"] * (len(objs) - 1)])
    return fields, sql, params


# Parameters of one INSERT at most: under SQLite's (32,766) and PostgreSQL's (65,535) limits of a statement.
SQL_INSERT_MAX_PARAMS = 30_000


def sql_insert(objs: Sequence[Model]) -> None:
    """Insert new instances of one model in one statement (`sql_insert_statement`; no model has save signals here)
    and set their primary keys from `RETURNING` (PostgreSQL, SQLite 3.35+). Rows of more than
    `SQL_INSERT_MAX_PARAMS` values in all go in as many statements as that takes, as `bulk_create` batches them."""
    if not objs:
        return
    per_statement = (
        1 if len(objs) == 1 else max(1, SQL_INSERT_MAX_PARAMS // max(1, len(_writable_fields(objs[0]._meta))))
    )
    for start in range(0, len(objs), per_statement):
        batch = objs[start : start + per_statement]
        sql, params = sql_insert_statement(batch)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [pk for (pk,) in cursor.fetchall()]
        for obj, pk in zip(batch, ids, strict=True):
            sql_inserted(obj, pk)


def sql_inserted(obj: Model, pk: Any) -> None:
    """`obj` was written by `sql_insert_statement` with the id `pk`: it is saved, as after `save`."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias


def sql_update_statement(obj: Model, fields: Iterable[str]) -> tuple[str, list[Any]]:
    """The UPDATE `obj.save(update_fields=fields)` runs, and its parameters: the fields' columns in the model's order,
    each value through the field's `pre_save` (an `auto_now` field takes the time, on the instance too, as `save`
    sets it) and `get_db_prep_save`, the row found by its primary key."""
    meta = obj._meta
    names = set(fields)
    chosen = [f for f in meta.local_concrete_fields if not f.primary_key and (f.name in names or f.attname in names)]
    if len(chosen) != len(names):
        raise ValueError(f"{meta.label} has no field among {sorted(names)} to save")
    obj._prepare_related_fields_for_save(operation_name="save", fields=chosen)  # type: ignore[attr-defined]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(str(field.column))} = %s" for field in chosen)
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in chosen]
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))
    sql = f"UPDATE {sql_table(meta)} SET {sets} WHERE {sql_column(meta, 'pk')} = %s"  # noqa: S608 - identifiers from the model
    return sql, params


def sql_update_and_insert(obj: Model, fields: Iterable[str], rows: Sequence[Model]) -> None:
    """`obj.save(update_fields=fields)` (`sql_update_statement`) and `sql_insert(rows)` (new rows of one model, e.g.
    the change-log rows of the update): on PostgreSQL one statement, the UPDATE in a data-modifying WITH of the
    INSERT; elsewhere the UPDATE, then the INSERT. Raises `DatabaseError` when the update finds no row, as `save`
    does."""
    update_sql, update_params = sql_update_statement(obj, fields)
    if not rows or connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(update_sql, update_params)
            if cursor.rowcount != 1:
                raise DatabaseError("Save with update_fields did not affect any rows.")
        sql_insert(rows)
        return
    insert_sql, insert_params = sql_insert_statement(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH moved AS ({update_sql} RETURNING 1) {insert_sql}, (SELECT COUNT(*) FROM moved)",  # noqa: S608
            [*update_params, *insert_params],
        )
        returned = cursor.fetchall()
    if returned[0][1] != 1:
        # The rows went in with it: the error ends the caller's transaction, as a failed `save` does.
        raise DatabaseError("Save with update_fields did not affect any rows.")
    for row, (pk, _moved) in zip(rows, returned, strict=True):
        sql_inserted(row, pk)


def sql_update(obj: Model, fields: Sequence[str]) -> None:
    """What `obj.save(update_fields=fields)` writes, as text (`sql_update_statement`): one UPDATE of its row by
    primary key; a row that is gone raises DatabaseError as `save` does. A value that is an expression (an F()) is
    left to `save`."""
    if not fields:
        return
    meta = obj._meta
    if any(hasattr(getattr(obj, sql_field(meta, name).attname), "resolve_expression") for name in fields):
        obj.save(update_fields=list(fields))
        return
    sql, params = sql_update_statement(obj, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")


def sql_bulk_update(objs: Sequence[Model], fields: Sequence[str], *, batch_size: int = 1000) -> None:
    """What `Model.objects.bulk_update(objs, fields)` writes, without its CASE WHEN per row and field (whose building
    costs more than the write at thousands of rows): per batch one `WITH v(pk, …) AS (VALUES (…), …) UPDATE … FROM v`
    (PostgreSQL, SQLite 3.33+), each value cast to its column's type. Values go through `get_db_prep_save` as `save`
    does; an expression value (an F()) is left to `bulk_update`. (No row count: SQLite's driver gives none for a
    statement that starts with WITH.)"""
    if not objs or not fields:
        return
    meta = objs[0]._meta
    chosen = [sql_field(meta, name) for name in fields]
    if any(hasattr(getattr(obj, field.attname), "resolve_expression") for obj in objs for field in chosen):
        type(objs[0])._default_manager.bulk_update(objs, list(fields), batch_size=batch_size)
        return
    qn = connection.ops.quote_name
    names = ["pk", *(f"c{n}" for n in range(len(chosen)))]
    # The key as a foreign key to it would be typed ("integer", not "serial"); a foreign key as its target's key.
    types = [str(meta.pk.rel_db_type(connection)), *(str(field.db_type(connection)) for field in chosen)]
    placeholders = "(" + ", ".join(f"CAST(%s AS {db_type})" for db_type in types) + ")"
    sets = ", ".join(f"{qn(str(field.column))} = v.c{n}" for n, field in enumerate(chosen))
    table, pk = sql_table(meta), sql_column(meta, "pk")
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            params: list[Any] = []
            for obj in batch:
                params.append(meta.pk.get_db_prep_value(obj.pk, connection))
                params += [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in chosen]
            rows = ", ".join([placeholders] * len(batch))
            cursor.execute(
                f"WITH v({', '.join(names)}) AS (VALUES {rows}) "  # noqa: S608 - identifiers from the model
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{pk} = v.pk",
                params,
            )


_ROWS: dict[type[Model], SqlModelRow] = {}  # per model: its columns and converters (no data)


def _model_row(model: type[Model]) -> SqlModelRow:
    reader = _ROWS.get(model)
    if reader is None:
        reader = _ROWS[model] = SqlModelRow(model, connection.ops.quote_name(model._meta.db_table))
    return reader


def sql_select_list(meta: Options, alias: str) -> str:
    """Every concrete column of the model, prefixed by the query's `alias`, in `_meta.concrete_fields` order (what
    `sql_instance` reads back)."""
    qn = connection.ops.quote_name
    return ", ".join(f"{alias}.{qn(str(f.column))}" for f in meta.concrete_fields)


def sql_instance(model: type[Model], row: Sequence[Any], start: int = 0) -> tuple[Model | None, int]:
    """The instance of `model` whose columns (`sql_select_list`) begin at `row[start]`, with every value converted
    as Django's own queries convert it for this database (`SqlModelRow.build`), and where the next model's columns
    begin. None for a row without its id (an outer join that found nothing), as Django's `select_related` does."""
    reader = _model_row(model)
    end = start + reader.width
    if row[start + reader.pk_index] is None:
        return None, end
    return reader.build(row, start), end


def sql_related(obj: Model, name: str, related: Model | None) -> None:
    """`related` (read by `sql_instance` from the same row) kept as `obj.<name>`, the forward relation `name`, as
    Django's `select_related` keeps it: on a one-to-one, `related` knows `obj` back too."""
    field = obj._meta.get_field(name)
    field.set_cached_value(obj, related)  # type: ignore[union-attr]
    if related is not None and field.one_to_one:
        field.remote_field.set_cached_value(related, obj)  # type: ignore[union-attr]


@contextmanager
def sql_prepared_cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL plans once per connection, for a hot statement whose planning costs
    as much as a good part of its run (the inbox page: 1.3 ms to plan, 3 ms to run). Django binds values on the
    client, so every statement it sends is parsed and planned anew; this cursor binds them on the server and
    prepares the statement (psycopg's protocol-level prepared statements, re-prepared after a rollback or a
    reconnection). PostgreSQL then plans it with its values for the first five runs, and with a generic plan after
    if that costs no more: write in the statement's text what a partial index's predicate needs to match.

    Queries run through it are logged (and counted) as Django logs its own, with the values written in. On SQLite,
    or when the connection prepares nothing (OPTIONS "prepare_threshold" None: PgBouncer in transaction mode,
    docs/deploy.md), it is the ordinary cursor."""
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    prepared_cursor, logged_wrapper = _prepared_classes()
    with connection.wrap_database_errors:
        cursor = prepared_cursor(raw)
        # As Django's own cursors: timestamps in the connection's time zone when it differs from the adapters'.
        connection_cursor_timezone(cursor)
        connection.validate_thread_sharing()
        wrapped = logged_wrapper(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)
    with wrapped:
        yield wrapped


def connection_cursor_timezone(cursor: Any) -> None:
    """What Django's psycopg backend does to each cursor it makes (DatabaseWrapper.create_cursor)."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    tzloader = cursor.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, cursor)


@functools.cache
def _prepared_classes() -> tuple[type, type]:
    """The psycopg cursor that prepares what it runs, and the logging wrapper Django uses while queries are
    logged (tests, the bench, DEBUG), here logging each statement with its values as Django logs its own."""
    import psycopg
    from django.db.backends.postgresql.base import ServerBindingCursor
    from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = True, **options: Any) -> Any:
            return super().execute(query, params, prepare=prepare, **options)  # type: ignore[misc]

    class LoggedPreparedCursor(CursorDebugWrapper):
        def execute(self, sql: Any, params: Any = None) -> Any:
            # The text a client-binding cursor would have sent (Django's log shows that, not $1, $2, ...).
            text = psycopg.ClientCursor(self.cursor.connection).mogrify(sql, params)
            with self.debug_sql(text, params):
                return CursorWrapper.execute(self, sql, params)

    return PreparedCursor, LoggedPreparedCursor
