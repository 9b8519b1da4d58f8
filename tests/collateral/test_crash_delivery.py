"""kill -9 of a real server between an alert's commit and its delivery: after a restart on the same database
the outbox row is still there and the alert is delivered; the receiver, deduplicating by Idempotency-Key,
sees it once (at-least-once delivery: the attempt in flight at the crash is repeated with the same key)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.db import make_engine, make_sessionmaker
from app.oracles.chainlink import deploy_aggregator
from app.oracles.provider import make_web3
from app.rwa.alerts.models import Alert, WebhookOutbox
from tests.collateral.factories import make_holding
from tests.collateral.receiver import Receiver, start_receiver, stop_receiver, wait_for
from tests.conftest import make_database
from tests.rwa.factories import make_key
from tests.serverproc import ServerProcess

OUNCE = 10**18
ENV = {
    "AURIGRAPH_WEBHOOK_POLL_S": "0.05",
    "AURIGRAPH_WEBHOOK_TIMEOUT_S": "1",  # the in-flight attempt's lease: 3 x 1 + 1 s
    "AURIGRAPH_WEBHOOK_BACKOFF_S": "0.1",
}


def outbox(sm):
    with sm.begin() as s:
        return [(r.status, r.attempts) for r in s.scalars(select(WebhookOutbox))]


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_kill_9_between_alert_and_delivery_still_delivers_once(dialect, tmp_path: Path):
    gen = make_database(dialect, tmp_path)
    url = next(gen)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    receiver = start_receiver(Receiver(hang_first=1))  # the first delivery is never answered
    env = ENV | {"AURIGRAPH_DATA_DIR": str(tmp_path / "data")}
    try:
        with sm.begin() as s:
            admin = make_key(s, "admin")
            asset, wallet, _ = make_holding(s, units=10 * OUNCE)
            symbol = asset.symbol
        srv = ServerProcess(url, tmp_path / "server.log", **env).start()
        h = {"Authorization": f"Bearer {admin}"}

        def call(method: str, path: str, **kw):
            r = httpx.request(method, srv.url + path, headers=h, timeout=30, **kw)
            assert r.status_code < 300, r.text
            return r.json()

        w3 = make_web3(srv.url)
        address = deploy_aggregator(
            w3, decimals=8, description="XAU / USD", answer=Decimal(2000), sender=w3.eth.accounts[0]
        )
        call("POST", "/v1/feeds", json={"pair": "XAU/USD", "address": address})
        call("PUT", f"/v1/assets/{symbol}/pricing", json={"kind": "units", "feed_pair": "XAU/USD"} | {
            "base_units": OUNCE, "currencies": ["USD"]})  # fmt: skip
        receiver.secret = call("POST", "/v1/webhooks", json={"url": receiver.url})["secret"]
        position = call("POST", "/v1/collateral-positions", json={
            "asset": symbol, "wallet": wallet, "units": 10 * OUNCE, "debt": "15000",
            "currency": "USD", "warning_ratio": "1.25", "liquidation_ratio": "1.1"})  # fmt: skip
        assert position["state"] == "healthy"

        call("POST", "/v1/feeds/XAU/USD/answers", json={"price": "1800"})  # ratio 1.2: warning
        wait_for(lambda: len(receiver.requests) == 1, timeout=30)  # the delivery is in flight...
        srv.kill()  # ...and the server dies before any answer
        receiver.release.set()

        with sm.begin() as s:
            (alert,) = s.scalars(select(Alert)).all()
            key = alert.uid
        assert alert.kind == "collateral_warning"
        assert outbox(sm) == [("pending", 0)]  # committed with the alert, never marked delivered
        assert receiver.accepted == {}  # the receiver never finished processing it either

        srv2 = ServerProcess(url, tmp_path / "server2.log", **env).start()
        try:
            wait_for(lambda: outbox(sm) == [("delivered", 1)], timeout=30)
        finally:
            srv2.stop()
        assert receiver.seen[key] == 2  # posted again after the restart, with the same key
        assert list(receiver.accepted) == [key]  # and processed once
        assert receiver.accepted[key]["payload"]["position"] == position["id"]
        assert receiver.bad_signatures == 0
    finally:
        stop_receiver(receiver)
        engine.dispose()
        next(gen, None)
