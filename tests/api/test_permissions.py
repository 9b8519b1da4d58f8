"""The one permission table (issue 11, item 3), on SQLite and PostgreSQL.

The routes are enumerated from `create_app()` itself, so a router added anywhere is checked: each route
declares exactly one permission through `require` (app/api/deps.py), or is explicitly public; a key of
every role that lacks the permission gets 403 and no key 401, before anything runs. Then the contract
routes: `/call` and `/verify` need a permission, `/transact` is audited, the API key that deployed a
contract is recorded, and only that key (or an admin) may upgrade it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.api.permissions import markdown, route_rules
from app.main import create_app
from app.rwa.domain import Role
from app.rwa.registry.access import ROLE_PERMISSIONS
from tests.rwa.conftest import Api, make_api
from tests.rwa.factories import make_asset, make_investor, make_issuer, make_key

BUILD = Path(__file__).resolve().parents[2] / "contracts" / "build"
# APIRoutes outside /v1 that need no key on purpose: JSON-RPC (the chain's own protocol, anvil-compatible)
# and the operators' pages. Anything else must declare a permission or `PUBLIC_ROUTE` where it is defined.
PUBLIC_OUTSIDE_V1 = {("POST", "/"), ("POST", "/rpc"), ("GET", "/metrics"), ("GET", "/dashboard")}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(db_url, tmp_path)


def _keys(api: Api) -> tuple[dict[Role, str], str]:
    with api.sm.begin() as s:
        issuer = make_issuer(s)
        sym = make_asset(s, issuer=issuer).symbol
        identity = make_investor(s)
        tokens = {
            Role.ADMIN: api.admin,
            Role.ISSUER: make_key(s, "issuer", issuer_id=issuer.id),
            Role.AGENT: make_key(s, "agent", assets=[sym]),
            Role.AUDITOR: make_key(s, "auditor"),
            Role.DEVELOPER: make_key(s, "developer"),
            Role.INVESTOR: make_key(s, "investor", identity_id=identity),
        }
    return tokens, sym


SAMPLES = {
    "address": "0x" + "12" * 20,
    "to": "0x" + "34" * 20,
    "tx_hash": "0x" + "00" * 32,
    "block": "latest",
    "name": "prospectus",
}


def _path(template: str, sym: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: sym if m[1] == "symbol" else SAMPLES.get(m[1], "1"), template)


def test_every_route_of_the_app_declares_one_permission():
    rules, problems = route_rules(create_app())
    problems = [p for p in problems if tuple(p.split(":")[0].split(" ")) not in PUBLIC_OUTSIDE_V1]
    assert not problems, "\n".join(problems)
    public = {(r.method, r.path) for r in rules if r.permission is None}
    assert public - PUBLIC_OUTSIDE_V1 == {("GET", "/v1/audit/public-key")}
    assert len(rules) >= 45  # the enumeration really sees the routers included (lazily, by FastAPI)
    assert all(r.roles for r in rules)  # no route declares a permission that no role holds
    assert "| `GET /v1/contracts` | `chain:read` |" in markdown(create_app())


def test_every_role_without_the_permission_gets_403_and_no_key_401(api):
    tokens, sym = _keys(api)
    rules, _ = route_rules(api.client.app)
    wrong = []
    checked = 0
    for rule in rules:
        if rule.permission is None:
            continue
        path = _path(rule.path, sym)
        denied = [role for role in Role if rule.permission not in ROLE_PERMISSIONS[role]]
        for role, token in [(None, None), (None, "aur_00000000_nope"), *((r, tokens[r]) for r in denied)]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            body = {"json": {"from": SAMPLES["address"], "to": SAMPLES["to"], "units": 1}}
            r = api.client.request(rule.method, path, headers=headers, **(body if rule.deferred else {}))
            want = (401, "UNAUTHENTICATED") if role is None else (403, "FORBIDDEN")
            checked += 1
            if (r.status_code, r.json().get("code")) != want:
                wrong.append(
                    f"{role} {rule.method} {path} ({rule.permission}): {r.status_code} {r.text[:120]}"
                )
    assert not wrong, "\n".join(wrong)
    assert checked > 150


def _deploy(api: Api, token: str, name: str, **extra: object) -> dict:
    art = json.loads((BUILD / f"{name}.json").read_text())
    r = api.call("POST", "/v1/contracts", token=token, json={"artifact": art, **extra})
    assert r.status_code == 201, r.text
    return r.json()["contract"]


def _entries(api: Api) -> list[dict]:
    return api.call("GET", "/v1/audit/entries", params={"limit": 1000}).json()


def test_call_and_verify_need_their_permission(api):
    tokens, _ = _keys(api)
    counter = _deploy(api, tokens[Role.DEVELOPER], "Counter")["address"]
    for role in (Role.ISSUER, Role.AGENT, Role.INVESTOR):
        r = api.call("POST", f"/v1/contracts/{counter}/call", token=tokens[role], json={"function": "count"})
        assert r.status_code == 403, (role, r.text)
    for role in (Role.DEVELOPER, Role.AUDITOR, Role.ADMIN):
        r = api.call("POST", f"/v1/contracts/{counter}/call", token=tokens[role], json={"function": "count"})
        assert r.status_code == 200 and r.json()["result"] == [0], (role, r.text)
    # verify runs solc: writers only (refused before anything is compiled)
    src = {"source": {"sources": {"C.sol": "contract C {}"}, "contract": "C"}}
    for role in (Role.AUDITOR, Role.ISSUER, Role.INVESTOR):
        assert (
            api.call("POST", f"/v1/contracts/{counter}/verify", token=tokens[role], json=src).status_code
            == 403
        )


def test_transact_is_audited_under_the_key(api):
    tokens, _ = _keys(api)
    dev = tokens[Role.DEVELOPER]
    counter = _deploy(api, dev, "Counter")["address"]
    before = len(_entries(api))
    r = api.call("POST", f"/v1/contracts/{counter}/transact", token=dev, json={"function": "increment"})
    assert r.status_code == 200 and r.json()["status"], r.text
    new = _entries(api)[before:]
    assert [e["action"] for e in new] == ["contract.transact"]
    entry = new[0]
    assert entry["actor"] == f"key:{dev.split('_')[1]}" and entry["subject"] == f"contract:{counter}"
    assert (
        entry["payload"]["function"] == "increment()" and entry["payload"]["tx_hash"] == r.json()["tx_hash"]
    )
    assert entry["payload"]["status"] is True


def test_the_deploying_key_is_recorded_and_only_it_or_an_admin_upgrades(api):
    tokens, _ = _keys(api)
    with api.sm.begin() as s:
        other_dev = make_key(s, "developer")
    dev = tokens[Role.DEVELOPER]
    proxy = _deploy(api, dev, "Counter", upgradeable=True)
    prefix = dev.split("_")[1]
    assert proxy["deployer_key"] == prefix
    deploys = [e for e in _entries(api) if e["action"] == "contract.deploy"]
    assert deploys[-1]["payload"]["deployer_key"] == prefix
    v2 = {"artifact": json.loads((BUILD / "CounterV2.json").read_text())}
    path = f"/v1/contracts/{proxy['address']}/upgrade"
    before = len(_entries(api))
    r = api.call("POST", path, token=other_dev, json=v2)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", r.text
    assert len(_entries(api)) == before  # refused before anything was deployed
    r = api.call("POST", path, token=dev, json=v2)
    assert r.status_code == 200 and len(r.json()["contract"]["implementations"]) == 2, r.text
    r = api.call("POST", path, token=tokens[Role.ADMIN], json=v2)
    assert r.status_code == 200 and len(r.json()["contract"]["implementations"]) == 3, r.text
