"""What can be deployed: ``Buildable`` (bytecode + ABI and what the registry records of its build), read
from a Hardhat/Foundry artifact or our own compiler's output (``parse_artifact``), the EIP-1967 proxy we
deploy upgradeable contracts behind, and solc's metadata tail (stripped to compare runtime code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.evm.contracts.errors import ArtifactInvalid


@dataclass(frozen=True, slots=True)
class Buildable:
    """What a deploy needs: a name, an ABI, creation bytecode, and how it was built (when known)."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    compiler_version: str | None = None
    compiler_settings: dict[str, Any] | None = None
    source_hash: bytes | None = None


def parse_artifact(obj: Any) -> Buildable:
    """Our build JSON, a Hardhat artifact (hh-sol-artifact-1) or a Foundry artifact (out/*.json)."""
    if not isinstance(obj, dict):
        raise ArtifactInvalid("artifact must be a JSON object")
    abi = obj.get("abi")
    code = obj.get("bytecode")
    if isinstance(code, dict):  # Foundry: {"object": "0x...", "linkReferences": {...}}
        code = code.get("object")
    if not isinstance(abi, list) or not all(isinstance(e, dict) for e in abi):
        raise ArtifactInvalid("artifact has no 'abi' array")
    if not isinstance(code, str) or not code:
        raise ArtifactInvalid("artifact has no creation 'bytecode'")
    if "__$" in code:
        raise ArtifactInvalid(
            "artifact bytecode has unlinked library placeholders (__$...$__); link it first"
        )
    hexpart = code[2:] if code.startswith("0x") else code
    try:
        bytecode = bytes.fromhex(hexpart)
    except ValueError as exc:
        raise ArtifactInvalid("artifact bytecode is not hex") from exc
    if not bytecode:
        raise ArtifactInvalid("artifact bytecode is empty (an interface or abstract contract?)")
    name = obj.get("contractName") or obj.get("name") or "Contract"
    meta = obj.get("metadata")
    version = obj.get("compiler_version")
    if isinstance(meta, dict):
        version = version or (meta.get("compiler") or {}).get("version")
    return Buildable(str(name)[:200], abi, bytecode, version)


def strip_metadata(code: bytes) -> bytes:
    """Drop solc's CBOR metadata tail (its length is in the last two bytes)."""
    if len(code) < 2:
        return code
    n = int.from_bytes(code[-2:], "big") + 2
    return code[:-n] if n <= len(code) else code


@lru_cache(maxsize=1)
def proxy_build() -> Buildable:
    path = Path(__file__).resolve().parents[3] / "contracts" / "build" / "AuriProxy.json"
    return parse_artifact(json.loads(path.read_text()))
