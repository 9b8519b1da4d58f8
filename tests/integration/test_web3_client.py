"""web3.py used as a dApp developer uses it, against `aurigraph serve` over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

BUILD = Path(__file__).resolve().parents[2] / "contracts" / "build"
KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # dev account 1
ME = Account.from_key(KEY)
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def artifact(name: str) -> dict:
    return json.loads((BUILD / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def w3(server) -> Web3:
    return Web3(Web3.HTTPProvider(server.url, request_kwargs={"timeout": 30}))


def transact(w3: Web3, fn_or_ctor, **extra) -> dict:
    tx = fn_or_ctor.build_transaction(
        {"from": ME.address, "nonce": w3.eth.get_transaction_count(ME.address, "pending"), **extra}
    )
    signed = ME.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)


@pytest.fixture(scope="module")
def token(w3: Web3):
    art = artifact("AuriToken")
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = transact(w3, factory.constructor("Auri", "AUR", 1_000_000 * 10**18))
    assert receipt.status == 1
    return w3.eth.contract(address=receipt.contractAddress, abi=art["abi"])


def test_deploy_call_and_events(w3: Web3, token):
    assert token.functions.symbol().call() == "AUR"
    assert token.functions.balanceOf(ME.address).call() == 1_000_000 * 10**18
    receipt = transact(w3, token.functions.transfer(BOB, 1234))
    assert receipt.status == 1 and receipt.gasUsed > 21_000
    (event,) = token.events.Transfer().process_receipt(receipt)
    assert event.args["from"] == ME.address and event.args["to"] == BOB and event.args["value"] == 1234
    assert token.functions.balanceOf(BOB).call() == 1234

    logs = w3.eth.get_logs(
        {
            "fromBlock": 0,
            "address": token.address,
            "topics": [Web3.keccak(text="Transfer(address,address,uint256)")],
        }
    )
    assert any(lg["transactionHash"] == receipt.transactionHash for lg in logs)
    via_contract = token.events.Transfer.get_logs(
        from_block=receipt.blockNumber, to_block=receipt.blockNumber
    )
    assert [e.args["value"] for e in via_contract] == [1234]
    # topic OR-lists and null positions
    to_bob = w3.eth.get_logs(
        {"fromBlock": 0, "topics": [None, None, ["0x" + "00" * 12 + BOB[2:].lower(), "0x" + "11" * 32]]}
    )
    assert {lg["transactionHash"] for lg in to_bob} == {receipt.transactionHash}


def test_reverts_are_decoded_by_web3(w3: Web3, token):
    with pytest.raises(ContractCustomError) as exc:
        token.functions.transfer(BOB, 10**40).call({"from": ME.address})
    # OpenZeppelin's ERC20InsufficientBalance(address,uint256,uint256) selector
    assert exc.value.data.startswith(
        "0x" + Web3.keccak(text="ERC20InsufficientBalance(address,uint256,uint256)")[:4].hex()
    )
    before = w3.eth.block_number
    with pytest.raises((ContractCustomError, ContractLogicError)):
        token.functions.transfer(BOB, 10**40).estimate_gas({"from": ME.address})
    assert w3.eth.block_number == before


def test_estimate_gas_is_the_exact_minimum(w3: Web3, token):
    fn = token.functions.transfer("0x90F79bf6EB2c4f870365E785982E1f101E93b906", 5)
    estimate = fn.estimate_gas({"from": ME.address})
    # one gas less fails, the estimate succeeds
    short = transact(w3, fn, gas=estimate - 1)
    assert short.status == 0
    ok = transact(w3, fn, gas=estimate)
    assert ok.status == 1


def test_block_filter_and_log_filter(w3: Web3, token):
    blocks = w3.eth.filter("latest")
    transfers = token.events.Transfer.create_filter(from_block="latest")
    receipt = transact(w3, token.functions.transfer(BOB, 7))
    assert receipt.blockHash in blocks.get_new_entries()
    assert [e.args["value"] for e in transfers.get_new_entries()] == [7]
    assert transfers.get_new_entries() == []
    assert w3.eth.uninstall_filter(blocks.filter_id)


def test_snapshot_and_revert(w3: Web3, token):
    snap = w3.provider.make_request("evm_snapshot", [])["result"]
    head = w3.eth.block_number
    transact(w3, token.functions.transfer(BOB, 99))
    bob = token.functions.balanceOf(BOB).call()
    assert w3.provider.make_request("evm_revert", [snap])["result"] is True
    assert w3.eth.block_number == head
    assert token.functions.balanceOf(BOB).call() == bob - 99
    # the chain goes on from the reverted head
    assert transact(w3, token.functions.transfer(BOB, 1)).blockNumber == head + 1


def test_fee_market_fields(w3: Web3):
    block = w3.eth.get_block("latest")
    assert block.baseFeePerGas > 0 and block.gasLimit == 30_000_000
    assert w3.eth.max_priority_fee > 0
    hist = w3.eth.fee_history(3, "latest", [25, 75])
    assert len(hist.baseFeePerGas) == 4 and len(hist.reward) == 3
