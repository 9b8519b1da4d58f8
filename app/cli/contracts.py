"""`aurigraph compile`: Solidity offline, in process. `aurigraph deploy | call | send`: clients of a running
server's REST API (`--url`, default the local one).

They work beside `aurigraph serve` / `scripts/serve` (the server is the chain's one writer). Writes need an
API key of a role that may deploy (`--api-key`, or AURIGRAPH_API_KEY; `aurigraph keys create --role
developer` makes one); `--from` is a dev account's index or address, checked against the server's
`eth_accounts`. Every failure is one line on stderr and exit code 1."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NoReturn

import httpx
import typer

from app.config import get_settings

_IMPORT = re.compile(r"""import\s+(?:[^"';]*\sfrom\s+)?["']([^"']+)["']""")


class _Fail(Exception):
    pass


def _fail(message: str) -> NoReturn:
    raise _Fail(message)


def default_url() -> str:
    s = get_settings()
    host = "127.0.0.1" if s.host in ("0.0.0.0", "::", "") else s.host
    return f"http://{host}:{s.port}"


class Client:
    """The REST and JSON-RPC calls the commands make, with the server's errors as one-line messages."""

    def __init__(self, url: str, api_key: str | None) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=300)

    def rpc(self, method: str, *params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        out = self._send("POST", "/", json=body).json()
        if "error" in out:
            _fail(f"{method}: {out['error'].get('message')}")
        return out["result"]

    def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self._send(method, f"/v1{path}", json=body)
        if r.status_code >= 400:
            try:
                problem = r.json()
            except ValueError:
                _fail(f"HTTP {r.status_code} from {self.url}")
            detail = problem.get("detail") or problem.get("code") or f"HTTP {r.status_code}"
            revert = problem.get("revert")
            _fail(str(detail) + (f" {json.dumps(revert)}" if revert else ""))
        return r.json()

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kw)
        except httpx.TransportError as exc:
            _fail(f"no server at {self.url} ({exc}): start one with `aurigraph serve`, or give --url")

    def sender(self, value: str | None) -> str | None:
        """`--from`: an index into the server's dev accounts or an address; None = the server's default."""
        if value is None:
            return None
        if not value.isdigit():
            if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
                _fail(f"--from {value}: give a dev account index or a 0x address of 40 hex digits")
            return value
        accounts = self.rpc("eth_accounts")
        if int(value) >= len(accounts):
            have = f"0-{len(accounts) - 1}" if accounts else "none: production mode"
            _fail(f"--from {value}: the server has {len(accounts)} dev accounts ({have})")
        return str(accounts[int(value)])


def _args(values: list[str]) -> list[Any]:
    """Each argument is JSON when it parses (numbers, arrays, true/false), else a plain string."""
    out = []
    for v in values:
        try:
            out.append(json.loads(v))
        except json.JSONDecodeError:
            out.append(v)
    return out


def _sources(target: Path) -> dict[str, str]:
    """The .sol file and the local files it imports (./ and ../, recursively), by their path relative to
    the target's folder; package imports (@openzeppelin/...) the server resolves itself."""
    base, out, todo = target.parent.resolve(), {}, [target.resolve()]
    while todo:
        path = todo.pop()
        name = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
        if name in out:
            continue
        out[name] = path.read_text()
        todo += [(path.parent / m).resolve() for m in _IMPORT.findall(out[name]) if m.startswith(".")]
    return out


def _deploy_body(target: Path, contract: str | None, abi: Path | None) -> dict[str, Any]:
    if target.suffix == ".sol":
        return {"source": {"sources": _sources(target), "contract": contract or target.stem}}
    if target.suffix == ".json":
        return {"artifact": json.loads(target.read_text())}
    code = target.read_text().strip()
    return {"bytecode": code, "abi": json.loads(abi.read_text()) if abi else [], "name": target.stem}


def _print_tx(tx: dict[str, Any]) -> None:
    state = "ok" if tx["status"] else "reverted"
    typer.echo(f"{state}: tx {tx['tx_hash']} block {tx['block_number']} gas {tx['gas_used']}")
    for e in tx.get("events") or []:
        typer.echo(f"  {e.get('event') or 'log'} {json.dumps(e.get('args', e.get('topics')))}")
    if tx.get("revert"):
        typer.echo(f"  revert {json.dumps(tx['revert'])}")


def _run(fn: Any) -> None:
    try:
        fn()
    except _Fail as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except (OSError, ValueError) as exc:  # an unreadable file, JSON that does not parse
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


_URL = typer.Option(None, "--url", help="The server (default: the local one, AURIGRAPH_HOST/PORT).")
_KEY = typer.Option(None, "--api-key", help="API key of a developer or admin (default AURIGRAPH_API_KEY).")
_FROM = typer.Option(None, "--from", help="Dev account index or address (default: the server's first).")


