"""`GET /dashboard`: the operators' page (app/web/), and its static files, served by the app itself.

The page is public and holds no data: it asks the REST API under /v1 with the API key the user gives it
(typed into the page, or in the URL fragment `#key=...`, which browsers never send to a server), so a
key sees on the dashboard exactly what it may see through the API. Chart.js is served from the npm package
installed by the set-up (node_modules/chart.js), never from a CDN: the page works offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from app.api.deps import PUBLIC_ROUTE

WEB = Path(__file__).resolve().parents[3] / "web"
CHART_JS = Path(__file__).resolve().parents[4] / "node_modules" / "chart.js" / "dist"

router = APIRouter(tags=["operations"])


@router.get("/dashboard", dependencies=PUBLIC_ROUTE, response_class=FileResponse, include_in_schema=False)
def dashboard() -> FileResponse:
    # no-store: a new release's page is never mixed with an old cached script
    return FileResponse(WEB / "dashboard.html", headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    """The page, its script and style, and Chart.js's UMD build (read-only files, public like the page)."""
    app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=WEB), name="dashboard-static")
    app.mount("/dashboard/vendor/chart.js", StaticFiles(directory=CHART_JS, check_dir=False), name="chart-js")
