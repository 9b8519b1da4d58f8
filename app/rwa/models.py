"""Tables of the registry: issuers, assets and their compliance rules, identities and wallets, holdings,
the movements that changed them, documents with their versions, and API keys.

Units are exact integers (`Units`: NUMERIC(78,0) on PostgreSQL); a holding is one (asset, wallet) row that
also carries the wallet's identity, so per-identity balances and holder counts need no join."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.rwa.coltypes import Units, UtcDateTime


class Issuer(Base):
    __tablename__ = "rwa_issuer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    lei: Mapped[str | None] = mapped_column(String(20))  # ISO 17442 legal entity identifier
    country: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class Asset(Base):
    __tablename__ = "rwa_asset"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    asset_class: Mapped[str] = mapped_column(String(32), nullable=False)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("rwa_issuer.id"), nullable=False, index=True)
    jurisdiction: Mapped[str] = mapped_column(String(16), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    decimals: Mapped[int] = mapped_column(Integer, nullable=False)
    max_units: Mapped[int | None] = mapped_column(Units)  # authorized cap; None = uncapped
    issued_units: Mapped[int] = mapped_column(Units, nullable=False)  # outstanding supply
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    issuer: Mapped[Issuer] = relationship(lazy="joined")
    rules: Mapped[ComplianceRules] = relationship(lazy="joined", uselist=False)


class ComplianceRules(Base):
    """One row per asset; each column is one ERC-3643-style compliance module (NULL = module off)."""

    __tablename__ = "rwa_compliance_rules"
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), primary_key=True)
    allowed_countries: Mapped[list[int] | None] = mapped_column(JSON)
    denied_countries: Mapped[list[int] | None] = mapped_column(JSON)
    allowed_categories: Mapped[list[str] | None] = mapped_column(JSON)
    max_holders: Mapped[int | None] = mapped_column(Integer)
    max_balance: Mapped[int | None] = mapped_column(Units)  # per identity, summed over its wallets
    min_transfer: Mapped[int | None] = mapped_column(Units)
    lockup_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Identity(Base):
    __tablename__ = "rwa_identity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)  # KYC provider's id
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    country: Mapped[int] = mapped_column(Integer, nullable=False)  # ISO 3166-1 numeric
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    kyc_status: Mapped[str] = mapped_column(String(16), nullable=False)
    kyc_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # the issuer that onboarded it (None: an admin): only that issuer, the agents of its assets and admins
    # may change its KYC or wallets
    onboarded_by_issuer_id: Mapped[int | None] = mapped_column(ForeignKey("rwa_issuer.id"))

    wallets: Mapped[list[Wallet]] = relationship(back_populates="identity", order_by="Wallet.id")


class Wallet(Base):
    __tablename__ = "rwa_wallet"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(42), nullable=False, unique=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("rwa_identity.id"), nullable=False, index=True)
    # set when the wallet was reported lost and recovered: it no longer counts as verified anywhere
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    identity: Mapped[Identity] = relationship(back_populates="wallets")


class Holding(Base):
    __tablename__ = "rwa_holding"
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), primary_key=True)
    wallet_id: Mapped[int] = mapped_column(ForeignKey("rwa_wallet.id"), primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("rwa_identity.id"), nullable=False)
    balance: Mapped[int] = mapped_column(Units, nullable=False)
    frozen_units: Mapped[int] = mapped_column(Units, nullable=False)  # partial freeze, <= balance
    frozen: Mapped[bool] = mapped_column(Boolean, nullable=False)  # the whole wallet, for this asset

    __table_args__ = (Index("ix_rwa_holding_asset_identity", "asset_id", "identity_id"),)


class Movement(Base):
    """Every change of holdings: issue, redeem, transfer, forced transfer, recovery."""

    __tablename__ = "rwa_movement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    from_wallet_id: Mapped[int | None] = mapped_column(ForeignKey("rwa_wallet.id"))
    to_wallet_id: Mapped[int | None] = mapped_column(ForeignKey("rwa_wallet.id"))
    units: Mapped[int] = mapped_column(Units, nullable=False)
    frozen_units_moved: Mapped[int] = mapped_column(Units, nullable=False)
    overridden: Mapped[list[str] | None] = mapped_column(JSON)  # rules a forced transfer overrode
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class Document(Base):
    """An ERC-1643 document slot of an asset (name -> versions); content lives on disk by SHA-256."""

    __tablename__ = "rwa_document"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    versions: Mapped[list[DocumentVersion]] = relationship(order_by="DocumentVersion.version")
    __table_args__ = (UniqueConstraint("asset_id", "name", name="uq_rwa_document_asset_id_name"),)


class DocumentVersion(Base):
    __tablename__ = "rwa_document_version"
    document_id: Mapped[int] = mapped_column(ForeignKey("rwa_document.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class ApiKey(Base):
    """An API key: only the SHA-256 of the token is stored; `prefix` is its public, loggable id."""

    __tablename__ = "rwa_api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("rwa_issuer.id"))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("rwa_identity.id"))
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    assets: Mapped[list[ApiKeyAsset]] = relationship(lazy="selectin")


class ApiKeyAsset(Base):
    """The assets an agent key acts for."""

    __tablename__ = "rwa_api_key_asset"
    key_id: Mapped[int] = mapped_column(ForeignKey("rwa_api_key.id"), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), primary_key=True)
