"""A genesis file in geth's format, parsed into a ``Genesis`` (the format: see ``opening.py`` beside it).

Numbers are JSON numbers, hex or decimal strings (as geth's); every mistake is a ``GenesisError`` naming
the field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Settings
from app.evm.errors import GenesisError

Account = dict[str, Any]  # py-evm's genesis state entry: balance, nonce, code, storage


@dataclass(frozen=True, slots=True)
class Genesis:
    chain_id: int
    gas_limit: int
    base_fee: int
    timestamp: int
    alloc: Mapping[bytes, Account]
    extra_data: bytes = b""
    coinbase: bytes = b"\x00" * 20
    mix_hash: bytes = b"\x00" * 32
    source: str = "dev"  # "dev" or "file"
    path: str = field(default="", compare=False)

    def header_params(self) -> dict[str, Any]:
        return {
            "difficulty": 0,
            "gas_limit": self.gas_limit,
            "timestamp": self.timestamp,
            "nonce": b"\x00" * 8,
            "mix_hash": self.mix_hash,
            "extra_data": self.extra_data,
            "coinbase": self.coinbase,
            "base_fee_per_gas": self.base_fee,
        }


def load(path: Path, settings: Settings) -> Genesis:
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise GenesisError(f"genesis file {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise GenesisError(f"genesis file {path}: expected a JSON object")
    try:
        return _parse(doc, settings, str(path))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, GenesisError):
            raise
        raise GenesisError(f"genesis file {path}: {exc}") from exc


def _parse(doc: dict[str, Any], settings: Settings, path: str) -> Genesis:
    config = doc.get("config")
    if not isinstance(config, dict) or "chainId" not in config:
        raise GenesisError(f"genesis file {path}: config.chainId is required")
    alloc_in = doc.get("alloc", {})
    if not isinstance(alloc_in, dict):
        raise GenesisError(f"genesis file {path}: alloc must map addresses to accounts")
    alloc = {
        _bytes(addr, 20, f"alloc address {addr}"): _alloc_entry(addr, acct) for addr, acct in alloc_in.items()
    }
    extra = _bytes(doc.get("extraData", "0x"), None, "extraData")
    if len(extra) > 32:
        raise GenesisError(f"genesis file {path}: extraData is {len(extra)} bytes, at most 32")
    return Genesis(
        chain_id=_int(config["chainId"], "config.chainId"),
        gas_limit=_int(doc.get("gasLimit", settings.block_gas_limit), "gasLimit"),
        base_fee=_int(doc.get("baseFeePerGas", settings.initial_base_fee), "baseFeePerGas"),
        timestamp=_int(doc.get("timestamp", 0), "timestamp"),
        alloc=alloc,
        extra_data=extra,
        coinbase=_bytes(doc.get("coinbase", "0x" + "00" * 20), 20, "coinbase"),
        mix_hash=_bytes(doc.get("mixHash", "0x" + "00" * 32), 32, "mixHash"),
        source="file",
        path=path,
    )


def _alloc_entry(addr: str, acct: Any) -> Account:
    if not isinstance(acct, dict):
        raise GenesisError(f"alloc {addr}: expected an object with balance, nonce, code, storage")
    storage = acct.get("storage") or {}
    if not isinstance(storage, dict):
        raise GenesisError(f"alloc {addr}: storage must map slots to values")
    return account(
        _int(acct.get("balance", 0), f"alloc {addr} balance"),
        nonce=_int(acct.get("nonce", 0), f"alloc {addr} nonce"),
        code=_bytes(acct.get("code", "0x"), None, f"alloc {addr} code"),
        storage={
            _word(k, f"alloc {addr} storage slot"): _word(v, f"alloc {addr} storage value")
            for k, v in storage.items()
        },
    )


def account(
    balance: int, nonce: int = 0, code: bytes = b"", storage: dict[int, int] | None = None
) -> Account:
    return {"balance": balance, "nonce": nonce, "code": code, "storage": storage or {}}


def _int(value: Any, what: str) -> int:
    """A JSON number, a hex string or a decimal string (geth's HexOrDecimal)."""
    if isinstance(value, bool):
        raise GenesisError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int):
        out = value
    elif isinstance(value, str) and value.lower().startswith("0x"):
        out = int(value[2:] or "0", 16)
    elif isinstance(value, str) and value.isdigit():
        out = int(value)
    else:
        raise GenesisError(f"{what}: expected a number or a hex/decimal string, got {value!r}")
    if out < 0 or out >= 2**256:
        raise GenesisError(f"{what}: {out} is out of range")
    return out


def _bytes(value: Any, size: int | None, what: str) -> bytes:
    if not isinstance(value, str):
        raise GenesisError(f"{what}: expected a hex string")
    text = value[2:] if value.lower().startswith("0x") else value
    try:
        out = bytes.fromhex(text)
    except ValueError as exc:
        raise GenesisError(f"{what}: not hex") from exc
    if size is not None and len(out) != size:
        raise GenesisError(f"{what}: expected {size} bytes, got {len(out)}")
    return out


def _word(value: Any, what: str) -> int:
    """A storage slot or value: hex up to 32 bytes (geth writes them as 32-byte hashes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _int(value, what)
    raw = _bytes(value, None, what) if isinstance(value, str) and len(value) % 2 == 0 else None
    if raw is None:
        return _int(value, what)
    if len(raw) > 32:
        raise GenesisError(f"{what}: more than 32 bytes")
    return int.from_bytes(raw, "big")
