"""PAdES signatures (B-B, B-T, B-LT, B-LTA) through pyHanko, in the form the Turkish verifiers expect.

The signature itself is ``/SubFilter /ETSI.CAdES.detached`` with content-type, message-digest,
signing-certificate-v2 and, for P2–P4, the signature-policy-identifier (policy OID, hash, SPuri); no
CMS signing-time (the PDF ``/M`` carries it) and no unsigned attributes. The signature time-stamp is a
separate document time-stamp (``/DocTimeStamp``, ``/SubFilter /ETSI.RFC3161``) rather than a CMS
attribute — KamuSM's P4-LT form — followed for B-LT by a ``/DSS`` with the certificates, OCSP responses
and CRLs of the signer and the TSA, and for B-LTA by one more document time-stamp over it all.

=======  ==============================================================  ================
level    incremental updates after the original                          profiles
=======  ==============================================================  ================
B-B      signature                                                       P1
B-T      signature, DocTimeStamp                                         P1–P3
B-LT     signature, DocTimeStamp, DSS                                    P1–P4
B-LTA    signature, DocTimeStamp, DSS, DocTimeStamp                      P1–P4
=======  ==============================================================  ================
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from asn1crypto import algos, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.api import CAdESSignedAttrSpec
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import Signer as PyhankoSigner
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ebys_support.errors import InputError, UsageError
from ebys_support.signing._io import atomic_output
from ebys_support.signing.cades import policy_identifier
from ebys_support.signing.errors import NotAPDF, TSAUnavailable, UnsupportedProfile
from ebys_support.signing.profiles import PADES_LEVELS, Profile, get_profile
from ebys_support.signing.revocation import collect
from ebys_support.signing.signers import Signer
from ebys_support.signing.tsa import TSAClient

__all__ = ["VisibleSignature", "PyhankoAdapter", "sign_pdf", "level_for", "upgrade_pdf"]


@dataclass(frozen=True)
class VisibleSignature:
    """A visible signature block.

    :param page: page number, 1-based (``-1`` for the last page).
    :param box: ``(x1, y1, x2, y2)`` in PDF points from the page's lower-left corner.
    :param name: the signer's name (default: the certificate's common name).
    :param title: the signer's title, e.g. "Bilgi İşlem Müdürü".
    :param date_format: ``strftime`` format of the signing date.
    :param font: an OpenType/TrueType font file; default: a system font with the Turkish letters
        (DejaVu Sans, Liberation Sans, Arial), else the built-in Courier with ğ ş ı İ written as g s i I.
    """

    page: int = 1
    box: tuple[int, int, int, int] = (50, 50, 300, 120)
    name: str | None = None
    title: str | None = None
    date_format: str = "%d.%m.%Y %H:%M"
    font: str | None = None


class PyhankoAdapter(PyhankoSigner):
    """Our :class:`~ebys_support.signing.signers.Signer` as a pyHanko signer (one key, any backend).

    Size-estimation dry runs never touch the key, so a card that asks the PIN per signature is asked once.
    """

    def __init__(self, signer: Signer, *, with_chain: bool = True) -> None:
        # pyHanko adds the signing certificate itself; the registry holds the others (none for P1/P2).
        certs = list(signer.chain) if with_chain else []
        super().__init__(
            signing_cert=signer.certificate,
            cert_registry=SimpleCertificateStore.from_certs(certs),
            signature_mechanism=signer.signature_algorithm(),
            prefer_pss=signer.pss,
        )
        self._ours = signer

    def get_signature_mechanism_for_digest(self, digest_algorithm: str | None) -> algos.SignedDigestAlgorithm:
        return self._ours.signature_algorithm(digest_algorithm)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._ours.signature_size)
        return self._ours.sign(data, digest_algorithm)


def level_for(profile: Profile, level: str | None) -> str:
    """The PAdES level to produce: ``level`` if the profile allows it, else the profile's minimum.

    P1 allows B-B and B-T; P2 and P3 B-T (a ``/DSS`` is validation data: forbidden in P2, and for P3
    collected by :func:`upgrade_pdf` after the grace period); P4 B-LT and B-LTA.

    :raises UnsupportedProfile: an unknown level, or one the profile does not allow.
    """
    if level is None:
        return profile.pades_level
    lv = level.strip().upper()
    if not lv.startswith("B-"):
        lv = "B-" + lv
    allowed = ", ".join(profile.pades_levels)
    if lv not in PADES_LEVELS or lv not in profile.pades_levels:
        raise UnsupportedProfile(
            details={"profile": profile.name, "level": level, "allowed": allowed, "reason": "pades_level"}
        )
    return lv


@contextlib.contextmanager
def _open_input(source: str | Path | bytes | BinaryIO) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, str | Path):
        try:
            fh = open(source, "rb")  # noqa: SIM115
        except OSError as exc:
            raise InputError(
                "input.unreadable", details={"path": str(source), "reason": exc.strerror or str(exc)}
            ) from None
        with fh:
            yield fh
    else:
        yield source


def _writer(stream: BinaryIO) -> IncrementalPdfFileWriter:
    head = stream.read(1024)
    stream.seek(0)
    if b"%PDF-" not in head:
        raise NotAPDF()
    try:
        return IncrementalPdfFileWriter(stream, strict=False)
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError):
        raise NotAPDF() from None


#: OpenType/TrueType fonts with the Turkish letters, tried in order when no font is given.
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
)


def _font(visible: VisibleSignature) -> str | None:
    """The font file for the block, or ``None`` when only the built-in Courier is available."""
    if importlib.util.find_spec("fontTools") is None or importlib.util.find_spec("uharfbuzz") is None:
        return None  # pyHanko's [opentype] extra is not installed
    candidates = (visible.font,) if visible.font else SYSTEM_FONTS
    for path in candidates:
        if path and os.path.isfile(path):
            return path
    if visible.font:
        raise InputError("input.not_found", details={"path": visible.font})
    return None


def _stamp_style(visible: VisibleSignature, font: str | None) -> Any:
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    lines = ["%(name)s"]
    if visible.title:
        lines.append("%(title)s")
    lines.append("%(ts)s")
    kwargs: dict[str, Any] = {}
    if font is not None:
        kwargs["text_box_style"] = TextBoxStyle(font=_font_factory(font))
    return TextStampStyle(stamp_text="\n".join(lines), timestamp_format=visible.date_format, **kwargs)


def _font_factory(path: str) -> Any:
    import logging

    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    # fontTools reports tables it drops while subsetting ("FFTM NOT subset"): noise for our users.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

    class _Factory(GlyphAccumulatorFactory):
        # pyHanko's factory leaves the font file open (a ResourceWarning); read it into memory instead.
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
            with open(self.font_file, "rb") as fh:
                data = io.BytesIO(fh.read())
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer, font_handle=data, font_size=self.font_size, obj_stream=obj_stream
            )

    return _Factory(path)


_FALLBACK = str.maketrans({"ğ": "g", "Ğ": "G", "ş": "s", "Ş": "S", "ı": "i", "İ": "I"})


def _text(value: str, font: str | None) -> str:
    # Without an OpenType font, pyHanko's built-in Courier (WinAnsi) lacks ğ Ğ ş Ş ı İ; ç ö ü are there.
    return value if font is not None else value.translate(_FALLBACK)


def _page_index(reader: PdfFileReader, page: int) -> int:
    count = int(reader.root["/Pages"]["/Count"])
    if page == -1:
        return count - 1
    if not 1 <= page <= count:
        raise UsageError("signing.bad_page", details={"page": page, "pages": count})
    return page - 1


def _sign_bb(
    w: IncrementalPdfFileWriter,
    out: IO[bytes] | io.RawIOBase,
    signer: Signer,
    profile: Profile,
    *,
    field_name: str,
    visible: VisibleSignature | None,
    reason: str | None,
    location: str | None,
) -> None:
    attr_spec = None
    if profile.policy_oid:
        attr_spec = CAdESSignedAttrSpec(signature_policy_identifier=policy_identifier(profile))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=signer.digest_algorithm,
        subfilter=SigSeedSubFilter.PADES,
        cades_signed_attr_spec=attr_spec,
        reason=reason,
        location=location,
    )
    kwargs: dict[str, Any] = {}
    text_params = None
    if visible is not None:
        idx = _page_index(w.prev, visible.page)
        kwargs["new_field_spec"] = fields.SigFieldSpec(field_name, on_page=idx, box=visible.box)
        font = _font(visible)
        kwargs["stamp_style"] = _stamp_style(visible, font)
        name = visible.name or signer.certificate.subject.native.get("common_name", "")
        text_params = {"name": _text(str(name), font), "title": _text(visible.title or "", font)}
    # P1/P2 forbid the chain in the CMS (DOMAIN §5): the signer's certificate only.
    adapter = PyhankoAdapter(signer, with_chain=profile.allows_validation_data)
    pdf_signer = signers.PdfSigner(meta, signer=adapter, **kwargs)
    try:
        pdf_signer.sign_pdf(w, output=out, appearance_text_params=text_params)
    except SigningError as exc:
        cause = exc.__cause__
        if cause is not None and hasattr(cause, "code"):
            raise cause from None
        raise


def _doc_timestamp(src: IO[bytes], out: IO[bytes], tsa: TSAClient, digest: str) -> Any:
    """Append a document time-stamp; returns its token."""
    src.seek(0)
    w = IncrementalPdfFileWriter(src, strict=False)
    stamper = tsa.pyhanko()
    try:
        signers.PdfTimeStamper(stamper).timestamp_pdf(w, digest, output=out)
    except TimestampRequestError as exc:
        raise TSAUnavailable(details={"url": tsa.url, "reason": str(exc)}) from None
    return getattr(stamper, "last_token", None)


def _signature_timestamp(
    src: IO[bytes], out: IO[bytes], tsa: TSAClient, digest: str, profile: Profile, signed_at: datetime
) -> None:
    """The signature's time-stamp as a ``/DocTimeStamp``, refused when too long after ``/M`` (Rehber: 2 h)."""
    from ebys_support.signing.cades import check_timestamp_window

    token = _doc_timestamp(src, out, tsa, digest)
    if token is not None:
        check_timestamp_window(profile, signed_at, token)


