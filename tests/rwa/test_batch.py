"""A batch of transfers settles exactly as the same transfers one by one would, or not at all: the same
rules refuse the same transfer with the same code, and a refused batch changes nothing (hypothesis, on
SQLite and PostgreSQL)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rwa.errors import BatchRefused, RwaError, TransferRestricted
from app.rwa.ledger import transfers as ledger
from app.rwa.ledger.settlement import TransferOrder, transfer_batch
from app.rwa.registry import assets
from tests.rwa.factories import ACTOR, address, audit_size, make_asset, make_investor, unique

ORDERS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(1, 70)).filter(lambda o: o[0] != o[1]),
    min_size=1,
    max_size=12,
)


def _positions(s, sym):
    return {p.wallet: (p.balance, p.frozen_units, p.frozen) for p in assets.positions(s, symbol=sym)}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=ORDERS, max_holders=st.none() | st.integers(2, 4), max_balance=st.none() | st.integers(60, 150))
def test_batch_equals_one_by_one(sm, orders, max_holders, max_balance):
    tag = unique("b")
    wallets = [address(f"{tag}-{i}") for i in range(5)]
    rules = {"max_holders": max_holders, "max_balance": max_balance, "min_transfer": 2}
    with sm.begin() as s:
        one, batch = (make_asset(s, rules=rules).symbol for _ in range(2))
        make_investor(s, wallets[0], wallets[1])
        for w in wallets[2:4]:
            make_investor(s, w)
        make_investor(s, wallets[4], kyc_status="pending")
        for sym in (one, batch):
            ledger.issue(s, actor=ACTOR, symbol=sym, wallet=wallets[0], units=60)
            ledger.issue(s, actor=ACTOR, symbol=sym, wallet=wallets[2], units=50)
        before = _positions(s, batch)
    refused = None
    for i, (a, b, units) in enumerate(orders):
        try:
            with sm.begin() as s:
                ledger.transfer(
                    s, actor=ACTOR, symbol=one, sender=wallets[a], receiver=wallets[b], units=units
                )
        except RwaError as exc:
            refused = (i, getattr(exc, "restriction", type(exc)))
            break
    batch_orders = [TransferOrder(wallets[a], wallets[b], u) for a, b, u in orders]
    with sm.begin() as s:
        size = audit_size(s)
    try:
        with sm.begin() as s:
            transfer_batch(s, actor=ACTOR, symbol=batch, orders=batch_orders)
        outcome = None
    except BatchRefused as exc:
        assert isinstance(exc.error, TransferRestricted)
        outcome = (exc.index, exc.restriction)
    assert outcome == refused
    with sm.begin() as s:
        if refused is None:
            assert _positions(s, batch) == _positions(s, one)
            assert audit_size(s) == size + 1
        else:
            assert _positions(s, batch) == before
            assert audit_size(s) == size


def test_a_batch_with_a_malformed_transfer_settles_nothing(sm):
    import pytest

    from app.rwa.errors import InvalidInput

    a, b = address(unique("m")), address(unique("m"))
    with sm.begin() as s:
        sym = make_asset(s).symbol
        make_investor(s, a)
        make_investor(s, b)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=10)
        size = audit_size(s)
    with pytest.raises(InvalidInput), sm.begin() as s:
        transfer_batch(s, actor=ACTOR, symbol=sym, orders=[TransferOrder(a, b, 1), TransferOrder(b, b, 1)])
    with sm.begin() as s:
        assert _positions(s, sym) == {a: (10, 0, False)} and audit_size(s) == size
