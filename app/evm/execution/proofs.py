"""EIP-1186 state proofs: the trie nodes on the path from a block's state root to an account (and from the
account's storage root to each slot), read from the same key-value store that py-evm writes, so anyone
holding only the block's ``stateRoot`` can check the balance, nonce, code hash and slots against it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import rlp
from eth.rlp.accounts import Account
from eth_utils.crypto import keccak
from trie.hexary import HexaryTrie


@dataclass(frozen=True, slots=True)
class SlotProof:
    slot: int
    value: int
    proof: tuple[bytes, ...]  # each node RLP-encoded, as the trie stores it


@dataclass(frozen=True, slots=True)
class AccountProof:
    address: bytes
    balance: int
    nonce: int
    code_hash: bytes
    storage_root: bytes
    proof: tuple[bytes, ...]
    storage: tuple[SlotProof, ...]


def _nodes(proof: Any) -> tuple[bytes, ...]:
    return tuple(rlp.encode(node) for node in proof)


def account_proof(store: Any, state_root: bytes, address: bytes, slots: Sequence[int]) -> AccountProof:
    """The proof of ``address`` and ``slots`` at ``state_root``."""
    state = HexaryTrie(store, state_root)
    key = keccak(address)
    encoded = state.get(key)
    account = rlp.decode(encoded, sedes=Account) if encoded else Account()
    storage = HexaryTrie(store, account.storage_root)
    storage_proof = []
    for slot in slots:
        slot_key = keccak(slot.to_bytes(32, "big"))
        raw = storage.get(slot_key)
        value = rlp.decode(raw, sedes=rlp.sedes.big_endian_int) if raw else 0
        storage_proof.append(
            SlotProof(slot, value, _nodes(storage.get_proof(slot_key)))  # type: ignore[no-untyped-call]  # py-trie
        )
    return AccountProof(
        address=address,
        balance=account.balance,
        nonce=account.nonce,
        code_hash=bytes(account.code_hash),
        storage_root=bytes(account.storage_root),
        proof=_nodes(state.get_proof(key)),  # type: ignore[no-untyped-call]  # py-trie's get_proof is untyped
        storage=tuple(storage_proof),
    )
