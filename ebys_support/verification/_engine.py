"""The verifier: caches shared by every file it checks, format detection, and the public ``verify``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from ebys_support.errors import InputError, UsageError
from ebys_support.trust import bundled_roots, load_certificates
from ebys_support.verification._context import Context
from ebys_support.verification.report import Report
from ebys_support.verification.revocation import RevocationChecker, load_revocation_data
from ebys_support.verification.trust import TrustStore

__all__ = ["Verifier", "verify", "detect_format"]

_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, AssertionError)

#: Largest file :func:`verify` reads (the service has its own, smaller limit).
MAX_FILE_SIZE = 512 * 1024 * 1024


def detect_format(data: bytes) -> str:
    """``pdf``, ``xml`` or ``cms`` from the bytes themselves (never from a file name).

    >>> detect_format(b"%PDF-1.7 ...")
    'pdf'
    >>> detect_format(b'<?xml version="1.0"?><a/>')
    'xml'

    :raises InputError: ``verify.unknown_format``.
    """
    head = data[:1024]
    if data.startswith(b"%PDF-"):
        return "pdf"
    # An attached CAdES (.imz) of a PDF holds "%PDF-" a few bytes in: a DER SEQUENCE comes first.
    if data[:1] == b"\x30":
        return "cms"
    if b"%PDF-" in head:
        return "pdf"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xml"
    if pem.detect(data):
        return "cms-pem"
    try:
        decoded = base64.b64decode(b"".join(data.split()), validate=True)
        if decoded[:1] == b"\x30":
            return "cms-base64"
    except (binascii.Error, ValueError):
        pass
    raise InputError("verify.unknown_format")


class Verifier:
    """Verifies signed files; reuse one instance to share chain, revocation and time-stamp caches.

    :param trust: extra trust anchors: paths (PEM/DER file or directory) or asn1crypto certificates,
        added to the bundled KamuSM NES roots.
    :param revocation: ``online``, ``offline`` (embedded and given data only) or ``off``.
    :param revocation_data: CRL/OCSP-response files or directories, or their DER bytes.
    :param cache_dir: folder for fetched revocation data shared between processes.
    :param timeout: seconds for each OCSP/CRL/caIssuers request.
    :param show_national_id: report the T.C. Kimlik No unmasked.
    :param include_bundled_roots: trust the bundled KamuSM roots (default ``True``).
    :param fetch_hosts: host patterns whose OCSP/CRL/caIssuers URLs may be fetched online (``host``,
        ``*.domain``, ``*``); ``None`` allows any host. See
        :func:`~ebys_support.verification.revocation.host_allowed`.
    """

    def __init__(
        self,
        *,
        trust: Iterable[str | Path | asn1_x509.Certificate | bytes] | None = None,
        revocation: str = "online",
        revocation_data: Iterable[str | Path | bytes] | None = None,
        cache_dir: str | Path | None = None,
        timeout: float = 10.0,
        show_national_id: bool = False,
        include_bundled_roots: bool = True,
        fetch_hosts: Iterable[str] | None = None,
    ) -> None:
        anchors: list[asn1_x509.Certificate | bytes] = list(bundled_roots()) if include_bundled_roots else []
        for item in trust or ():
            if isinstance(item, asn1_x509.Certificate | bytes):
                anchors.append(item)
            else:
                anchors.extend(load_certificates(item))
        given: list[bytes] = []
        paths: list[str | Path] = []
        for item in revocation_data or ():
            if isinstance(item, bytes):
                given.append(item)
            else:
                paths.append(item)
        given.extend(load_revocation_data(paths))
        self.revocation = RevocationChecker(
            revocation, given=given, cache_dir=cache_dir, timeout=timeout, fetch_hosts=fetch_hosts
        )
        self.trust = TrustStore(
            anchors, fetch_issuer=self.revocation.fetch_certificates, fetch_allowed=self.revocation.allowed
        )
        self.show_national_id = show_national_id
        self._tst_cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def verify(
        self,
        signed: bytes | str | Path,
        *,
        content: bytes | str | Path | None = None,
        at: datetime | None = None,
        name: str | None = None,
        show_national_id: bool | None = None,
        detached_content: bytes | str | Path | None = None,
    ) -> Report:
        """Verify every signature in ``signed``; see :func:`verify`.

        :param show_national_id: overrides the verifier's setting for this call.
        :param detached_content: the original, used only if the signature does not carry its content
            (for files paired by name, ``NAME.p7s``/``NAME.imz`` beside ``NAME``); unlike ``content``,
            it is not compared with encapsulated content.
        """
        data, file_name = _read(signed, "signed")
        if name is None:
            name = file_name
        content_bytes = _read(content, "content")[0] if content is not None else None
        ctx_fallback = _read(detached_content, "content")[0] if detached_content is not None else None
        if at is not None and at.tzinfo is None:
            raise UsageError("verify.naive_time", details={"time": at.isoformat()})
        ctx = Context(self, now=at or datetime.now(UTC), at_given=at is not None)
        ctx.show_national_id = self.show_national_id if show_national_id is None else show_national_id
        ctx.detached_content = ctx_fallback
        try:
            return self._dispatch(ctx, data, content_bytes, name)
        except _PARSE_ERRORS as exc:
            # asn1crypto and pyHanko parse lazily: a malformed structure can surface anywhere.
            raise InputError(
                "verify.not_signed", details={"reason": str(exc)[:200] or type(exc).__name__}
            ) from exc

    def _dispatch(self, ctx: Context, data: bytes, content_bytes: bytes | None, name: str | None) -> Report:
        fmt = detect_format(data)
        if fmt == "pdf":
            from ebys_support.verification.pades import verify_pades

            return verify_pades(ctx, data, name)
        if fmt == "xml":
            from ebys_support.verification.xades import verify_xades

            return verify_xades(ctx, data, content_bytes, name)
        if fmt == "cms-pem":
            try:
                _, _, der = pem.unarmor(data)
            except ValueError as exc:
                raise InputError("verify.not_signed", details={"reason": str(exc)}) from exc
            data = bytes(der)
        elif fmt == "cms-base64":
            data = base64.b64decode(b"".join(data.split()))
        from ebys_support.verification.cades import verify_cades

        return verify_cades(ctx, data, content_bytes, name)


def _read(source: bytes | str | Path, what: str) -> tuple[bytes, str | None]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), None
    p = Path(source)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_SIZE:
            raise InputError("verify.too_large", details={"path": str(p), "limit": MAX_FILE_SIZE})
        return p.read_bytes(), p.name
    except FileNotFoundError as exc:
        raise InputError("input.not_found", details={"path": str(p)}) from exc
    except IsADirectoryError as exc:
        raise InputError("input.unreadable", details={"path": str(p), "reason": "is a directory"}) from exc
    except OSError as exc:
        raise InputError(
            "input.unreadable", details={"path": str(p), "reason": exc.strerror or str(exc)}
        ) from exc


_default: dict[tuple[Any, ...], Verifier] = {}
_default_lock = threading.Lock()


def verify(
    signed: bytes | str | Path,
    *,
    content: bytes | str | Path | None = None,
    trust: Iterable[str | Path | asn1_x509.Certificate | bytes] | None = None,
    revocation: str = "online",
    at: datetime | None = None,
    revocation_data: Iterable[str | Path | bytes] | None = None,
    show_national_id: bool = False,
) -> Report:
    """Verify every signature of a CAdES, PAdES or XAdES file.

    :param signed: path or bytes; the format is detected from the content.
    :param content: the signed original for a detached signature (path or bytes).
    :param trust: extra trust anchors (paths or certificates) besides the bundled KamuSM roots.
    :param revocation: ``online`` (OCSP/CRL fetched, cached), ``offline`` (only what the file embeds and
        ``revocation_data``) or ``off`` (no revocation check; reported as skipped).
    :param at: validation time (timezone-aware) used when no signature time-stamp proves an earlier one.
    :param revocation_data: CRL/OCSP-response files or directories, or their DER bytes.
    :param show_national_id: report the signer's T.C. Kimlik No unmasked.
    :returns: the :class:`~ebys_support.verification.report.Report`.
    :raises InputError: the input is unreadable or not a signed file (``verify.not_signed``,
        ``verify.unknown_format``, ``verify.unreadable_pdf``, ``verify.unreadable_xml``, ``input.*``).
    :raises UsageError: ``verify.bad_revocation_mode``, ``verify.naive_time``.

    Verifiers are reused between calls with the same trust and revocation settings, so repeated calls
    share their caches; build a :class:`Verifier` yourself for full control.
    """

    def ident(item: Any) -> str:
        # Certificates and data by content (never by id(): a recycled id must not reuse another's trust).
        if isinstance(item, asn1_x509.Certificate):
            return hashlib.sha256(item.dump()).hexdigest()
        if isinstance(item, bytes):
            return hashlib.sha256(item).hexdigest()
        return str(item)

    key = (
        tuple(ident(t) for t in trust or ()),
        revocation,
        tuple(ident(r) for r in revocation_data or ()),
        show_national_id,
    )
    with _default_lock:
        verifier = _default.get(key)
        if verifier is None:
            if len(_default) > 16:
                _default.clear()
            verifier = Verifier(
                trust=trust,
                revocation=revocation,
                revocation_data=revocation_data,
                show_national_id=show_national_id,
            )
            _default[key] = verifier
    return verifier.verify(signed, content=content, at=at)
