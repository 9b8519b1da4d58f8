"""Exact time travel, against anvil: after ``evm_increaseTime(N)`` the next block is N seconds after the
latest one (plus the wall time that really passed), however many blocks were mined quickly before it.
Our blocks are at least 1 s apart, so quick blocks run ahead of the wall clock; that lead must not swallow
part of the increase (it did: +86 s for 100 after 15 blocks)."""

from __future__ import annotations

import math
import time

import pytest

from tests.integration.rpcresults import result

pytestmark = [pytest.mark.anvil, pytest.mark.slow]


def head_time(node) -> int:
    return int(result(node, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)


@pytest.mark.parametrize("blocks_before", [0, 15])
def test_next_block_is_exactly_n_seconds_later_as_on_anvil(nodes, blocks_before):
    for node in nodes:
        for _ in range(blocks_before):
            result(node, "evm_mine")
        before = head_time(node)
        wall, started = int(time.time()), time.monotonic()
        offset = result(node, "evm_increaseTime", 100)
        assert isinstance(offset, int) and offset >= 100  # a JSON number, as anvil answers
        result(node, "evm_mine")
        passed = math.ceil(time.monotonic() - started)  # the wall time that really passed meanwhile
        # the node's clock before the increase was wall + (offset - 100): a latest block older than that
        # clock (a fresh node's genesis) is overtaken by it, as on anvil
        assert before + 100 <= head_time(node) <= max(before, wall + offset - 100) + 101 + passed, node


def test_hardhat_lock_pattern_and_the_anvil_alias(nodes):
    """Hardhat's documented lock test: increaseTime(3600) then mine; `withdraw` needs now >= unlock."""
    for node in nodes:
        for _ in range(5):
            result(node, "anvil_mine", "0x1")
        before = head_time(node)
        started = time.monotonic()
        assert isinstance(result(node, "anvil_increaseTime", "0xe10"), int)
        result(node, "anvil_mine", "0x1")
        passed = math.ceil(time.monotonic() - started)
        assert 3600 <= head_time(node) - before <= 3601 + passed, node
        # later blocks count on from there: time never goes back
        result(node, "evm_mine")
        assert head_time(node) >= before + 3600


def test_first_increase_answers_the_offset_as_anvil(tmp_path_factory):
    """On fresh nodes (no block ahead of the clock) both answer the sum of the increases."""
    from tests.anvilproc import AnvilProcess
    from tests.conftest import make_database
    from tests.serverproc import ServerProcess

    tmp = tmp_path_factory.mktemp("fresh")
    gen = make_database("sqlite", tmp)
    ours = ServerProcess(next(gen), tmp / "ours.log").start()
    anvil = AnvilProcess(tmp / "anvil.log").start()
    try:
        assert [result(n, "evm_increaseTime", 100) for n in (ours, anvil)] == [100, 100]
        assert [result(n, "anvil_increaseTime", "0x10") for n in (ours, anvil)] == [116, 116]
    finally:
        ours.stop()
        anvil.stop()
        next(gen, None)
