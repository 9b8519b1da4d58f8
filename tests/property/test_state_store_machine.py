"""py-evm's trick: drive our SQL state store and py-evm's in-memory AtomicDB(MemoryDB) side by side
with random operations, and check they never disagree — also after commits, discards and reopening."""

from __future__ import annotations

import pytest
from eth.db.atomic import AtomicDB
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import create_engine, text

from app.evm.state_store import SqlStateStore
from tests.conftest import make_database

KEYS = st.binary(min_size=1, max_size=4).map(lambda b: b"k" + b)  # few distinct keys: many collisions
VALUES = st.binary(min_size=0, max_size=40)


class Boom(Exception):
    pass


def make_machine(url: str) -> type[RuleBasedStateMachine]:
    engine = create_engine(url)

    class StoreMachine(RuleBasedStateMachine):
        """``committed`` models what SQL holds; ``ref`` mirrors the store's live view (overlay included)."""

        def __init__(self) -> None:
            super().__init__()
            with engine.begin() as conn:
                conn.execute(text("delete from evm_kv"))
            self.store = SqlStateStore(engine)
            self.ref = AtomicDB()
            self.committed: dict[bytes, bytes] = {}
            self.live: dict[bytes, bytes] = {}

        @rule(key=KEYS, value=VALUES)
        def set(self, key: bytes, value: bytes) -> None:
            self.store[key] = value
            self.ref[key] = value
            self.live[key] = value

        @precondition(lambda self: bool(self.live))
        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            key = data.draw(st.sampled_from(sorted(self.live)))
            del self.store[key]
            del self.ref[key]
            del self.live[key]

        @rule(key=KEYS)
        def delete_missing_raises_in_both(self, key: bytes) -> None:
            if key in self.live:
                return
            with pytest.raises(KeyError):
                del self.store[key]
            with pytest.raises(KeyError):
                del self.ref[key]

        @rule(writes=st.lists(st.tuples(KEYS, VALUES), max_size=6), fail=st.booleans())
        def batch(self, writes: list[tuple[bytes, bytes]], fail: bool) -> None:
            for db in (self.store, self.ref):
                try:
                    with db.atomic_batch() as b:
                        for k, v in writes:
                            b[k] = v
                            assert b[k] == v
                        if fail:
                            raise Boom
                except Boom:
                    pass
            if not fail:
                self.live.update(writes)

        @rule()
        def commit(self) -> None:
            self.store.commit()
            self.committed = dict(self.live)

        @rule()
        def discard(self) -> None:
            """Roll back to what SQL holds (a failed block): the reference is rebuilt from the model."""
            self.store.discard()
            self.ref = AtomicDB()
            for k, v in self.committed.items():
                self.ref[k] = v
            self.live = dict(self.committed)

        @rule()
        def reopen(self) -> None:
            """A restart: only committed data survives, read back from SQL by a fresh store."""
            self.store.close()
            self.store = SqlStateStore(engine)
            self.ref = AtomicDB()
            for k, v in self.committed.items():
                self.ref[k] = v
            self.live = dict(self.committed)

        @rule(key=KEYS)
        def get_agrees(self, key: bytes) -> None:
            assert (key in self.store) == (key in self.ref)
            if key in self.ref:
                assert self.store[key] == self.ref[key]
            else:
                with pytest.raises(KeyError):
                    self.store[key]

        @invariant()
        def every_known_key_agrees(self) -> None:
            for key, value in self.live.items():
                assert self.store[key] == value == self.ref[key]

        def teardown(self) -> None:
            self.store.close()

    return StoreMachine


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_sql_store_never_disagrees_with_memorydb(dialect, tmp_path):
    gen = make_database(dialect, tmp_path)
    url = next(gen)
    try:
        machine = make_machine(url)
        machine.TestCase.settings = settings(
            max_examples=80, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
        )
        machine.TestCase().runTest()
    finally:
        next(gen, None)
