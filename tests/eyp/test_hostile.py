"""Hostile packages are refused with a code, never extracted, never fetched, and nothing is written."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from ebys_support.eyp import Limits, NotAPackage, TooLarge, UnsafeEntry, XmlForbidden, check
from tests.eyp._pkg import Pkg


def _v2() -> Pkg:
    return Pkg.sample("paketv2x.eyp")


def _with_entry(info: zipfile.ZipInfo | str, data: bytes = b"x") -> bytes:
    buf = io.BytesIO(_v2().build())
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr(info, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "path_traversal"),
        ("Ekler/../../evil.txt", "path_traversal"),
        ("Ekler/%2e%2e/evil.txt", "path_traversal"),
        ("/etc/cron.d/evil", "absolute_path"),
        ("C:/Windows/evil.txt", "absolute_path"),
        ("Ekler\\..\\evil.txt", "backslash"),
        ("Ekler//evil.txt", "empty_segment"),
    ],
)
def test_unsafe_names_are_refused(name: str, reason: str, no_side_effects: None) -> None:
    info = zipfile.ZipInfo("placeholder")
    info.filename = name  # ZipInfo would rewrite some of these; a hostile writer does not
    with pytest.raises(UnsafeEntry) as err:
        check(_with_entry(info))
    assert err.value.code == "eyp.unsafe_entry"
    assert err.value.details["reason"] == reason
    assert err.value.exit_code == 4


def test_symlink_is_refused(no_side_effects: None) -> None:
    info = zipfile.ZipInfo("Ekler/link.pdf")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    with pytest.raises(UnsafeEntry) as err:
        check(_with_entry(info, b"/etc/passwd"))
    assert err.value.details["reason"] == "symlink"


def test_duplicate_names_compared_like_opc_are_refused(no_side_effects: None) -> None:
    with pytest.raises(UnsafeEntry) as err:
        check(_with_entry("ustveri/USTVERI.xml", b"<x/>"))
    assert err.value.details["reason"] == "duplicate_name"


def test_encrypted_entry_and_odd_compression_are_refused(no_side_effects: None) -> None:
    data = bytearray(_with_entry("Diger/a.txt", b"abc"))
    # Set the "encrypted" flag of the last entry in the central directory.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 0x01
    with pytest.raises(UnsafeEntry) as err:
        check(bytes(data))
    assert err.value.details["reason"] == "encrypted_entry"
    info = zipfile.ZipInfo("Diger/b.txt")
    info.compress_type = zipfile.ZIP_BZIP2
    with pytest.raises(UnsafeEntry) as err:
        check(_with_entry(info, b"abc"))
    assert err.value.details["reason"] == "compression_method"


def test_overlapping_entries_are_refused(no_side_effects: None) -> None:
    """Two central-directory records pointing at the same local data (the "better zip bomb")."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", b"A" * 100)
    raw = buf.getvalue()
    cd_start = raw.find(b"PK\x01\x02")
    eocd = raw.find(b"PK\x05\x06")
    record = raw[cd_start:eocd]
    second = record.replace(b"a.txt", b"b.txt")
    eocd_rec = bytearray(raw[eocd:])
    eocd_rec[8:10] = (2).to_bytes(2, "little")
    eocd_rec[10:12] = (2).to_bytes(2, "little")
    eocd_rec[12:16] = (len(record) * 2).to_bytes(4, "little")
    with pytest.raises(UnsafeEntry) as err:
        check(raw[:cd_start] + record + second + bytes(eocd_rec))
    assert err.value.details["reason"] == "overlapping_entries"


def test_zip_bomb_ratio_is_refused_before_inflating(no_side_effects: None) -> None:
    info = zipfile.ZipInfo("Ekler/bomba.pdf")
    info.compress_type = zipfile.ZIP_DEFLATED
    with pytest.raises(TooLarge) as err:
        check(_with_entry(info, b"\0" * (8 * 1024 * 1024)))
    assert err.value.code == "eyp.too_large"
    assert err.value.details["reason"] == "ratio"
    assert err.value.http_status == 413


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (Limits(max_package_bytes=10_000), "package_size"),
        (Limits(max_entries=5), "entries"),
        (Limits(max_part_bytes=20_000), "part_size"),
        (Limits(max_total_bytes=50_000), "total_size"),
        (Limits(max_xml_bytes=1_000), "xml_size"),
    ],
)
def test_size_limits(limits: Limits, reason: str, no_side_effects: None) -> None:
    with pytest.raises(TooLarge) as err:
        check(_v2().build(), limits=limits)
    assert err.value.details["reason"] == reason


def test_lying_header_cannot_inflate_more_than_declared(no_side_effects: None) -> None:
    """An entry declaring a small size but holding more data is cut at the declared size (CRC fails)."""
    payload = b"<x>" + b"a" * 100_000 + b"</x>"
    buf = io.BytesIO(_v2().build())
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("Diger/yalan.xml", payload)
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    with pytest.raises(NotAPackage):
        check(bytes(data))


