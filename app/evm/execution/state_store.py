"""py-evm's key-value database (``AtomicDatabaseAPI``) over one table of our SQL database.

Reads look in three places, newest first: the *pending* overlay (writes not yet committed to SQL), the
*committed* cache (hot state, a mirror of rows already read or written), then the table itself. Writes
land in the overlay, and ``flush(conn)`` writes the whole overlay inside the caller's SQL transaction, so
the state a block wrote commits together with that block's relational rows. ``committed()`` promotes
the overlay into the cache after the transaction commits; ``discard()`` drops it after a rollback.

``atomic_batch()`` keeps py-evm's contract: all of a batch reaches the overlay or none of it does.

One writer at a time: the chain holds a lock around every write, and misses are cached (a key absent
from the table stays absent until this process writes it). Reads of committed state (eth_getBalance...)
may come from several JSON-RPC threads at once: a miss reads the table through one connection, under a
lock of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB
from sqlalchemy import Connection, Engine, delete, func, select

from app.evm.storage.bulk import insert_rows
from app.evm.storage.models import KeyValue

_UNKNOWN = object()  # not in the cache: ask the table
_ABSENT = object()  # known not to be in the table
_DELETED = None  # overlay marker for a deleted key
_CHUNK = 500
_TABLE = KeyValue.__table__


class SqlStateStore(BaseAtomicDB):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[bytes, bytes | object] = {}
        self._pending: dict[bytes, bytes | None] = {}
        self._reader: Connection | None = None
        self._reader_lock = threading.Lock()
        self._complete = False  # the cache holds every row: a miss is authoritative, no query needed

    # -- DatabaseAPI -------------------------------------------------------------------------------
    def __getitem__(self, key: bytes) -> bytes:
        value: bytes | object | None
        if key in self._pending:
            value = self._pending[key]
        else:
            value = self._cache.get(key, _UNKNOWN)
            if value is _UNKNOWN:
                value = self._load(key)
        if value is None or value is _ABSENT:
            raise KeyError(key)
        return cast(bytes, value)  # neither None nor a marker: a stored value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[bytes(key)] = bytes(value)

    def __delitem__(self, key: bytes) -> None:
        if not self._exists(key):
            raise KeyError(key)
        self._pending[bytes(key)] = _DELETED

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        with AtomicDBWriteBatch._commit_unless_raises(self) as batch:
            yield batch

    # -- unit of work ------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def flush(self, conn: Connection) -> int:
        """Write the overlay inside ``conn``'s open transaction. Returns the number of keys written."""
        if not self._pending:
            return 0
        upserts = [(k, v) for k, v in self._pending.items() if v is not None]
        deletes = [k for k, v in self._pending.items() if v is None]
        for i in range(0, len(upserts), _CHUNK):
            insert_rows(conn, _TABLE, ("key", "value"), upserts[i : i + _CHUNK], upsert_on="key")
        for i in range(0, len(deletes), _CHUNK):
            conn.execute(delete(KeyValue).where(KeyValue.key.in_(deletes[i : i + _CHUNK])))
        return len(self._pending)

    def committed(self) -> None:
        """The transaction that flushed the overlay has committed: it is now the truth."""
        for key, value in self._pending.items():
            self._cache[key] = _ABSENT if value is None else value
        self._pending.clear()

    def discard(self) -> None:
        """The transaction rolled back (or was never started): forget every uncommitted write."""
        self._pending.clear()

    def commit(self) -> None:
        """Flush and commit the overlay in a transaction of its own."""
        with self._engine.begin() as conn:
            self.flush(conn)
        self.committed()

    def preload(self, max_rows: int) -> bool:
        """Load the whole table into the cache when it has at most ``max_rows`` rows; from then on a key
        missing from the cache is known to be missing (we are the only writer). Returns whether it did."""
        with self._engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(KeyValue.__table__)).scalar_one()
            if count > max_rows:
                return False
            for key, value in conn.execute(select(KeyValue.key, KeyValue.value)).yield_per(10_000):
                self._cache.setdefault(bytes(key), bytes(value))
        self._complete = True
        return True

    def committed_node(self, key: bytes, in_memory_only: bool = False) -> bytes | None:
        """A committed value, never the overlay of a block being built: for readers that hold no lock
        (``HeadState``). None when the key is absent, or with ``in_memory_only`` when only the table has it.
        A row read from the table is cached only when found, so a reader can never cache a key as absent
        that a block commits meanwhile."""
        value = self._cache.get(key, _UNKNOWN)
        if value is _UNKNOWN:
            if self._complete or in_memory_only:
                return None
            with self._reader_lock:
                if self._reader is None:
                    self._reader = self._engine.connect()
                try:
                    row = self._reader.execute(select(KeyValue.value).where(KeyValue.key == key)).first()
                finally:
                    self._reader.rollback()
            if row is None:
                return None
            value = self._cache.setdefault(key, bytes(row[0]))
        return None if value is _ABSENT else cast(bytes, value)  # a cached value or the marker

    def drop_cache(self) -> None:
        self._cache.clear()
        self._complete = False

    def close(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    # -- internals ---------------------------------------------------------------------------------
    def _load(self, key: bytes) -> bytes | object:
        if self._complete:
            return _ABSENT
        with self._reader_lock:
            if self._reader is None:
                self._reader = self._engine.connect()
            try:
                row = self._reader.execute(select(KeyValue.value).where(KeyValue.key == key)).first()
            finally:
                # end the implicit read transaction so SQLite's WAL can checkpoint
                self._reader.rollback()
        value: bytes | object = bytes(row[0]) if row is not None else _ABSENT
        self._cache[key] = value
        return value
