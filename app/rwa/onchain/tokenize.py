"""Tokenize an asset: its rules become compliance modules and its holdings a T-REX token's balances, after
which the token is the asset's book of record (on-chain mode).

Every refusal comes before anything is deployed: an asset already tokenized, not active or paused, with more
than 18 decimals, a rule the suite cannot express, or a holding its token could not take (``rules``). Then,
with the operator's key: the platform on first use; an ONCHAINID with its KYC claim for every identity whose
KYC is valid; the token through the factory (deployed paused, so nothing moves while it is set up); every
such identity's wallets registered in the token's identity registry with the identity's country; the
holdings minted; frozen units and frozen wallets mirrored. The switch to on-chain mode then checks, under
the chain's lock, that the registry's holdings and the token's balances are still the ones minted, and
records the mode with its audit entry; last, an active asset's token is unpaused (a paused one stays so)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.rwa.audit import log as audit
from app.rwa.domain import AssetStatus
from app.rwa.errors import AlreadyExists, InvalidStatusTransition
from app.rwa.ledger.book import rules_of
from app.rwa.models import Holding, Identity, Wallet
from app.rwa.onchain.errors import RuleNotExpressible, TokenizeRefused
from app.rwa.onchain.mode import Tokenized, tokenized
from app.rwa.onchain.models import OnchainAsset
from app.rwa.onchain.rules import MAX_DECIMALS, HolderView, check_holders, module_configs
from app.rwa.onchain.service import OnchainService
from app.rwa.repo import asset_by_symbol, utcnow
from app.rwa.tokenization import agent, artifacts, identities, tokens
from app.rwa.tokenization.identities import KycSubject
from app.rwa.tokenization.modules import ModuleConfig
from app.rwa.tokenization.tokens import TokenSpec


@dataclass(frozen=True, slots=True)
class Plan:
    """What tokenizing an asset will do, decided before anything is deployed."""

    asset_id: int
    symbol: str
    status: str
    spec: TokenSpec
    modules: tuple[ModuleConfig, ...]
    holders: tuple[HolderView, ...]
    subjects: tuple[KycSubject, ...]  # identities with a valid KYC: ONCHAINID, claim, wallets registered
    wallets: tuple[tuple[str, int, int], ...]  # (wallet, identity id, country) to register


def plan(session: Session, symbol: str) -> Plan:
    """Every check, without writing anything: raises what tokenizing ``symbol`` would refuse."""
    now = utcnow()
    asset = asset_by_symbol(session, symbol)
    done = tokenized(session, asset)
    if done is not None:
        raise AlreadyExists(f"{asset.symbol} is already tokenized (token {done.token})")
    if asset.status not in (AssetStatus.ACTIVE, AssetStatus.PAUSED):
        raise InvalidStatusTransition(
            f"{asset.symbol} is {asset.status}: only an active or paused asset is tokenized"
        )
    if asset.decimals > MAX_DECIMALS:
        raise RuleNotExpressible(
            "decimals", f"an ERC-20 token has at most {MAX_DECIMALS} decimals, not {asset.decimals}"
        )
    rules = rules_of(asset.rules)
    modules = module_configs(rules, now)
    rows = session.execute(
        select(Holding, Wallet, Identity)
        .join(Wallet, Wallet.id == Holding.wallet_id)
        .join(Identity, Identity.id == Holding.identity_id)
        .where(Holding.asset_id == asset.id, Holding.balance > 0)
        .order_by(Holding.wallet_id)
    ).all()
    holders = tuple(
        HolderView(
            w.address,
            i.id,
            i.country,
            i.kyc_status,
            i.kyc_expires_at,
            w.revoked_at is not None,
            h.balance,
            h.frozen_units,
            h.frozen,
        )
        for h, w, i in rows
    )
    check_holders(rules, holders, now)
    people = session.scalars(
        select(Identity).options(joinedload(Identity.wallets)).order_by(Identity.id)
    ).unique()
    subjects: list[KycSubject] = []
    wallets: list[tuple[str, int, int]] = []
    for ident in people:
        live = [w.address for w in ident.wallets if w.revoked_at is None]
        if not live:
            continue
        subject = KycSubject.of(ident)
        if subject.kyc_valid(now):
            subjects.append(subject)
            wallets += [(w, ident.id, ident.country) for w in live]
    return Plan(
        asset.id,
        asset.symbol,
        asset.status,
        TokenSpec.of(asset),
        tuple(modules),
        holders,
        tuple(subjects),
        tuple(wallets),
    )


def tokenize(svc: OnchainService, symbol: str, *, actor: str) -> Tokenized:
    with Session(svc.engine) as session:
        p = plan(session, symbol)
    op = svc.operator()
    platform = svc.platform()
    assert platform is not None
    onchain_ids = {s.identity_id: identities.ensure_identity(op, platform, s) for s in p.subjects}
    token_abi = artifacts.abi("Token")
    existing = tokens.find_token(op, platform, p.symbol)
    if existing is None:
        suite = tokens.deploy_token(op, platform, p.spec, p.modules, unpause=False)
        token, ir, compliance = suite.token, suite.identity_registry, suite.compliance
    else:  # a tokenization cut short after the deploy: resume only if nothing was minted yet
        if int(op.call(existing, token_abi, "totalSupply")) != 0:
            raise TokenizeRefused(
                f"a token for {p.symbol} already exists at {existing} with a supply: it cannot be taken over"
            )
        token = existing
        ir = str(op.call(token, token_abi, "identityRegistry")).lower()
        compliance = str(op.call(token, token_abi, "compliance")).lower()
        if not op.call(token, token_abi, "paused"):
            agent.pause(op, token)
    for wallet, identity_id, country in p.wallets:
        identities.register_wallet(op, ir, wallet, onchain_ids[identity_id], country)
    for h in p.holders:
        agent.mint(op, token, h.wallet, h.balance)
    for h in p.holders:
        if h.frozen_units:
            agent.freeze_partial(op, token, h.wallet, h.frozen_units)
        if h.frozen:
            agent.set_address_frozen(op, token, h.wallet, True)
    result = _switch(svc, p, token, ir, compliance, actor)
    if p.status == AssetStatus.ACTIVE:
        agent.unpause(op, token)
    return result


def _switch(svc: OnchainService, p: Plan, token: str, ir: str, compliance: str, actor: str) -> Tokenized:
    """On-chain mode, if the registry and the token still hold what was minted (checked under the chain's
    lock, in the transaction that records the mode)."""
    op = svc.operator()
    expected = {h.wallet: (h.balance, h.frozen_units, h.frozen) for h in p.holders}
    with svc.chain.lock, Session(svc.engine) as session, session.begin():
        rows = session.execute(
            select(Wallet.address, Holding.balance, Holding.frozen_units, Holding.frozen)
            .join(Wallet, Wallet.id == Holding.wallet_id)
            .where(Holding.asset_id == p.asset_id, Holding.balance > 0)
        ).all()
        now_held = {r.address: (r.balance, r.frozen_units, r.frozen) for r in rows}
        on_chain = {
            w: (
                agent.balance_of(op, token, w),
                agent.frozen_tokens(op, token, w),
                agent.is_frozen(op, token, w),
            )
            for w in expected
        }
        if now_held != expected or on_chain != expected:
            raise TokenizeRefused(
                f"the holdings of {p.symbol} changed while it was tokenized (the registry or the token no "
                f"longer holds what was minted): it stays in registry mode; rewind the chain or repair it"
            )
        head = svc.chain.head.block_number
        session.add(
            OnchainAsset(
                asset_id=p.asset_id,
                token=bytes.fromhex(token[2:]),
                identity_registry=bytes.fromhex(ir[2:]),
                compliance=bytes.fromhex(compliance[2:]),
                block_number=head,
                created_at=utcnow(),
            )
        )
        session.flush()
        payload: dict[str, Any] = {
            "token": token,
            "identity_registry": ir,
            "compliance": compliance,
            "block_number": head,
            "modules": {c.module: [c.function, *map(str, c.args)] for c in p.modules},
            "holders": len(p.holders),
            "wallets_registered": len(p.wallets),
            "issued_units": str(sum(h.balance for h in p.holders)),
        }
        audit.record(
            session, actor=actor, action="asset.tokenized", subject=f"asset:{p.symbol}", payload=payload
        )
        return Tokenized(p.asset_id, p.symbol, token, ir, compliance, head)
