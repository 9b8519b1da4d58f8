"""Every consumer guard, on real aggregators on our chain read through web3.py: a fresh answer passes; each
failing guard leads to the fallback feed, else to the previous good quote marked stale, else to
FeedUnavailable, and is counted in the metrics; never silently."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.oracles.base import FeedSpec, Guard, PriceQuote, Source
from app.oracles.chainlink import ChainlinkReader, push_answer
from app.oracles.errors import FeedUnavailable
from app.oracles.provider import Networks
from tests.oracles.conftest import block_time, deploy_counter, sample, set_code, set_round

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a trading day, long before the chain's blocks
FRIDAY_CLOSE = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
SUNDAY_OPEN = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
REVERT_ALWAYS = "0x60006000fd"  # PUSH1 0 PUSH1 0 REVERT: a feed shut down, every call reverts


def ts(at: datetime) -> int:
    return int(at.timestamp())


@dataclass
class Case:
    spec: FeedSpec
    now: datetime
    previous: PriceQuote | None = None


def good_quote(address: str, price: int = 100, pair: str = "XAU/USD") -> PriceQuote:
    return PriceQuote(pair, "local", address, 1, price * 10**8, 8, TUESDAY - timedelta(days=1))


# each builds a feed that fails exactly one guard at `now`
def stale(w3, owner, feed, rpc, pair):
    address = feed()
    set_round(w3, address, owner, 2, 100 * 10**8, ts(TUESDAY), ts(TUESDAY))
    return Case(FeedSpec(pair, address, heartbeat_s=3600, grace_s=60), TUESDAY + timedelta(seconds=3661))


def zero(w3, owner, feed, rpc, pair):
    address = feed()
    push_answer(w3, address, 0, owner)
    return Case(FeedSpec(pair, address), block_time(w3))


def negative(w3, owner, feed, rpc, pair):
    address = feed()
    push_answer(w3, address, Decimal("-5"), owner)
    return Case(FeedSpec(pair, address), block_time(w3))


def above_max(w3, owner, feed, rpc, pair):
    return Case(FeedSpec(pair, feed(Decimal("200")), max_answer=Decimal("150")), block_time(w3))


def below_min(w3, owner, feed, rpc, pair):
    return Case(FeedSpec(pair, feed(Decimal("0.5")), min_answer=Decimal("1")), block_time(w3))


def jump(w3, owner, feed, rpc, pair):
    address = feed(Decimal("100"))
    push_answer(w3, address, Decimal("120"), owner)  # +20 % in one round
    spec = FeedSpec(pair, address, max_jump=Decimal("0.1"))
    return Case(spec, block_time(w3), previous=good_quote(address, 100, pair))


def shut_down(w3, owner, feed, rpc, pair):
    address = feed()
    set_code(rpc, address, REVERT_ALWAYS)
    return Case(FeedSpec(pair, address), block_time(w3))


def no_contract(w3, owner, feed, rpc, pair):
    return Case(FeedSpec(pair, "0x" + "5e" * 20), block_time(w3))


def not_an_aggregator(w3, owner, feed, rpc, pair):
    return Case(FeedSpec(pair, deploy_counter(w3, owner)), block_time(w3))


def unanswered_round(w3, owner, feed, rpc, pair):
    address = feed()
    now = block_time(w3)
    set_round(w3, address, owner, 2, 101 * 10**8, 0, ts(now))  # started, updatedAt 0, answeredInRound 1
    return Case(FeedSpec(pair, address), now)


def zero_decimals(w3, owner, feed, rpc, pair):
    return Case(FeedSpec(pair, feed(Decimal("100"), decimals=0)), block_time(w3))


def decimals_37(w3, owner, feed, rpc, pair):
    return Case(FeedSpec(pair, feed(Decimal("100"), decimals=37)), block_time(w3))


def sequencer_is_down(w3, owner, feed, rpc, pair):
    sequencer = feed(1, decimals=0, description="L2 Sequencer Uptime Status Feed")  # 1 = down
    return Case(FeedSpec(pair, feed(), sequencer_address=sequencer), block_time(w3))


def sequencer_in_grace(w3, owner, feed, rpc, pair):
    now = block_time(w3)
    sequencer = feed(1, decimals=0)
    set_round(w3, sequencer, owner, 2, 0, ts(now), ts(now) - 600)  # up again 10 minutes ago
    return Case(FeedSpec(pair, feed(), sequencer_address=sequencer, sequencer_grace_s=3600), now)


CASES = {
    stale: Guard.STALE,
    zero: Guard.NON_POSITIVE,
    negative: Guard.NON_POSITIVE,
    above_max: Guard.OUT_OF_BOUNDS,
    below_min: Guard.OUT_OF_BOUNDS,
    jump: Guard.JUMP,
    shut_down: Guard.REVERTED,
    no_contract: Guard.REVERTED,
    not_an_aggregator: Guard.REVERTED,
    unanswered_round: Guard.INCOMPLETE_ROUND,
    zero_decimals: Guard.BAD_DECIMALS,
    decimals_37: Guard.BAD_DECIMALS,
    sequencer_is_down: Guard.SEQUENCER_DOWN,
    sequencer_in_grace: Guard.SEQUENCER_DOWN,
}
PARAMS = [pytest.param(make, guard, id=make.__name__) for make, guard in CASES.items()]


@pytest.mark.parametrize(("make", "guard"), PARAMS)
def test_a_failed_guard_reads_the_fallback_feed(w3, owner, feed, rpc, reader, make, guard):
    pair = f"{make.__name__}-fallback/USD"
    case = make(w3, owner, feed, rpc, pair)
    backup = feed(Decimal("101"))
    quote = reader.read(replace(case.spec, fallback=FeedSpec("XAU/USD", backup)), case.now, case.previous)
    assert (quote.source, quote.feed_address, quote.pair, quote.price) == (Source.FALLBACK, backup, pair, 101)
    assert quote.failed == (guard,) and not quote.stale
    assert sample("aurigraph_feed_guard_failures_total", pair=pair, guard=guard.value) == 1
    assert sample("aurigraph_feed_answers_read_total", pair=pair, source="fallback") == 1


@pytest.mark.parametrize(("make", "guard"), PARAMS)
def test_without_fallback_the_last_good_quote_is_kept_and_marked_stale(
    w3, owner, feed, rpc, reader, make, guard
):
    pair = f"{make.__name__}-last-good/USD"
    case = make(w3, owner, feed, rpc, pair)
    previous = case.previous or good_quote(case.spec.address, 98, pair)
    quote = reader.read(case.spec, case.now, previous)
    assert quote == replace(previous, stale=True, source=Source.LAST_GOOD, failed=(guard,))
    assert sample("aurigraph_feed_answers_read_total", pair=pair, source="last_good") == 1


@pytest.mark.parametrize(("make", "guard"), [p for p in PARAMS if p.id != "jump"])  # jump needs a previous
def test_with_nothing_to_fall_back_on_the_feed_is_unavailable(w3, owner, feed, rpc, reader, make, guard):
    case = make(w3, owner, feed, rpc, "XAU/USD")
    with pytest.raises(FeedUnavailable) as exc:
        reader.read(case.spec, case.now)
    assert exc.value.guards == (guard,) and exc.value.kind == "unavailable"
    assert guard.value in str(exc.value)


def test_a_fresh_answer_passes_every_guard(w3, owner, feed, reader):
    address = feed(Decimal("2345.67"))
    sequencer = feed(1, decimals=0)
    now = block_time(w3)
    set_round(w3, sequencer, owner, 2, 0, ts(now), ts(now) - 7200)  # up for two hours
    spec = FeedSpec(
        "FRESH/USD",
        address,
        min_answer=Decimal("1000"),
        max_answer=Decimal("5000"),
        max_jump=Decimal("0.05"),
        market_hours="metals",
        sequencer_address=sequencer,
        sequencer_grace_s=3600,
        fallback=FeedSpec("FRESH/USD", "0x" + "00" * 19 + "01"),
    )
    push_answer(w3, address, Decimal("2400"), owner)  # +2.3 % on the previous good quote
    now = block_time(w3)
    quote = reader.read(spec, now, good_quote(address, 2345, "FRESH/USD"))
    assert quote == PriceQuote("FRESH/USD", "local", address, 2, 240_000_000_000, 8, now, Source.PRIMARY)
    assert quote.price == Decimal("2400")
    assert sample("aurigraph_feed_answers_read_total", pair="FRESH/USD", source="primary") == 1


def test_several_failed_guards_are_all_named(w3, owner, feed, reader):
    address = feed()
    set_round(w3, address, owner, 2, -1, ts(TUESDAY), ts(TUESDAY))
    with pytest.raises(FeedUnavailable) as exc:
        reader.read(FeedSpec("MANY/USD", address), TUESDAY + timedelta(days=1))
    assert exc.value.guards == (Guard.NON_POSITIVE, Guard.STALE)


def test_a_failing_fallback_adds_its_guards_and_the_last_good_quote_is_kept(w3, owner, feed, reader):
    primary, backup = feed(Decimal("200")), feed(Decimal("-1"))
    spec = FeedSpec("BOTH/USD", primary, max_answer=Decimal("150"), fallback=FeedSpec("BOTH/USD", backup))
    previous = good_quote(primary, 120, "BOTH/USD")
    quote = reader.read(spec, block_time(w3), previous)
    assert (quote.source, quote.stale, quote.answer) == (Source.LAST_GOOD, True, previous.answer)
    assert quote.failed == (Guard.OUT_OF_BOUNDS, Guard.NON_POSITIVE)


@pytest.mark.parametrize(
    ("hours", "now", "guard"),
    [
        ("fx", SUNDAY_OPEN - timedelta(hours=10), Guard.MARKET_CLOSED),  # Sunday noon: 38 h old
        ("metals", SUNDAY_OPEN - timedelta(minutes=1), Guard.MARKET_CLOSED),
        ("always", SUNDAY_OPEN - timedelta(hours=10), Guard.STALE),  # crypto trades on weekends
        ("fx", SUNDAY_OPEN + timedelta(hours=2), Guard.STALE),  # open again and still no new round
    ],
)
def test_a_weekend_is_not_an_alarm_for_fx_and_metals(w3, owner, feed, reader, hours, now, guard):
    address = feed()
    friday = FRIDAY_CLOSE - timedelta(minutes=5)  # the last round before the close
    set_round(w3, address, owner, 2, 108_500_000, ts(friday), ts(friday))
    pair = f"WEEKEND-{hours}-{guard.value}/USD"
    fallback = FeedSpec(pair, feed())
    spec = FeedSpec(pair, address, heartbeat_s=86_400, market_hours=hours, fallback=fallback)  # as FX feeds
    quote = reader.read(spec, now, good_quote(address, 1, pair))
    if guard is Guard.MARKET_CLOSED:  # the feed's own (Friday) answer, marked, no fallback, nothing counted
        assert (quote.source, quote.feed_address, quote.answer) == (Source.PRIMARY, address, 108_500_000)
        assert quote.stale and quote.failed == (Guard.MARKET_CLOSED,)
        assert sample("aurigraph_feed_guard_failures_total", pair=pair, guard="market_closed") == 0
    else:
        assert quote.source is Source.FALLBACK and quote.failed == (Guard.STALE,)
        assert sample("aurigraph_feed_guard_failures_total", pair=pair, guard="stale") == 1


def test_now_must_be_timezone_aware(w3, feed, reader):
    with pytest.raises(ValueError, match="timezone-aware"):
        reader.read(FeedSpec("X/USD", feed()), datetime(2026, 1, 1))


def test_decimals_are_read_from_the_feed_once(rpc, w3, feed):
    address = feed(Decimal("7"), decimals=18)
    selectors: list[str] = []

    def counting(request):
        if request["method"] == "eth_call":
            selectors.append(request["params"][0]["data"][:10])
        return rpc.handle(request)

    own = ChainlinkReader(Networks(counting))
    first = own.read(FeedSpec("ONCE/USD", address), block_time(w3))
    second = own.read(FeedSpec("ONCE/USD", address.lower()), block_time(w3))
    assert first.decimals == second.decimals == 18 and second.price == 7

    def selector(signature: str) -> str:
        return "0x" + bytes(w3.keccak(text=signature)[:4]).hex()

    assert selectors.count(selector("decimals()")) == 1
    assert selectors.count(selector("latestRoundData()")) == 2
