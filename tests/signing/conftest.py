"""Shared fixtures of the signing tests: PKCS#12 signers from the test PKI, small PDFs, outside verifiers.

Everything we produce is checked with tools we did not write: ``openssl cms -verify`` (CAdES),
pyHanko's validator (PAdES) and ``xmlsec1 --verify`` (XAdES).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms

from ebys_support.signing import PKCS12Signer
from tests.verification._helpers import minimal_pdf


@pytest.fixture(scope="session")
def p12(pki: Any) -> Callable[[str], PKCS12Signer]:
    """``p12("rsa")`` → a :class:`PKCS12Signer` for that test-PKI signer (cached)."""
    cache: dict[tuple[str, bool], PKCS12Signer] = {}

    def make(name: str, *, pss: bool = False) -> PKCS12Signer:
        key = (name, pss)
        if key not in cache:
            s = pki.signer(name)
            cache[key] = PKCS12Signer(s.p12, s.p12_password, pss=pss)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return minimal_pdf(2)


@pytest.fixture
def openssl_verify(pki: Any, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run ``openssl cms -verify`` on DER bytes against the test root; ``content`` for detached."""

    # The root and the NES CA: tokens often hold only the signer's certificate, as real cards do.
    bundle = tmp_path / "trust.pem"
    bundle.write_bytes(pki.root_pem.read_bytes() + pki.ca_pem.read_bytes())

    def run(sig: bytes, content: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        p = tmp_path / "sig.der"
        p.write_bytes(sig)
        cmd = [
            "openssl",
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(p),
            "-CAfile",
            str(bundle),
            "-purpose",
            "any",
            "-binary",
            "-out",
            str(tmp_path / "out.bin"),
        ]
        if content is not None:
            c = tmp_path / "content.bin"
            c.write_bytes(content)
            cmd += ["-content", str(c)]
        return subprocess.run(cmd, capture_output=True, check=False)

    return run


@pytest.fixture
def xmlsec_verify(pki: Any) -> Callable[[Path], subprocess.CompletedProcess[bytes]]:
    """Run ``xmlsec1 --verify`` with the test root trusted (in the file's folder, for detached URIs)."""

    def run(path: Path) -> subprocess.CompletedProcess[bytes]:
        cmd = [
            "xmlsec1",
            "--verify",
            "--trusted-pem",
            str(pki.root_pem),
            "--untrusted-pem",
            str(pki.ca_pem),
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            str(path),
        ]
        return subprocess.run(cmd, capture_output=True, cwd=path.parent, check=False)

    return run


def signer_infos(sig: bytes) -> list[cms.SignerInfo]:
    return list(cms.ContentInfo.load(sig)["content"]["signer_infos"])


def attr_names(si: cms.SignerInfo, *, signed: bool = True) -> set[str]:
    attrs = si["signed_attrs" if signed else "unsigned_attrs"]
    if attrs.native is None:
        return set()
    return {a["type"].native for a in attrs}


def attr_value(si: cms.SignerInfo, name: str, *, signed: bool = True) -> Any:
    for a in si["signed_attrs" if signed else "unsigned_attrs"]:
        if a["type"].native == name:
            return a["values"][0]
    raise KeyError(name)


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A loopback URL where nothing listens."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    yield f"http://localhost:{port}/tsa"
