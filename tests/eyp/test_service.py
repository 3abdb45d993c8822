"""``POST /v1/eyp/check``: raw body or multipart, role integration, refusals as errors."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
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


def _multipart(field: str, filename: str, payload: bytes) -> tuple[bytes, str]:
    """A multipart body built here (the test client spools bodies over 500 KiB to a temporary file)."""
    boundary = "ebys-test-boundary-7f3a"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _padded_v2(extra: bytes) -> bytes:
    """The 2.x sample with an extra stored entry, so that the upload is well over 500 KiB."""
    buf = io.BytesIO((DATA / "paketv2x.eyp").read_bytes())
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr(zipfile.ZipInfo("Ekler/dolgu.bin"), extra)
    return buf.getvalue()


def test_large_multipart_upload_stays_in_memory(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], no_side_effects: None
) -> None:
    body, content_type = _multipart("package", "paket.eyp", _padded_v2(os.urandom(900 * 1024)))
    assert len(body) > 900 * 1024
    response = client.post(
        "/v1/eyp/check", data=body, headers={**api_key("integration"), "Content-Type": content_type}
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == "2.0"


def test_hostile_multipart_upload_is_refused_without_touching_the_disk(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], no_side_effects: None
) -> None:
    buf = io.BytesIO(_padded_v2(os.urandom(700 * 1024)))
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("../../etc/evil.txt", b"x")
    body, content_type = _multipart("package", "kotu.eyp", buf.getvalue())
    response = client.post(
        "/v1/eyp/check", data=body, headers={**api_key("integration"), "Content-Type": content_type}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "eyp.unsafe_entry"


class TestBrokenRegistry:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        broken = tmp_path / "broken.json"
        broken.write_text("[", "utf-8")
        return {"detsis": {"registry": str(broken)}}

    def test_a_broken_registry_is_the_service_s_fault(
        self, client: FlaskClient, api_key: Callable[..., dict[str, str]], tmp_path: Path
    ) -> None:
        body = (DATA / "paketv1x.eyp").read_bytes()
        headers = {**api_key("integration"), "Content-Type": "application/octet-stream"}
        response = client.post("/v1/eyp/check", data=body, headers=headers)
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "detsis.registry_unavailable"
        assert str(tmp_path) not in str(error)
