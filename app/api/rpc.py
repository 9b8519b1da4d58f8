"""JSON-RPC over HTTP: POST on / and /rpc, single and batch requests, bounded body and batch size.

Every client mistake is answered with a JSON-RPC error (HTTP 200, as geth and anvil do), never a 500;
an oversize body gets 413 with a JSON-RPC error body."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

router = APIRouter(tags=["json-rpc"])

_JSON = "application/json"


def _err(code: int, message: str, status: int = 200) -> Response:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
    return Response(orjson.dumps(body), status_code=status, media_type=_JSON)


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
    settings = request.app.state.settings
    body = await _read_body(request, settings.max_body_bytes)
    if body is None:
        return _err(-32600, f"request body larger than {settings.max_body_bytes} bytes", status=413)
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _err(-32700, "parse error: invalid JSON")
    rpc = request.app.state.rpc
    if isinstance(payload, list):
        if not payload:
            return _err(-32600, "invalid request: empty batch")
        if len(payload) > settings.max_batch:
            return _err(-32600, f"batch of {len(payload)} requests exceeds the limit of {settings.max_batch}")
        return Response(orjson.dumps(rpc.handle_batch(payload)), media_type=_JSON)
    result = rpc.handle(payload)
    if result is None:
        return Response(status_code=204)
    return Response(orjson.dumps(result), media_type=_JSON)


router.add_api_route("/", handle_http, methods=["POST"], include_in_schema=False)
router.add_api_route("/rpc", handle_http, methods=["POST"], summary="Ethereum JSON-RPC (single or batch)")
