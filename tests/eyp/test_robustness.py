"""Junk never escapes as anything but a report or an ``EbysError`` with a stable code."""

from __future__ import annotations

import random

import pytest

from ebys_support.errors import EbysError
from ebys_support.eyp import EypReport, check
from tests.eyp._pkg import DATA, Pkg


@pytest.mark.parametrize("name", ["paketv1x.eyp", "paketv2x.eyp", "sifrelipaketv2x.eyps"])
def test_random_byte_damage(name: str) -> None:
    data = (DATA / name).read_bytes()
    rng = random.Random(name)
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            result = check(bytes(damaged))
        except EbysError as exc:
            assert exc.code.startswith("eyp."), exc.code
        else:
            assert isinstance(result, EypReport)
            result.to_dict("tr")


_JUNK_XML = [
    b"",
    b"\xff\xfe\x00",
    b"<a>",
    b"<?xml version='1.0'?><x/>",
    b"\x00" * 10,
    "<ü/>".encode("latin-1"),
]


@pytest.mark.parametrize("part", ["Ustveri/Ustveri.xml", "PaketOzeti/PaketOzeti.xml", "_rels/.rels",
                                  "NihaiUstveri/NihaiUstveri.xml", "[Content_Types].xml",
                                  "PaketOzeti/_rels/PaketOzeti.xml.rels"])  # fmt: skip
def test_junk_parts(part: str) -> None:
    base = Pkg.sample("paketv2x.eyp")
    for junk in _JUNK_XML:
        try:
            report = check(base.copy().set(part, junk).build())
        except EbysError as exc:
            assert exc.code.startswith("eyp."), exc.code
        else:
            assert report.verdict == "rejected" or part == "[Content_Types].xml"
            report.to_dict("en")
