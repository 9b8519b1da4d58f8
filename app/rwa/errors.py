"""Errors of the registry. Each class sets its kind (in brackets) and a stable `code` where it is defined;
`app/api/errors.py` alone maps kinds to HTTP status codes.

RwaError                        (refused) the root: everything the registry refuses or cannot do
  + AuditError                  (internal) the audit log itself is unusable
  |   + AuditChainConflict      (conflict) a concurrent writer appended first; retry the whole transaction
  |   + AuditKeyError           (internal) the checkpoint signing key file is missing, unreadable or malformed
  + AuditEntryNotFound          (not_found) no audit entry with that sequence number
  + AuditPayloadError           (invalid) a payload value with no canonical JSON form (float, ...)
  + NotAuthenticated            (unauthenticated) no API key, or an unknown or revoked one
  + PermissionDenied            (forbidden) the key's role or scope does not allow the action
  + NotFound (LookupError)      (not_found)
  |   + AssetNotFound, IssuerNotFound, IdentityNotFound, WalletNotFound, DocumentNotFound, ApiKeyNotFound
  + AlreadyExists               (conflict) a symbol, reference, address, name or key prefix taken
  + InvalidInput (ValueError)   (invalid) a value the registry cannot accept
  |   + InvalidUnits            (invalid) units must be positive integers (no floats, fractions or negatives)
  + InvalidStatusTransition     (conflict) e.g. redeemed -> active, or redeemed while units are outstanding
  + SupplyCapExceeded           (conflict) issuing beyond the asset's authorized units
  + InsufficientUnits           (conflict) redeem, freeze or forced transfer beyond the balance
  + WalletIdentityMismatch      (conflict) recovery to a wallet of another identity
  + TransferRestricted          (refused) carries an ERC-1404 restriction; its code is the restriction's name
  |   + AssetNotActive          (conflict) ASSET_PAUSED / ASSET_NOT_ACTIVE
  |   + InsufficientFreeBalance (conflict) INSUFFICIENT_FREE_BALANCE
  |   + ComplianceViolation     (invalid) every other restriction
  + BatchRefused                (the kind and code of the refused transfer's error) a batch is all or nothing
  + PayloadTooLarge             (too_large) a document above the upload limit
  + DocumentCorrupted           (internal) stored content no longer matches its SHA-256
  + AlreadySeeded               (conflict) `aurigraph demo` found its data already there
  + TransferNotCommitted        (unavailable) the group transaction failed; nothing was written
  + NothingToRecover            (conflict) recovery of a wallet that holds no units of the asset
  + LastAdminKey                (conflict) revoking the last active admin key would lock everyone out
  + AuditKeyMissing (AuditKeyError)  (unavailable) no signing key: create it with `aurigraph audit keygen`
  + AuditKeyExists (AuditKeyError)   (conflict) keygen refuses to replace an existing key
  + AuditLogTampered (AuditError)    (internal) the log no longer extends its last checkpoint
  + TreeSizeBeyondLog (InvalidInput) (invalid) a proof asked for a tree larger than the log

Other engineers: add your classes above this line in the tree and below in the code (additive edits only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.errors import AppError, Kind

if TYPE_CHECKING:
    from app.rwa.domain import Restriction


class RwaError(AppError):
    """Root of every registry error."""

    kind = Kind.REFUSED
    code = "REGISTRY_ERROR"


class AuditError(RwaError):
    kind = Kind.INTERNAL
    code = "AUDIT_ERROR"


class AuditChainConflict(AuditError):
    kind = Kind.CONFLICT
    code = "AUDIT_CONFLICT"

    def __init__(self, detail: str = "") -> None:
        suffix = f": {detail}" if detail else ""
        super().__init__(f"another transaction appended to the audit log first; retry{suffix}")


class AuditKeyError(AuditError):
    kind = Kind.INTERNAL
    code = "AUDIT_KEY_ERROR"


class AuditEntryNotFound(RwaError, LookupError):
    kind = Kind.NOT_FOUND
    code = "AUDIT_ENTRY_NOT_FOUND"

    def __init__(self, seq: int) -> None:
        super().__init__(f"audit entry {seq} not found")
        self.seq = seq


class AuditPayloadError(RwaError, ValueError):
    kind = Kind.INVALID
    code = "AUDIT_PAYLOAD_INVALID"


# ---- registry (assets, identities, ledger, documents, access) -------------------------------------------


class NotAuthenticated(RwaError):
    kind = Kind.UNAUTHENTICATED
    code = "UNAUTHENTICATED"

    def __init__(
        self, detail: str = "a valid API key is required (Authorization: Bearer <key> or X-API-Key)"
    ):
        super().__init__(detail)


class PermissionDenied(RwaError):
    kind = Kind.FORBIDDEN
    code = "FORBIDDEN"


class NotFound(RwaError, LookupError):
    kind = Kind.NOT_FOUND
    code = "NOT_FOUND"
    what = "resource"

    def __init__(self, key: object) -> None:
        super().__init__(f"{self.what} {key} not found")
        self.key = key


class AssetNotFound(NotFound):
    code = "ASSET_NOT_FOUND"
    what = "asset"


class IssuerNotFound(NotFound):
    code = "ISSUER_NOT_FOUND"
    what = "issuer"


class IdentityNotFound(NotFound):
    code = "IDENTITY_NOT_FOUND"
    what = "identity"


class WalletNotFound(NotFound):
    code = "WALLET_NOT_FOUND"
    what = "wallet"

    def __init__(self, key: object) -> None:
        RwaError.__init__(self, f"wallet {key} is not registered to any identity")
        self.key = key


class DocumentNotFound(NotFound):
    code = "DOCUMENT_NOT_FOUND"
    what = "document"


class ApiKeyNotFound(NotFound):
    code = "KEY_NOT_FOUND"
    what = "API key"


class AlreadyExists(RwaError):
    kind = Kind.CONFLICT
    code = "ALREADY_EXISTS"


class InvalidInput(RwaError, ValueError):
    kind = Kind.INVALID
    code = "INVALID_INPUT"


class InvalidUnits(InvalidInput):
    code = "INVALID_UNITS"

    def __init__(self, value: object) -> None:
        super().__init__(f"units must be a positive integer of base units, got {value!r}")


class InvalidStatusTransition(RwaError):
    kind = Kind.CONFLICT
    code = "INVALID_STATUS_TRANSITION"


class SupplyCapExceeded(RwaError):
    kind = Kind.CONFLICT
    code = "SUPPLY_CAP_EXCEEDED"

    def __init__(self, symbol: str, available: int) -> None:
        super().__init__(
            f"issuing that many units would exceed the authorized units of {symbol}; {available} left"
        )


class InsufficientUnits(RwaError):
    kind = Kind.CONFLICT
    code = "INSUFFICIENT_UNITS"

    def __init__(self, wallet: str, available: int, requested: int, what: str = "units") -> None:
        super().__init__(f"wallet {wallet} has {available} {what} available, {requested} requested")
        self.available = available
        self.requested = requested


class WalletIdentityMismatch(RwaError):
    kind = Kind.CONFLICT
    code = "WALLET_IDENTITY_MISMATCH"

    def __init__(self, new: str, lost: str) -> None:
        super().__init__(f"wallet {new} belongs to another identity than the lost wallet {lost}")


class TransferRestricted(RwaError):
    """A movement refused by a compliance rule; `restriction` is the ERC-1404 code (an IntEnum)."""

    def __init__(self, restriction: Restriction) -> None:
        super().__init__(restriction.message)
        self.restriction = restriction
        self.code = restriction.name  # ASSET_PAUSED, LOCKED_UP, ...

    def details(self) -> dict[str, Any]:
        return {"restriction_code": int(self.restriction)}


class AssetNotActive(TransferRestricted):
    kind = Kind.CONFLICT
    code = "ASSET_NOT_ACTIVE"


class InsufficientFreeBalance(TransferRestricted):
    kind = Kind.CONFLICT
    code = "INSUFFICIENT_FREE_BALANCE"


class ComplianceViolation(TransferRestricted):
    kind = Kind.INVALID
    code = "COMPLIANCE_VIOLATION"


class BatchRefused(RwaError):
    """A batch of transfers refused as a whole: transfer `index` broke `error.restriction`."""

    def __init__(self, index: int, error: TransferRestricted) -> None:
        super().__init__(f"transfer {index} of the batch was refused: {error}; nothing was settled")
        self.index = index
        self.error = error
        self.restriction = error.restriction
        self.kind, self.code = error.kind, error.code  # answered as the refused transfer's own error

    def details(self) -> dict[str, Any]:
        return {**self.error.details(), "index": self.index}


class PayloadTooLarge(RwaError):
    kind = Kind.TOO_LARGE
    code = "PAYLOAD_TOO_LARGE"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit} bytes")
        self.limit = limit


class DocumentCorrupted(RwaError):
    kind = Kind.INTERNAL
    code = "DOCUMENT_CORRUPTED"


class AlreadySeeded(RwaError):
    kind = Kind.CONFLICT
    code = "ALREADY_SEEDED"


class TransferNotCommitted(RwaError):
    """The shared transaction of a group commit failed: no transfer of the group was written; retry."""

    kind = Kind.UNAVAILABLE
    code = "NOT_COMMITTED"

    def __init__(self, cause: BaseException) -> None:
        what = type(cause).__name__
        super().__init__(f"the transaction carrying this transfer failed and wrote nothing ({what}); retry")


class NothingToRecover(RwaError):
    """ERC-3643's recoveryAddress refuses a wallet with no tokens: a 0-unit recovery would still register
    a wallet and revoke the lost one, so it is refused before anything is written."""

    kind = Kind.CONFLICT
    code = "NOTHING_TO_RECOVER"

    def __init__(self, wallet: str, symbol: str) -> None:
        super().__init__(f"wallet {wallet} holds no units of {symbol}: nothing to recover")


class LastAdminKey(RwaError):
    kind = Kind.CONFLICT
    code = "LAST_ADMIN_KEY"

    def __init__(self, prefix: str) -> None:
        super().__init__(f"key {prefix} is the last active admin key: create another admin key first")


class AuditKeyMissing(AuditKeyError):
    kind = Kind.UNAVAILABLE
    code = "AUDIT_KEY_MISSING"


class AuditKeyExists(AuditKeyError):
    kind = Kind.CONFLICT
    code = "AUDIT_KEY_EXISTS"


class AuditLogTampered(AuditError):
    pass


class TreeSizeBeyondLog(InvalidInput):
    code = "TREE_SIZE_BEYOND_LOG"

    def __init__(self, tree_size: int, size: int) -> None:
        super().__init__(f"tree size {tree_size} is beyond the log, which holds {size} entries")
