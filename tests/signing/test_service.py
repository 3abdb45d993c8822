"""``POST /v1/signatures/sign`` with the service's own signer (PKCS#12 e-seal, or a SoftHSM token)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest

from ebys_support import audit
from tests.signing.conftest import minimal_pdf, signer_infos


@pytest.fixture
def app_config(pki: Any, tmp_path: Path) -> dict[str, Any]:
    s = pki.signer("rsa")
    p12 = tmp_path / "eseal.p12"
    p12.write_bytes(s.p12 if isinstance(s.p12, bytes) else Path(s.p12).read_bytes())
    pw = tmp_path / "eseal.pw"
    pw.write_text(s.p12_password + "\n")
    return {
        "signing": {
            "pkcs12": str(p12),
            "pkcs12_password_file": str(pw),
            "tsa_url": pki.tsa_url,
            "signer_name": "belediye-e-muhur",
            "trust": [str(pki.root_pem)],
        }
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_sign_cades_and_audit(client: Any, api_key: Any, app: Any, openssl_verify: Any, pki: Any) -> None:
    content = "Belediye Meclis Kararı".encode()
    r = client.post(
        "/v1/signatures/sign",
        json={"content": _b64(content), "filename": "karar.txt", "profile": "P2"},
        headers=api_key("signer", name="ebys"),
    )
    assert r.status_code == 200, r.json
    body = r.json
    assert body["filename"] == "karar.txt.imz"
    assert body["digest"] == {"algorithm": "sha256", "value": hashlib.sha256(content).hexdigest()}
    sig = base64.b64decode(body["signature"])
    assert openssl_verify(sig).returncode == 0
    assert "signature_time_stamp_token" in {a["type"].native for a in signer_infos(sig)[0]["unsigned_attrs"]}
    state = app.extensions["ebys"]
    with state.session() as session:
        rec = audit.get(session, body["audit_seq"])
    assert rec.action == "signature.sign"
    assert rec.actor.endswith("ebys")
    assert rec.after["digest"]["value"] == body["digest"]["value"]
    assert rec.after["certificate"]["sha256"] == hashlib.sha256(pki.signer("rsa").cert.dump()).hexdigest()


def test_sign_pades_and_xades(client: Any, api_key: Any) -> None:
    headers = api_key("signer")
    r = client.post(
        "/v1/signatures/sign",
        json={"content": _b64(minimal_pdf()), "filename": "yazi.pdf", "format": "pades", "profile": "P4"},
        headers=headers,
    )
    assert r.status_code == 200, r.json
    assert r.json["level"] == "B-LT"
    assert r.json["filename"] == "yazi.pdf"
    assert base64.b64decode(r.json["signature"]).startswith(b"%PDF")
    r = client.post(
        "/v1/signatures/sign",
        json={
            "content": _b64(b"<a/>"),
            "filename": "a.xml",
            "format": "xades",
            "profile": "P1",
            "enveloped": True,
        },
        headers=headers,
    )
    assert r.status_code == 200, r.json
    assert r.json["filename"] == "a.xml.xades.xml"


def test_role_pin_and_signer_rules(client: Any, api_key: Any) -> None:
    body = {"content": _b64(b"x"), "profile": "P1"}
    assert client.post("/v1/signatures/sign", json=body, headers=api_key("helpdesk")).status_code == 403
    r = client.post("/v1/signatures/sign", json={**body, "pin": "123456"}, headers=api_key("signer"))
    assert r.status_code == 400
    assert r.json["error"]["code"] == "request.invalid"
    r = client.post("/v1/signatures/sign", json={**body, "signer": "baskasi"}, headers=api_key("signer"))
    assert r.status_code == 400
    assert r.json["error"]["code"] == "signing.unknown_signer"
    r = client.post(
        "/v1/signatures/sign", json={**body, "format": "xades", "profile": "P4"}, headers=api_key("signer")
    )
    assert r.status_code == 400
    assert r.json["error"]["code"] == "signing.unsupported_profile"


def test_no_server_signer(app_config: dict[str, Any], client: Any, api_key: Any, app: Any) -> None:
    from service import create_app

    other = create_app({"instance": app.instance_path})
    other.test_client_class = type(client)
    c = other.test_client()
    headers = api_key("signer")
    r = c.post("/v1/signatures/sign", json={"content": _b64(b"x")}, headers=headers)
    assert r.status_code == 400
    assert r.json["error"]["code"] == "signing.no_server_signer"


def test_token_signer_wrong_pin_is_never_retried(
    pki: Any, softhsm: Any, pincounter: Any, token_factory: Any, tmp_path: Path, instance_dir: Path
) -> None:
    """A server-held token with a wrong PIN in its config: one login attempt, then the remembered error."""
    from service import create_app
    from tests.fixtures.service import ContractClient

    tok = token_factory("hsm")
    softhsm.import_signer(tok.label, pki.signer("ec"), key_id=b"\x01")
    pin_file = tmp_path / "pin"
    pin_file.write_text("999999\n")
    app = create_app(
        {
            "instance": instance_dir,
            "signing": {
                "module": pincounter.module,
                "token_label": tok.label,
                "key_id": "01",
                "pin_file": str(pin_file),
            },
        }
    )
    app.test_client_class = ContractClient
    client = app.test_client()
    from ebys_support import apikeys

    with app.extensions["ebys"].session() as session:
        _info, key = apikeys.create(session, "signer", "ebys")
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(3):
        r = client.post("/v1/signatures/sign", json={"content": _b64(b"x"), "profile": "P1"}, headers=headers)
        assert r.status_code == 403
        assert r.json["error"]["code"] == "token.pin_incorrect"
    assert pincounter.count(tok.serial) == 1


def test_token_signer(pki: Any, softhsm: Any, token_factory: Any, tmp_path: Path, instance_dir: Path) -> None:
    from service import create_app

    tok = token_factory("hsm-ok")
    softhsm.import_signer(tok.label, pki.signer("ec"), key_id=b"\x01")
    pin_file = tmp_path / "pin"
    pin_file.write_text(tok.user_pin + "\n")
    app = create_app(
        {
            "instance": instance_dir,
            "signing": {
                "module": softhsm.module,
                "token_label": tok.label,
                "key_id": "01",
                "pin_file": str(pin_file),
            },
        }
    )
    client = app.test_client()
    from ebys_support import apikeys

    with app.extensions["ebys"].session() as session:
        _info, key = apikeys.create(session, "signer", "ebys")
    headers = {"Authorization": f"Bearer {key}"}
    for i in range(2):  # one login serves both requests
        r = client.post(
            "/v1/signatures/sign", json={"content": _b64(b"%d" % i), "profile": "P1"}, headers=headers
        )
        assert r.status_code == 200, r.json
    app.extensions["ebys"].cached("signing.signer", lambda: None).close()


def test_levels_and_formats_the_profile_forbids_are_explained(client: Any, api_key: Any) -> None:
    headers = {**api_key("signer"), "Accept-Language": "tr"}
    pdf = {"content": _b64(minimal_pdf()), "format": "pades"}
    for profile, level in (("P1", "B-LT"), ("P2", "B-LTA"), ("P3", "B-LT")):
        r = client.post(
            "/v1/signatures/sign", json={**pdf, "profile": profile, "level": level}, headers=headers
        )
        assert r.status_code == 400
        err = r.json["error"]
        assert (err["code"], err["details"]["reason"]) == ("signing.unsupported_profile", "pades_level")
        assert "izin verilmez" in err["message"]
    r = client.post("/v1/signatures/sign", json={**pdf, "profile": "P1", "level": "B-T"}, headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["level"] == "B-T"
    r = client.post(
        "/v1/signatures/sign",
        json={"content": _b64(b"<a/>"), "format": "xades", "profile": "P4"},
        headers=headers,
    )
    assert "XAdES olarak üretilmez" in r.json["error"]["message"]


def test_bad_policy_hash_setting(app_config: dict[str, Any], client: Any, api_key: Any, app: Any) -> None:
    from service import create_app

    broken = {**app_config["signing"], "policy_hash": "not-hex"}
    other = create_app({"instance": app.instance_path, "signing": broken})
    other.test_client_class = type(client)
    r = other.test_client().post(
        "/v1/signatures/sign", json={"content": _b64(b"x")}, headers=api_key("signer")
    )
    assert r.status_code == 500
    assert r.json["error"]["code"] == "config.invalid_value"
    assert r.json["error"]["details"]["key"] == "signing.policy_hash"
