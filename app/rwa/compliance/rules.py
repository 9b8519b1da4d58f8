"""Compliance rules (ERC-3643 modules) -> ERC-1404 restriction codes, as pure functions of a
`BookView`: the book of holdings as one movement sees it.

`violations(view)` lists every rule a movement breaks, in evaluation order. The `can-transfer`
pre-check, a real transfer, an issue (mint) and a forced transfer all call it on a view loaded by
the same loader (`app/rwa/ledger/book.py`): the pre-check reports the first violation, a transfer refuses
on it, a forced transfer records the overridden ones. Agreement between pre-check and enforcement is
therefore by construction, and a property test checks it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.rwa.domain import AssetStatus, KycStatus, Restriction
from app.rwa.errors import (
    AssetNotActive,
    ComplianceViolation,
    InsufficientFreeBalance,
    TransferRestricted,
)


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a movement: the wallet, its identity, and its holding of the asset."""

    wallet_id: int
    identity_id: int
    revoked: bool
    kyc_status: str
    kyc_expires_at: datetime | None
    country: int
    category: str
    balance: int
    frozen_units: int
    frozen: bool
    # the identity's balance of the asset over all its wallets (loaded only when a rule needs it)
    identity_balance: int | None

    @property
    def free_balance(self) -> int:
        return self.balance - self.frozen_units


@dataclass(frozen=True, slots=True)
class Rules:
    allowed_countries: frozenset[int] | None = None
    denied_countries: frozenset[int] = frozenset()
    allowed_categories: frozenset[str] | None = None
    max_holders: int | None = None
    max_balance: int | None = None
    min_transfer: int | None = None
    lockup_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class BookView:
    """Everything the rules look at for one movement of `units` (sender None = issue/mint)."""

    status: AssetStatus
    rules: Rules
    sender: Party | None
    receiver: Party
    units: int
    now: datetime
    holder_count: int | None  # distinct identities holding > 0 (loaded only when max_holders is set)


def _verified(p: Party) -> bool:
    return not p.revoked and p.kyc_status == KycStatus.VERIFIED


def _expired(p: Party, now: datetime) -> bool:
    return p.kyc_expires_at is not None and p.kyc_expires_at <= now


def _status(s: BookView) -> Restriction | None:
    if s.sender is None:  # minting is an agent action: allowed in draft, active and paused
        return Restriction.ASSET_NOT_ACTIVE if s.status is AssetStatus.REDEEMED else None
    if s.status is AssetStatus.PAUSED:
        return Restriction.ASSET_PAUSED
    return None if s.status is AssetStatus.ACTIVE else Restriction.ASSET_NOT_ACTIVE


def _identity(s: BookView) -> list[Restriction]:
    out: list[Restriction] = []
    if s.sender is not None:
        if not _verified(s.sender):
            out.append(Restriction.SENDER_NOT_VERIFIED)
        elif _expired(s.sender, s.now):
            out.append(Restriction.SENDER_KYC_EXPIRED)
    if not _verified(s.receiver):
        out.append(Restriction.RECEIVER_NOT_VERIFIED)
    elif _expired(s.receiver, s.now):
        out.append(Restriction.RECEIVER_KYC_EXPIRED)
    return out


def _sender_side(s: BookView) -> list[Restriction]:
    if s.sender is None:
        return [Restriction.RECEIVER_FROZEN] if s.receiver.frozen else []
    out: list[Restriction] = []
    if s.sender.frozen:
        out.append(Restriction.SENDER_FROZEN)
    if s.receiver.frozen:
        out.append(Restriction.RECEIVER_FROZEN)
    if s.rules.lockup_until is not None and s.now < s.rules.lockup_until:
        out.append(Restriction.LOCKED_UP)
    if s.rules.min_transfer is not None and s.units < s.rules.min_transfer:
        out.append(Restriction.BELOW_MINIMUM_TRANSFER)
    if s.units > s.sender.free_balance:
        out.append(Restriction.INSUFFICIENT_FREE_BALANCE)
    return out


def _receiver_side(s: BookView) -> list[Restriction]:
    out: list[Restriction] = []
    r, rules = s.receiver, s.rules
    if r.country in rules.denied_countries or (
        rules.allowed_countries is not None and r.country not in rules.allowed_countries
    ):
        out.append(Restriction.COUNTRY_NOT_ALLOWED)
    if rules.allowed_categories is not None and r.category not in rules.allowed_categories:
        out.append(Restriction.CATEGORY_NOT_ALLOWED)
    internal = s.sender is not None and s.sender.identity_id == r.identity_id
    if rules.max_balance is not None and not internal and _held(r) + s.units > rules.max_balance:
        out.append(Restriction.MAX_BALANCE_EXCEEDED)
    # only a new holder can break the holder limit
    if (
        rules.max_holders is not None
        and not internal
        and _held(r) == 0
        and _holders_after(s) > rules.max_holders
    ):
        out.append(Restriction.MAX_HOLDERS_EXCEEDED)
    return out


def _held(p: Party) -> int:
    assert p.identity_balance is not None, "identity balances are loaded when max_balance/max_holders is set"
    return p.identity_balance


def _holders_after(s: BookView) -> int:
    """The holder count after a transfer to an identity that holds nothing yet."""
    assert s.holder_count is not None, "holder_count is loaded when max_holders is set"
    count = s.holder_count + 1
    if s.sender is not None and _held(s.sender) == s.units:
        count -= 1  # the sender's identity leaves the register
    return count


def violations(s: BookView) -> list[Restriction]:
    """Every rule the movement breaks, in the order of `Restriction` codes."""
    found = [r for r in (_status(s),) if r is not None]
    found += _identity(s) + _sender_side(s) + _receiver_side(s)
    return sorted(found)


def check(s: BookView) -> Restriction:
    found = violations(s)
    return found[0] if found else Restriction.SUCCESS


def restricted(restriction: Restriction) -> TransferRestricted:
    """The error for a restriction: its class decides the HTTP status, the restriction its code."""
    if restriction in (Restriction.ASSET_PAUSED, Restriction.ASSET_NOT_ACTIVE):
        return AssetNotActive(restriction)
    if restriction is Restriction.INSUFFICIENT_FREE_BALANCE:
        return InsufficientFreeBalance(restriction)
    return ComplianceViolation(restriction)