def _client(url: str | None, api_key: str | None) -> Client:
    return Client(url or default_url(), api_key or get_settings().api_key or None)


def compile(
    files: list[Path] = typer.Argument(None, help="Solidity files (default: every contracts/src/*.sol)."),
    out: Path = typer.Option(None, help="Write one artifact JSON per contract into this directory."),
    optimize_runs: int = typer.Option(200, help="Optimizer runs."),
) -> None:
    """Compile Solidity offline (solc as WebAssembly unless a native solc is on PATH), targeting the chain's
    EVM version; print each contract's size, or write artifacts (abi, bytecode, compiler, settings)."""
    import json

    from rich.console import Console

    from app.evm.contracts.compiler import CONTRACTS_SRC, CompilationError, compile_files

    console = Console(stderr=True)
    paths = files or sorted(CONTRACTS_SRC.glob("*.sol"))
    with console.status(f"compiling {len(paths)} file(s)..."):
        try:
            built = compile_files(paths, runs=optimize_runs)
        except CompilationError as exc:
            for m in exc.messages:
                console.print(f"[red]{m.severity}[/red] {m.file}:{m.line}:{m.column}: {m.message}")
            raise typer.Exit(1) from exc
    for name, c in sorted(built.items()):
        typer.echo(
            f"{name:24s} {len(c.deployed_bytecode):6d} bytes runtime  ({c.source}, solc {c.compiler_version})"
        )
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name.replace(':', '_').replace('/', '_')}.json").write_text(
                json.dumps(c.artifact(), indent=1, sort_keys=True) + "\n"
            )


def register(app: typer.Typer) -> None:
    app.command()(compile)

    @app.command()
    def deploy(
        target: Path = typer.Argument(
            ..., help="A .sol file, a Hardhat/Foundry artifact .json, or a .bin bytecode file."
        ),
        args: list[str] = typer.Argument(None, help="Constructor arguments (JSON or plain strings)."),
        contract: str = typer.Option(None, help="Which contract of the .sol file (default: its name)."),
        abi: Path = typer.Option(None, help="ABI JSON for a .bin file."),
        sender: str = _FROM,
        upgradeable: bool = typer.Option(
            False, help="Deploy behind an EIP-1967 proxy administered by --from."
        ),
        url: str = _URL,
        api_key: str = _KEY,
    ) -> None:
        """Deploy a contract through the running server (compiled there) and record it in the registry."""

        def go() -> None:
            client = _client(url, api_key)
            body = _deploy_body(target, contract, abi) | {"args": _args(args or [])}
            body |= {"from": client.sender(sender), "upgradeable": upgradeable}
            out = client.rest("POST", "/contracts", {k: v for k, v in body.items() if v is not None})
            tx, c = out["transaction"], out.get("contract") or {}
            if not tx["status"]:
                _fail(f"deploy reverted: {json.dumps(tx.get('revert'))}")
            name = c.get("name") or target.stem
            typer.echo(
                f"{name} deployed at {tx['contract_address'] or c.get('address')} "
                f"(tx {tx['tx_hash']}, block {tx['block_number']}, gas {tx['gas_used']})"
            )

        _run(go)

    @app.command()
    def call(
        address: str = typer.Argument(..., help="A contract recorded in the registry."),
        function: str = typer.Argument(
            ..., help="Name or signature, e.g. balanceOf or transfer(address,uint256)."
        ),
        args: list[str] = typer.Argument(None, help="Arguments (JSON or plain strings)."),
        sender: str = _FROM,
        url: str = _URL,
        api_key: str = _KEY,
    ) -> None:
        """Read-only call through the running server (as --from, default the first dev account); prints
        the decoded result."""

        def go() -> None:
            client = _client(url, api_key)
            caller = client.sender(sender) if sender else next(iter(client.rpc("eth_accounts")), None)
            body = {"function": function, "args": _args(args or []), "from": caller}
            out = client.rest("POST", f"/contracts/{address}/call", {k: v for k, v in body.items() if v})
            typer.echo(json.dumps(out["result"]))

        _run(go)

    @app.command()
    def send(
        address: str = typer.Argument(..., help="A contract recorded in the registry."),
        function: str = typer.Argument(..., help="Name or signature."),
        args: list[str] = typer.Argument(None, help="Arguments (JSON or plain strings)."),
        sender: str = _FROM,
        value: int = typer.Option(0, help="Wei to send along."),
        url: str = _URL,
        api_key: str = _KEY,
    ) -> None:
        """Send a transaction through the running server; prints status, gas and the decoded events (or
        the decoded revert)."""

        def go() -> None:
            client = _client(url, api_key)
            body = {
                "function": function,
                "args": _args(args or []),
                "from": client.sender(sender),
                "value": value,
            }
            _print_tx(
                client.rest("POST", f"/contracts/{address}/transact", {k: v for k, v in body.items() if v})
            )

        _run(go)
