"""Solidity compilation through py-solc-x, offline.

py-solc-x cannot download solc here, so the compiler is a native ``solc`` on PATH when there is one, else
``tools/solc``: a small executable over the npm package ``solc`` (WebAssembly) that answers ``--version``
and ``--standard-json`` like native solc. Imports resolve from ``contracts/src`` and the project's
node_modules (``@openzeppelin/contracts/...``). Every build targets the chain's EVM version."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from app.evm.errors import EvmError
from app.evm.pyevm import EVM_VERSION

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_SRC = ROOT / "contracts" / "src"
NODE_MODULES = ROOT / "node_modules"
WASM_SOLC = ROOT / "tools" / "solc"


@dataclass(frozen=True, slots=True)
class CompileMessage:
    file: str | None
    line: int | None
    column: int | None
    severity: str
    message: str


class CompilationError(EvmError):
    code = -32602

    def __init__(self, messages: list[CompileMessage]) -> None:
        first = next((m for m in messages if m.severity == "error"), messages[0] if messages else None)
        where = f"{first.file}:{first.line}:{first.column}: " if first and first.file else ""
        super().__init__(f"compilation failed: {where}{first.message if first else 'unknown error'}")
        self.messages = messages


@dataclass(frozen=True, slots=True)
class CompiledContract:
    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    compiler_version: str
    settings: dict[str, Any]
    source_hash: bytes  # sha256 of the contract's own source file
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
            "source_hash": "0x" + self.source_hash.hex(),
        }


@lru_cache(maxsize=1)
def solc_binary() -> Path:
    native = shutil.which("solc")
    if native:
        try:
            solcx.wrapper.get_solc_version(native)
            return Path(native)
        except (SolcError, OSError, subprocess.CalledProcessError, ValueError):
            pass  # e.g. solc-js's `solcjs` or a broken install: fall back to ours
    if not (NODE_MODULES / "solc").exists():
        raise CompilationError(
            [
                CompileMessage(
                    None,
                    None,
                    None,
                    "error",
                    "no Solidity compiler: run scripts/setup (installs npm package solc)",
                )
            ]
        )
    return WASM_SOLC


def compiler_version() -> str:
    return solcx.wrapper.get_version_str_from_solc_binary(solc_binary())


def settings(optimize: bool = True, runs: int = 200) -> dict[str, Any]:
    return {
        "evmVersion": EVM_VERSION,
        # `@openzeppelin/...` → the package scripts/setup installed; same source names with native solc
        "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
        "optimizer": {"enabled": optimize, "runs": runs},
        "outputSelection": {
            "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}
        },
    }


def compile_sources(
    sources: dict[str, str], *, optimize: bool = True, runs: int = 200
) -> dict[str, CompiledContract]:
    """Compile ``{source name: Solidity text}``; returns every contract with bytecode, keyed by name
    (and by ``source:Name`` when two sources define the same name)."""
    cfg = settings(optimize, runs)
    std_input = {
        "language": "Solidity",
        "sources": {k: {"content": v} for k, v in sources.items()},
        "settings": cfg,
    }
    try:
        out = solcx.compile_standard(
            std_input,
            solc_binary=solc_binary(),
            base_path=str(ROOT),
            allow_paths=[str(CONTRACTS_SRC), str(NODE_MODULES)],
        )
    except SolcError as exc:
        raise CompilationError(
            _messages(exc.error_dict or [], sources)
            or [CompileMessage(None, None, None, "error", str(exc).strip()[:2000])]
        ) from exc
    version = compiler_version()
    warnings = tuple(m for m in _messages(out.get("errors", []), sources) if m.severity != "error")
    result: dict[str, CompiledContract] = {}
    for src, contracts in out.get("contracts", {}).items():
        text = sources.get(src)
        digest = hashlib.sha256((text or "").encode()).digest()
        for name, c in contracts.items():
            code = bytes.fromhex(c["evm"]["bytecode"]["object"])
            if not code:
                continue  # interfaces and abstract contracts
            compiled = CompiledContract(
                name,
                src,
                c["abi"],
                code,
                bytes.fromhex(c["evm"]["deployedBytecode"]["object"]),
                version,
                cfg,
                digest,
                warnings,
            )
            key = name if name not in result else f"{src}:{name}"
            result[key] = compiled
    return result


def compile_files(paths: list[Path], **kwargs: Any) -> dict[str, CompiledContract]:
    sources = {}
    for p in paths:
        p = p.resolve()
        name = str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name
        sources[name] = p.read_text()
    return compile_sources(sources, **kwargs)


def _messages(errors: list[dict[str, Any]], sources: dict[str, str]) -> list[CompileMessage]:
    out = []
    for e in errors:
        loc = e.get("sourceLocation") or {}
        file, line, col = loc.get("file"), None, None
        text = sources.get(file) if file else None
        if text is not None and isinstance(loc.get("start"), int) and loc["start"] >= 0:
            before = text[: loc["start"]]
            line = before.count("\n") + 1
            col = loc["start"] - (before.rfind("\n") + 1) + 1
        out.append(CompileMessage(file, line, col, e.get("severity", "error"), e.get("message", "")))
    return out
