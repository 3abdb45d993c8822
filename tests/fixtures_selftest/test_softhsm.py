"""Self-tests of the SoftHSM2 fixture: keys of the test PKI on a token sign verifiably."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pkcs11
import pytest
from asn1crypto import keys as asn1_keys
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ecdsa_signature

from tests.fixtures.pki import TestPKI
from tests.fixtures.softhsm import SoftHSM, TokenInfo

DATA = b"EBYS belge \xc3\xb6rne\xc4\x9fi\n"


def _openssl_verify(tmp_path: Path, pubkey_pem: Path, signature: bytes) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(DATA)
    sig = tmp_path / "data.sig"
    sig.write_bytes(signature)
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", str(pubkey_pem), "-signature", str(sig), str(data)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Verified OK" in out.stdout


def _pubkey_from_cert(tmp_path: Path, cert_pem: Path) -> Path:
    pub = tmp_path / "pub.pem"
    subprocess.run(
        ["openssl", "x509", "-in", str(cert_pem), "-pubkey", "-noout", "-out", str(pub)], check=True
    )
    return pub


@pytest.mark.parametrize("name", ["rsa", "ec"])
def test_imported_key_signs_and_openssl_verifies(
    name: str, pki: TestPKI, softhsm: SoftHSM, token_factory: Callable[..., TokenInfo], tmp_path: Path
) -> None:
    token = token_factory(name)
    signer = pki.signer(name)
    softhsm.import_signer(token.label, signer, key_id=b"\x01\x02")
    with softhsm.session(token.label) as sess:
        key = sess.get_key(object_class=ObjectClass.PRIVATE_KEY, id=b"\x01\x02")
        signing = cast(pkcs11.SignMixin, key)
        cert = sess.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: b"\x01\x02"})
        cert_values = [c[Attribute.VALUE] for c in cert]
        pub = sess.get_key(object_class=ObjectClass.PUBLIC_KEY, id=b"\x01\x02")
        assert pub.key_type == key.key_type
        assert not key[Attribute.EXTRACTABLE] and key[Attribute.SENSITIVE]
        assert key.label == name
        if name == "rsa":
            signature = signing.sign(DATA, mechanism=Mechanism.SHA256_RSA_PKCS)
        else:
            # SoftHSM only has raw ECDSA: hash first, output r||s
            raw = signing.sign(hashlib.sha256(DATA).digest(), mechanism=Mechanism.ECDSA)
            signature = encode_ecdsa_signature(raw)
    assert cert_values == [signer.cert.dump()]
    _openssl_verify(tmp_path, _pubkey_from_cert(tmp_path, signer.cert_pem), signature)


def test_token_by_label_and_uninitialised_pin(
    softhsm: SoftHSM, token_factory: Callable[..., TokenInfo]
) -> None:
    fresh = token_factory("nopin", init_user_pin=False)
    tok = softhsm.get_token(fresh.label)
    assert not tok.flags & pkcs11.TokenFlag.USER_PIN_INITIALIZED
    assert tok.flags & pkcs11.TokenFlag.TOKEN_INITIALIZED
    with pytest.raises(ValueError):
        softhsm.create_token(fresh.label)


def test_generate_ec_key_on_token(softhsm: SoftHSM, token_factory: Callable[..., TokenInfo]) -> None:
    token = token_factory("gen")
    der = softhsm.generate_ec_key(token.label, b"\x09", "secp384r1")
    info = asn1_keys.PublicKeyInfo.load(der)
    assert info.curve[1] == "secp384r1"
    with softhsm.session(token.label) as sess:
        priv = sess.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, id=b"\x09")
        assert priv[Attribute.SENSITIVE]


def test_two_certificate_card_and_delete(
    pki: TestPKI, softhsm: SoftHSM, token_factory: Callable[..., TokenInfo]
) -> None:
    token = token_factory("two")
    softhsm.import_signer(token.label, pki.signer("rsa"), key_id=b"\x01", cert_label="imza")
    softhsm.import_signer(token.label, pki.signer("enc_only"), key_id=b"\x02", with_private=False)
    with softhsm.session(token.label) as sess:
        certs = {
            bytes(c[Attribute.ID]): c[Attribute.LABEL]
            for c in sess.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
        }
        privs = [bytes(k[Attribute.ID]) for k in sess.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})]
    assert certs == {b"\x01": "imza", b"\x02": "enc_only"}
    assert privs == [b"\x01"]
    softhsm.delete_token(token.label)
    with pytest.raises(pkcs11.NoSuchToken):
        softhsm.get_token(token.label)
