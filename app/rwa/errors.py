"""Errors of the registry. Domain code raises these; `app/errors.py` alone maps them to HTTP status codes.

RwaError                        the root: everything the registry refuses or cannot do
  + AuditError                  (500) the audit log itself is unusable
  |   + AuditChainConflict      (409) a concurrent writer appended first; retry the whole transaction
  |   + AuditKeyError           (500) the checkpoint signing key file is missing, unreadable or malformed
  + AuditEntryNotFound          (404) no audit entry with that sequence number
  + AuditPayloadError           (422) a payload value has no canonical JSON form (float, naive datetime, ...)
  + NotAuthenticated            (401) no API key, or an unknown or revoked one
  + PermissionDenied            (403) the key's role or scope does not allow the action
  + NotFound (LookupError)      (404)
  |   + AssetNotFound, IssuerNotFound, IdentityNotFound, WalletNotFound, DocumentNotFound, ApiKeyNotFound
  + AlreadyExists               (409) a symbol, reference, address, name or key prefix taken
  + InvalidInput (ValueError)   (422) a value the registry cannot accept
  |   + InvalidUnits            (422) units must be positive integers (no floats, fractions or negatives)
  + InvalidStatusTransition     (409) e.g. redeemed -> active, or redeemed while units are outstanding
  + SupplyCapExceeded           (409) issuing beyond the asset's authorized units
  + InsufficientUnits           (409) redeem, freeze or forced transfer beyond the balance
  + WalletIdentityMismatch      (409) recovery to a wallet of another identity
  + TransferRestricted          carries an ERC-1404 restriction (code + message)
  |   + AssetNotActive          (409) ASSET_PAUSED / ASSET_NOT_ACTIVE
  |   + InsufficientFreeBalance (409) INSUFFICIENT_FREE_BALANCE
  |   + ComplianceViolation     (422) every other restriction
  + BatchRefused                (status of the refused transfer's error) a batch is all or nothing
  + PayloadTooLarge             (413) a document above the upload limit
  + DocumentCorrupted           (500) stored content no longer matches its SHA-256
  + AlreadySeeded               (409) `aurigraph demo` found its data already there
  + TransferNotCommitted        (503) the group transaction carrying a transfer failed; nothing was written
  + NothingToRecover            (409) recovery of a wallet that holds no units of the asset
  + LastAdminKey                (409) revoking the last active admin key would lock everyone out
  + AuditKeyMissing (AuditKeyError)  (503) no signing key: create it with `aurigraph audit keygen`
  + AuditKeyExists (AuditKeyError)   (409) keygen refuses to replace an existing key
  + AuditLogTampered (AuditError)    (500) the log no longer extends its last signed checkpoint: not signed
  + TreeSizeBeyondLog (InvalidInput) (422) a proof asked for a tree larger than the log

Other engineers: add your classes above this line in the tree and below in the code (additive edits only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.rwa.domain import Restriction


class RwaError(Exception):
    """Root of every registry error."""


class AuditError(RwaError):
    pass


class AuditChainConflict(AuditError):
    def __init__(self, detail: str = "") -> None:
        suffix = f": {detail}" if detail else ""
        super().__init__(f"another transaction appended to the audit log first; retry{suffix}")


class AuditKeyError(AuditError):
    pass


class AuditEntryNotFound(RwaError, LookupError):
    def __init__(self, seq: int) -> None:
        super().__init__(f"audit entry {seq} not found")
        self.seq = seq


class AuditPayloadError(RwaError, ValueError):
    pass


# ---- registry (assets, identities, ledger, documents, access) -------------------------------------------


class NotAuthenticated(RwaError):
    def __init__(
        self, detail: str = "a valid API key is required (Authorization: Bearer <key> or X-API-Key)"
    ):
        super().__init__(detail)


class PermissionDenied(RwaError):
    pass


class NotFound(RwaError, LookupError):
    kind = "resource"

    def __init__(self, key: object) -> None:
        super().__init__(f"{self.kind} {key} not found")
        self.key = key


class AssetNotFound(NotFound):
    kind = "asset"


class IssuerNotFound(NotFound):
    kind = "issuer"


class IdentityNotFound(NotFound):
    kind = "identity"


class WalletNotFound(NotFound):
    kind = "wallet"

    def __init__(self, key: object) -> None:
        RwaError.__init__(self, f"wallet {key} is not registered to any identity")
        self.key = key


class DocumentNotFound(NotFound):
    kind = "document"


class ApiKeyNotFound(NotFound):
    kind = "API key"


class AlreadyExists(RwaError):
    pass


class InvalidInput(RwaError, ValueError):
    pass


class InvalidUnits(InvalidInput):
    def __init__(self, value: object) -> None:
        super().__init__(f"units must be a positive integer of base units, got {value!r}")


class InvalidStatusTransition(RwaError):
    pass


class SupplyCapExceeded(RwaError):
    def __init__(self, symbol: str, available: int) -> None:
        super().__init__(
            f"issuing that many units would exceed the authorized units of {symbol}; {available} left"
        )


class InsufficientUnits(RwaError):
    def __init__(self, wallet: str, available: int, requested: int, what: str = "units") -> None:
        super().__init__(f"wallet {wallet} has {available} {what} available, {requested} requested")
        self.available = available
        self.requested = requested


class WalletIdentityMismatch(RwaError):
    def __init__(self, new: str, lost: str) -> None:
        super().__init__(f"wallet {new} belongs to another identity than the lost wallet {lost}")


class TransferRestricted(RwaError):
    """A movement refused by a compliance rule; `restriction` is the ERC-1404 code (an IntEnum)."""

    def __init__(self, restriction: Restriction) -> None:
        super().__init__(restriction.message)
        self.restriction = restriction


class AssetNotActive(TransferRestricted):
    pass


class InsufficientFreeBalance(TransferRestricted):
    pass


class ComplianceViolation(TransferRestricted):
    pass


class BatchRefused(RwaError):
    """A batch of transfers refused as a whole: transfer `index` broke `error.restriction`."""

    def __init__(self, index: int, error: TransferRestricted) -> None:
        super().__init__(f"transfer {index} of the batch was refused: {error}; nothing was settled")
        self.index = index
        self.error = error
        self.restriction = error.restriction


class PayloadTooLarge(RwaError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit} bytes")
        self.limit = limit


class DocumentCorrupted(RwaError):
    pass


class AlreadySeeded(RwaError):
    pass


class TransferNotCommitted(RwaError):
    """The shared transaction of a group commit failed: no transfer of the group was written; retry."""

    def __init__(self, cause: BaseException) -> None:
        what = type(cause).__name__
        super().__init__(f"the transaction carrying this transfer failed and wrote nothing ({what}); retry")


class NothingToRecover(RwaError):
    """ERC-3643's recoveryAddress refuses a wallet with no tokens: a 0-unit recovery would still register
    a wallet and revoke the lost one, so it is refused before anything is written."""

    def __init__(self, wallet: str, symbol: str) -> None:
        super().__init__(f"wallet {wallet} holds no units of {symbol}: nothing to recover")


class LastAdminKey(RwaError):
    def __init__(self, prefix: str) -> None:
        super().__init__(f"key {prefix} is the last active admin key: create another admin key first")


class AuditKeyMissing(AuditKeyError):
    pass


class AuditKeyExists(AuditKeyError):
    pass


class AuditLogTampered(AuditError):
    pass


class TreeSizeBeyondLog(InvalidInput):
    def __init__(self, tree_size: int, size: int) -> None:
        super().__init__(f"tree size {tree_size} is beyond the log, which holds {size} entries")
