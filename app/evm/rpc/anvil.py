"""anvil's state-of-the-node methods: impersonation (``anvil_impersonateAccount`` and friends, also as
``hardhat_``), ``anvil_reset``, the next block's header (``evm_setBlockGasLimit``, ``anvil_setCoinbase``,
``anvil_setNextBlockBaseFeePerGas``), ``anvil_setAutomine``, ``anvil_mine`` with an interval, and the
``anvil_snapshot``/``anvil_revert`` names. Off in production, like every dev method.

An impersonated address may send with ``eth_sendTransaction`` without its key; the transaction is mined
and recorded as sent by that address (see app/evm/node/impersonation.py for how it is signed and read
back)."""

from __future__ import annotations

import secrets
from typing import Any

from app.evm import hexcodec
from app.evm.abc import ChainAPI
from app.evm.errors import InvalidParams
from app.evm.rpc.filters import FilterRegistry

MIN_GAS_LIMIT = 5000  # py-evm's GAS_LIMIT_MINIMUM
MAX_BLOCKS = 10_000


class AnvilMethods:
    chain: ChainAPI

    filters: FilterRegistry
    instance_id: str

    ALIASES = {
        "hardhat_impersonateAccount": "anvil_impersonateAccount",
        "hardhat_stopImpersonatingAccount": "anvil_stopImpersonatingAccount",
        "hardhat_reset": "anvil_reset",
        "hardhat_setCoinbase": "anvil_setCoinbase",
        "hardhat_setNextBlockBaseFeePerGas": "anvil_setNextBlockBaseFeePerGas",
        "hardhat_getAutomine": "anvil_getAutomine",  # Ignition asks it to tell a dev node (1 confirmation)
        "anvil_snapshot": "evm_snapshot",
        "anvil_revert": "evm_revert",
    }
    DEV_ONLY = frozenset(
        (
            "anvil_impersonateAccount",
            "anvil_stopImpersonatingAccount",
            "anvil_autoImpersonateAccount",
            "anvil_reset",
            "evm_setBlockGasLimit",
            "anvil_setCoinbase",
            "anvil_setNextBlockBaseFeePerGas",
            "anvil_setAutomine",
        )
    )

    # -- impersonation ----------------------------------------------------------------------------------
    def rpc_anvil_impersonateAccount(self, address: Any) -> None:
        self.chain.impersonate(hexcodec.address(address))

    def rpc_anvil_stopImpersonatingAccount(self, address: Any) -> None:
        self.chain.impersonate(hexcodec.address(address), enabled=False)

    def rpc_anvil_autoImpersonateAccount(self, enabled: Any) -> None:
        if not isinstance(enabled, bool):
            raise InvalidParams("expected a boolean")
        self.chain.set_auto_impersonate(enabled)

    # -- the chain and the next block -------------------------------------------------------------------
    def rpc_anvil_reset(self, options: Any = None) -> None:
        """A fresh chain in the same database: back to genesis, the later blocks and every row they wrote
        gone (as evm_revert removes them), dev settings as at start. There is nothing to fork from."""
        if isinstance(options, dict) and options.get("forking"):
            raise InvalidParams("forking is not supported: this node runs its own chain only")
        self.chain.reset()
        self.filters.reset_to(0)
        self.instance_id = "0x" + secrets.token_hex(32)  # a new chain: tools that cache by it start over

    def rpc_evm_setBlockGasLimit(self, gas: Any) -> bool:
        limit = hexcodec.quantity(gas, "gas limit")
        if not MIN_GAS_LIMIT <= limit < 2**63:
            raise InvalidParams(f"gas limit must be between {MIN_GAS_LIMIT} and 2^63 - 1")
        self.chain.set_next_header(gas_limit=limit)
        return True

    def rpc_anvil_setCoinbase(self, address: Any) -> None:
        self.chain.set_next_header(coinbase=hexcodec.address(address))

    def rpc_anvil_setNextBlockBaseFeePerGas(self, fee: Any) -> None:
        self.chain.set_next_header(base_fee_per_gas=hexcodec.quantity(fee, "base fee"))

    def rpc_anvil_setAutomine(self, enabled: Any) -> None:
        self.set_automine(enabled)  # null, as anvil answers (evm_setAutomine answers true)

    def set_automine(self, enabled: Any) -> None:
        """Automine on or off; switching it on mines what is pending, in one block."""
        if not isinstance(enabled, bool):
            raise InvalidParams("expected a boolean")
        self.chain.set_automine(enabled)

    def mine_blocks(self, blocks: int, interval: int | None) -> None:
        """anvil_mine: ``blocks`` blocks; with an interval the first comes ``interval`` seconds after the
        latest block (or the clock, when later), as on anvil, and the others exactly ``interval`` apart
        (as on Hardhat; anvil adds the wall time that passes while it mines). Our blocks are at least
        1 s apart, so an interval of 0 counts as 1."""
        if blocks > MAX_BLOCKS:
            raise InvalidParams(f"at most {MAX_BLOCKS} blocks at once")
        if interval is None or blocks == 0:
            self.chain.mine(blocks)
            return
        step = max(interval, 1)
        with self.chain.lock:
            # the first by the chain's own rule (a timestamp set with evm_setNextBlockTimestamp wins, as
            # time.increaseTo relies on); the others pinned, so later blocks count on from the last one
            self.chain.increase_time(step)
            self.chain.mine(1)
            for _ in range(blocks - 1):
                self.chain.mine(1, int(self.chain.head.timestamp) + step)
