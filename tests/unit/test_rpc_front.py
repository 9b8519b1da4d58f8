"""``FastPath.outside(app)``, what ``aurigraph serve`` hands to uvicorn: JSON-RPC is answered in front of the
application's middleware stack, with the same answers, while REST, errors and the lifespan pass through."""

from __future__ import annotations

import warnings
from pathlib import Path

import orjson
from starlette.exceptions import StarletteDeprecationWarning

from app.api.rpc import FastPath
from app.config import Settings
from app.main import create_app

with warnings.catch_warnings():  # starlette asks for `httpx2`, which is not installed: httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the first dev account


def _rpc(client: TestClient, method: str, *params: object, path: str = "/") -> dict:
    body = orjson.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)})
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200
    return r.json()


def test_front_answers_json_rpc_as_the_app_does(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(database_url=sqlite_url, data_dir=tmp_path / "data"))
    front = FastPath.outside(app)
    seen: list[str] = []

    async def spy(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append(scope["type"] + " " + scope.get("path", ""))
        await app(scope, receive, send)

    front.app = spy  # what the front hands on to the application
    with TestClient(front) as client:  # the lifespan passes through the front: the chain opens
        assert seen == ["lifespan "]
        assert _rpc(client, "eth_chainId") == {"jsonrpc": "2.0", "id": 7, "result": "0x7a69"}
        balance = _rpc(client, "eth_getBalance", ADDRESS, "latest", path="/rpc")["result"]
        assert int(balance, 16) == app.state.settings.dev_balance_wei
        assert _rpc(client, "no_such_method")["error"]["code"] == -32601
        r = client.post("/", content=b"{", headers={"content-type": "application/json"})
        assert r.json()["error"]["code"] == -32700
        refused = client.post("/", content=b"{}", headers={"content-type": "text/plain"})
        assert refused.status_code == 415 and refused.json()["error"]["code"] == -32600
        batch = client.post(
            "/",
            content=orjson.dumps([{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in (1, 2)]),
            headers={"content-type": "application/json"},
        ).json()
        assert [a["id"] for a in batch] == [1, 2]
        assert seen == ["lifespan "]  # no JSON-RPC request reached the application's stack
        assert client.get("/openapi.json").status_code == 200  # REST passes through
        assert client.get("/rpc").status_code == 405  # only POST is JSON-RPC
        assert seen[1:] == ["http /openapi.json", "http /rpc"]
