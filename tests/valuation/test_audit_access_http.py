"""Every change to a feed or a pricing rule is an audit entry in its own transaction; who may do what."""

from __future__ import annotations

import json
from types import SimpleNamespace

from sqlalchemy import select

from app.rwa.audit.models import AuditEntry
from tests.rwa.factories import make_key

OUNCE = 10**18


def entries(world, action):  # type: ignore[no-untyped-def]
    """The entries of one action, payloads parsed from their canonical JSON."""
    with world.api.sm() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq))
        return [
            SimpleNamespace(subject=e.subject, actor=e.actor, payload=json.loads(e.payload)) for e in rows
        ]


def test_feed_and_pricing_changes_are_audited(world):
    address = world.feed("XAU/USD", "2000", heartbeat_s=86400)
    [reg] = entries(world, "feed.register")
    assert reg.subject == "feed:XAU/USD" and reg.actor.startswith("key:")
    assert reg.payload["address"] == address and reg.payload["decimals"] == 8
    assert reg.payload["description"] == "XAU / USD" and reg.payload["heartbeat_s"] == 86400

    body = {"pair": "XAU/USD", "address": address, "heartbeat_s": 3600, "max_jump": "0.2"}
    r = world.api.call("PUT", "/v1/feeds/XAU/USD", json=body)
    assert r.status_code == 200 and r.json()["max_jump"] == "0.2"
    [upd] = entries(world, "feed.update")
    assert upd.payload["heartbeat_s"] == 3600 and upd.payload["max_jump"] == "0.2"

    world.push("XAU/USD", "2001.5")
    [push] = entries(world, "feed.push")
    assert push.payload == {"pair": "XAU/USD", "price": "2001.5", "round_id": 2}

    symbol, _ = world.asset(OUNCE)
    world.price(symbol, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD"])
    [rule] = entries(world, "pricing.set")
    assert rule.payload["kind"] == "units" and rule.payload["base_units"] == str(OUNCE)
    assert rule.payload["currencies"] == ["USD"] and rule.payload["feed_pair"] == "XAU/USD"
    got = world.api.call("GET", f"/v1/assets/{symbol}/pricing").json()
    assert got["kind"] == "units" and got["base_units"] == str(OUNCE)


def test_roles(world):
    address = world.feed("XAU/USD", "2000")
    symbol, identity = world.asset(OUNCE)
    world.price(symbol, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD"])
    with world.api.sm.begin() as session:
        developer = make_key(session, "developer")
        auditor = make_key(session, "auditor")
        investor = make_key(session, "investor", identity_id=identity)
    call = world.api.call
    assert call("GET", "/v1/feeds", developer).status_code == 200
    body = {"pair": "X/USD", "address": address}
    assert call("POST", "/v1/feeds", developer, json=body).json()["code"] == "FORBIDDEN"
    assert call("POST", "/v1/feeds/XAU/USD/answers", auditor, json={"price": "1"}).status_code == 403
    assert call("GET", f"/v1/assets/{symbol}/valuation", developer).status_code == 403
    assert call("GET", f"/v1/assets/{symbol}/valuation", auditor).json()["value"] == "2000.00"
    rule = {"kind": "units", "feed_pair": "XAU/USD", "base_units": 1, "currencies": ["USD"]}
    assert call("PUT", f"/v1/assets/{symbol}/pricing", auditor, json=rule).status_code == 403
    own = call("GET", f"/v1/identities/{identity}/portfolio", investor).json()
    assert own["total"] == "2000.00"
    assert call("GET", f"/v1/identities/{identity + 1}/portfolio", investor).status_code in (403, 404)
