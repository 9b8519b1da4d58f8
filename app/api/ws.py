"""JSON-RPC over WebSocket on / and /rpc (as anvil and geth): every method, plus eth_subscribe and
eth_unsubscribe for newHeads and logs. Bounded: connections, subscriptions per connection, queued
notifications per connection (a subscriber that falls that far behind is disconnected). An upgrade from
a web page whose Origin is not in ``ws_allowed_origins`` is refused (HTTP 403, app/api/origins.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from app.api.origins import origin_allowed
from app.api.rpc import LATER, on_loop
from app.evm.errors import EvmError

router = APIRouter()


class _Connection:
    def __init__(self, ws: WebSocket, limit: int) -> None:
        self.ws = ws
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.limit = limit
        self.pending = 0
        self.alive = True
        self._lock = threading.Lock()

    def deliver(self, msg: dict[str, Any]) -> bool:
        """Called from the mining thread: never blocks."""
        with self._lock:
            if not self.alive or self.pending >= self.limit:
                self.alive = False
                self.loop.call_soon_threadsafe(self.queue.put_nowait, None)
                return False
            self.pending += 1
        self.loop.call_soon_threadsafe(self.queue.put_nowait, msg)
        return True

    async def sender(self) -> None:
        while True:
            msg = await self.queue.get()
            if msg is None:
                await self.ws.close(code=1008, reason="subscriber too slow")
                return
            with self._lock:
                self.pending -= 1
            await self.ws.send_text(orjson.dumps(msg).decode())


async def ws_endpoint(websocket: WebSocket) -> None:
    state = websocket.app.state
    settings = state.settings
    if not origin_allowed(websocket.headers.get("origin"), settings.ws_allowed_origins):
        await websocket.close(code=1008, reason="origin not allowed")  # before accept: HTTP 403
        return
    if state.ws_connections >= settings.max_ws_connections:
        await websocket.close(code=1013, reason="too many connections")
        return
    state.ws_connections += 1
    await websocket.accept()
    conn = _Connection(websocket, settings.ws_queue_limit)
    sender = asyncio.create_task(conn.sender())
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text") or message.get("bytes") or b""
            if len(text) > settings.max_body_bytes:
                reply: Any = _error(None, -32600, "message too large")
            else:
                reply = await _handle(state, conn, text)
            if reply is not None:
                await websocket.send_text(orjson.dumps(reply).decode())
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        conn.alive = False
        state.hub.drop_owner(conn)
        sender.cancel()
        state.ws_connections -= 1


async def _handle(state: Any, conn: _Connection, text: str | bytes) -> Any:
    try:
        payload = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _error(None, -32700, "parse error: invalid JSON")
    if isinstance(payload, list):
        if not payload or len(payload) > state.settings.max_batch:
            return _error(None, -32600, "invalid batch size")
        out = [await _one(state, conn, item) for item in payload]
        return [r for r in out if r is not None]
    return await _one(state, conn, payload)


async def _one(state: Any, conn: _Connection, req: Any) -> Any:
    method = req.get("method") if isinstance(req, dict) else None
    if method not in ("eth_subscribe", "eth_unsubscribe"):
        now = on_loop(state.rpc, req)  # as over HTTP: what needs no thread is answered at once
        return await run_in_threadpool(state.rpc.handle, req) if now is LATER else now
    rid, params = req.get("id"), req.get("params") or []
    try:
        if not isinstance(params, list) or not params:
            return _error(rid, -32602, "invalid params")
        if method == "eth_unsubscribe":
            return {"jsonrpc": "2.0", "id": rid, "result": state.hub.unsubscribe(conn, params[0])}
        query = None
        if params[0] == "logs":
            query = await run_in_threadpool(state.rpc.log_query, params[1] if len(params) > 1 else {})
        sid = state.hub.subscribe(conn, params[0], conn.deliver, query)
        return {"jsonrpc": "2.0", "id": rid, "result": sid}
    except EvmError as exc:
        return _error(rid, exc.rpc_code, exc.message)


def _error(rid: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


router.add_api_websocket_route("/", ws_endpoint)
router.add_api_websocket_route("/rpc", ws_endpoint)
