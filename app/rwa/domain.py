"""Pure value objects of the registry: statuses and their transitions, roles, restriction codes, units.

Nothing here touches the database; services and the compliance rules build on these."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# Quantities are exact integers of base units. The ceiling is the EVM word (an asset may be tokenized on
# our chain); NUMERIC(78,0) holds it.
MAX_UNITS = 2**256 - 1

SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,15}$")
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
DOCUMENT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,63}$")


class AssetClass(enum.StrEnum):
    REAL_ESTATE = "real_estate"
    BOND = "bond"
    INVOICE = "invoice"
    COMMODITY = "commodity"
    FUND = "fund"
    EQUITY = "equity"
    OTHER = "other"


class AssetStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    REDEEMED = "redeemed"  # terminal: the asset was wound down, every unit redeemed


# status -> the statuses it may move to
TRANSITIONS: dict[AssetStatus, frozenset[AssetStatus]] = {
    AssetStatus.DRAFT: frozenset({AssetStatus.ACTIVE, AssetStatus.REDEEMED}),
    AssetStatus.ACTIVE: frozenset({AssetStatus.PAUSED, AssetStatus.REDEEMED}),
    AssetStatus.PAUSED: frozenset({AssetStatus.ACTIVE, AssetStatus.REDEEMED}),
    AssetStatus.REDEEMED: frozenset(),
}


class KycStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"


class InvestorCategory(enum.StrEnum):
    RETAIL = "retail"
    PROFESSIONAL = "professional"
    ACCREDITED = "accredited"
    INSTITUTIONAL = "institutional"


class DocumentKind(enum.StrEnum):
    PROSPECTUS = "prospectus"
    KYC_REPORT = "kyc_report"
    AUDIT_REPORT = "audit_report"
    LEGAL = "legal"
    VALUATION = "valuation"
    OTHER = "other"


class MovementKind(enum.StrEnum):
    ISSUE = "issue"
    REDEEM = "redeem"
    TRANSFER = "transfer"
    FORCED = "forced_transfer"
    RECOVERY = "recovery"


class Role(enum.StrEnum):
    ADMIN = "admin"
    ISSUER = "issuer"  # bound to one issuer: only its own assets
    AGENT = "agent"  # bound to named assets (transfer agent, compliance officer)
    AUDITOR = "auditor"  # read-only, may export the audit trail
    DEVELOPER = "developer"  # contracts; reads asset metadata, never writes the registry
    INVESTOR = "investor"  # bound to one identity: its own holdings and transfers from its own wallets


class Restriction(enum.IntEnum):
    """ERC-1404-style restriction codes (uint8; 0 means the transfer may proceed).

    The order of the members is the order the rules are evaluated in: a rejected transfer reports the
    first rule it breaks, a forced transfer records every rule it overrode."""

    SUCCESS = 0
    ASSET_PAUSED = 1
    ASSET_NOT_ACTIVE = 2
    SENDER_NOT_VERIFIED = 3
    SENDER_KYC_EXPIRED = 4
    RECEIVER_NOT_VERIFIED = 5
    RECEIVER_KYC_EXPIRED = 6
    SENDER_FROZEN = 7
    RECEIVER_FROZEN = 8
    LOCKED_UP = 9
    BELOW_MINIMUM_TRANSFER = 10
    INSUFFICIENT_FREE_BALANCE = 11
    COUNTRY_NOT_ALLOWED = 12
    CATEGORY_NOT_ALLOWED = 13
    MAX_BALANCE_EXCEEDED = 14
    MAX_HOLDERS_EXCEEDED = 15

    @property
    def message(self) -> str:
        return MESSAGES[self]


MESSAGES: dict[Restriction, str] = {
    Restriction.SUCCESS: "transfer allowed",
    Restriction.ASSET_PAUSED: "the asset is paused",
    Restriction.ASSET_NOT_ACTIVE: "the asset is not active",
    Restriction.SENDER_NOT_VERIFIED: "the sender wallet is not registered to a verified identity",
    Restriction.SENDER_KYC_EXPIRED: "the sender's KYC has expired",
    Restriction.RECEIVER_NOT_VERIFIED: "the receiver wallet is not registered to a verified identity",
    Restriction.RECEIVER_KYC_EXPIRED: "the receiver's KYC has expired",
    Restriction.SENDER_FROZEN: "the sender wallet is frozen for this asset",
    Restriction.RECEIVER_FROZEN: "the receiver wallet is frozen for this asset",
    Restriction.LOCKED_UP: "the units are in their lock-up period",
    Restriction.BELOW_MINIMUM_TRANSFER: "the amount is below the asset's minimum transfer",
    Restriction.INSUFFICIENT_FREE_BALANCE: "the amount exceeds the sender's free (unfrozen) balance",
    Restriction.COUNTRY_NOT_ALLOWED: "the receiver's country is not allowed for this asset",
    Restriction.CATEGORY_NOT_ALLOWED: "the receiver's investor category is not allowed for this asset",
    Restriction.MAX_BALANCE_EXCEEDED: "the receiver would hold more than the maximum balance per holder",
    Restriction.MAX_HOLDERS_EXCEEDED: "the asset would have more holders than allowed",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of the compliance rules for one transfer (what `can-transfer` returns)."""

    restriction: Restriction

    @property
    def allowed(self) -> bool:
        return self.restriction is Restriction.SUCCESS

    @property
    def code(self) -> int:
        return int(self.restriction)

    @property
    def message(self) -> str:
        return self.restriction.message


def normalize_address(address: str) -> str:
    """Wallet addresses are EVM addresses, stored lower-case so checksummed and plain spellings match."""
    if not isinstance(address, str) or not ADDRESS_RE.match(address):
        raise ValueError(f"not a 0x-prefixed 20-byte hex address: {address!r}")
    return address.lower()
