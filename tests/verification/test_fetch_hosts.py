"""Online fetching is limited to allowed hosts: URLs in certificates of an upload must not steer requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from ebys_support.verification import TOTAL_PASSED, Verifier
from ebys_support.verification.revocation import KAMUSM_FETCH_HOSTS, host_allowed
from tests.verification import _helpers as h

DATA = b"Imar izni, sayi 2025/301.\n" * 20


@pytest.mark.parametrize(
    ("url", "patterns", "expected"),
    [
        ("http://ocsp.kamusm.gov.tr/ocsp", KAMUSM_FETCH_HOSTS, True),
        ("http://depo.kamusm.gov.tr/nes/x.crl", KAMUSM_FETCH_HOSTS, True),
        ("http://kamusm.gov.tr/", KAMUSM_FETCH_HOSTS, True),
        ("http://www.eimza.gov.tr/x", KAMUSM_FETCH_HOSTS, True),
        ("https://kamusm.bilgem.tubitak.gov.tr/x", KAMUSM_FETCH_HOSTS, True),
        ("http://KAMUSM.GOV.TR./x", KAMUSM_FETCH_HOSTS, True),
        ("http://bilgem.tubitak.gov.tr/x", KAMUSM_FETCH_HOSTS, False),
        ("http://evilkamusm.gov.tr/x", KAMUSM_FETCH_HOSTS, False),
        ("http://kamusm.gov.tr.example.com/x", KAMUSM_FETCH_HOSTS, False),
        ("http://169.254.169.254/latest/meta-data", KAMUSM_FETCH_HOSTS, False),
        ("http://localhost:8080/crl", KAMUSM_FETCH_HOSTS, False),
        ("http://user@kamusm.gov.tr@127.0.0.1/x", KAMUSM_FETCH_HOSTS, False),
        ("ftp://kamusm.gov.tr/x", KAMUSM_FETCH_HOSTS, False),
        ("http://kamusm.gov.tr:bad/x", KAMUSM_FETCH_HOSTS, False),
        ("http://localhost:8080/crl", ["localhost"], True),
        ("http://anything.example/x", ["*"], True),
        ("http://anything.example/x", None, True),
        ("file:///etc/passwd", None, False),
        ("http://anything.example/x", [], False),
        ("http://[::1]:8080/crl", ["[::1]"], True),
        ("http://[::1]:8080/crl", KAMUSM_FETCH_HOSTS, False),
    ],
)
def test_host_allowed(url: str, patterns: Any, expected: bool) -> None:
    assert host_allowed(url, patterns) is expected


def test_revocation_host_not_allowed_is_indeterminate(pki: Any) -> None:
    verifier = Verifier(trust=[pki.root], revocation="online", timeout=5, fetch_hosts=["ocsp.example.org"])
    report = verifier.verify(h.cades(pki, "rsa", DATA, attached=True))
    sig = report.signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "TRY_LATER")
    check = next(c for c in sig.checks if c.id == "revocation")
    assert check.code == "verify.revocation.host_not_allowed"
    assert "localhost" in check.message("en") and "fetch_hosts" in check.message("tr")
    assert verifier.revocation.fetch_count == 0


def test_allowed_host_is_fetched(pki: Any) -> None:
    verifier = Verifier(trust=[pki.root], revocation="online", timeout=5, fetch_hosts=["localhost"])
    report = verifier.verify(h.cades(pki, "rsa", DATA, attached=True))
    assert report.indication == TOTAL_PASSED, report.to_json()
    assert verifier.revocation.fetch_count > 0


def test_ca_issuers_host_not_allowed(pki: Any) -> None:
    si = h.signer_info(pki, "ec384", DATA)
    der = h.signed_data(pki, [si], content=DATA, names=("ec384",), chain=False)
    verifier = Verifier(trust=[pki.root], revocation="online", timeout=5, fetch_hosts=KAMUSM_FETCH_HOSTS)
    sig = verifier.verify(der).signatures[0]
    assert (sig.indication, sig.sub_indication) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    check = next(c for c in sig.checks if c.id == "chain")
    assert check.code == "verify.chain.host_not_allowed"
    assert "localhost" in check.message("tr")
    assert verifier.revocation.fetch_count == 0


@pytest.fixture
def redirector(pki: Any) -> Iterator[str]:
    """A loopback server on ``localhost`` redirecting every request to ``127.0.0.1`` (another host name)."""
    target = pki.base_url.replace("localhost", "127.0.0.1")

    class Handler(BaseHTTPRequestHandler):
        def _redirect(self) -> None:
            self.send_response(307)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _redirect  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_redirect_to_another_host_is_not_followed(pki: Any, redirector: str) -> None:
    only_localhost = Verifier(revocation="online", timeout=5, fetch_hosts=["localhost"])
    crl_path = pki.crl_url.removeprefix(pki.base_url)
    assert only_localhost.revocation._get(redirector + crl_path, None) is None
    assert only_localhost.revocation.fetch_count == 1  # the redirect was asked for, its target was not
    both = Verifier(revocation="online", timeout=5, fetch_hosts=["localhost", "127.0.0.1"])
    assert both.revocation._get(redirector + crl_path, None)


def test_certificate_without_revocation_addresses(pki: Any) -> None:
    """Online, a certificate naming no OCSP/CRL address is reported as such, not as "unreachable"."""
    from datetime import UTC, datetime

    from ebys_support.verification._crypto import load_cert
    from ebys_support.verification.revocation import RevocationChecker

    responder = load_cert(pki.cert("ocsp").dump())  # the OCSP responder's certificate names neither
    checker = RevocationChecker("online", timeout=5)
    status = checker.status(responder, load_cert(pki.ca.dump()), datetime.now(UTC))
    assert (status.status, status.code) == ("unknown", "verify.revocation.no_source")
    assert checker.fetch_count == 0
