"""What the oracles half gives the rest of the service: feed specs in, guarded price quotes out.

This is the seam between `app/oracles/` (which reads feeds through web3.py and knows nothing of assets) and
`app/rwa/valuation/` (which keeps the feed registry, values assets and monitors collateral). Values only:
no web3 type crosses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Guard(StrEnum):
    """The consumer guards of Chainlink's guidance, each a reason a quote is not fresh and trusted."""

    REVERTED = "reverted"  # the call reverted or the address holds no aggregator (deprecated, shut down)
    BAD_DECIMALS = "bad_decimals"  # decimals() outside 1..18 (read from the feed, never assumed)
    NON_POSITIVE = "non_positive"  # answer <= 0
    INCOMPLETE_ROUND = "incomplete_round"  # updatedAt == 0 or answeredInRound < roundId
    STALE = "stale"  # updatedAt older than heartbeat + grace
    OUT_OF_BOUNDS = "out_of_bounds"  # outside the feed's configured [min, max] (circuit breaker)
    JUMP = "jump"  # moved more than max_jump from the previous good answer
    MARKET_CLOSED = "market_closed"  # FX/commodity market hours: closed is not an alarm, but not fresh either
    SEQUENCER_DOWN = "sequencer_down"  # L2 sequencer-uptime feed says down, or back up within its grace


class Source(StrEnum):
    PRIMARY = "primary"
    FALLBACK = "fallback"
    LAST_GOOD = "last_good"  # no fresh answer: the previous good quote, marked stale


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One configured feed (a row of the feed registry, as a value)."""

    pair: str  # "XAU/USD", "EUR/USD", "FUND1-NAV/USD"
    address: str  # checksummed aggregator (or proxy) address
    network: str = "local"  # "local" = our own chain in process; otherwise an HTTP RPC URL
    heartbeat_s: int = 3600
    grace_s: int = 0
    min_answer: Decimal | None = None  # in the feed's own units (answer / 10**decimals)
    max_answer: Decimal | None = None
    max_jump: Decimal | None = None  # largest relative move between consecutive good answers (0.1 = 10 %)
    market_hours: str = "always"  # "always" | "fx" (closed Fri 22:00 - Sun 22:00 UTC) | "metals" (same hours)
    sequencer_address: str | None = None  # L2 sequencer-uptime feed (answer 0 = up, 1 = down)
    sequencer_grace_s: int = 3600
    fallback: FeedSpec | None = None


@dataclass(frozen=True, slots=True)
class RoundData:
    """latestRoundData()/getRoundData() as the aggregator answered it, raw."""

    round_id: int
    answer: int
    started_at: int
    updated_at: int
    answered_in_round: int


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """A guarded price: the raw answer with its decimals kept beside the exact Decimal price."""

    pair: str
    network: str
    feed_address: str  # the feed that produced the answer (the fallback's when it was used)
    round_id: int
    answer: int
    decimals: int
    updated_at: datetime  # UTC
    source: Source = Source.PRIMARY
    stale: bool = False
    failed: tuple[Guard, ...] = field(default=())  # guards that failed on the way to this quote

    @property
    def price(self) -> Decimal:
        return Decimal(self.answer).scaleb(-self.decimals)


class PriceReader(Protocol):
    """Reads one feed through its guards. `previous` is the last good quote of that pair (for the jump
    guard and the last-good fallback); `now` is the time the reading is for (a block's timestamp)."""

    def read(self, spec: FeedSpec, now: datetime, previous: PriceQuote | None = None) -> PriceQuote: ...
