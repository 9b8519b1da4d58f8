"""The ledger through its services, on SQLite and PostgreSQL: exact units, issue/redeem, transfers, the
status machine, freezes, forced transfers and recovery; every change audited, every refusal traceless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.rwa.audit.models import AuditEntry
from app.rwa.domain import Restriction
from app.rwa.errors import (
    AssetNotActive,
    AssetNotFound,
    ComplianceViolation,
    InsufficientFreeBalance,
    InsufficientUnits,
    InvalidStatusTransition,
    InvalidUnits,
    SupplyCapExceeded,
    WalletIdentityMismatch,
    WalletNotFound,
)
from app.rwa.ledger import agent
from app.rwa.ledger import transfers as ledger
from app.rwa.models import Asset, Wallet
from app.rwa.registry import assets, identities
from app.rwa.registry.assets import RulesInput
from tests.rwa.factories import ACTOR, address, audit_size, ledger_state, make_asset, make_investor

BIG = 10**60 + 7  # far beyond 2**63 and a double's 53 bits


def positions(session, symbol):
    return {p.wallet: (p.balance, p.frozen_units, p.frozen) for p in assets.positions(session, symbol=symbol)}


def test_units_beyond_64_bits_are_exact(sm):
    a, b = address("big-a"), address("big-b")
    with sm.begin() as s:
        sym = make_asset(s, max_units=BIG * 3).symbol
        make_investor(s, a)
        make_investor(s, b)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=BIG * 2)
        ledger.transfer(s, actor=ACTOR, symbol=sym, sender=a, receiver=b, units=BIG + 1)
    with sm.begin() as s:
        assert positions(s, sym) == {a: (BIG - 1, 0, False), b: (BIG + 1, 0, False)}
        assert s.scalars(select(Asset).where(Asset.symbol == sym)).one().issued_units == BIG * 2
        # ordering in SQL is numeric, not textual, on both dialects
        from app.rwa.models import Holding

        bigger = s.scalars(select(Holding).where(Holding.balance > BIG)).all()
        assert [h.balance for h in bigger] == [BIG + 1]
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.transfer")).one()
        assert f'"units":"{BIG + 1}"' in entry.payload


def test_units_must_be_positive_ints(sm):
    a = address("u")
    with sm.begin() as s:
        sym = make_asset(s).symbol
        make_investor(s, a)
        size = audit_size(s)
    for bad in [0, -1, 1.5, 2.0, True, "10", None]:
        with pytest.raises(InvalidUnits), sm.begin() as s:
            ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=bad)
    with sm.begin() as s:
        assert audit_size(s) == size and assets.positions(s, symbol=sym) == []


def test_issue_redeem_and_the_supply_cap(sm):
    a = address("cap")
    with sm.begin() as s:
        sym = make_asset(s, max_units=1000).symbol
        make_investor(s, a)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=600)
    with pytest.raises(SupplyCapExceeded), sm.begin() as s:
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=401)
    with sm.begin() as s:
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=400)
        ledger.redeem(s, actor=ACTOR, symbol=sym, wallet=a, units=250)
    with pytest.raises(InsufficientUnits), sm.begin() as s:
        ledger.redeem(s, actor=ACTOR, symbol=sym, wallet=a, units=751)
    with sm.begin() as s:
        assert positions(s, sym) == {a: (750, 0, False)}
        assert assets.list_assets(s)[-1].issued_units == 750


def test_status_machine(sm):
    a = address("st")
    with sm.begin() as s:
        sym = make_asset(s, status="draft").symbol
        make_investor(s, a)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=10)  # initial allocation while in draft
    for target, ok in [
        ("paused", False),
        ("active", True),
        ("draft", False),
        ("paused", True),
        ("active", True),
    ]:
        if ok:
            with sm.begin() as s:
                assets.set_status(s, actor=ACTOR, symbol=sym, status=target)
        else:
            with pytest.raises(InvalidStatusTransition), sm.begin() as s:
                assets.set_status(s, actor=ACTOR, symbol=sym, status=target)
    with pytest.raises(InvalidStatusTransition, match="outstanding"), sm.begin() as s:
        assets.set_status(s, actor=ACTOR, symbol=sym, status="redeemed")
    with sm.begin() as s:
        ledger.redeem(s, actor=ACTOR, symbol=sym, wallet=a, units=10)
        assets.set_status(s, actor=ACTOR, symbol=sym, status="redeemed")
    with pytest.raises(AssetNotActive), sm.begin() as s:
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=1)
    with pytest.raises(InvalidStatusTransition), sm.begin() as s:
        assets.set_status(s, actor=ACTOR, symbol=sym, status="active")


def test_refused_transfers_change_nothing(sm):
    a, b, pending = address("r-a"), address("r-b"), address("r-p")
    with sm.begin() as s:
        sym = make_asset(s, rules={"min_transfer": 5, "denied_countries": [840]}).symbol
        make_investor(s, a)
        make_investor(s, b)
        make_investor(s, pending, kyc_status="pending")
        us = address("r-us")
        make_investor(s, us, country=840)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=100)
    attempts = [
        (b, 101, InsufficientFreeBalance, Restriction.INSUFFICIENT_FREE_BALANCE),
        (b, 4, ComplianceViolation, Restriction.BELOW_MINIMUM_TRANSFER),
        (pending, 10, ComplianceViolation, Restriction.RECEIVER_NOT_VERIFIED),
        (us, 10, ComplianceViolation, Restriction.COUNTRY_NOT_ALLOWED),
    ]
    with sm.begin() as s:
        before, size = ledger_state(s), audit_size(s)
    for receiver, units, exc, restriction in attempts:
        with sm.begin() as s:
            assert ledger.can_transfer(s, sym, a, receiver, units).restriction is restriction
        with pytest.raises(exc) as info, sm.begin() as s:
            ledger.transfer(s, actor=ACTOR, symbol=sym, sender=a, receiver=receiver, units=units)
        assert info.value.restriction is restriction
    with pytest.raises(WalletNotFound), sm.begin() as s:
        ledger.transfer(s, actor=ACTOR, symbol=sym, sender=a, receiver=address("nobody"), units=1)
    with pytest.raises(AssetNotFound), sm.begin() as s:
        ledger.transfer(s, actor=ACTOR, symbol="NOPE", sender=a, receiver=b, units=1)
    with sm.begin() as s:
        assert ledger_state(s) == before and audit_size(s) == size


def test_pause_kyc_expiry_and_lockup(sm):
    a, b = address("p-a"), address("p-b")
    now = datetime.now(UTC)
    with sm.begin() as s:
        sym = make_asset(s, rules={"lockup_until": now + timedelta(days=10)}).symbol
        make_investor(s, a)
        ib = make_investor(s, b)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=100)
        check = lambda when: ledger.can_transfer(s, sym, a, b, 1, now=when).restriction  # noqa: E731
        assert check(now) is Restriction.LOCKED_UP
        assert check(now + timedelta(days=11)) is Restriction.SUCCESS
        assets.set_status(s, actor=ACTOR, symbol=sym, status="paused")
        assert check(now + timedelta(days=11)) is Restriction.ASSET_PAUSED
        assets.set_status(s, actor=ACTOR, symbol=sym, status="active")
        identities.update_kyc(
            s, actor=ACTOR, identity_id=ib, kyc_status="verified", kyc_expires_at=now + timedelta(days=5)
        )
        assert check(now + timedelta(days=11)) is Restriction.RECEIVER_KYC_EXPIRED


def test_max_holders_and_max_balance_per_identity(sm):
    a, b1, b2, c, d = (address(f"m-{x}") for x in "a b1 b2 c d".split())
    with sm.begin() as s:
        sym = make_asset(s, rules={"max_holders": 3, "max_balance": 50}).symbol
        make_investor(s, a)
        make_investor(s, b1, b2)  # one identity, two wallets: the cap is per identity
        make_investor(s, c)
        make_investor(s, d)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=50)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=d, units=50)
        assert ledger.can_transfer(s, sym, a, b1, 50).restriction is Restriction.SUCCESS
        ledger.transfer(s, actor=ACTOR, symbol=sym, sender=a, receiver=b1, units=40)
        assert ledger.can_transfer(s, sym, d, b2, 11).restriction is Restriction.MAX_BALANCE_EXCEEDED
        assert ledger.can_transfer(s, sym, d, b2, 10).restriction is Restriction.SUCCESS
        assert ledger.can_transfer(s, sym, a, c, 1).restriction is Restriction.MAX_HOLDERS_EXCEEDED
        assert ledger.can_transfer(s, sym, a, c, 10).restriction is Restriction.SUCCESS  # a leaves, c joins
        assert ledger.can_transfer(s, sym, b1, b2, 40).restriction is Restriction.SUCCESS  # same identity
        with pytest.raises(ComplianceViolation):
            ledger.issue(s, actor=ACTOR, symbol=sym, wallet=c, units=1)  # issuing counts holders too


def test_freeze_partial_and_full(sm):
    a, b = address("f-a"), address("f-b")
    with sm.begin() as s:
        sym = make_asset(s).symbol
        make_investor(s, a)
        make_investor(s, b)
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=100)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=a, frozen=True, units=70)
        assert ledger.can_transfer(s, sym, a, b, 31).restriction is Restriction.INSUFFICIENT_FREE_BALANCE
        assert ledger.can_transfer(s, sym, a, b, 30).restriction is Restriction.SUCCESS
        with pytest.raises(InsufficientUnits):
            agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=a, frozen=True, units=31)
        with pytest.raises(InsufficientUnits):
            agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=a, frozen=False, units=71)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=b, frozen=True)
        assert ledger.can_transfer(s, sym, a, b, 1).restriction is Restriction.RECEIVER_FROZEN
        assert ledger.can_transfer(s, sym, b, a, 1).restriction is Restriction.SENDER_FROZEN
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=b, frozen=False)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=a, frozen=False, units=70)
        assert ledger.can_transfer(s, sym, a, b, 100).restriction is Restriction.SUCCESS


def test_forced_transfer_overrides_rules_and_records_them(sm):
    a, b, pending = address("x-a"), address("x-b"), address("x-p")
    with sm.begin() as s:
        sym = make_asset(s, rules={"min_transfer": 50}).symbol
        make_investor(s, a)
        make_investor(s, b)
        make_investor(s, pending, kyc_status="pending")
        ledger.issue(s, actor=ACTOR, symbol=sym, wallet=a, units=100)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=a, frozen=True)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=a, frozen=True, units=95)
        m = agent.forced_transfer(
            s, actor=ACTOR, symbol=sym, sender=a, receiver=b, units=10, reason="court order"
        )
        assert m.overridden == ["SENDER_FROZEN", "BELOW_MINIMUM_TRANSFER", "INSUFFICIENT_FREE_BALANCE"]
        assert positions(s, sym) == {a: (90, 90, True), b: (10, 0, False)}  # 5 units unfrozen
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
        assert entry.action == "ledger.forced_transfer" and "court order" in entry.payload
        assert (
            '"overridden":["SENDER_FROZEN","BELOW_MINIMUM_TRANSFER","INSUFFICIENT_FREE_BALANCE"]'
            in entry.payload
        )
        with pytest.raises(ComplianceViolation):  # the receiver must still be a verified identity
            agent.forced_transfer(s, actor=ACTOR, symbol=sym, sender=a, receiver=pending, units=1, reason="x")
        with pytest.raises(InsufficientUnits):
            agent.forced_transfer(s, actor=ACTOR, symbol=sym, sender=a, receiver=b, units=91, reason="x")


def test_recovery_moves_balance_and_frozen_units(sm):
    lost, other = address("lost"), address("other")
    new = address("new")
    with sm.begin() as s:
        sym = make_asset(s).symbol
        sym2 = make_asset(s).symbol
        make_investor(s, lost)
        make_investor(s, other)
        for x in (sym, sym2):
            ledger.issue(s, actor=ACTOR, symbol=x, wallet=lost, units=100)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=lost, frozen=True, units=30)
        agent.set_frozen(s, actor=ACTOR, symbol=sym, wallet=lost, frozen=True)
        with pytest.raises(WalletIdentityMismatch):
            agent.recover(s, actor=ACTOR, symbol=sym, lost=lost, new=other)
        m = agent.recover(s, actor=ACTOR, symbol=sym, lost=lost, new=new)
        assert (m.units, m.frozen_units_moved, m.receiver) == (100, 30, new)
        assert positions(s, sym) == {new: (100, 30, True)}
        w = s.scalars(select(Wallet).where(Wallet.address == new)).one()
        assert w.identity_id == s.scalars(select(Wallet).where(Wallet.address == lost)).one().identity_id
        # the lost wallet is revoked everywhere; its units in the other asset can still be recovered
        assert ledger.can_transfer(s, sym2, lost, other, 1).restriction is Restriction.SENDER_NOT_VERIFIED
        agent.recover(s, actor=ACTOR, symbol=sym2, lost=lost, new=new)
        assert positions(s, sym2) == {new: (100, 0, False)}


def test_rules_are_validated(sm):
    from app.rwa.errors import InvalidInput

    with sm.begin() as s:
        sym = make_asset(s).symbol
    for bad in [
        RulesInput(allowed_countries=[999]),
        RulesInput(allowed_categories=["whales"]),
        RulesInput(max_holders=0),
        RulesInput(min_transfer=-5),
    ]:
        with pytest.raises(InvalidInput), sm.begin() as s:
            assets.set_rules(s, actor=ACTOR, symbol=sym, rules=bad)
