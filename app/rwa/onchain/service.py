"""The on-chain mode's handle on a chain: attaches the indexer (block hook) and the rewind of the registry's
on-chain rows, and opens the operator and the T-REX platform on first use (a missing operator key is an
error only when tokenization is used)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from app.config import Settings
from app.evm.abc import ChainAPI
from app.evm.contracts.service import ContractService
from app.rwa.onchain import indexer, journal
from app.rwa.tokenization.operator import Operator, open_operator
from app.rwa.tokenization.platform import Platform, deploy_platform, load_platform


class OnchainService:
    def __init__(self, chain: ChainAPI, contracts: ContractService, settings: Settings) -> None:
        self.chain = chain
        self.contracts = contracts
        self.settings = settings
        self._op: Operator | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        return self.chain.engine

    def operator(self) -> Operator:
        with self._lock:
            if self._op is None:
                self._op = open_operator(self.chain, self.contracts, self.settings)
            return self._op

    def platform(self, *, deploy: bool = True) -> Platform | None:
        """The T-REX platform, deployed on first use when ``deploy``."""
        with self.engine.connect() as conn:
            found = load_platform(conn)
        if found is not None or not deploy:
            return found
        return deploy_platform(self.operator())


def attach(chain: ChainAPI, contracts: ContractService, settings: Settings | None = None) -> OnchainService:
    """Index tokenized assets' events in every block and rewind the registry's on-chain rows with the chain
    (every process that opens the chain attaches it, as it attaches the audit of deploys)."""
    chain.add_block_hook(indexer.index_block)
    chain.add_rewind_hook(journal.rewind)
    return OnchainService(chain, contracts, settings or chain.settings)
