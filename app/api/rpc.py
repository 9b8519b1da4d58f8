"""JSON-RPC over HTTP: POST on / and /rpc, single and batch requests, bounded body and batch size.

Every client mistake is answered with a JSON-RPC error (HTTP 200, as geth and anvil do), never a 500;
an oversize body gets 413 with a JSON-RPC error body. Only ``application/json`` is taken (as geth: also
``application/json-rpc`` and ``application/jsonrequest``): any other or no Content-Type gets 415 with a
JSON-RPC error, so a web page cannot send JSON-RPC as a CORS "simple request" (``text/plain``, a typeless
Blob), which a browser sends cross-origin without asking the server first."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

router = APIRouter(tags=["json-rpc"])

_JSON = "application/json"
_ACCEPTED = frozenset((_JSON, "application/json-rpc", "application/jsonrequest"))


def content_type_refusal(content_type: str | None) -> tuple[int, bytes] | None:
    """The 415 answer for a POST whose Content-Type is not JSON, or None when it is."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _ACCEPTED:
        return None
    shown = media[:100] or "none"
    return 415, _error_body(
        -32600, f"unsupported content type {shown!r}: JSON-RPC over HTTP must be sent as {_JSON}"
    )


def _error_body(code: int, message: str) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}})


def answer(body: bytes | None, settings: Any, rpc: Any) -> tuple[int, bytes | None]:
    """HTTP status and response body for one POSTed JSON-RPC body (None: it was over the size limit);
    a None response body is a notification's empty answer (204)."""
    parsed = _parse(body, settings)
    return parsed if isinstance(parsed, tuple) else respond(parsed.payload, settings, rpc)


class _Parsed:
    __slots__ = ("payload",)

    def __init__(self, payload: Any) -> None:
        self.payload = payload


def _parse(body: bytes | None, settings: Any) -> tuple[int, bytes | None] | _Parsed:
    """The decoded request, or the HTTP answer to a body that is too large or not JSON."""
    if body is None:
        return 413, _error_body(-32600, f"request body larger than {settings.max_body_bytes} bytes")
    try:
        return _Parsed(orjson.loads(body))
    except orjson.JSONDecodeError:
        return 200, _error_body(-32700, "parse error: invalid JSON")


def respond(payload: Any, settings: Any, rpc: Any) -> tuple[int, bytes | None]:
    if isinstance(payload, list):
        if not payload:
            return 200, _error_body(-32600, "invalid request: empty batch")
        if len(payload) > settings.max_batch:
            return 200, _error_body(
                -32600, f"batch of {len(payload)} requests exceeds the limit of {settings.max_batch}"
            )
        return 200, orjson.dumps(rpc.handle_batch(payload))
    result = rpc.handle(payload)
    if result is None:
        return 204, None
    return 200, orjson.dumps(result)


LATER = object()  # ``on_loop``: this request needs a worker thread


def on_loop(rpc: Any, payload: Any) -> Any:
    """The answer to one request when it can be given on the event loop at once, else ``LATER``. Requests
    that ``Rpc.instant`` says need neither lock nor database (constants, the head's number, a receipt just
    mined); account and storage reads of the latest block from the committed head's state
    (``Rpc.read_now``); a plain ``eth_call`` that ``Rpc.call_now`` can finish within 10 ms while no block is
    being mined (a longer one goes to a thread and runs again there). The hop to a thread costs about
    0.2 ms a request when the machine is quiet, and far more when it is not (bench/rpc_latency.py)."""
    if rpc.instant(payload):
        return rpc.handle(payload)
    for fast in (rpc.read_now, rpc.call_now):
        now = fast(payload)
        if now is not None:
            return now
    return LATER


async def answer_off_loop(body: bytes | None, state: Any) -> tuple[int, bytes | None]:
    """``answer``, with the work on the JSON-RPC threads rather than the event loop: a call that runs for
    seconds (up to ``call_timeout_s``) or a block's commit must not hold up every other request of the
    server, REST and WebSocket included. Chain work stays serialized by the chain's own lock. What
    ``on_loop`` can answer at once is answered on the loop itself."""
    parsed = _parse(body, state.settings)
    if isinstance(parsed, tuple):
        return parsed
    payload = parsed.payload
    if not isinstance(payload, list):
        now = on_loop(state.rpc, payload)
        if now is not LATER:
            return (204, None) if now is None else (200, orjson.dumps(now))
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(state.rpc_pool, respond, payload, state.settings, state.rpc)


async def _read_body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def handle_http(request: Request) -> Response:
    state = request.app.state
    refused = content_type_refusal(request.headers.get("content-type"))
    if refused is not None:
        return Response(refused[1], status_code=refused[0], media_type=_JSON)
    status, body = await answer_off_loop(await _read_body(request, state.settings.max_body_bytes), state)
    if body is None:
        return Response(status_code=status)
    return Response(body, status_code=status, media_type=_JSON)


router.add_api_route("/", handle_http, methods=["POST"], include_in_schema=False)
router.add_api_route("/rpc", handle_http, methods=["POST"], summary="Ethereum JSON-RPC (single or batch)")


class FastPath:
    """ASGI middleware that answers ``POST /`` and ``POST /rpc`` itself, before FastAPI's routing, request
    object and dependency machinery (about 0.1 ms of a 0.3 ms round trip for a cheap method). Same answers
    as ``handle_http``, which stays the documented route and serves when this middleware is not installed.
    Everything else (REST, WebSocket, docs, the lifespan) passes through untouched.

    ``create_app`` installs it as the innermost middleware (so that in-process test clients take it too);
    ``aurigraph serve`` also wraps the whole application in it (``outside(app)``), so that a JSON-RPC request
    skips Starlette's middleware stack as well: its error and body-limit wrappers and FastAPI's telemetry
    hook, which reads the environment on every request (about 0.06 ms a request, measured with py-spy)."""

    _PATHS = frozenset(("/", "/rpc"))

    def __init__(self, app: Any, state: Any = None) -> None:
        self.app = app
        self._state = state  # the application's state when outside it (no scope["app"] there yet)

    @classmethod
    def outside(cls, app: Any) -> FastPath:
        """The fast path in front of ``app`` (a Starlette/FastAPI application), reading its state."""
        return cls(app, app.state)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self._PATHS:
            await self.app(scope, receive, send)
            return
        state = self._state if self._state is not None else scope["app"].state
        refused = content_type_refusal(_header(scope, b"content-type"))
        status: int
        out: bytes | None
        if refused is not None:
            status, out = refused
        else:
            body = await self._body(scope, receive, state.settings.max_body_bytes)
            if isinstance(body, bool):  # False: the client went away (never True)
                return
            status, out = await answer_off_loop(body, state)
        headers = [(b"content-type", _JSON.encode()), (b"content-length", b"%d" % len(out or b""))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": out or b""})

    @staticmethod
    async def _body(scope: Any, receive: Any, limit: int) -> bytes | None | bool:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
