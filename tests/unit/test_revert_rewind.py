"""evm_revert rewinds every row the reverted blocks wrote (issue 11, item 8): the contract registry and the
implementation history go back to the kept block, and the append-only audit trail keeps its entries and
records the rewind as an entry of its own."""

from __future__ import annotations

import json
import warnings

import pytest
from sqlalchemy import create_engine, select
from starlette.exceptions import StarletteDeprecationWarning

from app.config import Settings
from app.db import make_engine
from app.evm.contracts.service import ContractService, parse_artifact
from app.evm.node.chain import Chain
from app.main import create_app
from app.rwa.audit.models import AuditEntry
from tests.serverproc import ROOT

with warnings.catch_warnings():  # starlette asks for `httpx2`, which is not installed: httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

STORE_INIT = "0x6006600c60003960066000f3" + "600160005500"  # runtime: SSTORE(0, 1)
DEV0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def rpc(client: TestClient, method: str, *params):
    r = client.post("/", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    return r.json()


def ok(client: TestClient, method: str, *params):
    out = rpc(client, method, *params)
    assert "result" in out, out
    return out["result"]


def deploy(client: TestClient) -> dict:
    tx = ok(client, "eth_sendTransaction", {"from": DEV0, "data": STORE_INIT})
    return ok(client, "eth_getTransactionReceipt", tx)


def test_snapshot_deploy_revert_deploy_again_works_and_the_registry_forgets(db_url, tmp_path):
    settings = Settings(database_url=db_url, data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        registry = client.app.state.contracts
        sid = ok(client, "evm_snapshot")
        first = deploy(client)
        assert [c["address"] for c in registry.list()] == [first["contractAddress"]]
        assert ok(client, "evm_revert", sid) is True
        assert registry.list() == []  # before the fix the reverted contract was still listed
        again = deploy(client)  # before: -32603 (UNIQUE constraint failed: evm_contract.address)
        assert again["contractAddress"] == first["contractAddress"]
        assert [c["tx_hash"] for c in registry.list()] == [again["transactionHash"]]
    engine = create_engine(db_url)
    with engine.connect() as conn:
        entries = conn.execute(select(AuditEntry).order_by(AuditEntry.seq)).all()
    engine.dispose()
    assert [e.action for e in entries] == ["contract.deploy", "chain.rewind", "contract.deploy"]
    rewind = json.loads(entries[1].payload)
    assert rewind["reason"] == "evm_revert"
    assert (rewind["kept_block"], rewind["old_head"], rewind["blocks_removed"]) == (0, 1, 1)
    assert rewind["contracts"] == [first["contractAddress"]]
    assert rewind["transactions"] == [first["transactionHash"]]


def _build(name: str):
    return parse_artifact(json.loads((ROOT / "contracts" / "build" / f"{name}.json").read_text()))


@pytest.fixture
def svc(db_url):
    chain = Chain(make_engine(db_url), Settings(database_url=db_url))
    yield ContractService(chain)
    chain.close()


def test_a_reverted_upgrade_restores_the_previous_implementation(svc):
    admin = svc.chain.accounts[0].address
    out = svc.deploy_upgradeable(_build("Counter"), None, sender=admin)
    proxy = bytes.fromhex(out.contract_address[2:])
    before = svc.get(proxy)
    sid = svc.chain.snapshot()
    svc.upgrade(proxy, _build("CounterV2"), None, sender=admin)
    assert [h["version"] for h in svc.get(proxy)["implementations"]] == [1, 2]
    svc.chain.revert(sid)
    after = svc.get(proxy)
    assert after["implementation"] == before["implementation"]
    assert after["name"] == "Counter" and after["abi"] == before["abi"]
    assert [h["version"] for h in after["implementations"]] == [1]
    assert len(svc.list()) == 2  # the implementation and the proxy; the reverted implementation is gone
    svc.upgrade(proxy, _build("CounterV2"), None, sender=admin)  # upgrading again works, as version 2
    assert [h["version"] for h in svc.get(proxy)["implementations"]] == [1, 2]
    assert svc.call(proxy, "version", [])["result"] == ["2"]


def test_rewind_to_refuses_a_block_above_the_head(svc):
    from app.evm.errors import InvalidParams

    with pytest.raises(InvalidParams):
        svc.chain.rewind_to(5, reason="test")
