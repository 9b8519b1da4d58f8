"""`aurigraph feeds list | add | push`: the feed registry from the command line.

`add` and `push` reach our chain either in process (they open the chain as its writer, with the valuation
engine, so they refuse to run while a server holds the same database) or, with `--rpc URL`, through a
running server's JSON-RPC (whose own engine then values the new round)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

import typer

feeds_app = typer.Typer(help="Price feeds: list, register, push a price on our chain.", no_args_is_help=True)
ACTOR = "cli"


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"{name} must be a decimal number, not {value!r}") from None


@contextmanager
def _chain(rpc: str | None) -> Iterator[tuple[Any, Any, Any]]:
    """(session factory, Web3s for our chain, engine or None), in process or over `rpc`."""
    from app.cli.common import registry_session
    from app.rwa.feeds.chainio import PinnedWeb3s

    sm = registry_session()
    if rpc is not None:
        yield sm, PinnedWeb3s.over_http(rpc), None
        return
    from app.config import get_settings
    from app.evm.node.chain import Chain
    from app.evm.rpc.dispatch import Rpc
    from app.rwa.audit import chain as chain_audit
    from app.rwa.collateral import monitor
    from app.rwa.valuation.engine import ValuationEngine

    monitor.install()  # a push in process revalues collateral positions too, as the server's engine does
    chain = Chain(sm.kw["bind"], get_settings())
    chain_audit.attach(chain)  # the feeds it deploys are recorded and audited as the server would
    engine = ValuationEngine(sm, chain, Rpc(chain).handle).start()
    try:
        yield sm, PinnedWeb3s(engine.dispatch), engine
    finally:
        engine.close()
        chain.close()


def _sender(web3s: Any) -> str:
    accounts = web3s("local").eth.accounts
    if not accounts:
        raise typer.BadParameter(
            "our chain has no dev accounts (production): push through a signed transaction"
        )
    return str(accounts[0])


@feeds_app.command("list")
def feeds_list() -> None:
    """Every registered feed: pair, network, address, decimals, heartbeat, fallback."""
    from app.cli.common import registry_session
    from app.rwa.feeds.registry import list_feeds

    with registry_session()() as session:
        for f in list_feeds(session):
            typer.echo(
                f"{f.pair}\t{f.network}\t{f.address}\tdecimals={f.decimals}\theartbeat={f.heartbeat_s}s"
                f"\tfallback={f.fallback_pair or '-'}\t{f.description}"
            )


@feeds_app.command("add")
def feeds_add(
    pair: str = typer.Argument(..., help="BASE/QUOTE, e.g. XAU/USD, EUR/USD, FUND1-NAV/USD."),
    address: str = typer.Argument(None, help="The aggregator (or proxy); omit with --deploy."),
    network: str = typer.Option("local", help="'local' (our chain) or an http(s) RPC URL."),
    deploy: str = typer.Option(None, help="Deploy an AuriAggregator on our chain with this first price."),
    decimals: int = typer.Option(8, help="Decimals of a deployed aggregator."),
    heartbeat: int = typer.Option(3600, help="Seconds after which an answer is stale."),
    grace: int = typer.Option(0, help="Extra seconds of grace beyond the heartbeat."),
    min_answer: str = typer.Option(None, "--min", help="Circuit breaker: lowest plausible price."),
    max_answer: str = typer.Option(None, "--max", help="Circuit breaker: highest plausible price."),
    max_jump: str = typer.Option(None, help="Largest relative move between answers (0.1 = 10 %)."),
    market_hours: str = typer.Option(
        "always", help="always, fx or metals (weekend closure is not an alarm)."
    ),
    fallback: str = typer.Option(None, help="Pair of the fallback feed."),
    rpc: str = typer.Option(None, help="A running server's JSON-RPC URL (else the chain opens in process)."),
) -> None:
    """Register a feed; decimals and description are read from the feed. Audited."""
    from app.rwa.errors import RwaError
    from app.rwa.feeds import chainio
    from app.rwa.feeds import registry as feeds

    if (address is None) == (deploy is None):
        raise typer.BadParameter("give either an ADDRESS or --deploy PRICE")
    with _chain(rpc) as (sm, web3s, _engine):
        try:
            if deploy is not None:
                price = _decimal(deploy, "--deploy")
                assert price is not None
                address = chainio.deploy(
                    web3s,
                    decimals=decimals,
                    description=pair.replace("/", " / "),
                    answer=price,
                    sender=_sender(web3s),
                )
            data = feeds.FeedInput(
                pair=pair, address=address, network=network, heartbeat_s=heartbeat, grace_s=grace,
                min_answer=_decimal(min_answer, "--min"), max_answer=_decimal(max_answer, "--max"),
                max_jump=_decimal(max_jump, "--max-jump"), market_hours=market_hours, fallback_pair=fallback,
            )  # fmt: skip
            with sm.begin() as session:
                feed = feeds.register_feed(
                    session, actor=ACTOR, data=data, read_meta=lambda n, a: chainio.read_meta(web3s, n, a)
                )
                typer.echo(f"{feed.pair}\t{feed.address}\tdecimals={feed.decimals}\t{feed.description}")
        except RwaError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


@feeds_app.command("push")
def feeds_push(
    pair: str = typer.Argument(..., help="A registered pair on our chain."),
    price: str = typer.Argument(..., help="The new price, e.g. 2345.67 (scaled by the feed's decimals)."),
    rpc: str = typer.Option(None, help="A running server's JSON-RPC URL (else the chain opens in process)."),
) -> None:
    """A new round on our chain's aggregator (from the first dev account, its owner in dev). Audited."""
    from app.rwa.errors import RwaError
    from app.rwa.feeds import chainio
    from app.rwa.feeds import registry as feeds

    value = _decimal(price, "PRICE")
    assert value is not None
    if value <= 0:
        raise typer.BadParameter("a price must be positive")
    with _chain(rpc) as (sm, web3s, engine):
        try:
            with sm() as session:
                feed = feeds.get_feed(session, pair)
            if feed.network != "local":
                raise typer.BadParameter(f"{pair} is on {feed.network}: prices are pushed only on our chain")
            round_id = chainio.push(web3s, "local", feed.address, value, _sender(web3s))
            with sm.begin() as session:
                feeds.record_push(session, actor=ACTOR, pair=pair, price=value, round_id=round_id)
            if engine is not None:  # value the round before the chain closes
                engine.wait_for(engine.chain.head_number)
            typer.echo(f"{pair}\t{price}\tround {round_id}")
        except RwaError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.add_typer(feeds_app, name="feeds")
