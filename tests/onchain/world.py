"""On-chain mode world: our chain in process with the T-REX platform deployed once per test module, the
registry's indexer attached, web3.py over our JSON-RPC dispatcher, and registry data made through the
registry's own services (issuer, asset with rules, identities with wallets, holdings issued)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from web3 import Web3

from app.config import Settings
from app.db import make_engine
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc
from app.oracles.provider import make_web3
from app.rwa.audit.chain import attach as attach_audit
from app.rwa.ledger import transfers as ledger
from app.rwa.models import Holding, Wallet
from app.rwa.onchain import service
from app.rwa.onchain.service import OnchainService
from app.rwa.registry import assets, identities
from app.rwa.registry.assets import RulesInput
from app.rwa.tokenization import artifacts
from tests.conftest import make_database

ACTOR = "test:admin"
DE, FR, US = 276, 250, 840


@dataclass
class OnchainWorld:
    rpc: Rpc
    chain: Chain
    svc: OnchainService
    w3: Web3
    issuer_id: int = 0
    next_account: int = 1
    accounts: dict[str, LocalAccount] = field(default_factory=dict)

    def session(self) -> Session:
        return Session(self.chain.engine)

    def engine_conn(self) -> Connection:
        return self.chain.engine.connect()

    def investor(self, country: int, kyc: str = "verified") -> LocalAccount:
        """The next dev account as the wallet of a new registry identity."""
        account = self.chain.accounts[self.next_account].account
        self.next_account += 1
        expires = datetime.now(UTC) + timedelta(days=365) if kyc == "verified" else None
        with self.session() as s, s.begin():
            identities.create_identity(
                s,
                actor=ACTOR,
                reference=f"ref-{account.address}",
                label=f"investor {self.next_account}",
                country=country,
                category="retail",
                kyc_status=kyc,
                kyc_expires_at=expires,
                wallets=[account.address],
            )
        self.accounts[account.address.lower()] = account
        return account

    def asset(self, symbol: str, rules: RulesInput | None = None, decimals: int = 0) -> None:
        with self.session() as s, s.begin():
            assets.create_asset(
                s,
                actor=ACTOR,
                issuer_id=self.issuer_id,
                symbol=symbol,
                name=f"{symbol} asset",
                asset_class="bond",
                jurisdiction="DE",
                currency="EUR",
                decimals=decimals,
                rules=rules,
            )
            assets.set_status(s, actor=ACTOR, symbol=symbol, status="active")

    def issue(self, symbol: str, wallet: LocalAccount, units: int) -> None:
        with self.session() as s, s.begin():
            ledger.issue(s, actor=ACTOR, symbol=symbol, wallet=wallet.address, units=units)

    def holdings(self, symbol: str) -> dict[str, tuple[int, int, bool]]:
        """wallet -> (balance, frozen units, frozen) in the registry, for non-empty holdings."""
        with self.session() as s:
            asset_id = assets.asset_by_symbol(s, symbol).id
            rows = s.execute(
                select(Wallet.address, Holding.balance, Holding.frozen_units, Holding.frozen)
                .join(Wallet, Wallet.id == Holding.wallet_id)
                .where(Holding.asset_id == asset_id)
            ).all()
        return {r.address: (r.balance, r.frozen_units, r.frozen) for r in rows if r.balance or r.frozen}

    def balance(self, token: str, wallet: str) -> int:
        c = self.w3.eth.contract(address=Web3.to_checksum_address(token), abi=artifacts.abi("Token"))
        return int(c.functions.balanceOf(Web3.to_checksum_address(wallet)).call())

    def send(self, acct: LocalAccount, token: str, function: str, *args: object) -> dict[str, object]:
        """The holder signs the call and sends the raw transaction through web3.py (gas set: a reverting
        transfer is mined with status 0, as from a wallet that skips estimation)."""
        w3 = self.w3
        contract = w3.eth.contract(address=w3.to_checksum_address(token), abi=artifacts.abi("Token"))
        tx = getattr(contract.functions, function)(*args).build_transaction(
            {"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address), "gas": 600_000}
        )
        raw = acct.sign_transaction(tx).raw_transaction
        return dict(w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw)))


def open_world(url: str) -> OnchainWorld:
    chain = Chain(make_engine(url), Settings(database_url=url))
    contracts = attach_audit(chain)
    svc = service.attach(chain, contracts)
    svc.platform()
    rpc = Rpc(chain)
    world = OnchainWorld(rpc, chain, svc, make_web3("local", rpc.handle))
    with world.session() as s, s.begin():
        world.issuer_id = assets.create_issuer(s, actor=ACTOR, name="Issuer", country=DE).id
    return world


def world_on(dialect: str, tmp: pytest.TempPathFactory) -> Iterator[OnchainWorld]:
    gen = make_database(dialect, tmp.mktemp("onchain"))
    url = next(gen)
    w = open_world(url)
    try:
        yield w
    finally:
        w.chain.close()
        next(gen, None)
