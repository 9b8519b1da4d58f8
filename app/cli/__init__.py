"""The `aurigraph` command: thin wrappers over the services, one module per command group.

``serve`` (uvicorn and the banner), ``contracts`` (compile, deploy, call, send), ``registry``
(keys, assets), ``demo``, ``audit``, ``feeds``, ``conformance``, ``tokenization`` (the T-REX platform)
and ``db``; ``common`` holds what they share. Each module's ``register(app)`` adds its commands.
Services are imported inside the commands, so ``aurigraph --help`` opens no chain. May import every
package of the service (``app.evm``, ``app.rwa``, ``app.oracles``, ``app.main``, ``app.migrate``);
nothing imports ``app.cli``."""

from __future__ import annotations

import typer

from app.cli import audit, conformance, contracts, db, demo, feeds, registry, serve, tokenization
from app.cli.common import run

app = typer.Typer(
    help="Aurigraph: a persisted py-evm chain behind Ethereum JSON-RPC, and an RWA registry.",
    no_args_is_help=True,
)
for _group in (db, serve, contracts, registry, demo, audit, conformance, feeds, tokenization):
    _group.register(app)


def main() -> None:
    run(app)  # every failure: one line on stderr, a non-zero exit code
