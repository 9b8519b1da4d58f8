"""Who may onboard an identity, and who may change it afterwards (issue 11, item 1).

An identity is onboarded by an issuer (or an admin), recorded as `Identity.onboarded_by_issuer_id`. Only
that issuer's keys, the agents of that issuer's assets, and admins may change its KYC or add wallets to
it: a verified identity is trusted by every issuer's compliance rules, so a key of another issuer that
could re-verify it, or attach a wallet to it, could let an unverified holder through everywhere.
An identity an admin onboarded (and every identity older than this rule) is an admin's alone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.domain import Role
from app.rwa.errors import InvalidInput, PermissionDenied
from app.rwa.models import Asset
from app.rwa.registry.access import Permission, Principal
from app.rwa.repo import identity_by_id


def agent_issuers(session: Session, who: Principal) -> set[int]:
    """The issuers of the assets an agent key acts for."""
    if not who.asset_ids:
        return set()
    return set(session.scalars(select(Asset.issuer_id).where(Asset.id.in_(who.asset_ids)).distinct()))


def onboarding_issuer(session: Session, who: Principal, requested: int | None) -> int | None:
    """The issuer an identity created by `who` is onboarded for (None: by an admin).

    An admin names one or none; an issuer key onboards for its own issuer; an agent key for the issuer of
    its assets (it names one when its assets belong to several)."""
    who.require(Permission.IDENTITY_WRITE)
    if who.role is Role.ADMIN:
        return requested
    if who.role is Role.ISSUER:
        if requested not in (None, who.issuer_id):
            raise PermissionDenied("an issuer key onboards identities for its own issuer only")
        return who.issuer_id
    issuers = agent_issuers(session, who)
    if requested is None:
        if len(issuers) != 1:
            raise InvalidInput("this agent acts for assets of several issuers: give issuer_id")
        return next(iter(issuers))
    if requested not in issuers:
        raise PermissionDenied(f"this agent acts for no asset of issuer {requested}")
    return requested


def require_steward(session: Session, who: Principal, identity_id: int) -> None:
    """Refuse (403) unless `who` may change this identity's KYC or wallets; unknown identity: 404."""
    who.require(Permission.IDENTITY_WRITE)
    if who.role is Role.ADMIN:
        return
    issuer = identity_by_id(session, identity_id).onboarded_by_issuer_id
    if issuer is not None:
        if who.role is Role.ISSUER and who.issuer_id == issuer:
            return
        if who.role is Role.AGENT and issuer in agent_issuers(session, who):
            return
    raise PermissionDenied(
        f"identity {identity_id} was onboarded by "
        + ("an admin" if issuer is None else f"issuer {issuer}")
        + ": only that issuer, the agents of its assets or an admin may change its KYC or wallets"
    )
