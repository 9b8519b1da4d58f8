"""REST reads of the chain: blocks by number, tag or hash; transactions with their receipts (event logs
decoded when the emitting contract is in the registry)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.api.deps import allow
from app.evm.contracts.service import ContractNotFound
from app.evm.errors import BlockNotFound, InvalidParams
from app.rwa.registry.access import Permission

router = APIRouter(tags=["chain"])


def _rpc(request: Request, method: str, *params: Any) -> Any:
    out = request.app.state.rpc.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    if "error" in out:
        raise InvalidParams(out["error"]["message"])
    return out["result"]


@router.get(
    "/blocks/{block}",
    summary="A block by number, by tag (latest, earliest) or by hash",
    dependencies=allow(Permission.CHAIN_READ),
)
def block(block: str, request: Request, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] | None
    if block.startswith("0x") and len(block) == 66:
        out = _rpc(request, "eth_getBlockByHash", block, full)
    elif block in ("latest", "earliest", "pending"):
        out = _rpc(request, "eth_getBlockByNumber", block, full)
    elif block.isdigit():
        out = _rpc(request, "eth_getBlockByNumber", hex(int(block)), full)
    else:
        raise InvalidParams("a block is a decimal number, latest, earliest or a 32-byte 0x hash")
    if out is None:
        raise BlockNotFound(f"block {block} not found")
    return out


@router.get(
    "/transactions/{tx_hash}",
    summary="A transaction and its receipt",
    dependencies=allow(Permission.CHAIN_READ),
)
def transaction(tx_hash: str, request: Request) -> dict[str, Any]:
    tx = _rpc(request, "eth_getTransactionByHash", tx_hash)
    if tx is None:
        raise TransactionNotFound(f"transaction {tx_hash} not found")
    receipt = _rpc(request, "eth_getTransactionReceipt", tx_hash)
    if receipt is not None:
        svc = request.app.state.contracts
        for lg in receipt["logs"]:
            try:
                from app.evm.contracts.abi import decode_log

                abi = svc.abi_of(bytes.fromhex(lg["address"][2:]))
            except ContractNotFound:
                continue
            decoded = decode_log(
                abi, [bytes.fromhex(t[2:]) for t in lg["topics"]], bytes.fromhex(lg["data"][2:])
            )
            if decoded is not None:
                lg["decoded"] = decoded
    return {"transaction": tx, "receipt": receipt}


class TransactionNotFound(BlockNotFound):
    code = "TRANSACTION_NOT_FOUND"
