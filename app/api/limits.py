"""Request bodies bounded before routing: an ASGI middleware for every REST request.

- A declared Content-Length above the limit is refused up front with 413 (nothing of the body is read).
- A body without one (chunked) is counted as it streams; past the limit whatever the app made of the cut-off
  body is dropped and the client gets the same 413.
- A large or unsized body to `/v1` is read only for a valid API key: the key is checked first, so an
  anonymous client cannot make the server take in megabytes just to be told 401.

The document upload route has its own, larger limit (`max_upload_bytes`); everything else `max_body_bytes`.
JSON-RPC (`POST /` and `/rpc`) is left to its own handler, which bounds the body with the same setting and
answers in JSON-RPC's error form. Refusals are RFC 9457 problem documents, as every REST error."""

from __future__ import annotations

import re
from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import problem, status_and_code
from app.rwa.errors import NotAuthenticated
from app.rwa.registry import keys

_RPC_PATHS = frozenset(("/", "/rpc"))
_UPLOAD = re.compile(r"^/v1/assets/[^/]+/documents/[^/]+$")
# bodies up to this size are read before the route authenticates (as any small request); larger or
# unsized ones only after the key was checked here
AUTH_FIRST_ABOVE = 64 * 1024


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"] == "POST" and scope["path"] in _RPC_PATHS):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.max_upload if scope["method"] == "POST" and _UPLOAD.match(path) else self.max_body
        declared, chunked = _length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit, scope, receive, send)
            return
        if path.startswith("/v1/") and (chunked or (declared or 0) > AUTH_FIRST_ABOVE):
            refusal = await _authenticate(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size, exceeded, started = 0, False, False

        async def counted_receive() -> Message:
            nonlocal size, exceeded
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a cut-off body: ours replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await _too_large(limit, scope, receive, send)


def _length(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None when absent or not a number) and whether the body is chunked."""
    declared, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            declared = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return declared, chunked


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    detail = f"the request body is larger than the limit of {limit} bytes"
    response = problem(413, "PAYLOAD_TOO_LARGE", detail, limit=limit)
    await response(scope, receive, send)


async def _authenticate(scope: Scope) -> Any:
    """None when the request carries a valid API key, else the 401 response to send instead."""
    token = _token(scope)
    if token is not None:
        sessionmaker = scope["app"].state.sessionmaker

        def check() -> None:
            with sessionmaker.begin() as session:
                keys.authenticate(session, token)

        try:
            await to_thread.run_sync(check)
            return None
        except NotAuthenticated as exc:
            error: NotAuthenticated = exc
    else:
        error = NotAuthenticated()
    status, code = status_and_code(error)
    return problem(status, code, str(error), {"WWW-Authenticate": "Bearer"})


def _token(scope: Scope) -> str | None:
    """The API key as app/api/deps.py reads it: `Authorization: Bearer <key>`, else `X-API-Key`."""
    headers: dict[bytes, str] = {name: value.decode("latin-1") for name, value in scope["headers"]}
    scheme, _, value = headers.get(b"authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get(b"x-api-key") or None
