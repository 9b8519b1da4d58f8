"""debug_traceTransaction / debug_traceCall with geth's callTracer output format.

The frame tree is read off py-evm's computation tree after execution (each child computation is one
call frame); the tracing VM in pyevm.py records which opcode created each child."""

from __future__ import annotations

from typing import Any

from eth.exceptions import OutOfGas, Revert

from app.evm.errors import InvalidParams
from app.evm.execution.revert import ERROR_SELECTOR, describe
from app.evm.hexcodec import hex_quantity

_NO_VALUE = ("STATICCALL", "DELEGATECALL")


def check_config(config: Any) -> bool:
    """Validate the tracer options; returns withLog."""
    config = config or {}
    if not isinstance(config, dict):
        raise InvalidParams("tracer options must be an object")
    tracer = config.get("tracer")
    if tracer != "callTracer":
        raise InvalidParams(f"unsupported tracer {tracer!r}: only 'callTracer' is available")
    tracer_config = config.get("tracerConfig") or {}
    return bool(tracer_config.get("withLog"))


def _error(comp: Any) -> str | None:
    if not comp.is_error:
        return None
    err = comp.error
    if isinstance(err, Revert):
        return "execution reverted"
    if isinstance(err, OutOfGas):
        return "out of gas"
    return str(err) or type(err).__name__


def frame(
    comp: Any,
    kind: str,
    caller: bytes,
    with_log: bool,
    *,
    gas: int | None = None,
    gas_used: int | None = None,
    data: bytes | None = None,
    log_rank: dict[int, int] | None = None,
) -> dict[str, Any]:
    msg = comp.msg
    create = kind in ("CREATE", "CREATE2")
    out: dict[str, Any] = {
        "from": "0x" + bytes(caller).hex(),
        "gas": hex_quantity(msg.gas if gas is None else gas),
        "gasUsed": hex_quantity(comp.get_gas_used() if gas_used is None else gas_used),
        "to": "0x" + bytes(msg.storage_address if create else msg.code_address).hex(),
        "input": "0x" + (data if data is not None else (msg.code if create else msg.data)).hex(),
    }
    if comp.output or comp.is_success:
        out["output"] = "0x" + comp.output.hex()
    err = _error(comp)
    if err is not None:
        out["error"] = err
        if isinstance(comp.error, Revert) and comp.output[:4] == ERROR_SELECTOR:
            out["revertReason"] = describe(comp.output).removeprefix("execution reverted: ")
    if log_rank is None:  # the transaction's frame: rank every log of the transaction once
        log_rank = {entry[0]: i for i, entry in enumerate(sorted(comp.get_raw_log_entries()))}
    calls = [
        frame(child, getattr(child, "trace_kind", "CALL"), msg.storage_address, with_log, log_rank=log_rank)
        for child in comp.children
    ]
    if calls:
        out["calls"] = calls
    if with_log and comp.is_success and comp._log_entries:
        out["logs"] = [_log(comp, i, entry, log_rank) for i, entry in enumerate(comp._log_entries)]
    if kind not in _NO_VALUE:
        out["value"] = hex_quantity(msg.value)
    out["type"] = kind
    return out


def _log(
    comp: Any, i: int, entry: tuple[int, bytes, tuple[int, ...], bytes], log_rank: dict[int, int]
) -> dict[str, Any]:
    counter, address, topics, data = entry
    positions = comp.__dict__.get("trace_log_positions", [])
    return {
        "address": "0x" + bytes(address).hex(),
        "topics": ["0x" + t.to_bytes(32, "big").hex() for t in topics],
        "data": "0x" + bytes(data).hex(),
        "index": hex_quantity(log_rank.get(counter, 0)),  # among the transaction's logs
        "position": hex_quantity(
            positions[i] if i < len(positions) else len(comp.children)
        ),  # child calls before it
    }


def top_frame(comp: Any, tx_sender: bytes, gas_used: int, data: bytes, with_log: bool) -> dict[str, Any]:
    """The transaction's frame. As anvil reports it, its gas is what execution started with (the gas
    limit less the intrinsic gas) and its gasUsed is the receipt's."""
    kind = "CREATE" if comp.msg.is_create else "CALL"
    return frame(comp, kind, tx_sender, with_log, gas=comp.msg.gas, gas_used=gas_used, data=data)
