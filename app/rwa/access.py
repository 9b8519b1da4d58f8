"""Roles, permissions and the principal behind an API key: the table every endpoint checks.

Scope: an issuer key acts for one issuer's assets, an agent key for named assets, an investor key for one
identity's wallets; admin, auditor and developer keys are unscoped (within what their role allows)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.rwa.domain import AssetStatus, Role
from app.rwa.errors import PermissionDenied
from app.rwa.identities import identity_of_wallet
from app.rwa.models import Asset

__all__ = ["Permission", "Principal", "Role", "check_own_wallet", "require_own_wallet", "status_permission"]


class Permission(enum.StrEnum):
    ASSET_READ = "asset:read"  # asset metadata and rules (public within the registry)
    ASSET_CREATE = "asset:create"
    ASSET_MANAGE = "asset:manage"  # status draft/active/redeemed, compliance rules   [asset-scoped]
    ASSET_PAUSE = "asset:pause"  # active <-> paused                                [asset-scoped]
    LEDGER_READ = "ledger:read"  # holdings and movements                            [asset-scoped]
    SUPPLY = "ledger:supply"  # issue and redeem                                     [asset-scoped]
    TRANSFER = "ledger:transfer"  # transfers and the pre-check                      [asset-scoped]
    ENFORCE = "ledger:enforce"  # freeze, forced transfer, recovery                  [asset-scoped]
    DOCS_READ = "docs:read"  # [asset-scoped]
    DOCS_WRITE = "docs:write"  # [asset-scoped]
    IDENTITY_READ = "identity:read"
    IDENTITY_WRITE = "identity:write"
    ISSUER_READ = "issuer:read"
    ISSUER_WRITE = "issuer:write"
    KEYS_ADMIN = "keys:admin"
    AUDIT_READ = "audit:read"  # entries, proofs, export


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ISSUER: frozenset(
        {P.ASSET_READ, P.ASSET_CREATE, P.ASSET_MANAGE, P.ASSET_PAUSE, P.LEDGER_READ, P.SUPPLY, P.TRANSFER}
        | {P.ENFORCE, P.DOCS_READ, P.DOCS_WRITE, P.IDENTITY_READ, P.IDENTITY_WRITE, P.ISSUER_READ}
    ),
    # ERC-3643 agents: mint/burn, pause, freeze, forced transfer, recovery; not the rules nor the documents
    Role.AGENT: frozenset(
        {P.ASSET_READ, P.ASSET_PAUSE, P.LEDGER_READ, P.SUPPLY, P.TRANSFER, P.ENFORCE, P.DOCS_READ}
        | {P.IDENTITY_READ, P.IDENTITY_WRITE}
    ),
    Role.AUDITOR: frozenset(
        {P.ASSET_READ, P.LEDGER_READ, P.DOCS_READ, P.IDENTITY_READ, P.ISSUER_READ, P.AUDIT_READ}
    ),
    Role.DEVELOPER: frozenset({P.ASSET_READ}),
    # investors: their own identity, holdings and transfers (checked against their wallets by the API)
    Role.INVESTOR: frozenset({P.ASSET_READ, P.TRANSFER}),
}
ASSET_SCOPED = frozenset(
    {P.ASSET_MANAGE, P.ASSET_PAUSE, P.LEDGER_READ, P.SUPPLY, P.TRANSFER, P.ENFORCE, P.DOCS_READ, P.DOCS_WRITE}
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


def check_own_wallet(who: Principal, address: str, identity_id: int | None) -> None:
    """`require_own_wallet` for a wallet already loaded: `identity_id` is its identity (None: unknown)."""
    if who.role is Role.INVESTOR and identity_id != who.identity_id:
        raise PermissionDenied(f"wallet {address} is not one of this investor's wallets")
