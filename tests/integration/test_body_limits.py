"""Request bodies are bounded before routing (issue 11, item 9): a real server over a raw socket shows that a
large body is refused before the client has sent it, and over the app that streamed bodies are counted."""

from __future__ import annotations

import socket
import time

import orjson
import pytest

from tests.rwa.conftest import make_api
from tests.rwa.factories import make_asset

MIB = 1024 * 1024


def _answer_before_sending(port: int, path: str, length: int, headers: str = "") -> tuple[int, dict, float]:
    """Send only the request head and 64 KiB of a body declared `length` bytes long; the status and
    problem body the server answers with, and how long it took (the rest is never sent)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{headers}Connection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        t0 = time.monotonic()
        s.sendall(head.encode() + b"[" * (64 * 1024))
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
            _header(data, b"content-length") or 0
        ):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        took = time.monotonic() - t0
    status = int(data.split(b" ", 2)[1])
    return status, orjson.loads(data.split(b"\r\n\r\n", 1)[1]), took


def _header(data: bytes, name: bytes) -> bytes | None:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name:
            return v.strip()
    return None


@pytest.mark.slow
def test_a_40_mib_body_without_a_key_is_refused_before_it_is_sent(server):
    """`server`: a real `aurigraph serve` on SQLite and on PostgreSQL (tests/integration/conftest.py).

    Failed before: the server read and parsed all 40 MiB, then answered 401; with only 64 KiB sent it
    never answered (the client timed out)."""
    status, body, took = _answer_before_sending(server.port, "/v1/contracts", 40 * MIB)
    assert status == 413 and body["code"] == "PAYLOAD_TOO_LARGE" and body["limit"] == 5 * MIB
    assert took < 5
    # under the upload route's larger limit the key is checked before a byte of the body is read
    status, body, took = _answer_before_sending(server.port, "/v1/assets/X/documents/big", 10 * MIB)
    assert status == 401 and body["code"] == "UNAUTHENTICATED" and took < 5
    status, body, _ = _answer_before_sending(
        server.port, "/v1/assets/X/documents/big", 10 * MIB, "Authorization: Bearer nope\r\n"
    )
    assert status == 401 and "unknown or revoked" in body["detail"]
    # JSON-RPC keeps its own error form
    status, body, _ = _answer_before_sending(server.port, "/", 40 * MIB)
    assert status == 413 and body["error"]["code"] == -32600


def test_rest_bodies_are_bounded_and_counted_while_streaming(db_url, tmp_path):
    """Failed before: a 2 KiB JSON body (limit 1 KiB) reached the route; a chunked one was read whole."""
    gen = make_api(db_url, tmp_path, max_body_bytes=1024, max_upload_bytes=4096)
    api = next(gen)
    big = b'{"sources": {"a.sol": "' + b"x" * 2048 + b'"}}'
    r = api.call("POST", "/v1/contracts/compile", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["limit"] == 1024 and "1024" in r.json()["detail"]

    def chunks():
        for _ in range(4):
            yield big[:600]

    r = api.call(
        "POST", "/v1/contracts/compile", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE" and r.json()["limit"] == 1024
    # anonymous and chunked: refused before reading
    r = api.client.post("/v1/contracts/compile", content=chunks())
    assert r.status_code == 401
    # the upload route takes up to max_upload_bytes
    with api.sm.begin() as s:
        sym = make_asset(s).symbol
    r = api.call("POST", f"/v1/assets/{sym}/documents/d", params={"kind": "other"}, content=b"y" * 3000)
    assert r.status_code == 201
    r = api.call("POST", f"/v1/assets/{sym}/documents/e", params={"kind": "other"}, content=b"y" * 5000)
    assert r.status_code == 413 and r.json()["limit"] == 4096
    gen.close()
