"""The OpenAPI document tells a generated client the truth (issue 11, item 16), SQLite and PostgreSQL:
how to authenticate, which operations need a key, error bodies as the server really sends them
(`application/problem+json`, a string `detail`, 422 included), and UTC-aware timestamps in responses."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from sqlalchemy.orm import Session
from starlette.exceptions import StarletteDeprecationWarning

from app.config import Settings
from app.main import create_app
from app.rwa.audit import log as audit
from app.rwa.audit.signing_key import signer
from tests.conftest import make_database
from tests.rwa.factories import make_asset, make_key

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PUBLIC = {("post", "/rpc"), ("get", "/v1/audit/public-key")}
# runtime code returning 42 (no solc needed): PUSH1 42, MSTORE, RETURN 32 bytes, behind its init code
BYTECODE = "0x600a600c600039600a6000f3602a60005260206000f3"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://")).openapi()  # type: ignore[call-arg]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp(f"openapi-{request.param}")
    gen = make_database(request.param, tmp)
    url = next(gen)
    with TestClient(create_app(Settings(database_url=url, data_dir=tmp / "data"))) as c:  # type: ignore[call-arg]
        with c.app.state.sessionmaker.begin() as s:  # type: ignore[attr-defined]
            c.admin = make_key(s, "admin")  # type: ignore[attr-defined]
        yield c
    next(gen, None)


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def _validate(doc: dict[str, Any], response: Any, method: str, path: str) -> None:
    """The response's status is declared for the operation, with its content type and schema."""
    declared = doc["paths"][path][method]["responses"]
    assert str(response.status_code) in declared, (method, path, response.status_code, sorted(declared))
    content = declared[str(response.status_code)]["content"]
    media = response.headers["content-type"].split(";")[0]
    assert media in content, (media, content)
    schema = {**content[media]["schema"], "components": doc["components"]}
    jsonschema_rs.validate(schema, response.json())


def test_security_schemes_and_which_operations_need_a_key(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert (schemes["bearer"]["type"], schemes["bearer"]["scheme"]) == ("http", "bearer")
    assert (schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == ("header", "X-API-Key")
    for method, path, op in _operations(doc):
        if (method, path) in PUBLIC:
            assert "security" not in op and "401" not in op["responses"], (method, path)
        else:
            assert op["security"] == [{"bearer": []}, {"apiKey": []}], (method, path)
            assert {"401", "403"} <= set(op["responses"]), (method, path)


def test_every_error_is_declared_as_the_problem_document_the_server_sends(doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["properties"]["detail"] == {"type": "string"}
    for method, path, op in _operations(doc):
        for status, response in op["responses"].items():
            if status[0] in "45" and path.startswith("/v1"):
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
        if path.startswith("/v1") and (op.get("parameters") or "requestBody" in op):
            assert "422" in op["responses"], (method, path)


def test_real_401_404_and_422_answers_match_the_document(client: Any, doc: dict[str, Any]) -> None:
    r = client.get("/v1/identities/5")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    _validate(doc, r, "get", "/v1/identities/{identity_id}")
    auth = {"Authorization": f"Bearer {client.admin}"}
    r = client.get("/v1/identities/5", headers=auth)
    assert r.status_code == 404
    _validate(doc, r, "get", "/v1/identities/{identity_id}")
    r = client.get("/v1/identities/0", headers=auth)
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)
    _validate(doc, r, "get", "/v1/identities/{identity_id}")
    r = client.post("/v1/issuers", headers=auth, json={"name": "x"})
    assert r.status_code == 422
    _validate(doc, r, "post", "/v1/issuers")


def _aware(value: str) -> bool:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).utcoffset() is not None


def test_timestamps_are_utc_aware_in_contracts_and_proof_checkpoints(
    client: Any, doc: dict[str, Any]
) -> None:
    auth = {"Authorization": f"Bearer {client.admin}"}
    r = client.post("/v1/contracts", headers=auth, json={"bytecode": BYTECODE, "abi": [], "name": "FortyTwo"})
    assert r.status_code == 201, r.text
    address = r.json()["contract"]["address"]
    assert _aware(r.json()["contract"]["created_at"])
    shown = client.get(f"/v1/contracts/{address}", headers=auth).json()
    assert _aware(shown["created_at"]), shown["created_at"]
    assert all(_aware(c["created_at"]) for c in client.get("/v1/contracts", headers=auth).json())
    with client.app.state.sessionmaker.begin() as s:
        _checkpoint(s, client.app.state.settings)
    proof = client.get("/v1/audit/entries/1/proof", headers=auth)
    assert proof.status_code == 200, proof.text
    assert proof.json()["checkpoint"] is not None and _aware(proof.json()["checkpoint"]["created_at"])
    _validate(doc, proof, "get", "/v1/audit/entries/{seq}/proof")
    for entry in client.get("/v1/audit/entries", headers=auth).json():
        assert _aware(entry["created_at"])


def _checkpoint(session: Session, settings: Settings) -> None:
    make_asset(session)  # a few audit entries, then a checkpoint signed with the server's key
    audit.checkpoint(session, signer(settings))


def test_file_answers_declare_their_media_types(doc: dict[str, Any]) -> None:
    export = doc["paths"]["/v1/audit/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/x-ndjson", "text/csv"}
    path = "/v1/assets/{symbol}/documents/{name}/content"
    download = doc["paths"][path]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "application/octet-stream"} <= set(download)
    assert "application/json" not in download or download["application/json"]["schema"]["format"] == "binary"


def _string_params(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (method, path, p["in"], p["name"])
        for method, path, op in _operations(doc)
        for p in op.get("parameters", [])
        if p["in"] in ("path", "query") and "string" in str(p["schema"])
    ]


def test_a_nul_character_in_any_string_parameter_is_a_4xx_not_a_500(client: Any, doc: dict[str, Any]) -> None:
    """PostgreSQL refuses NUL in text (schemathesis found GET /v1/alerts?subject=%00 answering 500)."""
    auth = {"Authorization": f"Bearer {client.admin}"}
    wrong = []
    for method, path, where, name in _string_params(doc):
        url, params = path, {}
        if where == "path":
            url = url.replace("{" + name + "}", "%00")
        else:
            params[name] = "\x00"
        url = url.replace("{", "").replace("}", "")  # other path parameters: their own names as values
        r = client.request(
            method, url, params=params, headers=auth, json={} if method in ("post", "put") else None
        )
        if r.status_code >= 500:
            wrong.append(f"{method.upper()} {path} {name}: {r.status_code}")
    assert not wrong, wrong
