"""The compliance rules as pure functions: each ERC-3643 module gives its ERC-1404 code, in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.rwa.compliance.rules import BookView, Party, Rules, check, violations
from app.rwa.domain import AssetStatus, Restriction

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def party(identity_id: int, **kw: object) -> Party:
    fields: dict[str, object] = {
        "wallet_id": identity_id * 10,
        "identity_id": identity_id,
        "revoked": False,
        "kyc_status": "verified",
        "kyc_expires_at": NOW + timedelta(days=30),
        "country": 276,
        "category": "professional",
        "balance": 100,
        "frozen_units": 0,
        "frozen": False,
        "identity_balance": 100,
    } | kw
    return Party(**fields)  # type: ignore[arg-type]


def view(**kw: object) -> BookView:
    fields: dict[str, object] = {
        "status": AssetStatus.ACTIVE,
        "rules": Rules(),
        "sender": party(1),
        "receiver": party(2, balance=0, identity_balance=0),
        "units": 10,
        "now": NOW,
        "holder_count": 1,
    } | kw
    return BookView(**fields)  # type: ignore[arg-type]


CASES = [
    (view(), Restriction.SUCCESS),
    (view(status=AssetStatus.PAUSED), Restriction.ASSET_PAUSED),
    (view(status=AssetStatus.DRAFT), Restriction.ASSET_NOT_ACTIVE),
    (view(status=AssetStatus.REDEEMED), Restriction.ASSET_NOT_ACTIVE),
    (view(sender=party(1, kyc_status="pending")), Restriction.SENDER_NOT_VERIFIED),
    (view(sender=party(1, revoked=True)), Restriction.SENDER_NOT_VERIFIED),
    (view(sender=party(1, kyc_expires_at=NOW)), Restriction.SENDER_KYC_EXPIRED),
    (view(receiver=party(2, kyc_status="revoked", identity_balance=0)), Restriction.RECEIVER_NOT_VERIFIED),
    (view(receiver=party(2, kyc_expires_at=NOW - timedelta(seconds=1))), Restriction.RECEIVER_KYC_EXPIRED),
    (view(sender=party(1, frozen=True)), Restriction.SENDER_FROZEN),
    (view(receiver=party(2, frozen=True)), Restriction.RECEIVER_FROZEN),
    (view(rules=Rules(lockup_until=NOW + timedelta(days=1))), Restriction.LOCKED_UP),
    (view(rules=Rules(lockup_until=NOW)), Restriction.SUCCESS),  # the lock-up ends at that instant
    (view(rules=Rules(min_transfer=11)), Restriction.BELOW_MINIMUM_TRANSFER),
    (view(rules=Rules(min_transfer=10)), Restriction.SUCCESS),
    (view(units=101), Restriction.INSUFFICIENT_FREE_BALANCE),
    (view(sender=party(1, frozen_units=91)), Restriction.INSUFFICIENT_FREE_BALANCE),
    (view(sender=party(1, frozen_units=90)), Restriction.SUCCESS),
    (view(rules=Rules(allowed_countries=frozenset({250}))), Restriction.COUNTRY_NOT_ALLOWED),
    (view(rules=Rules(denied_countries=frozenset({276}))), Restriction.COUNTRY_NOT_ALLOWED),
    (view(rules=Rules(allowed_categories=frozenset({"institutional"}))), Restriction.CATEGORY_NOT_ALLOWED),
    (view(rules=Rules(max_balance=9)), Restriction.MAX_BALANCE_EXCEEDED),
    (view(rules=Rules(max_balance=10)), Restriction.SUCCESS),
    (view(rules=Rules(max_holders=1)), Restriction.MAX_HOLDERS_EXCEEDED),
    (view(rules=Rules(max_holders=2)), Restriction.SUCCESS),
    # the sender leaves the register as the receiver joins: the count does not grow
    (view(rules=Rules(max_holders=1), units=100), Restriction.SUCCESS),
    # a holder already on the register does not count again
    (view(rules=Rules(max_holders=1), receiver=party(2, identity_balance=5)), Restriction.SUCCESS),
    # between two wallets of one identity the per-holder caps do not apply
    (view(rules=Rules(max_balance=1, max_holders=1), receiver=party(1, wallet_id=11)), Restriction.SUCCESS),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_each_rule_gives_its_code(given: BookView, expected: Restriction) -> None:
    assert check(given) is expected


def test_violations_lists_every_broken_rule_in_code_order() -> None:
    s = view(
        status=AssetStatus.PAUSED,
        sender=party(1, frozen=True),
        rules=Rules(min_transfer=1000, denied_countries=frozenset({276})),
        units=500,
    )
    assert violations(s) == [
        Restriction.ASSET_PAUSED,
        Restriction.SENDER_FROZEN,
        Restriction.BELOW_MINIMUM_TRANSFER,
        Restriction.INSUFFICIENT_FREE_BALANCE,
        Restriction.COUNTRY_NOT_ALLOWED,
    ]


def test_issue_checks_only_the_receiver_side() -> None:
    mint = view(sender=None, status=AssetStatus.PAUSED, rules=Rules(lockup_until=NOW + timedelta(days=9)))
    assert check(mint) is Restriction.SUCCESS  # agents mint while paused and during a lock-up (ERC-3643)
    assert check(replace(mint, status=AssetStatus.REDEEMED)) is Restriction.ASSET_NOT_ACTIVE
    assert check(replace(mint, rules=Rules(max_balance=5))) is Restriction.MAX_BALANCE_EXCEEDED
    assert check(replace(mint, receiver=party(2, frozen=True))) is Restriction.RECEIVER_FROZEN


def test_every_code_has_a_message_and_fits_in_a_uint8() -> None:
    for r in Restriction:
        assert 0 <= r.value <= 255 and r.message
