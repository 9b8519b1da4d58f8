"""ROUND_LISTENERS run in the round's own transaction with the revalued assets and the block; one that
fails is undone alone (the valuations stay); value_per_unit answers what collateral monitoring reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.oracles.chainlink import push_answer
from app.rwa.repo import asset_by_symbol
from app.rwa.valuation import engine as engine_module
from app.rwa.valuation.engine import ValuationEngine
from app.rwa.valuation.models import Valuation
from app.rwa.valuation.query import value_per_unit


@pytest.fixture
def listeners():  # type: ignore[no-untyped-def]
    saved = list(engine_module.ROUND_LISTENERS)
    yield engine_module.ROUND_LISTENERS
    engine_module.ROUND_LISTENERS[:] = saved


def test_listeners_see_the_round_in_its_transaction(world, listeners):
    world.feed("XAU/USD", "2000")
    symbol, _ = world.asset(10**18)
    world.price(symbol, kind="units", feed_pair="XAU/USD", base_units=10**18, currencies=["USD"])
    with world.api.sm() as session:
        asset_id = asset_by_symbol(session, symbol).id
    seen = []

    def good(session, assets, block):  # type: ignore[no-untyped-def]
        # the round's rows are visible to the listener: same transaction, not yet committed
        count = session.scalar(
            select(func.count()).select_from(Valuation).where(Valuation.block_number == block)
        )
        seen.append((set(assets), block, count, value_per_unit(session, asset_id, "USD").value))

    def bad(session, assets, block):  # type: ignore[no-untyped-def]
        session.execute(Valuation.__table__.delete())  # undone with its savepoint
        raise RuntimeError("a broken listener")

    listeners[:] = [bad, good]
    block = world.push("XAU/USD", "2500")
    assert seen == [({asset_id}, block, 1, Decimal("2500") / 10**18)]
    with world.api.sm() as session:
        now = value_per_unit(session, asset_id, "USD")
        before = value_per_unit(session, asset_id, "USD", block=block - 1)
        assert now is not None and now.block_number == block and not now.stale
        assert before is not None and before.value == Decimal("2000") / 10**18
        assert value_per_unit(session, asset_id, "EUR") is None


def test_rounds_missed_while_the_engine_was_down_are_caught_up_at_the_head(world):
    feed = world.feed("XAU/USD", "2000")
    symbol, _ = world.asset(10**18)
    world.price(symbol, kind="units", feed_pair="XAU/USD", base_units=10**18, currencies=["USD"])
    app = world.app
    app.state.valuation.close()  # the engine is down: these pushes are not valued
    push_answer(world.w3(), feed, Decimal("2100"), world.owner)
    push_answer(world.w3(), feed, Decimal("2200"), world.owner)
    world.rpc("evm_mine")
    head = app.state.chain.head_number
    assert world.valuation(symbol)["value"] == "2000.00"

    app.state.valuation = ValuationEngine(world.api.sm, app.state.chain, app.state.rpc.handle).start()
    assert app.state.valuation.wait_for(head)
    v = world.valuation(symbol)
    assert v["value"] == "2200.00" and v["block_number"] == head and v["feed"]["round_id"] == "3"
    assert world.push("XAU/USD", "2300") == head + 1  # and it follows new blocks again
    assert world.valuation(symbol)["value"] == "2300.00"
