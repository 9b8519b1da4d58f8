"""End to end over real HTTP: `aurigraph keys create` bootstraps an admin key, `aurigraph serve` runs as a
real process, and an issuer, an agent, an investor and an auditor play their parts with their own keys.
The auditor finally verifies the exported trail offline against the published key."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import httpx
import pytest

from app.rwa.audit.merkle import verify_inclusion
from app.rwa.audit.verify import verify_jsonl
from tests.serverproc import ROOT, ServerProcess

pytestmark = pytest.mark.slow

ANN, ANN_NEW, BOB = ("0x" + c * 40 for c in "a1b")


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def __call__(self, method: str, path: str, expect: int = 200, **kw):  # type: ignore[no-untyped-def]
        r = self.http.request(method, path, **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        json_type = r.headers.get("content-type", "") in ("application/json", "application/problem+json")
        return r.json() if json_type else r


def test_issuer_agent_investor_auditor(db_url, tmp_path):
    env = {**os.environ, "AURIGRAPH_DATABASE_URL": db_url, "AURIGRAPH_DATA_DIR": str(tmp_path / "data")}
    boot = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--role", "admin"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    admin_token = boot.stdout.strip().splitlines()[-1]
    server = ServerProcess(db_url, tmp_path / "server.log", AURIGRAPH_DATA_DIR=str(tmp_path / "data")).start()
    try:
        admin = Client(server.url, admin_token)
        issuer_id = admin(
            "POST", "/v1/issuers", 201, json={"name": "Nordlicht Immobilien GmbH", "country": 276}
        )["id"]
        issuer = Client(
            server.url,
            admin("POST", "/v1/keys", 201, json={"name": "issuer", "role": "issuer", "issuer_id": issuer_id})[
                "token"
            ],
        )
        auditor = Client(
            server.url, admin("POST", "/v1/keys", 201, json={"name": "aud", "role": "auditor"})["token"]
        )

        # issuer: the asset, its rules, its investors, its prospectus
        issuer(
            "POST",
            "/v1/assets",
            201,
            json={
                "symbol": "HAM-1",
                "name": "Hamburg Hafencity Residential",
                "asset_class": "real_estate",
                "jurisdiction": "DE",
                "currency": "EUR",
                "decimals": 18,
                "max_units": str(10**24),
                "rules": {"allowed_countries": [276, 250, 40], "min_transfer": "1000"},
            },
        )
        ann = issuer(
            "POST",
            "/v1/identities",
            201,
            json={
                "reference": "kyc-ann",
                "label": "Ann Becker",
                "country": 276,
                "category": "retail",
                "kyc_status": "verified",
                "kyc_expires_at": "2099-01-01T00:00:00Z",
                "wallets": [ANN],
            },
        )["id"]
        issuer(
            "POST",
            "/v1/identities",
            201,
            json={
                "reference": "kyc-bob",
                "label": "Bob Martin",
                "country": 250,
                "category": "professional",
                "kyc_status": "verified",
                "kyc_expires_at": "2099-01-01T00:00:00Z",
                "wallets": [BOB],
            },
        )
        prospectus = b"%PDF-1.7 Hafencity offering memorandum"
        issuer(
            "POST",
            "/v1/assets/HAM-1/documents/prospectus",
            201,
            params={"kind": "prospectus"},
            content=prospectus,
            headers={"content-type": "application/pdf"},
        )
        issuer("POST", "/v1/assets/HAM-1/status", json={"status": "active"})

        agent = Client(
            server.url,
            admin("POST", "/v1/keys", 201, json={"name": "agent", "role": "agent", "assets": ["HAM-1"]})[
                "token"
            ],
        )
        investor = Client(
            server.url,
            admin("POST", "/v1/keys", 201, json={"name": "ann", "role": "investor", "identity_id": ann})[
                "token"
            ],
        )

        # agent: mint to Ann, freeze part of it
        unit = 10**18
        agent("POST", "/v1/assets/HAM-1/issue", 201, json={"wallet": ANN, "units": str(1000 * unit)})
        agent("POST", "/v1/assets/HAM-1/freeze", json={"wallet": ANN, "units": str(100 * unit)})

        # investor: sees its holdings, pre-checks, is refused over the free balance, then transfers
        mine = investor("GET", f"/v1/identities/{ann}/holdings")
        assert mine == [
            {
                "asset": "HAM-1",
                "wallet": ANN,
                "identity_id": ann,
                "balance": str(1000 * unit),
                "frozen_units": str(100 * unit),
                "frozen": False,
            }
        ]
        check = investor(
            "POST", "/v1/assets/HAM-1/can-transfer", json={"from": ANN, "to": BOB, "units": str(950 * unit)}
        )
        assert (check["allowed"], check["code"], check["reason"]) == (False, 11, "INSUFFICIENT_FREE_BALANCE")
        refused = investor(
            "POST", "/v1/assets/HAM-1/transfers", 409, json={"from": ANN, "to": BOB, "units": str(950 * unit)}
        )
        assert refused["code"] == "INSUFFICIENT_FREE_BALANCE"
        moved = investor(
            "POST", "/v1/assets/HAM-1/transfers", 201, json={"from": ANN, "to": BOB, "units": str(500 * unit)}
        )
        assert moved["actor"].startswith("key:")
        investor("POST", "/v1/assets/HAM-1/transfers", 403, json={"from": BOB, "to": ANN, "units": "1000"})
        investor("GET", "/v1/assets/HAM-1/holdings", 403)

        # agent: forced transfer under an order, then Ann's lost key is recovered to a new wallet
        forced = agent(
            "POST",
            "/v1/assets/HAM-1/forced-transfers",
            201,
            json={"from": BOB, "to": ANN, "units": "10", "reason": "rectification order 12/2026"},
        )
        assert forced["overridden"] == ["BELOW_MINIMUM_TRANSFER"]
        agent("POST", "/v1/assets/HAM-1/recovery", 201, json={"lost_wallet": ANN, "new_wallet": ANN_NEW})
        register = {
            h["wallet"]: (h["balance"], h["frozen_units"]) for h in agent("GET", "/v1/assets/HAM-1/holdings")
        }
        assert register == {
            ANN_NEW: (str(500 * unit + 10), str(100 * unit)),
            BOB: (str(500 * unit - 10), "0"),
        }
        agent("PUT", "/v1/assets/HAM-1/rules", 403, json={})

        # auditor: reads, proves an entry, downloads and checks the prospectus, exports and verifies offline
        auditor("POST", "/v1/assets/HAM-1/transfers", 403, json={"from": BOB, "to": ANN_NEW, "units": "1000"})
        entries = auditor("GET", "/v1/audit/entries", params={"asset": "HAM-1", "limit": 1000})
        actions = [e["action"] for e in entries]
        assert actions[:2] == ["asset.create", "document.set"] and "ledger.forced_transfer" in actions
        doc_entry = entries[1]
        assert doc_entry["payload"]["sha256"] == hashlib.sha256(prospectus).hexdigest()
        download = auditor("GET", "/v1/assets/HAM-1/documents/prospectus/content")
        assert hashlib.sha256(download.content).hexdigest() == download.headers["x-content-sha256"]
        proof = auditor("GET", f"/v1/audit/entries/{doc_entry['seq']}/proof")
        assert verify_inclusion(
            bytes.fromhex(proof["entry_hash"]),
            proof["leaf_index"],
            proof["tree_size"],
            [bytes.fromhex(p) for p in proof["path"]],
            bytes.fromhex(proof["root"]),
        )
        pubkey = httpx.get(f"{server.url}/v1/audit/public-key").json()["public_key"]
        export = auditor("GET", "/v1/audit/export")
        (tmp_path / "trail.jsonl").write_bytes(export.content)
        result = verify_jsonl(tmp_path / "trail.jsonl", bytes.fromhex(pubkey))
        assert result.ok, result.summary()
        assert result.entries == len(auditor("GET", "/v1/audit/entries", params={"limit": 1000}))
    finally:
        server.stop()
