"""``ebys-support verify``: one file (text and JSON, exit codes) and batches (pairing, JSON lines, resume)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ebys_support.verification import REPORT_SCHEMA
from tests.fixtures.service import CliResult
from tests.verification import _helpers as h

Cli = Callable[..., CliResult]
DATA = b"Sayin ilgili, toplanti 12 Mayista yapilacaktir.\n" * 20


@pytest.fixture(scope="module")
def files(pki: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("signed")
    (d / "yazi.txt").write_bytes(DATA)
    (d / "yazi.txt.p7s").write_bytes(h.cades(pki, "rsa", DATA))
    (d / "ek.imz").write_bytes(h.cades(pki, "ec", DATA, attached=True))
    tampered = bytearray(h.cades(pki, "ec", DATA, attached=True))
    tampered[tampered.index(DATA[:30]) + 3] ^= 1
    (d / "bozuk.imz").write_bytes(bytes(tampered))
    (d / "kimsesiz.imz").write_bytes(h.cades(pki, "untrusted", DATA, attached=True))
    (d / "notlar.txt").write_bytes(b"not a signature")
    return d


def test_single_detached_paired_by_name(
    cli: Cli, pki: Any, files: Path, ca_crl: bytes, root_crl: bytes, tmp_path: Path
) -> None:
    (tmp_path / "ca.crl").write_bytes(ca_crl)
    (tmp_path / "root.pem").write_bytes(root_crl)  # any extension: the content decides
    r = cli(
        "verify",
        str(files / "yazi.txt.p7s"),
        "--trust",
        str(pki.root_pem),
        "--offline",
        "--revocation-data",
        str(tmp_path / "ca.crl"),
        "--revocation-data",
        str(tmp_path / "root.pem"),
    )
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "VALID" in r.stdout and "Signature 1" in r.stdout
    r = cli(
        "--lang",
        "tr",
        "verify",
        str(files / "yazi.txt.p7s"),
        "--content",
        str(files / "yazi.txt"),
        "--trust",
        str(pki.trust_dir),
        "--offline",
        "--revocation-data",
        str(tmp_path / "ca.crl"),
        "--revocation-data",
        str(tmp_path / "root.pem"),
    )
    assert r.exit_code == 0 and "GEÇERLİ" in r.stdout and "İmza 1" in r.stdout


def test_json_report_matches_schema(cli: Cli, pki: Any, files: Path) -> None:
    r = cli("verify", str(files / "ek.imz"), "--trust", str(pki.trust_dir), "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    data = r.json()
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["file"].endswith("ek.imz") and data["format"] == "CAdES-attached"
    assert set(data["signatures"][0]) == {
        "indication",
        "sub_indication",
        "signer",
        "certificate",
        "signing_time",
        "profile",
        "level",
        "timestamps",
        "checks",
        "counter_signatures",
    }
    assert set(data["signatures"][0]["checks"][0]) == {"id", "status", "code", "message"}


def test_exit_codes(cli: Cli, pki: Any, files: Path) -> None:
    trust = ["--trust", str(pki.trust_dir)]
    r = cli("verify", str(files / "bozuk.imz"), *trust)
    assert r.exit_code == 1 and "INVALID" in r.stdout and "changed after signing" in r.stdout
    r = cli("verify", str(files / "kimsesiz.imz"), *trust)
    assert r.exit_code == 3 and "UNDETERMINED" in r.stdout
    r = cli("verify", str(files / "ek.imz"))  # the test root is not a KamuSM root
    assert r.exit_code == 3 and "NO_CERTIFICATE_CHAIN_FOUND" in r.stdout
    r = cli("verify", str(files / "notlar.txt"))
    assert r.exit_code == 4 and "neither a PDF" in r.stderr
    r = cli("verify", str(files / "yok.imz"))
    assert r.exit_code == 4
    r = cli("verify", str(files / "ek.imz"), "--at", "dün")
    assert r.exit_code == 2 and "ISO 8601" in r.stderr
    r = cli("verify", str(files / "ek.imz"), "--at", "2025-01-01T00:00:00")
    assert r.exit_code == 2 and "time zone" in r.stderr
    r = cli("verify", str(files / "ek.imz"), "--json", "--trust", str(files / "notlar.txt"))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "trust.unreadable"


def test_batch_jsonl_summary_and_resume(cli: Cli, pki: Any, files: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    args = [
        "verify",
        str(files),
        "--recursive",
        "--jobs",
        "1",
        "--jsonl",
        str(out),
        "--trust",
        str(pki.trust_dir),
    ]
    r = cli(*args)
    assert r.exit_code == 1, r.stdout + r.stderr  # bozuk.imz failed
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    names = sorted(Path(x["file"]).name for x in lines)
    assert names == [
        "bozuk.imz",
        "ek.imz",
        "kimsesiz.imz",
        "notlar.txt",
        "yazi.txt.p7s",
    ]  # yazi.txt is content
    by_name = {Path(x["file"]).name: x for x in lines}
    assert by_name["yazi.txt.p7s"]["indication"] == "TOTAL_PASSED"
    assert by_name["notlar.txt"]["error"]["code"] == "verify.unknown_format"
    for x in lines:
        if "error" not in x:
            jsonschema.validate(x, REPORT_SCHEMA)
    assert (
        "5 file(s): 2 valid, 1 invalid, 1 undetermined, 1 unreadable; 0 of them verified by an earlier run."
        in r.stdout
    )
    assert "TOTAL_FAILED / HASH_FAILURE: 1" in r.stdout
    # Interrupted run: a torn last line is dropped and that file done again; the others are skipped.
    text = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(text[:-1]) + text[-1][:20], encoding="utf-8")
    r = cli(*args, "--json")
    summary = json.loads(r.stdout.strip().splitlines()[-1])["summary"]
    # The summary and the exit status are the archive's: earlier results count, re-verified or not.
    assert summary["total"] == 5 and summary["skipped"] == 4
    assert summary["by_indication"] == {"TOTAL_PASSED": 2, "TOTAL_FAILED": 1, "INDETERMINATE": 1, "ERROR": 1}
    assert summary["by_sub_indication"]["TOTAL_FAILED/HASH_FAILURE"] == 1
    assert r.exit_code == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    r = cli("--lang", "tr", *args)  # nothing left to do: still the archive's verdict
    assert r.exit_code == 1
    assert (
        "5 dosya: 2 geçerli, 1 geçersiz, 1 belirsiz, 1 okunamayan; 5 tanesi önceki bir çalıştırmada doğrulanmıştı."
        in r.stdout
    )


def test_batch_with_two_jobs(cli: Cli, pki: Any, files: Path, tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(70):
        (many / f"{i}.imz").write_bytes((files / "ek.imz").read_bytes())
    r = cli("--json", "verify", str(many), "--jobs", "2", "--trust", str(pki.trust_dir))
    assert r.exit_code == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.strip().splitlines()]
    assert rows[-1]["summary"]["by_indication"]["TOTAL_PASSED"] == 70
    assert len(rows) == 71


def test_batch_errors(cli: Cli, files: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    r = cli("--json", "verify", str(files), "--jsonl", str(bad))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "verify.bad_jsonl"
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("--json", "verify", str(empty))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "verify.no_files"
    r = cli("verify", str(files), "--content", str(files / "yazi.txt"))
    assert r.exit_code == 2


def test_attached_imz_beside_its_name_is_not_compared(cli: Cli, pki: Any, tmp_path: Path) -> None:
    (tmp_path / "dilekce").write_bytes(b"a different file that happens to have the name")
    (tmp_path / "dilekce.imz").write_bytes(h.cades(pki, "ec", DATA, attached=True))
    r = cli("verify", str(tmp_path / "dilekce.imz"), "--trust", str(pki.trust_dir))
    assert r.exit_code == 0, r.stdout
    r = cli("verify", str(tmp_path), "--trust", str(pki.trust_dir))
    assert r.exit_code == 0, r.stdout


def test_fetch_hosts_from_configuration(cli: Cli, pki: Any, files: Path, instance_dir: Path) -> None:
    """The CLI fetches from any host by default; ``[verification] fetch_hosts`` limits it."""
    args = ("verify", str(files / "ek.imz"), "--trust", str(pki.root_pem))
    r = cli(*args)
    assert r.exit_code == 0, r.stdout + r.stderr
    shutil.rmtree(instance_dir / "cache")  # what was fetched is reused: start without it
    (instance_dir / "ebys.toml").write_text('[verification]\nfetch_hosts = ["*.kamusm.gov.tr"]\n')
    r = cli("--lang", "tr", *args)
    assert r.exit_code == 3, r.stdout + r.stderr
    assert "izin verilenler arasında değil" in r.stdout and "localhost" in r.stdout
    r = cli("--json", *args)
    assert r.exit_code == 3
    sig = json.loads(r.stdout)["signatures"][0]
    assert any(c["code"] == "verify.revocation.host_not_allowed" for c in sig["checks"])


def test_bad_fetch_hosts_setting(cli: Cli, files: Path) -> None:
    r = cli(
        "--json",
        "verify",
        str(files / "ek.imz"),
        env={"EBYS_VERIFICATION_FETCH_HOSTS": "http://kamusm.gov.tr/"},
    )
    assert r.exit_code == 5
    error = json.loads(r.stdout or r.stderr)["error"]
    assert error["code"] == "config.invalid_value" and error["details"]["key"] == "verification.fetch_hosts"
