"""The webhook signature: HMAC-SHA256 with the webhook's secret over `<timestamp>.<exact body bytes>`.

Sent as `X-Aurigraph-Timestamp: <unix seconds>` and `X-Aurigraph-Signature: sha256=<hex>`. The timestamp is
inside the signed text so a receiver can refuse old replays; receivers verify with `verify` (or its three
lines in their own language) before trusting the body."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Aurigraph-Signature"
TIMESTAMP_HEADER = "X-Aurigraph-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)
