"""Audit trail, read side: entries, inclusion proofs, export (auditors, admins), public key (anyone)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.api.deps import PUBLIC_ROUTE, PrincipalDep, SessionDep, allow
from app.api.schemas.registry import CheckpointOut, Cursor, EntryOut, ProofOut, PublicKeyOut, Seq
from app.rwa.audit import export as audit_export
from app.rwa.audit import log as audit
from app.rwa.audit import queries as audit_queries
from app.rwa.audit.canonical import format_time
from app.rwa.errors import InvalidInput
from app.rwa.registry.access import Permission

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/entries", response_model=list[EntryOut], dependencies=allow(Permission.AUDIT_READ))
def list_entries(
    session: SessionDep,
    who: PrincipalDep,
    after: Annotated[Cursor, Query(description="return entries with seq > after")] = 0,
    limit: int = Query(100, ge=1, le=1000),
    asset: str | None = None,
) -> object:
    who.require(Permission.AUDIT_READ)
    return [
        EntryOut(
            seq=e.seq,
            created_at=e.created_at if e.created_at.tzinfo else e.created_at.replace(tzinfo=UTC),
            actor=e.actor,
            action=e.action,
            subject=e.subject,
            asset=e.asset,
            payload=orjson.loads(e.payload),
            prev_hash=bytes(e.prev_hash).hex(),
            hash=bytes(e.hash).hex(),
        )
        for e in audit_queries.list_entries(session, after=after, limit=limit, asset=asset)
    ]


@router.get("/entries/{seq}/proof", response_model=ProofOut, dependencies=allow(Permission.AUDIT_READ))
def inclusion_proof(
    seq: Seq,
    request: Request,
    session: SessionDep,
    who: PrincipalDep,
    tree_size: Seq | None = None,
) -> object:
    """RFC 6962 audit path of leaf seq-1 (default: against the latest signed checkpoint that covers it,
    signed now when none does). `checkpoint` is the signed checkpoint of exactly `tree_size` (null only for
    an older size no checkpoint was made at); a size beyond the log is 422 TREE_SIZE_BEYOND_LOG."""
    who.require(Permission.AUDIT_READ)
    if tree_size is not None and tree_size < seq:
        raise InvalidInput(f"entry {seq} is not in a tree of size {tree_size}")
    p = audit.inclusion_proof(session, seq, tree_size, key=audit.signer(request.app.state.settings))
    cp = p.checkpoint
    return ProofOut(
        seq=p.seq,
        entry_hash=p.entry_hash.hex(),
        leaf_index=p.seq - 1,
        tree_size=p.tree_size,
        path=[h.hex() for h in p.path],
        root=p.root.hex(),
        checkpoint=None
        if cp is None
        else CheckpointOut(
            tree_size=cp.tree_size,
            root=bytes(cp.root).hex(),
            created_at=cp.created_at,
            timestamp=format_time(cp.created_at),
            public_key=bytes(cp.public_key).hex(),
            signature=bytes(cp.signature).hex(),
            prev_tree_size=cp.prev_tree_size,
            consistency=[h.hex() for h in cp.consistency_path],
        ),
    )


@router.get("/public-key", response_model=PublicKeyOut, dependencies=PUBLIC_ROUTE)
def public_key(request: Request) -> object:
    """The Ed25519 key that signs checkpoints and exports (no API key needed: it is public)."""
    return PublicKeyOut(public_key=audit.public_key(request.app.state.settings).hex())


def _chunks(f: IO[Any]) -> Iterator[bytes]:
    with f:
        f.seek(0)
        while chunk := f.read(1 << 16):
            yield chunk if isinstance(chunk, bytes) else chunk.encode()


@router.get(
    "/export",
    response_class=StreamingResponse,
    dependencies=allow(Permission.AUDIT_READ),
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}, "text/csv": {}}}},
)
def export(
    request: Request,
    session: SessionDep,
    who: PrincipalDep,
    format: str = Query("jsonl", pattern="^(jsonl|csv)$"),
    from_seq: Seq | None = None,
    to_seq: Seq | None = None,
    asset: str | None = None,
) -> StreamingResponse:
    """JSON Lines ending in a signed checkpoint (verify with `aurigraph audit verify`), or CSV."""
    who.require(Permission.AUDIT_READ)
    spool: IO[Any] = tempfile.SpooledTemporaryFile(
        max_size=8 << 20, mode="w+b" if format == "jsonl" else "w+"
    )
    if format == "jsonl":
        key = audit.signer(request.app.state.settings)
        audit_export.export_jsonl(session, spool, from_seq=from_seq, to_seq=to_seq, asset=asset, key=key)
        media = "application/x-ndjson"
    else:
        audit_export.export_csv(session, spool, from_seq=from_seq, to_seq=to_seq, asset=asset)
        media = "text/csv"
    name = f"audit.{format}"
    return StreamingResponse(
        _chunks(spool), media_type=media, headers={"Content-Disposition": f"attachment; filename={name}"}
    )
