"""One chain writer per database: a PostgreSQL session-level advisory lock, or an exclusive file lock
beside a SQLite file. Both vanish with the process, so a crashed writer never blocks its successor."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text

from app.errors import Kind
from app.evm.errors import EvmError


class WriterLockHeld(EvmError):
    """Another process writes this chain's database (it holds the lock): this one cannot start."""

    kind = Kind.UNAVAILABLE
    code = "WRITER_LOCK_HELD"


class WriterLock:
    def __init__(self, engine: Engine) -> None:
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None
        url = engine.url
        if url.get_backend_name() == "postgresql":
            conn = engine.connect()
            # keyed by schema: databases that hold several schemas (tests, tenants) get a writer each
            got = conn.execute(
                text("select pg_try_advisory_lock(hashtext('aurigraph-chain-writer:' || current_schema()))")
            ).scalar()
            conn.commit()
            if not got:
                conn.close()
                raise WriterLockHeld(
                    "another Aurigraph process is already the chain writer for this database"
                )
            self._conn = conn
        elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database).with_suffix(".writer.lock")
            f = open(path, "ab")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                raise WriterLockHeld(
                    f"another Aurigraph process is already the chain writer for {url.database}"
                ) from None
            self._file = f

    def release(self) -> None:
        if self._conn is not None:
            # really closed, not returned to the pool: a pooled connection would keep the session's lock
            self._conn.invalidate()
            self._conn.close()
            self._conn = None
        if self._file is not None:
            self._file.close()
            self._file = None