def _add_dss(
    src: IO[bytes],
    out: IO[bytes],
    signer: Signer,
    tsa: TSAClient | None,
    profile: Profile,
    trust: Iterable[x509.Certificate],
    timeout: float,
) -> None:
    _add_dss_for(src, out, signer.certificate, signer.chain, profile, trust, timeout)


def _add_dss_for(
    src: IO[bytes],
    out: IO[bytes],
    cert: x509.Certificate,
    chain: Iterable[x509.Certificate],
    profile: Profile,
    trust: Iterable[x509.Certificate],
    timeout: float,
) -> None:
    """Append a ``/DSS`` with the chains and revocation data of the signer and of the TSA."""
    from ebys_support.trust import bundled_roots

    src.seek(0)
    reader = PdfFileReader(src, strict=False)
    tsa_certs: list[x509.Certificate] = []
    for ts in reader.embedded_timestamp_signatures:
        tsa_certs.extend(c.chosen for c in ts.signed_data["certificates"] or [] if c.name == "certificate")
    pool = [*chain, *tsa_certs, *trust, *bundled_roots()]
    data = collect(cert, pool, method=profile.revocation, timeout=timeout)
    certs = list(data.chain)
    ocsps = list(data.ocsps)
    crls = list(data.crls)
    if tsa_certs:
        ts_leaf = _tsa_leaf(reader)
        if ts_leaf is not None:
            tdata = collect(ts_leaf, pool, method="any", timeout=timeout)
            certs.extend(tdata.chain)
            ocsps.extend(tdata.ocsps)
            crls.extend(tdata.crls)
    _copy(src, out)
    DocumentSecurityStore.add_dss(out, None, certs=certs, ocsps=ocsps, crls=crls, strict=False)


