"""The oracle half of `aurigraph demo`: price feeds on our chain with realistic prices, pricing rules for the
demo's three assets, a gold-backed loan, and a few rounds of prices — so a newcomer's dashboard shows living
data: values moving, a history chart, a collateral position that dips into its warning band and recovers.

Runs after the registry half (registry.py) has committed, through the other services only: feeds are
deployed and pushed with app/rwa/valuation/chainio (web3 stays in app/oracles), registered with
`feeds.register_feed`, priced with `pricing.set_rule`, pledged with `positions.open_position`; every step is
audited by those services. Each step is a transaction of its own, because the chain commits its blocks itself.

The chain is reached through `web3s`: in process (with a valuation engine that values each push before the
next: `settle`), or over a running server's JSON-RPC, whose own engine values the rounds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.rwa.audit import log as audit
from app.rwa.collateral import positions
from app.rwa.demo.registry import ACTOR, wallet
from app.rwa.errors import AlreadySeeded
from app.rwa.feeds import chainio
from app.rwa.feeds import registry as feeds
from app.rwa.feeds.models import Feed
from app.rwa.repo import asset_by_symbol, utcnow
from app.rwa.valuation import pricing

NAV_PAIR = "AURORA-LIS-NAV/EUR"  # the Lisbon tower fund's NAV per unit, published by its administrator
DAY = 86_400  # Chainlink's heartbeat for XAU/USD, EUR/USD and GBP/USD on mainnet; a NAV is struck daily


@dataclass(frozen=True, slots=True)
class DemoFeed:
    pair: str
    price: Decimal
    market_hours: str
    min_answer: Decimal
    max_answer: Decimal
    max_jump: Decimal  # largest relative move between answers


FEEDS = [
    DemoFeed("XAU/USD", Decimal("2650.00"), "metals", Decimal(500), Decimal(10_000), Decimal("0.1")),
    DemoFeed("EUR/USD", Decimal("1.0800"), "fx", Decimal("0.5"), Decimal(2), Decimal("0.05")),
    DemoFeed("GBP/USD", Decimal("1.2700"), "fx", Decimal("0.5"), Decimal(2), Decimal("0.05")),
    DemoFeed(NAV_PAIR, Decimal("18240.00"), "always", Decimal(1_000), Decimal(100_000), Decimal("0.2")),
]
# a few rounds, in order: gold rises, dips (the loan below enters its warning band), recovers
ROUNDS = [
    [("EUR/USD", "1.0812"), ("GBP/USD", "1.2716"), (NAV_PAIR, "18262.50"), ("XAU/USD", "2662.40")],
    [("EUR/USD", "1.0795"), ("GBP/USD", "1.2689"), ("XAU/USD", "2631.15")],
    [("EUR/USD", "1.0803"), ("XAU/USD", "2655.80")],
]
GRAMS = 10**6  # GOLD-LBMA has 6 decimals: 10**6 base units = one gram
# XAU/USD quotes one troy ounce = 31.1034768 g = 31,103,476.8 base units; a rule counts whole base units,
# so the demo prices 31,103,477 of them (a relative error of 7e-9, far below a cent on this position)
TROY_OUNCE = 31_103_477
RULES = {
    "GOLD-LBMA": pricing.PricingInput(
        kind="units", feed_pair="XAU/USD", base_units=TROY_OUNCE, currencies=("USD", "EUR", "GBP")
    ),
    "LIS-OFFICE": pricing.PricingInput(
        kind="nav", feed_pair=NAV_PAIR, base_units=10**18, currencies=("EUR", "USD", "GBP")
    ),
}
LOAN = positions.Terms(
    wallet=wallet("KYC-SG-008"),
    units=10_000 * GRAMS,  # 10 kg of allocated gold, worth about USD 852,000 at 2,650/oz
    debt=Decimal("680000.00"),
    currency="USD",
    warning_ratio=Decimal("1.25"),
    liquidation_ratio=Decimal("1.10"),
    reference="LOAN-SG-2026-001",
)


@dataclass
class OracleSummary:
    feeds: dict[str, str] = field(default_factory=dict)  # pair -> address
    rules: list[str] = field(default_factory=list)
    position_id: int | None = None
    rounds: int = 0


def seed_oracles(
    sessions: sessionmaker[Session],
    web3s: chainio.PinnedWeb3s,
    *,
    sender: str,
    value: pricing.ValueNow | None = None,
    settle: Callable[[], None] = lambda: None,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> OracleSummary:
    """Feeds, rules, a loan and rounds, as described above. `value` prices a new rule at once (the
    in-process engine's `value_now`); `settle` waits until the engine has valued the chain's head;
    `progress(done, total)` after each step (a feed, a rule, the loan, a price pushed, the checkpoint)."""
    now = now or utcnow()
    if seeded(sessions):
        raise AlreadySeeded(ALREADY)
    out = OracleSummary()
    rules = [*RULES.items(), ("AUR-GB27", _bond_appraisal(now))]
    total = len(FEEDS) + len(rules) + 1 + sum(len(moves) for moves in ROUNDS) + 1
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    for f in FEEDS:
        out.feeds[f.pair] = _feed(sessions, web3s, f, sender)
        step()
    settle()
    for symbol, rule in rules:
        with sessions.begin() as session:  # one each: a rule reads the chain before it writes (SQLite's lock)
            pricing.set_rule(session, actor=ACTOR, symbol=symbol, data=rule, value=value)
        out.rules.append(symbol)
        step()
    with sessions.begin() as session:
        asset = asset_by_symbol(session, "GOLD-LBMA")
        out.position_id = positions.open_position(session, actor=ACTOR, asset=asset, terms=LOAN).id
    step()
    for moves in ROUNDS:
        for pair, price in moves:
            _push(sessions, web3s, out.feeds[pair], pair, Decimal(price), sender)
            settle()  # in process: each block valued before the next, as a live chain would be
            step()
        out.rounds += 1
    with sessions.begin() as session:
        audit.checkpoint(session)  # the demo's oracle entries under a signed checkpoint too
    step()
    return out


ALREADY = "the demo's feeds are already registered; nothing was changed"


def seeded(sessions: sessionmaker[Session]) -> bool:
    with sessions() as session:
        return session.scalar(select(Feed.id).where(Feed.pair.in_([f.pair for f in FEEDS]))) is not None


def _feed(sessions: sessionmaker[Session], web3s: chainio.PinnedWeb3s, f: DemoFeed, sender: str) -> str:
    address = chainio.deploy(
        web3s, decimals=8, description=f.pair.replace("/", " / "), answer=f.price, sender=sender
    )
    data = feeds.FeedInput(
        pair=f.pair, address=address, heartbeat_s=DAY, grace_s=3600, min_answer=f.min_answer,
        max_answer=f.max_answer, max_jump=f.max_jump, market_hours=f.market_hours,
    )  # fmt: skip
    with sessions.begin() as session:
        feeds.register_feed(
            session, actor=ACTOR, data=data, read_meta=lambda n, a: chainio.read_meta(web3s, n, a)
        )
    return address


def _push(
    sessions: sessionmaker[Session],
    web3s: chainio.PinnedWeb3s,
    address: str,
    pair: str,
    price: Decimal,
    sender: str,
) -> None:
    round_id = chainio.push(web3s, "local", address, price, sender)
    with sessions.begin() as session:
        feeds.record_push(session, actor=ACTOR, pair=pair, price=price, round_id=round_id)


def _bond_appraisal(now: datetime) -> pricing.PricingInput:
    """The green bond at its last independent price: 101.35 per 100 of nominal (10,000 base units)."""
    return pricing.PricingInput(
        kind="appraisal",
        base_units=100 * 100,
        appraisal_amount=Decimal("101.35"),
        appraisal_currency="EUR",
        appraised_at=now - timedelta(days=2),
        currencies=("EUR", "USD"),
    )
