"""Many rows in one statement: the writes behind batches and group commits.

On PostgreSQL each function sends ONE statement whose text does not depend on the number of rows (the
values travel as arrays, unpacked by `unnest`), so the driver parses it once and the server prepares it
once; an executemany would execute it row by row, and a multi-row VALUES list is a new statement for every
row count. On SQLite, in process, a plain executemany is already cheap and is what we do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Dialect, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

Row = Mapping[str, Any]


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    """INSERT `rows` (dicts with the same keys, every key a column of `table`)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    q = dialect.identifier_preparer
    arrays, params = _arrays(dialect, [table.c[n] for n in names], rows)
    cols = ", ".join(q.quote(n) for n in names)
    session.execute(text(f"INSERT INTO {q.format_table(table)} ({cols}) SELECT * FROM {arrays}"), params)


def update_rows(session: Session, table: Table, keys: Sequence[str], rows: Sequence[Row]) -> None:
    """UPDATE the rows of `table` identified by the `keys` columns of each of `rows` to its other values."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    names = list(rows[0])
    values = [n for n in names if n not in keys]
    if dialect.name != "postgresql":
        where = [table.c[k] == bindparam(f"k_{k}") for k in keys]
        stmt = update(table).where(*where).values({n: bindparam(f"v_{n}") for n in values})
        prefix = {n: ("k_" if n in keys else "v_") + n for n in names}
        session.execute(stmt, [{prefix[n]: r[n] for n in names} for r in rows])
        return
    q = dialect.identifier_preparer
    arrays, params = _arrays(dialect, [table.c[n] for n in names], rows)
    sets = ", ".join(f"{q.quote(n)} = v.{q.quote(n)}" for n in values)
    match = " AND ".join(f"t.{q.quote(k)} = v.{q.quote(k)}" for k in keys)
    sql = f"UPDATE {q.format_table(table)} AS t SET {sets} FROM {arrays} WHERE {match}"
    session.execute(text(sql), params)


def reserve_ids(session: Session, column: Column[int], n: int) -> list[int]:
    """`n` new values of an autoincrement primary key, ascending, for rows inserted with explicit ids.

    PostgreSQL: drawn from the column's sequence (never given twice, whatever commits). SQLite: the next
    ones after the largest id, which stays true because the caller holds SQLite's write lock."""
    if n <= 0:
        return []
    table = column.table
    assert isinstance(table, Table)
    if session.get_bind().dialect.name == "postgresql":
        seq = func.pg_get_serial_sequence(table.name, column.name)
        ids = session.scalars(select(func.nextval(seq)).select_from(func.generate_series(1, n)))
        return sorted(ids)
    top = session.scalar(select(func.coalesce(func.max(column), 0)))
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + n))


def _arrays(
    dialect: Dialect, columns: Sequence[Column[Any]], rows: Sequence[Row]
) -> tuple[str, dict[str, Any]]:
    """`unnest(CAST(:c0 AS type[]), ...) AS v(name, ...)` and its parameters: one array per column, each
    value bound as the column's type binds it."""
    q = dialect.identifier_preparer
    params: dict[str, Any] = {}
    casts = []
    for i, col in enumerate(columns):
        proc = col.type.dialect_impl(dialect).bind_processor(dialect)
        values = [r[col.name] for r in rows]
        params[f"c{i}"] = [proc(v) for v in values] if proc else values
        casts.append(f"CAST(:c{i} AS {col.type.compile(dialect=dialect)}[])")
    names = ", ".join(q.quote(c.name) for c in columns)
    return f"unnest({', '.join(casts)}) AS v({names})", params
