"""Feeds: the registry of price feeds (admin writes, every role reads) and pushing a price on our chain.

Prices and bounds are decimal strings (never JSON floats); a pair goes in the path as it is (`XAU/USD`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import annotated_types as at
from fastapi import APIRouter, Request
from pydantic import StringConstraints

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.registry import Address, In, Out, UtcDatetime
from app.rwa.feeds import chainio
from app.rwa.feeds import registry as feeds
from app.rwa.feeds.models import Feed
from app.rwa.registry.access import Permission
from app.rwa.valuation.engine import ValuationEngine
from app.rwa.valuation.errors import InvalidFeed

router = APIRouter(prefix="/feeds", tags=["feeds"])
Money = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,40}(\.[0-9]{1,40})?$")]
Pair = Annotated[str, StringConstraints(min_length=3, max_length=40)]
Seconds = Annotated[int, at.Ge(0), at.Le(2**31 - 1)]


class FeedIn(In):
    pair: Pair
    address: Address
    network: Annotated[str, StringConstraints(min_length=1, max_length=200)] = "local"
    heartbeat_s: Seconds = 3600
    grace_s: Seconds = 0
    min_answer: Money | None = None
    max_answer: Money | None = None
    max_jump: Money | None = None
    market_hours: str = "always"
    sequencer_address: Address | None = None
    sequencer_grace_s: Seconds = 3600
    fallback_pair: Pair | None = None


class FeedOut(Out):
    pair: str
    network: str
    address: str
    decimals: int
    description: str
    heartbeat_s: int
    grace_s: int
    min_answer: str | None
    max_answer: str | None
    max_jump: str | None
    market_hours: str
    sequencer_address: str | None
    sequencer_grace_s: int
    fallback_pair: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    health: dict[str, Any] | None = None  # the engine's last good answer and availability in this process


class PushIn(In):
    price: Money


def engine_of(request: Request) -> ValuationEngine:
    engine: ValuationEngine | None = getattr(request.app.state, "valuation", None)
    if engine is None:
        raise InvalidFeed("the valuation engine is not running in this process")
    return engine


def _input(body: FeedIn) -> feeds.FeedInput:
    money = {
        k: None if v is None else Decimal(v)
        for k, v in body.model_dump().items()
        if k.endswith(("_answer", "_jump"))
    }
    return feeds.FeedInput(**(body.model_dump() | money))


def _out(feed: Feed, engine: ValuationEngine | None) -> FeedOut:
    out = FeedOut.model_validate(
        {c.name: getattr(feed, c.name) for c in feed.__table__.columns}
        | {
            k: None if getattr(feed, k) is None else str(getattr(feed, k))
            for k in ("min_answer", "max_answer", "max_jump")
        }
    )
    if engine is not None:
        out.health = engine.health(feed.pair)
    return out


def _meta(request: Request) -> feeds.MetaReader:
    web3s = chainio.PinnedWeb3s(engine_of(request).dispatch, engine_of(request).remote)
    return lambda network, address: chainio.read_meta(web3s, network, address)


@router.get("", response_model=list[FeedOut], dependencies=allow(Permission.FEED_READ))
def list_feeds(request: Request, session: SessionDep) -> object:
    engine = getattr(request.app.state, "valuation", None)
    return [_out(f, engine) for f in feeds.list_feeds(session)]


@router.get("/{pair:path}", response_model=FeedOut, dependencies=allow(Permission.FEED_READ))
def get_feed(pair: str, request: Request, session: SessionDep) -> object:
    return _out(feeds.get_feed(session, pair), getattr(request.app.state, "valuation", None))


@router.post("", status_code=201, response_model=FeedOut, dependencies=allow(Permission.FEED_WRITE))
def register_feed(body: FeedIn, request: Request, session: SessionDep, who: PrincipalDep) -> object:
    feed = feeds.register_feed(session, actor=who.actor, data=_input(body), read_meta=_meta(request))
    return _out(feed, None)


@router.put("/{pair:path}", response_model=FeedOut, dependencies=allow(Permission.FEED_WRITE))
def update_feed(pair: str, body: FeedIn, request: Request, session: SessionDep, who: PrincipalDep) -> object:
    if body.pair != pair:
        raise InvalidFeed("the body's pair must be the pair in the path")
    feed = feeds.update_feed(session, actor=who.actor, data=_input(body), read_meta=_meta(request))
    return _out(feed, None)


@router.post("/{pair:path}/answers", status_code=201, dependencies=allow(Permission.FEED_WRITE))
def push_answer(pair: str, body: PushIn, request: Request, session: SessionDep, who: PrincipalDep) -> object:
    """A new round on an aggregator of our chain (sent from the first dev account, its owner in dev)."""
    engine = engine_of(request)
    feed = feeds.get_feed(session, pair)
    if feed.network != "local" or not engine.chain.accounts:
        raise InvalidFeed("prices are pushed only to feeds on our own chain, with its dev accounts")
    price = Decimal(body.price)
    if price <= 0:
        raise InvalidFeed("a price must be positive (a feed answering 0 or less is refused by every reader)")
    sender = "0x" + engine.chain.accounts[0].address.hex()
    round_id = chainio.push(chainio.PinnedWeb3s(engine.dispatch), "local", feed.address, price, sender)
    feeds.record_push(session, actor=who.actor, pair=pair, price=price, round_id=round_id)
    return {"pair": pair, "price": body.price, "round_id": str(round_id), "block": engine.chain.head_number}
