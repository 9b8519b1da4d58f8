"""Holder identities (KYC status and expiry, country, investor category) and their wallets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.rwa.audit import log as audit
from app.rwa.domain import InvestorCategory, KycStatus
from app.rwa.errors import AlreadyExists, InvalidInput
from app.rwa.models import Identity, Wallet
from app.rwa.registry import iso
from app.rwa.repo import addr, begin_write, identity_by_id, issuer_by_id, utcnow

# session.info key: callables (session, identity_id) told of every onboarding, KYC change and new wallet
# (the server registers the on-chain mode's, which brings the identity's ONCHAINID claim and wallet
# registrations in line once the session commits); the registry imports nothing of them
IDENTITY_HOOKS = "identity_hooks"


def changed(session: Session, identity_id: int) -> None:
    for hook in session.info.get(IDENTITY_HOOKS, ()):
        hook(session, identity_id)


def _validate(country: int, category: str, kyc_status: str, kyc_expires_at: datetime | None) -> None:
    if isinstance(country, bool) or not isinstance(country, int) or not iso.is_country(country):
        raise InvalidInput(f"{country!r} is not an ISO 3166-1 numeric country code")
    if category not in InvestorCategory.__members__.values():
        raise InvalidInput(f"unknown investor category {category!r}")
    if kyc_status not in KycStatus.__members__.values():
        raise InvalidInput(f"unknown KYC status {kyc_status!r}")
    if kyc_expires_at is not None and kyc_expires_at.tzinfo is None:
        raise InvalidInput("kyc_expires_at must carry a time zone")


def _kyc_payload(i: Identity) -> dict[str, object]:
    return {"kyc_status": i.kyc_status, "kyc_expires_at": i.kyc_expires_at}


def create_identity(
    session: Session,
    *,
    actor: str,
    reference: str,
    label: str,
    country: int,
    category: str,
    kyc_status: str = KycStatus.PENDING.value,
    kyc_expires_at: datetime | None = None,
    wallets: list[str] | tuple[str, ...] = (),
    issuer_id: int | None = None,
) -> Identity:
    """Onboard an identity; `issuer_id` is the issuer onboarding it (None: an admin), recorded on the row
    and in the audit entry: only that issuer, its assets' agents and admins may later change it."""
    _validate(country, category, kyc_status, kyc_expires_at)
    addresses = [addr(a) for a in wallets]
    if len(set(addresses)) != len(addresses):
        raise InvalidInput("the same wallet is listed twice")
    begin_write(session)
    if session.scalar(select(Identity.id).where(Identity.reference == reference)) is not None:
        raise AlreadyExists(f"identity with reference {reference!r} already exists")
    _refuse_taken(session, addresses)
    if issuer_id is not None:
        issuer_by_id(session, issuer_id)
    now = utcnow()
    identity = Identity(
        reference=reference,
        label=label,
        country=country,
        category=category,
        kyc_status=kyc_status,
        kyc_expires_at=kyc_expires_at,
        created_at=now,
        onboarded_by_issuer_id=issuer_id,
    )
    identity.wallets = [Wallet(address=a, created_at=now) for a in addresses]
    session.add(identity)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.create",
        subject=f"identity:{identity.id}",
        payload={
            "reference": reference,
            "country": country,
            "category": category,
            **_kyc_payload(identity),
            "wallets": addresses,
            "onboarded_by_issuer_id": issuer_id,
        },
    )
    changed(session, identity.id)
    return identity


def _refuse_taken(session: Session, addresses: list[str]) -> None:
    if not addresses:
        return
    taken = session.scalars(select(Wallet.address).where(Wallet.address.in_(addresses))).first()
    if taken is not None:
        raise AlreadyExists(f"wallet {taken} is already registered")


def update_kyc(
    session: Session,
    *,
    actor: str,
    identity_id: int,
    kyc_status: str,
    kyc_expires_at: datetime | None,
    country: int | None = None,
    category: str | None = None,
) -> Identity:
    begin_write(session)
    identity = identity_by_id(session, identity_id)
    country = identity.country if country is None else country
    category = identity.category if category is None else category
    _validate(country, category, kyc_status, kyc_expires_at)
    before = {**_kyc_payload(identity), "country": identity.country, "category": identity.category}
    identity.kyc_status, identity.kyc_expires_at = kyc_status, kyc_expires_at
    identity.country, identity.category = country, category
    session.flush()
    after = {**_kyc_payload(identity), "country": country, "category": category}
    audit.record(
        session,
        actor=actor,
        action="identity.kyc",
        subject=f"identity:{identity.id}",
        payload={"before": before, "after": after},
    )
    changed(session, identity.id)
    return identity


def add_wallet(session: Session, *, actor: str, identity_id: int, address: str) -> Wallet:
    address = addr(address)
    begin_write(session)
    identity = identity_by_id(session, identity_id)
    _refuse_taken(session, [address])
    wallet = Wallet(address=address, identity_id=identity.id, created_at=utcnow())
    session.add(wallet)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="identity.wallet_add",
        subject=f"identity:{identity.id}",
        payload={"wallet": address},
    )
    changed(session, identity.id)
    return wallet


def get_identity(session: Session, identity_id: int) -> Identity:
    identity = identity_by_id(session, identity_id)
    _ = identity.wallets  # loaded inside the transaction, for serialization after it
    return identity


def list_identities(session: Session, *, offset: int = 0, limit: int = 100) -> list[Identity]:
    stmt = (
        select(Identity)
        .options(selectinload(Identity.wallets))
        .order_by(Identity.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def identity_of_wallet(session: Session, address: str) -> int | None:
    return session.scalar(select(Wallet.identity_id).where(Wallet.address == addr(address)))