def upgrade_pdf(
    source: str | Path | bytes | BinaryIO,
    to: str = "P4",
    *,
    output: str | Path | BinaryIO | None = None,
    trust: Iterable[x509.Certificate] = (),
    now: datetime | None = None,
    profiles: Mapping[str, Profile] | None = None,
    revocation_timeout: float = 10.0,
) -> bytes | None:
    """Turn a P3 PAdES signature (B-T) into B-LT: a ``/DSS`` with revocation data fetched now.

    The PDF counterpart of :func:`ebys_support.signing.cades.upgrade`: refused inside the grace period
    (counted from the document time-stamp), for P1/P2 and without a document time-stamp; a PDF that
    already has a ``/DSS`` is returned unchanged.

    :raises NotASignature: the PDF holds no signature.
    :raises UnsupportedProfile: ``to`` is not ``"P4"``, or the signature cannot be upgraded.
    :raises GracePeriodNotOver: a P3 signature's grace period has not passed.
    """
    from ebys_support.signing.cades import profile_of
    from ebys_support.signing.errors import GracePeriodNotOver, NotASignature

    if str(to).upper() != "P4":
        raise UnsupportedProfile(details={"profile": str(to), "reason": "upgrade_target"})
    now = now or datetime.now(UTC)

    def run(out: IO[bytes] | None) -> bytes | None:
        with _open_input(source) as src:
            _writer(src)  # refuses what is not a PDF
            src.seek(0)
            reader = PdfFileReader(src, strict=False)
            sigs = reader.embedded_regular_signatures
            if not sigs:
                raise NotASignature(details={"reason": "no signature in the PDF"})
            if "/DSS" in reader.root:
                src.seek(0)
                if out is None:
                    return src.read()
                _copy(src, out)
                return None
            sig = sigs[-1]
            prof = profile_of(sig.signer_info)
            if profiles is not None:
                prof = profiles.get(prof.name, prof)
            if not (prof.upgradable or prof.needs_validation_data):
                raise UnsupportedProfile(
                    details={"profile": prof.name, "reason": f"upgrade_{prof.name.lower()}"}
                )
            stamps = reader.embedded_timestamp_signatures
            if not stamps:
                raise UnsupportedProfile(details={"profile": prof.name, "reason": "no_timestamp"})
            if prof.upgrade_requires_grace:
                tst_info = stamps[0].signed_data["encap_content_info"]["content"].parsed
                stamped: datetime = tst_info["gen_time"].native
                until = stamped + prof.grace_period
                if now < until:
                    raise GracePeriodNotOver(details={"until": until.isoformat(timespec="seconds")})
            cert = sig.signer_cert
            chain = [c.chosen for c in sig.signed_data["certificates"] or [] if c.name == "certificate"]
            target = out if out is not None else io.BytesIO()
            _add_dss_for(src, target, cert, chain, prof, trust, revocation_timeout)
            if out is None:
                assert isinstance(target, io.BytesIO)
                return target.getvalue()
            return None

    if output is None:
        return run(None)
    if isinstance(output, str | Path):
        with atomic_output(output) as fh:
            run(fh)
        return None
    run(output)
    return None


