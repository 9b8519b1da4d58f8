"""Registry identities on-chain: each gets an ONCHAINID ``Identity`` (a proxy the platform's IdFactory
deploys, linked to the identity's first wallet and managed by the operator's key), its KYC status and
expiry become a claim signed by the platform's ClaimIssuer key, and its wallets are registered in a token's
identity registry with the identity's ISO 3166-1 numeric country.

The claim is ONCHAINID's: topic ``KYC_TOPIC``, scheme 1 (ECDSA), data ``abi.encode(string status, uint256
expiresAt)`` (0: no expiry), signature = the issuer key's signature of the EIP-191 message
``keccak256(abi.encode(identity, topic, data))`` (T-REX's fixture: ``signMessage(arrayify(keccak256(...)))``).
T-REX checks that a trusted issuer's claim on the topic is valid, not its data: expiry is enforced by
removing the claim (``revoke_kyc_claim``) when the registry's KYC lapses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_abi.abi import encode
from eth_account.messages import encode_defunct
from eth_utils.crypto import keccak
from sqlalchemy import Connection, insert, select

from app.evm.contracts import abi as abimod
from app.evm.storage.records import TxRecord
from app.rwa.errors import InvalidInput
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.models import OnchainIdentity
from app.rwa.tokenization.operator import MinedHook, Operator, Receipt, audit_hook, chain_hooks
from app.rwa.tokenization.platform import KYC_TOPIC, Platform

VERIFIED = "verified"  # the registry's KycStatus.VERIFIED
SCHEME_ECDSA = 1


@dataclass(frozen=True, slots=True)
class KycSubject:
    """What the chain needs to know of a registry identity."""

    identity_id: int
    country: int  # ISO 3166-1 numeric
    kyc_status: str
    kyc_expires_at: datetime | None
    wallet: str  # the wallet its ONCHAINID is linked to in the IdFactory (0x-hex)

    @classmethod
    def of(cls, identity: Any) -> KycSubject:
        """From a registry ``Identity`` row (its first wallet that is not revoked)."""
        wallets = [w.address for w in identity.wallets if w.revoked_at is None]
        if not wallets:
            raise InvalidInput(f"identity {identity.id} has no wallet: an ONCHAINID is linked to one")
        return cls(identity.id, identity.country, identity.kyc_status, identity.kyc_expires_at, wallets[0])

    def kyc_valid(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.kyc_status == VERIFIED and (self.kyc_expires_at is None or self.kyc_expires_at > now)


def claim_data(status: str, expires_at: datetime | None) -> bytes:
    return encode(["string", "uint256"], [status, 0 if expires_at is None else int(expires_at.timestamp())])


def claim_id(issuer: str, topic: int = KYC_TOPIC) -> bytes:
    return keccak(encode(["address", "uint256"], [issuer, topic]))


def sign_claim(op: Operator, identity: str, data: bytes, topic: int = KYC_TOPIC) -> bytes:
    """The issuer key's signature of a claim, as ONCHAINID's ``ClaimIssuer.isClaimValid`` recovers it."""
    digest = keccak(encode(["address", "uint256", "bytes"], [identity, topic, data]))
    return bytes(op.account.sign_message(encode_defunct(primitive=digest)).signature)


def onchain_identity(conn: Connection, identity_id: int) -> str | None:
    row = conn.execute(
        select(OnchainIdentity.address).where(OnchainIdentity.identity_id == identity_id)
    ).scalar()
    return None if row is None else "0x" + bytes(row).hex()


def ensure_identity(op: Operator, platform: Platform, subject: KycSubject) -> str:
    """The identity's ONCHAINID address, deployed on first use; its KYC claim added (or replaced) while the
    registry's KYC is verified and unexpired, removed otherwise. Idempotent."""
    with op.chain.engine.connect() as conn:
        address = onchain_identity(conn, subject.identity_id)
    if address is None:
        address = _deploy_identity(op, platform, subject)
    if subject.kyc_valid():
        add_kyc_claim(op, platform, subject, address)
    else:
        revoke_kyc_claim(op, platform, address, identity_id=subject.identity_id)
    return address


def add_kyc_claim(op: Operator, platform: Platform, subject: KycSubject, identity: str) -> Receipt | None:
    """Add the KYC claim (None when the same claim is already there)."""
    data = claim_data(subject.kyc_status, subject.kyc_expires_at)
    oid = artifacts.abi("Identity")
    current = op.call(identity, oid, "getClaim", ["0x" + claim_id(platform.claim_issuer).hex()])
    if current[4] == "0x" + data.hex() and int(current[0]) == KYC_TOPIC:
        return None
    signature = sign_claim(op, identity, data)
    args = [KYC_TOPIC, SCHEME_ECDSA, platform.claim_issuer, "0x" + signature.hex(), "0x" + data.hex(), ""]
    payload = {"identity": identity, "status": subject.kyc_status, "expires_at": _iso(subject.kyc_expires_at)}
    hook = audit_hook(op.actor, "tokenization.kyc_claim_added", f"identity:{subject.identity_id}", payload)
    return op.transact(identity, oid, "addClaim", args, on_mined=hook)


