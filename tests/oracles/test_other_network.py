"""The "other network" path: an aggregator on a separate anvil node, read over HTTP through web3.py's
HTTPProvider by the same reader code, and used as the fallback of a feed on our own chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.oracles.base import FeedSpec, Guard, Source
from app.oracles.chainlink import deploy_aggregator, push_answer, read_meta, read_round, updated_feeds
from app.oracles.errors import FeedUnavailable
from app.oracles.provider import make_web3
from tests.anvilproc import AnvilProcess
from tests.oracles.conftest import block_time

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilProcess]:
    node = AnvilProcess(tmp_path_factory.mktemp("anvil") / "anvil.log").start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
def remote(anvil):
    w3 = make_web3(anvil.url)
    sender = w3.eth.accounts[0]  # anvil's unlocked dev account
    address = deploy_aggregator(
        w3, decimals=8, description="EUR / USD", answer=Decimal("1.0850"), sender=sender
    )
    return w3, sender, address


def test_reads_and_pushes_an_aggregator_on_anvil_over_http(remote):
    w3, sender, address = remote
    assert read_meta(w3, address).description == "EUR / USD"
    start = w3.eth.block_number + 1
    assert push_answer(w3, address, Decimal("1.0912"), sender) == 2
    rd = read_round(w3, address)
    assert (rd.round_id, rd.answer, rd.answered_in_round) == (2, 109_120_000, 2)
    assert updated_feeds(w3, start, w3.eth.block_number, [address]) == {address}


def test_the_reader_values_a_feed_on_another_network(anvil, remote, reader):
    w3, sender, address = remote
    push_answer(w3, address, Decimal("1.1000"), sender)
    now = datetime.fromtimestamp(w3.eth.get_block("latest")["timestamp"], UTC)
    quote = reader.read(FeedSpec("EUR/USD", address, network=anvil.url, market_hours="fx"), now)
    assert (quote.network, quote.feed_address, quote.price, quote.source) == (
        anvil.url,
        address,
        Decimal("1.1"),
        Source.PRIMARY,
    )


def test_a_stale_feed_on_our_chain_falls_back_to_the_other_network(anvil, remote, reader, w3, feed):
    local = feed(Decimal("1.0800"))
    now = block_time(w3) + timedelta(hours=2)  # our feed's heartbeat is one hour
    remote_w3, sender, address = remote
    push_answer(remote_w3, address, Decimal("1.0950"), sender)
    fallback = FeedSpec("EUR/USD", address, network=anvil.url, heartbeat_s=86_400 * 365)
    quote = reader.read(FeedSpec("EUR/USD", local, fallback=fallback), now)
    assert (quote.source, quote.network, quote.price, quote.failed) == (
        Source.FALLBACK,
        anvil.url,
        Decimal("1.095"),
        (Guard.STALE,),
    )


def test_an_unreachable_node_is_a_failed_feed_not_a_crash(reader, remote):
    _, _, address = remote
    dead = FeedSpec("EUR/USD", address, network="http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(FeedUnavailable) as exc:
        reader.read(dead, datetime.now(UTC))
    assert exc.value.guards == (Guard.REVERTED,)
