"""REST routers under /v1: thin (parse, authorize, call a service, serialize)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import alerts, assets, audit, collateral, documents, identities, issuers, keys, ledger
from app.api.routes import feeds as feed_routes
from app.api.routes import valuation as valuation_routes

router = APIRouter(prefix="/v1")
for module in (issuers, assets, ledger, documents, identities, keys, audit, collateral, alerts):
    router.include_router(module.router)
for module in (feed_routes, valuation_routes):  # oracles and valuation
    router.include_router(module.router)
