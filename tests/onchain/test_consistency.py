"""The consistency checker on assets tokenized through the on-chain mode (the registry's indexer attached):
zero differences on a consistent asset; a registry holding changed behind the service's back (raw SQL) and
a token's storage changed behind the chain's back (``anvil_setStorageAt``) are each reported exactly, and
raised as alerts with audit entries; the periodic task alerts a difference once; ``--repair`` prints
corrective operations and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from app.cli import app as cli
from app.config import Settings, get_settings
from app.db import make_sessionmaker
from app.main import create_app
from app.rwa.alerts.models import Alert
from app.rwa.audit.models import AuditEntry
from app.rwa.models import Wallet
from app.rwa.onchain.consistency import check as consistency
from app.rwa.onchain.consistency.check import Difference
from app.rwa.onchain.consistency.watch import ConsistencyWatch
from app.rwa.onchain.mode import Tokenized
from app.rwa.onchain.tokenize import tokenize
from app.rwa.tokenization import identities as onchain_ids
from tests.onchain.world import ACTOR, DE, FR, US, OnchainWorld, world_on
from tests.rwa.conftest import TestClient  # imported there without starlette's httpx2 warning

# T-REX 4.1.6's Token storage (contracts/token/Token.sol: `Token is IToken, AgentRoleUpgradeable,
# TokenStorage`), from OpenZeppelin upgradeable 4.x: Initializable's _initialized/_initializing share slot 0,
# ContextUpgradeable's __gap[50] takes 1-50, OwnableUpgradeable's _owner 51 and __gap[49] 52-100,
# AgentRoleUpgradeable's Roles.Role _agents (one mapping) 101; then TokenStorage (contracts/token/
# TokenStorage.sol): _balances 102, _allowances 103, _totalSupply 104, _tokenName 105, _tokenSymbol 106,
# _tokenDecimals + _tokenOnchainID 107, _frozen 108, _frozenTokens 109, _tokenPaused (lowest byte) +
# _tokenIdentityRegistry 110, _tokenCompliance 111.
BALANCES_SLOT, TOTAL_SUPPLY_SLOT = 102, 104
_symbols = iter(f"CK{i}" for i in range(1, 1000))


def mapping_slot(key: str, slot: int) -> str:
    """Solidity's slot of ``mapping[key]`` declared at ``slot``: keccak256(pad32(key) . pad32(slot))."""
    return "0x" + keccak(encode(["address", "uint256"], [key, slot])).hex()


def word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def rpc(world: OnchainWorld, method: str, *params: object) -> object:
    """One JSON-RPC request through our dispatcher, as any client sends it."""
    answer = world.rpc.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    assert answer is not None and "error" not in answer, answer
    return answer["result"]


def wallet(acct: LocalAccount) -> str:
    return acct.address.lower()


def identity_of(world: OnchainWorld, acct: LocalAccount) -> int:
    with world.engine_conn() as conn:
        return int(
            conn.execute(select(Wallet.identity_id).where(Wallet.address == wallet(acct))).scalar_one()
        )


def onchain_id(world: OnchainWorld, acct: LocalAccount) -> str:
    with world.engine_conn() as conn:
        found = onchain_ids.onchain_identity(conn, identity_of(world, acct))
    assert found is not None
    return found


def tokenized(world: OnchainWorld, holdings: dict[LocalAccount, int]) -> Tokenized:
    """A new active asset, issued in the registry, then tokenized (the on-chain mode: its token mints the
    holdings, the registry follows it from then on)."""
    symbol = next(_symbols)
    world.asset(symbol)
    for acct, units in holdings.items():
        world.issue(symbol, acct, units)
    return tokenize(world.svc, symbol, actor=ACTOR)


def counts(world: OnchainWorld) -> tuple[int, int]:
    """(alerts, audit entries)."""
    with world.engine_conn() as conn:
        alerts = conn.execute(select(func.count()).select_from(Alert)).scalar_one()
        entries = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    return int(alerts), int(entries)


