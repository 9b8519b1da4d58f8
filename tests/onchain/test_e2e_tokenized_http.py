"""End to end over real HTTP and JSON-RPC (issue 14): an issuer registers an asset with rules and tokenizes
it; an investor transfers with a raw transaction signed in web3.py; transfers to an unverified and to a
denied-country wallet revert on-chain while the pre-check names the same rule; the REST transfer points to
the on-chain route; an agent freezes and force-transfers over REST (the operator signs on-chain) and the
registry follows; a KYC revocation removes the claim on-chain; the audit export verifies offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from app.evm.node.genesis.accounts import dev_accounts
from app.rwa.audit.verify import verify_jsonl
from app.rwa.tokenization import artifacts
from tests.serverproc import ROOT, ServerProcess

pytestmark = pytest.mark.slow

DE, FR, US = 276, 250, 840
ACCOUNTS = [
    a.account for a in dev_accounts("test test test test test test test test test test test junk", 10)
]


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120)

    def __call__(self, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        json_type = r.headers.get("content-type", "") in ("application/json", "application/problem+json")
        return r.json() if json_type else r


def _admin_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--role", "admin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _send(w3: Web3, acct: LocalAccount, token: str, to: str, units: int) -> dict[str, Any]:
    """The holder's own signed transfer, sent raw (gas set: a refused transfer is mined with status 0)."""
    c = w3.eth.contract(address=Web3.to_checksum_address(token), abi=artifacts.abi("Token"))
    tx = c.functions.transfer(Web3.to_checksum_address(to), units).build_transaction(
        {"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address), "gas": 600_000}
    )
    return dict(
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        )
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_tokenized_asset_end_to_end(dialect: str, tmp_path: Path) -> None:
    from tests.conftest import make_database

    gen = make_database(dialect, tmp_path)
    url = next(gen)
    data = str(tmp_path / "data")
    env = {**os.environ, "AURIGRAPH_DATABASE_URL": url, "AURIGRAPH_DATA_DIR": data}
    admin_token = _admin_key(env)
    server = ServerProcess(url, tmp_path / "server.log", AURIGRAPH_DATA_DIR=data).start()
    try:
        _play(server, admin_token, tmp_path)
    finally:
        server.stop()
        next(gen, None)


def _play(server: ServerProcess, admin_token: str, tmp_path: Path) -> None:
    admin = Client(server.url, admin_token)
    issuer_id = admin("POST", "/v1/issuers", 201, json={"name": "Rhein Anleihen AG", "country": DE})["id"]
    issuer = Client(
        server.url,
        admin("POST", "/v1/keys", 201, json={"name": "i", "role": "issuer", "issuer_id": issuer_id})["token"],
    )
    issuer(
        "POST",
        "/v1/assets",
        201,
        json={
            "symbol": "RHB-1",
            "name": "Rhein Bond 2030",
            "asset_class": "bond",
            "jurisdiction": "DE",
            "currency": "EUR",
            "decimals": 2,
            "rules": {"denied_countries": [US], "min_transfer": "5", "max_balance": "100000"},
        },
    )
    alice, bob, carol, dave = ACCOUNTS[1:5]
    people = {}
    for name, acct, country, kyc in (
        ("alice", alice, DE, "verified"),
        ("bob", bob, FR, "verified"),
        ("carol", carol, US, "verified"),
        ("dave", dave, DE, "pending"),
    ):
        body: dict[str, Any] = {
            "reference": f"kyc-{name}",
            "label": name,
            "country": country,
            "category": "retail",
            "kyc_status": kyc,
            "wallets": [acct.address],
        }
        if kyc == "verified":
            body["kyc_expires_at"] = "2099-01-01T00:00:00Z"
        people[name] = issuer("POST", "/v1/identities", 201, json=body)["id"]
    issuer("POST", "/v1/assets/RHB-1/status", json={"status": "active"})
    issuer("POST", "/v1/assets/RHB-1/issue", 201, json={"wallet": alice.address, "units": "30000"})
    issuer("POST", "/v1/assets/RHB-1/issue", 201, json={"wallet": bob.address, "units": "10000"})

    w3 = Web3(Web3.HTTPProvider(server.url))
    investor = Client(
        server.url,
        admin(
            "POST", "/v1/keys", 201, json={"name": "a", "role": "investor", "identity_id": people["alice"]}
        )["token"],
    )
    # a rule the suite cannot express: refused, naming it, before anything is deployed
    issuer(
        "POST",
        "/v1/assets",
        201,
        json={
            "symbol": "CAT-1",
            "name": "Professionals only",
            "asset_class": "fund",
            "jurisdiction": "DE",
            "currency": "EUR",
            "rules": {"allowed_categories": ["professional"]},
        },
    )
    issuer("POST", "/v1/assets/CAT-1/status", json={"status": "active"})
    head = w3.eth.block_number
    refused = issuer("POST", "/v1/assets/CAT-1/tokenize", 422)
    assert refused["code"] == "RULE_NOT_EXPRESSIBLE" and "allowed_categories" in refused["detail"]
    assert w3.eth.block_number == head
    # an investor may not tokenize; the issuer does, once
    investor("POST", "/v1/assets/RHB-1/tokenize", 403)
    t = issuer("POST", "/v1/assets/RHB-1/tokenize", 201)
    assert t["symbol"] == "RHB-1"
    issuer("POST", "/v1/assets/RHB-1/tokenize", 409)

    token = w3.eth.contract(address=Web3.to_checksum_address(t["token"]), abi=artifacts.abi("Token"))

    def register() -> dict[str, int]:
        return {h["wallet"]: int(h["balance"]) for h in issuer("GET", "/v1/assets/RHB-1/holdings")}

    def on_chain(wallet: str) -> int:
        return int(token.functions.balanceOf(Web3.to_checksum_address(wallet)).call())

    held = register()
    assert held == {alice.address.lower(): 30000, bob.address.lower(): 10000}
    assert all(on_chain(w) == units for w, units in held.items())

    # the investor's own signed transaction over JSON-RPC; the registry follows in the block's transaction
    assert _send(w3, alice, t["token"], bob.address, 2500)["status"] == 1
    held = register()
    assert held[alice.address.lower()] == 27500 == on_chain(alice.address)
    assert held[bob.address.lower()] == 12500 == on_chain(bob.address)

    # refused on-chain; the pre-check names the rule
    for to, rule in ((dave, "RECEIVER_NOT_VERIFIED"), (carol, "COUNTRY_NOT_ALLOWED")):
        verdict = investor(
            "POST",
            "/v1/assets/RHB-1/can-transfer",
            json={"from": alice.address, "to": to.address, "units": "100"},
        )
        assert (verdict["allowed"], verdict["reason"]) == (False, rule)
        assert _send(w3, alice, t["token"], to.address, 100)["status"] == 0
    assert register()[alice.address.lower()] == 27500 == on_chain(alice.address)

    # a REST transfer of a tokenized asset points to the on-chain route
    refused = investor(
        "POST",
        "/v1/assets/RHB-1/transfers",
        409,
        json={"from": alice.address, "to": bob.address, "units": "10"},
    )
    assert refused["code"] == "ASSET_TOKENIZED" and "JSON-RPC" in refused["detail"]

    # the agent freezes and force-transfers over REST: transactions the operator signs
    agent = Client(
        server.url,
        admin("POST", "/v1/keys", 201, json={"name": "ag", "role": "agent", "assets": ["RHB-1"]})["token"],
    )
    pos = agent("POST", "/v1/assets/RHB-1/freeze", json={"wallet": alice.address})
    assert pos["frozen"] is True and token.functions.isFrozen(alice.address).call() is True
    assert _send(w3, alice, t["token"], bob.address, 10)["status"] == 0
    forced = agent(
        "POST",
        "/v1/assets/RHB-1/forced-transfers",
        201,
        json={"from": alice.address, "to": bob.address, "units": "7500", "reason": "court order 7/2026"},
    )
    assert forced["kind"] == "forced_transfer" and forced["units"] == "7500"
    held = register()
    assert held[alice.address.lower()] == 20000 == on_chain(alice.address)
    assert held[bob.address.lower()] == 20000 == on_chain(bob.address)

    # KYC revoked in the registry: the claim goes on-chain in the same request
    issuer(
        "PUT", f"/v1/identities/{people['bob']}/kyc", json={"kyc_status": "revoked", "kyc_expires_at": None}
    )
    ir = w3.eth.contract(
        address=Web3.to_checksum_address(t["identity_registry"]), abi=artifacts.abi("IdentityRegistry")
    )
    assert ir.functions.isVerified(bob.address).call() is False

    # supply and holdings agree; the audit trail verifies offline
    supply = int(token.functions.totalSupply().call())
    assert int(issuer("GET", "/v1/assets/RHB-1")["issued_units"]) == supply == sum(register().values())
    auditor = Client(
        server.url, admin("POST", "/v1/keys", 201, json={"name": "au", "role": "auditor"})["token"]
    )
    actions = [
        e["action"] for e in auditor("GET", "/v1/audit/entries", params={"asset": "RHB-1", "limit": 1000})
    ]
    assert (
        "asset.tokenized" in actions and "ledger.forced_transfer" in actions and "ledger.transfer" in actions
    )
    pubkey = httpx.get(f"{server.url}/v1/audit/public-key").json()["public_key"]
    (tmp_path / "trail.jsonl").write_bytes(auditor("GET", "/v1/audit/export").content)
    result = verify_jsonl(tmp_path / "trail.jsonl", bytes.fromhex(pubkey))
    assert result.ok, result
