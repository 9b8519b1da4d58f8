"""Compliance equivalence (issue 14, item 6): on an asset tokenized through the on-chain mode (its rules
mapped to T-REX modules by ``app.rwa.onchain.rules``), random transfer attempts — holders, amounts,
countries, KYC states, partial and address freezes, pause — get the same answer from the registry's
``can-transfer`` pre-check, from the token's own path (``identityRegistry.isVerified(to)`` and
``ModularCompliance.canTransfer``, behind the token's pause, freeze and free-balance checks), from an
``eth_call`` of ``transfer`` by the holder, and from the holder's real signed transaction. State changes go
through the services a user has: the registry's KYC and country (then the identity's sync to the chain),
the agent's freeze and pause on the token (followed by the registry's indexer)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from eth_account.signers.local import LocalAccount
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.rwa.ledger import transfers as ledger
from app.rwa.models import Wallet
from app.rwa.onchain import actions, identity_sync
from app.rwa.onchain.consistency import check
from app.rwa.onchain.mode import Tokenized
from app.rwa.onchain.tokenize import tokenize
from app.rwa.registry import identities
from app.rwa.registry.assets import RulesInput
from app.rwa.tokenization import artifacts
from tests.onchain.world import ACTOR, DE, FR, US, OnchainWorld, world_on

IT = 380
COUNTRIES = (DE, FR, US, IT)
# allow DE, FR and IT but deny IT: US breaks the allow list (CountryAllowModule), IT the deny list
# (CountryRestrictModule); at most 600 per identity, 5 holders, transfers of at least 5
RULES = RulesInput(
    allowed_countries=[DE, FR, IT], denied_countries=[IT], max_balance=600, max_holders=5, min_transfer=5
)
START = (400, 300, 200, 0, 0, 0)  # issued before tokenizing, one wallet per investor
SYMBOL = "EQV"


@dataclass
class Setup:
    world: OnchainWorld = field(repr=False)
    token: Tokenized
    investors: list[LocalAccount] = field(repr=False)
    ids: list[int]
    identities: dict[int, tuple[int, str]] = field(default_factory=dict)  # investor -> (country, KYC)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    for world in world_on("sqlite", tmp_path_factory):
        investors = [world.investor(DE), world.investor(FR), world.investor(DE)]
        investors += [world.investor(DE), world.investor(FR), world.investor(DE)]
        world.asset(SYMBOL, RULES)
        for acct, units in zip(investors, START, strict=True):
            if units:
                world.issue(SYMBOL, acct, units)
        token = tokenize(world.svc, SYMBOL, actor=ACTOR)
        with world.engine_conn() as conn:
            ids = [
                int(
                    conn.execute(
                        select(Wallet.identity_id).where(Wallet.address == a.address.lower())
                    ).scalar_one()
                )
                for a in investors
            ]
        yield Setup(world, token, investors, ids)


def set_identity(s: Setup, i: int, country: int, kyc: str) -> None:
    """The registry's KYC decision (``expired``: verified, with an expiry in the past), then its sync
    (nothing when the identity stands so already)."""
    if s.identities.get(i) == (country, kyc):
        return
    s.identities[i] = (country, kyc)
    now = datetime.now(UTC)
    status, expires = ("verified", now - timedelta(days=1)) if kyc == "expired" else (kyc, None)
    if status == "verified" and expires is None:
        expires = now + timedelta(days=365)
    with s.world.session() as session, session.begin():
        identities.update_kyc(
            session,
            actor=ACTOR,
            identity_id=s.ids[i],
            kyc_status=status,
            kyc_expires_at=expires,
            country=country,
        )
    identity_sync.sync_identity(s.world.svc, s.ids[i])


def position(s: Setup, i: int) -> tuple[int, int, bool]:
    p = actions.position(s.world.svc, SYMBOL, s.investors[i].address)
    return p.balance, p.frozen_units, p.frozen


def set_freezes(s: Setup, i: int, frozen_units: int, frozen: bool) -> None:
    """The agent's partial and address freeze on the token (the registry follows by its indexer)."""
    balance, now_units, now_frozen = position(s, i)
    wallet = s.investors[i].address
    target = min(frozen_units, balance)
    if target > now_units:
        actions.freeze(s.world.svc, SYMBOL, wallet, frozen=True, units=target - now_units)
    elif target < now_units:
        actions.freeze(s.world.svc, SYMBOL, wallet, frozen=False, units=now_units - target)
    if frozen != now_frozen:
        actions.freeze(s.world.svc, SYMBOL, wallet, frozen=frozen, units=None)


