"""An archive-sized batch: 10,000 files through ``verify --recursive --jobs 2 --jsonl`` to the summary.

The files are generated in a temporary folder: 200 distinct attached signatures by four signers copied
round-robin into 10,000 files in nested folders, plus detached pairs, tampered files and junk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.service import CliResult
from tests.verification import _helpers as h

Cli = Callable[..., CliResult]


@pytest.mark.slow
def test_ten_thousand_files(cli: Cli, pki: Any, tmp_path: Path, ca_crl: bytes, root_crl: bytes) -> None:
    root = tmp_path / "arsiv"
    signers = ["rsa", "ec", "ec384", "rsa"]
    samples = [h.cades(pki, signers[i % 4], b"belge %d" % i, attached=True) for i in range(200)]
    for i in range(9_900):
        folder = root / f"{i // 1000:02d}" / f"{(i // 100) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"belge{i}.imz").write_bytes(samples[i % 200])
    pairs = root / "ayrik"
    pairs.mkdir()
    for i in range(90):
        content = b"ayrik belge %d" % i
        (pairs / f"d{i}.txt").write_bytes(content)
        (pairs / f"d{i}.txt.p7s").write_bytes(h.cades(pki, "ec", content))
    broken = bytearray(samples[0])
    broken[-5] ^= 0xFF
    for i in range(5):
        (root / f"bozuk{i}.imz").write_bytes(bytes(broken))
        (root / f"cop{i}.bin").write_bytes(b"junk %d" % i)
    crl = tmp_path / "crl"
    crl.mkdir()
    (crl / "ca.crl").write_bytes(ca_crl)
    (crl / "root.crl").write_bytes(root_crl)
    out = tmp_path / "sonuc.jsonl"
    r = cli(
        "--json",
        "verify",
        str(root),
        "--recursive",
        "--jobs",
        "2",
        "--jsonl",
        str(out),
        "--trust",
        str(pki.trust_dir),
        "--offline",
        "--revocation-data",
        str(crl),
    )
    summary = json.loads(r.stdout.strip().splitlines()[-1])["summary"]
    assert summary["total"] == 10_000, summary
    assert summary["by_indication"]["TOTAL_PASSED"] == 9_990
    assert summary["by_indication"]["TOTAL_FAILED"] == 5
    assert summary["by_indication"]["ERROR"] == 5
    assert r.exit_code == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 10_000
