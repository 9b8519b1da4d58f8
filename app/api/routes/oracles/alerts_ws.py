"""The live alert stream: WebSocket `/v1/alerts/stream`.

Connect with an API key whose role may read alerts (`Authorization: Bearer <key>` or `?api_key=<key>`, since
browsers cannot set headers on a WebSocket). The server first sends `{"type": "ready", "after": <seq>}`, then
one `{"type": "alert", "alert": {...}}` (the body of `GET /v1/alerts/{id}`) per alert committed after the
connection, in commit order. `?after=<seq>` first replays the alerts after that cursor (to resume after a
reconnect without a gap). Keys scoped to assets get those assets' alerts only. Nothing is read from the
client; a client too slow to keep up with `WS_QUEUE_LIMIT` alerts is closed with code 1008. As the JSON-RPC
WebSocket: a page whose Origin is not in `WS_ALLOWED_ORIGINS` is refused, at most `MAX_WS_CONNECTIONS`.

One poller per application reads new alerts every `ALERT_STREAM_POLL_S` while anyone listens: alerts are
raised in any process (the valuation engine's, another API worker's), so the database is the one place to
watch. Their ids are drawn under the audit log's lock, so they become visible in id order and a cursor
never skips one (app/rwa/alerts/service.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from app.api.origins import origin_allowed
from app.api.routes.oracles.alerts import scoped_assets
from app.rwa.alerts import service
from app.rwa.errors import RwaError
from app.rwa.registry import keys
from app.rwa.registry.access import Permission

router = APIRouter()
BATCH = 500


class _Listener:
    def __init__(self, start: int, assets: list[str] | None, limit: int) -> None:
        self.start = start  # send only alerts with seq > start
        self.assets = None if assets is None else set(assets)
        self.limit = limit
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def offer(self, alert: dict[str, Any]) -> None:
        if alert["seq"] <= self.start or (self.assets is not None and alert["asset"] not in self.assets):
            return
        if self.queue.qsize() >= self.limit:
            self.queue.put_nowait(None)  # too slow: the sender closes
            return
        self.queue.put_nowait(alert)


class _Hub:
    """One poller for every listener of one application (runs only while someone listens)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.listeners: set[_Listener] = set()
        self.cursor = 0
        self.task: asyncio.Task[None] | None = None

    async def join(self, listener: _Listener) -> int:
        """Register; alerts after the returned cursor will be offered to the listener."""
        if self.task is None or self.task.done():
            self.cursor = await run_in_threadpool(self._last)
            self.task = asyncio.create_task(self._run())
        self.listeners.add(listener)
        return self.cursor

    def leave(self, listener: _Listener) -> None:
        self.listeners.discard(listener)

    def _last(self) -> int:
        with self.state.sessionmaker.begin() as session:
            return service.last_seq(session)

    def fetch(self, after: int) -> list[dict[str, Any]]:
        with self.state.sessionmaker.begin() as session:
            return [service.alert_view(a) for a in service.list_alerts(session, after=after, limit=BATCH)]

    async def _run(self) -> None:
        while self.listeners:
            await asyncio.sleep(self.state.settings.alert_stream_poll_s)
            while True:  # after a burst of more than BATCH, read on before sleeping
                try:
                    alerts = await run_in_threadpool(self.fetch, self.cursor)
                except Exception:  # the database may be busy: try again at the next poll
                    break
                for alert in alerts:
                    self.cursor = alert["seq"]
                    for listener in list(self.listeners):
                        listener.offer(alert)
                if len(alerts) < BATCH:
                    break


def _hub(state: Any) -> _Hub:
    hub: _Hub | None = getattr(state, "alert_hub", None)
    if hub is None:
        hub = state.alert_hub = _Hub(state)
    return hub


def _authorize(state: Any, token: str | None) -> list[str] | None:
    with state.sessionmaker.begin() as session:
        who = keys.authenticate(session, token)
        who.require(Permission.ALERT_READ)
        return scoped_assets(session, who)


def _token(ws: WebSocket) -> str | None:
    auth = ws.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return ws.headers.get("x-api-key") or ws.query_params.get("api_key")


async def stream(websocket: WebSocket) -> None:
    state = websocket.app.state
    settings = state.settings
    after = websocket.query_params.get("after")
    if not origin_allowed(websocket.headers.get("origin"), settings.ws_allowed_origins):
        await websocket.close(code=1008, reason="origin not allowed")  # before accept: HTTP 403
        return
    if getattr(state, "alert_streams", 0) >= settings.max_ws_connections:
        await websocket.close(code=1013, reason="too many connections")
        return
    try:
        assets = await run_in_threadpool(_authorize, state, _token(websocket))
        if after is not None and not (after.isdigit() and int(after) < 2**63):
            raise ValueError("after must be a non-negative integer")
    except (RwaError, ValueError) as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    await websocket.accept()
    state.alert_streams = getattr(state, "alert_streams", 0) + 1
    hub = _hub(state)
    listener = _Listener(0, assets, settings.ws_queue_limit)
    try:
        cursor = await hub.join(listener)
        listener.start = cursor
        start = cursor if after is None else int(after)
        await websocket.send_text(orjson.dumps({"type": "ready", "after": start}).decode())
        if start < cursor:  # replay (start, cursor]; live alerts queue up behind it meanwhile
            await _replay(websocket, hub, listener, start, cursor)
        await _send_live(websocket, listener)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.leave(listener)
        state.alert_streams -= 1


async def _replay(ws: WebSocket, hub: _Hub, listener: _Listener, start: int, cursor: int) -> None:
    while start < cursor:
        alerts = [a for a in await run_in_threadpool(hub.fetch, start) if a["seq"] <= cursor]
        if not alerts:
            return
        for alert in alerts:
            start = alert["seq"]
            if listener.assets is None or alert["asset"] in listener.assets:
                await ws.send_text(orjson.dumps({"type": "alert", "alert": alert}).decode())


async def _send_live(ws: WebSocket, listener: _Listener) -> None:
    receiver = asyncio.create_task(ws.receive())  # notices the client going away
    try:
        while True:
            getter = asyncio.create_task(listener.queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                alert = getter.result()
                if alert is None:
                    await ws.close(code=1008, reason="subscriber too slow")
                    return
                await ws.send_text(orjson.dumps({"type": "alert", "alert": alert}).decode())
            else:
                getter.cancel()
            if receiver in done:
                if receiver.result()["type"] == "websocket.disconnect":
                    return
                receiver = asyncio.create_task(ws.receive())  # clients need not talk; ignore what they say
    finally:
        receiver.cancel()


router.add_api_websocket_route("/v1/alerts/stream", stream)
