"""``ebys-support detsis ...`` through ``main(argv)``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.detsis import synthetic
from tests.detsis.soap_server import LoopbackDETSIS
from tests.fixtures.service import CliResult

Cli = Callable[..., CliResult]


def test_validate(cli: Cli) -> None:
    ok = cli("--json", "detsis", "validate", "23444165", "9158 7970")
    assert ok.exit_code == 0
    results = ok.json()["results"]
    assert [r["normalized"] for r in results] == ["23444165", "91587970"]
    assert results[0]["valid"] and results[0]["error"] is None and results[0]["warnings"] == []
    bad = cli("--json", "detsis", "validate", "23444165", "0123")
    assert bad.exit_code == 1
    error = bad.json()["results"][1]["error"]
    assert error["code"] == "detsis.invalid_format" and "0123" in error["message"]
    text = cli("--lang", "tr", "detsis", "validate", "0123")
    assert text.exit_code == 1 and "DETSİS numarası değil" in text.stdout


def test_validate_against_registry(cli: Cli, snapshot_file: Path) -> None:
    res = cli("--json", "detsis", "validate", "40000011", "40000013", "49999999", "50000011",
              "--registry", str(snapshot_file), "--institution", synthetic.OURS)  # fmt: skip
    assert res.exit_code == 1
    codes = [r["error"]["code"] if r["error"] else None for r in res.json()["results"]]
    assert codes == [None, "detsis.inactive_unit", "detsis.unknown_unit", "detsis.not_in_institution"]
    assert res.json()["results"][0]["name"].startswith("Sentetik İmar")
    usage = cli("detsis", "validate", "40000011", "--institution", synthetic.OURS)
    assert usage.exit_code == 2
    bad = cli("detsis", "validate", "40000011", "--registry", str(snapshot_file), "--institution", "12")
    assert bad.exit_code == 2 and "“12”" in bad.stderr


def test_show(cli: Cli, snapshot_file: Path) -> None:
    res = cli("--json", "detsis", "show", "40000111", "--registry", str(snapshot_file))
    assert res.exit_code == 0
    data = res.json()
    assert data["detsis"] == "40000111" and data["institution_name"] == "Sentetik Büyükşehir Belediyesi"
    assert [u["detsis"] for u in data["path"]] == ["40000001", "40000011", "40000111"]
    text = cli("--lang", "tr", "detsis", "show", "40000111", "--registry", str(snapshot_file))
    assert "Üst birim" in text.stdout and "Sentetik İmar ve Şehircilik Dairesi Başkanlığı" in text.stdout
    missing = cli("--json", "detsis", "show", "49999999", "--registry", str(snapshot_file))
    assert missing.exit_code == 1 and missing.json()["error"]["code"] == "detsis.unknown_unit"


def test_registry_from_config_or_error(cli: Cli, snapshot_file: Path, instance_dir: Path) -> None:
    res = cli("detsis", "show", "40000001")
    assert res.exit_code == 5 and "detsis.registry" in res.stderr
    (instance_dir / "ebys.toml").write_text(f'[detsis]\nregistry = "{snapshot_file}"\n', "utf-8")
    assert cli("detsis", "show", "40000001").exit_code == 0


def test_bad_snapshot_is_input_error(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '[{"DETSISNo": 40000001, "Ad": "x", "ParentIdareKimlikKodu": 40000001, "Aktifmi": 1}]', "utf-8"
    )
    res = cli("--lang", "tr", "detsis", "show", "40000001", "--registry", str(bad))
    assert res.exit_code == 4 and "döngü" in res.stderr


def test_tree(cli: Cli, snapshot_file: Path) -> None:
    res = cli("--json", "detsis", "tree", "40000001", "--depth", "1", "--registry", str(snapshot_file))
    data = res.json()
    assert [c["detsis"] for c in data["children"]] == ["40000013", "40000011", "40000012"]
    assert all(c["children"] == [] for c in data["children"])
    text = cli("detsis", "tree", "40000011", "--registry", str(snapshot_file))
    assert text.stdout.splitlines()[1].startswith("  40000112  Sentetik Harita")


def test_search(cli: Cli, snapshot_file: Path) -> None:
    res = cli("--json", "detsis", "search", "İMAR", "--registry", str(snapshot_file))
    assert [r["detsis"] for r in res.json()["results"]] == ["40000011"]
    res = cli("--json", "detsis", "search", "sentetik", "--limit", "2", "--registry", str(snapshot_file))
    assert res.json()["total"] == 9 and len(res.json()["results"]) == 2
    none = cli("--lang", "tr", "detsis", "search", "yok böyle", "--registry", str(snapshot_file))
    assert "eşleşen birim yok" in none.stdout


def test_check_mapping(cli: Cli, snapshot_file: Path, mapping_file: Path) -> None:
    args = ("detsis", "check-mapping", str(mapping_file), "--registry", str(snapshot_file))
    clean = cli("--json", *args, "--institution", synthetic.OURS)
    assert clean.exit_code == 0
    assert clean.json()["problems"] == [] and clean.json()["summary"]["entries"] == 6
    mapping_file.write_text(synthetic.GOOD_MAPPING + "GONE,Sentetik Yok,49999999,BB\n", "utf-8")
    res = cli("--json", *args, "--institution", synthetic.OURS)
    assert res.exit_code == 1
    problem = res.json()["problems"][0]
    assert set(problem) == {"code", "internal_code", "detsis", "message", "details"}
    assert problem["code"] == "detsis.mapping.unknown_unit" and problem["internal_code"] == "GONE"
    tr = cli("--lang", "tr", *args, "--institution", synthetic.OURS)
    assert "DETSİS kaydında bulunmayan 49999999" in tr.stdout
    assert cli(*args).exit_code == 2  # no institution
    assert cli(*args, "--institution", "0400").exit_code == 2
    unknown = cli("--json", *args, "--institution", "49999999")
    assert unknown.exit_code == 1 and unknown.json()["error"]["code"] == "detsis.unknown_unit"


def test_check_mapping_bad_file(cli: Cli, snapshot_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text("kod,ad\n", "utf-8")
    res = cli(
        "detsis", "check-mapping", str(bad), "--registry", str(snapshot_file), "--institution", synthetic.OURS
    )
    assert res.exit_code == 4 and "internal_code,internal_name,detsis,internal_parent" in res.stderr


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    return path


def test_diff(cli: Cli, tmp_path: Path, mapping_file: Path) -> None:
    old = _write(tmp_path / "old.json", synthetic.records())
    records = synthetic.records()
    records[2]["Ad"] = "Sentetik Yeni Ad"
    records[5]["Aktifmi"] = "H"
    new = _write(tmp_path / "new.json", records)
    res = cli("--json", "detsis", "diff", str(old), str(new), "--mapping", str(mapping_file))
    assert res.exit_code == 0
    data = res.json()
    assert [(c["kind"], c["detsis"]) for c in data["changes"]] == [
        ("renamed", "40000111"),
        ("deactivated", "40000121"),
    ]
    assert set(data["changes"][0]) == {"kind", "detsis", "old", "new"}
    assert [(b["internal_code"], b["code"]) for b in data["broken_mappings"]] == [
        ("PLAN", "detsis.mapping.name_drift"),
        ("RUHSAT", "detsis.mapping.inactive_unit"),
    ]
    text = cli("--lang", "tr", "detsis", "diff", str(old), str(new), "--mapping", str(mapping_file))
    assert "adı değişti" in text.stdout and "bozduğu eşlemeler" in text.stdout
    same = cli("detsis", "diff", str(old), str(old))
    assert "No changes." in same.stdout


def test_sync(cli: Cli, soap: LoopbackDETSIS, tmp_path: Path, instance_dir: Path) -> None:
    (instance_dir / "ebys.toml").write_text(
        f'[detsis]\nservice_url = "{soap.url}"\ninstitution_id = "{synthetic.OURS}"\nretries = 0\n', "utf-8"
    )
    out = tmp_path / "snapshot.json"
    no_password = cli("detsis", "sync", "--out", str(out))
    assert no_password.exit_code == 5 and "detsis.password" in no_password.stderr
    env = {"EBYS_DETSIS_PASSWORD": "dogru-parola-42"}
    res = cli("--json", "detsis", "sync", "--out", str(out), env=env)
    assert res.exit_code == 0, res.stderr
    assert res.json()["units"] == 7 and out.exists()
    res = cli("--lang", "tr", "detsis", "sync", "--out", str(out), "--since", "01.03.2026", env=env)
    assert res.exit_code == 0 and "2026-03-01" in res.stdout
    assert cli("detsis", "sync", "--out", str(out), "--since", "dün", env=env).exit_code == 2
    wrong = cli("detsis", "sync", "--out", str(out), env={"EBYS_DETSIS_PASSWORD": "yanlis-parola"})
    assert wrong.exit_code == 5 and "yanlis-parola" not in wrong.stderr + wrong.stdout
    missing = cli("detsis", "sync", "--out", str(tmp_path / "yok.json"), "--since", "2026-03-01", env=env)
    assert missing.exit_code == 2


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_help(cli: Cli, lang: str) -> None:
    assert cli("--lang", lang, "detsis", "--help").exit_code == 0


@pytest.mark.parametrize(
    ("content", "name", "en", "tr"),
    [
        (None, "nope.json", "the file {path} does not exist", "{path} dosyası yok"),
        ('{"units": [', "cut.json", "it is not valid JSON (", "geçerli bir JSON değil ("),
        ('{"source": "x"}', "wrap.json", "no “units” array", "“units” dizisi yok"),
        (
            '[{"DETSISNo": 40000001, "Ad": "x", "ParentIdareKimlikKodu": 0, "Aktifmi": "belki"}]',
            "flag.json",
            "the Aktifmi field is not a yes/no value (1/0, true/false, E/H): “belki” (record 1, DETSİS 40000001)",
            "Aktifmi alanı evet/hayır değeri (1/0, true/false, E/H) değil: “belki” (1. kayıt, DETSİS 40000001)",
        ),
        (
            '[{"DETSISNo": 40000001, "Ad": "x", "ParentIdareKimlikKodu": "0123", "Aktifmi": "E"}]',
            "parent.json",
            "the ParentIdareKimlikKodu field is not a DETSİS number",
            "ParentIdareKimlikKodu alanı bir DETSİS numarası (ilki 0 olmayan 8 hane) değil: “0123”",
        ),
        ("DETSISNo,Ad\n40000001,x\n", "cols.csv", "lacks the columns ParentIdareKimlikKodu, Aktifmi",
         "CSV başlık satırında ParentIdareKimlikKodu, Aktifmi sütunları yok"),
    ],
)  # fmt: skip
def test_unreadable_snapshot_is_explained(
    cli: Cli, tmp_path: Path, content: str | None, name: str, en: str, tr: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, "utf-8")
    args = ("detsis", "show", "40000001", "--registry", str(path))
    res_en, res_tr = cli(*args), cli("--lang", "tr", *args)
    assert res_en.exit_code == res_tr.exit_code == 4
    assert en.format(path=path) in res_en.stderr
    assert tr.format(path=path) in res_tr.stderr
    for res in (res_en, res_tr):  # no unfilled placeholders or "-" stand-ins for unknown places
        assert "{" not in res.stderr and " -" not in res.stderr and "(kayıt -" not in res.stderr
    data = cli("--json", *args).json()["error"]
    assert data["code"] == "detsis.invalid_snapshot" and data["details"]["reason"]


def test_unreadable_mapping_is_explained(cli: Cli, snapshot_file: Path, tmp_path: Path) -> None:
    args = ("--registry", str(snapshot_file), "--institution", synthetic.OURS)
    missing = tmp_path / "yok.csv"
    res = cli("--lang", "tr", "detsis", "check-mapping", str(missing), *args)
    assert res.exit_code == 4 and f"Birim eşleme dosyası kullanılamıyor: {missing} dosyası yok." in res.stderr
    folder = cli("detsis", "check-mapping", str(tmp_path), *args)
    assert folder.exit_code == 4 and "is a folder, not a file" in folder.stderr
    dup = tmp_path / "dup.csv"
    dup.write_text(
        "internal_code,internal_name,detsis,internal_parent\nA,x,40000001,\nA,y,40000011,\n", "utf-8"
    )
    res = cli("--lang", "tr", "detsis", "check-mapping", str(dup), *args)
    assert "A iç kodu 2. satırda zaten kullanılmış (3. satır)." in res.stderr
    yaml_file = tmp_path / "m.yaml"
    yaml_file.write_text("- internal_code: A\n  detsis: 40000001\n  renk: mavi\n", "utf-8")
    res = cli("detsis", "check-mapping", str(yaml_file), *args)
    assert res.exit_code == 4 and "unknown keys (renk)" in res.stderr


def test_usage_errors_are_localized(cli: Cli, snapshot_file: Path) -> None:
    res = cli("--lang", "tr", "--json", "detsis", "validate", "40000011", "--institution", synthetic.OURS)
    assert res.exit_code == 2 and res.json()["error"]["code"] == "detsis.institution_needs_registry"
    assert "--registry ister" in res.json()["error"]["message"]
    search = cli(
        "--json", "detsis", "search", "imar", "--institution", "123", "--registry", str(snapshot_file)
    )
    assert search.exit_code == 2 and search.json()["error"]["code"] == "detsis.invalid_format"


def test_bad_since_is_refused_before_the_service(cli: Cli, tmp_path: Path) -> None:
    # No service is configured: the date is checked first, so the answer is about the date.
    res = cli("--lang", "tr", "--json", "detsis", "sync", "--out", str(tmp_path / "s.json"), "--since", "dün")
    assert res.exit_code == 2 and res.json()["error"]["code"] == "detsis.invalid_since"
    assert "GG.AA.YYYY" in res.json()["error"]["message"]
