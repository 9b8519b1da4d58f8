"""Collateral positions over REST, and the round listener's crossings (valuation rows written through the
valuation models, the listener called as the engine calls it), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.rwa.alerts.models import Alert
from app.rwa.audit.models import AuditEntry
from app.rwa.collateral import monitor
from app.rwa.collateral.models import CollateralPosition
from app.rwa.valuation.engine import ROUND_LISTENERS
from tests.collateral.factories import make_holding, valuation
from tests.rwa.factories import make_key


def body(asset, wallet, over=None):
    return {
        "asset": asset.symbol,
        "wallet": wallet,
        "units": 100,
        "debt": "100.00",
        "currency": "USD",
        "warning_ratio": "1.5",
        "liquidation_ratio": "1.2",
        "reference": "loan-7",
    } | (over or {})


def alerts(api):
    with api.sm.begin() as s:
        return [(a.kind, a.severity, a.subject) for a in s.scalars(select(Alert).order_by(Alert.id))]


def test_open_list_get_close(api):
    with api.sm.begin() as s:
        asset, wallet, identity = make_holding(s)
    r = api.call("POST", "/v1/collateral-positions", json=body(asset, wallet))
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["state"], p["ratio"], p["status"], p["units"], p["debt"]) == (
        "unpriced",
        None,
        "open",
        "100",
        "100.00",
    )
    assert (p["asset"], p["wallet"], p["identity_id"]) == (asset.symbol, wallet, identity)
    assert api.call("GET", f"/v1/collateral-positions/{p['id']}").json() == p
    assert [
        x["id"] for x in api.call("GET", "/v1/collateral-positions", params={"asset": asset.symbol}).json()
    ] == [p["id"]]
    closed = api.call("POST", f"/v1/collateral-positions/{p['id']}/close").json()
    assert (closed["status"], closed["closed_at"] is not None) == ("closed", True)
    again = api.call("POST", f"/v1/collateral-positions/{p['id']}/close")
    assert (again.status_code, again.json()["code"]) == (409, "POSITION_CLOSED")
    assert api.call("GET", "/v1/collateral-positions/999999").json()["code"] == "POSITION_NOT_FOUND"
    with api.sm.begin() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.subject == f"collateral:{p['id']}"))
        assert list(actions) == ["collateral.opened", "collateral.closed"]


BAD = [
    ({"asset": "NOPE"}, 404, "ASSET_NOT_FOUND"),
    ({"wallet": "0x" + "ab" * 20}, 404, "WALLET_NOT_FOUND"),
    ({"units": 1001}, 409, "INSUFFICIENT_UNITS"),
    ({"units": 1.5}, 422, "INVALID_UNITS"),
    ({"debt": 100.5}, 422, "VALIDATION_ERROR"),  # a float cannot carry an exact amount
    ({"debt": "0"}, 422, "INVALID_POSITION"),
    ({"currency": "ZZZ"}, 422, "INVALID_POSITION"),
    ({"warning_ratio": "1.1"}, 422, "INVALID_POSITION"),  # below the liquidation ratio
    ({"liquidation_ratio": "0"}, 422, "INVALID_POSITION"),
]


def test_bad_input_is_a_clear_4xx_and_writes_nothing(api):
    with api.sm.begin() as s:
        asset, wallet, _ = make_holding(s)
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
    for over, status, code in BAD:
        r = api.call("POST", "/v1/collateral-positions", json=body(asset, wallet, over))
        assert (r.status_code, r.json()["code"]) == (status, code), (over, r.text)
    with api.sm.begin() as s:
        assert s.scalar(select(func.count()).select_from(CollateralPosition)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_roles_and_scopes(api):
    with api.sm.begin() as s:
        asset, wallet, _ = make_holding(s)
        other, other_wallet, _ = make_holding(s)
        issuer = make_key(s, "issuer", issuer_id=asset.issuer_id)
        auditor, developer = make_key(s, "auditor"), make_key(s, "developer")
    mine = api.call("POST", "/v1/collateral-positions", issuer, json=body(asset, wallet))
    assert mine.status_code == 201
    assert (
        api.call("POST", "/v1/collateral-positions", issuer, json=body(other, other_wallet)).status_code
        == 403
    )
    theirs = api.call("POST", "/v1/collateral-positions", json=body(other, other_wallet)).json()
    assert [p["id"] for p in api.call("GET", "/v1/collateral-positions", issuer).json()] == [
        mine.json()["id"]
    ]
    assert api.call("GET", f"/v1/collateral-positions/{theirs['id']}", issuer).status_code == 403
    assert len(api.call("GET", "/v1/collateral-positions", auditor).json()) == 2
    assert api.call("POST", "/v1/collateral-positions", auditor, json=body(asset, wallet)).status_code == 403
    assert api.call("GET", "/v1/collateral-positions", developer).status_code == 403


def test_alerts_fire_on_crossings_only_and_again_on_recovery(api):
    """units 100, debt 100: the ratio is the unit value; thresholds 1.5 (warning) and 1.2 (liquidation)."""
    with api.sm.begin() as s:
        asset, wallet, _ = make_holding(s)
        bystander, bystander_wallet, _ = make_holding(s)
    pid = api.call("POST", "/v1/collateral-positions", json=body(asset, wallet)).json()["id"]
    closed = api.call("POST", "/v1/collateral-positions", json=body(bystander, bystander_wallet)).json()["id"]
    api.call("POST", f"/v1/collateral-positions/{closed}/close")
    assert monitor.on_round in ROUND_LISTENERS  # the app's start-up registered it
    seen = []
    for block, (value, state) in enumerate(
        [("2", "healthy"), ("1.6", "healthy"), ("1.5", "healthy"), ("1.4999", "warning"), ("1.3", "warning")]
        + [
            ("1.2", "warning"),
            ("1.1", "liquidation"),
            ("1.25", "warning"),
            ("1.7", "healthy"),
            ("1.8", "healthy"),
        ],
        start=10,
    ):
        with api.sm.begin() as s:
            valuation(s, asset, value, block=block)
            valuation(s, bystander, "0.01", block=block)
            monitor.on_round(s, {asset.id, bystander.id}, block)
        p = api.call("GET", f"/v1/collateral-positions/{pid}").json()
        assert (p["state"], Decimal(p["ratio"]), p["valued_block"]) == (state, Decimal(value), block)
        seen.append(len(alerts(api)))
    subject = f"collateral:{pid}"
    assert alerts(api) == [
        ("collateral_warning", "warning", subject),
        ("collateral_liquidation", "critical", subject),
        ("collateral_warning", "warning", subject),
        ("collateral_recovered", "info", subject),
    ]
    assert seen == [0, 0, 0, 1, 1, 1, 2, 3, 4, 4]  # one per crossing, none per block
    assert (
        api.call("GET", f"/v1/collateral-positions/{closed}").json()["state"] == "unpriced"
    )  # closed: left alone
    last = api.call("GET", "/v1/alerts").json()[0]
    assert (
        last["payload"]["previous_state"] == "warning" and last["payload"]["ratio"] == "1.700000000000000000"
    )
    assert last["asset"] == asset.symbol


def test_a_position_opened_under_water_alerts_at_once(api):
    with api.sm.begin() as s:
        asset, wallet, _ = make_holding(s)
        valuation(s, asset, "1.1", block=3)
    p = api.call("POST", "/v1/collateral-positions", json=body(asset, wallet)).json()
    assert (p["state"], p["ratio"], p["collateral_value"]) == (
        "liquidation",
        "1.100000000000000000",
        "110.000000000000000000",
    )
    assert alerts(api) == [("collateral_liquidation", "critical", f"collateral:{p['id']}")]
    assert api.call("GET", "/v1/alerts").json()[0]["payload"]["previous_state"] == "unpriced"
