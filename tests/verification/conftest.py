"""Fixtures of the verification tests: verifiers over the session test PKI."""

from __future__ import annotations

from typing import Any

import pytest

from ebys_support.verification import Verifier


@pytest.fixture(scope="session")
def online(pki: Any) -> Verifier:
    """Online verifier trusting the test root (OCSP/CRL fetched from the loopback services)."""
    return Verifier(trust=[pki.root], revocation="online", timeout=5)


@pytest.fixture(scope="session")
def ca_crl(pki: Any) -> bytes:
    return bytes(pki.fetch_crl("ca"))


@pytest.fixture(scope="session")
def root_crl(pki: Any) -> bytes:
    return bytes(pki.fetch_crl("root"))


@pytest.fixture(scope="session")
def offline(pki: Any, ca_crl: bytes, root_crl: bytes) -> Verifier:
    """Offline verifier with the NES CA's and the root's CRLs given by the caller."""
    return Verifier(trust=[pki.root], revocation="offline", revocation_data=[ca_crl, root_crl])


@pytest.fixture(scope="session")
def offline_bare(pki: Any) -> Verifier:
    """Offline verifier with no revocation data at all."""
    return Verifier(trust=[pki.root], revocation="offline")
