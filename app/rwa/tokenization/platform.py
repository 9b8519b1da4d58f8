"""The T-REX platform on our chain, deployed once per database by the operator as T-REX's own fixture
(test/fixtures/deploy-full-suite.fixture.ts) does: the six implementations behind a
TREXImplementationAuthority (version 4.0.0), ONCHAINID's Identity implementation behind its
ImplementationAuthority with the IdFactory, the TREXFactory (a token factory of the IdFactory), a claim
topics registry holding the KYC topic, the platform's ClaimIssuer (managed by the operator, whose key
signs claims), and one shared instance of every compliance module (a module keeps state per compliance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak
from sqlalchemy import Connection, insert, select

from app.evm.storage.records import TxRecord
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.errors import PlatformNotDeployed
from app.rwa.tokenization.models import PlatformContract
from app.rwa.tokenization.operator import MinedHook, Operator

# ONCHAINID claim topic of the KYC claim: keccak256("KYC") as a uint256 (self-describing, as T-REX's tests
# use ethers.utils.id("CLAIM_TOPIC"))
KYC_TOPIC = int.from_bytes(keccak(text="KYC"), "big")
TREX_VERSION = {"major": 4, "minor": 0, "patch": 0}
IMPLEMENTATIONS = {  # TREXContracts field -> contract
    "tokenImplementation": "Token",
    "ctrImplementation": "ClaimTopicsRegistry",
    "irImplementation": "IdentityRegistry",
    "irsImplementation": "IdentityRegistryStorage",
    "tirImplementation": "TrustedIssuersRegistry",
    "mcImplementation": "ModularCompliance",
}
PACKAGE_MODULES = ("CountryAllowModule", "CountryRestrictModule", "MaxBalanceModule")  # behind a ModuleProxy
OUR_MODULES = artifacts.OUR_MODULES


@dataclass(frozen=True, slots=True)
class Platform:
    """The platform's addresses (0x-hex, lower case) by role; ``modules`` by module contract name."""

    trex_implementation_authority: str
    trex_factory: str
    id_factory: str
    identity_implementation_authority: str
    claim_topics_registry: str
    claim_issuer: str
    modules: dict[str, str]
    kyc_topic: int = KYC_TOPIC


def load_platform(conn: Connection) -> Platform | None:
    """The platform recorded in this database (None before ``deploy_platform``)."""
    rows = _recorded(conn)
    return _platform(rows) if "claim_issuer" in rows else None


def require_platform(conn: Connection) -> Platform:
    platform = load_platform(conn)
    if platform is None:
        raise PlatformNotDeployed()
    return platform


def deploy_platform(op: Operator) -> Platform:
    """Deploy the platform with the operator's key, or return the one this database already records (the
    claim issuer is deployed last: a run cut short redeploys only what it did not record)."""
    with op.chain.engine.connect() as conn:
        existing = load_platform(conn)
        done = _recorded(conn)
    if existing is not None:
        return existing
    addr = dict(done)

    def deploy(role: str, name: str, args: list[Any] | None = None) -> str:
        if role not in addr:
            build = artifacts.build(name)
            receipt = op.deploy(build, args or [], payload={"role": role}, on_mined=_remember(role, name))
            assert receipt.contract_address is not None
            addr[role] = receipt.contract_address
        return addr[role]

    for field, name in IMPLEMENTATIONS.items():
        deploy(f"impl_{field}", name)
    identity_impl = deploy("identity_implementation", "Identity", [op.address, True])
    oid_ia = deploy("identity_implementation_authority", "ImplementationAuthority", [identity_impl])
    id_factory = deploy("id_factory", "IdFactory", [oid_ia])
    zero = "0x" + "00" * 20
    trex_ia = deploy("trex_implementation_authority", "TREXImplementationAuthority", [True, zero, zero])
    ia_abi = artifacts.abi("TREXImplementationAuthority")
    if op.call(trex_ia, ia_abi, "getCurrentVersion") == [0, 0, 0]:
        contracts = {field: addr[f"impl_{field}"] for field in IMPLEMENTATIONS}
        op.transact(trex_ia, ia_abi, "addAndUseTREXVersion", [TREX_VERSION, contracts])
    factory = deploy("trex_factory", "TREXFactory", [trex_ia, id_factory])
    idf_abi = artifacts.abi("IdFactory")
    if not op.call(id_factory, idf_abi, "isTokenFactory", [factory]):
        op.transact(id_factory, idf_abi, "addTokenFactory", [factory])
    ctr = deploy("claim_topics_registry", "ClaimTopicsRegistryProxy", [trex_ia])
    ctr_abi = artifacts.abi("ClaimTopicsRegistry")
    if KYC_TOPIC not in [int(t) for t in op.call(ctr, ctr_abi, "getClaimTopics")]:
        op.transact(ctr, ctr_abi, "addClaimTopic", [KYC_TOPIC])
    init = "0x" + _selector("initialize()").hex()
    for name in PACKAGE_MODULES:
        impl = deploy(f"impl_{name}", name)
        deploy(f"module_{name}", "ModuleProxy", [impl, init])
    for name in OUR_MODULES:
        deploy(f"module_{name}", name)
    deploy("claim_issuer", "ClaimIssuer", [op.address])
    platform = _platform(addr)
    op.audit("tokenization.platform", f"contract:{platform.trex_factory}", _payload(platform))
    return platform


def _platform(rows: dict[str, str]) -> Platform:
    names = PACKAGE_MODULES + OUR_MODULES
    return Platform(
        trex_implementation_authority=rows["trex_implementation_authority"],
        trex_factory=rows["trex_factory"],
        id_factory=rows["id_factory"],
        identity_implementation_authority=rows["identity_implementation_authority"],
        claim_topics_registry=rows["claim_topics_registry"],
        claim_issuer=rows["claim_issuer"],
        modules={n: rows[f"module_{n}"] for n in names if f"module_{n}" in rows},
    )


def _payload(p: Platform) -> dict[str, Any]:
    return {
        "trex_implementation_authority": p.trex_implementation_authority,
        "trex_factory": p.trex_factory,
        "id_factory": p.id_factory,
        "identity_implementation_authority": p.identity_implementation_authority,
        "claim_topics_registry": p.claim_topics_registry,
        "claim_issuer": p.claim_issuer,
        "modules": dict(p.modules),
        "kyc_topic": str(p.kyc_topic),
    }


def _recorded(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(PlatformContract.role, PlatformContract.address)).all()
    return {r.role: "0x" + bytes(r.address).hex() for r in rows}


def _remember(role: str, name: str) -> MinedHook:
    def write(conn: Connection, tx: TxRecord) -> None:
        if tx.status and tx.contract_address is not None:
            conn.execute(
                insert(PlatformContract).values(
                    role=role,
                    name=name,
                    address=tx.contract_address,
                    tx_hash=tx.hash,
                    block_number=tx.block_number,
                    created_at=datetime.now(UTC),
                )
            )

    return write


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]
