"""Collateral and alert fixtures: the registry's API client (real lifespan, so the real webhook worker) with
quick webhook timings, and a real local HTTP receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.collateral.receiver import Receiver, start_receiver, stop_receiver
from tests.rwa.conftest import Api, make_api

FAST = {
    "webhook_poll_s": 0.05,
    "webhook_backoff_s": 0.1,
    "webhook_backoff_cap_s": 0.4,
    "webhook_timeout_s": 2.0,
    "alert_stream_poll_s": 0.05,
}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(db_url, tmp_path, **FAST)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = start_receiver(Receiver())
    yield r
    stop_receiver(r)


def add_webhook(api: Api, receiver: Receiver) -> dict[str, object]:
    """Register the receiver through the REST API; it learns its secret from the answer."""
    r = api.call("POST", "/v1/webhooks", json={"url": receiver.url})
    assert r.status_code == 201, r.text
    receiver.secret = r.json()["secret"]
    return r.json()