def paused(s: Setup) -> bool:
    op = s.world.svc.operator()
    return bool(op.call(s.token.token, artifacts.abi("Token"), "paused"))


def token_path(s: Setup, sender: str, receiver: str, units: int) -> bool:
    """What T-REX's ``Token.transfer`` decides, read from the token, its identity registry and its
    compliance: not paused, neither wallet frozen, enough free units, then ``isVerified(to)`` and
    ``ModularCompliance.canTransfer(from, to, units)``."""
    op, t = s.world.svc.operator(), s.token
    token = artifacts.abi("Token")
    if op.call(t.token, token, "paused"):
        return False
    if op.call(t.token, token, "isFrozen", [sender]) or op.call(t.token, token, "isFrozen", [receiver]):
        return False
    free = int(op.call(t.token, token, "balanceOf", [sender])) - int(
        op.call(t.token, token, "getFrozenTokens", [sender])
    )
    if units > free:
        return False
    if not op.call(t.identity_registry, artifacts.abi("IdentityRegistry"), "isVerified", [receiver]):
        return False
    mc = artifacts.abi("ModularCompliance")
    return bool(op.call(t.compliance, mc, "canTransfer", [sender, receiver, units]))


def eth_call_transfer(s: Setup, sender: LocalAccount, receiver: str, units: int) -> bool:
    """``eth_call`` of ``transfer`` from the holder, over JSON-RPC through web3.py's encoding."""
    w3 = s.world.w3
    contract = w3.eth.contract(address=w3.to_checksum_address(s.token.token), abi=artifacts.abi("Token"))
    data = contract.encode_abi("transfer", [w3.to_checksum_address(receiver), units])
    answer = s.world.rpc.handle(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_call",
            "params": [{"from": sender.address, "to": s.token.token, "data": data}, "latest"],
        }
    )
    assert answer is not None
    if "error" in answer:
        assert answer["error"]["code"] == 3, answer  # a revert, not a failure of the node
        return False
    return bool(int(answer["result"], 16))


# what an attempt may break, besides the amount: most attempts break nothing or one thing
FAULTS = (
    "paused",
    "sender_kyc",
    "receiver_kyc",
    "sender_frozen",
    "receiver_frozen",
    "partial_freeze",
    "country",
)
BAD_KYC = ("revoked", "expired", "pending")
EDGES = (1, 4, 5, 6, 100, 200, 300, 400, 401, 600, 601)


@st.composite
def attempts(draw: st.DrawFn) -> dict[str, object]:
    faults = draw(st.lists(st.sampled_from(FAULTS), max_size=2, unique=True))
    return {
        # drawn as plain numbers and mapped onto the state the examples before left (draws may not depend
        # on it): which funded wallet sends, which other wallet receives, and where in the sender's free
        # units the amount falls
        "sender": draw(st.integers(0, 99)),
        "receiver": draw(st.integers(1, len(START) - 1)),
        "amount": draw(
            st.one_of(
                st.tuples(st.just("fits"), st.integers(0, 10**6)),
                st.tuples(st.just("fits"), st.integers(0, 10**6)),
                st.tuples(st.just("edge"), st.sampled_from(EDGES)),
                st.tuples(st.just("any"), st.integers(1, 700)),
            )
        ),
        "faults": faults,
        "sender_identity": (draw(st.sampled_from([DE, FR])), "verified"),
        "receiver_identity": (
            draw(st.sampled_from([US, IT])) if "country" in faults else draw(st.sampled_from([DE, FR])),
            draw(st.sampled_from(BAD_KYC)) if "receiver_kyc" in faults else "verified",
        ),
        "frozen_units": draw(st.integers(1, 400)) if "partial_freeze" in faults else 0,
    }


