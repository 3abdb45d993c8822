"""Read certificates for the inventory: certificate files, token inventories, verification reports.

Each reader returns :class:`CertRecord` values; the store deduplicates them by issuer and serial. The
token inventory is the JSON of ``ebys-support token list --json`` and the verification report the JSON
of ``ebys-support verify --json``; both are read defensively (any nesting, unknown keys ignored, a
certificate lacking issuer or serial skipped and counted).

Serials are kept as lower-case hexadecimal without leading zeros (as the token inventory prints them).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509

from ebys_support.errors import InputError
from ebys_support.kamusm import tckn as tckn_mod

__all__ = [
    "CertRecord",
    "from_der",
    "read_certificate_file",
    "read_token_inventory",
    "read_verification_report",
    "read_any",
    "normalize_serial",
    "issuer_key",
]

_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class CertRecord:
    """What the inventory keeps of a certificate."""

    issuer: str
    serial: str
    subject: str = ""
    tckn: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    card_serial: str | None = None
    token_label: str | None = None
    sha256: str | None = None


_NAME_PART = re.compile(r"(?<!\\)[,;+\n]")
_LABEL = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9 .-]*?\s*:\s|[A-Za-z][A-Za-z0-9.]*\s*=)")


def issuer_key(issuer: str) -> str:
    """A comparison key for an issuer name, the same for the spellings tools print: asn1crypto's
    ``Common Name: X, Country: TR``, RFC 4514 ``CN=X,C=TR`` (any order), case and Turkish letters aside.

    >>> issuer_key("Common Name: Kamu SM, Country: TR") == issuer_key("C=TR,CN=KAMU SM")
    True
    """
    from ebys_support.i18n.turkish import search_key

    values = []
    for part in _NAME_PART.split(issuer):
        value = _LABEL.sub("", part, count=1).strip().replace("\\,", ",")
        if value:
            values.append(search_key(value))
    return "|".join(sorted(values))[:500]


def normalize_serial(value: Any, *, decimal: bool = False) -> str:
    """Lower-case hex without leading zeros; ``decimal`` says how to read a string of digits only.

    >>> normalize_serial("00:1A:2b"), normalize_serial(26, decimal=True), normalize_serial("26", decimal=True)
    ('1a2b', '1a', '1a')
    """
    if isinstance(value, bool):
        raise ValueError("serial")
    if isinstance(value, int):
        return format(value, "x")
    text = str(value).strip().lower().replace(":", "").replace(" ", "")
    if text.startswith("0x"):
        text, decimal = text[2:], False
    if decimal and text.isdigit():
        return format(int(text), "x")
    if not text or not _HEX.match(text):
        raise ValueError("serial")
    return text.lstrip("0") or "0"


def _tckn_of(subject: x509.Name) -> str | None:
    value = subject.native.get("serial_number")
    if isinstance(value, str):
        digits = value.strip()
        for prefix in ("TCKN", "PNOTR-"):
            if digits.upper().startswith(prefix):
                digits = digits[len(prefix) :]
        if tckn_mod.is_valid(digits):
            return digits
    return None


_SUBJECT_TCKN = re.compile(r"(?:Serial Number|serialNumber|SERIALNUMBER)\s*[:=]\s*(?:TCKN|PNOTR-)?(\d{11})\b")


def _tckn_in_text(subject: str) -> str | None:
    """The T.C. Kimlik No in a printed subject name (``Serial Number: 10000000146``), when valid.

    >>> _tckn_in_text("Country: TR, Serial Number: 10000000146, Common Name: Ayşe Yılmaz")
    '10000000146'
    """
    match = _SUBJECT_TCKN.search(subject)
    return match.group(1) if match and tckn_mod.is_valid(match.group(1)) else None


def from_der(der: bytes, *, card_serial: str | None = None, token_label: str | None = None) -> CertRecord:
    """A record from one DER certificate. :raises ValueError: not a certificate."""
    cert = x509.Certificate.load(der)
    tbs = cert["tbs_certificate"]
    validity = tbs["validity"]
    return CertRecord(
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        subject=cert.subject.human_friendly,
        tckn=_tckn_of(cert.subject),
        not_before=validity["not_before"].native.astimezone(UTC),
        not_after=validity["not_after"].native.astimezone(UTC),
        card_serial=card_serial,
        token_label=token_label,
        sha256=hashlib.sha256(der).hexdigest(),
    )


def read_certificate_file(path: Path, data: bytes | None = None) -> list[CertRecord]:
    """Every certificate in a PEM (one or many) or DER file.

    :raises InputError: ``kamusm.not_a_certificate``.
    """
    raw = path.read_bytes() if data is None else data
    ders: list[bytes] = []
    try:
        if pem.detect(raw):
            for kind, _headers, der in pem.unarmor(raw, multiple=True):
                if kind == "CERTIFICATE":
                    ders.append(der)
        else:
            ders.append(raw)
        records = [from_der(der) for der in ders]
        for r in records:
            r.issuer.encode("utf-8")  # force lazy parsing errors now
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise InputError("kamusm.not_a_certificate", details={"path": str(path)}) from exc
    if not records:
        raise InputError("kamusm.not_a_certificate", details={"path": str(path)})
    return records


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _record_from_mapping(
    cert: Mapping[str, Any], *, card_serial: str | None, token_label: str | None, tckn_hint: str | None
) -> CertRecord | None:
    issuer = cert.get("issuer")
    # Both our token inventory ("serial") and our verification report ("serial_number") print the serial
    # in hexadecimal; a JSON number is the integer itself.
    serial_raw: Any = cert.get("serial")
    if serial_raw is None:
        serial_raw = cert.get("serial_number")
    decimal = isinstance(serial_raw, int)
    if not isinstance(issuer, str) or not issuer or serial_raw is None:
        return None
    try:
        serial = normalize_serial(serial_raw, decimal=decimal)
    except ValueError:
        return None
    tckn = cert.get("tckn") or cert.get("national_id") or tckn_hint
    if not (isinstance(tckn, str) and tckn_mod.is_valid(tckn)):
        # A verification report masks the signer's number (10*******46) unless asked not to; the
        # subject's serialNumber attribute, printed in full, still names the holder.
        tckn = _tckn_in_text(str(cert.get("subject") or ""))
    sha = cert.get("sha256")
    return CertRecord(
        issuer=issuer,
        serial=serial,
        subject=str(cert.get("subject") or ""),
        tckn=tckn,
        not_before=_date(cert.get("not_before")),
        not_after=_date(cert.get("not_after")),
        card_serial=card_serial,
        token_label=token_label,
        sha256=sha.lower() if isinstance(sha, str) and len(sha) == 64 else None,
    )


def _walk_tokens(node: Any, card: str | None, label: str | None) -> Iterator[CertRecord | None]:
    if isinstance(node, Mapping):
        # A token object carries its label and serial next to its certificates.
        if isinstance(node.get("certificates"), list):
            card = str(node.get("serial") or card or "").strip() or None
            label = str(node.get("label") or label or "").strip() or None
            for c in node["certificates"]:
                if isinstance(c, Mapping):
                    yield _record_from_mapping(c, card_serial=card, token_label=label, tckn_hint=None)
                else:
                    yield None
        for key, value in node.items():
            if key != "certificates":
                yield from _walk_tokens(value, card, label)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_tokens(item, card, label)


def read_token_inventory(data: Any) -> tuple[list[CertRecord], int]:
    """Certificates of a ``token list --json`` document, with the number of entries skipped."""
    out: list[CertRecord] = []
    skipped = 0
    for rec in _walk_tokens(data, None, None):
        if rec is None:
            skipped += 1
        else:
            out.append(rec)
    return out, skipped


def _walk_signatures(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        if isinstance(node.get("certificate"), Mapping):
            yield node
        for value in node.values():
            yield from _walk_signatures(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_signatures(item)


def read_verification_report(data: Any) -> tuple[list[CertRecord], int]:
    """Signer certificates of a verification report (any number of files and countersignatures)."""
    out: list[CertRecord] = []
    skipped = 0
    for sig in _walk_signatures(data):
        signer = sig.get("signer")
        hint = signer.get("national_id") if isinstance(signer, Mapping) else None
        rec = _record_from_mapping(
            sig["certificate"],
            card_serial=None,
            token_label=None,
            tckn_hint=hint if isinstance(hint, str) else None,
        )
        if rec is None:
            skipped += 1
        else:
            out.append(rec)
    return out, skipped


def read_any(path: Path, data: bytes | None = None) -> tuple[list[CertRecord], int, str]:
    """Read a certificate file, a token inventory or a verification report, telling them apart.

    :returns: ``(records, skipped, source)`` where source is ``file``, ``token`` or ``report``.
    :raises InputError: ``kamusm.not_a_certificate`` when it is none of them.
    """
    raw = path.read_bytes() if data is None else data
    stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        try:
            doc = json.loads(stripped.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InputError("kamusm.not_a_certificate", details={"path": str(path)}) from exc
        if any(True for _ in _walk_signatures(doc)):
            recs, skipped = read_verification_report(doc)
            return recs, skipped, "report"
        recs, skipped = read_token_inventory(doc)
        if not recs and not skipped:
            raise InputError("kamusm.not_a_certificate", details={"path": str(path)})
        return recs, skipped, "token"
    return read_certificate_file(path, raw), 0, "file"
