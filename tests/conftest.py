"""Shared fixtures: a migrated database per test on SQLite *and* PostgreSQL.

PostgreSQL is not optional: when it cannot be reached the PostgreSQL half of the suite fails with a clear
message (scripts/ensure-postgres starts or installs it before the suite runs)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.migrate import upgrade

PG_URL = os.environ.get("AURIGRAPH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DIALECTS = ["sqlite", "postgresql"]


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _require_pg() -> None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        pytest.fail(f"PostgreSQL is required by the suite and is not reachable at {PG_URL}: {exc}")


def make_database(dialect: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database; yields its SQLAlchemy URL and drops it afterwards."""
    if dialect == "sqlite":
        url = f"sqlite:///{(tmp_path / 'aurigraph.db').as_posix()}"
        upgrade(url)
        yield url
        return
    _require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    url = _pg_schema_url(schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_database(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield from make_database("sqlite", tmp_path)


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    yield from make_database("postgresql", tmp_path)
