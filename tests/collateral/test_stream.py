"""The alert stream (WebSocket /v1/alerts/stream): alerts committed after connecting, in order; a cursor
replays what was missed; keys are checked and scoped."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from app.rwa.alerts import service
from tests.collateral.wsclient import recv
from tests.rwa.factories import make_asset, make_key


def raise_one(api, asset=None, kind="collateral_warning"):
    with api.sm.begin() as session:
        return service.raise_alert(
            session, kind=kind, subject="collateral:9", severity="warning", payload={}, asset=asset
        ).uid


def test_sends_alerts_committed_after_connecting_in_order(api):
    old = raise_one(api)
    with api.client.websocket_connect("/v1/alerts/stream", headers=api.headers()) as ws:
        ready = recv(ws)
        assert ready["type"] == "ready"
        uids = [raise_one(api, kind=f"k{i}") for i in range(3)]
        got = [recv(ws) for _ in uids]
        assert [m["alert"]["id"] for m in got] == uids and old not in uids
        assert all(m["type"] == "alert" for m in got)
        assert got[0]["alert"] == api.call("GET", f"/v1/alerts/{uids[0]}").json()


def test_a_cursor_replays_what_was_missed_then_goes_live(api):
    missed = [raise_one(api), raise_one(api)]
    first_seq = api.call("GET", f"/v1/alerts/{missed[0]}").json()["seq"]
    with api.client.websocket_connect(
        f"/v1/alerts/stream?after={first_seq - 1}", headers=api.headers()
    ) as ws:
        assert recv(ws) == {"type": "ready", "after": first_seq - 1}
        assert [recv(ws)["alert"]["id"] for _ in missed] == missed
        live = raise_one(api)
        assert recv(ws)["alert"]["id"] == live


def test_keys_are_checked_and_scoped(api):
    with api.sm.begin() as s:
        mine, other = make_asset(s), make_asset(s)
        issuer = make_key(s, "issuer", issuer_id=mine.issuer_id)
        developer = make_key(s, "developer")
    bad = [{}, {"Authorization": f"Bearer {developer}"}]
    bad.append(api.headers() | {"Origin": "https://evil.example"})  # a page elsewhere, even with a key
    for headers in bad:
        with pytest.raises(WebSocketDisconnect) as exc:
            with api.client.websocket_connect("/v1/alerts/stream", headers=headers) as ws:
                ws.receive_json()
        assert exc.value.code == 1008
    with api.client.websocket_connect(f"/v1/alerts/stream?api_key={issuer}") as ws:
        recv(ws)
        raise_one(api, asset=other.symbol)
        expected = raise_one(api, asset=mine.symbol)
        assert recv(ws)["alert"]["id"] == expected  # the other issuer's alert was not sent


def test_a_burst_larger_than_one_read_arrives_whole_and_in_order(api):
    from app.api.routes.oracles.alerts_ws import BATCH

    with api.client.websocket_connect("/v1/alerts/stream", headers=api.headers()) as ws:
        recv(ws)
        with api.sm.begin() as session:  # one transaction: all become visible at once
            uids = [
                service.raise_alert(session, kind="burst", subject=f"s{i}", severity="info", payload={}).uid
                for i in range(BATCH + 3)
            ]
        assert [recv(ws)["alert"]["id"] for _ in uids] == uids
