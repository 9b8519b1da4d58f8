"""Identities: KYC status and expiry, country, investor category, wallets, and their holdings."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.registry import Cursor, Id, IdentityIn, IdentityOut, KycIn, PositionOut, WalletIn
from app.rwa.domain import Role
from app.rwa.registry import assets, identities, identity_access
from app.rwa.registry.access import Permission
from app.rwa.repo import asset_by_symbol

router = APIRouter(prefix="/identities", tags=["identities"])


@router.post("", status_code=201, response_model=IdentityOut, dependencies=allow(Permission.IDENTITY_WRITE))
def create_identity(body: IdentityIn, session: SessionDep, who: PrincipalDep) -> object:
    issuer_id = identity_access.onboarding_issuer(session, who, body.issuer_id)
    fields = body.model_dump(exclude={"issuer_id"})
    return identities.create_identity(session, actor=who.actor, issuer_id=issuer_id, **fields)


@router.get("", response_model=list[IdentityOut], dependencies=allow(Permission.IDENTITY_READ))
def list_identities(
    session: SessionDep,
    who: PrincipalDep,
    offset: Cursor = 0,
    limit: int = Query(100, ge=1, le=1000),
) -> object:
    who.require(Permission.IDENTITY_READ)
    return identities.list_identities(session, offset=offset, limit=limit)


@router.get("/{identity_id}", response_model=IdentityOut, dependencies=allow(Permission.IDENTITY_OWN))
def get_identity(identity_id: Id, session: SessionDep, who: PrincipalDep) -> object:
    who.require_identity(identity_id)
    return identities.get_identity(session, identity_id)


@router.put("/{identity_id}/kyc", response_model=IdentityOut, dependencies=allow(Permission.IDENTITY_WRITE))
def update_kyc(identity_id: Id, body: KycIn, session: SessionDep, who: PrincipalDep) -> object:
    identity_access.require_steward(session, who, identity_id)
    identities.update_kyc(session, actor=who.actor, identity_id=identity_id, **body.model_dump())
    return identities.get_identity(session, identity_id)


@router.post(
    "/{identity_id}/wallets",
    status_code=201,
    response_model=IdentityOut,
    dependencies=allow(Permission.IDENTITY_WRITE),
)
def add_wallet(identity_id: Id, body: WalletIn, session: SessionDep, who: PrincipalDep) -> object:
    identity_access.require_steward(session, who, identity_id)
    identities.add_wallet(session, actor=who.actor, identity_id=identity_id, address=body.address)
    return identities.get_identity(session, identity_id)


@router.get(
    "/{identity_id}/holdings", response_model=list[PositionOut], dependencies=allow(Permission.IDENTITY_OWN)
)
def holdings(identity_id: Id, session: SessionDep, who: PrincipalDep) -> object:
    """The identity's positions in the assets the caller may see the ledger of (an investor: all its own)."""
    who.require_identity(identity_id)
    identities.get_identity(session, identity_id)
    own = who.role is Role.INVESTOR
    return [
        p
        for p in assets.positions(session, identity_id=identity_id)
        if own or who.can(Permission.LEDGER_READ, asset_by_symbol(session, p.asset))
    ]
