"""``POST /v1/eyp/check``: raw body or multipart, role integration, refusals as errors."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.eyp._pkg import DATA, Pkg


def test_check_raw_body(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    body = (DATA / "paketv2x.eyp").read_bytes()
    response = client.post(
        "/v1/eyp/check",
        data=body,
        headers={**api_key("integration"), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["verdict"] == "rejected" and data["structure"] == "sound"
    assert data["version"] == "2.0"
    assert data["summary"]["subject"] == "Olustur Versiyon 2X"


def test_check_multipart_in_turkish(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    body = (DATA / "sifrelipaketv1x.eyps").read_bytes()
    response = client.post(
        "/v1/eyp/check",
        data={"package": (io.BytesIO(body), "paket.eyps")},
        headers=api_key("integration", lang="tr"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["verdict"] == "accepted" and data["encrypted"] is True
    assert "şifrelenmeden" in data["findings"][0]["message"]


def test_check_needs_a_key(client: FlaskClient) -> None:
    response = client.post("/v1/eyp/check", data=b"x")
    assert response.status_code == 401


def test_check_refusals(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    headers = {**api_key("integration"), "Content-Type": "application/zip"}
    response = client.post("/v1/eyp/check", data=b"not a zip", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "eyp.not_a_package"
    buf = io.BytesIO(Pkg.sample("paketv2x.eyp").build())
    with zipfile.ZipFile(buf, "a") as zf:
        info = zipfile.ZipInfo("Ekler/bomba.pdf")
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, b"\0" * (4 * 1024 * 1024))
    response = client.post("/v1/eyp/check", data=buf.getvalue(), headers=headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "eyp.too_large"


def test_check_empty_and_missing_field(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    headers = api_key("integration")
    assert client.post("/v1/eyp/check", data=b"", headers=headers).status_code == 400
    response = client.post(
        "/v1/eyp/check",
        data={"other": (io.BytesIO(b"x"), "x")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "request.invalid"


def test_openapi_lists_the_route(client: FlaskClient, api_key: Callable[..., Any]) -> None:
    doc = client.get("/v1/openapi.json", headers=api_key("integration")).get_json()
    assert "/v1/eyp/check" in doc["paths"]
    assert "EypReport" in doc["components"]["schemas"]
