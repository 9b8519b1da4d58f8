"""`aurigraph serve`: run the server with uvicorn and, once it listens, say what a newcomer needs to know, as
anvil does: the URLs (JSON-RPC, WebSocket, REST docs), chain id, database and, in dev mode, the accounts with
their private keys."""

from __future__ import annotations

from typing import Any

import uvicorn
from sqlalchemy.engine import make_url

from app.api.rpc import FastPath
from app.config import Settings
from app.rwa.audit_key import public_key


def banner(settings: Settings, chain: Any, host: str, port: int) -> str:
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


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: Any, settings: Settings) -> None:
        super().__init__(config)
        self._app, self._settings = app, settings

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        if self.started:  # listening, the lifespan done: the chain is open
            chain = getattr(self._app.state, "chain", None)
            print(banner(self._settings, chain, self.config.host, self.config.port), flush=True)


def run(app: Any, settings: Settings, host: str, port: int) -> None:
    # JSON-RPC is answered in front of the application's middleware stack (app/api/rpc.py, FastPath)
    front = FastPath.outside(app)
    config = uvicorn.Config(front, host=host, port=port, log_level="warning", access_log=False)
    _Server(config, app, settings).run()
