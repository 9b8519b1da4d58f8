"""Solidity compilation, offline, through py-solc-x.

The compiler is a native ``solc`` on PATH when one runs and knows Prague (0.8.27+), else ``tools/solc``: the
npm package ``solc`` (WebAssembly) behind a command that answers ``--version`` and ``--standard-json`` like
native solc. Imports resolve as in any solc project: the base path is ``contracts/src`` (``import
"Counter.sol"``) and ``node_modules`` an include path (``import "@openzeppelin/contracts/..."``). solc may
read nothing else, which matters because the REST API compiles the sources it is sent.

Sources pinned to an older compiler (T-REX's modules: ``pragma solidity 0.8.17``) compile with
``solc_version=``: the npm alias ``solc-<version>`` behind ``tools/solc-<version>``, for that compiler's
newest EVM version (see ``PINNED``).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import solcx
from packaging.version import Version
from solcx.exceptions import SolcError

from app.errors import Kind
from app.evm.errors import EvmError

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS_SRC = ROOT / "contracts" / "src"
BUILD_DIR = ROOT / "contracts" / "build"
NODE_MODULES = ROOT / "node_modules"
WASM_SOLC = ROOT / "tools" / "solc"
# The chain's fork (app.evm.execution.pyevm.EVM_VERSION, not imported: that loads all of py-evm). solc 0.8.37
# would default to osaka, whose CLZ opcode Prague lacks.
EVM_VERSION = "prague"
MIN_NATIVE = Version("0.8.27")  # the first solc that knows evmVersion prague
# older compilers the set-up installs (npm alias solc-<version>), with the newest EVM version each knows
PINNED = {"0.8.17": "london"}
OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]
_WHERE = re.compile(r"-->\s*(.+?):(\d+):(\d+):")


@dataclass(frozen=True, slots=True)
class CompileMessage:
    file: str | None
    line: int | None  # 1-based, as solc prints them
    column: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = ":".join(str(x) for x in (self.file, self.line, self.column) if x is not None)
        return f"{where}: {self.message}" if where else self.message


class CompilationError(EvmError):
    """solc refused the sources; ``messages`` holds every error (file, line, column, message)."""

    kind = Kind.INVALID
    code = "COMPILATION_ERROR"
    rpc_code = -32602

    def __init__(self, messages: list[CompileMessage]) -> None:
        more = f" (and {len(messages) - 5} more)" if len(messages) > 5 else ""
        super().__init__("compilation failed: " + "; ".join(str(m) for m in messages[:5]) + more)
        self.messages = messages

    def details(self) -> dict[str, Any]:
        errors = [
            {"file": m.file, "line": m.line, "column": m.column, "severity": m.severity, "message": m.message}
            for m in self.messages
        ]
        return {**super().details(), "errors": errors}


@dataclass(frozen=True, slots=True)
class CompiledContract:
    name: str
    source: str  # the source unit name, e.g. "AuriToken.sol"
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    compiler_version: str
    settings: dict[str, Any]  # the standard-JSON settings that shaped the bytecode
    metadata: dict[str, Any]  # solc's metadata, whose hash ends the bytecode
    source_hash: bytes  # sha256 of the contract's own source text
    warnings: tuple[CompileMessage, ...] = field(default=())

    def artifact(self) -> dict[str, Any]:
        return {
            "contractName": self.name,
            "sourceName": self.source,
            "abi": self.abi,
            "bytecode": "0x" + self.bytecode.hex(),
            "deployedBytecode": "0x" + self.deployed_bytecode.hex(),
            "compiler_version": self.compiler_version,
            "settings": self.settings,
            "metadata": self.metadata,
            "source_hash": "0x" + self.source_hash.hex(),
        }


@lru_cache(maxsize=4)
def solc_binary(version: str | None = None) -> Path:
    if version is not None:
        if version not in PINNED:
            raise _failure(f"solc {version} is not installed (pinned compilers: {', '.join(PINNED)})")
        if not (NODE_MODULES / f"solc-{version}").is_dir():
            raise _failure(f"no solc {version}: run scripts/setup (it installs the npm alias solc-{version})")
        return WASM_SOLC.with_name(f"solc-{version}")
    native = shutil.which("solc")
    if native:
        try:
            if solcx.wrapper.get_solc_version(native) >= MIN_NATIVE:
                return Path(native)
        except (SolcError, OSError, subprocess.SubprocessError, ValueError):
            pass  # e.g. solc-js's CLI or a broken install: use ours
    if not (NODE_MODULES / "solc").is_dir():
        raise _failure("no Solidity compiler: run scripts/setup (it installs the npm package solc)")
    return WASM_SOLC


def settings(optimize: bool = True, runs: int = 200, solc_version: str | None = None) -> dict[str, Any]:
    evm = PINNED.get(solc_version or "", EVM_VERSION)
    return {"evmVersion": evm, "optimizer": {"enabled": optimize, "runs": runs}}


def compile_sources(
    sources: Mapping[str, str] | Iterable[Path],
    contract: str | None = None,
    *,
    optimize: bool = True,
    runs: int = 200,
    solc_version: str | None = None,
) -> dict[str, CompiledContract]:
    """Compile ``{source unit name: Solidity text}`` or files, in one solc run. Returns each contract that has
    bytecode (or only ``contract``), keyed by name, or by ``source:Name`` when two sources share a name.
    ``solc_version``: one of the ``PINNED`` compilers instead of the default one."""
    texts = dict(sources) if isinstance(sources, Mapping) else _read_files(sources)
    cfg = settings(optimize, runs, solc_version)
    std_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in texts.items()},
        "settings": {**cfg, "outputSelection": {"*": {contract or "*": OUTPUTS}}},
    }
    try:
        stdout, *_ = solcx.wrapper.solc_wrapper(
            solc_binary=solc_binary(solc_version),
            stdin=json.dumps(std_input),
            standard_json=True,
            base_path=CONTRACTS_SRC,
            include_path=NODE_MODULES,
        )
        out = json.loads(stdout)
    except SolcError as exc:
        why = (exc.stderr_data or exc.message).strip()
        raise _failure(f"solc failed (exit {exc.return_code}): {why}") from exc
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise _failure(f"solc did not run: {exc}") from exc
    messages = [_message(e) for e in out.get("errors", [])]
    if errors := [m for m in messages if m.severity == "error"]:
        raise CompilationError(errors)
    warnings = tuple(m for m in messages if m.severity != "error")
    result: dict[str, CompiledContract] = {}
    for src, contracts in sorted(out.get("contracts", {}).items()):
        digest = hashlib.sha256(texts.get(src, "").encode()).digest()
        for name, c in sorted(contracts.items()):
            code, runtime = c["evm"]["bytecode"]["object"], c["evm"]["deployedBytecode"]["object"]
            if not code:
                continue  # interfaces and abstract contracts
            if "__$" in code:
                raise _failure(f"{name} calls external libraries, which need linking", src)
            meta = json.loads(c["metadata"])
            result[name if name not in result else f"{src}:{name}"] = CompiledContract(
                name=name,
                source=src,
                abi=c["abi"],
                bytecode=bytes.fromhex(code),
                deployed_bytecode=bytes.fromhex(runtime),
                compiler_version=meta["compiler"]["version"],
                settings=cfg,
                metadata=meta,
                source_hash=digest,
                warnings=warnings,
            )
    if contract is not None and not result:
        raise _failure(f"no deployable contract {contract!r}")
    return result


def compile_files(paths: Iterable[Path], **kwargs: Any) -> dict[str, CompiledContract]:
    return compile_sources(list(paths), **kwargs)


def artifact_json(c: CompiledContract) -> str:
    """The committed form of an artifact: stable key order, so a rebuild changes files only when code does."""
    return json.dumps(c.artifact(), indent=1, sort_keys=True) + "\n"


def build_artifacts(
    src_dir: Path = CONTRACTS_SRC, out_dir: Path = BUILD_DIR, solc_version: str | None = None
) -> list[Path]:
    """Compile every ``src_dir/*.sol`` into ``out_dir/<Name>.json``; drop artifacts of removed contracts."""
    built = compile_sources(sorted(src_dir.glob("*.sol")), solc_version=solc_version)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, c in built.items():
        path = out_dir / f"{key.replace(':', '_').replace('/', '_')}.json"
        path.write_text(artifact_json(c))
        written.append(path)
    for stale in set(out_dir.glob("*.json")) - set(written):
        stale.unlink()
    return written


def _read_files(paths: Iterable[Path]) -> dict[str, str]:
    """Source unit names as solc derives them: relative to the base path, else the bare file name."""
    texts: dict[str, str] = {}
    for p in (Path(p).resolve() for p in paths):
        name = p.relative_to(CONTRACTS_SRC).as_posix() if p.is_relative_to(CONTRACTS_SRC) else p.name
        if name in texts:
            raise _failure(f"two sources named {name}", str(p))
        texts[name] = p.read_text()
    return texts


def _message(e: dict[str, Any]) -> CompileMessage:
    """file:line:column as solc prints them (its sourceLocation counts bytes, not lines)."""
    file, line, col = (e.get("sourceLocation") or {}).get("file"), None, None
    if m := _WHERE.search(e.get("formattedMessage", "")):
        file, line, col = m[1], int(m[2]), int(m[3])
    text = f"{e['type']}: {e.get('message', '')}" if e.get("type") else e.get("message", "")
    return CompileMessage(file, line, col, text, e.get("severity", "error"))


def _failure(text: str, file: str | None = None) -> CompilationError:
    return CompilationError([CompileMessage(file, None, None, text[:2000])])
