"""Every role against every REST endpoint: allowed -> 2xx, denied -> 403 (and no key -> 401).

Roles: admin; issuer of the asset and issuer of another; agent of the asset and agent of another;
auditor; developer; an investor (its own wallets); and no key at all. Each case prepares what it needs
through the services, so an allowed call succeeds for real. The table must cover every /v1 route
(the last test fails when a route is added without a row here). SQLite only: authorization does not
depend on the dialect, and the ledger tests cover both."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.main import create_app
from app.rwa.ledger import transfers as ledger
from app.rwa.registry import assets, documents
from app.rwa.registry.documents import BlobStore
from tests.rwa.factories import ACTOR, address, make_asset, make_investor, make_issuer, make_key, unique

BUILD = Path(__file__).resolve().parents[2] / "contracts" / "build"
ROLES = [
    "admin",
    "issuer",
    "issuer_other",
    "agent",
    "agent_other",
    "auditor",
    "developer",
    "investor",
    "anonymous",
]
ALL = set(ROLES) - {"anonymous"}
REGISTRY = ("issuers", "assets", "ledger", "documents", "identities", "keys", "audit", "chain", "contracts")
WRITER = {"admin", "developer"}  # contracts: compile, verify, deploy, transact, upgrade
CALLER = WRITER | {"auditor"}  # read-only contract calls
WRITE_ID = {"admin", "issuer", "issuer_other", "agent", "agent_other"}  # onboard (each for its issuer)
READ_ID = WRITE_ID | {"auditor"}
STEWARD = {"admin", "issuer", "agent"}  # change an identity: its onboarding issuer, its assets' agents
OWNER = {"admin", "issuer"}
OPERATOR = {"admin", "issuer", "agent"}
LEDGER_READ = OPERATOR | {"auditor"}
AUDIT = {"admin", "auditor"}


@dataclass
class Ctx:
    api: Any
    sym: str = ""
    issuer_id: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    investor_id: int = 0
    other_id: int = 0
    a: str = address("role-a")  # the investor's wallet
    b: str = address("role-b")
    counter: str = ""  # a contract deployed by the admin key, and its deploy transaction
    tx: str = ""

    def store(self) -> BlobStore:
        return BlobStore(self.api.settings.documents_dir, self.api.settings.max_upload_bytes)

    def active(self) -> None:
        with self.api.sm.begin() as s:
            if assets.asset_by_symbol(s, self.sym).status != "active":
                assets.set_status(s, actor=ACTOR, symbol=self.sym, status="active")

    def fund(self, wallet: str, units: int = 10) -> None:
        with self.api.sm.begin() as s:
            ledger.issue(s, actor=ACTOR, symbol=self.sym, wallet=wallet, units=units)

    def fresh_holder(self) -> str:
        w = address(unique("holder-"))
        with self.api.sm.begin() as s:
            make_investor(s, w, issuer_id=self.issuer_id)  # its stewards may register its new wallet
        self.fund(w)
        return w


def setup(api) -> Ctx:  # type: ignore[no-untyped-def]
    ctx = Ctx(api)
    with api.sm.begin() as s:
        issuer = make_issuer(s)
        other_issuer = make_issuer(s)
        ctx.issuer_id = issuer.id
        ctx.sym = make_asset(s, issuer=issuer).symbol
        other_sym = make_asset(s, issuer=other_issuer).symbol
        # both onboarded by the asset's issuer: its keys and its assets' agents may change them
        ctx.investor_id = make_investor(s, ctx.a, issuer_id=issuer.id)
        ctx.other_id = make_investor(s, ctx.b, issuer_id=issuer.id)
        ctx.tokens = {
            "admin": api.admin,
            "issuer": make_key(s, "issuer", issuer_id=issuer.id),
            "issuer_other": make_key(s, "issuer", issuer_id=other_issuer.id),
            "agent": make_key(s, "agent", assets=[ctx.sym]),
            "agent_other": make_key(s, "agent", assets=[other_sym]),
            "auditor": make_key(s, "auditor"),
            "developer": make_key(s, "developer"),
            "investor": make_key(s, "investor", identity_id=ctx.investor_id),
        }
        ledger.issue(s, actor=ACTOR, symbol=ctx.sym, wallet=ctx.a, units=1_000_000)
        documents.upload(
            s, ctx.store(), actor=ACTOR, symbol=ctx.sym, name="prospectus", kind="prospectus", content=b"p"
        )
    r = api.call("POST", "/v1/contracts", json={"artifact": _artifact("Counter")})
    ctx.counter, ctx.tx = r.json()["contract"]["address"], r.json()["transaction"]["tx_hash"]
    return ctx


def _artifact(name: str) -> dict[str, Any]:
    return json.loads((BUILD / f"{name}.json").read_text())  # type: ignore[no-any-return]


def _upgrade(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    """A proxy deployed by the caller's own key when it may deploy (only that key or an admin upgrades)."""
    token = c.tokens[role] if role in WRITER else c.api.admin
    r = c.api.call(
        "POST", "/v1/contracts", token=token, json={"artifact": _artifact("Counter"), "upgradeable": True}
    )
    path = f"/v1/contracts/{r.json()['contract']['address']}/upgrade"
    return "POST", path, {"json": {"artifact": _artifact("CounterV2")}}


