"""Cards for the token-doctor tests, built for real on SoftHSM2 (and the PIN-counter wrapper).

Every card is created once per test session (labels are unique) from the test PKI's signers; each
pin-counter test makes its own card, since the counter state is the point of the test.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

#: The right PIN of every card here, and a wrong one; both are grepped for in every output.
PIN = "739164"
WRONG_PIN = "864209"


@dataclass(frozen=True)
class Card:
    label: str
    serial: str
    module: str


def _always_authenticate_key(softhsm: Any, label: str, signer: Any, key_id: bytes) -> None:
    """Import the signer's RSA private key with CKA_ALWAYS_AUTHENTICATE (cards with re-PIN keys)."""
    from asn1crypto import keys as asn1_keys
    from pkcs11 import Attribute
    from pkcs11.util.rsa import decode_rsa_private_key

    pkinfo = asn1_keys.PrivateKeyInfo.load(signer.key_der.read_bytes())
    attrs = decode_rsa_private_key(pkinfo["private_key"].parsed.dump())
    attrs.update(
        {
            Attribute.TOKEN: True,
            Attribute.ID: key_id,
            Attribute.LABEL: signer.name,
            Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.ALWAYS_AUTHENTICATE: True,
        }
    )
    with softhsm.session(label, rw=True, user_pin=PIN) as sess:
        sess.create_object(attrs)


@pytest.fixture(scope="session")
def cards(softhsm: Any, pki: Any) -> dict[str, Card]:
    """name → card on the plain SoftHSM2 module (created before any diagnosis opens a session)."""
    made: dict[str, Card] = {}

    def card(name: str, signer: str | None = None, *, init_user_pin: bool = True, **kwargs: Any) -> None:
        info = softhsm.create_token(f"doc-{name}", user_pin=PIN, init_user_pin=init_user_pin)
        if signer is not None:
            softhsm.import_signer(info.label, pki.signer(signer), key_id=b"\x01", user_pin=PIN, **kwargs)
        made[name] = Card(info.label, info.serial, softhsm.module)

    card("healthy", "rsa")
    card("healthy-ec", "ec")
    card("healthy-ec384", "ec384")
    card("empty")
    card("cert-only", "rsa", with_private=False, with_public=False)
    card("key-only", "rsa", with_cert=False)
    card("enc-only", "enc_only")
    card("expired", "expired")
    card("notyet", "notyet")
    card("untrusted", "untrusted")
    card("revoked", "revoked")
    card("nonqc", "nonqc")
    card("no-pin", init_user_pin=False)
    card("mismatch", "rsa", with_private=False, with_public=False)
    softhsm.import_signer(
        made["mismatch"].label, pki.signer("ec"), key_id=b"\x01", user_pin=PIN, with_cert=False
    )
    card("reauth", "rsa", with_private=False)
    _always_authenticate_key(softhsm, made["reauth"].label, pki.signer("rsa"), b"\x01")
    return made


@pytest.fixture
def counted_card(softhsm: Any, pki: Any, pincounter: Any, token_factory: Any) -> Callable[[int], Card]:
    """A fresh healthy card seen through the PIN-counter module, starting at ``n`` wrong PINs."""

    def make(wrong_pins: int = 0) -> Card:
        info = token_factory("pc", user_pin=PIN)
        softhsm.import_signer(info.label, pki.signer("rsa"), key_id=b"\x01", user_pin=PIN)
        pincounter.set_count(info.serial, wrong_pins)
        return Card(info.label, info.serial, pincounter.module)

    return make


@pytest.fixture(scope="session")
def trust(pki: Any) -> list[str]:
    """The test root (an anchor) and the NES test CA (an intermediate), as --trust paths."""
    return [str(pki.root_pem), str(pki.ca_pem)]


@pytest.fixture(autouse=True)
def _no_pin_anywhere(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Every test here: the PINs appear in no log record (DEBUG and up) and nothing written to fd 1/2."""
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capfd.readouterr()
    sys.stdout.write(out)
    sys.stderr.write(err)
    for text in (caplog.text, out, err):
        assert PIN not in text and WRONG_PIN not in text


def no_pin_in(diagnosis: Any) -> None:
    """The diagnosis, in both languages and as JSON, carries neither PIN."""
    text = json.dumps([diagnosis.as_dict("tr"), diagnosis.as_dict("en")], ensure_ascii=False)
    assert PIN not in text and WRONG_PIN not in text
