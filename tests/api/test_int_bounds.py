"""Integer ids and cursors at and past the 64-bit edge (issue 11, item 12), SQLite and PostgreSQL.

Both databases refuse to bind an integer above 2**63 - 1; before the schema bounded them, 2**63 in an id or
a cursor reached the query and answered a bare 500 (SQLite's OverflowError) or dropped the connection.
The walk below takes every integer path and query parameter from the OpenAPI document of `create_app()`
itself, so a parameter added later is probed too."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from app.api.schemas.registry import MAX_SQL_INT, MAX_SQL_INT32
from app.config import Settings
from app.main import create_app
from tests.conftest import make_database
from tests.rwa.factories import address, make_asset, make_investor, make_key

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

OUT_OF_RANGE = [2**63, -(2**63) - 1, 2**64]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp(f"bounds-{request.param}")
    gen = make_database(request.param, tmp)
    url = next(gen)
    settings = Settings(database_url=url, data_dir=tmp / "data")  # type: ignore[call-arg]
    # raise_server_exceptions=False: a crash must show as the 5xx a client would get, not as a test error
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        with c.app.state.sessionmaker.begin() as s:  # type: ignore[attr-defined]
            admin = make_key(s, "admin")
            symbol = make_asset(s).symbol
            make_investor(s, address("bounds"))
        c.headers["Authorization"] = f"Bearer {admin}"
        c.symbol = symbol  # type: ignore[attr-defined]
        yield c
    next(gen, None)


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(_is_integer(s) for s in schema.get("anyOf", []))


def _integer_params() -> list[tuple[str, str, str, str, dict[str, Any]]]:
    doc = create_app(Settings(database_url="sqlite://")).openapi()  # type: ignore[call-arg]
    return [
        (method.upper(), path, p["in"], p["name"], _integer_schema(p["schema"]))
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        for p in op.get("parameters", [])
        if p["in"] in ("path", "query") and _is_integer(p["schema"])
    ]


def _integer_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return schema if schema.get("type") == "integer" else next(s for s in schema["anyOf"] if _is_integer(s))


PARAMS = _integer_params()


def test_the_walk_finds_the_known_integer_parameters() -> None:
    found = {(path, name) for _, path, _, name, _ in PARAMS}
    assert {
        ("/v1/identities/{identity_id}", "identity_id"),
        ("/v1/audit/entries/{seq}/proof", "seq"),
        ("/v1/audit/entries/{seq}/proof", "tree_size"),
        ("/v1/assets/{symbol}/movements", "after"),
        ("/v1/identities", "offset"),
        ("/v1/contracts", "offset"),
        ("/v1/assets", "issuer_id"),
    } <= found


def _fill(path: str, symbol: str) -> str:
    # every other path parameter gets a plausible value; the integer under test replaces its own below
    return path.replace("{symbol}", symbol).replace("{name}", "doc").replace("{address}", "0x" + "11" * 20)


IDS = [f"{m} {p} {n}" for m, p, _, n, _ in PARAMS]


def _send(client: Any, method: str, path: str, where: str, name: str, value: int) -> Any:
    url, params = _fill(path, client.symbol), {}
    if where == "path":
        url = url.replace("{" + name + "}", str(value))
    else:
        params[name] = str(value)
    url = url.replace("{identity_id}", "1").replace("{seq}", "1")
    return client.request(method, url, params=params, json={} if method in ("POST", "PUT") else None)


@pytest.mark.parametrize(("method", "path", "where", "name", "schema"), PARAMS, ids=IDS)
def test_every_integer_parameter_is_bounded_in_the_schema(
    method: str, path: str, where: str, name: str, schema: dict[str, Any]
) -> None:
    assert 0 <= schema.get("minimum", -1) and schema.get("maximum", 2**64) <= MAX_SQL_INT, schema


@pytest.mark.parametrize(("method", "path", "where", "name", "schema"), PARAMS, ids=IDS)
def test_out_of_range_integers_are_422_problems(
    client: Any, method: str, path: str, where: str, name: str, schema: dict[str, Any]
) -> None:
    for value in [*OUT_OF_RANGE, schema.get("maximum", MAX_SQL_INT) + 1]:
        r = _send(client, method, path, where, name, value)
        assert r.status_code == 422, (method, path, name, value, r.status_code, r.text[:300])
        assert r.headers["content-type"] == "application/problem+json"
        assert [where, name] in [e["loc"] for e in r.json()["errors"]], r.text


@pytest.mark.parametrize(("method", "path", "where", "name", "schema"), PARAMS, ids=IDS)
def test_the_largest_value_in_range_reaches_the_database_and_is_answered(
    client: Any, method: str, path: str, where: str, name: str, schema: dict[str, Any]
) -> None:
    # an unknown id is a 404, a cursor past the end an empty page: either way no 5xx from the database
    r = _send(client, method, path, where, name, schema["maximum"])
    assert r.status_code < 500, (method, path, name, r.status_code, r.text[:300])


@pytest.mark.parametrize("field", ["identity_id", "issuer_id"])
def test_body_ids_past_the_edge_are_422(client: Any, field: str) -> None:
    body = {"name": "probe", "role": "investor"}
    for value in OUT_OF_RANGE:
        r = client.post("/v1/keys", json=body | {field: value})
        assert r.status_code == 422, r.text
        assert ["body", field] in [e["loc"] for e in r.json()["errors"]]
    asset = {"symbol": "PROBE", "name": "p", "asset_class": "bond", "jurisdiction": "DE", "currency": "EUR"}
    r = client.post("/v1/assets", json=asset | {"issuer_id": 2**63})
    assert r.status_code == 422 and ["body", "issuer_id"] in [e["loc"] for e in r.json()["errors"]]


def test_the_largest_id_is_not_found_and_the_largest_cursor_an_empty_page(client: Any) -> None:
    top, seq = MAX_SQL_INT32, MAX_SQL_INT
    assert client.get(f"/v1/identities/{top}").status_code == 404
    assert client.put(f"/v1/identities/{top}/kyc", json={"kyc_status": "verified"}).status_code == 404
    assert client.get(f"/v1/audit/entries/{seq}/proof").status_code == 404
    r = client.post("/v1/keys", json={"name": "k", "role": "investor", "identity_id": top})
    assert r.status_code == 404, r.text
    r = client.post("/v1/keys", json={"name": "k", "role": "issuer", "issuer_id": top})
    assert r.status_code == 404, r.text
    for url in (
        f"/v1/assets/{client.symbol}/movements?after={top}",
        f"/v1/audit/entries?after={seq}",
        f"/v1/identities?offset={seq}",
        f"/v1/contracts?offset={seq}",
        f"/v1/assets?issuer_id={top}",
    ):
        r = client.get(url)
        assert (r.status_code, r.json()) == (200, []), url
    assert (
        client.get("/v1/identities?offset=0").json() != []
    )  # the page past the end is empty, not every page
