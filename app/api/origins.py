"""What web pages may reach: the Origin allow-list of the JSON-RPC WebSocket, and CORS for the REST API.

A web page can open a WebSocket to any host (browsers send its Origin but apply no same-origin rule), so
the server checks the Origin itself. A request without an Origin header does not come from a web page
(web3.py, cast, wscat...) and is allowed. CORS is for the REST API under /v1 only, and off unless origins
are configured: JSON-RPC over HTTP is never opened to pages (it takes application/json only, which a page
cannot send cross-origin without a preflight that finds no CORS answer)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """Whether a browser ``origin`` may connect. Entries are exact origins (``https://app.example``),
    ``scheme://host:*`` for any port of a host, or ``*`` for every origin."""
    if origin is None:
        return True
    origin = origin.strip().lower()
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern == "*" or pattern == origin:
            return True
        if pattern.endswith(":*") and _same_host(origin, pattern[:-2]):
            return True
    return False


def _same_host(origin: str, scheme_host: str) -> bool:
    try:
        got, want = urlsplit(origin), urlsplit(scheme_host)
        if got.port is not None and not 0 < got.port < 65536:
            return False
    except ValueError:  # a port that is not a number
        return False
    return bool(got.scheme == want.scheme and got.hostname and got.hostname == want.hostname)


class RestCors:
    """CORSMiddleware for paths under ``/v1`` only (the REST API); everything else passes untouched."""

    def __init__(self, app: Any, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
