"""Many rows in one statement, without a model instance per row: what the comment import
reads and writes for each page of comments (``promotions.social.comments`` and
``comment_entries``), and the entries consumer for each batch of accepted entries
(``promotions.entries.intake_store``).

``rows_insert`` is ``bulk_create(ignore_conflicts=True)`` that says which rows it
inserted: ``INSERT ... ON CONFLICT (<unique key>) DO NOTHING RETURNING ...``. PostgreSQL
takes the rows as one array per column (``SELECT * FROM unnest(%s::text[], ...)``: one
statement, a short query text whatever the number of rows, as ``bulk_create`` does there);
SQLite (3.35+) takes ``VALUES (...), (...)`` lists, as many statements as its parameter
limit asks. A row whose key is already stored, or is being stored by another transaction
that then commits, is skipped and not returned. A column left out takes its field's
default (a callable default is called for each row: ``Entry.public_id``), an
``auto_now`` field the time of the call.

``rows_get`` reads rows by a list of keys. On PostgreSQL it probes the index once per key
(``unnest`` of the keys joined LATERAL to a fenced subquery) whatever the planner believes
of the table: ``key IN (100 values)`` on a table that grew since its statistics (a first
import, before autovacuum analyses it) is planned as a scan of every row of the platform,
on each page. SQLite plans ``IN`` on its indexes well.

Both statements are planned for their values each time on PostgreSQL, never prepared
(``config.postgresql.PLANNED_EACH_TIME``): a generic plan knows nothing of the
arrays' sizes.
"""

# ruff: noqa: S608 -- table and column names come from the models' metadata, quoted by the
# backend; values travel as query parameters.
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from config.postgresql import PLANNED_EACH_TIME

# Fields whose Python value is what both databases take as it is.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _prep(field: models.Field[Any, Any], value: Any) -> Any:
    adapt = _adapter(field)
    return value if adapt is None or value is None else adapt(value)


def _adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of ``field`` is handed to the database (None: as it is)."""
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return None
    if kind == "DateTimeField":  # SQLite stores text in UTC; PostgreSQL takes it as it is
        return connection.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _per_row(field: models.Field[Any, Any]) -> bool:
    """Whether a column left out takes a new default on each row (``uuid4``)."""
    auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    return not auto and field.has_default() and callable(field.default)


def _constant(field: models.Field[Any, Any], now: Any) -> Any:
    """The value every row takes for a column left out (``auto_now``: ``now``)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def _quote(field: models.Field[Any, Any]) -> str:
    return connection.ops.quote_name(str(field.column))


