"""Engine, declarative Base with a naming convention, and the session scope every service shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Engine, MetaData, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # every model here is mapped to a Table (DeclarativeBase types it as the wider FromClause)
    __table__: ClassVar[Table]


SQLITE_SYNC_MODES = ("FULL", "NORMAL")


def _sqlite_pragmas(synchronous: str) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL + synchronous=FULL (the default): every commit is fsync'd, so a committed block survives
        # kill -9, an OS crash and power loss. NORMAL skips that fsync: still safe against kill -9 (the WAL
        # is written before COMMIT returns), but an OS crash or power cut may lose the last commits.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return on_connect


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        if sqlite_synchronous not in SQLITE_SYNC_MODES:
            raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNC_MODES}: {sqlite_synchronous!r}")
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_synchronous))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The caller owns the transaction: commit on success, roll back on any exception."""
    with factory.begin() as session:
        yield session
