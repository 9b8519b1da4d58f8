"""py-evm's trick: drive our SQL state store and py-evm's in-memory ``AtomicDB(MemoryDB)`` side by side
with random operations and check they never disagree, also across commits, rolled-back flushes, discards
and restarts. ``committed`` models what SQL holds: after a discard or a restart the reference is rebuilt
from it, because that is all the store may still show."""

from __future__ import annotations

import pytest
from eth.db.atomic import AtomicDB
from eth.db.backends.memory import MemoryDB
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import Engine, create_engine, text

from app.evm.execution.state_store import SqlStateStore
from tests.conftest import DIALECTS, make_database

# a handful of keys, so sets, deletes and batches keep hitting the same ones; now and then a stranger
KEYS = st.sampled_from([b"k0", b"k1", b"k2"]) | st.binary(min_size=1, max_size=33)
VALUES = st.binary(min_size=0, max_size=40)
BATCH_OPS = st.lists(
    st.one_of(st.tuples(st.just("set"), KEYS, VALUES), st.tuples(st.just("del"), KEYS)), max_size=6
)


class Boom(Exception):
    pass


def reference_from(state: dict[bytes, bytes]) -> AtomicDB:
    ref = AtomicDB(MemoryDB())
    for k, v in state.items():
        ref[k] = v
    return ref


def make_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    class StoreMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            with engine.begin() as conn:
                conn.execute(text("delete from evm_kv"))
            self.store = SqlStateStore(engine)
            self.ref = AtomicDB(MemoryDB())
            self.committed: dict[bytes, bytes] = {}  # what SQL holds
            self.seen: set[bytes] = set()  # every key ever touched: absent ones must stay absent in both

        def both(self) -> tuple[SqlStateStore, AtomicDB]:
            return self.store, self.ref

        def roll_back_to_committed(self) -> None:
            self.ref = reference_from(self.committed)

        @rule(key=KEYS, value=VALUES)
        def set(self, key: bytes, value: bytes) -> None:
            self.seen.add(key)
            for db in self.both():
                db[key] = value

        @rule(key=KEYS)
        def delete(self, key: bytes) -> None:
            """Deleting a present key works in both; deleting an absent one raises KeyError in both."""
            self.seen.add(key)
            outcomes = []
            for db in self.both():
                try:
                    del db[key]
                    outcomes.append("deleted")
                except KeyError:
                    outcomes.append("KeyError")
            assert outcomes[0] == outcomes[1]

        @rule(ops=BATCH_OPS, fail_at=st.none() | st.integers(min_value=0, max_value=6))
        def batch(self, ops: list[tuple[bytes, ...]], fail_at: int | None) -> None:
            """A batch applies all of its writes or, when it raises midway, none of them."""
            outcomes = []
            for db in self.both():
                trace = []
                try:
                    with db.atomic_batch() as b:
                        for i, (op, key, *value) in enumerate(ops):
                            self.seen.add(key)
                            if i == fail_at:
                                raise Boom
                            if op == "set":
                                b[key] = value[0]
                                trace.append(b[key])
                            else:
                                try:
                                    del b[key]
                                    trace.append(key in b)
                                except KeyError:
                                    trace.append("KeyError")
                        if fail_at is not None and fail_at >= len(ops):
                            raise Boom
                except Boom:
                    trace.append("rolled back")
                outcomes.append(trace)
            assert outcomes[0] == outcomes[1]

        @rule()
        def commit(self) -> None:
            self.store.commit()
            self.committed = {k: self.ref[k] for k in self.seen if k in self.ref}

        @rule()
        def flush_then_roll_back(self) -> None:
            """A block write that fails after the flush: SQL rolls back, the store forgets the overlay."""
            with engine.connect() as conn:
                trans = conn.begin()
                self.store.flush(conn)
                trans.rollback()
            self.store.discard()
            self.roll_back_to_committed()

        @rule()
        def discard(self) -> None:
            self.store.discard()
            self.roll_back_to_committed()

        @rule(preload=st.booleans())
        def reopen(self, preload: bool) -> None:
            """A restart: only committed data survives, read back from SQL (row by row, or preloaded)."""
            self.store.close()
            self.store = SqlStateStore(engine)
            if preload:
                assert self.store.preload(max_rows=10_000)
            self.roll_back_to_committed()

        @rule()
        def drop_cache(self) -> None:
            self.store.drop_cache()

        @rule(key=KEYS)
        def get(self, key: bytes) -> None:
            assert (key in self.store) == (key in self.ref)
            if key in self.ref:
                assert self.store[key] == self.ref[key]
            else:
                with pytest.raises(KeyError):
                    self.store[key]

        @invariant()
        def agree_on_every_key_seen(self) -> None:
            for key in self.seen:
                present = key in self.ref
                assert (key in self.store) == present, key
                if present:
                    assert self.store[key] == self.ref[key], key

        def teardown(self) -> None:
            self.store.close()

    return StoreMachine


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_store_never_disagrees_with_memorydb(dialect, tmp_path):
    databases = make_database(dialect, tmp_path)
    engine = create_engine(next(databases))
    try:
        machine = make_machine(engine)
        machine.TestCase.settings = settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        machine.TestCase().runTest()
    finally:
        engine.dispose()
        next(databases, None)
