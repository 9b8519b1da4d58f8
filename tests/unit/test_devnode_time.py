"""Exact time travel in process: whatever number of blocks were mined quickly before (they run ahead of
the wall clock, 1 s apart at least), the block after ``evm_increaseTime(N)`` is N seconds after the latest
one, plus the wall time that passed. Before the fix the lead those blocks had
swallowed part of N (+86 s for 100 after 15 blocks)."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_chain_rpc import ok, open_rpc


@pytest.fixture(scope="module")
def rpc(tmp_path_factory):
    from tests.conftest import make_database

    gen = make_database("sqlite", tmp_path_factory.mktemp("time"))
    r = open_rpc(next(gen))
    yield r
    r.chain.close()
    next(gen, None)


def head_time(rpc) -> int:
    return int(ok(rpc, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks_before=st.integers(0, 30), seconds=st.integers(1, 10**7), hex_arg=st.booleans())
def test_next_block_is_exactly_n_seconds_after_the_latest(rpc, blocks_before, seconds, hex_arg):
    if blocks_before:
        ok(rpc, "anvil_mine", hex(blocks_before))
    before = head_time(rpc)
    wall, started = int(time.time()), time.monotonic()
    answer = ok(rpc, "evm_increaseTime", hex(seconds) if hex_arg else seconds)
    assert isinstance(answer, int) and answer >= seconds
    ok(rpc, "evm_mine")
    passed = math.ceil(time.monotonic() - started)  # the wall time that really passed meanwhile
    # the clock stood at wall + (answer - seconds): the latest block, or that clock when it is later
    assert before + seconds <= head_time(rpc) <= max(before, wall + answer - seconds) + seconds + 1 + passed
