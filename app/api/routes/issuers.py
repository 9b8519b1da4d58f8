"""Issuers: the legal entities behind assets (admin creates; issuers and auditors read)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import PrincipalDep, SessionDep
from app.api.schemas import IssuerIn, IssuerOut
from app.rwa import assets
from app.rwa.access import Permission

router = APIRouter(prefix="/issuers", tags=["issuers"])


@router.post("", status_code=201, response_model=IssuerOut)
def create_issuer(body: IssuerIn, session: SessionDep, who: PrincipalDep) -> object:
    who.require(Permission.ISSUER_WRITE)
    return assets.create_issuer(session, actor=who.actor, name=body.name, country=body.country, lei=body.lei)


@router.get("", response_model=list[IssuerOut])
def list_issuers(session: SessionDep, who: PrincipalDep) -> object:
    who.require(Permission.ISSUER_READ)
    return assets.list_issuers(session)
