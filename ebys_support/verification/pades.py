"""PAdES: every signature of a PDF, its byte range, later incremental updates, DocTimeStamps and the DSS.

pyHanko reads the PDF (signature fields, byte ranges, revisions, difference analysis of what changed
after each signature); the CMS inside each signature goes through the same checks as CAdES. A
``/DocTimeStamp`` added after a signature is a proof of existence for it (KamuSM's P4 form puts the
signature time-stamp there), and the document's ``/DSS`` (certificates, CRLs, OCSP responses) is the
offline revocation data.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from asn1crypto import cms

from ebys_support.errors import InputError
from ebys_support.verification._cms import (
    TimestampResult,
    signed_data_evidence,
    verify_signer_info,
    verify_timestamp,
)
from ebys_support.verification._context import Context
from ebys_support.verification._crypto import CryptoFailure, load_cert
from ebys_support.verification.report import Report, SignatureReport

__all__ = ["verify_pades"]


class _DiffErrorFilter(logging.Filter):
    """pyHanko logs a traceback when a later revision changes what it cannot explain; the report already
    says so (``verify.pdf.modified``), so the traceback would only alarm the reader of a terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error in diff operation")


logging.getLogger("pyhanko.sign.diff_analysis.policies").addFilter(_DiffErrorFilter())

_PDF_WHITESPACE = b" \t\r\n\x0c\x00"
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_patched = False


def _install_fast_hex_reader() -> None:
    """Read PDF hex strings in one slice instead of pyHanko's byte-per-call loop.

    A signature's ``/Contents`` is a hex string of tens of kilobytes, read several times per file
    (signature, difference analysis of later revisions); pyHanko 0.38 reads it one byte per Python
    call, which dominates verification time. The replacement has the same result and errors (and
    raises at end of file instead of looping), and is installed only over the original function.
    """
    global _patched
    if _patched:
        return
    import binascii
    import os

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.misc import PdfStreamError

    original = generic.read_hex_string_from_stream
    if getattr(original, "__module__", "") != "pyhanko.pdf_utils.generic":
        _patched = True
        return

    def read_hex_string_from_stream(stream: Any) -> Any:
        stream.read(1)
        chunks = []
        while True:
            block = stream.read(16384)
            if not block:
                raise PdfStreamError("Stream has ended unexpectedly")
            end = block.find(b">")
            if end >= 0:
                chunks.append(block[:end])
                stream.seek(end + 1 - len(block), os.SEEK_CUR)
                break
            chunks.append(block)
        text = b"".join(chunks).translate(None, _PDF_WHITESPACE)
        bad = text.translate(None, _HEX_DIGITS)
        if bad:
            raise PdfStreamError("Unexpected token in hex string: " + repr(bad[:1]))
        if len(text) % 2:
            text += b"0"
        return generic.pdf_string(binascii.unhexlify(text))

    generic.read_hex_string_from_stream = read_hex_string_from_stream
    _patched = True


def _range_digest(emb: Any, algo: str) -> bytes:
    return bytes(emb.compute_digest(algo))


def _covering_results(result: Callable[[Any], TimestampResult], covering: list[Any]) -> list[TimestampResult]:
    return [result(t) for t in covering]


def _read_dss(reader: Any, ctx: Context) -> bool:
    try:
        dss = reader.root.get("/DSS")
    except Exception:  # noqa: BLE001 - pyHanko raises many types for broken files
        return False
    if dss is None:
        return False
    dss = dss.get_object()
    found = False
    for key, sink in (("/Certs", None), ("/CRLs", ctx.evidence.crls), ("/OCSPs", ctx.evidence.ocsps)):
        try:
            refs = dss.get(key)
            items = list(refs.get_object()) if refs is not None else []
        except Exception:  # noqa: BLE001
            continue
        for ref in items:
            try:
                data = ref.get_object().data
            except Exception:  # noqa: BLE001
                continue
            found = True
            if sink is None:
                try:
                    ctx.add_certs([load_cert(data)])
                except CryptoFailure:
                    continue
            else:
                sink.append(data)
    return found


def _modification_check(rep: SignatureReport, emb: Any) -> None:
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        emb.compute_digest()
        coverage = emb.evaluate_signature_coverage()
    except Exception:  # noqa: BLE001
        rep.add("byte_range", "failed", "verify.pdf.byte_range", "FORMAT_FAILURE")
        return
    emb.coverage = coverage
    if coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        rep.add("byte_range", "failed", "verify.pdf.byte_range", "FORMAT_FAILURE")
        return
    rep.add("byte_range", "passed", "verify.pdf.byte_range_ok")
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        rep.add("modifications", "passed", "verify.pdf.no_changes")
        return
    later = emb.reader.xrefs.total_revisions - 1 - emb.signed_revision
    diff: object
    try:
        diff = emb.evaluate_modifications(DEFAULT_DIFF_POLICY)
    except Exception:  # noqa: BLE001 - pyHanko could not tell what changed: treat it as a change
        diff = None
    if not isinstance(diff, DiffResult):
        # pyHanko could not tell, or found changes it cannot explain (SuspiciousModification).
        rep.add(
            "modifications",
            "failed",
            "verify.pdf.modified",
            "FORMAT_FAILURE",
            revisions=later,
            changes="other",
        )
        return
    level = diff.modification_level
    docmdp = emb.docmdp_level
    fields = ", ".join(sorted(diff.changed_form_fields)) or "-"
    if level == ModificationLevel.OTHER or (docmdp is not None and level.value > docmdp.value):
        rep.add(
            "modifications",
            "failed",
            "verify.pdf.modified",
            "FORMAT_FAILURE",
            revisions=later,
            changes=level.name.lower(),
        )
    elif level == ModificationLevel.NONE:
        rep.add("modifications", "passed", "verify.pdf.no_changes")
    else:
        rep.add(
            "modifications",
            "passed",
            "verify.pdf.allowed_updates",
            revisions=later,
            level=level.name.lower(),
            fields=fields,
        )


