"""Tokenizing registry assets on our chain: refusals before any deploy, holdings minted, the registry
following holders' raw transactions in the block's own database transaction, the same rule named by the
pre-check and enforced by the token, agent actions signed by the operator, KYC revocation on-chain, and
evm_revert rewinding the on-chain mode and the holdings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from web3.exceptions import Web3RPCError

from app.evm.storage.models import ContractRow
from app.rwa.audit.models import AuditEntry
from app.rwa.domain import Restriction
from app.rwa.errors import ComplianceViolation
from app.rwa.ledger import agent as registry_agent
from app.rwa.ledger import transfers as ledger
from app.rwa.models import Identity, Movement
from app.rwa.onchain import actions, identity_sync
from app.rwa.onchain.errors import AssetTokenized, RuleNotExpressible, TokenizeRefused
from app.rwa.onchain.mode import refuse_if_tokenized, tokenized
from app.rwa.onchain.tokenize import tokenize
from app.rwa.registry import assets
from app.rwa.registry import identities as registry_identities
from app.rwa.registry.assets import RulesInput
from app.rwa.repo import asset_by_symbol
from app.rwa.tokenization import agent, artifacts, identities
from app.rwa.tokenization.errors import ChainTxReverted
from tests.onchain.world import ACTOR, DE, FR, US, OnchainWorld, world_on


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OnchainWorld]:
    """One chain and platform per database for the whole module (the tests build on each other's state)."""
    yield from world_on(request.param, tmp_path_factory)


def counts(world: OnchainWorld) -> tuple[int, int, int]:
    """(blocks, contracts recorded, audit entries)."""
    with world.session() as s:
        return (
            world.chain.head.block_number,
            int(s.scalar(select(func.count()).select_from(ContractRow)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        )


def test_a_rule_the_suite_cannot_express_is_refused_before_anything_is_deployed(world: OnchainWorld) -> None:
    world.asset("CATG", RulesInput(allowed_categories=["professional"]))
    before = counts(world)
    with pytest.raises(RuleNotExpressible, match="allowed_categories") as exc:
        tokenize(world.svc, "CATG", actor=ACTOR)
    assert exc.value.rule == "allowed_categories"
    assert counts(world) == before  # no block, no contract, no audit entry
    with world.session() as s:
        assert tokenized(s, asset_by_symbol(s, "CATG")) is None


def test_a_holder_the_token_could_not_take_is_refused_before_anything_is_deployed(
    world: OnchainWorld,
) -> None:
    carol = world.investor(US)
    world.asset("HOLD")
    world.issue("HOLD", carol, 10)
    with world.session() as s, s.begin():  # the rule arrives after carol's holding
        assets.set_rules(s, actor=ACTOR, symbol="HOLD", rules=RulesInput(denied_countries=[US]))
    before = counts(world)
    with pytest.raises(TokenizeRefused, match="COUNTRY_NOT_ALLOWED"):
        tokenize(world.svc, "HOLD", actor=ACTOR)
    assert counts(world) == before


@pytest.fixture(scope="module")
def gold(world: OnchainWorld) -> dict[str, object]:
    """GOLD: US denied, max 1,000 per identity, transfers of at least 5; alice (DE) 300, bob (FR) 100
    with 20 frozen; carol (US, verified), dave (DE, KYC pending) hold nothing."""
    people = {
        "alice": world.investor(DE),
        "bob": world.investor(FR),
        "carol": world.investor(US),
        "dave": world.investor(DE, kyc="pending"),
        "erin": world.investor(DE),
    }
    world.asset("GOLD", RulesInput(denied_countries=[US], max_balance=1_000, min_transfer=5), decimals=2)
    world.issue("GOLD", people["alice"], 300)
    world.issue("GOLD", people["bob"], 100)
    with world.session() as s, s.begin():
        registry_agent.set_frozen(
            s, actor=ACTOR, symbol="GOLD", wallet=people["bob"].address, frozen=True, units=20
        )
    snap = world.chain.snapshot()
    result = tokenize(world.svc, "GOLD", actor=ACTOR)
    return {"t": result, "snap": snap, **people}


def test_tokenize_mints_the_holdings_and_mirrors_freezes(
    world: OnchainWorld, gold: dict[str, object]
) -> None:
    t = gold["t"]
    op = world.svc.operator()
    held = world.holdings("GOLD")
    assert held == {
        gold["alice"].address.lower(): (300, 0, False),
        gold["bob"].address.lower(): (100, 20, False),
    }
    for wallet, (balance, frozen_units, _) in held.items():
        assert world.balance(t.token, wallet) == balance
        assert agent.frozen_tokens(op, t.token, wallet) == frozen_units
    assert int(op.call(t.token, artifacts.abi("Token"), "totalSupply")) == 400
    assert op.call(t.token, artifacts.abi("Token"), "decimals") == 2
    assert not agent.paused(op, t.token)
    with world.session() as s:
        asset = asset_by_symbol(s, "GOLD")
        assert tokenized(s, asset) is not None and asset.issued_units == 400
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "asset.tokenized")).one()
        assert entry.subject == "asset:GOLD" and t.token in entry.payload
        with pytest.raises(AssetTokenized, match="JSON-RPC"):
            refuse_if_tokenized(s, asset, "transfer")


def test_a_raw_transfer_moves_the_registry_holding_in_the_blocks_transaction(
    world: OnchainWorld, gold: dict[str, object]
) -> None:
    t, alice, bob = gold["t"], gold["alice"], gold["bob"]
    receipt = world.send(alice, t.token, "transfer", bob.address, 50)
    assert receipt["status"] == 1
    held = world.holdings("GOLD")
    assert held[alice.address.lower()][0] == 250 == world.balance(t.token, alice.address)
    assert held[bob.address.lower()][0] == 150 == world.balance(t.token, bob.address)
    tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
    with world.session() as s:
        move = s.scalars(select(Movement).order_by(Movement.id.desc()).limit(1)).one()
        assert (move.kind, move.units, move.actor) == ("transfer", 50, "chain:" + alice.address.lower())
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "ledger.transfer")
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).one()
        assert tx_hash in entry.payload and f'"block_number":"{receipt["blockNumber"]}"' in entry.payload
    # an event the registry cannot follow rolls the whole block back: a wallet registered on-chain only
    op = world.svc.operator()
    stranger = "0x" + "51" * 20  # no registry wallet
    with world.engine_conn() as conn:
        oid = identities.onchain_identity(conn, _identity_id(world, alice.address))
    assert oid is not None
    identities.register_wallet(op, t.identity_registry, stranger, oid, DE)
    head = world.chain.head.block_number
    with pytest.raises(Web3RPCError, match="not in the registry"):
        world.send(alice, t.token, "transfer", stranger, 10)
    assert world.chain.head.block_number == head
    assert world.balance(t.token, stranger) == 0 and world.holdings("GOLD")[alice.address.lower()][0] == 250


