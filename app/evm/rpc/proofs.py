"""State proofs and account reads: ``eth_getProof`` (EIP-1186, the proof built by
``app/evm/execution/proofs.py``), ``eth_getAccountInfo`` and ``eth_createAccessList`` (EIP-2930, run by
``app/evm/execution/accesslist.py``)."""

from __future__ import annotations

from typing import Any

from app.evm import hexcodec
from app.evm.abc import ChainAPI
from app.evm.errors import InvalidParams
from app.evm.execution.accesslist import AccessListResult
from app.evm.execution.proofs import AccountProof
from app.evm.hexcodec import hex_quantity

MAX_SLOTS = 1024  # slots proven in one request


def proof_json(p: AccountProof) -> dict[str, Any]:
    """EIP-1186's answer, as geth gives it."""
    return {
        "address": "0x" + p.address.hex(),
        "balance": hex_quantity(p.balance),
        "codeHash": "0x" + p.code_hash.hex(),
        "nonce": hex_quantity(p.nonce),
        "storageHash": "0x" + p.storage_root.hex(),
        "accountProof": ["0x" + node.hex() for node in p.proof],
        "storageProof": [
            {
                "key": "0x" + s.slot.to_bytes(32, "big").hex(),
                "value": hex_quantity(s.value),
                "proof": ["0x" + node.hex() for node in s.proof],
            }
            for s in p.storage
        ],
    }


def _slot(value: Any) -> int:
    """A storage key: 32 bytes of hex, as EIP-1186 has it, or a shorter quantity (geth takes both)."""
    if isinstance(value, str) and len(value) == 66:
        return int.from_bytes(hexcodec.hash32(value, "storage key"), "big")
    return hexcodec.quantity(value, "storage key")


class ProofMethods:
    chain: ChainAPI

    def _header(self, tag: Any) -> Any:  # provided by Rpc
        raise NotImplementedError

    def rpc_eth_getProof(self, address: Any, slots: Any, tag: Any = "latest") -> dict[str, Any]:
        if not isinstance(slots, list) or len(slots) > MAX_SLOTS:
            raise InvalidParams(f"storage keys: expected a list of at most {MAX_SLOTS}")
        a = hexcodec.address(address)
        keys = [_slot(s) for s in slots]
        with self.chain.lock:
            return proof_json(self.chain.account_proof(a, keys, self._header(tag)))

    def rpc_eth_getAccountInfo(self, address: Any, tag: Any = "latest") -> dict[str, str]:
        """anvil's one-call account read: balance, nonce and code."""
        a = hexcodec.address(address)
        with self.chain.lock:
            view = self.chain.account_view(self._header(tag))
            return {
                "balance": hex_quantity(view.get_balance(a)),
                "nonce": hex_quantity(view.get_nonce(a)),
                "code": "0x" + bytes(view.get_code(a)).hex(),
            }

    def rpc_eth_createAccessList(self, tx: Any, tag: Any = "latest") -> dict[str, Any]:
        return access_list_json(self.chain.create_access_list(hexcodec.tx_request(tx), self._header(tag)))


def access_list_json(result: AccessListResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "accessList": [
            {
                "address": "0x" + a.hex(),
                "storageKeys": ["0x" + k.to_bytes(32, "big").hex() for k in sorted(slots)],
            }
            for a, slots in result.access.items()
        ],
        "gasUsed": hex(result.gas_used),
    }
    if result.error is not None:
        out["error"] = result.error
    return out
