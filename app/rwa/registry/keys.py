"""API keys: only the SHA-256 of a token is stored.

A token is `aur_<prefix>_<secret>`: the prefix is the key's public id (safe in logs and in the audit trail,
as the actor `key:<prefix>`), the secret is 32 random bytes, so a hash lookup cannot be brute-forced."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.rwa.audit import log as audit
from app.rwa.domain import Role
from app.rwa.errors import AlreadyExists, ApiKeyNotFound, InvalidInput, LastAdminKey, NotAuthenticated
from app.rwa.models import ApiKey, ApiKeyAsset, Asset
from app.rwa.registry.access import Principal
from app.rwa.repo import asset_by_symbol, begin_write, identity_by_id, issuer_by_id, utcnow


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def authenticate(session: Session, token: str | None) -> Principal:
    outcome = authenticate_all(session, [token])[0]
    if isinstance(outcome, NotAuthenticated):
        raise outcome
    return outcome


def authenticate_all(session: Session, tokens: Sequence[str | None]) -> list[Principal | NotAuthenticated]:
    """`authenticate` for many requests at once (one statement for all): each its principal or its error."""
    hashes = {hash_token(t) for t in tokens if t}
    found: dict[bytes, ApiKey] = {}
    if hashes:
        # one statement: the keys' assets joined in, not fetched by a second query
        stmt = select(ApiKey).options(joinedload(ApiKey.assets)).where(ApiKey.token_hash.in_(hashes))
        found = {bytes(k.token_hash): k for k in session.scalars(stmt).unique()}
    out: list[Principal | NotAuthenticated] = []
    for t in tokens:
        key = found.get(hash_token(t)) if t else None
        if not t:
            out.append(NotAuthenticated())
        elif key is None or key.revoked_at is not None:
            out.append(NotAuthenticated("unknown or revoked API key"))
        else:
            out.append(_principal(key))
    return out


def _principal(key: ApiKey) -> Principal:
    return Principal(
        key_id=key.id,
        prefix=key.prefix,
        role=Role(key.role),
        issuer_id=key.issuer_id,
        identity_id=key.identity_id,
        asset_ids=frozenset(a.asset_id for a in key.assets),
    )


def create_key(
    session: Session,
    *,
    actor: str,
    role: str,
    name: str,
    issuer_id: int | None = None,
    identity_id: int | None = None,
    assets: Iterable[str] = (),
) -> tuple[ApiKey, str]:
    """Create a key; returns it with its token, which is shown once and never stored."""
    try:
        r = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}; one of {', '.join(Role)}") from None
    symbols = sorted(set(assets))
    if (r is Role.ISSUER) != (issuer_id is not None):
        raise InvalidInput("an issuer key needs issuer_id, and only an issuer key takes one")
    if (r is Role.INVESTOR) != (identity_id is not None):
        raise InvalidInput("an investor key needs identity_id, and only an investor key takes one")
    if (r is Role.AGENT) != bool(symbols):
        raise InvalidInput("an agent key needs the assets it acts for, and only an agent key takes them")
    begin_write(session)
    if issuer_id is not None:
        issuer_by_id(session, issuer_id)
    if identity_id is not None:
        identity_by_id(session, identity_id)
    asset_rows = [asset_by_symbol(session, s) for s in symbols]
    prefix = secrets.token_hex(4)
    if session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        raise AlreadyExists("key prefix collision; try again")  # 1 in 4 billion
    token = f"aur_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        prefix=prefix,
        token_hash=hash_token(token),
        name=name,
        role=r.value,
        issuer_id=issuer_id,
        identity_id=identity_id,
        created_by=actor,
        created_at=utcnow(),
    )
    key.assets = [ApiKeyAsset(asset_id=a.id) for a in asset_rows]
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="key.create",
        subject=f"key:{prefix}",
        payload={
            "name": name,
            "role": r.value,
            "issuer_id": issuer_id,
            "identity_id": identity_id,
            "assets": symbols,
        },
    )
    return key, token


def revoke_key(session: Session, *, actor: str, prefix: str) -> ApiKey:
    begin_write(session)
    key = key_by_prefix(session, prefix)
    if key.revoked_at is None and key.role == Role.ADMIN.value:
        _refuse_last_admin(session, key)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        audit.record(
            session, actor=actor, action="key.revoke", subject=f"key:{prefix}", payload={"name": key.name}
        )
    return key


def _refuse_last_admin(session: Session, key: ApiKey) -> None:
    """Revoking the last active admin key would leave nobody able to create or revoke keys over the API.

    The active admin keys are locked (PostgreSQL; SQLite is serialized by `begin_write`), so two admins
    revoking each other at once cannot both pass this check."""
    stmt = (
        select(ApiKey.id)
        .where(ApiKey.role == Role.ADMIN.value, ApiKey.revoked_at.is_(None))
        .with_for_update()
    )
    if set(session.scalars(stmt)) <= {key.id}:
        raise LastAdminKey(key.prefix)


def key_by_prefix(session: Session, prefix: str) -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if key is None:
        raise ApiKeyNotFound(prefix)
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def key_asset_symbols(session: Session, key: ApiKey) -> list[str]:
    ids = [a.asset_id for a in key.assets]
    if not ids:
        return []
    return list(session.scalars(select(Asset.symbol).where(Asset.id.in_(ids)).order_by(Asset.symbol)))