_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE UstVeri [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<UstVeri xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-2">&xxe;</UstVeri>"""

_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE UstVeri SYSTEM "http://localhost:9/evil.dtd">
<UstVeri xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-2"/>"""

_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"""


@pytest.mark.parametrize(
    "xml", [_XXE, _NETWORK, _LAUGHS, _XXE.decode().encode("utf-16")], ids=["xxe", "dtd", "laughs", "utf16"]
)
def test_dtd_and_entities_are_refused(xml: bytes, no_side_effects: None) -> None:
    with pytest.raises(XmlForbidden) as err:
        check(_v2().set("Ustveri/Ustveri.xml", xml).build())
    assert err.value.code == "eyp.xml_forbidden"
    assert err.value.details["part"] == "/Ustveri/Ustveri.xml"


def test_dtd_in_an_unreferenced_part_is_refused_too(no_side_effects: None) -> None:
    with pytest.raises(XmlForbidden):
        check(_v2().set("Diger/gizli.xml", _XXE).build())


def test_deep_xml_is_refused(no_side_effects: None) -> None:
    deep = b"<a>" * 100 + b"</a>" * 100
    with pytest.raises(XmlForbidden) as err:
        check(_v2().set("Diger/derin.xml", deep).build())
    assert err.value.details["reason"] == "depth"


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", zlib.compress(b"x" * 100)],
    ids=["empty", "text", "zlib"],
)
def test_not_a_package(data: bytes) -> None:
    with pytest.raises(NotAPackage) as err:
        check(data)
    assert err.value.code == "eyp.not_a_package"
    assert err.value.exit_code == 4


def test_zip_that_is_not_an_eyazisma_package() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", b"hello")
    with pytest.raises(NotAPackage) as err:
        check(buf.getvalue())
    assert err.value.details["reason"] == "not_opc"
    docx_like = Pkg(
        {
            "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            b'Target="word/document.xml" Id="R1"/></Relationships>',
        }
    )
    with pytest.raises(NotAPackage) as err:
        check(docx_like.build())
    assert err.value.details["reason"] == "no_eyazisma_parts"


def test_missing_file_is_not_a_package(tmp_path: object) -> None:
    with pytest.raises(NotAPackage) as err:
        check("/nonexistent/paket.eyp")
    assert err.value.details["reason"] == "unreadable"


def test_refusal_messages_in_both_languages() -> None:
    with pytest.raises(UnsafeEntry) as err:
        info = zipfile.ZipInfo("x")
        info.filename = "../evil.txt"
        check(_with_entry(info))
    assert "../evil.txt" in err.value.localized("tr")
    assert "diske" in err.value.localized("tr")
    assert "{" not in err.value.localized("en")


def test_every_refusal_reason_is_explained_in_both_languages() -> None:
    from ebys_support import i18n

    classes = {
        "not_zip": NotAPackage, "unreadable": NotAPackage, "type": NotAPackage, "entry_unreadable": NotAPackage,
        "not_opc": NotAPackage, "no_eyazisma_parts": NotAPackage, "control_character": UnsafeEntry,
        "backslash": UnsafeEntry, "absolute_path": UnsafeEntry, "path_traversal": UnsafeEntry,
        "empty_segment": UnsafeEntry, "symlink": UnsafeEntry, "encrypted_entry": UnsafeEntry,
        "compression_method": UnsafeEntry, "duplicate_name": UnsafeEntry, "overlapping_entries": UnsafeEntry,
        "entries": TooLarge, "directory": TooLarge, "package_size": TooLarge, "part_size": TooLarge, "xml_size": TooLarge,
        "total_size": TooLarge, "ratio": TooLarge, "dtd": XmlForbidden, "depth": XmlForbidden,
    }  # fmt: skip
    keys = {k.removeprefix("ui.eyp.refusal.") for k in i18n.catalogue() if k.startswith("ui.eyp.refusal.")}
    assert keys == set(classes)
    details = {"entry": "Ekler/x.pdf", "part": "/Ustveri/Ustveri.xml", "path": "x.eyp", "type": "int",
               "size": 300, "limit": 200}  # fmt: skip
    for reason, cls in classes.items():
        err = cls(details={**details, "reason": reason})
        for lang in ("en", "tr"):
            text = err.localized(lang)
            assert "{" not in text and f"({reason})" not in text and f": {reason}" not in text, text
    assert NotAPackage(details={"reason": "not_zip"}).localized("tr") == (
        "Bu bir e-Yazışma paketi değil: zip dosyası değil."
    )


def _many_entries(count: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(count):
            zf.writestr(f"e{i}", b"")
    return buf.getvalue()


def test_entry_flood_is_refused_before_zipfile_parses_the_directory(
    monkeypatch: pytest.MonkeyPatch, no_side_effects: None
) -> None:
    flood = _many_entries(3000)
    # Lie in the end record: one entry, so only the directory's size gives the flood away.
    liar = bytearray(flood)
    at = liar.rfind(b"PK\x05\x06")
    liar[at + 8 : at + 12] = (1).to_bytes(2, "little") * 2

    def no_zipfile(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile parsed the directory of a refused package")

    monkeypatch.setattr(zipfile, "ZipFile", no_zipfile)
    with pytest.raises(TooLarge) as err:
        check(flood, limits=Limits(max_entries=100))
    assert err.value.details == {"reason": "entries", "size": 3000, "limit": 100}
    with pytest.raises(TooLarge) as err:
        check(bytes(liar), limits=Limits(max_directory_bytes=10_000))
    assert err.value.details["reason"] == "directory" and err.value.details["size"] > 10_000
    assert "zip dizini çok büyük" in err.value.localized("tr")


def test_zip64_end_record_is_read_for_the_entry_count(no_side_effects: None) -> None:
    # A zip64 end record claiming 70,000 entries (more than the 0xFFFF a plain end record can hold).
    data = _many_entries(3)
    at = data.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack_from("<2L", data, at + 12)
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 70_000, 70_000, cd_size, cd_offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with pytest.raises(TooLarge) as err:
        check(data[:at] + zip64 + locator + end, limits=Limits(max_entries=65_000))
    assert err.value.details["reason"] == "entries" and err.value.details["size"] == 70_000
