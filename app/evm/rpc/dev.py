"""Dev-node methods beyond the core set, answered as anvil and Hardhat answer them: state cheatcodes
(``anvil_setCode``/``setNonce``/``setStorageAt`` and their ``hardhat_`` names), ``evm_setNextBlockTimestamp``,
and signing with the dev accounts (``eth_sign``, ``personal_sign``, ``eth_signTypedData_v4``).

Like ``anvil_setBalance``, each state change is recorded in a block of its own, so that it is persisted
and every block's state root stays true (anvil changes its in-memory state without a block). None of
these exists when ``AURIGRAPH_ENV=production``.

The rest of the dev surface comes from the mixins this class gathers: the node's identity
(app/evm/rpc/devnode.py), impersonation, reset and the next block's header (anvil.py), the pending
pool (txpool.py) and state proofs and access lists (proofs.py; public in production)."""

from __future__ import annotations

from typing import Any

import orjson
from eth_account.messages import encode_defunct, encode_typed_data

from app.evm import hexcodec
from app.evm.abc import ChainAPI
from app.evm.errors import InvalidParams
from app.evm.hexcodec import hex_quantity
from app.evm.rpc.anvil import AnvilMethods
from app.evm.rpc.devnode import NodeInfoMethods
from app.evm.rpc.proofs import ProofMethods
from app.evm.rpc.txpool import TxPoolMethods


class DevMethods(NodeInfoMethods, AnvilMethods, TxPoolMethods, ProofMethods):
    chain: ChainAPI

    ALIASES = {
        **AnvilMethods.ALIASES,
        **TxPoolMethods.ALIASES,
        "hardhat_setCode": "anvil_setCode",
        "hardhat_setNonce": "anvil_setNonce",
        "hardhat_setStorageAt": "anvil_setStorageAt",
        "anvil_increaseTime": "evm_increaseTime",
    }
    DEV_ONLY = frozenset(
        (
            "anvil_setCode",
            "anvil_setNonce",
            "anvil_setStorageAt",
            "evm_setNextBlockTimestamp",
            "eth_sign",
            "personal_sign",
            "eth_signTypedData_v4",
            "hardhat_metadata",
            "anvil_nodeInfo",
            *AnvilMethods.DEV_ONLY,
            *TxPoolMethods.DEV_ONLY,
            *ALIASES,
        )
    )

    # -- state ------------------------------------------------------------------------------------------
    def rpc_anvil_setCode(self, address: Any, code: Any) -> None:
        self.chain.set_code(hexcodec.address(address), hexcodec.data(code, "code"))

    def rpc_anvil_setNonce(self, address: Any, nonce: Any) -> None:
        self.chain.set_nonce(hexcodec.address(address), _number(nonce, "nonce"))

    def rpc_anvil_setStorageAt(self, address: Any, slot: Any, value: Any) -> bool:
        word = hexcodec.fixed(
            value, 32, "storage value"
        )  # a whole 32-byte word, as anvil and Hardhat require
        self.chain.set_storage(
            hexcodec.address(address), hexcodec.quantity(slot, "storage slot"), int.from_bytes(word, "big")
        )
        return True

    def rpc_evm_setNextBlockTimestamp(self, timestamp: Any) -> None:
        self.chain.set_next_timestamp(_number(timestamp, "timestamp"))

    # -- snapshots, mining, the clock (evm_ / anvil_) -------------------------------------------------
    def rpc_evm_snapshot(self) -> str:
        return hex_quantity(self.chain.snapshot())

    def rpc_evm_revert(self, sid: Any) -> bool:
        ok = self.chain.revert(hexcodec.quantity(sid, "snapshot id"))
        self.filters.reset_to(self.chain.head.block_number)
        return ok

    def rpc_evm_mine(self, arg: Any = None) -> str:
        timestamp = None
        if isinstance(arg, dict):
            timestamp = hexcodec.quantity(arg["timestamp"], "timestamp") if "timestamp" in arg else None
            blocks = hexcodec.quantity(arg.get("blocks", 1), "blocks")
        else:
            timestamp = hexcodec.quantity(arg, "timestamp") if arg is not None else None
            blocks = 1
        if blocks > 10_000:
            raise InvalidParams("at most 10000 blocks at once")
        self.chain.mine(blocks, timestamp)
        return "0x0"

    def rpc_anvil_mine(self, blocks: Any = None, interval: Any = None) -> None:
        n = hexcodec.quantity(blocks, "blocks") if blocks is not None else 1
        self.mine_blocks(
            n, hexcodec.quantity(interval, "interval") if interval is not None else None
        )  # anvil.py
        return None

    def rpc_evm_increaseTime(self, seconds: Any) -> int:
        s = hexcodec.quantity(seconds, "seconds") if not isinstance(seconds, int) else seconds
        return self.chain.increase_time(s)  # a JSON number, as anvil answers

    def rpc_evm_setAutomine(self, enabled: Any) -> bool:
        self.set_automine(enabled)
        return True

    def rpc_evm_setIntervalMining(self, seconds: Any) -> bool:
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise InvalidParams("expected a number of seconds (0 turns interval mining off)")
        self.chain.set_interval(float(seconds))
        return True

    def rpc_anvil_getAutomine(self) -> bool:
        return self.chain.automine

    def rpc_anvil_setBalance(self, address: Any, wei: Any) -> None:
        self.chain.set_balance(hexcodec.address(address), hexcodec.quantity(wei, "balance"))
        return None

    # -- signing with the dev accounts -----------------------------------------------------------------
    def rpc_eth_sign(self, address: Any, message: Any) -> str:
        signer = self.chain.signer(hexcodec.address(address))
        return _hex(
            signer.sign_message(encode_defunct(primitive=hexcodec.data(message, "message"))).signature
        )

    def rpc_personal_sign(self, message: Any, address: Any) -> str:
        return self.rpc_eth_sign(address, message)

    def rpc_eth_signTypedData_v4(self, address: Any, typed: Any) -> str:
        signer = self.chain.signer(hexcodec.address(address))
        if isinstance(typed, str):
            try:
                typed = orjson.loads(typed)
            except orjson.JSONDecodeError as exc:
                raise InvalidParams("typed data: not valid JSON") from exc
        if not isinstance(typed, dict) or not {"types", "primaryType", "domain", "message"} <= typed.keys():
            raise InvalidParams("typed data: expected an object with types, primaryType, domain and message")
        try:
            signable = encode_typed_data(full_message=typed)
        except Exception as exc:  # eth-account raises ValueError, TypeError, KeyError... on bad EIP-712 input
            raise InvalidParams(f"typed data: {exc}") from exc
        return _hex(signer.sign_message(signable).signature)


def _number(value: Any, what: str) -> int:
    """A JSON number or a hex quantity (anvil and Hardhat take both for nonces and timestamps)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidParams(f"invalid {what}: negative")
        return value
    return hexcodec.quantity(value, what)


def _hex(signature: bytes) -> str:
    return "0x" + bytes(signature).hex()
