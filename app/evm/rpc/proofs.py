"""State proofs and account reads: ``eth_getProof`` (EIP-1186) and ``eth_getAccountInfo``.

A proof is the list of trie nodes on the path from the block's state root to the account (and from the
account's storage root to each slot), read from the same key-value store that py-evm writes: anyone
holding only the block's ``stateRoot`` can check the balance, nonce, code hash and slots against it."""

from __future__ import annotations

from typing import Any

import rlp
from eth.rlp.accounts import Account
from eth_utils import keccak  # type: ignore[attr-defined]
from trie import HexaryTrie  # type: ignore[attr-defined]

from app.evm import hexcodec as hc
from app.evm.errors import InvalidParams
from app.evm.hexcodec import hx
from app.evm.node.chain import Chain

MAX_SLOTS = 1024  # slots proven in one request


def _nodes(proof: Any) -> list[str]:
    return ["0x" + rlp.encode(node).hex() for node in proof]  # each node as the trie stores it


def account_proof(store: Any, state_root: bytes, address: bytes, slots: list[int]) -> dict[str, Any]:
    """EIP-1186's answer for ``address`` and ``slots`` at ``state_root``."""
    state = HexaryTrie(store, state_root)
    key = keccak(address)
    encoded = state.get(key)
    account = rlp.decode(encoded, sedes=Account) if encoded else Account()
    storage = HexaryTrie(store, account.storage_root)
    storage_proof = []
    for slot in slots:
        slot_key = keccak(slot.to_bytes(32, "big"))
        raw = storage.get(slot_key)
        storage_proof.append(
            {
                "key": "0x" + slot.to_bytes(32, "big").hex(),
                "value": hx(rlp.decode(raw, sedes=rlp.sedes.big_endian_int) if raw else 0),
                "proof": _nodes(storage.get_proof(slot_key)),  # type: ignore[no-untyped-call]
            }
        )
    return {
        "address": "0x" + address.hex(),
        "balance": hx(account.balance),
        "codeHash": "0x" + bytes(account.code_hash).hex(),
        "nonce": hx(account.nonce),
        "storageHash": "0x" + bytes(account.storage_root).hex(),
        "accountProof": _nodes(state.get_proof(key)),  # type: ignore[no-untyped-call]
        "storageProof": storage_proof,
    }


def _slot(value: Any) -> int:
    """A storage key: 32 bytes of hex, as EIP-1186 has it, or a shorter quantity (geth takes both)."""
    if isinstance(value, str) and len(value) == 66:
        return int.from_bytes(hc.hash32(value, "storage key"), "big")
    return hc.quantity(value, "storage key")


class ProofMethods:
    chain: Chain

    def _header(self, tag: Any) -> Any:  # provided by Rpc
        raise NotImplementedError

    def rpc_eth_getProof(self, address: Any, slots: Any, tag: Any = "latest") -> dict[str, Any]:
        if not isinstance(slots, list) or len(slots) > MAX_SLOTS:
            raise InvalidParams(f"storage keys: expected a list of at most {MAX_SLOTS}")
        a = hc.address(address)
        keys = [_slot(s) for s in slots]
        with self.chain.lock:
            root = self._header(tag).state_root
            return account_proof(self.chain.store, root, a, keys)

    def rpc_eth_getAccountInfo(self, address: Any, tag: Any = "latest") -> dict[str, str]:
        """anvil's one-call account read: balance, nonce and code."""
        a = hc.address(address)
        with self.chain.lock:
            view = self.chain.account_view(self._header(tag))
            return {
                "balance": hx(view.get_balance(a)),
                "nonce": hx(view.get_nonce(a)),
                "code": "0x" + bytes(view.get_code(a)).hex(),
            }

    def rpc_eth_createAccessList(self, tx: Any, tag: Any = "latest") -> dict[str, Any]:
        from app.evm.rpc.accesslist import create_access_list

        return create_access_list(self.chain, hc.tx_request(tx), self._header(tag))