def _pg_type(field: models.Field[Any, Any]) -> str:
    """PostgreSQL's type of a column without its size: varchar rather than varchar(120),
    as Django's bulk_create does (a cast to the sized type would cut what is too long
    instead of refusing it)."""
    return str(field.db_type(connection)).split("(")[0]


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.pk if name == "pk" else model._meta.get_field(name)
    if not isinstance(found, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found


def rows_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    same: dict[str, Any] | None = None,
    conflict: Sequence[str] = (),
    any_conflict: bool = False,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (tuples of the ``fields``' values, by attribute name: ``person_id``)
    into ``model``'s table, with the values every row shares in ``same``, skipping those
    that clash on the unique ``conflict`` fields (``any_conflict``: on any unique key);
    returns the ``returning`` columns of the rows inserted, in the order of ``rows`` (the
    order ``bulk_create`` relies on too)."""
    todo = list(rows)
    if not todo:
        return []
    meta = model._meta
    same = same or {}
    named = {*fields, *same}
    left = [
        f
        for f in meta.concrete_fields
        if f.attname not in named and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    now = timezone.now()
    makers = [f for f in left if _per_row(f)]
    varying = [*(_field(model, name) for name in fields), *makers]
    shared = [(_field(model, name), value) for name, value in same.items()]
    shared += [(f, _constant(f, now)) for f in left if not _per_row(f)]
    adapters = [_adapter(f) for f in varying]
    values = [
        [
            v if adapt is None or v is None else adapt(v)
            for v, adapt in zip((*row, *(f.default() for f in makers)), adapters, strict=True)
        ]
        for row in todo
    ]
    fixed = [_prep(f, v) for f, v in shared]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(_quote(f) for f in [*varying, *(f for f, _ in shared)])
    tail = ""
    if conflict:
        keys = ", ".join(_quote(_field(model, name)) for name in conflict)
        tail += f" ON CONFLICT ({keys}) DO NOTHING"
    elif any_conflict:
        tail += " ON CONFLICT DO NOTHING"
    if returning:
        tail += " RETURNING " + ", ".join(_quote(_field(model, n)) for n in returning)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and varying:
            # The shared values once, the others as one array per column.
            scalars = "".join(f", %s::{_pg_type(f)}" for f, _ in shared)
            arrays = ", ".join(f"%s::{_pg_type(f)}[]" for f in varying)
            cursor.execute(
                f"{PLANNED_EACH_TIME}INSERT INTO {table} ({columns}) "
                f"SELECT k.*{scalars} FROM unnest({arrays}) AS k{tail}",
                [*fixed, *(list(column) for column in zip(*values, strict=True))],
            )
            return [tuple(r) for r in cursor.fetchall()] if returning else []
        width = len(varying) + len(shared)
        size = max(1, connection.ops.bulk_batch_size([*varying, *(f for f, _ in shared)], todo))
        one = "(" + ", ".join(["%s"] * width) + ")"
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), size):
            batch = values[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))}{tail}",
                [v for row in batch for v in (*row, *fixed)],
            )
            if returning:
                found.extend(tuple(r) for r in cursor.fetchall())
    return found


def rows_get(
    model: type[models.Model],
    keys: Sequence[str],
    values: Iterable[tuple[Any, ...]],
    columns: Sequence[str],
    *,
    where: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """The ``columns`` of ``model``'s rows whose ``keys`` fields are one of ``values``
    (tuples) and whose ``where`` fields equal a value (or are in a list, set or tuple)."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    where = where or {}
    if connection.vendor != "postgresql":
        filters: dict[str, Any] = {
            f"{key}__in": {value[i] for value in wanted} for i, key in enumerate(keys)
        }
        for name, value in where.items():
            many = isinstance(value, list | set | tuple | frozenset)
            filters[f"{name}__in" if many else name] = value
        width = len(keys)
        found = set(wanted)
        rows = model._default_manager.filter(**filters).order_by().values_list(*keys, *columns)
        return [tuple(r[width:]) for r in rows if tuple(r[:width]) in found]
    key_fields = [_field(model, key) for key in keys]
    names = ", ".join(f"k{i}" for i in range(len(keys)))
    conditions = [f"{_quote(f)} = k.k{i}" for i, f in enumerate(key_fields)]
    params: list[Any] = [list(column) for column in zip(*wanted, strict=True)]
    for name, value in where.items():
        field = _field(model, name)
        if isinstance(value, list | set | tuple | frozenset):
            conditions.append(f"{_quote(field)} = ANY(%s::{_pg_type(field)}[])")
            params.append(list(value))
        else:
            conditions.append(f"{_quote(field)} = %s")
            params.append(value)
    arrays = ", ".join(f"%s::{_pg_type(f)}[]" for f in key_fields)
    selected = ", ".join(_quote(_field(model, c)) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    # OFFSET 0 keeps the subquery from being merged into a join: it runs once per key.
    sql = (
        f"{PLANNED_EACH_TIME}SELECT r.* FROM unnest({arrays}) AS k({names}) CROSS JOIN LATERAL "
        f"(SELECT {selected} FROM {table} WHERE {' AND '.join(conditions)} OFFSET 0) AS r"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]
