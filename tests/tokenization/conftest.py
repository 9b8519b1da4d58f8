"""Tokenization fixtures: our chain in process with the T-REX platform deployed once per test module (the
whole platform, 25 transactions through py-evm, takes about 1.5 s on SQLite), web3.py over our JSON-RPC
dispatcher, and registry identities made on-chain with their KYC claims."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import insert
from web3 import Web3

from app.config import Settings
from app.db import make_engine
from app.evm.contracts.service import ContractService
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc
from app.oracles.provider import make_web3
from app.rwa.audit.chain import attach
from app.rwa.models import Identity
from app.rwa.tokenization import identities
from app.rwa.tokenization.identities import KycSubject
from app.rwa.tokenization.operator import Operator, open_operator
from app.rwa.tokenization.platform import Platform, deploy_platform
from tests.conftest import make_database


@dataclass
class World:
    rpc: Rpc
    chain: Chain
    contracts: ContractService
    op: Operator
    platform: Platform
    w3: Web3
    next_id: int = 1

    def investor(self, index: int, country: int, kyc: str = "verified") -> tuple[LocalAccount, str]:
        """Dev account ``index`` as the wallet of a new registry identity, with its ONCHAINID (and KYC claim
        when ``kyc`` is verified)."""
        account = self.chain.accounts[index].account
        ident = self.next_id
        self.next_id += 1
        with self.chain.engine.begin() as conn:
            conn.execute(
                insert(Identity).values(
                    id=ident,
                    reference=f"ref-{ident}",
                    label=f"investor {ident}",
                    country=country,
                    category="retail",
                    kyc_status=kyc,
                    created_at=datetime.now(UTC),
                )
            )
        expires = datetime.now(UTC) + timedelta(days=365)
        subject = KycSubject(ident, country, kyc, expires, account.address.lower())
        return account, identities.ensure_identity(self.op, self.platform, subject)


def open_world(url: str) -> World:
    chain = Chain(make_engine(url), Settings(database_url=url))
    contracts = attach(chain)
    op = open_operator(chain, contracts, chain.settings)
    platform = deploy_platform(op)
    rpc = Rpc(chain)
    return World(rpc, chain, contracts, op, platform, make_web3("local", rpc.handle))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    gen = make_database("sqlite", tmp_path_factory.mktemp("trex"))
    url = next(gen)
    w = open_world(url)
    try:
        yield w
    finally:
        w.chain.close()
        next(gen, None)
