"""Roles, permissions and the principal behind an API key: the table every endpoint checks.

Scope: an issuer key acts for one issuer's assets, an agent key for named assets, an investor key for one
identity's wallets; admin, auditor and developer keys are unscoped (within what their role allows).
Two rules beyond the table: a plain transfer moves only the key's own identity's units (`check_holder`),
and an identity is changed only by its stewards (app/rwa/registry/identity_access.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.rwa.domain import AssetStatus, Role
from app.rwa.errors import PermissionDenied
from app.rwa.models import Asset
from app.rwa.registry.identities import identity_of_wallet

__all__ = [
    "Permission",
    "Principal",
    "Role",
    "check_holder",
    "check_own_wallet",
    "require_holder",
    "require_own_wallet",
    "status_permission",
]


class Permission(enum.StrEnum):
    """Every REST route declares exactly one of these (`Depends(require(Permission.X))` in app/api/deps.py);
    a role holds the permissions listed for it in ROLE_PERMISSIONS. [asset-scoped] ones are checked again
    against the asset a route acts on (an issuer's own assets, an agent's named assets)."""

    ASSET_READ = "asset:read"  # asset metadata and rules (public within the registry)
    ASSET_CREATE = "asset:create"
    ASSET_MANAGE = "asset:manage"  # status draft/active/redeemed, compliance rules   [asset-scoped]
    ASSET_PAUSE = "asset:pause"  # active <-> paused                                [asset-scoped]
    TOKENIZE = "asset:tokenize"  # its T-REX token on our chain becomes its book      [asset-scoped]
    LEDGER_READ = "ledger:read"  # holdings and movements                            [asset-scoped]
    SUPPLY = "ledger:supply"  # issue and redeem                                     [asset-scoped]
    TRANSFER_CHECK = "ledger:check"  # the can-transfer pre-check                    [asset-scoped]
    # a plain transfer, only out of the key's own identity's wallets: only a holder moves its own units;
    # anyone else moving them uses ENFORCE (forced transfer: reason and overridden rules recorded)
    TRANSFER = "ledger:transfer"  # [asset-scoped]
    ENFORCE = "ledger:enforce"  # freeze, forced transfer, recovery                  [asset-scoped]
    DOCS_READ = "docs:read"  # [asset-scoped]
    DOCS_WRITE = "docs:write"  # [asset-scoped]
    IDENTITY_READ = "identity:read"  # every identity (PII)
    IDENTITY_OWN = "identity:own"  # one identity and its holdings: readers of all, or an investor its own
    IDENTITY_WRITE = "identity:write"  # onboard; KYC and wallets of the identities of one's issuer
    ISSUER_READ = "issuer:read"
    ISSUER_WRITE = "issuer:write"
    KEYS_ADMIN = "keys:admin"
    KEY_SELF = "keys:self"  # the key's own description (GET /v1/keys/me)
    AUDIT_READ = "audit:read"  # entries, proofs, export
    CHAIN_READ = "chain:read"  # blocks, transactions, the contract registry
    CONTRACT_CALL = "contract:call"  # read-only contract calls
    CONTRACT_WRITE = "contract:write"  # compile and verify (run solc), deploy, transact, upgrade
    # oracles, valuation, collateral, alerts: for their routes (owners: adjust the grants below)
    FEED_READ = "feed:read"
    FEED_WRITE = "feed:write"
    VALUATION_READ = "valuation:read"
    VALUATION_WRITE = "valuation:write"
    COLLATERAL_READ = "collateral:read"
    COLLATERAL_WRITE = "collateral:write"
    ALERT_READ = "alert:read"
    ALERT_WRITE = "alert:write"


P = Permission
_EVERYONE = frozenset({P.ASSET_READ, P.KEY_SELF, P.CHAIN_READ, P.FEED_READ})
_OPERATOR = frozenset(  # what issuers and agents share
    {P.ASSET_PAUSE, P.LEDGER_READ, P.SUPPLY, P.TRANSFER_CHECK, P.ENFORCE, P.DOCS_READ}
    | {P.IDENTITY_READ, P.IDENTITY_OWN, P.IDENTITY_WRITE, P.VALUATION_READ, P.COLLATERAL_READ, P.ALERT_READ}
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # everything but a plain transfer: an admin holds no wallet, and moves units by forced transfer only
    Role.ADMIN: frozenset(Permission) - {P.TRANSFER},
    Role.ISSUER: _EVERYONE
    | _OPERATOR
    | {P.ASSET_CREATE, P.ASSET_MANAGE, P.TOKENIZE, P.DOCS_WRITE, P.ISSUER_READ, P.COLLATERAL_WRITE},
    # ERC-3643 agents: mint/burn, pause, freeze, forced transfer, recovery; not the rules nor the documents
    Role.AGENT: _EVERYONE | _OPERATOR,
    Role.AUDITOR: _EVERYONE
    | {P.LEDGER_READ, P.DOCS_READ, P.IDENTITY_READ, P.IDENTITY_OWN, P.ISSUER_READ, P.AUDIT_READ}
    | {P.CONTRACT_CALL, P.VALUATION_READ, P.COLLATERAL_READ, P.ALERT_READ},
    Role.DEVELOPER: _EVERYONE | {P.CONTRACT_CALL, P.CONTRACT_WRITE},
    # investors: their own identity, holdings and transfers (checked against their wallets)
    Role.INVESTOR: _EVERYONE | {P.IDENTITY_OWN, P.TRANSFER_CHECK, P.TRANSFER},
}
ASSET_SCOPED = frozenset(
    {P.ASSET_MANAGE, P.ASSET_PAUSE, P.LEDGER_READ, P.SUPPLY, P.TRANSFER_CHECK, P.TRANSFER, P.ENFORCE}
    | {P.DOCS_READ, P.DOCS_WRITE, P.VALUATION_READ, P.COLLATERAL_READ, P.COLLATERAL_WRITE, P.ALERT_READ}
)


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: int
    prefix: str
    role: Role
    issuer_id: int | None = None
    identity_id: int | None = None
    asset_ids: frozenset[int] = frozenset()

    @property
    def actor(self) -> str:
        return f"key:{self.prefix}"

    def can(self, permission: Permission, asset: Asset | None = None) -> bool:
        if permission not in ROLE_PERMISSIONS[self.role]:
            return False
        if asset is None or permission not in ASSET_SCOPED:
            return True
        if self.role is Role.ISSUER:
            return asset.issuer_id == self.issuer_id
        if self.role is Role.AGENT:
            return asset.id in self.asset_ids
        return True

    def may_see_identity(self, identity_id: int) -> bool:
        """Identities are PII: readers of the registry see them all, an investor only its own."""
        return self.can(P.IDENTITY_READ) or (self.role is Role.INVESTOR and self.identity_id == identity_id)

    def require_identity(self, identity_id: int) -> None:
        if not self.may_see_identity(identity_id):
            raise PermissionDenied(f"role {self.role.value} may not read identity {identity_id}")

    def require(self, permission: Permission, asset: Asset | None = None) -> None:
        if not self.can(permission, asset):
            where = f" on asset {asset.symbol}" if asset is not None else ""
            raise PermissionDenied(f"role {self.role.value} may not {permission.value}{where}")


def status_permission(current: str, target: str) -> Permission:
    """Pausing and resuming is an agent's tool (ERC-3643 pause); every other status change is the issuer's."""
    pause = {(AssetStatus.ACTIVE, AssetStatus.PAUSED), (AssetStatus.PAUSED, AssetStatus.ACTIVE)}
    return P.ASSET_PAUSE if (current, target) in pause else P.ASSET_MANAGE


def require_own_wallet(session: Session, who: Principal, address: str) -> None:
    """An investor moves units only out of its own identity's wallets."""
    if who.role is Role.INVESTOR:
        check_own_wallet(who, address, identity_of_wallet(session, address))


def require_holder(session: Session, who: Principal, address: str) -> None:
    """`check_holder` for a wallet given by its address."""
    check_holder(who, address, identity_of_wallet(session, address))


def check_own_wallet(who: Principal, address: str, identity_id: int | None) -> None:
    """`require_own_wallet` for a wallet already loaded: `identity_id` is its identity (None: unknown)."""
    if who.role is Role.INVESTOR and identity_id != who.identity_id:
        raise PermissionDenied(f"wallet {address} is not one of this investor's wallets")


def check_holder(who: Principal, address: str, identity_id: int | None) -> None:
    """A plain transfer moves units only out of a wallet of the key's own identity, whatever its role:
    moving someone else's units is a forced transfer, which records its reason and the rules it overrode."""
    if identity_id is None or identity_id != who.identity_id:
        raise PermissionDenied(
            f"wallet {address} is not this key's own: a plain transfer moves only the holder's units; "
            "an agent, issuer or admin moves them with a forced transfer (POST .../forced-transfers)"
        )
