"""A CRL is evidence only for the certificates in its scope: partitioned, foreign-point or unknown CRLs
never say "not revoked" (RFC 5280 §5.2.5, §6.3.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ebys_support.verification import Verifier
from tests.verification import _helpers as h

DATA = b"Encumen karari 2025/88.\n" * 10


def _crl(pki: Any, extension: x509.ExtensionType | None, critical: bool = True) -> bytes:
    """An empty CRL of the NES CA, signed with its key, carrying ``extension``."""
    key = serialization.load_pem_private_key((pki.key_dir / "ca.key.pem").read_bytes(), None)
    ca = x509.load_der_x509_certificate(pki.ca.dump())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + timedelta(days=1))
        .add_extension(x509.CRLNumber(10_000), critical=False)
    )
    if extension is not None:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


def _idp(**kw: Any) -> x509.IssuingDistributionPoint:
    args: dict[str, Any] = {
        "full_name": None,
        "relative_name": None,
        "only_contains_user_certs": False,
        "only_contains_ca_certs": False,
        "only_some_reasons": None,
        "indirect_crl": False,
        "only_contains_attribute_certs": False,
    }
    args.update(kw)
    return x509.IssuingDistributionPoint(**args)


@pytest.mark.parametrize(
    "extension",
    [
        _idp(only_contains_ca_certs=True),
        _idp(only_some_reasons=frozenset({x509.ReasonFlags.ca_compromise})),
        _idp(only_contains_attribute_certs=True),
        _idp(full_name=[x509.UniformResourceIdentifier("http://localhost:1/other/partition.crl")]),
        x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"),
    ],
    ids=["ca-only", "some-reasons", "attribute-certs", "other-point", "unknown-critical"],
)
def test_out_of_scope_crl_does_not_clear_a_revoked_certificate(
    pki: Any, root_crl: bytes, extension: Any
) -> None:
    der = h.cades(pki, "revoked", DATA, attached=True)
    scoped = Verifier(
        trust=[pki.root], revocation="offline", revocation_data=[_crl(pki, extension), root_crl]
    )
    sig = scoped.verify(der).signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    assert "verify.revocation.no_data" in {c.code for c in sig.checks}


def test_in_scope_partitioned_crl_is_used(pki: Any, root_crl: bytes) -> None:
    # An end-entity-only CRL for the certificate's own distribution point is evidence ...
    point = x509.UniformResourceIdentifier(pki.crl_url)
    crl = _crl(pki, _idp(only_contains_user_certs=True, full_name=[point]))
    report = Verifier(trust=[pki.root], revocation="offline", revocation_data=[crl, root_crl]).verify(
        h.cades(pki, "rsa", DATA, attached=True)
    )
    assert "verify.revocation.good" in {c.code for c in report.signatures[0].checks}, report.to_json()
    # ... and the real CRL still revokes.
    real = Verifier(trust=[pki.root], revocation="offline", revocation_data=[pki.fetch_crl("ca"), root_crl])
    assert real.verify(h.cades(pki, "revoked", DATA, attached=True)).indication != "TOTAL_PASSED"
