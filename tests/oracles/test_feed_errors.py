"""Bad feeds give clear errors with a kind the web layer maps: no contract, not an aggregator, decimals
outside 1..18, an unknown round; and pushing to something that is not our aggregator is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.oracles.chainlink import push_answer, read_meta, read_round
from app.oracles.errors import BadDecimals, NotAnAggregator, OracleError, RoundNotFound
from tests.oracles.conftest import deploy_counter, set_code


@pytest.fixture(scope="module")
def counter(w3, owner) -> str:
    return deploy_counter(w3, owner)


def test_an_address_without_code_is_not_an_aggregator(w3):
    empty = "0x" + "ab" * 20
    with pytest.raises(NotAnAggregator, match="holds no contract") as exc:
        read_meta(w3, empty)
    assert exc.value.kind == "invalid" and isinstance(exc.value, ValueError)
    with pytest.raises(NotAnAggregator, match="holds no contract"):
        read_round(w3, empty)


def test_a_contract_that_is_not_an_aggregator_is_refused(w3, counter, owner):
    with pytest.raises(NotAnAggregator, match=r"decimals\(\) reverted"):
        read_meta(w3, counter)
    with pytest.raises(NotAnAggregator):
        push_answer(w3, counter, Decimal("1"), owner)


def test_a_contract_answering_garbage_is_refused(rpc, w3):
    address = "0x" + "77" * 20
    one_byte = "0x60016000f3"  # PUSH1 1 PUSH1 0 RETURN: one zero byte for any call
    set_code(rpc, address, one_byte)
    with pytest.raises(NotAnAggregator, match=r"decimals\(\) does not answer as AggregatorV3Interface"):
        read_meta(w3, address)
    with pytest.raises(NotAnAggregator, match=r"latestRoundData\(\) does not answer"):
        read_round(w3, address)


@pytest.mark.parametrize("decimals", [0, 19, 36])
def test_decimals_outside_1_to_18_are_refused(w3, feed, decimals):
    address = feed(Decimal("5"), decimals=decimals)
    with pytest.raises(BadDecimals, match=f"decimals\\(\\) = {decimals}") as exc:
        read_meta(w3, address)
    assert exc.value.kind == "invalid"


@pytest.mark.parametrize("decimals", [1, 8, 18])
def test_decimals_1_to_18_are_read_from_the_feed(w3, feed, decimals):
    assert read_meta(w3, feed(Decimal("5"), decimals=decimals)).decimals == decimals
    assert read_round(w3, feed(Decimal("5"), decimals=decimals)).answer == 5 * 10**decimals


def test_an_unknown_round_is_not_found_and_a_malformed_address_is_invalid(w3, feed):
    with pytest.raises(RoundNotFound) as exc:
        read_round(w3, feed(), 12345)
    assert exc.value.kind == "not_found" and isinstance(exc.value, LookupError)
    with pytest.raises(NotAnAggregator, match="20-byte"):
        read_meta(w3, "0x1234")
    assert issubclass(NotAnAggregator, OracleError)
