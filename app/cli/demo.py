"""`aurigraph demo`: the registry's demo data (app/rwa/demo/), then its oracle half: feeds, pricing rules,
a loan and a few price rounds (app/rwa/demo/oracles.py), on our chain in process (with a valuation engine)
or, with `--rpc URL`, through a running server's JSON-RPC, whose own engine then values the rounds (and its
dashboard shows them live)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import typer

from app.cli.common import JSON, QUIET, Report, fail, registry_session
from app.config import get_settings


class RemoteChain:
    """What `ValuationEngine.value_now` asks of a chain (its head, a header's time, a JSON-RPC dispatcher),
    answered by a running server over HTTP: a new pricing rule is valued at once at the server's head, as
    `PUT /v1/assets/{symbol}/pricing` does (an appraisal moved by no feed would otherwise wait for ever)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def remove_block_listener(self, listener: Any) -> None:
        """Nothing listens: an engine on a remote chain is never started (it only values now)."""

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


def run(rpc: str | None, report: Report) -> dict[str, Any]:
    """The oracle half; what it made, for the summary (empty when it was there already)."""
    from app.cli.feeds import _chain, _sender
    from app.rwa.collateral import monitor
    from app.rwa.demo.oracles import ALREADY, seed_oracles, seeded
    from app.rwa.errors import AlreadySeeded
    from app.rwa.valuation.engine import ValuationEngine

    if seeded(registry_session()):  # before opening the chain (a server may hold it)
        return {"already": ALREADY}
    monitor.install()  # positions are revalued in the rounds of an in-process engine too
    with _chain(rpc) as (sm, web3s, engine), report.task("feeds, rules, loan, price rounds") as progress:
        try:
            if engine is None:  # beside a server: its engine values the rounds; rules valued at its head
                assert rpc is not None
                remote = RemoteChain(rpc)
                value = ValuationEngine(sm, remote, remote.dispatch).value_now  # never started: no thread
                s = seed_oracles(sm, web3s, sender=_sender(web3s), value=value, progress=progress)
            else:
                s = seed_oracles(
                    sm,
                    web3s,
                    sender=_sender(web3s),
                    value=engine.value_now,
                    settle=lambda: engine.wait_for(engine.chain.head_number),
                    progress=progress,
                )
        except AlreadySeeded as exc:
            return {"already": str(exc)}
    return {"feeds": s.feeds, "rules": s.rules, "position_id": s.position_id, "rounds": s.rounds}


def demo(
    rpc: str = typer.Option(None, help="A running server's JSON-RPC URL (else the chain opens in process)."),
    quiet: bool = QUIET,
    as_json: bool = JSON,
) -> None:
    """Seed a small realistic registry: an issuer, 3 assets, 12 verified investors in 11 countries, transfers
    (some refused), freezes, a forced transfer, a recovery, documents and demo API keys; then price feeds on
    our chain, pricing rules, a gold-backed loan and a few price rounds (app/cli/demo.py). Runs once."""
    from app.rwa.audit import log as audit
    from app.rwa.audit.signing_key import startup_key
    from app.rwa.demo.registry import seed
    from app.rwa.errors import AlreadySeeded
    from app.rwa.registry.documents import BlobStore

    settings = get_settings()
    if settings.production:
        fail(RuntimeError("the demo data is for development: refused with AURIGRAPH_ENV=production"))
    report = Report("demo", quiet=quiet, as_json=as_json)
    store = BlobStore(settings.documents_dir, settings.max_upload_bytes)
    startup_key(settings)  # dev: the checkpoint key, made (and announced) the first time
    registry: dict[str, Any]
    try:
        with registry_session().begin() as session, report.task("registry") as progress:
            s = seed(session, store, progress=progress)
            audit.checkpoint(session)
        registry = {"assets": s.assets, "investors": s.investors, "movements": s.movements}
        registry |= {"refused": [{"what": w, "code": c} for w, c in s.refused], "documents": s.documents}
        registry |= {"documents_dir": str(settings.documents_dir), "keys": s.keys}
    except AlreadySeeded as exc:  # the oracle half still runs: it may have failed the first time
        registry = {"already": str(exc)}
    oracles = run(rpc, report)  # feeds, pricing rules, a loan, price rounds
    report.summary(_text(registry, oracles), {"registry": registry, "oracles": oracles})


def _text(registry: dict[str, Any], oracles: dict[str, Any]) -> str:
    if "already" in registry:
        lines = [registry["already"]]
    else:
        lines = [
            f"seeded {', '.join(registry['assets'])}; {registry['investors']} verified investors; "
            f"{registry['movements']} movements"
        ]
        lines += [f"  refused: {r['what']}: {r['code']}" for r in registry["refused"]]
        lines.append(f"{registry['documents']} documents under {registry['documents_dir']}")
        lines += [f"  {role:8s} key: {token}" for role, token in registry["keys"].items()]
    if "already" in oracles:
        lines.append(oracles["already"])
    else:
        lines += [f"  feed {pair:20s} {address}" for pair, address in oracles["feeds"].items()]
        rules = ", ".join(oracles["rules"])
        lines.append(
            f"priced {rules}; collateral position {oracles['position_id']}; {oracles['rounds']} price rounds"
        )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command()(demo)
