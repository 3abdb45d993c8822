"""``ebys-support eyp check|show`` through ``main(argv)``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.eyp._pkg import DATA, Pkg

V1 = str(DATA / "paketv1x.eyp")
V2 = str(DATA / "paketv2x.eyp")
E1 = str(DATA / "sifrelipaketv1x.eyps")


def test_check_rejected_sample_exits_1(cli: Callable[..., Any]) -> None:
    result = cli("eyp", "check", V2)
    assert result.exit_code == 1
    assert "REJECTED" in result.stdout
    assert "K.81" in result.stdout and "/Imzalar/ImzaCades.imz" in result.stdout
    assert "Structure: sound" in result.stdout


def test_check_accepted_exits_0_in_turkish(cli: Callable[..., Any]) -> None:
    result = cli("--lang", "tr", "eyp", "check", E1)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "KABUL EDİLEBİLİR" in result.stdout
    assert "şifreli" in result.stdout


def test_check_json_several_packages(cli: Callable[..., Any], tmp_path: Path) -> None:
    bogus = tmp_path / "not.eyp"
    bogus.write_bytes(b"not a zip")
    result = cli("eyp", "check", V1, E1, str(bogus), "--json")
    assert result.exit_code == 4
    data = result.json()
    assert data["exit_code"] == 4
    first, second, third = data["packages"]
    assert first["report"]["verdict"] == "rejected"
    assert second["report"]["verdict"] == "accepted"
    assert third["error"]["code"] == "eyp.not_a_package"


def test_check_hostile_package_is_refused(cli: Callable[..., Any], tmp_path: Path) -> None:
    import io
    import zipfile

    buf = io.BytesIO(Pkg.sample("paketv2x.eyp").build())
    with zipfile.ZipFile(buf, "a") as zf:
        info = zipfile.ZipInfo("x")
        info.filename = "../../evil.sh"
        zf.writestr(info, b"rm -rf /")
    path = tmp_path / "hostile.eyp"
    path.write_bytes(buf.getvalue())
    result = cli("eyp", "check", str(path))
    assert result.exit_code == 4
    assert "refused" in result.stdout and "../../evil.sh" in result.stdout
    assert not (tmp_path.parent / "evil.sh").exists()


def test_check_with_catalogue_and_registry(cli: Callable[..., Any], tmp_path: Path) -> None:
    registry = tmp_path / "detsis.json"
    registry.write_text(
        json.dumps(
            [
                {
                    "DETSISNo": 61648174,
                    "Ad": "BİLGİ İŞLEM DAİRESİ BAŞKANLIĞI",
                    "ParentIdareKimlikKodu": None,
                    "Aktifmi": "1",
                }
            ]
        ),
        encoding="utf-8",
    )
    result = cli("eyp", "check", V2, "--registry", str(registry), "--catalogue", "starter", "--json")
    assert result.exit_code == 1
    codes = [f["code"] for f in result.json()["packages"][0]["report"]["findings"]]
    assert "eyp.detsis_unknown" in codes  # 28119270 and 24312041 are not in this snapshot


def test_check_no_verify(cli: Callable[..., Any]) -> None:
    result = cli("eyp", "check", V2, "--no-verify", "--json")
    assert result.exit_code == 1
    report = result.json()["packages"][0]["report"]
    assert report["signature"]["status"] == "malformed"  # placeholders: nothing to verify anyway


def test_check_unreadable_registry(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("eyp", "check", V2, "--registry", str(tmp_path / "yok.json"))
    assert result.exit_code == 4


def test_show_prints_what_a_clerk_looks_for(cli: Callable[..., Any]) -> None:
    result = cli("--lang", "tr", "eyp", "show", V2)
    assert result.exit_code == 0
    out = result.stdout
    for text in (
        "Konu",
        "Olustur Versiyon 2X",
        "E-24312041-702.03-1",
        "DETSİS 61648174",
        "Ek 1",
        "ek1.pdf",
        "Ali İhsan TOKDEMİR",
    ):
        assert text in out, text
    assert "11111111110" not in out and "111******10" in out  # T.C. Kimlik No masked on screen


def test_show_json_and_not_a_package(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("eyp", "show", V1, "--json")
    assert result.exit_code == 0
    data = result.json()
    assert data["summary"]["number"] == "E-24312041-702.03-1"
    assert data["summary"]["addressees"]
    bogus = tmp_path / "x.eyp"
    bogus.write_bytes(b"")
    assert cli("eyp", "show", str(bogus)).exit_code == 4


def test_check_texts_read_well(cli: Callable[..., Any], tmp_path: Path) -> None:
    encrypted_v2 = cli("--lang", "tr", "eyp", "check", str(DATA / "sifrelipaketv2x.eyps"))
    assert "Yapı: sağlam (şifreli içeriğin dışında denetlenecek özet yok)" in encrypted_v2.stdout
    assert "denetlenmeyen özet: 20." in encrypted_v2.stdout
    plain = cli("eyp", "check", V1)
    assert "digests checked against the parts: 14, all match" in plain.stdout
    assert "Findings (critical: 2, major: 1, warnings: 0):" in plain.stdout
    bogus = tmp_path / "not.eyp"
    bogus.write_bytes(b"not a zip")
    refused = cli("--lang", "tr", "eyp", "check", str(bogus))
    assert refused.exit_code == 4
    assert f"{bogus}: Bu bir e-Yazışma paketi değil: zip dosyası değil." in refused.stdout
    missing = cli("eyp", "check", str(tmp_path / "yok.eyp"))
    assert missing.exit_code == 4 and "cannot be read" in missing.stdout


def test_show_encrypted_package_aligns_its_labels(cli: Callable[..., Any]) -> None:
    result = cli("--lang", "tr", "eyp", "show", E1)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].endswith("(e-Yazışma 1.3, şifreli)")
    labelled = [line for line in lines if not line.startswith("  - ")]
    assert len({line.index(" :") for line in labelled}) == 1  # one column for every label
    assert any(line.startswith("Hedefler (BelgeHedef)") for line in labelled)


def test_unusable_registry_is_explained(cli: Callable[..., Any], tmp_path: Path) -> None:
    broken = tmp_path / "detsis.json"
    broken.write_text('[{"DETSISNo": 40000001, "Ad": "x", "Aktifmi": "E"}]', "utf-8")
    result = cli("--lang", "tr", "eyp", "check", V1, "--registry", str(broken))
    assert result.exit_code == 4
    assert (
        "DETSİS anlık görüntüsü kullanılamıyor: ParentIdareKimlikKodu alanı eksik (1. kayıt" in result.stderr
    )
    missing = cli("--json", "eyp", "check", V1, "--registry", str(tmp_path / "yok.json"))
    assert missing.exit_code == 4 and missing.json()["error"]["code"] == "detsis.invalid_snapshot"
