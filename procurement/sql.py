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


def sql_insert(objs: Sequence[Model]) -> None:
    """Insert new instances of one model in one statement, as `bulk_create` writes them (each field's `pre_save`
    for a new row, then `get_db_prep_save`), and set their primary keys from `RETURNING` (PostgreSQL, SQLite 3.35+):
    for a few rows on a hot path, where `bulk_create` costs more to compile than the insert takes to run. Every
    value a parameter."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk and not field.generated]
    qn = connection.ops.quote_name
    params: list[Any] = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="sql_insert")  # type: ignore[attr-defined]
        params += [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (  # identifiers from the model, values as parameters
        f"INSERT INTO {sql_table(meta)} ({', '.join(qn(str(field.column)) for field in fields)})"  # noqa: S608
        f" VALUES {', '.join([row] * len(objs))} RETURNING {sql_column(meta, 'pk')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
