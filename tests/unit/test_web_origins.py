"""What web pages may reach (issue 11, item 4): JSON-RPC over HTTP only as application/json (a CORS simple
request is refused with 415), WebSocket upgrades checked against an Origin allow-list, CORS for the REST
API off unless configured."""

from __future__ import annotations

import warnings

import pytest
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

from app.api.origins import origin_allowed
from app.config import Settings
from app.main import create_app

with warnings.catch_warnings():  # starlette asks for `httpx2`, which is not installed: httpx works
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

CHAIN_ID = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'


@pytest.fixture
def client(sqlite_url, tmp_path):
    with TestClient(create_app(Settings(database_url=sqlite_url, data_dir=tmp_path))) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/rpc"])
@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain;charset=UTF-8", None, "application/x-www-form-urlencoded"]
)
def test_json_rpc_that_is_not_json_typed_is_refused_with_415(client, path, content_type):
    headers = {} if content_type is None else {"content-type": content_type}
    r = client.post(path, content=CHAIN_ID, headers=headers)
    assert r.status_code == 415  # before: 200 with the chain id, for any web page that sent it
    err = r.json()["error"]
    assert err["code"] == -32600 and "application/json" in err["message"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_typed_json_rpc_is_answered(client, content_type):
    r = client.post("/", content=CHAIN_ID, headers={"content-type": content_type})
    assert r.status_code == 200 and r.json()["result"] == "0x7a69"


def _chain_id_over_ws(client, origin: str | None) -> str:
    headers = {} if origin is None else {"origin": origin}
    with client.websocket_connect("/", headers=headers) as ws:
        ws.send_text(CHAIN_ID.decode())
        return ws.receive_json()["result"]


def test_websocket_upgrades_are_checked_against_the_allowed_origins(client):
    assert _chain_id_over_ws(client, None) == "0x7a69"  # not a web page: web3.py, cast, wscat
    assert _chain_id_over_ws(client, "http://localhost:3000") == "0x7a69"
    assert _chain_id_over_ws(client, "http://127.0.0.1:5173") == "0x7a69"
    for page in ("https://evil.example", "null", "http://localhost.evil.example"):
        with pytest.raises(WebSocketDisconnect) as refused:  # before: accepted, every method usable
            _chain_id_over_ws(client, page)
        assert refused.value.code == 1008


def test_the_websocket_origin_list_is_a_setting(sqlite_url, tmp_path):
    settings = Settings(
        database_url=sqlite_url, data_dir=tmp_path, ws_allowed_origins=["https://app.example"]
    )
    with TestClient(create_app(settings)) as client:
        assert _chain_id_over_ws(client, "https://app.example") == "0x7a69"
        with pytest.raises(WebSocketDisconnect):
            _chain_id_over_ws(client, "http://localhost:3000")


def _preflight(client, path: str, origin: str):
    return client.options(path, headers={"origin": origin, "access-control-request-method": "POST"})


def test_cors_for_the_rest_api_is_off_by_default(client):
    r = client.get("/v1/audit/public-key", headers={"origin": "https://app.example"})
    assert "access-control-allow-origin" not in r.headers
    assert (
        "access-control-allow-origin"
        not in _preflight(client, "/v1/contracts", "https://app.example").headers
    )


def test_cors_for_the_rest_api_when_configured(sqlite_url, tmp_path):
    settings = Settings(database_url=sqlite_url, data_dir=tmp_path, cors_origins=["https://app.example"])
    with TestClient(create_app(settings)) as client:
        ok = _preflight(client, "/v1/contracts", "https://app.example")
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://app.example"
        assert "authorization" in ok.headers["access-control-allow-headers"].lower()
        other = _preflight(client, "/v1/contracts", "https://evil.example")
        assert "access-control-allow-origin" not in other.headers
        # JSON-RPC is not opened to pages by the REST API's CORS
        rpc = client.post(
            "/",
            content=CHAIN_ID,
            headers={"content-type": "application/json", "origin": "https://app.example"},
        )
        assert rpc.status_code == 200 and "access-control-allow-origin" not in rpc.headers


def test_origin_patterns():
    allowed = ["http://localhost:*", "https://app.example"]
    assert origin_allowed(None, allowed)
    assert origin_allowed("http://localhost", allowed) and origin_allowed("HTTP://LOCALHOST:8080", allowed)
    assert not origin_allowed("https://localhost:8080", allowed)  # another scheme
    assert origin_allowed("https://app.example", allowed)
    assert not origin_allowed("https://app.example:444", allowed)
    assert not origin_allowed("http://localhost:notaport", allowed)
    assert origin_allowed("https://anything.example", ["*"])
