"""The feed registry: which aggregator prices which pair, on which network, behind which guards.

Decimals and description are read from the feed itself at registration (through `FeedMeta`, which the
caller reads with `app.oracles`); an address that is no aggregator, or answers decimals outside 1..18, is
refused before anything is written. Every change is audited in the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Protocol

from eth_utils.address import is_hex_address, to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.oracles.base import FeedSpec
from app.rwa.audit import log as audit
from app.rwa.feeds.models import Feed
from app.rwa.registry.iso import CURRENCIES
from app.rwa.repo import utcnow
from app.rwa.valuation.errors import FeedExists, FeedNotFound, InvalidFeed

PAIR = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}/[A-Z]{3}$")
MARKET_HOURS = ("always", "fx", "metals")
MAX_FALLBACK_DEPTH = 4


class FeedMeta(Protocol):
    @property
    def decimals(self) -> int: ...
    @property
    def description(self) -> str: ...


MetaReader = Callable[[str, str], FeedMeta]  # (network, address) -> what the feed answers


@dataclass(frozen=True, slots=True)
class FeedInput:
    pair: str
    address: str
    network: str = "local"
    heartbeat_s: int = 3600
    grace_s: int = 0
    min_answer: Decimal | None = None
    max_answer: Decimal | None = None
    max_jump: Decimal | None = None
    market_hours: str = "always"
    sequencer_address: str | None = None
    sequencer_grace_s: int = 3600
    fallback_pair: str | None = None


def quote_currency(pair: str) -> str:
    return pair.rsplit("/", 1)[1]


def base_of(pair: str) -> str:
    return pair.rsplit("/", 1)[0]


def _address(value: str, what: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise InvalidFeed(f"{what} {value!r} is not a 20-byte hex address")
    return str(to_checksum_address(value))


def _validate(session: Session, data: FeedInput) -> FeedInput:
    if not PAIR.match(data.pair) or quote_currency(data.pair) not in CURRENCIES:
        raise InvalidFeed(f"pair {data.pair!r} must look like BASE/QUOTE with an ISO-4217 quote (XAU/USD)")
    if data.network != "local" and not re.match(r"^https?://\S+$", data.network):
        raise InvalidFeed(f"network must be 'local' (our chain) or an http(s) RPC URL, not {data.network!r}")
    if data.heartbeat_s <= 0 or data.grace_s < 0 or data.sequencer_grace_s < 0:
        raise InvalidFeed("heartbeat must be positive, grace periods not negative")
    for name in ("min_answer", "max_answer", "max_jump"):
        value = getattr(data, name)
        if value is not None and (not value.is_finite() or value <= 0):
            raise InvalidFeed(f"{name} must be a positive number")
    if data.min_answer is not None and data.max_answer is not None and data.min_answer >= data.max_answer:
        raise InvalidFeed("min_answer must be below max_answer")
    if data.market_hours not in MARKET_HOURS:
        raise InvalidFeed(f"market_hours must be one of {', '.join(MARKET_HOURS)}")
    if data.fallback_pair is not None:
        if data.fallback_pair == data.pair:
            raise InvalidFeed("a feed cannot be its own fallback")
        fallback = get_feed(session, data.fallback_pair)
        if quote_currency(fallback.pair) != quote_currency(data.pair):
            raise InvalidFeed("the fallback must quote the same currency")
        _check_chain(session, data.pair, data.fallback_pair)
    sequencer = None if data.sequencer_address is None else _address(data.sequencer_address, "sequencer")
    return FeedInput(
        **(asdict(data) | {"address": _address(data.address, "address"), "sequencer_address": sequencer})
    )


def _check_chain(session: Session, pair: str, fallback: str | None) -> None:
    """Fallbacks form chains, never cycles, and stay short."""
    seen = [pair]
    while fallback is not None:
        if fallback in seen or len(seen) > MAX_FALLBACK_DEPTH:
            raise InvalidFeed(f"fallback chain {' -> '.join([*seen, fallback])} loops or is too long")
        seen.append(fallback)
        fallback = get_feed(session, fallback).fallback_pair


def _payload(feed: Feed) -> dict[str, Any]:
    return {
        c.name: getattr(feed, c.name) for c in Feed.__table__.columns if c.name not in ("id", "created_at")
    }


def register_feed(session: Session, *, actor: str, data: FeedInput, read_meta: MetaReader) -> Feed:
    data = _validate(session, data)
    if session.scalar(select(Feed.id).where(Feed.pair == data.pair)) is not None:
        raise FeedExists(data.pair)
    meta = read_meta(data.network, data.address)  # raises NotAggregator / BadFeedDecimals: nothing written
    now = utcnow()
    feed = Feed(
        **asdict(data), decimals=meta.decimals, description=meta.description, created_at=now, updated_at=now
    )
    session.add(feed)
    session.flush()
    audit.record(
        session, actor=actor, action="feed.register", subject=f"feed:{feed.pair}", payload=_payload(feed)
    )
    return feed


def update_feed(session: Session, *, actor: str, data: FeedInput, read_meta: MetaReader) -> Feed:
    """Replace a feed's configuration (a new address or network is read again for its decimals)."""
    feed = get_feed(session, data.pair)
    data = _validate(session, data)
    meta = read_meta(data.network, data.address)
    for name, value in asdict(data).items():
        setattr(feed, name, value)
    feed.decimals, feed.description, feed.updated_at = meta.decimals, meta.description, utcnow()
    session.flush()
    audit.record(
        session, actor=actor, action="feed.update", subject=f"feed:{feed.pair}", payload=_payload(feed)
    )
    return feed


def record_push(session: Session, *, actor: str, pair: str, price: Decimal, round_id: int) -> None:
    """Audit a price pushed on our chain (the push itself is a transaction in its own block)."""
    audit.record(
        session,
        actor=actor,
        action="feed.push",
        subject=f"feed:{pair}",
        payload={"pair": pair, "price": price, "round_id": round_id},
    )


def get_feed(session: Session, pair: str) -> Feed:
    feed = session.scalar(select(Feed).where(Feed.pair == pair))
    if feed is None:
        raise FeedNotFound(pair)
    return feed


def list_feeds(session: Session) -> list[Feed]:
    return list(session.scalars(select(Feed).order_by(Feed.pair)))


def spec_of(feed: Feed, by_pair: Mapping[str, Feed], depth: int = 0) -> FeedSpec:
    """The feed as the oracle reader takes it, its fallback chain resolved."""
    fallback = by_pair.get(feed.fallback_pair) if feed.fallback_pair else None
    return FeedSpec(
        pair=feed.pair,
        address=feed.address,
        network=feed.network,
        heartbeat_s=feed.heartbeat_s,
        grace_s=feed.grace_s,
        min_answer=feed.min_answer,
        max_answer=feed.max_answer,
        max_jump=feed.max_jump,
        market_hours=feed.market_hours,
        sequencer_address=feed.sequencer_address,
        sequencer_grace_s=feed.sequencer_grace_s,
        fallback=None
        if fallback is None or depth >= MAX_FALLBACK_DEPTH
        else spec_of(fallback, by_pair, depth + 1),
    )


def all_specs(session: Session) -> dict[str, FeedSpec]:
    feeds = {f.pair: f for f in list_feeds(session)}
    return {pair: spec_of(feed, feeds) for pair, feed in feeds.items()}


def get_spec(session: Session, pair: str) -> FeedSpec:
    get_feed(session, pair)
    return all_specs(session)[pair]
