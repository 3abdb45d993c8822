"""A client for the DETSİS SOAP web service, and ``sync``: a registry snapshot fetched from it.

The service (``https://bbws.kaysis.gov.tr/DETSISServis.asmx``, SOAP 1.1, namespace ``http://kaysis.gov.tr/``)
authenticates every call with a ``BbServiceAuthentication`` header (``KurumID``, ``Password``) and answers
``{SonucHatali, Sonuclar, HataMsj}``: ``SonucHatali`` true means the call failed with the message
``HataMsj`` (the "error envelope"). Transport failures (connection refused or reset, timeouts, HTTP 502,
503, 504) are retried with a growing pause; a SOAP fault or an error envelope is not.

Errors: ``detsis.service_auth_failed`` (HTTP 401/403, or a fault or ``HataMsj`` that reads as a refused
login: the service's wording is not documented, so the words are configuration, ``detsis.auth_error_markers``),
``detsis.service_unavailable`` (retries exhausted), ``detsis.service_error`` (any other fault or error
envelope, with the service's own message). The password is never logged and is scrubbed from any message
the service echoes.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import requests
from lxml import etree

import detsis
from ebys_support import i18n
from ebys_support.config import DetsisConfig
from ebys_support.errors import (
    EXIT_INTERNAL,
    ConfigurationError,
    EbysError,
    InputError,
    ServiceUnavailable,
    UsageError,
)
from ebys_support.i18n import turkish as _turkish

__all__ = [
    "DETSISClient",
    "DETSISServiceError",
    "DETSISAuthFailed",
    "DETSISServiceUnavailable",
    "SyncResult",
    "sync",
    "write_snapshot",
    "NS",
    "SOAP_NS",
]

log = logging.getLogger(__name__)

NS = "http://kaysis.gov.tr/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_T = f"{{{NS}}}"
_S = f"{{{SOAP_NS}}}"
_NIL = f"{{{XSI_NS}}}nil"

#: KurumBirimWS fields that the service types as xs:int / xs:boolean (the rest are strings).
_INT_FIELDS = frozenset(
    {
        "DETSISNo",
        "ParentIdareKimlikKodu",
        "ParentIdareKimlikKodu2",
        "AnaKurumIdareKimlikKodu",
        "Fk_BulunduguYerID",
        "Fk_KurumBirimTipID1",
        "Fk_KurumBirimTipID2",
        "Seviye",
        "ID",
        "Fk_KurumBirimTip3ID",
    }
)
_BOOL_FIELDS = frozenset({"FaalOlupOlmadigi", "DisYazismaMuhatabiOlupOlmadigi", "Tip"})
_TRANSIENT_STATUS = frozenset({502, 503, 504})


class DETSISServiceError(EbysError):
    """The service answered with a fault or an error envelope; ``details["message"]`` is its own text."""

    code = "detsis.service_error"
    exit_code = EXIT_INTERNAL
    http_status = 502


class DETSISAuthFailed(DETSISServiceError):
    """The service refused the institution ID or the password."""

    code = "detsis.service_auth_failed"


class DETSISServiceUnavailable(ServiceUnavailable):
    """The service could not be reached, even after the retries."""

    code = "detsis.service_unavailable"


@dataclass
class DETSISClient:
    """The DETSİS SOAP web service.

    :param url: the endpoint.
    :param institution_id: ``KurumID`` of the authentication header.
    :param password: ``Password`` of the authentication header; never logged, never in an error.
    :param timeout: seconds for each HTTP request.
    :param retries: further attempts after a transient failure.
    :param backoff: seconds before the first retry, doubled each time.
    :param auth_markers: words that mark a fault or ``HataMsj`` as a refused login.
    """

    url: str
    institution_id: str
    password: str
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    auth_markers: Sequence[str] = DetsisConfig().auth_error_markers
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep

    CONTENT_TYPE: ClassVar[str] = "text/xml; charset=utf-8"

    def __repr__(self) -> str:  # the password stays out of reprs, logs and tracebacks
        return f"DETSISClient(url={self.url!r}, institution_id={self.institution_id!r})"

    @classmethod
    def from_config(cls, config: DetsisConfig, **kwargs: Any) -> DETSISClient:
        """A client for the configured service.

        :raises ConfigurationError: no institution ID or password (``detsis.service_not_configured``).
        """
        if not config.institution_id or not config.password:
            raise ConfigurationError("detsis.service_not_configured")
        return cls(
            url=config.service_url,
            institution_id=config.institution_id,
            password=config.password,
            timeout=config.timeout,
            retries=max(0, config.retries),
            auth_markers=config.auth_error_markers,
            **kwargs,
        )

    # -- operations
    def unit(self, number: str | int) -> dict[str, Any] | None:
        """``DETSISNoKurumBirimWs``: one unit's record, ``None`` when the service has none."""
        rows = self.call("DETSISNoKurumBirimWs", [("DETSISNo", detsis.validate(number))])
        return rows[0] if rows else None

    def hierarchy(self, number: str | int) -> list[dict[str, Any]]:
        """``HiyerarsiGetirKurumBirimWs``: the unit and the units above it."""
        return self.call("HiyerarsiGetirKurumBirimWs", [("DETSISNo", detsis.validate(number))])

    def sub_units(self, number: str | int) -> list[dict[str, Any]]:
        """``AltKurulusBirimleriListele``: the units under a unit."""
        return self.call("AltKurulusBirimleriListele", [("arananKurum", detsis.validate(number))])

    def own_units(self, since: dt.datetime | dt.date | None = None) -> list[dict[str, Any]]:
        """``KendiTumBirimleriGetirWs``: the institution's units, only those changed since ``since`` if given."""
        value = None if since is None else _xml_datetime(since)
        return self.call("KendiTumBirimleriGetirWs", [("degisiklikTarihiBaslangic", value)])

    def search(self, name: str, institution: str | int) -> list[dict[str, Any]]:
        """``AdaGoreKurumBirimSorgulaWs``: units of an institution by name."""
        return self.call(
            "AdaGoreKurumBirimSorgulaWs",
            [("ad", name), ("anaKurumIdareKimlikKodu", detsis.validate(institution))],
        )

    def sdp_rows(self, institution: str | int) -> list[dict[str, Any]]:
        """``KurumSDPKodlariGetirWs``: the institution's SDP rows (``KodlarWsObj``)."""
        return self.call("KurumSDPKodlariGetirWs", [("IdariKimlikKodu", detsis.validate(institution))])

    # -- protocol
    def envelope(self, operation: str, params: Iterable[tuple[str, str | None]]) -> bytes:
        """The SOAP request for ``operation``."""
        env = etree.Element(_S + "Envelope", nsmap={"soap": SOAP_NS, "xsi": XSI_NS, "tns": NS})
        header = etree.SubElement(env, _S + "Header")
        auth = etree.SubElement(header, _T + "BbServiceAuthentication")
        etree.SubElement(auth, _T + "KurumID").text = self.institution_id
        etree.SubElement(auth, _T + "Password").text = self.password
        body = etree.SubElement(env, _S + "Body")
        op = etree.SubElement(body, _T + operation)
        for name, value in params:
            el = etree.SubElement(op, _T + name)
            if value is None:
                el.set(_NIL, "true")
            else:
                el.text = value
        data: bytes = etree.tostring(env, xml_declaration=True, encoding="utf-8")
        return data

    def call(self, operation: str, params: Iterable[tuple[str, str | None]]) -> list[dict[str, Any]]:
        """Run ``operation`` and return the rows of its ``Sonuclar``.

        :raises DETSISAuthFailed: the login was refused.
        :raises DETSISServiceUnavailable: the service could not be reached after the retries.
        :raises DETSISServiceError: a fault or an error envelope.
        """
        body = self.envelope(operation, params)
        headers = {"Content-Type": self.CONTENT_TYPE, "SOAPAction": f'"{NS}{operation}"'}
        session = self.session or requests.Session()
        attempts = self.retries + 1
        reason = ""
        try:
            for attempt in range(1, attempts + 1):
                started = time.monotonic()
                try:
                    response = session.post(self.url, data=body, headers=headers, timeout=self.timeout)
                except requests.Timeout:
                    reason = f"timeout after {self.timeout:g} s"
                except requests.ConnectionError as exc:
                    reason = f"connection failed ({type(exc).__name__})"
                else:
                    log.info(
                        "DETSİS %s: HTTP %s in %.2f s (attempt %d)",
                        operation,
                        response.status_code,
                        time.monotonic() - started,
                        attempt,
                    )
                    if response.status_code in (401, 403):
                        raise DETSISAuthFailed(
                            details={"operation": operation, "message": f"HTTP {response.status_code}"}
                        )
                    if response.status_code in _TRANSIENT_STATUS:
                        reason = f"HTTP {response.status_code}"
                    else:
                        return self._parse(operation, response)
                log.warning("DETSİS %s: attempt %d of %d failed: %s", operation, attempt, attempts, reason)
                if attempt < attempts:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
        finally:
            if self.session is None:
                session.close()
        raise DETSISServiceUnavailable(
            details={"operation": operation, "attempts": attempts, "reason": reason}
        )

    def _parse(self, operation: str, response: requests.Response) -> list[dict[str, Any]]:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
        try:
            root = etree.fromstring(response.content, parser)
        except etree.XMLSyntaxError:
            if response.status_code >= 500:
                raise DETSISServiceUnavailable(
                    details={"operation": operation, "attempts": 1, "reason": f"HTTP {response.status_code}"}
                ) from None
            raise self._error(operation, f"not a SOAP answer (HTTP {response.status_code})") from None
        body = root.find(_S + "Body")
        if root.tag != _S + "Envelope" or body is None:
            raise self._error(operation, f"not a SOAP answer (HTTP {response.status_code})")
        fault = body.find(_S + "Fault")
        if fault is not None:
            text = " ".join(
                t.strip()
                for t in (fault.findtext("faultstring") or "", _all_text(fault.find("detail")))
                if t.strip()
            )
            raise self._error(operation, text or "SOAP fault")
        result = body.find(f"{_T}{operation}Response/{_T}{operation}Result")
        if result is None:
            raise self._error(operation, f"no {operation}Result in the answer")
        if (result.findtext(_T + "SonucHatali") or "").strip().lower() == "true":
            raise self._error(operation, (result.findtext(_T + "HataMsj") or "").strip() or "SonucHatali")
        rows = result.find(_T + "Sonuclar")
        if rows is None:
            return []
        return [_record(row) for row in rows if isinstance(row.tag, str) and row.get(_NIL) != "true"]

    def _error(self, operation: str, message: str) -> DETSISServiceError:
        message = self._scrub(message)
        key = _turkish.search_key(message)
        if any(_turkish.search_key(m) in key for m in self.auth_markers if m):
            return DETSISAuthFailed(details={"operation": operation, "message": message})
        return DETSISServiceError(details={"operation": operation, "message": message})

    def _scrub(self, text: str) -> str:
        if self.password and self.password in text:
            text = text.replace(self.password, "***")
        return text[:500]


