"""anvil's state-of-the-node methods: impersonation (``anvil_impersonateAccount`` and friends, also as
``hardhat_``). Off in production, like every dev method.

An impersonated address may send with ``eth_sendTransaction`` without its key; the transaction is mined
and recorded as sent by that address (see app/evm/impersonation.py for how it is signed and read back)."""

from __future__ import annotations

from typing import Any

from app.evm import hexcodec as hc
from app.evm.chain import Chain
from app.evm.errors import InvalidParams


class AnvilMethods:
    chain: Chain

    ALIASES = {
        "hardhat_impersonateAccount": "anvil_impersonateAccount",
        "hardhat_stopImpersonatingAccount": "anvil_stopImpersonatingAccount",
    }
    DEV_ONLY = frozenset(
        ("anvil_impersonateAccount", "anvil_stopImpersonatingAccount", "anvil_autoImpersonateAccount")
    )

    # -- impersonation ----------------------------------------------------------------------------------
    def rpc_anvil_impersonateAccount(self, address: Any) -> None:
        with self.chain.lock:
            self.chain.impersonating.add(hc.address(address))

    def rpc_anvil_stopImpersonatingAccount(self, address: Any) -> None:
        with self.chain.lock:
            self.chain.impersonating.discard(hc.address(address))

    def rpc_anvil_autoImpersonateAccount(self, enabled: Any) -> None:
        if not isinstance(enabled, bool):
            raise InvalidParams("expected a boolean")
        with self.chain.lock:
            self.chain.auto_impersonate = enabled