def move_country(world: OnchainWorld, t: Tokenized, acct: LocalAccount, country: int) -> None:
    """The operator changes the wallet's country in the token's identity registry (which the registry
    does not follow: it is the book of record of countries)."""
    op = world.svc.operator()
    onchain_ids.register_wallet(op, t.identity_registry, wallet(acct), onchain_id(world, acct), country)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnchainWorld]:
    yield from world_on("sqlite", tmp_path_factory)


@pytest.fixture(scope="module")
def alice(world: OnchainWorld) -> LocalAccount:
    return world.investor(DE)


@pytest.fixture(scope="module")
def bob(world: OnchainWorld) -> LocalAccount:
    return world.investor(FR)


def test_a_consistent_asset_has_no_difference(
    world: OnchainWorld, alice: LocalAccount, bob: LocalAccount
) -> None:
    t = tokenized(world, {alice: 500, bob: 300})
    # a holder's own transfer, followed by the registry in the block's transaction
    world.send(alice, t.token, "transfer", bob.address, 120)
    report = consistency.check(world.chain, [t.symbol])
    assert report.assets == (t.symbol,)
    assert report.differences == ()
    assert report.block_number == world.chain.head.block_number
    assert t.symbol in consistency.check(world.chain).assets  # the whole-platform run sees it too


def test_a_holding_changed_behind_the_services_back_is_reported_exactly(
    world: OnchainWorld, alice: LocalAccount, bob: LocalAccount
) -> None:
    t = tokenized(world, {alice: 500, bob: 300})
    with world.chain.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE rwa_holding SET balance = 450 WHERE asset_id = :a "
                "AND wallet_id = (SELECT id FROM rwa_wallet WHERE address = :w)"
            ),
            {"a": t.asset_id, "w": wallet(alice)},
        )
    report = consistency.check(world.chain, [t.symbol])
    expected = Difference(t.symbol, wallet(alice), "balance", 450, 500, identity_of(world, alice))
    assert report.differences == (expected,)
    assert expected.line() == f"{t.symbol} {wallet(alice)} balance: registry 450, chain 500"


def test_a_balance_changed_on_chain_with_set_storage_is_reported_exactly(
    world: OnchainWorld, alice: LocalAccount, bob: LocalAccount
) -> None:
    t = tokenized(world, {alice: 500, bob: 300})
    slot = mapping_slot(wallet(bob), BALANCES_SLOT)
    # the slot computed from the layout holds bob's balance (else the layout above is wrong)
    assert int(str(rpc(world, "eth_getStorageAt", t.token, slot, "latest")), 16) == 300
    rpc(world, "anvil_setStorageAt", t.token, slot, word(299))
    assert world.balance(t.token, wallet(bob)) == 299
    report = consistency.check(world.chain, [t.symbol])
    assert report.differences == (
        Difference(t.symbol, wallet(bob), "balance", 300, 299, identity_of(world, bob)),
    )


def test_the_supply_changed_on_chain_is_reported_exactly(
    world: OnchainWorld, alice: LocalAccount, bob: LocalAccount
) -> None:
    t = tokenized(world, {alice: 5, bob: 6})
    assert int(str(rpc(world, "eth_getStorageAt", t.token, hex(TOTAL_SUPPLY_SLOT), "latest")), 16) == 11
    rpc(world, "anvil_setStorageAt", t.token, hex(TOTAL_SUPPLY_SLOT), word(12))
    assert consistency.check(world.chain, [t.symbol]).differences == (
        Difference(t.symbol, None, "total_supply", 11, 12),
    )


