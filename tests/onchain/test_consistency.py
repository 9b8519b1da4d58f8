"""The consistency checker: zero differences on a consistent tokenized asset; a registry holding changed
behind the service's back (raw SQL) and a token balance changed behind the chain's back
(``anvil_setStorageAt``) are each reported exactly, raised as alerts with audit entries; ``--repair``
prints corrective operations and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from eth_abi import encode
from eth_utils import keccak
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import get_settings
from app.rwa.alerts.models import Alert
from app.rwa.audit_models import AuditEntry
from app.rwa.onchain.consistency import check as consistency
from app.rwa.onchain.consistency.check import Difference
from app.rwa.onchain.consistency.watch import ConsistencyWatch
from app.rwa.tokenization import agent
from app.rwa.tokenization import identities as onchain_ids
from tests.onchain.handmade import DE, FR, US, Investor, Registry, registry_on

# T-REX 4.1.6's Token storage (contracts/token/Token.sol: `Token is IToken, AgentRoleUpgradeable,
# TokenStorage`), from OpenZeppelin upgradeable 4.x: Initializable's _initialized/_initializing share slot 0,
# ContextUpgradeable's __gap[50] takes 1-50, OwnableUpgradeable's _owner 51 and __gap[49] 52-100,
# AgentRoleUpgradeable's Roles.Role _agents (one mapping) 101; then TokenStorage's `_balances` at 102.
BALANCES_SLOT = 102


def balance_slot(wallet: str) -> int:
    """Solidity's slot of ``_balances[wallet]``: keccak256(pad32(key) . pad32(slot))."""
    return int.from_bytes(keccak(encode(["address", "uint256"], [wallet, BALANCES_SLOT])), "big")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    yield from registry_on(tmp_path_factory)


@pytest.fixture(scope="module")
def alice(registry: Registry) -> Investor:
    return registry.investor(1, DE)


@pytest.fixture(scope="module")
def bob(registry: Registry) -> Investor:
    return registry.investor(2, FR)


def call(registry: Registry, method: str, *params: object) -> object:
    """One JSON-RPC request through our dispatcher, as any client sends it."""
    answer = registry.world.rpc.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    assert answer is not None and "error" not in answer, answer
    return answer["result"]


def counts(registry: Registry) -> tuple[int, int]:
    with registry.world.chain.engine.connect() as conn:
        alerts = conn.execute(select(func.count()).select_from(Alert)).scalar_one()
        entries = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    return int(alerts), int(entries)


def test_a_consistent_asset_has_no_difference(registry: Registry, alice: Investor, bob: Investor) -> None:
    symbol, suite = registry.tokenize({alice: 500, bob: 300})
    report = consistency.check(registry.world.chain, [symbol])
    assert report.assets == (symbol,)
    assert report.differences == ()
    assert report.block_number == registry.world.chain.head.block_number
    # the whole-platform run sees it too
    everything = consistency.check(registry.world.chain)
    assert symbol in everything.assets


def test_a_holding_changed_behind_the_services_back_is_reported_exactly(
    registry: Registry, alice: Investor, bob: Investor
) -> None:
    symbol, _ = registry.tokenize({alice: 500, bob: 300})
    with registry.world.chain.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE rwa_holding SET balance = 450 WHERE asset_id = (SELECT id FROM rwa_asset WHERE "
                "symbol = :s) AND wallet_id = (SELECT id FROM rwa_wallet WHERE address = :w)"
            ),
            {"s": symbol, "w": alice.wallet},
        )
    report = consistency.check(registry.world.chain, [symbol])
    assert report.differences == (Difference(symbol, alice.wallet, "balance", 450, 500, alice.identity_id),)
    assert report.differences[0].line() == f"{symbol} {alice.wallet} balance: registry 450, chain 500"


def test_a_balance_changed_on_chain_with_set_storage_is_reported_exactly(
    registry: Registry, alice: Investor, bob: Investor
) -> None:
    symbol, suite = registry.tokenize({alice: 500, bob: 300})
    chain = registry.world.chain
    slot = hex(balance_slot(bob.wallet))
    # the slot computed from the layout holds bob's balance (else the layout above is wrong)
    assert int(str(call(registry, "eth_getStorageAt", suite.token, slot, "latest")), 16) == 300
    call(registry, "anvil_setStorageAt", suite.token, slot, "0x" + (299).to_bytes(32, "big").hex())
    assert agent.balance_of(registry.world.op, suite.token, bob.wallet) == 299
    report = consistency.check(chain, [symbol])
    assert report.differences == (Difference(symbol, bob.wallet, "balance", 300, 299, bob.identity_id),)


def test_each_difference_is_raised_as_an_alert_with_its_audit_entry(
    registry: Registry, alice: Investor, bob: Investor
) -> None:
    symbol, suite = registry.tokenize({alice: 40, bob: 60})
    agent.freeze_partial(registry.world.op, suite.token, bob.wallet, 25)  # the registry never hears of it
    report = consistency.check(registry.world.chain, [symbol])
    assert report.differences == (Difference(symbol, bob.wallet, "frozen_units", 0, 25, bob.identity_id),)
    before = counts(registry)
    with registry.sessions.begin() as session:
        assert consistency.raise_alerts(session, report.differences) == 1
    assert counts(registry) == (before[0] + 1, before[1] + 1)
    with registry.world.chain.engine.connect() as conn:
        alert = conn.execute(select(Alert).order_by(Alert.id.desc()).limit(1)).one()
        entry = conn.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (alert.kind, alert.asset, alert.subject) == (
        "consistency.difference",
        symbol,
        f"wallet:{bob.wallet}",
    )
    assert '"field":"frozen_units"' in alert.payload and '"chain":"25"' in alert.payload
    assert entry.action == "alert.raised" and entry.subject == f"wallet:{bob.wallet}"


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    yield from registry_on(tmp_path_factory)


