"""Snapshot diffs (every change kind), the unit mapping (every problem code) and broken mappings."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import detsis
from tests.detsis import synthetic


def _registry(edit: Any = None) -> detsis.Registry:
    records = synthetic.records()
    if edit is not None:
        records = edit(records) or records
    return detsis.Registry.from_records(records)


def _by(records: list[dict[str, Any]], number: int) -> dict[str, Any]:
    return next(r for r in records if r["DETSISNo"] == number)


def _changed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    _by(records, 40000111)["Ad"] = "Sentetik İmar Planlama Şube Müdürlüğü"  # renamed
    _by(records, 40000112)["ParentIdareKimlikKodu"] = 40000012  # moved
    _by(records, 40000121)["Aktifmi"] = "0"  # deactivated
    _by(records, 40000013)["Aktifmi"] = "E"  # reactivated
    records = [r for r in records if r["DETSISNo"] != 50000011]  # removed
    records.append(
        synthetic.unit(40000014, "Sentetik Dijital Dönüşüm Dairesi Başkanlığı", 40000001, 40000001)
    )
    return records


def test_no_changes() -> None:
    assert detsis.diff(_registry(), _registry()) == []


def test_every_change_kind() -> None:
    old, new = _registry(), _registry(_changed)
    changes = detsis.diff(old, new)
    kinds = {c.kind: c for c in changes}
    assert set(kinds) == set(detsis.KINDS)
    assert [(c.detsis, c.kind) for c in changes] == [
        ("40000013", "reactivated"),
        ("40000014", "added"),
        ("40000111", "renamed"),
        ("40000112", "moved"),
        ("40000121", "deactivated"),
        ("50000011", "removed"),
    ]
    assert kinds["added"].old is None and kinds["added"].new is not None
    assert kinds["removed"].new is None and kinds["removed"].old is not None
    assert kinds["renamed"].old.name != kinds["renamed"].new.name  # type: ignore[union-attr]
    moved = kinds["moved"].to_dict()
    assert moved["old"]["parent"] == "40000011" and moved["new"]["parent"] == "40000012"


def test_renamed_and_moved_at_once() -> None:
    def edit(records: list[dict[str, Any]]) -> None:
        unit = _by(records, 40000111)
        unit["Ad"] = "Sentetik Yeni Ad"
        unit["ParentIdareKimlikKodu"] = 40000012

    assert [c.kind for c in detsis.diff(_registry(), _registry(edit))] == ["renamed", "moved"]


# ------------------------------------------------------------------------------------------ mapping
def _mapping(text: str) -> detsis.UnitMapping:
    return detsis.load_mapping(io.StringIO(text), "csv")


def _codes(problems: list[detsis.Problem]) -> list[tuple[str, str | None]]:
    return [(p.code, p.internal_code) for p in problems]


def test_good_mapping_has_no_problems() -> None:
    assert detsis.check_mapping(_mapping(synthetic.GOOD_MAPPING), _registry(), synthetic.OURS) == []


def test_every_problem_code() -> None:
    text = synthetic.GOOD_MAPPING.replace(
        "HARITA,Sentetik Harita Şube Müdürlüğü,40000112,IMAR\n", ""
    )  # 40000112 unmapped
    text += (
        "BAD,Bozuk,4000011X,BB\n"  # invalid_detsis
        "GONE,Sentetik Yok,49999999,BB\n"  # unknown_unit
        "BILGI,Sentetik Bilgi İşlem Dairesi Başkanlığı,40000013,BB\n"  # inactive_unit
        "KOMSU,Sentetik Komşu Fen İşleri Müdürlüğü,50000011,BB\n"  # outside_institution
        "IMAR2,Sentetik İmar ve Şehircilik Dairesi Başkanlığı,40000011,BB\n"  # duplicate_detsis
        "ORPHAN,Sentetik Plan Şube Müdürlüğü,40000111,NOPE\n"  # unknown_internal_parent (+ duplicate)
        "WRONG,Sentetik Ruhsat Şube Müdürlüğü,40000121,IMAR\n"  # parent_not_ancestor (+ duplicate)
    )
    text = text.replace("YAPI,Sentetik Yapı Kontrol Dairesi Başkanlığı", "YAPI,Yapı Denetim Daire Başkanlığı")
    problems = detsis.check_mapping(_mapping(text), _registry(), synthetic.OURS)
    codes = _codes(problems)
    assert ("detsis.mapping.name_drift", "YAPI") in codes
    assert ("detsis.mapping.invalid_detsis", "BAD") in codes
    assert ("detsis.mapping.unknown_unit", "GONE") in codes
    assert ("detsis.mapping.inactive_unit", "BILGI") in codes
    assert ("detsis.mapping.outside_institution", "KOMSU") in codes
    assert ("detsis.mapping.duplicate_detsis", "IMAR2") in codes
    assert ("detsis.mapping.unknown_internal_parent", "ORPHAN") in codes
    assert ("detsis.mapping.parent_not_ancestor", "WRONG") in codes
    assert ("detsis.mapping.unmapped_unit", None) in codes
    assert {p.code for p in problems} == set(detsis.PROBLEM_CODES)
    unmapped = [p for p in problems if p.code == "detsis.mapping.unmapped_unit"]
    assert [p.detsis for p in unmapped] == ["40000112"]  # the inactive 40000013 is not required
    drift = next(p for p in problems if p.code == "detsis.mapping.name_drift")
    assert drift.details["registry_name"] == "Sentetik Yapı Kontrol Dairesi Başkanlığı"
    outside = next(p for p in problems if p.code == "detsis.mapping.outside_institution")
    assert outside.details["actual_institution"] == "50000001"
    summary = detsis.summarize(_mapping(text), problems)
    assert summary["problems"] == len(problems) and summary["by_code"]["detsis.mapping.unmapped_unit"] == 1


def test_name_drift_ignores_turkish_case_and_spacing() -> None:
    text = synthetic.GOOD_MAPPING.replace(
        "PLAN,Sentetik Plan Şube Müdürlüğü", "PLAN,  SENTETİK PLAN   ŞUBE MÜDÜRLÜĞÜ "
    ).replace(
        "IMAR,Sentetik İmar ve Şehircilik Dairesi Başkanlığı",
        "IMAR,sentetik imar ve şehircilik dairesi başkanlığı",
    )
    assert detsis.check_mapping(_mapping(text), _registry(), synthetic.OURS) == []


def test_empty_detsis_is_invalid() -> None:
    text = synthetic.GOOD_MAPPING + "NEW,Sentetik Yeni Birim,,BB\n"
    problems = detsis.check_mapping(_mapping(text), _registry(), synthetic.OURS)
    assert _codes(problems) == [("detsis.mapping.invalid_detsis", "NEW")]


def test_unknown_institution_raises() -> None:
    with pytest.raises(detsis.UnknownUnit):
        detsis.check_mapping(_mapping(synthetic.GOOD_MAPPING), _registry(), "49999999")


def test_semicolon_csv_from_a_turkish_spreadsheet() -> None:
    text = "\ufeff" + synthetic.GOOD_MAPPING.replace(",", ";")
    mapping = detsis.load_mapping(io.StringIO(text.lstrip("\ufeff")), "csv")
    assert len(mapping) == 6 and mapping.get("PLAN").internal_parent == "IMAR"  # type: ignore[union-attr]


def test_yaml_mapping(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "units:\n"
        "  - {internal_code: BB, internal_name: Sentetik Büyükşehir Belediyesi, detsis: 40000001}\n"
        "  - internal_code: IMAR\n"
        "    internal_name: Sentetik İmar ve Şehircilik Dairesi Başkanlığı\n"
        "    detsis: 40000011\n"
        "    internal_parent: BB\n",
        "utf-8",
    )
    mapping = detsis.load_mapping(path)
    assert [e.internal_code for e in mapping] == ["BB", "IMAR"]
    assert mapping.get("IMAR").detsis == "40000011"  # type: ignore[union-attr]
    bare = tmp_path / "bare.yml"
    bare.write_text("- {internal_code: BB, detsis: '40000001'}\n", "utf-8")
    assert len(detsis.load_mapping(bare)) == 1


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("m.csv", "code,name,detsis\nA,B,40000001\n", "header"),
        ("m.csv", "internal_code,internal_name,detsis,internal_parent\nA,x,40000001,\nA,y,40000011,\n",
         "duplicate_internal_code"),
        ("m.csv", "internal_code,internal_name,detsis,internal_parent\n,x,40000001,\n", "empty_internal_code"),
        ("m.yaml", "units: [\n", "yaml"),
        ("m.yaml", "units: 3\n", "shape"),
        ("m.yaml", "- {internal_code: A, kod: 1}\n", "header"),
        ("m.yaml", "- 3\n", "not_a_row"),
    ],
)  # fmt: skip
def test_invalid_mapping(tmp_path: Path, name: str, text: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    with pytest.raises(detsis.InvalidMapping) as info:
        detsis.load_mapping(path)
    assert info.value.code == "detsis.invalid_mapping"
    assert info.value.details["reason"] == reason


def test_unreadable_mapping(tmp_path: Path) -> None:
    with pytest.raises(detsis.InvalidMapping):
        detsis.load_mapping(tmp_path / "none.csv")


# ---------------------------------------------------------------------------------- broken mappings
def test_broken_mappings() -> None:
    mapping = _mapping(synthetic.GOOD_MAPPING)
    old, new = _registry(), _registry(_changed)
    broken = detsis.broken_mappings(detsis.diff(old, new), mapping, old, new)
    found = {(b.internal_code, b.problem.code): b.changes for b in broken}
    assert found == {
        ("PLAN", "detsis.mapping.name_drift"): ("renamed",),
        ("HARITA", "detsis.mapping.parent_not_ancestor"): ("moved",),
        ("RUHSAT", "detsis.mapping.inactive_unit"): ("deactivated",),
    }
    assert broken[0].to_dict()["code"].startswith("detsis.mapping.")


def test_removed_unit_breaks_its_mapping() -> None:
    mapping = _mapping(synthetic.GOOD_MAPPING + "SILINEN,Sentetik Harita Şube Müdürlüğü,40000112,IMAR\n")

    def remove(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in records if r["DETSISNo"] != 40000112]

    old, new = _registry(), _registry(remove)
    broken = detsis.broken_mappings(detsis.diff(old, new), mapping, old, new, synthetic.OURS)
    assert {(b.internal_code, b.problem.code) for b in broken} == {
        ("HARITA", "detsis.mapping.unknown_unit"),
        ("SILINEN", "detsis.mapping.unknown_unit"),
    }


def test_no_changes_break_nothing() -> None:
    mapping = _mapping(synthetic.GOOD_MAPPING)
    assert detsis.broken_mappings([], mapping, _registry(), _registry()) == []
    assert detsis.infer_institution(mapping, _registry()) == synthetic.OURS


def test_every_problem_code_and_kind_has_messages() -> None:
    from ebys_support import i18n

    catalogue = i18n.catalogue()
    for code in detsis.PROBLEM_CODES:
        assert catalogue[code]["en"] and catalogue[code]["tr"], code
    for kind in detsis.KINDS:
        assert catalogue[f"ui.detsis.kind.{kind}"]["tr"], kind
