"""TokenSigner on SoftHSM2: RSA (PKCS#1 v1.5 and PSS), EC P-256/P-384, PIN per signature, error codes."""

from __future__ import annotations

from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from pkcs11 import Attribute
from pkcs11.util.rsa import decode_rsa_private_key

from ebys_support.errors import InputError
from ebys_support.signing import NoSigningCertificate, TokenSigner, cades
from ebys_support.tokens.errors import KeyMissing, MultipleObjects, PinIncorrect, TokenNotFound
from tests.signing.conftest import signer_infos


@pytest.fixture(scope="module")
def card(pki: Any, softhsm: Any) -> Any:
    """A card with an RSA signing certificate (id 01), an EC P-256 one (02) and an encryption one (03)."""
    tok = softhsm.create_token("imza-karti")
    softhsm.import_signer(tok.label, pki.signer("rsa"), key_id=b"\x01")
    softhsm.import_signer(tok.label, pki.signer("ec"), key_id=b"\x02")
    softhsm.import_signer(tok.label, pki.signer("enc_only"), key_id=b"\x03")
    return tok


@pytest.fixture(scope="module")
def card384(pki: Any, softhsm: Any, card: Any) -> Any:
    tok = softhsm.create_token("ec384-karti")
    softhsm.import_signer(tok.label, pki.signer("ec384"), key_id=b"\x0a")
    return tok


@pytest.fixture(scope="module")
def always_auth_card(pki: Any, softhsm: Any, card384: Any) -> Any:
    """A card whose RSA key has CKA_ALWAYS_AUTHENTICATE (the PIN for every signature)."""
    tok = softhsm.create_token("pin-her-imza")
    signer = pki.signer("rsa")
    softhsm.import_signer(tok.label, signer, key_id=b"\x05", with_private=False)
    pkinfo = asn1_keys.PrivateKeyInfo.load(signer.key_der.read_bytes())
    attrs = decode_rsa_private_key(pkinfo["private_key"].parsed.dump())
    attrs.update(
        {
            Attribute.TOKEN: True,
            Attribute.ID: b"\x05",
            Attribute.LABEL: "rsa",
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.ALWAYS_AUTHENTICATE: True,
        }
    )
    with softhsm.session(tok.label, login=True, rw=True) as s:
        s.create_object(attrs)
    return tok


def test_rsa_and_ec_by_key_id(pki: Any, softhsm: Any, card: Any, openssl_verify: Any) -> None:
    for key_id, algo in ((b"\x01", "sha256_rsa"), (b"\x02", "sha256_ecdsa")):
        with TokenSigner(softhsm.module, token_label=card.label, key_id=key_id, pin=card.user_pin) as signer:
            batch = cades.CAdESSigner(signer, "P1")
            sigs = [batch.sign(f"yazı {i}".encode()) for i in range(3)]  # one login for the batch
        for sig in sigs:
            res = openssl_verify(sig)
            assert res.returncode == 0, res.stderr
        assert signer_infos(sigs[0])[0]["signature_algorithm"]["algorithm"].native == algo


def test_cert_label_and_hex_key_id(softhsm: Any, card: Any, openssl_verify: Any) -> None:
    with TokenSigner(softhsm.module, token_label=card.label, cert_label="ec", pin=card.user_pin) as signer:
        assert signer.key_type == "ec"
    with TokenSigner(softhsm.module, token_serial=card.serial, key_id="01", pin=card.user_pin) as signer:
        assert signer.key_type == "rsa"
        assert openssl_verify(cades.sign(b"x", signer, "P1")).returncode == 0


def test_pss_and_p384(softhsm: Any, card: Any, card384: Any, openssl_verify: Any, pki: Any) -> None:
    with TokenSigner(
        softhsm.module,
        token_label=card.label,
        key_id=b"\x01",
        pin=card.user_pin,
        pss=True,
        extra_certs=[pki.ca],
    ) as signer:
        sig = cades.sign(b"pss", signer, "P1")
    assert openssl_verify(sig).returncode == 0
    assert signer_infos(sig)[0]["signature_algorithm"]["algorithm"].native == "rsassa_pss"
    # A card with one signing certificate: chosen without being told; P-384 signs with SHA-384.
    with TokenSigner(
        softhsm.module, token_label=card384.label, pin=card384.user_pin, extra_certs=[pki.ca]
    ) as signer:
        sig = cades.sign(b"p384", signer, "P1")
    assert openssl_verify(sig).returncode == 0
    assert signer_infos(sig)[0]["signature_algorithm"]["algorithm"].native == "sha384_ecdsa"


def test_pin_for_every_signature(softhsm: Any, always_auth_card: Any, openssl_verify: Any) -> None:
    with TokenSigner(
        softhsm.module, token_label=always_auth_card.label, pin=always_auth_card.user_pin
    ) as signer:
        assert signer.always_authenticate
        sigs = [cades.sign(f"{i}".encode(), signer, "P1") for i in range(2)]
    for sig in sigs:
        assert openssl_verify(sig).returncode == 0


def test_no_signing_certificate(pki: Any, softhsm: Any, card: Any) -> None:
    # The encryption-only certificate cannot sign.
    with pytest.raises(NoSigningCertificate) as exc:
        TokenSigner(softhsm.module, token_label=card.label, key_id=b"\x03", pin=card.user_pin)
    assert exc.value.code == "signing.no_signing_certificate"
    # Two signing certificates and no choice: ambiguous.
    with pytest.raises(MultipleObjects):
        TokenSigner(softhsm.module, token_label=card.label, pin=card.user_pin)


def test_token_errors(softhsm: Any, card: Any) -> None:
    with pytest.raises(TokenNotFound):
        TokenSigner(softhsm.module, token_label="yok-boyle-kart", pin="123456")
    with pytest.raises(KeyMissing):
        TokenSigner(softhsm.module, token_label=card.label, key_id=b"\x77", pin=card.user_pin)
    with pytest.raises(InputError) as exc:
        TokenSigner(softhsm.module, token_label=card.label, key_id="zz", pin=card.user_pin)
    assert exc.value.code == "signing.bad_key_id"


def test_wrong_pin_is_reported_once(softhsm: Any, token_factory: Any, pki: Any, caplog: Any) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    tok = token_factory("yanlis-pin")
    softhsm.import_signer(tok.label, pki.signer("ec"), key_id=b"\x01")
    with pytest.raises(PinIncorrect) as exc:
        TokenSigner(softhsm.module, token_label=tok.label, pin="000917")
    assert exc.value.code == "token.pin_incorrect"
    assert "000917" not in str(exc.value.details) + str(exc.value) + caplog.text
    with TokenSigner(softhsm.module, token_label=tok.label, pin=tok.user_pin) as signer:
        cades.sign(b"x", signer, "P1")
        assert tok.user_pin not in repr(signer) + caplog.text
