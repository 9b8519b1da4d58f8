"""The in-process web3.py provider: web3's whole request stack over our JSON-RPC dispatcher, reads from
inside a block listener (no deadlock), and many threads sharing one Web3."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.middleware import Web3Middleware

from app.oracles.base import FeedSpec
from app.oracles.chainlink import push_answer, read_round, updated_feeds
from app.oracles.provider import InProcessProvider, Networks, make_web3


class Recorder(Web3Middleware):
    seen: list[str] = []

    def request_processor(self, method, params):
        Recorder.seen.append(method)
        return method, params


def test_requests_go_through_web3s_middleware_and_formatters(rpc, w3, owner):
    w3.middleware_onion.add(Recorder, "recorder")
    try:
        block = w3.eth.get_block("latest")
        assert isinstance(block["number"], int) and block["hash"] == w3.eth.get_block(block["number"])["hash"]
        assert w3.eth.chain_id == 31337 and w3.is_connected()
        assert w3.eth.get_balance(owner) > 10**18
        assert {"eth_getBlockByNumber", "eth_chainId", "eth_getBalance"} <= set(Recorder.seen)
    finally:
        w3.middleware_onion.remove("recorder")


def test_json_rpc_errors_become_web3s_exceptions(w3, feed):
    contract = w3.eth.contract(address=feed(), abi=[{
        "type": "function", "name": "getRoundData", "stateMutability": "view",
        "inputs": [{"name": "r", "type": "uint80"}], "outputs": [{"name": "", "type": "uint80"}],
    }])  # fmt: skip
    with pytest.raises(ContractLogicError, match="No data present"):
        contract.functions.getRoundData(99).call()


def test_batches_are_answered_in_order(w3):
    with w3.batch_requests() as batch:
        batch.add(w3.eth.get_block_number())
        batch.add(w3.eth.get_block(0))
        number, genesis = batch.execute()
    assert number == w3.eth.block_number and genesis["number"] == 0


def test_make_web3_picks_the_provider_by_network(rpc):
    assert isinstance(make_web3("local", rpc.handle).provider, InProcessProvider)
    assert isinstance(make_web3("http://127.0.0.1:1").provider, Web3.HTTPProvider)
    with pytest.raises(ValueError, match="dispatcher"):
        make_web3("local")
    with pytest.raises(ValueError, match="http"):
        make_web3("ftp://example.com")
    networks = Networks(rpc.handle)
    assert networks("local") is networks("local")


def test_a_block_listener_reads_feeds_through_web3_without_deadlock(rpc, w3, owner, feed, reader):
    """The listener runs on the thread that mined the block, holding the chain lock; it reads through the
    same Web3 whose request mined the block (push_answer below), and from a block mined on another thread."""
    address = feed(Decimal("100"))
    seen: list[tuple[int, set[str], int, Decimal]] = []

    def listener(block, txs):
        moved = updated_feeds(w3, block.number, block.number, [address])
        if moved:
            at = datetime.fromtimestamp(w3.eth.get_block(block.number)["timestamp"], UTC)
            quote = reader.read(FeedSpec("LISTEN/USD", address), at)
            seen.append((block.number, moved, read_round(w3, address).round_id, quote.price))

    def push(price):  # on a thread of its own, so that a deadlock fails the test instead of hanging it
        worker = threading.Thread(target=push_answer, args=(w3, address, Decimal(price), owner), daemon=True)
        worker.start()
        worker.join(30)
        assert not worker.is_alive(), "a read from the block listener deadlocked"

    rpc.chain.add_block_listener(listener)
    try:
        push(101)  # the block is mined inside the push's own request, and the listener reads from there
        rpc.handle({"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": []})  # a block without updates
        push(102)
    finally:
        rpc.chain.remove_block_listener(listener)
    assert [(moved, rid, price) for _, moved, rid, price in seen] == [
        ({address}, 2, Decimal("101")),
        ({address}, 3, Decimal("102")),
    ]


def test_threads_share_one_web3(w3, owner, feed):
    address = feed(Decimal("1"))
    answers: list[int] = []
    errors: list[BaseException] = []

    def read_many():
        try:
            for _ in range(25):
                answers.append(read_round(w3, address).answer)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    readers = [threading.Thread(target=read_many) for _ in range(6)]
    for t in readers:
        t.start()
    for price in range(2, 8):
        push_answer(w3, address, Decimal(price), owner)
    for t in readers:
        t.join(60)
    assert not errors and len(answers) == 150
    assert set(answers) <= {p * 10**8 for p in range(1, 8)}
    assert read_round(w3, address).answer == 7 * 10**8
