"""Where a conformance case's state lives: ``memory_backend()`` (py-evm's in-memory ``AtomicDB``: the
baseline) or ``sql_backend()`` (our ``SqlStateStore`` over one scratch table, wiped before each case,
committed and reopened so that execution reads its state back from SQL)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import rlp
from eth.abc import AtomicDatabaseAPI
from eth.constants import BLANK_ROOT_HASH, EMPTY_SHA3
from eth.db.atomic import AtomicDB
from eth.rlp.accounts import Account
from sqlalchemy import Engine, delete, func, select
from trie.hexary import HexaryTrie
from trie.iter import NodeIterator

from app.db import make_engine
from app.evm.execution.state_store import SqlStateStore
from app.evm.storage.models import KeyValue


class Backend:
    """py-evm's in-memory AtomicDB: the baseline."""

    name = "memorydb"

    def fresh(self) -> AtomicDatabaseAPI:
        return AtomicDB()

    def save_and_reopen(self, db: AtomicDatabaseAPI) -> AtomicDatabaseAPI:
        return db

    def discard(self, db: AtomicDatabaseAPI) -> None:
        pass  # py-evm writes to the database only when a state persists

    def dirty(self, db: AtomicDatabaseAPI) -> bool:
        return False

    def check_persisted(self, root: bytes) -> str:
        return ""


class SqlBackend(Backend):
    """Our SqlStateStore over one scratch table: wiped before each case, committed, reopened."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.dialect.name

    def fresh(self) -> AtomicDatabaseAPI:
        self.wipe()
        return SqlStateStore(self.engine)

    def save_and_reopen(self, db: AtomicDatabaseAPI) -> AtomicDatabaseAPI:
        assert isinstance(db, SqlStateStore)
        db.commit()
        db.close()
        return SqlStateStore(self.engine)  # an empty cache: every read goes to SQL

    def discard(self, db: AtomicDatabaseAPI) -> None:
        assert isinstance(db, SqlStateStore)
        db.discard()

    def dirty(self, db: AtomicDatabaseAPI) -> bool:
        return isinstance(db, SqlStateStore) and db.dirty

    def check_persisted(self, root: bytes) -> str:
        """Read the whole post-state (accounts, storage, code) back from SQL through a fresh store."""
        store = SqlStateStore(self.engine)
        try:
            for _, encoded in NodeIterator(HexaryTrie(store, root)).items():
                account = rlp.decode(encoded, sedes=Account)
                if account.storage_root != BLANK_ROOT_HASH:
                    for _ in NodeIterator(HexaryTrie(store, account.storage_root)).items():
                        pass
                if account.code_hash != EMPTY_SHA3:
                    store[account.code_hash]
        except Exception as exc:  # MissingTrieNode, KeyError, a decoding error
            return f"post-state not readable from SQL: {type(exc).__name__}: {exc}"
        finally:
            store.close()
        return ""

    def wipe(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(KeyValue))


def memory_backend() -> Backend:
    return Backend()


@contextmanager
def sql_backend(url: str | None = None) -> Iterator[SqlBackend]:
    """A scratch state table: a temporary SQLite file by default, or the empty ``evm_kv`` table of the
    database at ``url`` (created when absent). A database whose ``evm_kv`` holds rows is refused: the
    runner wipes the table before every case."""
    with tempfile.TemporaryDirectory(prefix="aurigraph-conformance-") as tmp:
        engine = make_engine(url or f"sqlite:///{Path(tmp, 'state.db').as_posix()}")
        try:
            KeyValue.__table__.create(engine, checkfirst=True)
            with engine.connect() as conn:
                rows = conn.execute(select(func.count()).select_from(KeyValue.__table__)).scalar_one()
            if rows:
                raise ValueError(f"not a scratch database: its evm_kv table is not empty ({rows} rows)")
            backend = SqlBackend(engine)
            try:
                yield backend
            finally:
                backend.wipe()
        finally:
            engine.dispose()
