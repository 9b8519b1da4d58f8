"""The neutral root of every error the service raises: what kind of failure it is, and a stable code.

Each package defines its own errors (app/rwa/errors.py, app/evm/errors.py, app/oracles/errors.py, ...) on
`AppError`, and each class says, where it is defined, its `kind` (HTTP-neutral: not found, conflict, ...) and
its `code` (the machine-readable name clients branch on). `app/api/errors.py` alone turns a kind into an
HTTP status, so adding an error never touches a central file. This module imports nothing from `app`:
every package may import it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What kind of failure an error is, in words the web layer, the CLI and the JSON-RPC all understand."""

    INVALID = "invalid"  # a value we cannot accept (a malformed or out-of-range input)
    NOT_FOUND = "not_found"  # the thing asked for does not exist
    CONFLICT = "conflict"  # the request clashes with the current state (taken, closed, not enough units)
    UNAUTHENTICATED = "unauthenticated"  # no valid credentials
    FORBIDDEN = "forbidden"  # the caller may not do this
    TOO_LARGE = "too_large"  # a payload above a size limit
    UNAVAILABLE = "unavailable"  # a dependency (key file, database, feed, transaction) failed: retry later
    REFUSED = "refused"  # refused for a reason no narrower kind names (the roots of the trees)
    INTERNAL = "internal"  # our own data is unusable (a corrupted document, a tampered audit log)


class AppError(Exception):
    """Root of every error of the service. Subclasses set `kind` and `code` as class attributes; an error
    whose code depends on its value (a refused transfer's ERC-1404 restriction) sets them per instance."""

    kind: Kind = Kind.REFUSED
    code: str = "ERROR"

    def details(self) -> dict[str, Any]:
        """Members, beyond the message, that a client may need to act on the error (JSON-serializable)."""
        return {}
