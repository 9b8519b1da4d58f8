"""A production chain that runs (issue 11, item 5): a genesis file in geth's format funds accounts, sets the
chain id, base fee, gas limit, timestamp and extra data; a signed transaction is mined and its receipt read
over HTTP; the database remembers its genesis and refuses to start with another one."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from eth_account import Account
from starlette.exceptions import StarletteDeprecationWarning

from app.config import Settings
from app.db import make_engine
from app.evm.errors import GenesisError
from app.evm.node.chain import Chain
from app.main import create_app
from app.rwa.audit.signing_key import keygen

with warnings.catch_warnings():  # starlette asks for `httpx2`, which is not installed: httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

OPERATOR = Account.from_key("0x" + "42" * 32)
VAULT = "0x" + "ab" * 20
VAULT_CODE = "0x60005460005260206000f3"  # returns storage slot 0
CHAIN_ID = 4242


def genesis_doc(**changes) -> dict:
    doc = {
        "config": {"chainId": CHAIN_ID, "londonBlock": 0, "terminalTotalDifficulty": 0},
        "nonce": "0x0",
        "difficulty": "0x0",
        "timestamp": "0x6553f100",
        "extraData": "0x617572696772617068",  # "aurigraph"
        "gasLimit": "0x1c9c380",
        "baseFeePerGas": "0x1a13b8600",  # 7 gwei
        "alloc": {
            OPERATOR.address[2:].lower(): {"balance": "1000000000000000000000"},  # decimal, no 0x key
            VAULT: {
                "balance": "0x0",
                "nonce": "0x1",
                "code": VAULT_CODE,
                "storage": {"0x00": "0x" + "00" * 31 + "2a"},
            },
        },
    }
    doc.update(changes)
    return doc


def write(tmp_path: Path, doc: dict, name: str = "genesis.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def rpc(client, method: str, *params):
    out = client.post("/", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()
    assert "result" in out, out
    return out["result"]


def test_a_signed_transaction_on_a_production_chain_funded_by_the_genesis_file(db_url, tmp_path):
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, env="production", genesis_file=write(tmp_path, genesis_doc())
    )
    keygen(settings.audit_key_file)  # production starts only with an audit signing key
    with TestClient(create_app(settings)) as client:
        assert rpc(client, "eth_chainId") == hex(CHAIN_ID)
        assert rpc(client, "eth_accounts") == []
        block0 = rpc(client, "eth_getBlockByNumber", "0x0", False)
        assert block0["baseFeePerGas"] == hex(7 * 10**9) and block0["gasLimit"] == hex(30_000_000)
        assert block0["timestamp"] == "0x6553f100" and block0["extraData"] == "0x617572696772617068"
        assert rpc(client, "eth_getBalance", OPERATOR.address, "latest") == hex(10**21)
        assert rpc(client, "eth_getCode", VAULT, "latest") == VAULT_CODE
        assert rpc(client, "eth_getTransactionCount", VAULT, "latest") == "0x1"
        assert int(rpc(client, "eth_call", {"to": VAULT}, "latest"), 16) == 42
        tx = {
            "type": 2, "chainId": CHAIN_ID, "nonce": 0, "to": "0x" + "77" * 20, "value": 10**18,
            "gas": 21_000, "maxFeePerGas": 20 * 10**9, "maxPriorityFeePerGas": 10**9,
        }  # fmt: skip
        raw = "0x" + bytes(OPERATOR.sign_transaction(tx).raw_transaction).hex()
        receipt = rpc(client, "eth_getTransactionReceipt", rpc(client, "eth_sendRawTransaction", raw))
        assert receipt["status"] == "0x1" and receipt["blockNumber"] == "0x1"
        base_fee = int(rpc(client, "eth_getBlockByNumber", "0x1", False)["baseFeePerGas"], 16)
        assert base_fee == 7 * 10**9 * 7 // 8  # EIP-1559 from the genesis base fee (an empty block 0)
        assert receipt["effectiveGasPrice"] == hex(base_fee + 10**9)
        assert rpc(client, "eth_getBalance", "0x" + "77" * 20, "latest") == hex(10**18)


def _open(url: str, **settings) -> Chain:
    return Chain(make_engine(url), Settings(database_url=url, **settings))


def test_the_database_refuses_another_genesis(db_url, tmp_path):
    path = write(tmp_path, genesis_doc())
    chain = _open(db_url, genesis_file=path)
    block0 = chain.block_hash(0)
    chain.close()
    again = _open(db_url, genesis_file=path)  # the same file: starts, same genesis
    assert again.block_hash(0) == block0 and again.chain_id == CHAIN_ID
    again.close()
    other = write(tmp_path, genesis_doc(baseFeePerGas="0x1"), "other.json")
    with pytest.raises(GenesisError, match="another genesis"):
        _open(db_url, genesis_file=other)
    with pytest.raises(GenesisError, match="AURIGRAPH_GENESIS_FILE"):
        _open(db_url)  # the dev defaults on a database made from a file
    with pytest.raises(GenesisError, match="chain id"):
        _open(db_url, genesis_file=write(tmp_path, genesis_doc(config={"chainId": 1}), "c.json"))
    _open(db_url, genesis_file=path).close()  # the refusals released the writer lock


def test_a_dev_database_refuses_a_genesis_file_and_another_chain_id(sqlite_url, tmp_path):
    _open(sqlite_url).close()
    with pytest.raises(GenesisError, match="another genesis"):  # even with the same chain id
        _open(sqlite_url, genesis_file=write(tmp_path, genesis_doc(config={"chainId": 31337})))
    with pytest.raises(GenesisError, match="chain id"):
        _open(sqlite_url, chain_id=1)
    _open(sqlite_url).close()


def test_initial_base_fee_is_used_by_the_dev_genesis(sqlite_url):
    chain = _open(sqlite_url, initial_base_fee=3 * 10**9)
    try:
        assert chain.header(0).base_fee_per_gas == 3 * 10**9  # before: always py-evm's 1 gwei
    finally:
        chain.close()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"alloc": {}}, "config.chainId"),
        (genesis_doc(alloc={"0x12": {"balance": "0x1"}}), "20 bytes"),
        (genesis_doc(gasLimit="lots"), "gasLimit"),
        (genesis_doc(extraData="0x" + "00" * 33), "extraData"),
        (genesis_doc(alloc={VAULT: {"balance": -1}}), "out of range"),
    ],
)
def test_a_bad_genesis_file_is_refused_with_a_clear_message(sqlite_url, tmp_path, doc, message):
    with pytest.raises(GenesisError, match=message):
        _open(sqlite_url, genesis_file=write(tmp_path, doc))
