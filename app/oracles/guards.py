"""The consumer guards of Chainlink's guidance, as pure checks on one answer: no web3, no I/O.

``check_round`` judges a feed's round against its spec and the previous good quote; ``sequencer_down``
judges an L2 sequencer-uptime round; ``market_open`` knows the FX and metals trading week.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Context, Decimal, localcontext

from app.oracles.base import FeedSpec, Guard, PriceQuote, RoundData

# Chainlink data feeds answer with 8 (USD pairs) or 18 (ETH pairs) decimals; above 18 a "price" carries more
# precision than any market quotes (the issue names 36 as bad input): it is not a price feed
MIN_DECIMALS, MAX_DECIMALS = 1, 18
# FX and metals trade round the clock on weekdays: closed from Friday 22:00 to Sunday 22:00 UTC
_WEEKLY_CLOSE = (4, 22)  # (weekday, hour): Friday 22:00
_WEEKLY_OPEN = (6, 22)  # Sunday 22:00
MARKET_HOURS = frozenset(("always", "fx", "metals"))


def market_open(hours: str, at: datetime) -> bool:
    if hours not in MARKET_HOURS:
        raise ValueError(f"market_hours must be one of {sorted(MARKET_HOURS)}, not {hours!r}")
    if hours == "always":
        return True
    at = at.astimezone(UTC)
    now = (at.weekday(), at.hour)
    return not (_WEEKLY_CLOSE <= now < _WEEKLY_OPEN)


def decimals_ok(decimals: int) -> bool:
    return MIN_DECIMALS <= decimals <= MAX_DECIMALS


def check_round(
    spec: FeedSpec, rd: RoundData, decimals: int, now: datetime, previous: PriceQuote | None
) -> tuple[Guard, ...]:
    """Every guard ``rd`` fails, in a stable order; empty when the answer is fresh and trusted. A stale answer
    while the feed's market is closed fails MARKET_CLOSED instead of STALE (a weekend is not an alarm)."""
    failed: list[Guard] = []
    if rd.round_id == 0 or rd.updated_at == 0 or rd.answered_in_round < rd.round_id:
        failed.append(Guard.INCOMPLETE_ROUND)
    if rd.answer <= 0:
        failed.append(Guard.NON_POSITIVE)
    else:
        price = Decimal(rd.answer).scaleb(-decimals)
        if (spec.min_answer is not None and price < spec.min_answer) or (
            spec.max_answer is not None and price > spec.max_answer
        ):
            failed.append(Guard.OUT_OF_BOUNDS)
        if (
            spec.max_jump is not None
            and previous is not None
            and _jumped(price, previous.price, spec.max_jump)
        ):
            failed.append(Guard.JUMP)
    if rd.updated_at and int(now.timestamp()) - rd.updated_at > spec.heartbeat_s + spec.grace_s:
        failed.append(Guard.STALE if market_open(spec.market_hours, now) else Guard.MARKET_CLOSED)
    return tuple(failed)


def sequencer_down(rd: RoundData, now: datetime, grace_s: int) -> bool:
    """Answer 1 is down; 0 is up, but only trusted once it has been up for ``grace_s`` (``startedAt`` is when
    the status last changed; 0 means the feed has no status yet)."""
    return rd.answer != 0 or rd.started_at == 0 or int(now.timestamp()) - rd.started_at < grace_s


def _jumped(price: Decimal, previous: Decimal, max_jump: Decimal) -> bool:
    if previous <= 0:
        return False
    with localcontext(Context(prec=200)):  # exact for any answer an int256 can hold
        return abs(price - previous) > max_jump * previous
