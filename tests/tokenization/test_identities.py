"""ONCHAINIDs of registry identities on SQLite and PostgreSQL: deployed once and recorded in the block's
transaction, the KYC claim follows the registry's status and expiry, and evm_revert forgets the record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from eth_abi import encode
from eth_account.messages import encode_defunct
from eth_utils import keccak
from sqlalchemy import insert, select

from app.rwa.audit.models import AuditEntry
from app.rwa.models import Identity
from app.rwa.tokenization import artifacts, identities
from app.rwa.tokenization.identities import KycSubject, claim_data, claim_id, onchain_identity
from app.rwa.tokenization.platform import KYC_TOPIC
from tests.tokenization.conftest import open_world


def test_identity_and_its_kyc_claim_follow_the_registry(db_url: str) -> None:
    world = open_world(db_url)
    try:
        op, platform, chain = world.op, world.platform, world.chain
        with chain.engine.begin() as conn:
            conn.execute(
                insert(Identity).values(
                    id=7, reference="kyc-7", label="Ada", country=826, category="retail",
                    kyc_status="verified", created_at=datetime.now(UTC),
                )
            )  # fmt: skip
        expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=90)
        wallet = chain.accounts[1].account.address.lower()
        subject = KycSubject(7, 826, "verified", expires, wallet)
        kept = chain.head.block_number
        address = identities.ensure_identity(op, platform, subject)
        with chain.engine.connect() as conn:
            assert onchain_identity(conn, 7) == address
            actions = [a for (a,) in conn.execute(select(AuditEntry.action).order_by(AuditEntry.seq))]
        assert actions[-2:] == ["tokenization.identity_deployed", "tokenization.kyc_claim_added"]
        idf = artifacts.abi("IdFactory")
        assert str(op.call(platform.id_factory, idf, "getIdentity", [wallet])).lower() == address
        oid = artifacts.abi("Identity")
        claim = op.call(address, oid, "getClaim", ["0x" + claim_id(platform.claim_issuer).hex()])
        assert int(claim[0]) == KYC_TOPIC and str(claim[2]).lower() == platform.claim_issuer
        assert claim[4] == "0x" + claim_data("verified", expires).hex()
        issuer = artifacts.abi("ClaimIssuer")
        assert op.call(
            platform.claim_issuer, issuer, "isClaimValid", [address, KYC_TOPIC, claim[3], claim[4]]
        )
        # the same claim signed by another key is not valid for the platform's issuer
        digest = keccak(
            encode(["address", "uint256", "bytes"], [address, KYC_TOPIC, bytes.fromhex(claim[4][2:])])
        )
        signed = chain.accounts[5].account.sign_message(encode_defunct(primitive=digest))  # the right claim
        forged = "0x" + bytes(signed.signature).hex()
        assert not op.call(
            platform.claim_issuer, issuer, "isClaimValid", [address, KYC_TOPIC, forged, claim[4]]
        )

        head = chain.head.block_number
        assert identities.ensure_identity(op, platform, subject) == address  # nothing to do
        assert chain.head.block_number == head
        # KYC expired in the registry: the same call removes the claim
        lapsed = replace(subject, kyc_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        identities.ensure_identity(op, platform, lapsed)
        assert int(op.call(address, oid, "getClaim", ["0x" + claim_id(platform.claim_issuer).hex()])[0]) == 0
        # renewed: a new claim with the new expiry
        renewed = replace(subject, kyc_expires_at=expires + timedelta(days=365))
        identities.ensure_identity(op, platform, renewed)
        claim = op.call(address, oid, "getClaim", ["0x" + claim_id(platform.claim_issuer).hex()])
        assert claim[4] == "0x" + claim_data("verified", renewed.kyc_expires_at).hex()

        chain.rewind_to(kept, reason="evm_revert")
        with chain.engine.connect() as conn:
            assert onchain_identity(conn, 7) is None
        assert identities.ensure_identity(op, platform, subject) == address  # same nonce, same CREATE2 salt
    finally:
        chain.close()
