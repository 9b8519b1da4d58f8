"""API keys: admins create, list and revoke them; every key can ask who it is."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.registry import KeyCreatedOut, KeyIn, KeyOut
from app.rwa.models import ApiKey
from app.rwa.registry import keys
from app.rwa.registry.access import Permission

router = APIRouter(prefix="/keys", tags=["keys"])


def _out(session: Session, key: ApiKey) -> KeyOut:
    return KeyOut(
        prefix=key.prefix,
        name=key.name,
        role=key.role,
        issuer_id=key.issuer_id,
        identity_id=key.identity_id,
        assets=keys.key_asset_symbols(session, key),
        created_by=key.created_by,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@router.post("", status_code=201, response_model=KeyCreatedOut, dependencies=allow(Permission.KEYS_ADMIN))
def create_key(body: KeyIn, session: SessionDep, who: PrincipalDep) -> object:
    key, token = keys.create_key(session, actor=who.actor, **body.model_dump())
    return KeyCreatedOut(**_out(session, key).model_dump(), token=token)


@router.get("", response_model=list[KeyOut], dependencies=allow(Permission.KEYS_ADMIN))
def list_keys(session: SessionDep) -> object:
    return [_out(session, k) for k in keys.list_keys(session)]


@router.get("/me", response_model=KeyOut, dependencies=allow(Permission.KEY_SELF))
def whoami(session: SessionDep, who: PrincipalDep) -> object:
    return _out(session, keys.key_by_prefix(session, who.prefix))


@router.delete("/{prefix}", response_model=KeyOut, dependencies=allow(Permission.KEYS_ADMIN))
def revoke_key(prefix: str, session: SessionDep, who: PrincipalDep) -> object:
    return _out(session, keys.revoke_key(session, actor=who.actor, prefix=prefix))
