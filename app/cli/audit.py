"""``aurigraph audit export | verify | keygen | pubkey``: the compliance audit trail's signing key, its
export, and its verification offline (app/rwa/audit/export.py and verify.py do the work). Export and
verify show their progress (a bar on a terminal, plain lines otherwise) and end with a summary; `--quiet`
and `--json` are for scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from app.cli.common import JSON, QUIET, Report, fail
from app.config import get_settings

audit_app = typer.Typer(
    help="The compliance audit trail: signing key, export, and verify offline.", no_args_is_help=True
)


@audit_app.command("export")
def export_command(
    out: Path = typer.Option(..., "--out", help="File to write."),
    from_seq: int = typer.Option(None, "--from", help="First sequence number (default: the first)."),
    to_seq: int = typer.Option(None, "--to", help="Last sequence number (default: the last)."),
    asset: str = typer.Option(None, help="Only the entries of this asset (with inclusion proofs)."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (verifiable) or csv."),
    quiet: bool = QUIET,
    as_json: bool = JSON,
) -> None:
    """Export the audit trail as JSON Lines ending with a signed checkpoint (or CSV for spreadsheets)."""
    report = Report("audit export", quiet=quiet, as_json=as_json)
    raise typer.Exit(audit_export(out, from_seq, to_seq, asset, fmt, report))


def audit_export(
    out: str | Path,
    from_seq: int | None = None,
    to_seq: int | None = None,
    asset: str | None = None,
    fmt: str = "jsonl",
    report: Report | None = None,
) -> int:
    """Write the file and report; the exit code: 0, 1 (no signing key), 2 (unknown format)."""
    from app.db import make_engine, make_sessionmaker
    from app.rwa.audit.export import export_csv, export_jsonl
    from app.rwa.audit.signing_key import signer
    from app.rwa.errors import AuditKeyError

    report = report or Report("audit export")
    if fmt not in ("jsonl", "csv"):
        return _error(f"unknown format {fmt!r}: use jsonl or csv", 2)
    try:
        key = signer() if fmt == "jsonl" else None
    except AuditKeyError as exc:
        return _error(str(exc), 1)
    engine = make_engine(get_settings().sqlalchemy_url)
    try:
        with make_sessionmaker(engine).begin() as session, report.task("entries") as progress:
            if fmt == "csv":
                count = export_csv(
                    session, out, from_seq=from_seq, to_seq=to_seq, asset=asset, progress=progress
                )
            else:
                s = export_jsonl(
                    session, out, from_seq=from_seq, to_seq=to_seq, asset=asset, key=key, progress=progress
                )
    finally:
        engine.dispose()
    if fmt == "csv":
        report.summary(f"{count} entries -> {out}", {"format": "csv", "count": count, "out": str(out)})
        return 0
    text = f"{s.count} entries (seq {s.from_seq}..{s.to_seq}) of {s.tree_size}, root {s.root.hex()}"
    data = {"format": "jsonl", "count": s.count, "from_seq": s.from_seq, "to_seq": s.to_seq}
    data |= {"tree_size": s.tree_size, "root": s.root.hex(), "out": str(out)}
    report.summary(f"{text}\nwritten to {out}", data)
    return 0


@audit_app.command("verify")
def verify_command(
    file: Path = typer.Argument(..., help="A JSON Lines export."),
    pubkey: str = typer.Option(None, help="The published public key (hex, or a file holding it)."),
    trust_embedded_key: bool = typer.Option(
        False, help="Without --pubkey: check the file against the key it names (integrity only)."
    ),
    quiet: bool = QUIET,
    as_json: bool = JSON,
) -> None:
    """Recompute hashes, chain, Merkle root, consistency with the previous checkpoint and signatures
    offline against the published key; exit 1 naming the first bad line, 2 without --pubkey."""
    report = Report("audit verify", quiet=quiet, as_json=as_json)
    raise typer.Exit(audit_verify(file, pubkey, trust_embedded_key, report))


def audit_verify(
    path: str | Path, pubkey: str | None = None, trust_embedded: bool = False, report: Report | None = None
) -> int:
    """Exit code 0 when the export verifies, else 1 after reporting the first bad line. `pubkey`: the
    published key, hex (64 digits) or a file holding it. Without it the export's own key proves nothing
    (whoever forged the file signed it), so that is exit code 2 unless `trust_embedded` says the caller
    only wants the file's integrity checked."""
    from app.rwa.audit.verify import verify_jsonl

    report = report or Report("audit verify")
    if not pubkey and not trust_embedded:
        return _error(
            "refusing to verify without the published key: give --pubkey <hex or file> (the server's "
            "GET /v1/audit/public-key, `aurigraph audit pubkey`), or --trust-embedded-key to check only "
            "that the file is consistent with the key it names",
            2,
        )
    key: bytes | None = None
    if pubkey:
        text = Path(pubkey).read_text() if Path(pubkey).is_file() else pubkey
        try:
            key = bytes.fromhex(text.strip().removeprefix("0x"))
        except ValueError:
            key = b""
        if len(key) != 32:
            return _error("--pubkey must be a 32-byte Ed25519 public key in hex (or a file holding one)", 1)
    with report.task("entries") as progress:
        result = verify_jsonl(path, key, progress)
    data = {"ok": result.ok, "line": result.line, "reason": result.reason, "entries": result.entries}
    data |= {"tree_size": result.tree_size, "root": result.root.hex() if result.root else None}
    data |= {"public_key": result.public_key.hex() if result.public_key else None}
    data["key_from_export"] = result.key_from_export
    report.summary(result.summary(), data)
    return 0 if result.ok else 1


def _error(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


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
