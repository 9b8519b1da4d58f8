"""``aurigraph serve``: migrate (dev), then run the server in the foreground with uvicorn and, once it
listens, say what a newcomer needs to know, as anvil does: the URLs (JSON-RPC, WebSocket, REST docs), chain
id, database and, in dev mode, the accounts with their private keys. (uvicorn loads only when it runs.)"""

from __future__ import annotations

import sys
from typing import Any

import typer

from app.config import Settings, get_settings


def serve(
    host: str = typer.Option(None, help="Interface to listen on (default 127.0.0.1, AURIGRAPH_HOST)."),
    port: int = typer.Option(None, help="Port (default 8545, as anvil and Hardhat, AURIGRAPH_PORT)."),
) -> None:
    """Run the server in the foreground: JSON-RPC on / and /rpc, REST under /v1, OpenAPI at /docs.

    The database is migrated to the newest schema first unless AURIGRAPH_ENV=production."""
    from app.main import create_app
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    # prints the URLs, chain id, database and (dev) the accounts with their keys once it listens
    run(create_app(settings), settings, host or settings.host, port or settings.port)


def register(app: typer.Typer) -> None:
    app.command()(serve)


def banner(settings: Settings, chain: Any, host: str, port: int) -> str:
    from sqlalchemy.engine import make_url

    from app.rwa.audit.signing_key import public_key

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    http, ws = f"http://{shown}:{port}", f"ws://{shown}:{port}"
    database = make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
    lines = [
        "",
        "Aurigraph is ready",
        "",
        f"JSON-RPC      {http}  (also {http}/rpc)",
        f"WebSocket     {ws}",
        f"REST API      {http}/v1  (docs {http}/docs)",
        f"Chain id      {settings.chain_id}",
        f"Database      {database}",
        f"Mode          {settings.env}",
        f"Audit key     {settings.audit_key_file} (public key {public_key(settings).hex()})",
    ]
    accounts = getattr(chain, "accounts", ())
    if accounts:
        each = settings.dev_balance_wei // 10**18
        lines += ["", f"Available accounts ({each:,} ETH each at genesis; never use these keys elsewhere)"]
        lines += [f"({i}) {a.account.address}" for i, a in enumerate(accounts)]
        lines += ["", "Private keys"]
        lines += [f"({i}) 0x{bytes(a.account.key).hex()}" for i, a in enumerate(accounts)]
        lines += ["", f"Mnemonic      {settings.dev_mnemonic}"]
    else:
        lines += ["", "No dev accounts (production): send signed transactions (eth_sendRawTransaction)."]
    lines += [
        "",
        "Next: `aurigraph keys create --role admin`, then `aurigraph deploy ... --api-key <key>`",
        "",
    ]
    return "\n".join(lines)


SWITCH_INTERVAL_S = 0.0005  # how long a thread may hold the GIL while another waits for it (default 5 ms)


def run(app: Any, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from app.api.rpc import FastPath

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:  # listening, the lifespan done: the chain is open
                chain = getattr(app.state, "chain", None)
                print(banner(settings, chain, self.config.host, self.config.port), flush=True)

    # JSON-RPC is answered in front of the application's middleware stack (app/api/rpc.py, FastPath)
    front = FastPath.outside(app)
    # A long eth_call or a block being built runs on a worker thread and holds the GIL for the interpreter's
    # whole switch interval (5 ms) before the event loop gets it back: eight readers beside a long call kept
    # 0.17x of their throughput and the call itself ran past eth_call's 5 s limit (bench/concurrency.py).
    # At 0.5 ms they keep 0.45x and the call finishes (3.5 s). A lone client is not affected: the interval
    # only matters while two threads want the GIL.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    config = uvicorn.Config(front, host=host, port=port, log_level="warning", access_log=False)
    Server(config).run()