def test_each_difference_is_raised_as_an_alert_with_its_audit_entry(
    world: OnchainWorld, alice: LocalAccount, bob: LocalAccount
) -> None:
    t = tokenized(world, {alice: 40, bob: 60})
    move_country(world, t, bob, US)
    report = consistency.check(world.chain, [t.symbol])
    assert report.differences == (
        Difference(t.symbol, wallet(bob), "country", FR, US, identity_of(world, bob)),
    )
    before = counts(world)
    with world.session() as session, session.begin():
        assert consistency.raise_alerts(session, report.differences) == 1
    assert counts(world) == (before[0] + 1, before[1] + 1)
    with world.engine_conn() as conn:
        alert = conn.execute(select(Alert).order_by(Alert.id.desc()).limit(1)).one()
        entry = conn.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (alert.kind, alert.asset, alert.subject) == (
        "consistency.difference",
        t.symbol,
        f"wallet:{wallet(bob)}",
    )
    assert json.loads(alert.payload) == {
        "asset": t.symbol,
        "wallet": wallet(bob),
        "field": "country",
        "registry": FR,
        "chain": US,
        "identity": identity_of(world, bob),
    }
    assert (entry.action, entry.subject, entry.asset) == ("alert.raised", f"wallet:{wallet(bob)}", t.symbol)


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnchainWorld]:
    """A world of its own: each round of the periodic task checks every tokenized asset."""
    yield from world_on("sqlite", tmp_path_factory)


def test_the_periodic_task_alerts_a_new_difference_once(fresh: OnchainWorld) -> None:
    world = fresh
    carol = world.investor(DE)
    t = tokenized(world, {carol: 70})
    watch = ConsistencyWatch(world.chain, make_sessionmaker(world.chain.engine), 3600)
    assert watch.run_once() == []
    move_country(world, t, carol, US)
    before = counts(world)
    expected = Difference(t.symbol, wallet(carol), "country", DE, US, identity_of(world, carol))
    assert watch.run_once() == [expected]
    assert watch.run_once() == []  # still there: not alerted again
    assert counts(world) == (before[0] + 1, before[1] + 1)
    move_country(world, t, carol, DE)
    assert watch.run_once() == []
    assert watch.last is not None and watch.last.differences == ()
    move_country(world, t, carol, US)
    assert watch.run_once() == [expected]  # cleared, then back: alerted again
    assert counts(world) == (before[0] + 2, before[1] + 2)


def registry_state(world: OnchainWorld) -> list[tuple[object, ...]]:
    with world.engine_conn() as conn:
        holdings = conn.execute(text("SELECT * FROM rwa_holding ORDER BY asset_id, wallet_id")).all()
        asset_rows = conn.execute(text("SELECT * FROM rwa_asset ORDER BY id")).all()
        identities = conn.execute(text("SELECT * FROM rwa_identity ORDER BY id")).all()
        blocks = conn.execute(text("SELECT count(*) FROM evm_block")).all()
    return [tuple(r) for r in holdings + asset_rows + identities + blocks]


