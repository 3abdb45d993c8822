"""A small SOAP 1.1 server on 127.0.0.1 that answers like the DETSİS web service (``DETSISServis.asmx``).

The real service cannot be reached from the tests, so this one speaks its message shapes, as its WSDL
describes them (namespace ``http://kaysis.gov.tr/``, the ``BbServiceAuthentication`` header, results
``{SonucHatali, Sonuclar, HataMsj}`` of ``KurumBirimWS`` / ``KodlarWsObj`` rows). The wording of its error
messages is assumed: the service's own texts are not documented.

Knobs for the tests: ``fail_next`` (answer HTTP 503 that many times), ``delay`` (seconds to wait before
answering), ``auth_style`` (how a wrong password is refused: ``"envelope"``, ``"fault"`` or ``"http"``),
``error_message`` (answer every call with the error envelope), ``garbage`` (answer non-XML), ``changes``
(what ``KendiTumBirimleriGetirWs`` returns for a start date).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

NS = "http://kaysis.gov.tr/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
T = f"{{{NS}}}"
S = f"{{{SOAP}}}"

AUTH_MESSAGE = "Kurum kimlik bilgisi veya şifre hatalı."
#: Real SDP rows of the common area (DOMAIN.md §1, S1), in the service's KodlarWsObj shape.
SDP_ROWS = [
    {
        "ID": 1,
        "AnaKod": "010",
        "Kod": "010",
        "KonuAdi": "Mevzuat İşleri",
        "Seviye": "1",
        "Aktifmi": True,
        "Tip": False,
    },
    {
        "ID": 2,
        "AnaKod": "010",
        "AltKod1": "01",
        "Kod": "010.01",
        "KonuAdi": "Kanunlar",
        "Seviye": "2",
        "Aktifmi": True,
        "Tip": False,
    },
]


class LoopbackDETSIS:
    """The server; ``url`` is its endpoint once :meth:`start` ran."""

    def __init__(self, records: list[dict[str, Any]], *, institution_id: str, password: str) -> None:
        self.records = {r["DETSISNo"]: r for r in records}
        self.institution_id = institution_id
        self.password = password
        self.seen: list[dict[str, Any]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self.reset()

    def reset(self) -> None:
        self.fail_next = 0
        self.delay = 0.0
        self.auth_style = "envelope"
        self.error_message: str | None = None
        self.garbage = False
        self.changes: list[tuple[dt.datetime, dict[str, Any]]] = []
        self.seen.clear()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://127.0.0.1:{port}/DETSISServis.asmx"

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, payload, ctype = server.answer(dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    # -- the protocol
    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        if self.delay:
            time.sleep(self.delay)
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        op_el = root.find(f"{S}Body")[0]
        operation = etree.QName(op_el).localname
        params = {
            etree.QName(c).localname: (None if c.get(f"{{{XSI}}}nil") == "true" else c.text) for c in op_el
        }
        kurum = root.findtext(f"{S}Header/{T}BbServiceAuthentication/{T}KurumID")
        password = root.findtext(f"{S}Header/{T}BbServiceAuthentication/{T}Password")
        self.seen.append({"operation": operation, "params": params, "headers": headers, "kurum": kurum})
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, b"<html><body>Service Unavailable</body></html>", "text/html"
        if self.garbage:
            return 200, b"<html>bakim calismasi</html", "text/html"
        if headers.get("SOAPAction", "").strip('"') != NS + operation:
            return (
                500,
                fault("soap:Client", "Server did not recognize the value of HTTP Header SOAPAction."),
                XML,
            )
        if kurum != self.institution_id or password != self.password:
            if self.auth_style == "http":
                return 401, b"Unauthorized", "text/plain"
            if self.auth_style == "fault":
                return 500, fault("soap:Server", AUTH_MESSAGE), XML
            return 200, result(operation, None, AUTH_MESSAGE), XML
        if self.error_message is not None:
            return 200, result(operation, None, self.error_message), XML
        try:
            rows = self.rows(operation, params)
        except KeyError:
            return 500, fault("soap:Client", f"Sunucu {operation} işlemini tanımıyor."), XML
        return 200, result(operation, rows, None), XML

    def rows(self, operation: str, params: dict[str, str | None]) -> list[dict[str, Any]]:
        if operation == "DETSISNoKurumBirimWs":
            row = self.records.get(int(params["DETSISNo"] or 0))
            return [row] if row else []
        if operation == "HiyerarsiGetirKurumBirimWs":
            out = []
            number: int | None = int(params["DETSISNo"] or 0)
            while number:
                row = self.records.get(number)
                if row is None:
                    break
                out.append(row)
                number = row["ParentIdareKimlikKodu"]
            return list(reversed(out))
        if operation == "AltKurulusBirimleriListele":
            parent = int(params["arananKurum"] or 0)
            return [r for r in self.records.values() if r["ParentIdareKimlikKodu"] == parent]
        if operation == "KendiTumBirimleriGetirWs":
            since = params.get("degisiklikTarihiBaslangic")
            if since is None:
                ours = int(self.institution_id)
                return [r for r in self.records.values() if r["AnaKurumIdareKimlikKodu"] == ours]
            start = dt.datetime.fromisoformat(since)
            return [r for when, r in self.changes if when >= start]
        if operation == "AdaGoreKurumBirimSorgulaWs":
            text = (params.get("ad") or "").lower()
            return [r for r in self.records.values() if text in r["Ad"].lower()]
        if operation == "KurumSDPKodlariGetirWs":
            return SDP_ROWS
        raise KeyError(operation)


XML = "text/xml; charset=utf-8"


def fault(code: str, message: str) -> bytes:
    env = etree.Element(f"{S}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(env, f"{S}Body")
    f = etree.SubElement(body, f"{S}Fault")
    etree.SubElement(f, "faultcode").text = code
    etree.SubElement(f, "faultstring").text = message
    etree.SubElement(f, "detail")
    data: bytes = etree.tostring(env, xml_declaration=True, encoding="utf-8")
    return data


def result(operation: str, rows: list[dict[str, Any]] | None, error: str | None) -> bytes:
    env = etree.Element(f"{S}Envelope", nsmap={"soap": SOAP, "xsi": XSI})
    body = etree.SubElement(env, f"{S}Body")
    response = etree.SubElement(body, f"{T}{operation}Response", nsmap={None: NS})
    res = etree.SubElement(response, f"{T}{operation}Result")
    etree.SubElement(res, f"{T}SonucHatali").text = "true" if error else "false"
    if rows is not None:
        items = etree.SubElement(res, f"{T}Sonuclar")
        tag = "KodlarWsObj" if operation == "KurumSDPKodlariGetirWs" else "KurumBirimWS"
        for row in rows:
            item = etree.SubElement(items, f"{T}{tag}")
            for key, value in row.items():
                el = etree.SubElement(item, f"{T}{key}")
                if value is None:
                    el.set(f"{{{XSI}}}nil", "true")
                elif isinstance(value, bool):
                    el.text = "true" if value else "false"
                elif isinstance(value, list):
                    for sub in value:
                        tip = etree.SubElement(el, f"{T}KurumBirimTip3WS")
                        etree.SubElement(tip, f"{T}Fk_KurumBirimTip3ID").text = str(sub)
                else:
                    el.text = str(value)
    if error:
        etree.SubElement(res, f"{T}HataMsj").text = error
    data: bytes = etree.tostring(env, xml_declaration=True, encoding="utf-8")
    return data
