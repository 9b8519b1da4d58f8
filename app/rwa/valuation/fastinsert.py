"""The history's bulk insert: every value bound once per distinct value, then one driver-level statement.

A round appends thousands of rows that share most values (block, time, feed, answer, FX legs, guards):
SQLAlchemy's executemany would run each column's bind processor (JSON encoding, zero-padded units,
datetime formatting) for every row. Here each column's processor runs once per distinct value (memoized by
value, or by identity for the shared lists), and the rows go to the driver as one executemany (SQLite) or
one INSERT ... SELECT FROM unnest(arrays) (PostgreSQL: one statement, whatever the row count; each column
travels as one separated string that the server splits and casts, which psycopg passes through as is)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.orm import Session

SEP, NUL = "\x1f", "\x1e"  # ASCII unit separator between values; record separator alone = NULL


def _processed(column: Column[Any], dialect: Any, values: list[Any]) -> list[Any]:
    proc: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    if proc is None:
        return values
    memo: dict[Any, Any] = {}
    out = []
    for v in values:
        key = (type(v), v) if v is None or isinstance(v, str | int | bool) else id(v)
        hit = memo.get(key, memo)
        if hit is memo:
            hit = memo[key] = proc(v)
        out.append(hit)
    return out


def _text(value: Any) -> str:
    """A bound value as PostgreSQL reads it back from text (NULL as the separator string's null marker)."""
    if value is None:
        return NUL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    text = str(value)
    if not text or SEP in text or text == NUL:
        raise ValueError(f"{text!r} cannot travel in a separated list")
    return text


def _pg_column(column: Column[Any], dialect: Any, values: list[Any]) -> str:
    """One column as ONE string (values joined by SEP): psycopg dumps a Python list element by element
    (a regex per value); a single string per column is passed through, and the server splits it."""
    if not isinstance(column.type, JSON):
        values = _processed(column, dialect, values)
    memo: dict[Any, str] = {}
    parts = []
    for v in values:
        key = (type(v), v) if v is None or isinstance(v, str | int | bool) else id(v)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = _text(v)
        parts.append(hit)
    return SEP.join(parts)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys, each a column of `table`) in one driver call."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    q = dialect.identifier_preparer
    cols = ", ".join(q.quote(n) for n in names)
    if dialect.name == "postgresql":
        params: dict[str, Any] = {"sep": SEP, "nul": NUL}
        casts = []
        for i, n in enumerate(names):
            params[f"c{i}"] = _pg_column(table.c[n], dialect, [r[n] for r in rows])
            kind = table.c[n].type.compile(dialect=dialect)
            casts.append(f"CAST(string_to_array(%(c{i})s, %(sep)s, %(nul)s) AS {kind}[])")
        sql = f"INSERT INTO {q.format_table(table)} ({cols}) SELECT * FROM unnest({', '.join(casts)})"
        conn.exec_driver_sql(sql, params)
        return
    columns = [_processed(table.c[n], dialect, [r[n] for r in rows]) for n in names]
    marks = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {q.format_table(table)} ({cols}) VALUES ({marks})"
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))
