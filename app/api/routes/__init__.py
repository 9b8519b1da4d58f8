"""REST routers under /v1: thin (parse, authorize, call a service, serialize)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import assets, audit, chain, contracts, documents, identities, issuers, keys, ledger

router = APIRouter(prefix="/v1")
for module in (issuers, assets, ledger, documents, identities, keys, audit, contracts, chain):
    router.include_router(module.router)
