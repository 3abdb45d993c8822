"""Revocation data that must not clear a revoked certificate: stale, forged, or about someone else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from asn1crypto import ocsp

from ebys_support.verification import TOTAL_PASSED, Verifier
from tests.verification import _helpers as h

DATA = b"Ruhsat 2025/12.\n" * 10


def _forged_ocsp(pki: Any) -> bytes:
    """A "good" answer about ``rsa`` whose signature no longer verifies."""
    der = bytearray(pki.fetch_ocsp("rsa"))
    basic = ocsp.OCSPResponse.load(bytes(der))["response_bytes"]["response"].parsed
    sig = basic["signature"].native
    i = bytes(der).rindex(sig)
    der[i + len(sig) // 2] ^= 0x01
    return bytes(der)


@pytest.mark.parametrize(
    "evidence",
    [
        lambda pki: pki.fetch_crl(
            "ca", at=datetime(2024, 5, 1, tzinfo=UTC)
        ),  # before revocation, long expired
        lambda pki: pki.fetch_ocsp("rsa"),  # "good", but about another certificate
        lambda pki: pki.fetch_crl("untrusted_root"),  # another issuer's CRL
    ],
    ids=["stale-crl", "ocsp-for-another-certificate", "crl-of-another-issuer"],
)
def test_evidence_that_does_not_apply_is_not_used(pki: Any, root_crl: bytes, evidence: Any) -> None:
    verifier = Verifier(
        trust=[pki.root], revocation="offline", revocation_data=[bytes(evidence(pki)), root_crl]
    )
    sig = verifier.verify(h.cades(pki, "revoked", DATA, attached=True)).signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    assert "verify.revocation.no_data" in {c.code for c in sig.checks}


def test_forged_ocsp_answer_is_not_used(pki: Any, root_crl: bytes) -> None:
    genuine = Verifier(
        trust=[pki.root], revocation="offline", revocation_data=[pki.fetch_ocsp("rsa"), root_crl]
    )
    der = h.cades(pki, "rsa", DATA, attached=True)
    assert genuine.verify(der).indication == TOTAL_PASSED
    forged = Verifier(trust=[pki.root], revocation="offline", revocation_data=[_forged_ocsp(pki), root_crl])
    sig = forged.verify(der).signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "TRY_LATER")


def test_timestamp_from_an_untrusted_tsa_is_no_proof(pki: Any, ca_crl: bytes) -> None:
    """The NES CA alone is trusted: the signer's chain ends there, the TSA's (under the root) does not.

    The signer's certificate is revoked; a time-stamp from a trusted TSA would prove the signature was
    made before (see test_cades), an untrusted one must not.
    """
    si = h.add_timestamp(pki, h.signer_info(pki, "revoked", DATA))
    der = h.signed_data(pki, [si], content=DATA, names=("revoked",))
    verifier = Verifier(
        trust=[pki.ca], revocation="offline", revocation_data=[ca_crl], include_bundled_roots=False
    )
    report = verifier.verify(der, at=datetime(2024, 5, 1, tzinfo=UTC))
    sig = report.signatures[0]
    codes = {c.code for c in sig.checks}
    assert "verify.timestamp.untrusted" in codes
    assert report.indication != TOTAL_PASSED
    assert sig.signing_time is not None and sig.signing_time["source"] != "timestamp"
