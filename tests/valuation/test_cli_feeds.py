"""`aurigraph feeds add | list | push` in process: deploy and register a feed on our chain, push a price,
and the in-process engine values a priced asset at the pushed round; each change audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.rwa.audit.models import AuditEntry
from app.rwa.valuation import pricing
from app.rwa.valuation.models import Valuation
from tests.rwa.factories import ACTOR, make_asset


@pytest.fixture
def env(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    engine.dispose()
    get_settings.cache_clear()


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_add_list_push_values_the_asset(env):
    out = run("feeds", "add", "XAU/USD", "--deploy", "2000", "--decimals", "8", "--heartbeat", "86400")
    assert "XAU/USD" in out and "decimals=8" in out and "XAU / USD" in out
    assert "heartbeat=86400s" in run("feeds", "list")
    with env.begin() as session:
        symbol = make_asset(session, decimals=0).symbol
        rule = pricing.PricingInput(kind="units", currencies=("USD",), feed_pair="XAU/USD", base_units=1)
        pricing.set_rule(session, actor=ACTOR, symbol=symbol, data=rule)
    assert "round 2" in run("feeds", "push", "XAU/USD", "2100.25")
    with env() as session:
        # the CLI's engine first catches up (the deploy's round), then values the pushed round
        first, v = session.scalars(select(Valuation).order_by(Valuation.id)).all()
        assert first.answer == 200000000000 and first.round_id == 1
        assert v.answer == 210025000000 and v.round_id == 2 and v.unit_value == Decimal("2100.25")
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"feed.register", "feed.push", "pricing.set"} <= actions


def test_add_refuses_an_address_without_a_feed(env):
    result = CliRunner().invoke(cli, ["feeds", "add", "XAU/USD", "0x" + "11" * 20])
    assert result.exit_code == 1 and "not an AggregatorV3Interface feed" in result.output
    assert run("feeds", "list").strip() == ""


def test_a_push_in_process_revalues_collateral_positions(env):
    """`feeds push` without a server runs its own engine: the collateral monitor must be one of its round
    listeners, as in the server (before, a push from the CLI left every position at its old ratio)."""
    from app.rwa.alerts.models import Alert
    from app.rwa.collateral import monitor
    from app.rwa.collateral.positions import Terms, open_position
    from app.rwa.valuation.listeners import ROUND_LISTENERS
    from tests.collateral.factories import make_holding

    installed = monitor.on_round in ROUND_LISTENERS
    if installed:  # an app built earlier in this process registered it; start as a fresh CLI process does
        ROUND_LISTENERS.remove(monitor.on_round)
    try:
        run("feeds", "add", "XAU/USD", "--deploy", "2000", "--decimals", "8", "--heartbeat", "86400")
        with env.begin() as session:
            asset, wallet, _ = make_holding(session, units=10)
            rule = pricing.PricingInput(kind="units", currencies=("USD",), feed_pair="XAU/USD", base_units=1)
            pricing.set_rule(session, actor=ACTOR, symbol=asset.symbol, data=rule)
            terms = Terms(wallet, 10, Decimal("15000"), "USD", Decimal("1.25"), Decimal("1.1"))
            open_position(session, actor=ACTOR, asset=asset, terms=terms)  # 20000 / 15000: healthy
        run("feeds", "push", "XAU/USD", "1800")  # 18000 / 15000 = 1.2: below the warning ratio
        with env() as session:
            assert list(session.scalars(select(Alert.kind))) == ["collateral_warning"]
    finally:
        if installed and monitor.on_round not in ROUND_LISTENERS:
            ROUND_LISTENERS.append(monitor.on_round)


def test_a_feed_deployed_in_process_is_recorded_and_audited(env):
    """DESIGN: every deploy on the chain is audited. The CLI opens the chain itself (no server), so it must
    attach the registry's chain recorder as the server does (before, its deploys left no trace)."""
    from app.evm.storage.models import ContractRow

    run("feeds", "add", "EUR/USD", "--deploy", "1.08", "--decimals", "8")
    with env() as session:
        address = session.scalars(select(ContractRow.address)).one()
        deploys = select(AuditEntry.subject).where(AuditEntry.action == "contract.deploy")
        subjects = set(session.scalars(deploys))
    assert subjects == {f"contract:0x{bytes(address).hex()}"}
