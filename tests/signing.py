"""Signed EIP-1559 transactions for tests, with the chain's defaults filled in."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address


def raw_tx(acct: Any, nonce: int, **tx: Any) -> str:
    """0x-hex of ``acct``'s signed type-2 transaction on chain 31337; ``tx`` overrides the defaults."""
    if tx.get("to"):
        tx["to"] = to_checksum_address(tx["to"])
    body = {
        "value": 0,
        "gas": 100_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 1,
        "nonce": nonce,
        "chainId": 31337,
        "type": 2,
        **tx,
    }
    return "0x" + bytes(acct.sign_transaction(body).raw_transaction).hex()
