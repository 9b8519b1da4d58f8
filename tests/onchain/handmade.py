"""A hand-made on-chain world: our chain in process with the T-REX platform deployed once per test
module, registry assets and identities made through the registry's services, and tokenized assets whose
token holds what the registry holds (a token deployed and minted beside the registry's own issue)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_sessionmaker
from app.rwa import assets, identities, ledger
from app.rwa.assets import RulesInput
from app.rwa.models import Identity
from app.rwa.tokenization import agent, tokens
from app.rwa.tokenization import identities as onchain_ids
from app.rwa.tokenization.identities import KycSubject
from app.rwa.tokenization.modules import ModuleConfig
from app.rwa.tokenization.tokens import TokenSpec, TokenSuite
from tests.conftest import make_database
from tests.tokenization.conftest import World, open_world

ACTOR = "test"
DE, FR, US = 276, 250, 840
_seq = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Investor:
    identity_id: int
    wallet: str  # 0x-hex, lower case
    key: object  # the wallet's LocalAccount (it signs its own transfers)
    country: int
    onchain_id: str


@dataclass
class Registry:
    """The world plus the registry's side: a session factory and the investors made so far."""

    world: World
    sessions: sessionmaker[Session]
    investors: list[Investor] = field(default_factory=list)

    def investor(self, index: int, country: int, kyc: str = "verified") -> Investor:
        """Dev account ``index`` as the only wallet of a new registry identity, with its ONCHAINID (and KYC
        claim while ``kyc`` is verified)."""
        account = self.world.chain.accounts[index].account
        expires = datetime.now(UTC) + timedelta(days=365)
        with self.sessions.begin() as session:
            ident = identities.create_identity(
                session,
                actor=ACTOR,
                reference=f"onchain-{next(_seq)}",
                label=f"investor {index}",
                country=country,
                category="professional",
                kyc_status=kyc,
                kyc_expires_at=expires,
                wallets=[account.address],
            )
            subject = KycSubject.of(session.get(Identity, ident.id))
        oid = onchain_ids.ensure_identity(self.world.op, self.world.platform, subject)
        inv = Investor(ident.id, account.address.lower(), account, country, oid)
        self.investors.append(inv)
        return inv

    def tokenize(
        self,
        holdings: dict[Investor, int],
        *,
        modules: tuple[ModuleConfig, ...] = (),
        rules: dict[str, object] | None = None,
        decimals: int = 0,
    ) -> tuple[str, TokenSuite]:
        """A new active asset whose registry holdings (issued through the ledger) and token (deployed through
        the platform's factory, each holder registered and minted its units) agree; (symbol, suite)."""
        symbol = f"OC{next(_seq)}"
        with self.sessions.begin() as session:
            issuer = assets.create_issuer(session, actor=ACTOR, name=f"Issuer {symbol}", country=DE)
            asset = assets.create_asset(
                session,
                actor=ACTOR,
                issuer_id=issuer.id,
                symbol=symbol,
                name=f"On-chain {symbol}",
                asset_class="real_estate",
                jurisdiction="DE",
                currency="EUR",
                decimals=decimals,
                rules=RulesInput(**(rules or {})),  # type: ignore[arg-type]
            )
            assets.set_status(session, actor=ACTOR, symbol=symbol, status="active")
            for inv, units in holdings.items():
                ledger.issue(session, actor=ACTOR, symbol=symbol, wallet=inv.wallet, units=units)
            spec = TokenSpec.of(asset)
        op = self.world.op
        suite = tokens.deploy_token(op, self.world.platform, spec, modules)
        for inv in self.investors:
            onchain_ids.register_wallet(op, suite.identity_registry, inv.wallet, inv.onchain_id, inv.country)
        for inv, units in holdings.items():
            agent.mint(op, suite.token, inv.wallet, units)
        return symbol, suite


def registry_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A ``Registry`` on a fresh SQLite database (a test module's fixture yields from it)."""
    gen = make_database("sqlite", tmp_path_factory.mktemp("onchain"))
    url = next(gen)
    w = open_world(url)
    try:
        yield Registry(w, make_sessionmaker(w.chain.engine))
    finally:
        w.chain.close()
        next(gen, None)
