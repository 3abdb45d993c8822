"""The archive audit's block path (``str.split`` on quote-free blocks, row codes decided in bulk) gives the
same report, byte for byte, as reading every row with the csv module and checking it with ``one()``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import sdp_codes
from ebys_support import archive_audit

HEADER = "id,sayi,sdp_code,date,unit"
LINES = [
    "1,E-23444165-105-11,,2015-03-01,Yapı Kontrol",
    "2,93200476-101-E.68,,01.02.2020,",
    "3,,103.99,2010-06-30,",
    "4,E-23444165-821.05-1,,2020-01-01,",
    "5,E-6645218-821.05-1,,2020-01-01,",
    "6,,010,2020-01-01,",
    "7,,,2020-01-01,",
    "8,E-23444165-105-12,,2020-02-30,",
    "9,E-23444165-105-13,106,2015-01-01,",
    "10,E-23444165-105-14",
    "11,E-23444165-107-5,,2015-01-01,",
    "12,,107,2015-01-01,",
    "13,E-23444165-105-16,105,2015-01-01,",
    "14,B.08.6.YÖK.2.DĞ.0.78-045.01-01,,2000-01-01,",
    "15,E-23444165-105-1234567890123,,2015-01-01,",  # 13 digits
    "16,E-23444165-105-,,2015-01-01,",  # no record number
    "17,Sayı: yok,,2015-01-01,",
    "18,E-66452182-010-77,,29.02.2016,",
    "19,E-66452182-104-9,,29.02.2016,",
    "20,E-66452182-104-9,,29.02.2015,",
    "21,,105,1.3.2015,",
    "22,,105, 2015-03-01 ,",
    "23,,105,2015-.2015,",
    "24,,105,01.0303-01,",
    "25,,105,1850-01-01,",
    "26,E-66452182-104-9,,9999-12-31,",
    "27,E-66452182-104-9\t,,2015-01-01,",  # not printable
    "28,\x01105 [Ada 5]7,,2015-01-01,",
    "29,,105 [Ada 5],2015-01-01,",
    "30,E-66452182-105-9,,2015-01-01,extra,field",
    "31,e-66452182-105-9,,2015-01-01,",
    "32,E-66452182-107-9,,31.02.2020,",
    "33,,010,31.02.2020,",
    "34,,105,2015-01-01 and a long text that is not a date at all,",
    "35,E-66452182-104-9,,2015-01-01 and a long text that is not a date at all,",
]
CATALOGUE = sdp_codes.builtin_catalogue("starter-et-ve-sut")


def _reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row through the csv module and one(): the behaviour before the block path."""

    def run(self: Any, progress: Callable[[int], None] | None) -> None:
        self.run_csv(self.fh, 1, progress)
        self.finish()

    def one_by_one(self: Any, rows: list[list[str]], numbers: Sequence[int]) -> None:
        for row, line in zip(rows, numbers, strict=True):
            self.one(row, line)

    monkeypatch.setattr(archive_audit._Auditor, "run", run)
    monkeypatch.setattr(archive_audit._Auditor, "chunk", one_by_one)


def _audit(export: Path, out: Path, **kwargs: Any) -> dict[str, Any]:
    summary = archive_audit.run(export, out, catalogue=CATALOGUE, as_of=dt.date(2026, 1, 1), **kwargs)
    return summary.to_dict()


def _compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, **kwargs: Any) -> None:
    export = tmp_path / "export.csv"
    export.write_bytes(content)
    results = {}
    for block in (64, 1 << 16):  # block boundaries everywhere, then the default
        with monkeypatch.context() as m:
            m.setattr(archive_audit, "_BLOCK", block)
            for kind in ("csv", "json"):
                results[block, kind] = _audit(export, tmp_path / f"fast-{block}.{kind}", **kwargs)
    with monkeypatch.context() as m:
        _reference(m)
        for kind in ("csv", "json"):
            expected = _audit(export, tmp_path / f"slow.{kind}", **kwargs)
            for block in (64, 1 << 16):
                assert results[block, kind] == expected
                fast = (tmp_path / f"fast-{block}.{kind}").read_bytes()
                assert fast == (tmp_path / f"slow.{kind}").read_bytes(), (block, kind)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_audit_block_path_matches_the_csv_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str
) -> None:
    body = newline.join([HEADER, *LINES * 3]) + newline
    _compare(tmp_path, monkeypatch, body.encode("utf-8"))


@pytest.mark.parametrize(
    "tail",
    [
        "\n\n4,,105,2015-01-01,\r\n\r\n5,,105,2015-01-01,",  # blank lines, both breaks, no last break
        "\r4,,105,2015-01-01,\n",  # a carriage return alone
        '\n4,"E-23444165-105-15",105,"2015-01-01","Çok\nsatırlı"\n5,,105,2015-01-01,\n',  # quotes later on
        "\n4,,105,2015-01-01,\x00x\n5,,105,2015-01-01,\n",  # NUL
        "\n4,,105,2015-01-01," + "x" * (200 * 1024) + "\n5,,105,2015-01-01,\n",  # above the field limit
    ],
)
def test_audit_block_path_hands_over_to_the_csv_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    body = "\ufeff" + "\n".join([HEADER, *LINES * 2]) + tail
    _compare(tmp_path, monkeypatch, body.encode("utf-8"))


def test_audit_block_path_with_other_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [",".join([f[3], "x", f[1], f[0], f[2]]) for f in (line.split(",") + [""] * 5 for line in LINES)]
    body = "\n".join(["Tarih,Not,Belge No,Belge Id,SDP", *lines * 2]) + "\n"
    columns = "date=Tarih,sayi=Belge No,id=Belge Id,sdp_code=SDP"
    _compare(tmp_path, monkeypatch, body.encode("utf-8"), columns=columns + ",unit=Not")
    body = "\n".join(["Belge Id,Belge No,Tarih", *(f"{i},E-23444165-105-{i},2015-03-01" for i in range(50))])
    _compare(tmp_path, monkeypatch, body.encode("utf-8"), columns="id=Belge Id,sayi=Belge No,date=Tarih")


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_audit_block_path_record_numbers_text_and_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: bytes
) -> None:
    # record numbers of 0-19 digits (more than a few lengths outside 1-12 in a block, and a few), Turkish
    # text, NUL, a BOM, invalid UTF-8 (also cut before a line break)
    many = [f"{i},E-23444165-105-{'7' * (i % 20)},,2015-01-0{1 + i % 9},Birim {i}" for i in range(60)]
    few = [f"{i},E-23444165-105-{'7' * (i % 14)},,2015-01-01," for i in range(100, 114)]
    text = [
        "200,E-23444165-105-1,,2015-01-01,Yazı İşleri Müdürlüğü: ğüşıöç ĞÜŞİÖÇ",
        "201,,105,01.01.2015,Fen İşleri\x00",
        "202,E-23444165-105-2\x00,,2015-01-01,",
        "203,E-23444165-105-3,,2015-01-01,Çağrı \x00 Merkezi",
    ]
    rows = [line.encode("utf-8") for line in [*many, *few, *text, *LINES]]
    rows += [
        b"300,E-23444165-105-4,,2015-01-01,k\xf6t\xfc",
        b"301,,105,2015-01-01,\xe2\x82",
        b"302,\xff,,2015-01-01,",
    ]
    body = b"\xef\xbb\xbf" + newline.join([HEADER.encode(), *rows * 2]) + newline
    _compare(tmp_path, monkeypatch, body)