def _all_text(el: Any) -> str:
    if el is None:
        return ""
    return " ".join(t.strip() for t in el.itertext() if t.strip())


def _record(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Aktifmi is a string in KurumBirimWS but a boolean in KodlarWsObj (the SDP rows).
    booleans = _BOOL_FIELDS | {"Aktifmi"} if etree.QName(row).localname == "KodlarWsObj" else _BOOL_FIELDS
    for child in row:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if child.get(_NIL) == "true":
            out[name] = None
        elif len(child):
            out[name] = [_record(item) for item in child if isinstance(item.tag, str)]
        else:
            out[name] = _value(name, child.text or "", booleans)
    return out


def _value(name: str, text: str, booleans: frozenset[str]) -> Any:
    if name in _INT_FIELDS:
        try:
            return int(text)
        except ValueError:
            return text
    if name in booleans:
        return text.strip().lower() == "true"
    return text


def _xml_datetime(value: dt.datetime | dt.date) -> str:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------- sync
@dataclass(frozen=True)
class SyncResult:
    """What a sync did."""

    path: str
    units: int
    fetched: int
    since: str | None
    date: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "units": self.units,
            "fetched": self.fetched,
            "since": self.since,
            "date": self.date,
        }


class _WriteFailed(InputError):
    """``detsis.write_failed``, the operating system's reason said in the reader's language where known."""

    code = "detsis.write_failed"
    _KNOWN: ClassVar[frozenset[str]] = frozenset({"ENOENT", "EACCES", "EISDIR", "ENOTDIR", "ENOSPC", "EROFS"})

    def localized(self, lang: str = "en") -> str:
        name = str(self.details.get("os_error", ""))
        if name not in self._KNOWN:
            return super().localized(lang)
        reason = i18n.message(f"ui.detsis.write_error.{name}", lang)
        return i18n.message(self.code, lang, **{**self.details, "reason": reason})


