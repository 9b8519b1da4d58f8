"""`aurigraph demo`'s oracle half from the command line: feeds, pricing rules, a loan and a few price rounds
(app/rwa/demo_oracles.py), on our chain in process (with a valuation engine) or, with `--rpc URL`, through
a running server's JSON-RPC, whose own engine then values the rounds (and its dashboard shows them live)."""

from __future__ import annotations

import typer


def run(rpc: str | None) -> None:
    from app.cli_feeds import _chain, _sender
    from app.rwa.collateral import monitor
    from app.rwa.demo_oracles import seed_oracles
    from app.rwa.errors import RwaError

    monitor.install()  # positions are revalued in the rounds of an in-process engine too
    with _chain(rpc) as (sm, web3s, engine):
        try:
            if engine is None:
                s = seed_oracles(sm, web3s, sender=_sender(web3s))
            else:
                s = seed_oracles(
                    sm,
                    web3s,
                    sender=_sender(web3s),
                    value=engine.value_now,
                    settle=lambda: engine.wait_for(engine.chain.head_number),
                )
        except RwaError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    for pair, address in s.feeds.items():
        typer.echo(f"  feed {pair:20s} {address}")
    typer.echo(f"priced {', '.join(s.rules)}; collateral position {s.position_id}; {s.rounds} price rounds")
