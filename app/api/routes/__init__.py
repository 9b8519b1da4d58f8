"""REST routers under /v1: thin (parse, authorize, call a service, serialize)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes.oracles import alerts, collateral
from app.api.routes.oracles import feeds as feed_routes
from app.api.routes.oracles import valuation as valuation_routes
from app.api.routes.registry import (
    assets,
    audit,
    documents,
    identities,
    issuers,
    keys,
    ledger,
    tokenization,
)

router = APIRouter(prefix="/v1")
for module in (issuers, assets, ledger, tokenization, documents, identities, keys, audit, collateral, alerts):
    router.include_router(module.router)
for module in (feed_routes, valuation_routes):  # oracles and valuation
    router.include_router(module.router)
