"""e-Yazışma package check: speed and memory on a 20 MB package with 30 attachments.

Builds a synthetic EYP 2.x package (clearly made up: random bytes behind a ``%PDF-`` header, subject
"Sentetik ölçüm paketi") whose PaketOzeti and NihaiOzet carry SHA-384 + SHA-512 digests of every part, as
2.x packages do, then measures :func:`ebys_support.eyp.check` (structure and digests, signature checked
offline: the .imz files are placeholders) against baselines measured in the same run:

* time — baseline: hashing the package file's bytes twice, once with SHA-384 and once with SHA-512
  (the digest work any checker has to do). Target (issue 9): < 2x.
* memory — peak of Python allocations (``tracemalloc``) during the check of the package *file*, against
  the size of its largest part. Target: < 3x.

Run: ``.venv/bin/python benchmarks/eyp.py [--size-mb 20] [--attachments 30] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ebys_support.eyp import check  # noqa: E402

_T = "urn:dpt:eyazisma:schema:xsd:Tipler-2"
_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
_SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
_REL = "http://eyazisma.dpt/iliskiler/"
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"


def _pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def _reference(uri: str, data: bytes) -> str:
    items = "".join(
        f'<DigestItem><DigestMethod Algorithm="{alg}" /><DigestValue>'
        f"{base64.b64encode(hashlib.new(name, data).digest()).decode()}</DigestValue></DigestItem>"
        for alg, name in ((_SHA384, "sha384"), (_SHA512, "sha512"))
    )
    return f'<Reference URI="{uri}" Type="http://eyazisma.dpt/bilesen#dahili">{items}</Reference>'


def build(size_mb: int, attachments: int) -> bytes:
    belge = str(uuid.uuid4()).upper()
    total = size_mb * 1024 * 1024
    letter = _pdf(total // (attachments + 3) * 3)
    each = (total - len(letter)) // attachments
    eks = [(str(uuid.uuid4()).upper(), _pdf(each)) for _ in range(attachments)]
    ek_xml = "".join(
        f'<t:Ek><t:Id Value="{eid}" EYazismaIdMi="false" /><t:Tur>DED</t:Tur><t:DosyaAdi>ek{i}.pdf</t:DosyaAdi>'
        f"<t:MimeTuru>application/pdf</t:MimeTuru><t:Ad>Ek {i}</t:Ad><t:SiraNo>{i}</t:SiraNo>"
        "<t:ImzaliMi>true</t:ImzaliMi></t:Ek>"
        for i, (eid, _) in enumerate(eks, 1)
    )
    ustveri = (
        f'<?xml version="1.0" encoding="utf-8"?><UstVeri xmlns:t="{_T}" xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-2">'
        f"<t:BelgeId>{belge}</t:BelgeId><t:Konu>Sentetik ölçüm paketi</t:Konu><t:GuvenlikKodu>YOK</t:GuvenlikKodu>"
        "<t:DagitimListesi><t:Dagitim><t:KurumKurulus><t:KKK>28119270</t:KKK><t:Adi>Sentetik Birim</t:Adi>"
        "</t:KurumKurulus><t:Ivedilik>NRM</t:Ivedilik><t:DagitimTuru>GRG</t:DagitimTuru></t:Dagitim></t:DagitimListesi>"
        f"<t:Ekler>{ek_xml}</t:Ekler><t:Dil>tur</t:Dil><t:Olusturan><t:KurumKurulus><t:KKK>61648174</t:KKK>"
        "<t:Adi>Sentetik Gönderen</t:Adi></t:KurumKurulus></t:Olusturan><t:DosyaAdi>ustyazi.pdf</t:DosyaAdi>"
        "<t:SdpBilgisi><t:AnaSdp><t:Kod>041.02</t:Kod><t:Ad>Bilgi Notları</t:Ad></t:AnaSdp></t:SdpBilgisi>"
        "<t:DogrulamaBilgisi><t:DogrulamaAdresi>https://ornek.gov.tr/dogrula</t:DogrulamaAdresi>"
        "</t:DogrulamaBilgisi></UstVeri>"
    ).encode()
    nihai_ustveri = (
        f'<?xml version="1.0" encoding="utf-8"?><NihaiUstVeri xmlns:t="{_T}" '
        'xmlns="urn:dpt:eyazisma:schema:xsd:NihaiUstveri-2"><t:Tarih>2025-01-29T10:00:00Z</t:Tarih>'
        "<t:BelgeNo>E-61648174-041.02-1</t:BelgeNo><t:BelgeImzalar><t:Imza><t:Imzalayan><t:Kisi>"
        "<t:IlkAdi>Sentetik</t:IlkAdi><t:Soyadi>İmzacı</t:Soyadi></t:Kisi></t:Imzalayan>"
        "<t:Tarih>2025-01-29T10:00:00Z</t:Tarih></t:Imza></t:BelgeImzalar></NihaiUstVeri>"
    ).encode()
    core_name = f"package/services/metadata/core-properties/{uuid.uuid4().hex}.psmdcp"
    core = (
        '<?xml version="1.0" encoding="utf-8"?><coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
        f"<dc:identifier>{belge}</dc:identifier><dcterms:created>2025-01-29T10:00:00Z</dcterms:created>"
        "<dc:creator>Sentetik</dc:creator><dc:subject>Sentetik ölçüm paketi</dc:subject>"
        "<category>RESMIYAZISMA</category><contentType>application/eyazisma</contentType>"
        "<version>2.0</version></coreProperties>"
    ).encode()
    imza = b"\x01\x02\x03\x04"
    parts: dict[str, bytes] = {"UstYazi/ustyazi.pdf": letter, "Ustveri/Ustveri.xml": ustveri}
    for i, (_, data) in enumerate(eks, 1):
        parts[f"Ekler/ek{i}.pdf"] = data
    signed = [
        "UstYazi/ustyazi.pdf",
        "Ustveri/Ustveri.xml",
        *[f"Ekler/ek{i}.pdf" for i in range(1, attachments + 1)],
    ]
    paket = (
        f'<?xml version="1.0" encoding="utf-8"?><PaketOzeti Id="{belge}" '
        'xmlns="urn:dpt:eyazisma:schema:xsd:PaketOzeti-2">'
        + "".join(_reference("/" + n, parts[n]) for n in signed)
        + "</PaketOzeti>"
    ).encode()
    parts["PaketOzeti/PaketOzeti.xml"] = paket
    parts["Imzalar/ImzaCades.imz"] = imza
    parts["NihaiUstveri/NihaiUstveri.xml"] = nihai_ustveri
    parts[core_name] = core
    final = [
        *signed,
        "PaketOzeti/PaketOzeti.xml",
        "Imzalar/ImzaCades.imz",
        "NihaiUstveri/NihaiUstveri.xml",
        core_name,
    ]
    parts["NihaiOzet/NihaiOzet.xml"] = (
        f'<?xml version="1.0" encoding="utf-8"?><NihaiOzet Id="{belge}" '
        'xmlns="urn:dpt:eyazisma:schema:xsd:NihaiOzet-2">'
        + "".join(_reference("/" + n, parts[n]) for n in final)
        + "</NihaiOzet>"
    ).encode()
    parts["Muhur/MuhurCades.imz"] = imza
    rels = [
        ("ustyazi", "/UstYazi/ustyazi.pdf", "IdUstYazi"),
        ("ustveri", "/Ustveri/Ustveri.xml", "IdUstveri"),
    ]
    rels += [("ek", f"/Ekler/ek{i}.pdf", f"IdEk_{eid}") for i, (eid, _) in enumerate(eks, 1)]
    rels += [
        ("PaketOzeti", "/PaketOzeti/PaketOzeti.xml", "IdPaketOzeti"),
        ("nihaiustveri", "/NihaiUstveri/NihaiUstveri.xml", "IdNihaiUstveri"),
        ("nihaiozet", "/NihaiOzet/NihaiOzet.xml", "IdNihaiOzet"),
    ]
    rel_xml = "".join(
        f'<Relationship Type="{_REL}{t}" Target="{target}" Id="{i}" />' for t, target, i in rels
    )
    rel_xml += f'<Relationship Type="{_CORE_REL}" Target="/{core_name}" Id="RCore" />'

    def relationships(body: str) -> bytes:
        ns = "http://schemas.openxmlformats.org/package/2006/relationships"
        return f'<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="{ns}">{body}</Relationships>'.encode()

    parts["_rels/.rels"] = relationships(rel_xml)
    parts["PaketOzeti/_rels/PaketOzeti.xml.rels"] = relationships(
        f'<Relationship Type="{_REL}imzacades" Target="../Imzalar/ImzaCades.imz" Id="IdImzaCades" />'
    )
    parts["NihaiOzet/_rels/NihaiOzet.xml.rels"] = relationships(
        f'<Relationship Type="{_REL}muhurcades" Target="../Muhur/MuhurCades.imz" Id="IdMuhurCades" />'
    )
    types = "".join(
        f'<Default Extension="{ext}" ContentType="{ct}" />'
        for ext, ct in (
            ("pdf", "application/pdf"),
            ("rels", "application/vnd.openxmlformats-package.relationships+xml"),
            ("psmdcp", "application/vnd.openxmlformats-package.core-properties+xml"),
            ("xml", "application/xml"),
            ("imz", "application/octet-stream"),
        )
    )
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="utf-8"?><Types '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{types}</Types>'
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _best(fn: object, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=20)
    parser.add_argument("--attachments", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    data = build(args.size_mb, args.attachments)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sentetik.eyp"
        path.write_bytes(data)
        with zipfile.ZipFile(path) as zf:
            largest = max(i.file_size for i in zf.infolist())
            parts = len(zf.infolist())

        report = check(path)
        critical = [f.code for f in report.findings if f.severity == "critical"]
        assert report.structure == "sound", critical
        assert critical == ["eyp.cms_not_signed_data", "eyp.cms_not_signed_data"], critical

        def baseline() -> None:
            raw = path.read_bytes()
            hashlib.sha384(raw).digest()
            hashlib.sha512(raw).digest()

        base = _best(baseline, args.rounds)
        ours = _best(lambda: check(path), args.rounds)

        tracemalloc.start()
        check(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    ratio = ours / base
    mem_ratio = peak / largest
    print(f"package: {len(data) / 1e6:.1f} MB, {parts} parts, {args.attachments} attachments, "
          f"largest part {largest / 1e6:.2f} MB, {report.digests_checked} digests checked")  # fmt: skip
    print(f"baseline  SHA-384 + SHA-512 of the package bytes: {base * 1000:8.1f} ms")
    print(
        f"eyp.check (structure, digests, signature offline): {ours * 1000:8.1f} ms  -> {ratio:.2f}x (target < 2x)"
    )
    print(
        f"peak Python memory during check: {peak / 1e6:.2f} MB -> {mem_ratio:.2f}x the largest part (target < 3x)"
    )
    ok = ratio < 2 and mem_ratio < 3
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