def test_the_command_reports_raises_and_repair_prints_without_changing_anything(
    fresh: OnchainWorld, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = fresh
    carol, dave = world.investor(DE), world.investor(FR)
    t = tokenized(world, {carol: 100, dave: 50})
    move_country(world, t, carol, US)  # the chain moved: the registry is the book of record of countries
    with world.chain.engine.begin() as conn:  # behind the services' back: dave's frozen units, his KYC
        conn.execute(
            text("UPDATE rwa_holding SET frozen_units = 20 WHERE asset_id = :a AND identity_id = :i"),
            {"a": t.asset_id, "i": identity_of(world, dave)},
        )
        conn.execute(
            text("UPDATE rwa_identity SET kyc_status = 'revoked' WHERE id = :i"),
            {"i": identity_of(world, dave)},
        )
    dave_oid = onchain_id(world, dave)
    url = world.chain.engine.url.render_as_string(hide_password=False)
    world.chain.close()  # one chain writer per database: the command opens its own
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", url)
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    get_settings.cache_clear()
    try:
        before, alerts = registry_state(world), counts(world)
        runner = CliRunner()
        plain = runner.invoke(cli, ["check", "consistency"])
        assert plain.exit_code == 1, plain.output
        lines = plain.output.strip().splitlines()
        assert lines[0].endswith(": 1 tokenized assets, 3 differences")
        assert lines[1:] == sorted(  # by wallet, then field
            [
                f"{t.symbol} {wallet(carol)} country: registry {DE}, chain {US}",
                f"{t.symbol} {wallet(dave)} frozen_units: registry 20, chain 0",
                f"{t.symbol} {wallet(dave)} verified: registry false, chain true",
            ]
        )
        assert counts(world) == (alerts[0] + 3, alerts[1] + 3)
        fixed = runner.invoke(cli, ["check", "consistency", "--repair", "--json", "--asset", t.symbol])
        assert fixed.exit_code == 1, fixed.output
        body = json.loads(fixed.output)
        assert [(d["wallet"], d["field"], d["registry"], d["chain"]) for d in body["differences"]] == sorted(
            [
                (wallet(carol), "country", DE, US),
                (wallet(dave), "frozen_units", "20", "0"),
                (wallet(dave), "verified", False, True),
            ]
        )
        ops = {op["difference"]["field"]: op for op in body["repair"]}
        assert ops["country"]["target"] == "chain"
        assert ops["country"]["command"].startswith(
            f'cast send {t.identity_registry} "updateCountry(address,uint16)" {wallet(carol)} {DE}'
        )
        assert ops["frozen_units"]["target"] == "registry"
        assert ops["frozen_units"]["command"].startswith(
            f"UPDATE rwa_holding SET frozen_units = 0 WHERE asset_id = {t.asset_id} AND wallet_id = "
        )
        assert ops["verified"] == ops["verified"] | {
            "target": "chain",
            "command": f"identities.revoke_kyc_claim(identity={dave_oid})",
        }
        assert registry_state(world) == before  # nothing applied: holdings, assets, identities, blocks
        assert counts(world) == (alerts[0] + 6, alerts[1] + 6)  # the alerts (and their entries) only
        clean = runner.invoke(cli, ["check", "consistency", "--asset", "NOPE"])
        assert clean.exit_code == 1 and "not tokenized: NOPE" in clean.output
    finally:
        get_settings.cache_clear()


def test_the_server_runs_the_periodic_check_when_configured(sqlite_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    on = Settings(database_url=sqlite_url, data_dir=data, consistency_interval_s=30)  # type: ignore[call-arg]
    with TestClient(create_app(on)) as client:
        watch = client.app.state.consistency  # type: ignore[attr-defined]
        assert isinstance(watch, ConsistencyWatch) and watch.running
    assert not watch.running  # stopped with the server
    off = Settings(database_url=sqlite_url, data_dir=data, consistency_interval_s=0)  # type: ignore[call-arg]
    with TestClient(create_app(off)) as client:
        assert client.app.state.consistency is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_on_postgresql_too(dialect: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    for world in world_on(dialect, tmp_path_factory):
        erin, frank = world.investor(DE), world.investor(FR)
        t = tokenized(world, {erin: 30, frank: 20})
        assert consistency.check(world.chain).differences == ()
        with world.chain.engine.begin() as conn:
            conn.execute(
                text("UPDATE rwa_asset SET issued_units = 49, status = 'paused' WHERE id = :a"),
                {"a": t.asset_id},
            )
        assert consistency.check(world.chain).differences == (
            Difference(t.symbol, None, "total_supply", 49, 50),
            Difference(t.symbol, None, "paused", True, False),
        )


def test_the_command_says_so_while_a_server_holds_the_database(
    world: OnchainWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURIGRAPH_DATABASE_URL", world.chain.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("AURIGRAPH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        held = CliRunner().invoke(cli, ["check", "consistency"])  # the module's chain is the writer
    finally:
        get_settings.cache_clear()
    assert held.exit_code == 1
    assert "already the chain writer" in held.output and "AURIGRAPH_CONSISTENCY_INTERVAL_S" in held.output
