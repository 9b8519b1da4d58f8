"""AuriAggregator on our chain, through web3.py: Chainlink's AggregatorV3Interface, its round history, the
events Chainlink's aggregators emit, owner-only updates; and Chainlink's own MockV3Aggregator beside it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account
from web3.exceptions import ContractLogicError

from app.evm.contracts.compiler import compile_sources
from app.oracles.base import FeedSpec, RoundData
from app.oracles.chainlink import (
    FeedMeta,
    aggregator,
    deploy_aggregator,
    push_answer,
    read_meta,
    read_round,
    scale,
    updated_feeds,
)
from app.oracles.errors import NotAnAggregator, PushRefused, RoundNotFound
from tests.oracles.conftest import block_time, set_round

DEV_KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # anvil's account 1


def test_reads_meta_and_the_first_round(w3, feed):
    address = feed(Decimal("2345.67"), description="XAU / USD")
    assert read_meta(w3, address) == FeedMeta(decimals=8, description="XAU / USD", version=1)
    rd = read_round(w3, address)
    head = w3.eth.get_block("latest")
    assert rd == RoundData(1, 234_567_000_000, head["timestamp"], head["timestamp"], 1)


def test_push_answer_starts_a_new_round_and_keeps_the_history(w3, feed, owner):
    address = feed(Decimal("100"))
    assert push_answer(w3, address, Decimal("101.25"), owner) == 2
    assert push_answer(w3, address, 99, owner) == 3
    assert read_round(w3, address).answer == 9_900_000_000
    assert [read_round(w3, address, r).answer for r in (1, 2, 3)] == [10**10, 10_125_000_000, 99 * 10**8]
    with pytest.raises(RoundNotFound, match="has no round 4"):
        read_round(w3, address, 4)  # as Chainlink's aggregators: "No data present" for an unknown round


def test_updates_emit_new_round_and_answer_updated_as_chainlink(w3, feed, owner):
    address = feed(Decimal("1.0850"))
    block = w3.eth.block_number
    push_answer(w3, address, Decimal("1.0900"), owner)
    contract = aggregator(w3, address)
    [new_round] = contract.events.NewRound().get_logs(from_block=block + 1)
    [updated] = contract.events.AnswerUpdated().get_logs(from_block=block + 1)
    ts = w3.eth.get_block(block + 1)["timestamp"]
    assert dict(new_round["args"]) == {"roundId": 2, "startedBy": owner, "startedAt": ts}
    assert dict(updated["args"]) == {"current": 109_000_000, "roundId": 2, "updatedAt": ts}
    # the signatures indexers key on: AnswerUpdated(int256,uint256,uint256), NewRound(uint256,address,uint256)
    raw = w3.eth.get_logs({"address": address, "fromBlock": block + 1})
    assert [log["topics"][0] for log in raw] == [
        w3.keccak(text="NewRound(uint256,address,uint256)"),
        w3.keccak(text="AnswerUpdated(int256,uint256,uint256)"),
    ]


def test_only_the_owner_may_update(w3, feed):
    address = feed()
    other = w3.eth.accounts[1]
    with pytest.raises(PushRefused, match="only the owner"):
        push_answer(w3, address, Decimal("1"), other)
    with pytest.raises(ContractLogicError, match="only the owner"):
        set_round(w3, address, other, 9, 1, 1, 1)
    stranger = "0x" + "cd" * 20  # our chain holds no key for it
    with pytest.raises(PushRefused, match="the node refused the transaction: no key for account"):
        deploy_aggregator(w3, decimals=8, description="X", answer=1, sender=stranger)
    assert read_round(w3, address).round_id == 1


def test_update_round_data_makes_stale_and_unanswered_rounds(w3, feed, owner):
    address = feed(Decimal("50"))
    set_round(w3, address, owner, 7, 51 * 10**8, 1_000, 900)  # an old round
    assert read_round(w3, address) == RoundData(7, 51 * 10**8, 900, 1_000, 7)
    set_round(w3, address, owner, 8, 0, 0, 1_100)  # started, not answered: carries round 7
    assert read_round(w3, address) == RoundData(8, 0, 1_100, 0, 7)
    assert read_round(w3, address, 7).answer == 51 * 10**8


def test_ownership_moves_and_a_local_key_signs(w3, feed, owner):
    address = feed()
    signer = Account.from_key(DEV_KEY_1)
    fn = aggregator(w3, address).functions.transferOwnership(signer.address)
    w3.eth.wait_for_transaction_receipt(fn.transact({"from": owner}))
    assert push_answer(w3, address, Decimal("3"), signer) == 2  # signed here, sent raw
    with pytest.raises(PushRefused):
        push_answer(w3, address, Decimal("4"), owner)


def test_updated_feeds_finds_the_aggregators_whose_answer_moved(w3, feed, owner):
    a, b, c = feed(), feed(), feed()
    start = w3.eth.block_number + 1
    push_answer(w3, a, Decimal("2"), owner)
    push_answer(w3, c, Decimal("2"), owner)
    end = w3.eth.block_number
    assert updated_feeds(w3, start, end, [a, b, c]) == {a, c}
    assert updated_feeds(w3, start, end, [b.lower()]) == set()
    assert updated_feeds(w3, start, end, []) == set()
    assert updated_feeds(w3, end, end, None) == {c}
    with pytest.raises(NotAnAggregator, match="20-byte"):
        updated_feeds(w3, start, end, ["0xnope"])


def test_deploy_refuses_decimals_a_uint8_cannot_hold(w3, owner):
    with pytest.raises(ValueError, match="uint8"):
        deploy_aggregator(w3, decimals=256, description="X", answer=1, sender=owner)


def test_scale_is_exact_and_refuses_lost_places():
    assert scale(Decimal("2345.67"), 8) == 234_567_000_000
    assert scale(7, 0) == 7
    with pytest.raises(ValueError, match="more than the feed's 2 decimal places"):
        scale(Decimal("1.005"), 2)
    with pytest.raises(TypeError):
        scale(1.5, 8)  # type: ignore[arg-type]


MOCK_SOURCE = 'import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";\n'


@pytest.mark.slow  # one solc run (1-3 s)
def test_chainlinks_mock_v3_aggregator_compiles_deploys_and_reads_the_same(w3, feed, owner, reader):
    mock = compile_sources({"Mock.sol": MOCK_SOURCE}, contract="MockV3Aggregator")["MockV3Aggregator"]
    assert mock.metadata["settings"]["evmVersion"] == "prague"
    factory = w3.eth.contract(abi=mock.abi, bytecode=mock.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(8, 2_345_67000000).transact({"from": owner})
    )
    mock_address = receipt["contractAddress"]
    ours = feed(Decimal("2345.67"))
    assert read_meta(w3, mock_address) == FeedMeta(8, "v0.8/tests/MockV3Aggregator.sol", 0)
    assert read_round(w3, mock_address).answer == read_round(w3, ours).answer == 234_567_000_000
    assert push_answer(w3, mock_address, Decimal("2400"), owner) == 2  # no event: the round read back
    push_answer(w3, ours, Decimal("2400"), owner)
    at = block_time(w3)
    q_mock = reader.read(FeedSpec("XAU/USD", mock_address), at)
    q_ours = reader.read(FeedSpec("XAU/USD", ours), at)
    assert (q_mock.round_id, q_mock.answer, q_mock.decimals, q_mock.price) == (2, 240_000_000_000, 8, 2400)
    assert (q_ours.round_id, q_ours.answer, q_ours.decimals, q_ours.price) == (2, 240_000_000_000, 8, 2400)
    assert not q_mock.stale and not q_ours.stale and q_mock.failed == q_ours.failed == ()