def revoke_kyc_claim(
    op: Operator, platform: Platform, identity: str, *, identity_id: int | None = None
) -> Receipt | None:
    """Remove the KYC claim from the ONCHAINID ``identity`` (None when it holds none): from the next block
    on, every token's ``isVerified`` is false for its wallets."""
    oid = artifacts.abi("Identity")
    cid = "0x" + claim_id(platform.claim_issuer).hex()
    if int(op.call(identity, oid, "getClaim", [cid])[0]) == 0:
        return None
    subject = f"identity:{identity_id}" if identity_id is not None else f"contract:{identity}"
    hook = audit_hook(op.actor, "tokenization.kyc_claim_removed", subject, {"identity": identity})
    return op.transact(identity, oid, "removeClaim", [cid], on_mined=hook)


def register_wallet(
    op: Operator, identity_registry: str, wallet: str, identity: str, country: int
) -> Receipt | None:
    """Register ``wallet`` for the ONCHAINID ``identity`` in a token's identity registry with its country
    (or update the country); None when it already stands so. The operator is an agent of the registry."""
    ir = artifacts.abi("IdentityRegistry")
    if op.call(identity_registry, ir, "contains", [wallet]):
        known = str(op.call(identity_registry, ir, "identity", [wallet])).lower()
        if known != identity.lower():
            raise InvalidInput(f"wallet {wallet} is registered to another ONCHAINID ({known})")
        if int(op.call(identity_registry, ir, "investorCountry", [wallet])) == country:
            return None
        return op.transact(identity_registry, ir, "updateCountry", [wallet, country])
    payload = {"registry": identity_registry, "wallet": wallet, "identity": identity, "country": country}
    hook = audit_hook(op.actor, "tokenization.wallet_registered", f"wallet:{wallet}", payload)
    return op.transact(identity_registry, ir, "registerIdentity", [wallet, identity, country], on_mined=hook)


def unregister_wallet(op: Operator, identity_registry: str, wallet: str) -> Receipt | None:
    """Remove ``wallet`` from a token's identity registry (None when it is not there): it can no longer
    receive the token, nor send it (``isVerified`` is false)."""
    ir = artifacts.abi("IdentityRegistry")
    if not op.call(identity_registry, ir, "contains", [wallet]):
        return None
    payload = {"registry": identity_registry, "wallet": wallet}
    hook = audit_hook(op.actor, "tokenization.wallet_unregistered", f"wallet:{wallet}", payload)
    return op.transact(identity_registry, ir, "deleteIdentity", [wallet], on_mined=hook)


def is_registered(op: Operator, identity_registry: str, wallet: str) -> bool:
    return bool(op.call(identity_registry, artifacts.abi("IdentityRegistry"), "contains", [wallet]))


def is_verified(op: Operator, identity_registry: str, wallet: str) -> bool:
    return bool(op.call(identity_registry, artifacts.abi("IdentityRegistry"), "isVerified", [wallet]))


def _deploy_identity(op: Operator, platform: Platform, subject: KycSubject) -> str:
    idf = artifacts.abi("IdFactory")
    existing = str(op.call(platform.id_factory, idf, "getIdentity", [subject.wallet])).lower()
    if int(existing, 16) == 0:
        manager = "0x" + keccak(encode(["address"], [op.address])).hex()
        args = [subject.wallet, f"aurigraph-identity-{subject.identity_id}", [manager]]
        payload = {"wallet": subject.wallet, "id_factory": platform.id_factory}
        hook = chain_hooks(
            _remember(subject.identity_id, idf),
            audit_hook(
                op.actor, "tokenization.identity_deployed", f"identity:{subject.identity_id}", payload
            ),
        )
        receipt = op.transact(
            platform.id_factory, idf, "createIdentityWithManagementKeys", args, on_mined=hook
        )
        return str(receipt.event("WalletLinked")["identity"]).lower()
    # deployed earlier for this wallet (e.g. this database lost its row): adopt it
    with op.chain.engine.begin() as conn:
        head = op.chain.head
        conn.execute(
            insert(OnchainIdentity).values(
                identity_id=subject.identity_id,
                address=bytes.fromhex(existing[2:]),
                tx_hash=b"\x00" * 32,
                block_number=head.block_number,
                created_at=datetime.now(UTC),
            )
        )
    return existing


def _remember(identity_id: int, idf: list[dict[str, Any]]) -> MinedHook:
    def write(conn: Connection, tx: TxRecord) -> None:
        if not tx.status:
            return
        for lg in tx.logs:
            event = abimod.decode_log(idf, lg.topics, lg.data)
            if event and event["event"] == "WalletLinked":
                conn.execute(
                    insert(OnchainIdentity).values(
                        identity_id=identity_id,
                        address=bytes.fromhex(str(event["args"]["identity"])[2:]),
                        tx_hash=tx.hash,
                        block_number=tx.block_number,
                        created_at=datetime.now(UTC),
                    )
                )

    return write


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat()