def write_snapshot(
    registry_units: Iterable[detsis.DETSISUnit], path: str | os.PathLike[str], meta: Mapping[str, Any]
) -> int:
    """Write a wrapped snapshot atomically: a temporary file in the same folder, then ``os.replace``.

    :raises InputError: the folder cannot be written (``detsis.write_failed``); the old file is untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            count = detsis.dump_snapshot(registry_units, fh, meta)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        return count
    except OSError as exc:
        raise _WriteFailed(
            details={
                "path": str(target),
                "reason": exc.strerror or type(exc).__name__,
                "os_error": errno.errorcode.get(exc.errno or 0, type(exc).__name__),
            }
        ) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def sync(
    client: DETSISClient,
    out: str | os.PathLike[str],
    *,
    since: dt.datetime | dt.date | None = None,
    institution: str | int | None = None,
    now: dt.datetime | None = None,
    max_parent_lookups: int = 1000,
) -> SyncResult:
    """Fetch the institution's units into a snapshot at ``out``, written atomically.

    Without ``since``, a full sync: all the institution's units, plus the units above it
    (``HiyerarsiGetirKurumBirimWs``) so that every parent link resolves. With ``since``, an incremental
    sync: only the units changed since then, merged by DETSİS number into the snapshot already at ``out``.
    Parents that are still missing are fetched one by one (``DETSISNoKurumBirimWs``).

    :raises UsageError: ``since`` given but there is no snapshot at ``out`` (``detsis.sync_no_previous``).
    :raises InputError: the previous snapshot is invalid, or ``out`` cannot be written.
    :raises ValidationFailed: the service's units do not form a valid registry.
    """
    from ebys_support import detsis_support

    now = now or dt.datetime.now(dt.UTC)
    target = Path(out)
    records: dict[int, dict[str, Any]] = {}
    meta: dict[str, Any] = {}
    if since is not None:
        if not target.exists():
            raise UsageError("detsis.sync_no_previous", details={"path": str(target)})
        previous = detsis_support.load_registry(target)
        records = {unit.detsis: unit.to_record() for unit in previous}
        meta = {k: v for k, v in previous.meta.items() if k not in ("format", "date", "since")}
    fetched = client.own_units(since)
    top = institution or (meta.get("institution") if isinstance(meta.get("institution"), str | int) else None)
    if top is None and client.institution_id and detsis.is_valid(client.institution_id):
        top = client.institution_id
    if since is None and top:
        fetched.extend(client.hierarchy(top))
    for record in fetched:
        number = record.get("DETSISNo")
        if isinstance(number, int):
            records[number] = record
    _fill_parents(client, records, max_parent_lookups)
    try:
        registry = detsis.Registry.from_records(list(records.values()))
    except detsis.ValidationError as exc:
        raise detsis_support.to_error(exc) from None
    meta.update(
        {
            "source": client.url,
            "institution": str(top) if top else meta.get("institution"),
            "date": now.isoformat(timespec="seconds"),
            "since": None if since is None else _xml_datetime(since),
        }
    )
    units = sorted(registry, key=lambda u: u.detsis)
    count = write_snapshot(units, target, meta)
    return SyncResult(str(target), count, len(fetched), meta["since"], meta["date"])


def _fill_parents(client: DETSISClient, records: dict[int, dict[str, Any]], limit: int) -> None:
    asked: set[int] = set()
    while True:
        missing = set()
        for record in records.values():
            for key in ("ParentIdareKimlikKodu",):
                parent = record.get(key)
                if isinstance(parent, int) and parent and parent not in records and parent not in asked:
                    missing.add(parent)
        if not missing:
            return
        for number in sorted(missing):
            if len(asked) >= limit:
                return
            asked.add(number)
            if not detsis.is_valid(number):
                continue
            for record in client.hierarchy(number) or ([r] if (r := client.unit(number)) else []):
                value = record.get("DETSISNo")
                if isinstance(value, int):
                    records.setdefault(value, record)