class _WriteOnly(io.RawIOBase):
    """A write-only view of a stream."""

    def __init__(self, target: IO[bytes]) -> None:
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        return self._target.write(data)


def _copy(src: IO[bytes], out: IO[bytes]) -> None:
    src.seek(0)
    while chunk := src.read(1 << 20):
        out.write(chunk)
    out.seek(0)


def _tsa_leaf(reader: PdfFileReader) -> x509.Certificate | None:
    last = None
    for ts in reader.embedded_timestamp_signatures:
        last = ts.signer_cert
    return last


def sign_pdf(
    source: str | Path | bytes | BinaryIO,
    signer: Signer,
    profile: str | Profile = "P1",
    *,
    output: str | Path | BinaryIO | None = None,
    level: str | None = None,
    tsa: TSAClient | str | None = None,
    trust: Iterable[x509.Certificate] = (),
    field_name: str | None = None,
    visible: VisibleSignature | None = None,
    reason: str | None = None,
    location: str | None = None,
    revocation_timeout: float = 10.0,
) -> bytes | None:
    """Sign a PDF.

    :param source: the PDF (path, bytes or a seekable binary stream).
    :param output: where to write: a path (written atomically: complete or absent), a writable stream, or
        ``None`` to return the signed PDF as bytes.
    :param level: ``B-B``, ``B-T``, ``B-LT`` or ``B-LTA`` (default: the profile's minimum).
    :param tsa: time-stamp authority, needed from B-T on.
    :param trust: CA certificates to complete chains for the DSS.
    :param visible: a visible signature block; invisible when ``None``.
    :raises NotAPDF: ``source`` is not a readable PDF.
    :raises UnsupportedProfile: the level is too weak for the profile.
    :raises UsageError: ``signing.tsa_required`` when a time-stamp is needed and no TSA is given.
    """
    prof = get_profile(profile)
    lv = level_for(prof, level)
    tsa_client = TSAClient(tsa) if isinstance(tsa, str) else tsa
    if lv != "B-B" and tsa_client is None:
        raise UsageError("signing.tsa_required", details={"profile": f"{prof.name} {lv}"})
    name = field_name or f"Imza{datetime.now().strftime('%Y%m%d%H%M%S')}"

    def run(out: IO[bytes]) -> None:
        with _open_input(source) as src:
            w = _writer(src)
            if field_name is None:
                existing = {f[0] for f in fields.enumerate_sig_fields(w.prev)}
                n = name
                i = 1
                while n in existing:
                    i += 1
                    n = f"{name}_{i}"
            else:
                n = name
            if lv == "B-B":
                # Write-only: pyHanko renders into memory and writes the result once (its own fast path)
                # instead of patching the file in place.
                target = _WriteOnly(out)
                _sign_bb(
                    w, target, signer, prof, field_name=n, visible=visible, reason=reason, location=location
                )
                return
            assert tsa_client is not None
            md = signer.digest_algorithm
            with tempfile.TemporaryFile() as t1:
                # The PDF /M is the local time at signing, taken just after this moment.
                signed_at = datetime.now(UTC).replace(microsecond=0)
                _sign_bb(w, t1, signer, prof, field_name=n, visible=visible, reason=reason, location=location)
                if lv == "B-T":
                    _signature_timestamp(t1, out, tsa_client, md, prof, signed_at)
                    return
                with tempfile.TemporaryFile() as t2:
                    _signature_timestamp(t1, t2, tsa_client, md, prof, signed_at)
                    if lv == "B-LT":
                        _add_dss(t2, out, signer, tsa_client, prof, trust, revocation_timeout)
                        return
                    with tempfile.TemporaryFile() as t3:
                        _add_dss(t2, t3, signer, tsa_client, prof, trust, revocation_timeout)
                        _doc_timestamp(t3, out, tsa_client, signer.digest_algorithm)

    if output is None:
        buf = io.BytesIO()
        run(buf)
        return buf.getvalue()
    if isinstance(output, str | Path):
        with atomic_output(output) as fh:
            run(fh)
        return None
    run(output)
    return None
