"""Group commit of single transfers (TransferCommitter, settlement.transfer_each) on SQLite and PostgreSQL:
concurrent callers each get their own outcome, after the commit, with their own audit entry; a refusal
stays with its transfer; a failed group writes nothing and fails every caller of it."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, make_sessionmaker
from app.rwa.audit.canonical import ZERO_HASH, entry_hash, format_time
from app.rwa.audit.models import AuditEntry
from app.rwa.domain import Restriction
from app.rwa.errors import (
    InsufficientFreeBalance,
    InvalidUnits,
    NotAuthenticated,
    PermissionDenied,
    RwaError,
    TransferNotCommitted,
    TransferRestricted,
    WalletNotFound,
)
from app.rwa.ledger import movements
from app.rwa.ledger import transfers as ledger
from app.rwa.ledger.book import lock_holdings
from app.rwa.ledger.group_commit import KeyedTransfer, TransferCommitter, TransferRequest
from app.rwa.ledger.movements import MovementView
from app.rwa.ledger.settlement import transfer_each
from app.rwa.registry import assets, identities, keys
from app.rwa.repo import asset_by_symbol, begin_write, wallets_by_address
from tests.rwa.factories import (
    ACTOR,
    address,
    audit_size,
    ledger_state,
    make_asset,
    make_investor,
    make_key,
)


@pytest.fixture
def committer(db_url):
    engine = make_engine(db_url)
    with TransferCommitter(make_sessionmaker(engine)) as c:
        yield c
    engine.dispose()


def _market(sm: sessionmaker[Session], n: int, units: int, **rules: object) -> tuple[str, list[str]]:
    wallets = [address(f"gc-{random.random()}-{i}") for i in range(n)]
    with sm.begin() as s:
        sym = make_asset(s, rules=rules or None).symbol
        for w in wallets:
            make_investor(s, w)
            if units:
                ledger.issue(s, actor=ACTOR, symbol=sym, wallet=w, units=units)
    return sym, wallets


def _balances(sm: sessionmaker[Session], sym: str) -> dict[str, int]:
    with sm() as s:
        return {p.wallet: p.balance for p in assets.positions(s, symbol=sym)}


def _chain(session: Session) -> list[AuditEntry]:
    """Every entry, after checking the log is one gapless chain whose hashes are all true."""
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    prev = ZERO_HASH
    for n, e in enumerate(entries, start=1):
        assert e.seq == n and bytes(e.prev_hash) == prev
        digest = entry_hash(
            e.seq, format_time(e.created_at), e.actor, e.action, e.subject, e.asset, e.payload, prev
        )
        assert bytes(e.hash) == digest
        prev = digest
    return entries


def test_concurrent_callers_each_get_their_own_durable_outcome(sm, committer):
    _many_callers(sm, committer)


@pytest.mark.postgres
def test_several_writers_keep_every_invariant(pg_url):
    """Three writers: groups prepare while the one before commits, and meet at row locks and the log."""
    engine = make_engine(pg_url, pool_size=3, max_overflow=0)
    try:
        sm = make_sessionmaker(engine)
        with TransferCommitter(sm, writers=3) as committer:
            _many_callers(sm, committer)
    finally:
        engine.dispose()


def _many_callers(sm: sessionmaker[Session], committer: TransferCommitter) -> None:
    """16 callers, 25 transfers each, amounts chosen so that many are refused for want of units."""
    sym, wallets = _market(sm, 6, 500)
    with sm() as s:
        before = audit_size(s)
    lock = threading.Lock()
    outcomes: list[tuple[tuple[str, str, int], MovementView | RwaError]] = []

    def caller(n: int) -> None:
        rng = random.Random(n)
        for _ in range(25):
            a, b = rng.sample(wallets, 2)
            units = rng.randint(1, 400)
            try:
                result: MovementView | RwaError = committer.transfer(
                    actor=f"caller-{n}", symbol=sym, sender=a, receiver=b, units=units
                )
            except RwaError as exc:
                result = exc
            with lock:
                outcomes.append(((a, b, units), result))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(caller, range(16)))

    accepted = [(t, r) for t, r in outcomes if isinstance(r, MovementView)]
    refused = [r for _, r in outcomes if not isinstance(r, MovementView)]
    assert len(outcomes) == 400 and accepted and refused
    assert all(isinstance(r, InsufficientFreeBalance) for r in refused)
    assert {r.restriction for r in refused} == {Restriction.INSUFFICIENT_FREE_BALANCE}  # type: ignore[attr-defined]
    assert committer.groups < committer.transfers  # some callers shared a commit
    expected = dict.fromkeys(wallets, 500)
    for (a, b, units), view in accepted:
        assert (view.sender, view.receiver, view.units, view.asset) == (a, b, units, sym)  # type: ignore[union-attr]
        expected[a] -= units
        expected[b] += units
    held = _balances(sm, sym)
    # the register lists holdings with a balance: a wallet the race happened to empty exactly is not in it
    expected = {w: units for w, units in expected.items() if units}
    assert held == expected and sum(held.values()) == 6 * 500  # no double spend, no lost update
    with sm() as s:
        assert min(held.values()) >= 0
        listed = movements.list_movements(s, sym, limit=1000)
        ids = {v.id for _, v in accepted}  # type: ignore[union-attr]
        assert {m.id for m in listed if m.kind == "transfer"} == ids
        entries = _chain(s)
    transfers = [e for e in entries[before:] if e.action == "ledger.transfer"]
    assert len(entries) - before == len(transfers) == len(accepted)  # one entry per accepted transfer
    assert sorted(json.loads(e.payload)["movement"] for e in transfers) == sorted(ids)
    by_id = {v.id: v for _, v in accepted}  # type: ignore[union-attr]
    for e in transfers:
        body, view = json.loads(e.payload), by_id[json.loads(e.payload)["movement"]]
        assert (body["from"], body["to"], body["units"], e.actor) == (
            view.sender,
            view.receiver,
            str(view.units),
            view.actor,
        )


def test_one_balance_spent_by_many_callers_at_once(sm, committer):
    sym, (rich, *receivers) = _market(sm, 17, 0)
    with sm.begin() as s:
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=rich, units=100)
    futures = [
        committer.submit(TransferRequest(ACTOR, sym, rich, r, 30)) for r in receivers
    ]  # all queued at once: they share groups
    results = Counter()
    for f in futures:
        try:
            f.result()
            results["ok"] += 1
        except InsufficientFreeBalance:
            results["refused"] += 1
    assert results == {"ok": 3, "refused": 13}
    held = _balances(sm, sym)
    assert held[rich] == 10 and sum(held.values()) == 100


def _blocked_first_group(sm, committer, sym, wallet):
    """Hold a lock the committer's next group needs (SQLite: the write lock; PostgreSQL: the holding row),
    submit one transfer and wait until the writer is stuck on it; returns (blocker session, its future)."""
    blocker = sm()
    blocker.begin()
    begin_write(blocker)
    asset = asset_by_symbol(blocker, sym)
    lock_holdings(blocker, asset.id, [wallets_by_address(blocker, [wallet])[wallet].id])
    first = committer.submit(TransferRequest(ACTOR, sym, wallet, address("gc-sink"), 1))
    deadline = time.monotonic() + 10
    while committer.groups == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert committer.groups == 1
    return blocker, first


def test_a_refused_transfer_leaves_the_others_of_its_group_alone(sm, committer):
    sym, (a, b, c) = _market(sm, 3, 100)
    with sm.begin() as s:
        make_investor(s, address("gc-sink"))
        make_investor(s, address("gc-unverified"), kyc_status="pending")
    blocker, first = _blocked_first_group(sm, committer, sym, a)
    group = [
        TransferRequest("x", sym, b, c, 60),  # ok: b 40, c 160
        TransferRequest("x", sym, b, a, 60),  # refused: b has 40 left
        TransferRequest("x", sym, c, address("gc-unverified"), 5),  # refused: receiver not verified
        TransferRequest("x", sym, c, address("gc-nobody"), 5),  # refused: no such wallet
        TransferRequest("x", sym, c, a, 0),  # refused: bad units
        TransferRequest("x", sym, c, b, 150),  # ok: spends what c received earlier in this group
    ]
    futures = [committer.submit(r) for r in group]
    with sm() as s:
        before, state = audit_size(s), ledger_state(s)
    assert not any(f.done() for f in [first, *futures])  # nobody is answered before the commit
    blocker.rollback()
    blocker.close()
    assert first.result(10).units == 1
    outcomes = [_outcome(f) for f in futures]
    assert committer.groups == 2  # the six shared one transaction
    assert outcomes[0].units == 60 and outcomes[5].units == 150
    assert isinstance(outcomes[1], InsufficientFreeBalance)
    assert outcomes[1].restriction is Restriction.INSUFFICIENT_FREE_BALANCE and outcomes[1].restriction == 11
    assert isinstance(outcomes[2], TransferRestricted)
    assert outcomes[2].restriction is Restriction.RECEIVER_NOT_VERIFIED
    assert isinstance(outcomes[3], WalletNotFound) and isinstance(outcomes[4], InvalidUnits)
    held = _balances(sm, sym)
    assert (held[a], held[b], held[c]) == (99, 190, 10)
    with sm() as s:
        assert ledger_state(s) != state
        entries = _chain(s)
        assert len(entries) == before + 3  # the blocked first one, then one per accepted transfer of the six
        assert [json.loads(e.payload)["units"] for e in entries[-2:]] == ["60", "150"]


def _outcome(f: Future[MovementView]) -> MovementView | BaseException:
    try:
        return f.result(10)
    except BaseException as exc:
        return exc


def test_a_failing_group_fails_every_caller_and_writes_nothing(sm):
    sym, wallets = _market(sm, 4, 100)
    sessions = make_sessionmaker(sm.kw["bind"])
    committer = TransferCommitter(sessions)
    with sm() as s:
        before, state = audit_size(s), ledger_state(s)
    boom = RuntimeError("the disk is gone")

    def fail(_session: Session) -> None:  # at the commit, after every statement of the group ran
        raise boom

    event.listen(sessions, "before_commit", fail)
    try:
        futures = [
            committer.submit(TransferRequest(ACTOR, sym, wallets[i % 4], wallets[(i + 1) % 4], 10))
            for i in range(12)
        ]
        outcomes = [_outcome(f) for f in futures]
    finally:
        event.remove(sessions, "before_commit", fail)
    assert all(isinstance(o, TransferNotCommitted) and o.__cause__ is boom for o in outcomes)
    assert len({id(o) for o in outcomes}) == 12  # each caller raises its own error object
    with sm() as s:
        assert ledger_state(s) == state and audit_size(s) == before
        assert {m.kind for m in movements.list_movements(s, sym, limit=1000)} == {"issue"}
        _chain(s)
    with committer:  # and the writer lives on
        assert committer.transfer(actor=ACTOR, symbol=sym, sender=wallets[0], receiver=wallets[1], units=7)
    assert _balances(sm, sym)[wallets[1]] == 107


def test_a_database_that_refuses_writes_fails_the_group(db_url, sm):
    """A real database error in the middle of the group (the committer's connections are read-only)."""
    sym, (a, b) = _market(sm, 2, 100)
    with sm() as s:
        before, state = audit_size(s), ledger_state(s)
    engine = make_engine(db_url)

    @event.listens_for(engine, "begin")
    def read_only(conn):  # type: ignore[no-untyped-def]
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        else:
            conn.exec_driver_sql("PRAGMA query_only = ON")

    try:
        with TransferCommitter(make_sessionmaker(engine)) as c:
            futures = [c.submit(TransferRequest(ACTOR, sym, a, b, 1)) for _ in range(5)]
            outcomes = [_outcome(f) for f in futures]
    finally:
        engine.dispose()
    assert all(isinstance(o, TransferNotCommitted) for o in outcomes)
    with sm() as s:
        assert ledger_state(s) == state and audit_size(s) == before


def test_transfer_each_writes_what_ledger_transfer_writes(sm):
    """A transfer settled in a group leaves the same movement and the same audit entry (but for ids and
    times) as the plain `ledger.transfer` in its own transaction."""
    sym, (a, b) = _market(sm, 2, 100)
    with sm.begin() as s:
        alone = ledger.transfer(s, actor="k", symbol=sym, sender=a, receiver=b, units=5)
    with sm.begin() as s:
        (grouped,) = transfer_each(s, [TransferRequest("k", sym, "0x" + a[2:].upper(), b, 5)])
    assert isinstance(grouped, MovementView)
    assert (grouped.sender, grouped.receiver, grouped.units, grouped.kind, grouped.actor) == (
        alone.sender,
        alone.receiver,
        alone.units,
        alone.kind,
        alone.actor,
    )
    with sm() as s:
        one, two = _chain(s)[-2:]
    strip = lambda e: (e.actor, e.action, e.subject, e.asset, {**json.loads(e.payload), "movement": 0})  # noqa: E731
    assert strip(one) == strip(two)
    assert json.loads(two.payload)["movement"] == grouped.id


def test_a_closed_committer_refuses_new_transfers(sm):
    committer = TransferCommitter(sm)
    committer.close()
    with pytest.raises(RuntimeError):
        committer.submit(TransferRequest(ACTOR, "X", address(1), address(2), 1))


def test_keys_are_checked_in_the_group_each_for_its_own_transfer(sm, committer):
    """The REST route's case: the group authenticates the keys; a bad key, a wallet out of an investor's
    scope, or a key that holds no wallet (an admin: forced transfers only) fails that transfer alone, and
    an accepted one is audited under its key."""
    sym, (a, b) = _market(sm, 2, 100)
    with sm.begin() as s:
        make_investor(s, address("gc-sink"))
        investor = make_investor(s, c := address(f"gc-own-{random.random()}"))
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=c, units=50)
        admin = make_key(s, "admin")
        holder = make_key(s, "investor", identity_id=identities.identity_of_wallet(s, a))
        own = make_key(s, "investor", identity_id=investor)
        revoked = make_key(s, "admin")
        keys.revoke_key(s, actor=ACTOR, prefix=revoked.split("_")[1])
    blocker, first = _blocked_first_group(sm, committer, sym, a)
    group = [
        KeyedTransfer(holder, sym, a, b, 10),
        KeyedTransfer(None, sym, a, b, 10),
        KeyedTransfer("aur_nope_nope", sym, a, b, 10),
        KeyedTransfer(revoked, sym, a, b, 10),
        KeyedTransfer(own, sym, a, b, 10),  # not the investor's wallet
        KeyedTransfer(own, sym, c, b, 20),
        KeyedTransfer(admin, sym, a, b, 10),  # not a holder: refused before the books are opened
    ]
    futures = [committer.submit(r) for r in group]
    blocker.rollback()
    blocker.close()
    first.result(10)
    outcomes = [_outcome(f) for f in futures]
    assert committer.groups == 2
    assert all(isinstance(o, NotAuthenticated) for o in outcomes[1:4])
    assert isinstance(outcomes[4], PermissionDenied) and isinstance(outcomes[6], PermissionDenied)
    assert outcomes[0].actor == f"key:{holder.split('_')[1]}"
    assert outcomes[5].actor == f"key:{own.split('_')[1]}"
    held = _balances(sm, sym)
    assert (held[a], held[b], held[c]) == (89, 130, 30)
    with sm() as s:
        last = _chain(s)[-2:]
    assert [e.actor for e in last] == [outcomes[0].actor, outcomes[5].actor]
