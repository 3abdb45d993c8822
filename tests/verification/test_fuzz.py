"""Robustness: truncated and mutated signed files end in a report or a clear error code, never a crash,
never ``TOTAL_PASSED``.

Inputs are minimal on purpose (the CMS carries only the signer's certificate; the CA comes from the
verifier's pool, warmed first), so that every byte of them is signed or structural and any change must
be caught. Mutations are seeded: the test is deterministic.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from ebys_support.errors import EbysError
from ebys_support.verification import TOTAL_PASSED, Verifier
from tests.verification import _helpers as h

DATA = b"fuzz me " * 64


@pytest.fixture(scope="module")
def warmed(pki: Any, ca_crl: bytes, root_crl: bytes) -> Verifier:
    v = Verifier(trust=[pki.root], revocation="offline", revocation_data=[ca_crl, root_crl])
    v.trust.add_intermediates(
        [__import__("ebys_support.verification._crypto", fromlist=["load_cert"]).load_cert(pki.ca.dump())]
    )
    return v


def _check(v: Verifier, data: bytes, content: bytes | None) -> None:
    try:
        report = v.verify(data, content=content)
    except EbysError as exc:
        assert exc.code.startswith(("verify.", "input.")), exc.code
        return
    assert report.indication != TOTAL_PASSED, report.to_json()


def _minimal_cms(pki: Any, attached: bool) -> bytes:
    from asn1crypto import algos, cms

    si = h.signer_info(pki, "ec", DATA)
    eci: dict[str, Any] = {"content_type": "data"}
    if attached:
        eci["content"] = DATA
    sd = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": eci,
            "certificates": [cms.CertificateChoices({"certificate": pki.signer("ec").cert})],
            "signer_infos": [si],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


@pytest.mark.parametrize("attached", [True, False])
def test_cms_truncated_and_mutated(pki: Any, warmed: Verifier, attached: bool) -> None:
    der = _minimal_cms(pki, attached)
    content = None if attached else DATA
    assert warmed.verify(der, content=content).indication == TOTAL_PASSED
    rng = random.Random(7 + attached)
    for cut in range(0, len(der), 37):
        _check(warmed, der[:cut], content)
    for _ in range(400):
        mutated = bytearray(der)
        pos = rng.randrange(len(mutated))
        mutated[pos] ^= 1 << rng.randrange(8)
        _check(warmed, bytes(mutated), content)


def test_pdf_truncated_and_mutated(pki: Any, warmed: Verifier) -> None:
    signed = h.pyhanko_pdf(pki, "ec", h.minimal_pdf(1), chain=False)
    assert warmed.verify(signed).indication == TOTAL_PASSED
    rng = random.Random(11)
    for cut in range(0, len(signed), max(1, len(signed) // 40)):
        _check(warmed, signed[:cut], None)
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    hex_text = signed[start:end].rstrip(b"0")
    for _ in range(60):
        mutated = bytearray(signed)
        if rng.random() < 0.5:
            pos = rng.randrange(len(mutated))
            if start <= pos < end and pos >= start + len(hex_text):
                continue  # the zero padding after the CMS is not part of any signature
            mutated[pos] ^= 1 << rng.randrange(8)
        else:
            pos = start + rng.randrange(len(hex_text))
            mutated[pos] = ord("0123456789abcdef"[(int(chr(mutated[pos]), 16) + 1) % 16])
        _check(warmed, bytes(mutated), None)


def test_xml_truncated(pki: Any, warmed: Verifier) -> None:
    from ebys_support.signing import PKCS12Signer
    from ebys_support.signing.xades import sign_xml

    s = pki.signer("ec")
    signed = sign_xml(b"<a><b>metin</b></a>", PKCS12Signer(s.p12, s.p12_password), "P1", mode="enveloped")
    assert warmed.verify(signed).indication == TOTAL_PASSED
    for cut in range(0, len(signed), 97):
        _check(warmed, signed[:cut], None)
