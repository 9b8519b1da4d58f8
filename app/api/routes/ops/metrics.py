"""`GET /metrics`: the service's Prometheus metrics (app.metrics.REGISTRY) in the text exposition format.

Public on purpose (declared with PUBLIC_ROUTE, listed in the permission test): it carries operational
figures only — feed pairs, ages, counts of reads, guard failures and alerts, round durations, availability —
never a holding, an identity, a value or a key, and Prometheus scrapes without credentials by default.
Operators who want it private keep it off the public network, as is usual for a scrape endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import PUBLIC_ROUTE
from app.metrics import REGISTRY

router = APIRouter(tags=["operations"])


@router.get("/metrics", dependencies=PUBLIC_ROUTE, response_class=Response, include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