SOURCE = {"sources": {"C.sol": "contract C {}"}, "contract": "C"}


def _asset_body(c: Ctx, role: str) -> dict[str, Any]:
    body = {
        "symbol": unique("N"),
        "name": "n",
        "asset_class": "fund",
        "jurisdiction": "LU",
        "currency": "EUR",
    }
    return body | ({"issuer_id": c.issuer_id} if role in ("admin", "anonymous") else {})


def _draft(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    with c.api.sm.begin() as s:
        sym = make_asset(s, issuer=assets.issuer_by_id(s, c.issuer_id), status="draft").symbol
    return "POST", f"/v1/assets/{sym}/status", {"json": {"status": "active"}}


def _pause(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    c.active()
    return "POST", f"/v1/assets/{c.sym}/status", {"json": {"status": "paused"}}


def _transfer(path: str):  # type: ignore[no-untyped-def]
    def build(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
        c.active()
        return "POST", f"/v1/assets/{c.sym}/{path}", {"json": {"from": c.a, "to": c.b, "units": 1}}

    return build


def _redeem(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/v1/assets/{c.sym}/redeem", {"json": {"wallet": c.a, "units": 1}}


def _recovery(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    lost = c.fresh_holder()
    return (
        "POST",
        f"/v1/assets/{c.sym}/recovery",
        {"json": {"lost_wallet": lost, "new_wallet": address(unique("n"))}},
    )


def _doc_delete(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    name = unique("doc-")
    with c.api.sm.begin() as s:
        documents.upload(s, c.store(), actor=ACTOR, symbol=c.sym, name=name, kind="other", content=b"x")
    return "DELETE", f"/v1/assets/{c.sym}/documents/{name}", {}


def _revoke(c: Ctx, role: str) -> tuple[str, str, dict[str, Any]]:
    with c.api.sm.begin() as s:
        token = make_key(s, "developer")
    return "DELETE", f"/v1/keys/{token.split('_')[1]}", {}


def _identity(c: Ctx, role: str) -> dict[str, Any]:
    return {"reference": unique("ref-"), "label": "x", "country": 250, "category": "retail"}


def simple(method: str, path: str, **kw: Any):  # type: ignore[no-untyped-def]
    return lambda c, role: (
        method,
        path.format(c=c),
        {k: (v(c, role) if callable(v) else v) for k, v in kw.items()},
    )


KYC = {"kyc_status": "verified", "kyc_expires_at": "2099-01-01T00:00:00Z"}
# (method, route template) -> (request builder, roles allowed)
MATRIX: dict[tuple[str, str], tuple[Any, set[str]]] = {
    ("POST", "/v1/issuers"): (
        simple("POST", "/v1/issuers", json=lambda c, r: {"name": unique("I"), "country": 40}),
        {"admin"},
    ),
    ("GET", "/v1/issuers"): (simple("GET", "/v1/issuers"), {"admin", "issuer", "issuer_other", "auditor"}),
    ("POST", "/v1/assets"): (
        simple("POST", "/v1/assets", json=_asset_body),
        {"admin", "issuer", "issuer_other"},
    ),
    ("GET", "/v1/assets"): (simple("GET", "/v1/assets"), ALL),
    ("GET", "/v1/assets/{symbol}"): (simple("GET", "/v1/assets/{c.sym}"), ALL),
    ("POST", "/v1/assets/{symbol}/status"): (_pause, OPERATOR),
    ("POST", "/v1/assets/{symbol}/status#manage"): (_draft, OWNER),
    ("PUT", "/v1/assets/{symbol}/rules"): (simple("PUT", "/v1/assets/{c.sym}/rules", json={}), OWNER),
    ("GET", "/v1/assets/{symbol}/holdings"): (simple("GET", "/v1/assets/{c.sym}/holdings"), LEDGER_READ),
    ("GET", "/v1/assets/{symbol}/movements"): (simple("GET", "/v1/assets/{c.sym}/movements"), LEDGER_READ),
    ("POST", "/v1/assets/{symbol}/issue"): (
        simple("POST", "/v1/assets/{c.sym}/issue", json=lambda c, r: {"wallet": c.b, "units": "5"}),
        OPERATOR,
    ),
    ("POST", "/v1/assets/{symbol}/redeem"): (_redeem, OPERATOR),
    ("POST", "/v1/assets/{symbol}/can-transfer"): (_transfer("can-transfer"), OPERATOR | {"investor"}),
    # a plain transfer moves only the caller's own units: operators use forced transfers
    ("POST", "/v1/assets/{symbol}/transfers"): (_transfer("transfers"), {"investor"}),
    ("POST", "/v1/assets/{symbol}/transfers/batch"): (
        lambda c, r: (
            "POST",
            f"/v1/assets/{c.sym}/transfers/batch",
            {
                "json": {
                    "transfers": [
                        {"from": c.a, "to": c.b, "units": 1},
                        {"from": c.a, "to": c.b, "units": "2"},
                    ]
                }
            },
        ),
        {"investor"},
    ),
    ("POST", "/v1/assets/{symbol}/forced-transfers"): (
        lambda c, r: (
            "POST",
            f"/v1/assets/{c.sym}/forced-transfers",
            {"json": {"from": c.a, "to": c.b, "units": 1, "reason": "order"}},
        ),
        OPERATOR,
    ),
    ("POST", "/v1/assets/{symbol}/freeze"): (
        simple("POST", "/v1/assets/{c.sym}/freeze", json=lambda c, r: {"wallet": c.b, "units": 1}),
        OPERATOR,
    ),
    ("POST", "/v1/assets/{symbol}/unfreeze"): (
        simple("POST", "/v1/assets/{c.sym}/unfreeze", json=lambda c, r: {"wallet": c.b}),
        OPERATOR,
    ),
    ("POST", "/v1/assets/{symbol}/recovery"): (_recovery, OPERATOR),
    ("GET", "/v1/assets/{symbol}/documents"): (simple("GET", "/v1/assets/{c.sym}/documents"), LEDGER_READ),
    ("POST", "/v1/assets/{symbol}/documents/{name}"): (
        simple(
            "POST", "/v1/assets/{c.sym}/documents/prospectus", params={"kind": "prospectus"}, content=b"v2"
        ),
        OWNER,
    ),
    ("GET", "/v1/assets/{symbol}/documents/{name}"): (
        simple("GET", "/v1/assets/{c.sym}/documents/prospectus"),
        LEDGER_READ,
    ),
    ("GET", "/v1/assets/{symbol}/documents/{name}/content"): (
        simple("GET", "/v1/assets/{c.sym}/documents/prospectus/content"),
        LEDGER_READ,
    ),
    ("DELETE", "/v1/assets/{symbol}/documents/{name}"): (_doc_delete, OWNER),
    ("POST", "/v1/identities"): (simple("POST", "/v1/identities", json=_identity), WRITE_ID),
    ("GET", "/v1/identities"): (simple("GET", "/v1/identities"), READ_ID),
    ("GET", "/v1/identities/{identity_id}"): (
        simple("GET", "/v1/identities/{c.investor_id}"),
        READ_ID | {"investor"},
    ),
    ("GET", "/v1/identities/{identity_id}#other"): (simple("GET", "/v1/identities/{c.other_id}"), READ_ID),
    ("PUT", "/v1/identities/{identity_id}/kyc"): (
        simple("PUT", "/v1/identities/{c.other_id}/kyc", json=KYC),
        STEWARD,
    ),
    ("POST", "/v1/identities/{identity_id}/wallets"): (
        simple(
            "POST", "/v1/identities/{c.other_id}/wallets", json=lambda c, r: {"address": address(unique("w"))}
        ),
        STEWARD,
    ),
    ("GET", "/v1/identities/{identity_id}/holdings"): (
        simple("GET", "/v1/identities/{c.investor_id}/holdings"),
        READ_ID | {"investor"},
    ),
    ("POST", "/v1/keys"): (simple("POST", "/v1/keys", json={"name": "k", "role": "auditor"}), {"admin"}),
    ("GET", "/v1/keys"): (simple("GET", "/v1/keys"), {"admin"}),
    ("GET", "/v1/keys/me"): (simple("GET", "/v1/keys/me"), ALL),
    ("DELETE", "/v1/keys/{prefix}"): (_revoke, {"admin"}),
    ("GET", "/v1/audit/entries"): (simple("GET", "/v1/audit/entries"), AUDIT),
    ("GET", "/v1/audit/entries/{seq}/proof"): (simple("GET", "/v1/audit/entries/1/proof"), AUDIT),
    ("GET", "/v1/audit/export"): (simple("GET", "/v1/audit/export"), AUDIT),
    ("GET", "/v1/audit/public-key"): (simple("GET", "/v1/audit/public-key"), set(ROLES)),
    # the chain and its contract registry
    ("GET", "/v1/blocks/{block}"): (simple("GET", "/v1/blocks/latest"), ALL),
    ("GET", "/v1/transactions/{tx_hash}"): (simple("GET", "/v1/transactions/{c.tx}"), ALL),
    ("GET", "/v1/contracts"): (simple("GET", "/v1/contracts"), ALL),
    ("GET", "/v1/contracts/{address}"): (simple("GET", "/v1/contracts/{c.counter}"), ALL),
    ("POST", "/v1/contracts/{address}/call"): (
        simple("POST", "/v1/contracts/{c.counter}/call", json={"function": "count"}),
        CALLER,
    ),
    ("POST", "/v1/contracts/compile"): (
        simple("POST", "/v1/contracts/compile", json={"sources": SOURCE["sources"]}),
        WRITER,
    ),
    ("POST", "/v1/contracts"): (
        simple("POST", "/v1/contracts", json=lambda c, r: {"artifact": _artifact("Counter")}),
        WRITER,
    ),
    ("POST", "/v1/contracts/{address}/transact"): (
        simple("POST", "/v1/contracts/{c.counter}/transact", json={"function": "increment"}),
        WRITER,
    ),
    ("POST", "/v1/contracts/{address}/upgrade"): (_upgrade, WRITER),
    ("POST", "/v1/contracts/{address}/verify"): (
        simple("POST", "/v1/contracts/{c.counter}/verify", json={"source": SOURCE}),
        WRITER,
    ),
}


@pytest.mark.slow  # ~10 s: every route, every role, solc for compile and verify
def test_every_role_against_every_endpoint(sqlite_api):
    ctx = setup(sqlite_api)
    failures = []
    for (method, route), (build, allowed) in MATRIX.items():
        for role in ROLES:
            m, path, kw = build(ctx, role)
            headers = {} if role == "anonymous" else {"Authorization": f"Bearer {ctx.tokens[role]}"}
            r = sqlite_api.client.request(m, path, headers=headers, **kw)
            if role in allowed:
                ok = 200 <= r.status_code < 300
            else:
                expected = 401 if role == "anonymous" else 403
                ok = r.status_code == expected and r.json()["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
            if not ok:
                failures.append(f"{role:12s} {method} {route} -> {r.status_code} {r.text[:160]}")
    assert not failures, "\n".join(failures)


def test_investor_moves_units_only_from_its_own_wallets(sqlite_api):
    ctx = setup(sqlite_api)
    r = sqlite_api.client.post(
        f"/v1/assets/{ctx.sym}/transfers",
        headers={"X-API-Key": ctx.tokens["investor"]},
        json={"from": ctx.b, "to": ctx.a, "units": 1},
    )
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"


def test_revoked_and_unknown_keys_are_refused(sqlite_api):
    ctx = setup(sqlite_api)
    token = ctx.tokens["auditor"]
    assert sqlite_api.client.get("/v1/keys/me", headers={"X-API-Key": token}).status_code == 200
    assert sqlite_api.call("DELETE", f"/v1/keys/{token.split('_')[1]}").status_code == 200
    for headers in (
        {"X-API-Key": token},
        {"Authorization": "Bearer aur_nope_nope"},
        {"Authorization": "Basic x"},
    ):
        r = sqlite_api.client.get("/v1/keys/me", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


_ROUTE_PACKAGE = {"chain": "chain.blocks", "contracts": "chain.contracts"}  # the rest: routes/registry/
REGISTRY_MODULES = {f"app.api.routes.{_ROUTE_PACKAGE.get(m, 'registry.' + m)}" for m in REGISTRY}


def test_the_matrix_covers_every_registry_route():
    """Enumerated from create_app() itself: a route added to a registry module without a row here fails.
    (Every route of every module, registry or not, is checked for its declared permission, 403 and 401 by
    tests/api/test_permissions.py.)"""
    routes = {
        (m, str(ctx.path))
        for ctx in iter_route_contexts(create_app().routes)
        if isinstance(ctx.original_route, APIRoute) and ctx.endpoint.__module__ in REGISTRY_MODULES
        for m in ctx.methods
    }
    covered = {(m, path.split("#")[0]) for m, path in MATRIX}
    assert routes == covered


@pytest.mark.parametrize("role", ["developer", "auditor"])
def test_read_only_roles_cannot_write_anything(sqlite_api, role):
    """Belt and braces over the matrix: no registry write lets these roles through (a developer writes
    contracts only; a contract call is a read)."""
    writes = [
        (m, r)
        for (m, r), (_, allowed) in MATRIX.items()
        if m != "GET" and role in allowed and not r.startswith("/v1/contracts")
    ]
    assert writes == []
    posts = {r for (m, r), (_, allowed) in MATRIX.items() if m != "GET" and role in allowed}
    assert role == "developer" or posts == {"/v1/contracts/{address}/call"}