@pytest.fixture
def cli_env(
    fresh: Registry, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Registry]:
    """A world of its own, whose chain the test closes before the CLI opens the database (one writer)."""
    reg = fresh
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", str(reg.world.chain.engine.url))
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    get_settings.cache_clear()
    yield reg
    get_settings.cache_clear()


def test_the_periodic_task_alerts_a_new_difference_once(fresh: Registry) -> None:
    registry = fresh  # a world of its own: each round checks every tokenized asset
    alice = registry.investor(1, DE)
    symbol, suite = registry.tokenize({alice: 70})
    watch = ConsistencyWatch(registry.world.chain, registry.sessions, 3600)
    assert watch.run_once() == []
    agent.set_address_frozen(registry.world.op, suite.token, alice.wallet, True)
    before = counts(registry)
    expected = Difference(symbol, alice.wallet, "address_frozen", False, True, alice.identity_id)
    assert watch.run_once() == [expected]
    assert counts(registry) == (before[0] + 1, before[1] + 1)
    assert watch.run_once() == []  # still there: not alerted again
    assert counts(registry) == (before[0] + 1, before[1] + 1)
    agent.set_address_frozen(registry.world.op, suite.token, alice.wallet, False)
    assert watch.run_once() == []
    agent.set_address_frozen(registry.world.op, suite.token, alice.wallet, True)
    assert watch.run_once() == [expected]  # cleared, then back: alerted again


def registry_state(reg: Registry) -> list[tuple[object, ...]]:
    with reg.world.chain.engine.connect() as conn:
        holdings = conn.execute(text("SELECT * FROM rwa_holding ORDER BY asset_id, wallet_id")).all()
        asset_rows = conn.execute(text("SELECT * FROM rwa_asset ORDER BY id")).all()
        blocks = conn.execute(text("SELECT count(*) FROM evm_block")).all()
    return [tuple(r) for r in holdings + asset_rows + blocks]


def test_the_command_reports_raises_and_repair_prints_without_changing_anything(cli_env: Registry) -> None:
    reg = cli_env
    carol, dave = reg.investor(3, DE), reg.investor(4, FR)
    symbol, suite = reg.tokenize({carol: 100, dave: 50})
    runner = CliRunner()
    op = reg.world.op
    agent.freeze_partial(op, suite.token, dave.wallet, 20)  # chain: the registry must follow
    onchain_ids.register_wallet(op, suite.identity_registry, carol.wallet, carol.onchain_id, US)  # registry
    with reg.world.chain.engine.begin() as conn:  # KYC revoked in the registry, the claim left on-chain
        conn.execute(
            text("UPDATE rwa_identity SET kyc_status = 'revoked' WHERE id = :i"), {"i": dave.identity_id}
        )
    reg.world.chain.close()
    before, alerts = registry_state(reg), counts(reg)
    plain = runner.invoke(cli, ["check", "consistency"])
    assert plain.exit_code == 1, plain.output
    lines = plain.output.strip().splitlines()
    assert lines[1:] == sorted(  # by wallet, then field
        [
            f"{symbol} {carol.wallet} country: registry {DE}, chain {US}",
            f"{symbol} {dave.wallet} frozen_units: registry 0, chain 20",
            f"{symbol} {dave.wallet} verified: registry false, chain true",
        ]
    )
    assert counts(reg) == (alerts[0] + 3, alerts[1] + 3)
    fixed = runner.invoke(cli, ["check", "consistency", "--repair", "--json", "--asset", symbol])
    assert fixed.exit_code == 1, fixed.output
    body = json.loads(fixed.output)
    assert [(d["wallet"], d["field"], d["registry"], d["chain"]) for d in body["differences"]] == sorted(
        [
            (carol.wallet, "country", DE, US),
            (dave.wallet, "frozen_units", "0", "20"),
            (dave.wallet, "verified", False, True),
        ]
    )
    ops = {op["difference"]["field"]: op for op in body["repair"]}
    country, frozen, verified = ops["country"], ops["frozen_units"], ops["verified"]
    assert country["target"] == "chain"
    assert country["command"].startswith(
        f'cast send {suite.identity_registry} "updateCountry(address,uint16)" {carol.wallet} {DE}'
    )
    assert frozen["target"] == "registry"
    assert frozen["command"].startswith("UPDATE rwa_holding SET frozen_units = 20 WHERE asset_id = ")
    assert verified["target"] == "chain"
    assert verified["command"] == f"identities.revoke_kyc_claim(identity={dave.onchain_id})"
    assert registry_state(reg) == before  # nothing applied: holdings, assets and blocks as they were
    assert counts(reg) == (alerts[0] + 6, alerts[1] + 6)
