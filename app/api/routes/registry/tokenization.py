"""Tokenization of a registry asset: ``POST /v1/assets/{symbol}/tokenize`` deploys its T-REX token on our
chain with its rules as compliance modules and its holdings minted, after which the token is the asset's
book of record (app/rwa/onchain). The issuer of the asset or an admin; refusals come before any deploy."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import OnchainDep, PrincipalDep, SessionDep, allow
from app.rwa.onchain.tokenize import tokenize
from app.rwa.registry.access import Permission
from app.rwa.repo import asset_by_symbol

router = APIRouter(prefix="/assets/{symbol}", tags=["tokenization"])


class TokenizedOut(BaseModel):
    symbol: str
    token: str
    identity_registry: str
    compliance: str
    block_number: int


@router.post(
    "/tokenize", status_code=201, response_model=TokenizedOut, dependencies=allow(Permission.TOKENIZE)
)
def tokenize_asset(symbol: str, session: SessionDep, who: PrincipalDep, onchain: OnchainDep) -> object:
    """Rules the suite cannot express (investor categories...) and holders its token could not take are
    refused (422, naming the rule) before anything is deployed; an asset tokenized already is a 409."""
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.TOKENIZE, asset)
    done = tokenize(onchain, asset.symbol, actor=who.actor)
    return TokenizedOut(
        symbol=done.symbol,
        token=done.token,
        identity_registry=done.identity_registry,
        compliance=done.compliance,
        block_number=done.block_number,
    )
