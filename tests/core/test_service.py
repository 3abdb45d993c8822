"""The service skeleton: health, auth, roles, JSON errors in both languages, size limit, OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from service import create_app


def test_health_without_auth(client: FlaskClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "version": r.json["version"], "checks": {"database": "ok"}}


def test_health_reports_database_failure(tmp_path: Path) -> None:
    app = create_app(
        {"instance": tmp_path, "migrate": False, "database": {"url": "postgresql://x@127.0.0.1:1/none"}}
    )
    r = app.test_client().get("/health")
    assert r.status_code == 503
    assert r.json["checks"]["database"] == "fail"


def test_missing_and_wrong_key_are_401_in_turkish(client: FlaskClient) -> None:
    r = client.get("/v1/openapi.json", headers={"Accept-Language": "tr-TR,tr;q=0.9"})
    assert r.status_code == 401
    assert r.json["error"]["code"] == "auth.invalid_key"
    assert r.json["error"]["message"] == "API anahtarı eksik ya da geçersiz."
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.get("/v1/openapi.json", headers={"Authorization": "Bearer ebys_wrong"})
    assert r.status_code == 401
    assert r.json["error"]["message"] == "The API key is missing or invalid."
    r = client.get("/v1/openapi.json", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_role_ranks(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    for role in ("integration", "helpdesk", "admin"):
        assert client.get("/v1/openapi.json", headers=api_key(role)).status_code == 200
    r = client.get("/v1/openapi.json", headers=api_key("signer", lang="tr"))
    assert r.status_code == 403
    assert r.json["error"]["code"] == "auth.forbidden"
    assert "signer" in r.json["error"]["message"]


def test_openapi_document(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    doc = client.get("/v1/openapi.json", headers=api_key("integration")).json
    assert doc["openapi"].startswith("3.1")
    assert "/health" in doc["paths"]
    assert "Error" in doc["components"]["schemas"]


def test_every_route_is_documented(app: Flask) -> None:
    from service.openapi import build_document
    from tests.contract import openapi_path

    doc = build_document()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = openapi_path(rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], f"{method} {path}"


def test_not_found_and_method_not_allowed(client: FlaskClient) -> None:
    r = client.get("/v1/nothing-here", headers={"Accept-Language": "tr"})
    assert r.status_code == 404
    assert r.json["error"]["code"] == "request.not_found"
    assert r.json["error"]["message"].startswith("Böyle bir adres yok")
    r = client.post("/health")
    assert r.status_code == 405
    assert r.json["error"]["code"] == "request.method_not_allowed"


def test_request_too_large(tmp_path: Path) -> None:
    app = create_app({"instance": tmp_path, "service": {"max_request_bytes": 100}})
    r = app.test_client().post("/v1/openapi.json", data=b"x" * 1000)
    assert r.status_code == 413
    assert r.json["error"]["code"] == "request.too_large"


def test_internal_error_is_json_without_details(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert r.json["error"]["code"] == "ebys.internal"
    assert "secret" not in r.get_data(as_text=True)


def test_invalid_bodies_are_explained_in_the_request_language(
    client: FlaskClient, api_key: Callable[..., dict[str, str]]
) -> None:
    headers = api_key("integration", lang="tr")
    cases = [
        ({}, "required", "codes alanı zorunlu"),
        ({"codes": ["010"], "pin": "123456"}, "unknown_field", "bilinmeyen alan: pin"),
        ({"codes": "010"}, "type", "liste beklenir"),
        ({"codes": ["010"], "for_sayi": "evet"}, "type", "true ya da false beklenir"),
    ]
    for body, problem, text in cases:
        r = client.post("/v1/sdp/validate", json=body, headers=headers)
        assert r.status_code == 400, body
        error = r.json["error"]
        assert error["code"] == "request.invalid"
        assert error["details"]["problem"] == problem
        assert text in error["message"], error["message"]
        assert "123456" not in r.get_data(as_text=True)
    r = client.post("/v1/sdp/validate", json={"codes": 5}, headers=api_key("integration"))
    assert "codes must be a list" in r.json["error"]["message"]