@pytest.mark.slow
# the chain and the registry carry every example's state into the next: an example cannot be replayed,
# so no shrinking and no example database (note() prints what failed)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],
    database=None,
)
@given(attempt=attempts())
def test_pre_check_token_path_eth_call_and_transfer_agree(setup: Setup, attempt: dict[str, object]) -> None:
    s = setup
    n = len(START)
    funded = [k for k in range(n) if (lambda p: p[0] - p[1])(position(s, k)) >= 5] or list(range(n))
    i = funded[int(attempt["sender"]) % len(funded)]  # type: ignore[call-overload]
    # two wallets: the registry refuses a transfer to oneself as invalid input, which T-REX lets through
    j = (i + int(attempt["receiver"])) % n  # type: ignore[call-overload]
    faults: list[str] = attempt["faults"]  # type: ignore[assignment]
    set_identity(s, i, *attempt["sender_identity"])  # type: ignore[misc]
    set_identity(s, j, *attempt["receiver_identity"])  # type: ignore[misc]
    set_freezes(s, i, int(attempt["frozen_units"]), "sender_frozen" in faults)  # type: ignore[call-overload]
    set_freezes(s, j, 0, "receiver_frozen" in faults)
    if ("paused" in faults) != paused(s):
        actions.set_paused(s.world.svc, SYMBOL, "paused" in faults)
    sender, receiver = s.investors[i], s.investors[j]
    balance, frozen_units, _ = position(s, i)
    free = balance - frozen_units
    how, value = attempt["amount"]  # type: ignore[misc]
    # half the amounts fit the sender's free units (at least the minimum transfer)
    units = 5 + value % max(1, free - 4) if how == "fits" else value
    with s.world.session() as session:
        verdict = ledger.can_transfer(session, SYMBOL, sender.address, receiver.address, units)
    by_token = token_path(s, sender.address.lower(), receiver.address.lower(), units)
    by_call = eth_call_transfer(s, sender, receiver.address, units)
    receipt = s.world.send(sender, s.token.token, "transfer", receiver.address, units)
    sent = receipt["status"] == 1
    note(f"pre-check {verdict.restriction.name}, token path {by_token}, eth_call {by_call}, sent {sent}")
    event(f"pre-check {verdict.restriction.name}")
    event(f"faults {sorted(faults)}")
    assert (verdict.allowed, by_token, by_call, sent) in ((True,) * 4, (False,) * 4)
    # the registry followed the token in the block's transaction
    for k in (i, j):
        held = position(s, k)[0]
        assert held == s.world.balance(s.token.token, s.investors[k].address)


@pytest.mark.xfail(
    strict=True,
    reason="known divergence: T-REX's transfer checks isVerified(to) only; the registry also refuses a "
    "sender whose KYC it revoked (SENDER_NOT_VERIFIED), which the token lets send. Needs a compliance module "
    "checking the sender's identity (or the pre-check relaxed for tokenized assets): not decided here",
)
@pytest.mark.parametrize("kyc", ["revoked", "expired"])
def test_a_sender_without_kyc_is_refused_by_the_token(setup: Setup, kyc: str) -> None:
    s = setup
    n = len(START)
    i = next(k for k in range(n) if position(s, k)[0] - position(s, k)[1] >= 5)
    j = next(k for k in range(n) if k != i and position(s, k)[0] > 0)  # a holder: no holder-count limit
    if paused(s):
        actions.set_paused(s.world.svc, SYMBOL, False)
    set_freezes(s, i, 0, False)
    set_freezes(s, j, 0, False)
    set_identity(s, j, DE, "verified")
    set_identity(s, i, DE, kyc)
    sender, receiver = s.investors[i], s.investors[j]
    with s.world.session() as session:
        verdict = ledger.can_transfer(session, SYMBOL, sender.address, receiver.address, 5)
    expected = "SENDER_NOT_VERIFIED" if kyc == "revoked" else "SENDER_KYC_EXPIRED"
    assert verdict.restriction.name == expected
    try:
        # the token path and a real transfer must refuse as the pre-check does
        assert not token_path(s, sender.address.lower(), receiver.address.lower(), 5)
        assert s.world.send(sender, s.token.token, "transfer", receiver.address, 5)["status"] == 0
    finally:
        set_identity(s, i, DE, "verified")


def test_after_the_attempts_the_checker_finds_no_difference(setup: Setup) -> None:
    """(Runs after the attempts above, on the state they left.)"""
    assert check.check(setup.world.chain, [SYMBOL]).differences == ()
