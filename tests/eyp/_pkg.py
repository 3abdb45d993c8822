"""Building test packages: start from a sample, change parts, recompute digests, sign for real.

Samples live in ``tests/data/eyp/`` (copied from the shared samples with their README and licence).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "eyp"

_ALG = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_REFERENCE = re.compile(r'(<Reference\b[^>]*\bURI="([^"]*)"[^>]*>)(.*?)(</Reference>)', re.S)
_DIGEST = re.compile(
    r'(<DigestMethod\s+Algorithm="([^"]+)"\s*/>\s*<DigestValue>)([^<]*)(</DigestValue>)', re.S
)


class Pkg:
    """A package as an ordered mapping of zip entry names to bytes."""

    def __init__(self, entries: dict[str, bytes]) -> None:
        self.entries = dict(entries)

    @classmethod
    def sample(cls, name: str) -> Pkg:
        with zipfile.ZipFile(DATA / name) as zf:
            return cls({i.filename: zf.read(i) for i in zf.infolist()})

    def copy(self) -> Pkg:
        return Pkg(self.entries)

    # -- editing ------------------------------------------------------------------------------------

    def get(self, name: str) -> bytes:
        return self.entries[name.lstrip("/")]

    def set(self, name: str, data: bytes) -> Pkg:
        self.entries[name.lstrip("/")] = data
        return self

    def remove(self, name: str) -> Pkg:
        del self.entries[name.lstrip("/")]
        return self

    def rename(self, old: str, new: str) -> Pkg:
        self.entries = {(new.lstrip("/") if k == old.lstrip("/") else k): v for k, v in self.entries.items()}
        return self

    def replace(self, name: str, old: str, new: str, count: int = 1) -> Pkg:
        text = self.get(name).decode("utf-8")
        assert old in text, f"{old!r} not in {name}"
        return self.set(name, text.replace(old, new, count).encode("utf-8"))

    def redigest(self, *summaries: str) -> Pkg:
        """Recompute the digests of the given summaries (default: all, in signing order)."""
        order = summaries or (
            "ParafOzeti/ParafOzeti.xml",
            "PaketOzeti/PaketOzeti.xml",
            "NihaiOzet/NihaiOzet.xml",
        )
        for summary in order:
            if summary.lstrip("/") not in self.entries:
                continue
            text = self.get(summary).decode("utf-8-sig")
            bom = self.get(summary).startswith(b"\xef\xbb\xbf")

            def fix_ref(m: re.Match[str]) -> str:
                target = m.group(2).lstrip("/")
                if target not in self.entries:
                    return m.group(0)
                data = self.entries[target]

                def fix_digest(d: re.Match[str]) -> str:
                    alg = _ALG[d.group(2)]
                    value = base64.b64encode(hashlib.new(alg, data).digest()).decode()
                    return d.group(1) + value + d.group(4)

                return m.group(1) + _DIGEST.sub(fix_digest, m.group(3)) + m.group(4)

            new = _REFERENCE.sub(fix_ref, text)
            self.set(summary, (b"\xef\xbb\xbf" if bom else b"") + new.encode("utf-8"))
        return self

    # -- signing --------------------------------------------------------------------------------------

    def sign(self, signer: Any, *, seal: Any = None, tmp: Path) -> Pkg:
        """Sign PaketOzeti (attached CAdES-BES via ``openssl cms -sign -nodetach``), recompute NihaiOzet and
        seal it with ``seal`` (default: the same signer)."""
        self.redigest("ParafOzeti/ParafOzeti.xml", "PaketOzeti/PaketOzeti.xml")
        self.set("Imzalar/ImzaCades.imz", openssl_sign(self.get("PaketOzeti/PaketOzeti.xml"), signer, tmp))
        if "Paraflar/ParafImzaCades.imz" in self.entries:
            self.set(
                "Paraflar/ParafImzaCades.imz",
                openssl_sign(self.get("ParafOzeti/ParafOzeti.xml"), signer, tmp),
            )
            self.redigest("PaketOzeti/PaketOzeti.xml")
            self.set(
                "Imzalar/ImzaCades.imz", openssl_sign(self.get("PaketOzeti/PaketOzeti.xml"), signer, tmp)
            )
        self.redigest("NihaiOzet/NihaiOzet.xml")
        muhur = (
            "Muhur/MuhurCades.imz" if "Muhur/MuhurCades.imz" in self.entries else "Muhurler/MuhurCades.imz"
        )
        self.set(muhur, openssl_sign(self.get("NihaiOzet/NihaiOzet.xml"), seal or signer, tmp))
        return self

    # -- output ---------------------------------------------------------------------------------------

    def build(self, *, extra: list[zipfile.ZipInfo | tuple[zipfile.ZipInfo, bytes]] | None = None) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in self.entries.items():
                zf.writestr(name, data)
            for item in extra or []:
                if isinstance(item, tuple):
                    zf.writestr(item[0], item[1])
        return buf.getvalue()


def openssl_sign(content: bytes, signer: Any, tmp: Path) -> bytes:
    """An attached CMS SignedData over ``content`` made by ``openssl cms -sign -nodetach``."""
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "content.bin"
    src.write_bytes(content)
    cert = tmp / f"{signer.name}.crt.pem"
    key = tmp / f"{signer.name}.key.pem"
    cert.write_bytes(
        signer.cert_pem if isinstance(signer.cert_pem, bytes) else Path(signer.cert_pem).read_bytes()
    )
    key.write_bytes(
        signer.key_pem if isinstance(signer.key_pem, bytes) else Path(signer.key_pem).read_bytes()
    )
    out = tmp / "sig.der"
    chain = getattr(signer, "chain_pem", None)
    extra = ["-certfile", str(chain)] if chain is not None and Path(str(chain)).exists() else []
    subprocess.run(
        [
            "openssl",
            "cms",
            "-sign",
            "-nodetach",
            "-cades",
            "-binary",
            "-md",
            "sha256",
            "-in",
            str(src),
            "-signer",
            str(cert),
            "-inkey",
            str(key),
            *extra,
            "-outform",
            "DER",
            "-out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()
