"""``ebys-support sdp ...`` and ``ebys-support sayi ...``, including the archive retention audit."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sdp_codes
from ebys_support import archive_audit

Cli = Callable[..., Any]

HEADER = "id,sayi,sdp_code,date,unit\n"


def test_validate_json_and_exit_codes(cli: Cli) -> None:
    ok = cli("--json", "sdp", "validate", "010.06.01", "821.05")
    assert ok.exit_code == 0
    data = ok.json()
    assert data["catalogue"]["name"] == "starter"
    first, second = data["results"]
    assert first["valid"] and first["entry"]["title"] == "İç" and first["error"] is None
    assert second["warnings"][0]["code"] == "sdp.not_checked_against_catalogue"
    bad = cli("sdp", "validate", "010", "020", "--for-sayi", "--json")
    assert bad.exit_code == 1
    codes = [r["error"]["code"] for r in bad.json()["results"]]
    assert codes == ["sdp.not_a_leaf", "sdp.not_for_sayi"]
    text = cli("--lang", "tr", "sdp", "validate", "010")
    assert text.exit_code == 1 and "alt kodları var" in text.stdout


def test_show_search_tree(cli: Cli) -> None:
    shown = cli("--lang", "tr", "sdp", "show", "050.01.04")
    assert shown.exit_code == 0 and "Kararlar" in shown.stdout and "üst kod" in shown.stdout
    assert "kategori: genel konular, tüm kurumlarda ortak (general)" in shown.stdout
    assert cli("--json", "sdp", "show", "050.01").json()["entry"]["children"][0] == "050.01.01"
    missing = cli("--json", "sdp", "show", "010.10")
    assert missing.exit_code == 1 and missing.json()["error"]["code"] == "sdp.unknown_code"
    assert cli("sdp", "show", "1.2").exit_code == 1
    for query in ("meclis kararlari", "MECLİS KARARLARI"):  # the readme's example, on the starter plan
        found = cli("--json", "sdp", "search", query)
        assert [r["code"] for r in found.json()["results"]] == ["050.01.04"]
    found = cli("sdp", "search", "meclis kararlari")
    assert (
        found.stdout
        == "050.01.04  Kararlar  (Kurullar ve Toplantılar › Genel Kurullar, Senatolar, Meclisler)\n"
    )
    found = cli("--json", "sdp", "search", "bilgi", "notlari")
    assert [r["code"] for r in found.json()["results"]] == ["041.02", "041"]
    assert "No code matches" in cli("sdp", "search", "yokyok").stdout
    tree = cli("sdp", "tree", "010.06")
    assert tree.stdout.splitlines() == ["010.06  Genelgeler", "  010.06.01  İç", "  010.06.02  Dış"]
    assert cli("--json", "sdp", "tree").json()["tree"][0]["code"] == "000"
    assert cli("sdp", "tree", "099").exit_code == 1
    tapu = cli("sdp", "show", "105", "--catalogue", "starter-tapu-kadastro")
    assert "Taşınmaz" in tapu.stdout and "B A3" in tapu.stdout


def test_import_csv_xlsx_detsis_and_use(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "Ana Dosya;1. Alt Konu;2. Alt Konu;3. Alt Konu;Konu Adı;Saklama Süresi;Saklama Kodu\n"
        "010;;;;Mevzuat İşleri;;\n;01;;;Kanunlar;10;C\n;02;;;Tüzükler;5;D\n",
        encoding="utf-8",
    )
    out = tmp_path / "cat.json"
    done = cli("--json", "sdp", "import", str(plan), "--out", str(out), "--revision", "2024-01")
    assert done.exit_code == 0, done.stderr
    assert done.json()["catalogue"]["covers"] == ["010"]
    saved = json.loads(out.read_text("utf-8"))
    assert saved["revision"] == "2024-01" and len(saved["entries"]) == 3
    bad = cli("--json", "sdp", "validate", "010.03", "--catalogue", str(out))
    assert bad.json()["results"][0]["error"]["code"] == "sdp.unknown_code"

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Ana Dosya",
            "1. Alt Konu",
            "2. Alt Konu",
            "3. Alt Konu",
            "Konu Adı",
            "Saklama Süresi",
            "Saklama Kodu",
        ]
    )
    sheet.append([10, None, None, None, "Mevzuat İşleri", None, None])
    sheet.append([None, 1, None, None, "Kanunlar", 10, "C"])
    xlsx = tmp_path / "plan.xlsx"
    book.save(xlsx)
    assert (
        cli("sdp", "import", str(xlsx), "--out", str(tmp_path / "x.json"), "--covers", "all").exit_code == 0
    )
    assert json.loads((tmp_path / "x.json").read_text("utf-8"))["covers"] == ["000-999"]

    rows = tmp_path / "detsis.json"
    rows.write_text(
        json.dumps([{"Kod": "010", "KonuAdi": "Mevzuat"}, {"Kod": "010.01", "KonuAdi": "Kanunlar"}])
    )
    assert cli("sdp", "import", str(rows), "--out", str(tmp_path / "d.json")).exit_code == 0


def test_import_errors(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "cat.json"
    odd = tmp_path / "plan.ods"
    odd.write_text("x")
    res = cli("--json", "sdp", "import", str(odd), "--out", str(out))
    assert (res.exit_code, res.json()["error"]["code"]) == (2, "sdp.import_unsupported_format")
    bad = tmp_path / "plan.csv"
    bad.write_text("Ana Dosya,Konu Adı\n010,a\n010,b\n", encoding="utf-8")
    res = cli("--json", "sdp", "import", str(bad), "--out", str(out))
    assert (res.exit_code, res.json()["error"]["code"]) == (4, "sdp.invalid_catalogue")
    assert res.json()["error"]["details"]["row"] == 3
    assert not out.exists()
    res = cli("--json", "sdp", "import", str(tmp_path / "none.csv"), "--out", str(out))
    assert res.json()["error"]["code"] == "input.not_found"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not a zip")
    assert (
        cli("--json", "sdp", "import", str(broken), "--out", str(out)).json()["error"]["code"]
        == "input.unreadable"
    )
    assert (
        cli("--json", "sdp", "validate", "010", "--catalogue", str(bad)).json()["error"]["code"]
        == "input.unreadable"
    )


def test_import_explains_what_is_wrong(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "cat.json"
    cases = [
        ("dup.csv", "Ana Dosya,Konu Adı\n010,a\n010,b\n", "dup.csv, 3. satır: 010 kodu iki kez geçiyor."),
        ("flag.csv", "Ana Dosya,Konu Adı,Aktif\n010,a,belki\n", "Aktif sütunu evet ya da hayır olmalıdır"),
        ("gap.csv", "Ana Dosya,1. Alt Konu,2. Alt Konu,Konu Adı\n010,,01,a\n", "bir düzeyi atlanmış"),
        ("code.csv", "Ana Dosya,Konu Adı\n01x,a\n", "“01x” bir SDP kodu değil"),
        ("ret.csv", "Ana Dosya,Konu Adı,Saklama Kodu\n010,a,A33\n", "010 kodunun saklama kodu bir harf"),
    ]
    for name, text, expected in cases:
        plan = tmp_path / name
        plan.write_text(text, encoding="utf-8")
        res = cli("--lang", "tr", "sdp", "import", str(plan), "--out", str(out))
        assert res.exit_code == 4 and "SDP dosya planı kullanılamıyor" in res.stderr, (name, res.stderr)
        assert expected in res.stderr, (name, res.stderr)
        assert "sdp.invalid" not in res.stderr and "{" not in res.stderr
    assert not out.exists()
    plan = tmp_path / "ok.csv"
    plan.write_text("Ana Dosya,Konu Adı\n010,a\n", encoding="utf-8")
    res = cli("sdp", "import", str(plan), "--out", str(out), "--covers", "5-9")
    assert res.exit_code == 4 and "“5-9” is not a range of main subjects" in res.stderr
    catalogue = tmp_path / "cat2.json"
    catalogue.write_text(json.dumps({"format": "ebys-support/sdp-catalogue", "version": 9}), "utf-8")
    res = cli("--json", "sdp", "validate", "010", "--catalogue", str(catalogue))
    assert res.json()["error"]["code"] == "sdp.invalid_catalogue"
    assert "version of the catalogue format is not supported" in res.json()["error"]["message"]


def test_outputs_to_a_missing_folder_are_clean_errors(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "ok.csv"
    plan.write_text("Ana Dosya,Konu Adı\n010,a\n", encoding="utf-8")
    missing = tmp_path / "no" / "such"
    res = cli("--json", "sdp", "import", str(plan), "--out", str(missing / "cat.json"))
    assert (res.exit_code, res.json()["error"]["code"]) == (4, "sdp.output_unwritable")
    export = _export(tmp_path / "export.csv", AUDIT_LINES)
    res = cli("--lang", "tr", "sdp", "audit", str(export), "--out", str(missing / "r.csv"))
    assert res.exit_code == 4 and "yazılamıyor" in res.stderr and "hiçbir şey yazılmadı" in res.stderr
    assert not missing.exists() and not list(tmp_path.glob(".*.tmp"))


def test_sayi_record_errors_say_what_is_wrong(cli: Cli) -> None:
    res = cli("--json", "sayi", "parse", "E-66452182-821.05-", "E-66452182-821.05-E.12", "E-66452182-821.05-12x",
              "E-66452182-821.05-1234567890123")  # fmt: skip
    assert res.exit_code == 1
    errors = [r["error"] for r in res.json()["results"]]
    assert {e["code"] for e in errors} == {"sayi.invalid_record"}
    assert [e["details"]["reason"] for e in errors] == ["missing", "double_e", "digits", "length"]
    messages = [e["message"] for e in errors]
    assert "has no record number after its SDP code" in messages[0]
    assert "does not also put E." in messages[1] and "digits only" in messages[2]
    assert "more than 12 digits" in messages[3]
    text = cli("--lang", "tr", "sayi", "parse", "E-66452182-821.05-12x", "B.08.6.YÖK.2.DĞ.0.78-806.01.05-01")
    assert "yalnızca rakamlardan oluşmalıdır" in text.stdout and "(2011 öncesi)" in text.stdout


def test_sayi_parse_and_validate(cli: Cli) -> None:
    res = cli("--json", "sayi", "parse", "Sayı : E – 23444165 – 045.01 – 2409752", "22671628-805.03/1250")
    assert res.exit_code == 0
    first, second = res.json()["results"]
    assert (first["normalized"], first["era"], first["detsis"]) == (
        "E-23444165-045.01-2409752",
        "2020",
        "23444165",
    )
    assert (second["era"], second["record"]) == ("2011", "1250")
    res = cli("--json", "sayi", "validate", "E-23444165-050.01-5", "E-6645218-821.05-1")
    assert res.exit_code == 1
    errors = [r["error"] for r in res.json()["results"]]
    assert (
        errors[0]["code"] == "sayi.invalid_sdp" and errors[0]["details"]["error"]["code"] == "sdp.not_a_leaf"
    )
    assert errors[1]["code"] == "sayi.invalid_detsis"
    text = cli("--lang", "tr", "sayi", "parse", "B.08.6.YÖK.2.DĞ.0.78-806.01.05-01")
    assert text.exit_code == 0 and "haberleşme kodu" in text.stdout


# -- audit ----------------------------------------------------------------------------------------------
def _export(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


AUDIT_LINES = [
    "1,E-23444165-105-11,,2015-03-01,Yapı Kontrol",  # 105: 5 D → ends 2020, due
    "2,93200476-101-E.68,,01.02.2020,",  # 101: 10 D → ends 2030
    "3,,103.99,2010-06-30,",  # 10 C → ends 2020, due
    "4,E-23444165-821.05-1,,2020-01-01,",  # not covered: valid, not checked
    "5,E-6645218-821.05-1,,2020-01-01,",  # invalid DETSİS
    "6,,010,2020-01-01,",  # not a leaf
    "7,,,2020-01-01,",  # neither
    "8,E-23444165-105-12,,2020-02-30,",  # bad date
    "9,E-23444165-105-13,106,2015-01-01,",  # mismatch
    "10,E-23444165-105-14",  # malformed row
    "11,E-23444165-107-5,,2015-01-01,",  # file-name only in a Sayı
    "12,,107,2015-01-01,",  # file-name only is fine as a file code: due
    '13,"E-23444165-105-15",105,"2015-01-01","Çok\nsatırlı"',  # quoted, two lines, due
    "14,E-23444165-105-16,,2015-01-01,",  # due (after a two-line row)
    "",
    "15,B.08.6.YÖK.2.DĞ.0.78-045.01-01,,2000-01-01,",  # legacy
]


def _audit(cli: Cli, export: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    return cli(
        "--json", "sdp", "audit", str(export), "--catalogue", "starter-et-ve-sut", "--as-of", "2026-01-01",
        "--out", str(out), *extra, env=env,
    )  # fmt: skip


def test_audit_csv_report(cli: Cli, tmp_path: Path) -> None:
    export = _export(tmp_path / "export.csv", AUDIT_LINES)
    out = tmp_path / "report.csv"
    res = _audit(cli, export, out)
    assert res.exit_code == 1, res.stderr
    summary = res.json()["summary"]
    assert (summary["records"], summary["valid"], summary["problems"], summary["due"]) == (15, 8, 7, 5)
    assert summary["errors"] == {
        "sayi.invalid_detsis": 1,
        "sayi.invalid_sdp": 1,
        "sdp.audit.code_mismatch": 1,
        "sdp.audit.invalid_date": 1,
        "sdp.audit.malformed_row": 1,
        "sdp.audit.missing_code": 1,
        "sdp.not_a_leaf": 1,
    }
    assert summary["dispositions"] == {"committee_review": 1, "destroy": 4}
    assert summary["warnings"] == {"sayi.legacy_format": 1, "sdp.not_checked_against_catalogue": 1}
    assert summary["retention_end_years"] == {"2020": 5, "2030": 1}
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_kind: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    assert [(r["line"], r["code"]) for r in by_kind["problem"]] == [
        ("6", "sayi.invalid_detsis"),
        ("7", "sdp.not_a_leaf"),
        ("8", "sdp.audit.missing_code"),
        ("9", "sdp.audit.invalid_date"),
        ("10", "sdp.audit.code_mismatch"),
        ("11", "sdp.audit.malformed_row"),
        ("12", "sayi.invalid_sdp"),
    ]
    assert [(r["line"], r["id"], r["retention_end_year"], r["disposition"]) for r in by_kind["due"]] == [
        ("2", "1", "2020", "destroy"),
        ("4", "3", "2020", "committee_review"),
        ("13", "12", "2020", "destroy"),
        ("14", "13", "2020", "destroy"),  # a two-line record: its first line
        ("16", "14", "2020", "destroy"),
    ]
    assert {"summary:errors", "summary:totals", "summary:disposition_labels"} <= set(by_kind)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("quoted", [False, True])
def test_audit_chunk_path_matches_the_row_path(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str, quoted: bool
) -> None:
    # a malformed row sends its whole chunk one by one, so this export has none (it is tested above)
    lines = [line for line in AUDIT_LINES if (quoted or '"' not in line) and line.count(",") != 1] * 40
    export = tmp_path / "export.csv"
    export.write_bytes((HEADER + "".join(line + "\n" for line in lines)).replace("\n", newline).encode())
    calls: list[int] = []
    one = archive_audit._Auditor.one

    def counting_one(self: Any, row: list[str], line: int) -> None:
        calls.append(line)
        one(self, row, line)

    monkeypatch.setattr(archive_audit._Auditor, "one", counting_one)
    _audit(cli, export, tmp_path / "fast.json")
    _audit(cli, export, tmp_path / "fast.csv")
    assert 0 < len(calls) < len(lines)  # the chunk path decided most rows

    def one_by_one(self: Any, rows: list[list[str]], numbers: list[int]) -> None:
        for row, line in zip(rows, numbers, strict=True):
            self.one(row, line)

    monkeypatch.setattr(archive_audit._Auditor, "chunk", one_by_one)
    _audit(cli, export, tmp_path / "slow.json")
    _audit(cli, export, tmp_path / "slow.csv")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()
    fast, slow = (json.loads((tmp_path / f"{n}.json").read_text("utf-8")) for n in ("fast", "slow"))
    assert fast == slow
    assert fast["summary"]["records"] == len([line for line in lines if line])


def test_audit_json_columns_and_language(cli: Cli, tmp_path: Path) -> None:
    export = _export(
        tmp_path / "export.csv",
        ["A1;E-23444165-105-11;2015-03-01", "A2;E-23444165-010-5;2015-03-01"],
        header="Belge Id;Belge No;Tarih\n",
    )
    export.write_text(export.read_text("utf-8").replace(";", ","), encoding="utf-8")
    out = tmp_path / "report.json"
    res = _audit(cli, export, out, "--columns", "id=Belge Id,sayi=belge no,date=Tarih", "--lang", "tr")
    assert res.exit_code == 1
    report = json.loads(out.read_text("utf-8"))
    assert report["as_of"] == "2026-01-01" and report["catalogue"] == "starter-et-ve-sut"
    assert [r["kind"] for r in report["rows"]] == ["due", "problem"]
    assert "alt kodları var" in report["rows"][1]["message"]
    assert report["summary"]["disposition_labels"]["destroy"].startswith("Saklama süresi sonunda")


@pytest.mark.parametrize(
    ("args", "header", "code", "exit_code"),
    [
        (("--columns", "sayi"), HEADER, "sdp.audit.invalid_columns", 2),
        (("--columns", "color=x"), HEADER, "sdp.audit.invalid_columns", 2),
        (("--as-of", "31.02.2026"), HEADER, "sdp.audit.invalid_as_of", 2),
        ((), "id,sayi,sdp_code,unit\n", "sdp.audit.missing_column", 4),
        ((), "id,unit,date\n", "sdp.audit.missing_column", 4),
        (("--columns", "unit=Birim"), HEADER, "sdp.audit.missing_column", 4),
        ((), "", "sdp.audit.no_header", 4),
    ],
)
def test_audit_usage_errors(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], header: str, code: str, exit_code: int
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(header, encoding="utf-8")
    out = tmp_path / "report.csv"
    res = cli("--json", "sdp", "audit", str(export), "--out", str(out), *args)
    assert (res.exit_code, res.json()["error"]["code"]) == (exit_code, code)
    assert not out.exists()


def test_audit_output_is_complete_or_absent(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = _export(tmp_path / "export.csv", AUDIT_LINES)
    res = cli("--json", "sdp", "audit", str(export), "--out", str(tmp_path / "report.xlsx"))
    assert res.json()["error"]["code"] == "sdp.audit.unsupported_output"
    res = cli("--json", "sdp", "audit", str(tmp_path / "none.csv"), "--out", str(tmp_path / "r.csv"))
    assert res.json()["error"]["code"] == "input.not_found"

    def boom(self: Any, summary: dict[str, Any]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(archive_audit._Writer, "close", boom)
    out = tmp_path / "report.csv"
    out.write_text("previous report\n")
    res = cli("--json", "sdp", "audit", str(export), "--out", str(out))
    assert res.exit_code == 5
    assert out.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_audit_csv_error_row_is_reported_and_run_goes_on(tmp_path: Path) -> None:
    big = "x" * (200 * 1024)  # above the csv module's field size limit
    export = _export(tmp_path / "export.csv", [f'1,"{big}",,2015-01-01,', "2,E-23444165-105-1,,2015-01-01,"])
    summary = archive_audit.run(
        export, tmp_path / "r.csv", catalogue=sdp_codes.builtin_catalogue("starter-et-ve-sut"), as_of=None
    )
    assert summary.errors["sdp.audit.malformed_row"] == 1 and summary.due == 1


def test_audit_dispositions_file(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"codes": {"D": {"disposition": "imha", "en": "Destroy", "tr": "İmha"}}}))
    export = _export(tmp_path / "export.csv", ["1,E-23444165-105-11,,2015-03-01,"])
    res = _audit(cli, export, tmp_path / "r.json", "--dispositions", str(rules))
    assert res.exit_code == 0 and res.json()["summary"]["dispositions"] == {"imha": 1}
    rules.write_text("{}")
    res = _audit(cli, export, tmp_path / "r.json", "--dispositions", str(rules))
    assert res.json()["error"]["code"] == "sdp.invalid_catalogue"


def test_audit_progress_callback(tmp_path: Path) -> None:
    export = _export(tmp_path / "export.csv", AUDIT_LINES)
    seen: list[int] = []
    archive_audit.run(export, tmp_path / "r.csv", progress=seen.append)
    assert seen and seen[-1] == 18  # lines read, header included


def test_registry_checks(cli: Cli, tmp_path: Path) -> None:
    import detsis
    from tests.detsis import synthetic

    registry = detsis.Registry.from_records(synthetic.records())
    snapshot = tmp_path / "detsis.json"
    with open(snapshot, "w", encoding="utf-8") as fh:
        detsis.dump_snapshot(registry, fh, {"source": "synthetic"})
    export = _export(
        tmp_path / "export.csv",
        [
            "1,E-40000011-045.01-5,,2020-01-01,",
            "2,E-66452182-045.01-1,,2020-01-01,",
            "3,E-40000013-045.01-7,,2020-01-01,",
        ],
    )
    res = _audit(cli, export, tmp_path / "r.json", "--registry", str(snapshot))
    assert res.json()["summary"]["errors"] == {"sayi.invalid_detsis": 1}
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert report["rows"][0]["line"] == 3 and "66452182" in report["rows"][0]["message"]
    res = cli(
        "--json",
        "sayi",
        "validate",
        "E-40000013-045.01-7",
        "E-66452182-045.01-1",
        "--registry",
        str(snapshot),
    )
    first, second = res.json()["results"]
    assert first["unit_name"].startswith("Sentetik") and first["warnings"][0]["code"] == "sayi.inactive_unit"
    assert second["error"]["details"]["error"]["code"] == "detsis.unknown_unit"
    # Without --registry, the configured snapshot (detsis.registry) is used, as by the service.
    env = {"EBYS_DETSIS_REGISTRY": str(snapshot)}
    res = cli("--json", "sayi", "validate", "E-40000013-045.01-7", "E-66452182-045.01-1", env=env)
    assert [r["valid"] for r in res.json()["results"]] == [True, False] and res.exit_code == 1
    res = _audit(cli, export, tmp_path / "r.json", env=env)
    assert res.json()["summary"]["errors"] == {"sayi.invalid_detsis": 1}
    env = {"EBYS_DETSIS_REGISTRY": str(tmp_path / "missing.json")}
    res = cli("--json", "sayi", "validate", "E-40000013-045.01-7", env=env)
    assert res.exit_code == 4 and res.json()["error"]["code"].startswith("detsis.")


def test_audit_dates_in_every_shape(tmp_path: Path) -> None:
    dates = ["2016-02-29", "2015-02-29", "29.02.2016", "29.02.2015", "1.3.2015", " 2015-03-01 ", "2015-13-01",
             "31.04.2015", "2015-.2015", "01.03-03-01", "1850-01-01", "01.01.2300", "2015-03-01", "01.03.2015"]  # fmt: skip
    export = _export(tmp_path / "export.csv", [f"{i},,105,{d}," for i, d in enumerate(dates)] * 30)
    summary = archive_audit.run(
        export, tmp_path / "r.json", catalogue=sdp_codes.builtin_catalogue("starter-et-ve-sut"), as_of=None
    )
    expected_invalid = {"2015-02-29", "29.02.2015", "2015-13-01", "31.04.2015", "2015-.2015", "01.03-03-01"}
    assert summary.errors == {"sdp.audit.invalid_date": len(expected_invalid) * 30}
    assert summary.valid == (len(dates) - len(expected_invalid)) * 30
    assert summary.years == {2021: 60, 2020: 120, 1855: 30, 2305: 30}


def test_audit_text_summary(cli: Cli, tmp_path: Path) -> None:
    export = _export(
        tmp_path / "export.csv",
        ["1,E-23444165-045.01-2409752,,29.01.2025,", "2,,105,2015-03-01,", "3,,020,2024-12-30,x"],
    )
    args = ("sdp", "audit", str(export), "--catalogue", "starter-et-ve-sut", "--as-of", "2026-01-01")
    res = cli("--lang", "tr", *args, "--out", str(tmp_path / "r.csv"))
    assert res.exit_code == 0
    assert res.stdout.splitlines() == [
        f"Kayıt: 3; geçerli: 3; sorunlu: 0; saklama süresi dolan: 1. Rapor: {tmp_path / 'r.csv'}",
        "Kodu dosya planının kapsamı dışında kalan (yalnızca biçimi denetlenen) geçerli kayıt: 0; "
        "yıl olarak saklama süresi olmayan: 2.",
        "Saklama sonu işlemine göre süresi dolan kayıtlar:",
        "  destroy: 1 — Saklama süresi sonunda imha edilir (anlamı doğrulanmadı)",
    ]
    export.write_text(HEADER + "1,E-91587970-020-1,,2024-12-30,\n", encoding="utf-8")
    res = cli(*args, "--out", str(tmp_path / "r.csv"))
    assert res.exit_code == 1 and "Problems by error code:\n  sayi.invalid_sdp: 1" in res.stdout
