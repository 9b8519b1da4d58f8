"""The Ed25519 key that signs audit checkpoints and exports: created only on purpose, never replaced.

`keygen` (the `aurigraph audit keygen` command) is the one way to make a key; everything else only loads
it, and a missing key is an error (`AuditKeyMissing`) rather than a fresh key nobody published. At start-up
(`startup_key`) production refuses to run without a key; a dev or test server makes one the first time and
says so on stderr with its public key, so nothing is created unnoticed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from app.config import Settings, get_settings
from app.rwa.errors import AuditKeyError, AuditKeyExists, AuditKeyMissing

__all__ = ["Signer", "keygen", "public_key", "signer", "startup_key", "verify_signature"]


class Signer:
    """An Ed25519 key that signs checkpoints and exports."""

    def __init__(self, key: ECC.EccKey) -> None:
        if key.curve != "Ed25519" or not key.has_private():
            raise AuditKeyError("the audit signing key must be an Ed25519 private key")
        self._signer = eddsa.new(key, "rfc8032")
        self.public_key: bytes = key.public_key().export_key(format="raw")

    @classmethod
    def generate(cls) -> Signer:
        return cls(ECC.generate(curve="Ed25519"))

    @classmethod
    def load(cls, path: Path) -> Signer:
        """Read the PEM key at `path`; AuditKeyMissing when there is none."""
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise AuditKeyMissing(
                f"no audit signing key at {path}: create one with `aurigraph audit keygen`"
            ) from None
        except OSError as exc:
            raise AuditKeyError(f"cannot read the audit signing key {path}: {exc}") from exc
        try:
            return cls(ECC.import_key(pem))
        except (ValueError, IndexError) as exc:
            raise AuditKeyError(f"cannot load the audit signing key {path}: {exc}") from exc

    def sign(self, message: bytes) -> bytes:
        return bytes(self._signer.sign(message))


def keygen(path: Path) -> Signer:
    """Create a new key at `path` (mode 0600); AuditKeyExists if there is one already (never replaced:
    O_EXCL, so two racing commands cannot both write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ECC.generate(curve="Ed25519").export_key(format="PEM").encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AuditKeyExists(f"an audit signing key already exists at {path}: it is never replaced") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    return Signer.load(path)


_signers: dict[Path, Signer] = {}


def signer(settings: Settings | None = None) -> Signer:
    """The process's checkpoint signer, from Settings.audit_key_file (AuditKeyMissing when absent)."""
    path = (settings or get_settings()).audit_key_file.resolve()
    if path not in _signers:
        _signers[path] = Signer.load(path)
    return _signers[path]


def public_key(settings: Settings | None = None) -> bytes:
    """The raw 32-byte Ed25519 public key that verifies our checkpoints (publish it hex-encoded)."""
    return signer(settings).public_key


def startup_key(settings: Settings) -> Signer:
    """The key a server starts with. Production: the existing key, else AuditKeyMissing (the server does
    not start). Dev and test: created when missing, announced once on stderr with its public key."""
    path = settings.audit_key_file
    if settings.production or path.exists():
        return signer(settings)
    try:
        key = keygen(path)
    except AuditKeyExists:  # another process started at the same moment and made it
        return signer(settings)
    print(
        f"audit: created a new signing key at {path} (dev only; production needs `aurigraph audit keygen`)\n"
        f"audit: public key {key.public_key.hex()}",
        file=sys.stderr,
    )
    return signer(settings)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        eddsa.new(eddsa.import_public_key(public_key), "rfc8032").verify(message, signature)
    except ValueError:
        return False
    return True
