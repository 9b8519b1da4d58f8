"""``aurigraph audit export | verify | keygen | pubkey``: the compliance audit trail's signing key, its
export, and its verification offline (app/rwa/audit/export.py and verify.py do the work)."""

from __future__ import annotations

from pathlib import Path

import typer

from app.cli.common import fail
from app.config import get_settings

audit_app = typer.Typer(
    help="The compliance audit trail: signing key, export, and verify offline.", no_args_is_help=True
)


@audit_app.command("export")
def audit_export(
    out: Path = typer.Option(..., "--out", help="File to write."),
    from_seq: int = typer.Option(None, "--from", help="First sequence number (default: the first)."),
    to_seq: int = typer.Option(None, "--to", help="Last sequence number (default: the last)."),
    asset: str = typer.Option(None, help="Only the entries of this asset (with inclusion proofs)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (verifiable) or csv."),
) -> None:
    """Export the audit trail as JSON Lines ending with a signed checkpoint (or CSV for spreadsheets)."""
    from app.rwa.audit.export import audit_export as run

    raise typer.Exit(run(out, from_seq, to_seq, asset, fmt))


@audit_app.command("verify")
def audit_verify(
    file: Path = typer.Argument(..., help="A JSON Lines export."),
    pubkey: str = typer.Option(None, help="The published public key (hex, or a file holding it)."),
    trust_embedded_key: bool = typer.Option(
        False, help="Without --pubkey: check the file against the key it names (integrity only)."
    ),
) -> None:
    """Recompute hashes, chain, Merkle root, consistency with the previous checkpoint and signatures
    offline against the published key; exit 1 naming the first bad line, 2 without --pubkey."""
    from app.rwa.audit.verify import audit_verify as run

    raise typer.Exit(run(file, pubkey, trust_embedded_key))


@audit_app.command("keygen")
def audit_keygen() -> None:
    """Create the Ed25519 key that signs checkpoints (AURIGRAPH_AUDIT_KEY_PATH, default
    data/audit_ed25519.pem, mode 0600) and print its public key. Refuses to replace an existing key."""
    from app.rwa.audit.signing_key import keygen
    from app.rwa.errors import AuditKeyExists

    path = get_settings().audit_key_file
    try:
        key = keygen(path)
    except AuditKeyExists as exc:
        fail(exc)
    typer.echo(f"created the audit signing key {path}; publish its public key:")
    typer.echo(key.public_key.hex())


@audit_app.command("pubkey")
def audit_pubkey() -> None:
    """Print the public key (hex) that verifies checkpoints and exports: give it to auditors."""
    from app.rwa.audit.signing_key import public_key
    from app.rwa.errors import AuditKeyError

    try:
        typer.echo(public_key(get_settings()).hex())
    except AuditKeyError as exc:
        fail(exc)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
