"""Signing speed and memory on a SoftHSM2 token (issue 6).

Run: ``.venv/bin/python benchmarks/signing.py [--docs 1000] [--pdf-mb 10] [--runs 5]``.

Setup: the test PKI (``tests/pki/kamusm-test.yml``) and a private SoftHSM2 token holding the ``rsa`` NES
signer (RSA-2048), as on a KamuSM card. Everything below runs in one process with one login.

(a) CAdES-BES (P1) over ``--docs`` different 10 kB documents with :class:`CAdESSigner` on a
    :class:`TokenSigner`, against the bare python-pkcs11 ``key.sign(doc, SHA256_RSA_PKCS)`` over the same
    documents in the same session. Target: added cost per document under 2 ms. pyHanko's generic CMS path
    (``PKCS11Signer.async_sign_general_data``) is timed too, for reference.
(b) PAdES B-B of a ``--pdf-mb`` MB PDF with :func:`ebys_support.signing.pades.sign_pdf` (file to file,
    atomic write), against pyHanko's own ``signers.sign_pdf`` (file to file) with pyHanko's
    ``PKCS11Signer`` on the same session. Target: within 1.2x (medians of ``--runs``).
(c) Peak memory (tracemalloc) while (b) signs the PDF. Target: under 3x the PDF's size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABEL = "bench-sign"
PIN = "246810"


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def make_pdf(path: Path, megabytes: int) -> None:
    """A PDF of about ``megabytes`` MB: one page drawing an uncompressed random-noise image."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    w = PdfFileWriter()
    image = generic.StreamObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Image"),
            generic.pdf_name("/Width"): generic.NumberObject(side),
            generic.pdf_name("/Height"): generic.NumberObject(side),
            generic.pdf_name("/ColorSpace"): generic.pdf_name("/DeviceRGB"),
            generic.pdf_name("/BitsPerComponent"): generic.NumberObject(8),
        },
        stream_data=os.urandom(side * side * 3),
    )
    img_ref = w.add_object(image)
    content = w.add_object(generic.StreamObject(stream_data=b"q 500 0 0 500 50 200 cm /Im0 Do Q"))
    page = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]
            ),
            generic.pdf_name("/Resources"): generic.DictionaryObject(
                {
                    generic.pdf_name("/XObject"): generic.DictionaryObject(
                        {generic.pdf_name("/Im0"): img_ref}
                    ),
                }
            ),
            generic.pdf_name("/Contents"): content,
        }
    )
    w.insert_page(page)
    with path.open("wb") as fh:
        w.write(fh)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--pdf-mb", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ebys-bench-sign-"))
    from benchmarks._token import provision_token

    module, pki = provision_token(work, LABEL, PIN)
    ca_certs = [pki.ca, pki.root]

    import pkcs11
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.pkcs11 import PKCS11Signer

    from ebys_support.signing import TokenSigner
    from ebys_support.signing.cades import CAdESSigner
    from ebys_support.signing.pades import sign_pdf

    signer = TokenSigner(module, token_label=LABEL, key_id=b"\x01", pin=PIN, extra_certs=ca_certs)
    session = signer._session  # the one logged-in session, shared by the baselines
    key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, id=b"\x01")
    docs = [os.urandom(10 * 1024) for _ in range(args.docs)]

    # (a) ---------------------------------------------------------------------------------------
    def bare() -> None:
        for d in docs:
            key.sign(d, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS)

    cades = CAdESSigner(signer, "P1")

    def ours() -> None:
        for d in docs:
            cades.sign(d)

    ph_signer = PKCS11Signer(session, key_id=b"\x01", cert_id=b"\x01", ca_chain=ca_certs)
    few = docs[: max(50, args.docs // 10)]

    def pyhanko_generic() -> None:
        async def run() -> None:
            for d in few:
                await ph_signer.async_sign_general_data(d, "sha256", detached=False, use_cades=True)

        asyncio.run(run())

    bare()  # warm-up
    ours()
    pyhanko_generic()
    t_bare = min(median_seconds(bare, 1), median_seconds(bare, 1))
    t_ours = min(median_seconds(ours, 1), median_seconds(ours, 1))
    t_ph = median_seconds(pyhanko_generic, 1)
    per_bare = t_bare / len(docs) * 1000
    per_ours = t_ours / len(docs) * 1000
    per_ph = t_ph / len(few) * 1000
    added = per_ours - per_bare
    print(f"(a) {len(docs)} CAdES-BES over 10 kB documents, one login, SoftHSM2 RSA-2048")
    print(f"    baseline key.sign(SHA256_RSA_PKCS): {t_bare:.3f} s ({per_bare:.3f} ms/doc)")
    print(f"    CAdESSigner.sign:                   {t_ours:.3f} s ({per_ours:.3f} ms/doc)")
    print(
        f"    pyHanko async_sign_general_data:       {per_ph:.3f} ms/doc ({per_ph - per_bare:.3f} ms added, reference)"
    )
    print(f"    added cost per document: {added:.3f} ms -> target < 2 ms {'met' if added < 2 else 'NOT met'}")

    # (b) ---------------------------------------------------------------------------------------
    pdf = work / "big.pdf"
    make_pdf(pdf, args.pdf_mb)
    size = pdf.stat().st_size
    out_dir = work / "out"
    out_dir.mkdir()

    def pyhanko_pdf() -> None:
        meta = signers.PdfSignatureMetadata(
            field_name="Imza", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
        )
        with pdf.open("rb") as inf, (out_dir / "pyhanko.pdf").open("wb") as outf:
            signers.sign_pdf(IncrementalPdfFileWriter(inf, strict=False), meta, signer=ph_signer, output=outf)

    def ours_pdf() -> None:
        sign_pdf(pdf, signer, "P1", output=out_dir / "ours.pdf", field_name="Imza")

    pyhanko_pdf()
    ours_pdf()
    t_ph_pdf = median_seconds(pyhanko_pdf, args.runs)
    t_ours_pdf = median_seconds(ours_pdf, args.runs)
    ratio = t_ours_pdf / t_ph_pdf
    print(f"(b) PAdES B-B of a {size / 1e6:.1f} MB PDF (median of {args.runs})")
    print(f"    baseline pyHanko signers.sign_pdf:  {t_ph_pdf * 1000:.1f} ms")
    print(f"    ebys_support pades.sign_pdf:        {t_ours_pdf * 1000:.1f} ms")
    print(f"    ratio {ratio:.2f}x -> target <= 1.2x {'met' if ratio <= 1.2 else 'NOT met'}")

    # (c) ---------------------------------------------------------------------------------------
    tracemalloc.start()
    ours_pdf()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mem_ratio = peak / size
    print(f"(c) peak traced memory while signing: {peak / 1e6:.1f} MB = {mem_ratio:.2f}x the PDF")
    print(f"    target < 3x {'met' if mem_ratio < 3 else 'NOT met'}")
    signer.close()


if __name__ == "__main__":
    main()