def _identity_id(world: OnchainWorld, wallet: str) -> int:
    with world.session() as s:
        found = registry_identities.identity_of_wallet(s, wallet)
    assert found is not None
    return found


def test_the_token_and_the_pre_check_refuse_by_the_same_rule(
    world: OnchainWorld, gold: dict[str, object]
) -> None:
    t, alice, carol, dave = gold["t"], gold["alice"], gold["carol"], gold["dave"]
    op = world.svc.operator()
    for to, rule in ((dave, Restriction.RECEIVER_NOT_VERIFIED), (carol, Restriction.COUNTRY_NOT_ALLOWED)):
        with world.session() as s:
            verdict = ledger.can_transfer(s, "GOLD", alice.address, to.address, 10)
        assert verdict.restriction is rule
        assert world.send(alice, t.token, "transfer", to.address, 10)["status"] == 0
        verified = identities.is_verified(op, t.identity_registry, to.address.lower())
        restrict = world.svc.platform().modules["CountryRestrictModule"]  # type: ignore[union-attr]
        country_ok = op.call(
            restrict,
            artifacts.abi("CountryRestrictModule"),
            "moduleCheck",
            [alice.address.lower(), to.address.lower(), 10, t.compliance],
        )
        # the token's own reason: dave's identity holds no KYC claim; carol's country is restricted
        assert (verified, country_ok) == ((False, True) if to is dave else (True, False))
    # below the minimum: both name it
    with world.session() as s:
        assert (
            ledger.can_transfer(s, "GOLD", alice.address, gold["bob"].address, 4).restriction
            is Restriction.BELOW_MINIMUM_TRANSFER
        )
    assert world.send(alice, t.token, "transfer", gold["bob"].address, 4)["status"] == 0
    assert world.holdings("GOLD")[alice.address.lower()][0] == world.balance(t.token, alice.address)


