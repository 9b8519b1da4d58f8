"""The node's own identity as tools ask for it: the ``web3_`` and ``net_`` namespaces (``web3_clientVersion``,
``web3_sha3``, ``net_version``, ``net_listening``), ``hardhat_metadata`` and ``anvil_nodeInfo``.

Hardhat's network helpers (``loadFixture``, ``time``, ``mine``...) refuse any node whose client version does
not start with ``hardhatnetwork``, ``anvil`` or ``zksync``, so outside production the node calls itself
``anvil/v1.7.1-compatible`` followed by its own name (``AURIGRAPH_DEV_CLIENT_VERSION`` replaces the whole
string). Production answers with its own name only."""

from __future__ import annotations

import secrets
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from app.config import Settings
from app.evm import hexcodec
from app.evm.abc import ChainAPI
from app.evm.hexcodec import hex_data, hex_quantity

ANVIL_COMPATIBLE = "anvil/v1.7.1-compatible"


@cache
def own_version() -> str:
    """``aurigraph/<version>/py-evm-<version>``, from the installed packages."""
    return f"aurigraph/{_installed('aurigraph')}/py-evm-{_installed('py-evm')}"


def client_version(settings: Settings) -> str:
    if settings.production:
        return own_version()
    return settings.dev_client_version or f"{ANVIL_COMPATIBLE} {own_version()}"


def _installed(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


class NodeInfoMethods:
    chain: ChainAPI
    # one id per running node, as anvil's and Hardhat's instanceId: tools (Ignition) notice a restart by it
    instance_id = "0x" + secrets.token_hex(32)

    def rpc_hardhat_metadata(self) -> dict[str, Any]:
        head = self.chain.head
        return {
            "clientVersion": client_version(self.chain.settings),
            "chainId": self.chain.chain_id,
            "instanceId": self.instance_id,
            "latestBlockNumber": int(head.block_number),
            "latestBlockHash": hex_data(head.hash),
            "forkedNetwork": None,
            "snapshots": {},
        }

    def rpc_anvil_nodeInfo(self) -> dict[str, Any]:
        head = self.chain.head
        base_fee = self.chain.next_base_fee()
        return {
            "currentBlockNumber": hex_quantity(head.block_number),
            "currentBlockTimestamp": int(head.timestamp),
            "currentBlockHash": hex_data(head.hash),
            "hardFork": "Prague",
            # transactions are mined in arrival order (a sender's in nonce order): anvil's `--order fifo`
            "transactionOrder": "fifo",
            "environment": {
                "baseFee": hex_quantity(base_fee),
                "chainId": self.chain.chain_id,
                "gasLimit": hex_quantity(head.gas_limit),
                "gasPrice": hex_quantity(base_fee + 10**9),  # as eth_gasPrice
            },
            "forkConfig": {"forkUrl": None, "forkBlockNumber": None, "forkRetryBackoff": None},
        }

    def rpc_web3_clientVersion(self) -> str:
        return client_version(self.chain.settings)  # anvil-compatible outside production

    def rpc_web3_sha3(self, data: Any) -> str:
        from eth_utils.crypto import keccak

        return "0x" + keccak(hexcodec.data(data)).hex()

    def rpc_net_version(self) -> str:
        return str(self.chain.chain_id)

    def rpc_net_listening(self) -> bool:
        return True