def verify_pades(ctx: Context, data: bytes, name: str | None) -> Report:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    _install_fast_hex_reader()

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, AssertionError) as exc:
        raise InputError("verify.unreadable_pdf", details={"reason": str(exc) or type(exc).__name__}) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable PDF
        raise InputError("verify.unreadable_pdf", details={"reason": type(exc).__name__}) from exc
    if not embedded:
        raise InputError("verify.not_signed", details={"reason": "the PDF has no signature"})
    has_dss = _read_dss(reader, ctx)
    report = Report(file=name, format="PAdES")

    doc_timestamps: list[tuple[int, Any]] = []
    for emb in embedded:
        if emb.sig_object_type == "/DocTimeStamp":
            doc_timestamps.append((emb.signed_revision, emb))
        else:
            try:
                certs, ev = signed_data_evidence(emb.signed_data)
            except (ValueError, TypeError, KeyError):
                continue
            ctx.add_certs(certs)
            ctx.evidence.crls.extend(ev.crls)
            ctx.evidence.ocsps.extend(ev.ocsps)
    for _rev, ts in doc_timestamps:
        try:
            certs, _ = signed_data_evidence(ts.signed_data)
            ctx.add_certs(certs)
        except (ValueError, TypeError, KeyError):
            continue

    ts_results: dict[int, TimestampResult] = {}

    def doc_ts_result(emb: Any) -> TimestampResult:
        key = id(emb)
        if key not in ts_results:
            check = SignatureReport()
            _modification_check(check, emb)
            ok = all(c.status == "passed" for c in check.checks)
            try:
                token = cms.ContentInfo.load(emb.pkcs7_content)
                res = verify_timestamp(ctx, token, functools.partial(_range_digest, emb), "document")
            except (ValueError, TypeError, KeyError) as exc:
                res = TimestampResult(False, None, None, "verify.timestamp.malformed", "document")
                del exc
            if res.valid and not ok:
                res = TimestampResult(False, res.time, res.tsa, "verify.timestamp.modified", "document")
            ts_results[key] = res
        return ts_results[key]

    archive = has_dss and len(doc_timestamps) >= 2
    for emb in embedded:
        if emb.sig_object_type == "/DocTimeStamp":
            continue
        rev = emb.signed_revision
        covering = [ts for r, ts in doc_timestamps if r > rev]
        pdf_time: datetime | None = None
        try:
            pdf_time = emb.self_reported_timestamp
        except Exception:  # noqa: BLE001
            pdf_time = None

        def data_digest(algo: str, e: Any = emb) -> bytes | None:
            try:
                return bytes(e.compute_digest(algo))
            except (ValueError, KeyError) as exc:
                raise CryptoFailure(str(exc)) from exc

        try:
            sd: cms.SignedData = emb.signed_data
            si = sd["signer_infos"][0]
            rep = verify_signer_info(
                ctx,
                sd,
                si,
                data_digest=data_digest,
                kind="pades",
                extra_timestamps=functools.partial(_covering_results, doc_ts_result, covering),
                pdf_time=pdf_time,
            )
            if len(sd["signer_infos"]) != 1:
                rep.add("format", "failed", "verify.pdf.signer_count", "FORMAT_FAILURE")
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            rep = SignatureReport()
            rep.add("format", "failed", "verify.format.malformed", "FORMAT_FAILURE", reason=str(exc)[:200])
        rep.label = str(emb.field_name)
        if pdf_time is None:
            # The signing time of a PAdES signature is /M (or, failing that, a CMS signing-time).
            claimed = rep.signing_time and rep.signing_time.get("claimed")
            if not claimed and rep.profile is not None:
                rep.add(
                    "profile.attributes",
                    "indeterminate",
                    "verify.profile.missing_attributes",
                    "SIG_CONSTRAINTS_FAILURE",
                    attributes="/M",
                )
        _modification_check(rep, emb)
        if archive and rep.level in ("B-LT", "B-T"):
            rep.level = "B-LTA"
        report.signatures.append(rep)
    if not report.signatures:
        raise InputError("verify.not_signed", details={"reason": "the PDF has only document time-stamps"})
    return report
