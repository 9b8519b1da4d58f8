"""`aurigraph demo`'s oracle half from the command line: feeds, pricing rules, a loan and a few price rounds
(app/rwa/demo_oracles.py), on our chain in process (with a valuation engine) or, with `--rpc URL`, through
a running server's JSON-RPC, whose own engine then values the rounds (and its dashboard shows them live)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import typer


class RemoteChain:
    """What `ValuationEngine.value_now` asks of a chain (its head, a header's time, a JSON-RPC dispatcher),
    answered by a running server over HTTP: a new pricing rule is valued at once at the server's head, as
    `PUT /v1/assets/{symbol}/pricing` does (an appraisal moved by no feed would otherwise wait for ever)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.listeners: list[Any] = []

    def dispatch(self, request: dict[str, Any]) -> dict[str, Any] | None:
        answer: dict[str, Any] = httpx.post(self.url, json=request, timeout=60).json()
        return answer

    def _call(self, method: str, params: list[Any]) -> Any:
        answer = self.dispatch({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        assert answer is not None and "result" in answer, answer
        return answer["result"]

    @property
    def head_number(self) -> int:
        return int(self._call("eth_blockNumber", []), 16)

    def header(self, number: int) -> SimpleNamespace:
        block = self._call("eth_getBlockByNumber", [hex(number), False])
        return SimpleNamespace(timestamp=int(block["timestamp"], 16))


def run(rpc: str | None) -> None:
    from app.cli import _registry_session
    from app.cli_feeds import _chain, _sender
    from app.rwa.collateral import monitor
    from app.rwa.demo_oracles import ALREADY, seed_oracles, seeded
    from app.rwa.errors import AlreadySeeded, RwaError
    from app.rwa.valuation.engine import ValuationEngine

    if seeded(_registry_session()):  # before opening the chain (a server may hold it)
        typer.echo(ALREADY)
        return
    monitor.install()  # positions are revalued in the rounds of an in-process engine too
    with _chain(rpc) as (sm, web3s, engine):
        try:
            if engine is None:  # beside a server: its engine values the rounds; rules valued at its head
                assert rpc is not None
                remote = RemoteChain(rpc)
                value = ValuationEngine(sm, remote, remote.dispatch).value_now  # never started: no thread
                s = seed_oracles(sm, web3s, sender=_sender(web3s), value=value)
            else:
                s = seed_oracles(
                    sm,
                    web3s,
                    sender=_sender(web3s),
                    value=engine.value_now,
                    settle=lambda: engine.wait_for(engine.chain.head_number),
                )
        except AlreadySeeded as exc:
            typer.echo(str(exc))
            return
        except RwaError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    for pair, address in s.feeds.items():
        typer.echo(f"  feed {pair:20s} {address}")
    typer.echo(f"priced {', '.join(s.rules)}; collateral position {s.position_id}; {s.rounds} price rounds")