def test_agent_actions_go_on_chain_and_the_registry_follows(
    world: OnchainWorld, gold: dict[str, object]
) -> None:
    t, alice, bob, erin = gold["t"], gold["alice"], gold["bob"], gold["erin"]
    op = world.svc.operator()
    pos = actions.freeze(world.svc, "GOLD", alice.address, frozen=True, units=None)
    assert pos.frozen and agent.is_frozen(op, t.token, alice.address.lower())
    assert world.send(alice, t.token, "transfer", bob.address, 10)["status"] == 0
    move = actions.forced_transfer(world.svc, "GOLD", alice.address, erin.address, 30)
    assert (move.kind, move.units, move.receiver) == ("forced_transfer", 30, erin.address.lower())
    assert (
        world.holdings("GOLD")[erin.address.lower()]
        == (30, 0, False)
        == (world.balance(t.token, erin.address), 0, False)
    )
    actions.freeze(world.svc, "GOLD", alice.address, frozen=False, units=None)
    pos = actions.freeze(world.svc, "GOLD", alice.address, frozen=True, units=15)
    assert pos.frozen_units == 15 == agent.frozen_tokens(op, t.token, alice.address.lower())
    move = actions.issue(world.svc, "GOLD", erin.address, 70)
    assert move.kind == "issue" and world.balance(t.token, erin.address) == 100
    with pytest.raises(ComplianceViolation):  # the registry's rule, before anything is sent
        actions.issue(world.svc, "GOLD", gold["carol"].address, 10)
    with pytest.raises(ChainTxReverted, match="Amount exceeds available balance"):
        actions.freeze(world.svc, "GOLD", erin.address, frozen=True, units=1_000)
    move = actions.redeem(world.svc, "GOLD", erin.address, 20)
    assert move.kind == "redeem"
    actions.set_paused(world.svc, "GOLD", True)
    with world.session() as s:
        assert asset_by_symbol(s, "GOLD").status == "paused"
    actions.set_paused(world.svc, "GOLD", False)
    new = "0x" + "52" * 20  # bob's fresh wallet, not yet in the registry
    move = actions.recover(world.svc, "GOLD", bob.address, new)
    assert (move.kind, move.receiver) == ("recovery", new)
    held = world.holdings("GOLD")
    assert held[new] == (world.balance(t.token, new), agent.frozen_tokens(op, t.token, new), False)
    assert held[new][1] > 0  # bob's frozen units went with them
    with world.session() as s:
        assert registry_identities.identity_of_wallet(s, new) == _identity_id(world, bob.address)
    with world.session() as s:
        supply = asset_by_symbol(s, "GOLD").issued_units
    assert (
        supply
        == int(op.call(t.token, artifacts.abi("Token"), "totalSupply"))
        == sum(b for b, _, _ in held.values())
    )


