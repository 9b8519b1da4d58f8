"""Issuers: the legal entities behind assets (admin creates; issuers and auditors read)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.registry import IssuerIn, IssuerOut
from app.rwa.registry import assets
from app.rwa.registry.access import Permission

router = APIRouter(prefix="/issuers", tags=["issuers"])


@router.post("", status_code=201, response_model=IssuerOut, dependencies=allow(Permission.ISSUER_WRITE))
def create_issuer(body: IssuerIn, session: SessionDep, who: PrincipalDep) -> object:
    return assets.create_issuer(session, actor=who.actor, name=body.name, country=body.country, lei=body.lei)


@router.get("", response_model=list[IssuerOut], dependencies=allow(Permission.ISSUER_READ))
def list_issuers(session: SessionDep) -> object:
    return assets.list_issuers(session)
