"""``POST /v1/signatures/verify``: raw body and multipart, roles, errors, audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ebys_support import audit
from tests.verification import _helpers as h

DATA = b"Hizmete ozel yazi.\n" * 10


@pytest.fixture
def app_config(pki: Any, request: pytest.FixtureRequest) -> dict[str, Any]:
    # The test PKI publishes its OCSP/CRL/CA certificates on localhost, which the service does not fetch
    # from by default (only KamuSM's hosts).
    verification = {
        "trust": [str(pki.root_pem)],
        "revocation": "online",
        "timeout": 5,
        "fetch_hosts": ["localhost"],
    }
    verification.update(getattr(request, "param", {}))
    return {"verification": verification}


def test_raw_body(client: FlaskClient, api_key: Callable[..., dict[str, str]], pki: Any, app: Flask) -> None:
    der = h.cades(pki, "rsa", DATA, attached=True)
    r = client.post(
        "/v1/signatures/verify",
        data=der,
        headers=api_key("integration"),
        content_type="application/octet-stream",
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["indication"] == "TOTAL_PASSED" and body["format"] == "CAdES-attached"
    assert "*" in body["signatures"][0]["signer"]["national_id"]
    with app.extensions["ebys"].session() as session:
        rec = [x for x in audit.records(session) if x.action == "signature.verify"]
    assert rec and rec[-1].after["indication"] == "TOTAL_PASSED"
    assert rec[-1].entity_id == __import__("hashlib").sha256(der).hexdigest()
    # The verifier (and its caches) is shared between requests.
    r = client.post("/v1/signatures/verify?revocation=offline", data=der, headers=api_key("integration"))
    assert r.status_code == 200


def test_multipart_detached_in_turkish(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], pki: Any
) -> None:
    import io

    der = h.cades(pki, "ec", DATA)
    r = client.post(
        "/v1/signatures/verify",
        data={"file": (io.BytesIO(der), "yazi.txt.p7s"), "content": (io.BytesIO(DATA), "yazi.txt")},
        headers=api_key("helpdesk", lang="tr"),
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["file"] == "yazi.txt.p7s" and body["indication"] == "TOTAL_PASSED"
    assert "değişmemiş" in body["signatures"][0]["checks"][0]["message"]
    r = client.post(
        "/v1/signatures/verify",
        data={"file": (io.BytesIO(der), "yazi.txt.p7s")},
        headers=api_key("integration"),
        content_type="multipart/form-data",
    )
    assert r.get_json()["signatures"][0]["sub_indication"] == "SIGNED_DATA_NOT_FOUND"


def test_national_id_needs_helpdesk(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], pki: Any
) -> None:
    der = h.cades(pki, "rsa", DATA, attached=True)
    r = client.post("/v1/signatures/verify?show_national_id=true", data=der, headers=api_key("integration"))
    assert r.status_code == 403
    r = client.post("/v1/signatures/verify?show_national_id=true", data=der, headers=api_key("helpdesk"))
    assert r.get_json()["signatures"][0]["signer"]["national_id"] == pki.signer("rsa").tckn


def test_errors(client: FlaskClient, api_key: Callable[..., dict[str, str]], pki: Any) -> None:
    import io

    headers = api_key("integration")
    assert client.post("/v1/signatures/verify", data=b"x").status_code == 401
    r = client.post("/v1/signatures/verify", data=b"", headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "verify.no_file"
    r = client.post(
        "/v1/signatures/verify",
        data={"content": (io.BytesIO(b"x"), "a")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert r.get_json()["error"]["code"] == "verify.no_file"
    r = client.post("/v1/signatures/verify", data=b"plain text", headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "verify.unknown_format"
    r = client.post("/v1/signatures/verify?revocation=maybe", data=b"x", headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "verify.bad_revocation_mode"
    r = client.post("/v1/signatures/verify?at=yesterday", data=b"x", headers=headers)
    assert r.get_json()["error"]["code"] == "verify.bad_time"
    r = client.post("/v1/signatures/verify?at=2025-01-01T00:00:00", data=b"x", headers=headers)
    assert r.get_json()["error"]["code"] == "verify.naive_time"
    der = h.cades(pki, "rsa", DATA, attached=True)
    r = client.post("/v1/signatures/verify?at=2025-01-01T00:00:00Z", data=der, headers=headers)
    assert r.status_code == 200


@pytest.mark.parametrize("app_config", [{"verification": {"trust": ["yok/kok.pem"]}}])
def test_bad_trust_in_configuration(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    r = client.post("/v1/signatures/verify", data=b"x", headers=api_key("integration"))
    assert r.get_json()["error"]["code"] == "config.invalid_value", r.get_json()
    assert r.status_code == 500


@pytest.mark.parametrize("app_config", [{"fetch_hosts": []}], indirect=True)
def test_default_fetch_hosts_are_kamusm_only(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], pki: Any
) -> None:
    """An upload's certificates name URLs on localhost: the service does not fetch them by default."""
    r = client.post(
        "/v1/signatures/verify", data=h.cades(pki, "rsa", DATA, attached=True), headers=api_key("integration")
    )
    assert r.status_code == 200, r.get_json()
    sig = r.get_json()["signatures"][0]
    assert (sig["indication"], sig["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    assert any(c["code"] == "verify.revocation.host_not_allowed" for c in sig["checks"]), sig["checks"]


@pytest.mark.parametrize("app_config", [{"fetch_hosts": ["kamusm.gov.tr/ocsp"]}], indirect=True)
def test_bad_fetch_hosts_in_configuration(
    client: FlaskClient, api_key: Callable[..., dict[str, str]]
) -> None:
    r = client.post("/v1/signatures/verify", data=b"x", headers=api_key("integration"))
    assert r.status_code == 500
    assert r.get_json()["error"]["details"]["key"] == "verification.fetch_hosts", r.get_json()
