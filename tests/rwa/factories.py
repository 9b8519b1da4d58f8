"""Plain factory functions for registry tests: each writes through the services (so audit entries too)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.rwa.audit.models import AuditEntry
from app.rwa.models import Asset, Holding, Issuer
from app.rwa.registry import assets, identities, keys
from app.rwa.registry.assets import RulesInput

ACTOR = "test"
_seq = itertools.count(1)


def address(label: object) -> str:
    return "0x" + hashlib.sha256(f"test-wallet:{label}".encode()).hexdigest()[:40]


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def make_issuer(session: Session, **overrides: Any) -> Issuer:
    fields = {"name": unique("Issuer "), "country": 276} | overrides
    return assets.create_issuer(session, actor=ACTOR, **fields)


def make_asset(
    session: Session, *, issuer: Issuer | None = None, status: str = "active", **overrides: Any
) -> Asset:
    rules = overrides.pop("rules", None)
    fields = {
        "symbol": unique("T"),
        "name": "Test asset",
        "asset_class": "real_estate",
        "jurisdiction": "DE",
        "currency": "EUR",
    } | overrides
    issuer = issuer or make_issuer(session)
    asset = assets.create_asset(
        session, actor=ACTOR, issuer_id=issuer.id, rules=RulesInput(**(rules or {})), **fields
    )
    if status != "draft":
        assets.set_status(session, actor=ACTOR, symbol=asset.symbol, status="active")
    if status in ("paused", "redeemed"):
        assets.set_status(session, actor=ACTOR, symbol=asset.symbol, status=status)
    return asset


def make_investor(session: Session, *wallets: str, **overrides: Any) -> int:
    """A verified identity (KYC valid for a year) holding `wallets` (default: one fresh wallet)."""
    ref = unique("ref-")
    fields = {
        "reference": ref,
        "label": f"Investor {ref}",
        "country": 276,
        "category": "professional",
        "kyc_status": "verified",
        "kyc_expires_at": datetime.now(UTC) + timedelta(days=365),
        "wallets": list(wallets) or [address(ref)],
    } | overrides
    return identities.create_identity(session, actor=ACTOR, **fields).id


def make_key(session: Session, role: str, **scope: Any) -> str:
    _, token = keys.create_key(session, actor=ACTOR, role=role, name=unique(role), **scope)
    return token


def ledger_state(session: Session) -> list[tuple[Any, ...]]:
    """Every holding and asset supply, to compare before/after a refused request."""
    holdings = session.execute(
        select(
            Holding.asset_id, Holding.wallet_id, Holding.balance, Holding.frozen_units, Holding.frozen
        ).order_by(Holding.asset_id, Holding.wallet_id)
    ).all()
    supply = session.execute(select(Asset.id, Asset.issued_units, Asset.status).order_by(Asset.id)).all()
    return [tuple(r) for r in holdings if r[2] or r[3] or r[4]] + [tuple(r) for r in supply]


def audit_size(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
