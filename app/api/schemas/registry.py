"""Pydantic models of the REST API (in and out).

Units travel as JSON integers or decimal strings in requests and always as decimal strings in responses:
they are exact integers that may exceed 2**53, which JavaScript's numbers cannot hold. Floats, fractions,
negative numbers and booleans are refused with 422 and the code INVALID_UNITS."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import annotated_types as at
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    Strict,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.rwa.domain import MAX_UNITS

_DIGITS = re.compile(r"^[0-9]{1,78}$")


def _units(value: Any, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError(
            "invalid_units", "units must be an integer (JSON integer or decimal string)"
        )
    if isinstance(value, str):
        if not _DIGITS.match(value):
            raise PydanticCustomError(
                "invalid_units", "units must be a non-negative whole number of base units"
            )
        value = int(value)
    if value < (0 if allow_zero else 1) or value > MAX_UNITS:
        raise PydanticCustomError("invalid_units", "units must be positive and at most 2**256 - 1")
    return int(value)


_UNITS_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[0-9]+$"}]}
)
Units = Annotated[int, PlainValidator(_units), _UNITS_SCHEMA]
UnitsOut = Annotated[int, PlainSerializer(str, return_type=str), WithJsonSchema({"type": "string"})]
Address = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
Country = Annotated[int, Strict(), Field(description="ISO 3166-1 numeric, e.g. 276 for Germany")]

# Ids and cursors become SQL parameters: SQLite refuses to bind an integer above 2**63 - 1 and PostgreSQL
# refuses one above what the column holds (INTEGER: 2**31 - 1, BIGINT: 2**63 - 1), each as a bare 500.
# The schema bounds them by their column, so an out-of-range value is a 422 before any query runs; an
# unknown id in range is a 404 and a cursor past the end an empty page.
MAX_SQL_INT = 2**63 - 1  # BIGINT: audit sequence numbers, OFFSET
MAX_SQL_INT32 = 2**31 - 1  # INTEGER: registry row ids (issuers, identities, movements, ...)
Id = Annotated[int, at.Ge(1), at.Le(MAX_SQL_INT32)]
IdCursor = Annotated[int, at.Ge(0), at.Le(MAX_SQL_INT32)]
Seq = Annotated[int, at.Ge(1), at.Le(MAX_SQL_INT)]
Cursor = Annotated[int, at.Ge(0), at.Le(MAX_SQL_INT)]


def _utc(value: datetime) -> datetime:
    # SQLite keeps no zone: a naive time read back from it is UTC (everything is written in UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


# -- issuers and assets -------------------------------------------------------------------------------------


class IssuerIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    country: Country
    lei: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{20}$")] | None = None


class IssuerOut(Out):
    id: int
    name: str
    country: int
    lei: str | None
    created_at: UtcDatetime


class RulesIn(In):
    allowed_countries: list[Country] | None = None
    denied_countries: list[Country] | None = None
    allowed_categories: list[str] | None = None
    max_holders: Annotated[int, Strict(), Field(ge=1, le=MAX_SQL_INT32)] | None = None
    max_balance: Units | None = None
    min_transfer: Units | None = None
    lockup_until: AwareDatetime | None = None


class RulesOut(Out):
    allowed_countries: list[int] | None
    denied_countries: list[int] | None
    allowed_categories: list[str] | None
    max_holders: int | None
    max_balance: UnitsOut | None
    min_transfer: UnitsOut | None
    lockup_until: UtcDatetime | None


class AssetIn(In):
    symbol: str
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    asset_class: str
    issuer_id: Id | None = Field(None, description="admin keys only; an issuer key creates for its issuer")
    jurisdiction: Annotated[str, StringConstraints(min_length=2, max_length=16)]
    currency: str
    decimals: Annotated[int, Strict(), Field(ge=0, le=36)] = 0
    max_units: Units | None = None
    rules: RulesIn | None = None


class IssuerRef(Out):
    id: int
    name: str


class AssetOut(Out):
    symbol: str
    name: str
    asset_class: str
    issuer: IssuerRef
    jurisdiction: str
    currency: str
    decimals: int
    max_units: UnitsOut | None
    issued_units: UnitsOut
    status: str
    rules: RulesOut | None
    created_at: UtcDatetime


class StatusIn(In):
    status: str


# -- identities ----------------------------------------------------------------------------------------------


class IdentityIn(In):
    reference: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    country: Country
    category: str
    kyc_status: str = "pending"
    kyc_expires_at: AwareDatetime | None = None
    wallets: list[Address] = []
    issuer_id: Id | None = Field(
        None,
        description="the onboarding issuer (admin keys: optional; an issuer key onboards for its own; "
        "an agent key for the issuer of its assets)",
    )


class KycIn(In):
    kyc_status: str
    kyc_expires_at: AwareDatetime | None = None
    country: Country | None = None
    category: str | None = None


class WalletIn(In):
    address: Address


class WalletOut(Out):
    address: str
    revoked_at: UtcDatetime | None


class IdentityOut(Out):
    id: int
    reference: str
    label: str
    country: int
    category: str
    kyc_status: str
    kyc_expires_at: UtcDatetime | None
    wallets: list[WalletOut]
    created_at: UtcDatetime
    onboarded_by_issuer_id: int | None = None  # None: onboarded by an admin


# -- ledger --------------------------------------------------------------------------------------------------


class SupplyIn(In):
    wallet: Address
    units: Units


class TransferIn(In):
    sender: Address = Field(alias="from")
    receiver: Address = Field(alias="to")
    units: Units


class BatchIn(In):
    transfers: Annotated[list[TransferIn], Field(min_length=1, max_length=1000)]


class ForcedTransferIn(TransferIn):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class FreezeIn(In):
    wallet: Address
    units: Units | None = Field(None, description="omit to freeze (unfreeze) the whole wallet for this asset")


class RecoveryIn(In):
    lost_wallet: Address
    new_wallet: Address


class VerdictOut(BaseModel):
    allowed: bool
    code: int = Field(description="ERC-1404 restriction code; 0 = allowed")
    reason: str
    message: str


class MovementOut(Out):
    id: int
    asset: str
    kind: str
    sender: str | None = Field(serialization_alias="from")
    receiver: str | None = Field(serialization_alias="to")
    units: UnitsOut
    frozen_units_moved: UnitsOut
    overridden: list[str] | None
    reason: str | None
    actor: str
    created_at: UtcDatetime


class PositionOut(Out):
    asset: str
    wallet: str
    identity_id: int
    balance: UnitsOut
    frozen_units: UnitsOut
    frozen: bool


# -- documents, keys, audit ----------------------------------------------------------------------------------


class VersionOut(Out):
    version: int
    sha256: str
    size: int
    media_type: str
    filename: str | None
    uploaded_by: str
    created_at: UtcDatetime


class DocumentOut(Out):
    name: str
    kind: str
    removed_at: UtcDatetime | None
    versions: list[VersionOut]


class KeyIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    role: str
    issuer_id: Id | None = None
    identity_id: Id | None = None
    assets: list[str] = []


class KeyOut(BaseModel):
    prefix: str
    name: str
    role: str
    issuer_id: int | None
    identity_id: int | None
    assets: list[str]
    created_by: str
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None


class KeyCreatedOut(KeyOut):
    token: str = Field(description="shown once: only its SHA-256 is stored")


class EntryOut(BaseModel):
    seq: int
    created_at: UtcDatetime
    actor: str
    action: str
    subject: str
    asset: str | None
    payload: Any
    prev_hash: str
    hash: str


class CheckpointOut(BaseModel):
    """A signed checkpoint. `signature` (Ed25519, by `public_key`) covers the text
    "aurigraph-audit-checkpoint/1\\n{tree_size}\\n{root}\\n{timestamp}\\n" (canonical.checkpoint_message).
    `consistency` is the RFC 6962 proof from the checkpoint of `prev_tree_size` to this one."""

    tree_size: int
    root: str
    created_at: UtcDatetime
    timestamp: str  # created_at exactly as signed
    public_key: str
    signature: str
    prev_tree_size: int | None = None
    consistency: list[str] = []


class ProofOut(BaseModel):
    seq: int
    entry_hash: str
    leaf_index: int
    tree_size: int
    path: list[str]
    root: str
    checkpoint: CheckpointOut | None


class PublicKeyOut(BaseModel):
    algorithm: str = "Ed25519"
    public_key: str
