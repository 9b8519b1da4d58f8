"""Concurrent appends: writers serialize on the audit lock and never share a sequence number or fork the
chain; a writer that gets past the lock anyway (here: the lock switched off) fails instead of forking."""

from __future__ import annotations

import threading
import time

from app.rwa.audit import log as audit
from app.rwa.audit.canonical import ZERO_HASH
from app.rwa.errors import AuditChainConflict
from tests.audit.factories import all_entries

THREADS, TXS = 6, 12


def assert_one_chain(sm, n):
    with sm() as s:
        entries = all_entries(s)
    assert [e.seq for e in entries] == list(range(1, n + 1))
    assert [e.prev_hash for e in entries] == [ZERO_HASH] + [e.hash for e in entries[:-1]]


def test_parallel_writers_build_one_gapless_chain(sm):
    start, errors = threading.Barrier(THREADS), []

    def writer(t: int) -> None:
        try:
            start.wait()
            for i in range(TXS):
                with sm.begin() as s:  # each thread its own session; some transactions append twice
                    for j in range(1 + i % 2):
                        audit.record(
                            s, actor=f"t{t}", action="w", subject="asset:X", payload={"i": i, "j": j}
                        )
        except Exception as exc:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert_one_chain(sm, THREADS * (TXS + TXS // 2))


def race(sm, monkeypatch, *, lock: bool):
    """A appends and holds its transaction open; B appends meanwhile; then A commits. Returns B's outcome."""
    real_lock, b_reading = audit._lock, threading.Event()

    def lock_then_signal(session, name):
        if lock:
            real_lock(session, name)
        if threading.current_thread().name == "B":
            b_reading.set()

    monkeypatch.setattr(audit, "_lock", lock_then_signal)
    outcome: list[object] = []

    def b() -> None:
        try:
            with sm.begin() as s:
                outcome.append(audit.record(s, actor="b", action="w", subject="s", payload={}).seq)
        except Exception as exc:
            outcome.append(exc)

    with sm.begin() as s:
        audit.record(s, actor="a", action="w", subject="s", payload={})
        tb = threading.Thread(target=b, name="B")
        tb.start()
        if not lock:  # B has read the tail (A's entry is invisible to it) and now waits to insert
            assert b_reading.wait(10)
        time.sleep(0.5)
        assert not outcome, "B must wait for A's transaction"
    tb.join(20)
    return outcome


def test_the_lock_makes_a_second_writer_wait_and_append_after(sm, monkeypatch):
    assert race(sm, monkeypatch, lock=True) == [2]
    assert_one_chain(sm, 2)


def test_without_the_lock_the_loser_fails_instead_of_forking(sm, monkeypatch):
    [outcome] = race(sm, monkeypatch, lock=False)
    assert isinstance(outcome, AuditChainConflict)
    assert_one_chain(sm, 1)
    with sm.begin() as s:  # and the log goes on
        audit.record(s, actor="c", action="w", subject="s", payload={})
    assert_one_chain(sm, 2)


def test_checkpoints_taken_while_writers_append(sm, key):
    done = threading.Event()

    def writer() -> None:
        for i in range(30):
            with sm.begin() as s:
                audit.record(s, actor="w", action="w", subject="s", payload={"i": i})
        done.set()

    th = threading.Thread(target=writer)
    th.start()
    sizes = []
    while not done.is_set():
        with sm.begin() as s:
            sizes.append(audit.checkpoint(s, key).tree_size)
    th.join()
    with sm.begin() as s:
        sizes.append(audit.checkpoint(s, key).tree_size)
    assert sizes == sorted(sizes) and sizes[-1] == 30 and len(sizes) > 1