def test_kyc_revocation_removes_the_claim_on_chain(world: OnchainWorld, gold: dict[str, object]) -> None:
    t, erin = gold["t"], gold["erin"]
    op = world.svc.operator()
    assert identities.is_verified(op, t.identity_registry, erin.address.lower())
    ident = _identity_id(world, erin.address)
    with world.session() as s, s.begin():
        registry_identities.update_kyc(
            s, actor=ACTOR, identity_id=ident, kyc_status="revoked", kyc_expires_at=None
        )
    assert identity_sync.sync_identity(world.svc, ident) == "revoked"
    assert not identities.is_verified(op, t.identity_registry, erin.address.lower())
    with world.session() as s, s.begin():
        expires = datetime.now(UTC) + timedelta(days=30)
        registry_identities.update_kyc(
            s, actor=ACTOR, identity_id=ident, kyc_status="verified", kyc_expires_at=expires
        )
    assert identity_sync.sync_identity(world.svc, ident) == "claim"
    assert identities.is_verified(op, t.identity_registry, erin.address.lower())


def test_a_lapsed_kyc_loses_its_claim_on_chain(world: OnchainWorld, gold: dict[str, object]) -> None:
    t, erin = gold["t"], gold["erin"]
    op = world.svc.operator()
    ident = _identity_id(world, erin.address)
    assert identity_sync.expire_claims(world.svc) == []  # every claim still stands
    with world.session() as s, s.begin():  # the KYC lapses with time, no request involved
        s.execute(
            update(Identity)
            .where(Identity.id == ident)
            .values(kyc_expires_at=datetime.now(UTC) - timedelta(1))
        )
    assert identity_sync.expire_claims(world.svc) == [ident]
    assert not identities.is_verified(op, t.identity_registry, erin.address.lower())
    with world.session() as s:
        verdict = ledger.can_transfer(s, "GOLD", gold["alice"].address, erin.address, 10)
    assert verdict.restriction is Restriction.RECEIVER_KYC_EXPIRED
    assert world.send(gold["alice"], t.token, "transfer", erin.address, 10)["status"] == 0
    assert identity_sync.expire_claims(world.svc) == []  # nothing left to remove


def test_registry_side_writes_of_a_tokenized_asset_are_refused(
    world: OnchainWorld, gold: dict[str, object]
) -> None:
    alice, bob = gold["alice"].address, gold["bob"].address
    before = world.holdings("GOLD")
    attempts = (
        lambda s: ledger.transfer(s, actor=ACTOR, symbol="GOLD", sender=alice, receiver=bob, units=5),
        lambda s: ledger.issue(s, actor=ACTOR, symbol="GOLD", wallet=bob, units=5),
        lambda s: ledger.redeem(s, actor=ACTOR, symbol="GOLD", wallet=bob, units=5),
        lambda s: registry_agent.set_frozen(s, actor=ACTOR, symbol="GOLD", wallet=bob, frozen=True),
        lambda s: registry_agent.forced_transfer(
            s, actor=ACTOR, symbol="GOLD", sender=bob, receiver=alice, units=5, reason="r"
        ),
    )
    for attempt in attempts:
        with world.session() as s, s.begin(), pytest.raises(AssetTokenized, match="JSON-RPC"):
            attempt(s)
    assert world.holdings("GOLD") == before


def test_evm_revert_rewinds_the_tokenization_and_the_holdings(
    world: OnchainWorld, gold: dict[str, object]
) -> None:
    t = gold["t"]
    assert world.chain.revert(gold["snap"])  # back to before GOLD was tokenized
    with world.session() as s:
        asset = asset_by_symbol(s, "GOLD")
        assert tokenized(s, asset) is None
        assert asset.issued_units == 400 and asset.status == "active"
        assert not s.scalars(select(Movement).where(Movement.actor.like("chain:%"))).all()
    assert world.holdings("GOLD") == {
        gold["alice"].address.lower(): (300, 0, False),
        gold["bob"].address.lower(): (100, 20, False),
    }
    assert world.w3.eth.get_code(world.w3.to_checksum_address(t.token)) == b""
    # the registry keeps the book again
    with world.session() as s, s.begin():
        ledger.transfer(
            s, actor=ACTOR, symbol="GOLD", sender=gold["alice"].address, receiver=gold["bob"].address, units=5
        )
    assert world.holdings("GOLD")[gold["alice"].address.lower()][0] == 295
