"""The platform deploys once with the operator's key, is recorded (contract registry, its own table, the
audit trail) on SQLite and PostgreSQL, follows evm_revert, and the operator key is a configured secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from sqlalchemy import select

from app.config import Settings
from app.db import make_engine
from app.evm.storage.models import ContractRow
from app.rwa.audit.models import AuditEntry
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.errors import OperatorKeyMissing
from app.rwa.tokenization.models import PlatformContract
from app.rwa.tokenization.operator import operator_account
from app.rwa.tokenization.platform import KYC_TOPIC, deploy_platform, load_platform
from tests.tokenization.conftest import open_world


def test_platform_deploys_and_is_recorded(db_url: str) -> None:
    world = open_world(db_url)
    try:
        p, op = world.platform, world.op
        with world.chain.engine.connect() as conn:
            roles = dict(conn.execute(select(PlatformContract.role, PlatformContract.address)).all())
            registry = {
                "0x" + bytes(a).hex(): n
                for a, n in conn.execute(select(ContractRow.address, ContractRow.name))
            }
            actions = [a for (a,) in conn.execute(select(AuditEntry.action))]
            assert load_platform(conn) == p
        assert {"trex_factory", "id_factory", "claim_issuer", "claim_topics_registry"} <= set(roles)
        assert len(roles) == 22 == actions.count("contract.deploy")
        assert registry[p.trex_factory] == "TREXFactory" and registry[p.claim_issuer] == "ClaimIssuer"
        assert actions[-1] == "tokenization.platform"
        assert set(p.modules) == {
            "CountryAllowModule",
            "CountryRestrictModule",
            "MaxBalanceModule",
            "MaxHoldersModule",
            "MinimumTransferModule",
            "LockUpModule",
        }
        ctr = artifacts.abi("ClaimTopicsRegistry")
        assert [int(t) for t in op.call(p.claim_topics_registry, ctr, "getClaimTopics")] == [KYC_TOPIC]
        ia = artifacts.abi("TREXImplementationAuthority")
        assert op.call(p.trex_implementation_authority, ia, "getCurrentVersion") == [4, 0, 0]
        assert op.call(p.id_factory, artifacts.abi("IdFactory"), "isTokenFactory", [p.trex_factory])
        manager = op.call(p.claim_issuer, artifacts.abi("ClaimIssuer"), "getKeysByPurpose", [1])
        assert manager == ["0x" + keccak(encode(["address"], [op.address])).hex()]
        head = world.chain.head.block_number
        assert deploy_platform(op) == p and world.chain.head.block_number == head  # idempotent
    finally:
        world.chain.close()


def test_evm_revert_forgets_the_platform(sqlite_url: str) -> None:
    world = open_world(sqlite_url)
    try:
        world.chain.rewind_to(0, reason="evm_revert")
        with world.chain.engine.connect() as conn:
            assert load_platform(conn) is None
            assert conn.execute(select(PlatformContract)).first() is None
        redeployed = deploy_platform(world.op)  # the same addresses again: same operator, same nonces
        assert redeployed == world.platform
    finally:
        world.chain.close()


def test_operator_key_is_a_configured_secret(sqlite_url: str, tmp_path: Path) -> None:
    from app.evm.node.chain import Chain

    key = Account.create()
    keyfile = tmp_path / "operator.key"
    keyfile.write_text(key.key.hex() + "\n")
    chain = Chain(make_engine(sqlite_url), Settings(database_url=sqlite_url))
    try:
        by_file = operator_account(Settings(database_url=sqlite_url, operator_key_file=keyfile), chain)
        assert by_file.address == key.address
        by_env = operator_account(Settings(database_url=sqlite_url, operator_key=key.key.hex()), chain)
        assert by_env.address == key.address
        dev = operator_account(Settings(database_url=sqlite_url), chain)  # a dev chain: dev account 0
        assert dev.address == chain.accounts[0].account.address
        prod = Settings(database_url=sqlite_url, env="production")
        with pytest.raises(OperatorKeyMissing, match="no operator key"):
            operator_account(prod, chain)
        dev_key = chain.accounts[0].account.key.hex()
        with pytest.raises(OperatorKeyMissing, match="well-known dev account"):
            operator_account(Settings(database_url=sqlite_url, env="production", operator_key=dev_key), chain)
        assert (
            operator_account(
                Settings(database_url=sqlite_url, env="production", operator_key_file=keyfile), chain
            ).address
            == key.address
        )
        with pytest.raises(OperatorKeyMissing, match="cannot read"):
            operator_account(Settings(database_url=sqlite_url, operator_key_file=tmp_path / "absent"), chain)
        with pytest.raises(OperatorKeyMissing, match="not a 32-byte"):
            operator_account(Settings(database_url=sqlite_url, operator_key="0x1234"), chain)
    finally:
        chain.close()
