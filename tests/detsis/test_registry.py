"""The registry: loading snapshots (JSON bare, wrapped, CSV), link checks, hierarchy queries, search."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import detsis
from detsis import _jsonstream
from tests.detsis import synthetic


def _csv(records: list[dict[str, Any]], delimiter: str = ",") -> str:
    fields = list(detsis.FIELDS)
    lines = [delimiter.join(fields)]
    for r in records:
        row = []
        for f in fields:
            value = r.get(f)
            value = "" if value is None or value == [] else value
            row.append(str(value).lower() if isinstance(value, bool) else str(value))
        lines.append(delimiter.join(row))
    return "\n".join(lines) + "\n"


def test_loads_bare_array_wrapped_and_csv(tmp_path: Path) -> None:
    records = synthetic.records()
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"source": "x", "date": "2026-01-01", "units": records}), "utf-8")
    comma = tmp_path / "units.csv"
    comma.write_text(_csv(records), "utf-8")
    semicolon = tmp_path / "units-tr.csv"
    semicolon.write_text("\ufeff" + _csv(records, ";"), "utf-8")
    loaded = [detsis.load(p) for p in (bare, wrapped, comma, semicolon)]
    assert all(len(r) == len(records) for r in loaded)
    assert loaded[1].meta == {"source": "x", "date": "2026-01-01"}
    first = [list(r) for r in loaded]
    assert first[0] == first[1] == first[2] == first[3]


def test_unit_fields(registry: detsis.Registry) -> None:
    unit = registry.lookup("40000111")
    assert unit.detsis == 40000111 and unit.number == "40000111"
    assert unit.parent == 40000011 and unit.institution == 40000001
    assert unit.active and unit.level == 3 and unit.type1 == 3
    data = unit.to_dict()
    assert data["detsis"] == "40000111" and data["parent"] == "40000011"
    again = detsis.unit_from_record(unit.to_record())
    assert again == unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("0", False), ("true", True), ("False", False), ("E", True), ("H", False), ("e", True),
     ("Evet", True), ("HAYIR", False), (True, True), (0, False)],
)  # fmt: skip
def test_flags(raw: object, expected: bool) -> None:
    record = synthetic.unit(40000001, "Sentetik", active=raw)
    assert detsis.Registry.from_records([record]).lookup(40000001).active is expected


def test_flags_in_csv_strings() -> None:
    text = "DETSISNo,Ad,ParentIdareKimlikKodu,Aktifmi,FaalOlupOlmadigi\n40000001,Sentetik,,E,H\n"
    unit = detsis.load(io.StringIO(text)).lookup("40000001")
    assert unit.active and not unit.operating and unit.parent is None


def test_bad_flag_names_the_unit() -> None:
    record = synthetic.unit(40000001, "Sentetik", active="belki")
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.Registry.from_records([record])
    assert info.value.code == "detsis.invalid_snapshot"
    assert info.value.details["field"] == "Aktifmi"
    assert info.value.details["detsis"] == "40000001"
    assert info.value.details["index"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"DETSISNo": "1234"}, "DETSISNo"),
        ({"ParentIdareKimlikKodu": "abc"}, "ParentIdareKimlikKodu"),
        ({"Seviye": "üç"}, "Seviye"),
        ({"Ad": "  "}, "Ad"),
        ({"Ad": None}, "Ad"),
    ],
)
def test_bad_fields(change: dict[str, Any], field: str) -> None:
    record = {**synthetic.unit(40000001, "Sentetik"), **change}
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.Registry.from_records([record])
    assert info.value.details["field"] == field


def test_missing_required_field() -> None:
    record = synthetic.unit(40000001, "Sentetik")
    del record["Aktifmi"]
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.Registry.from_records([record])
    assert info.value.details == {"field": "Aktifmi", "reason": "missing", "index": 0, "detsis": "40000001"}


def test_bad_record_is_located() -> None:
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.load(io.StringIO('[{"DETSISNo": 40000001, "Ad": "Sentetik", "ParentIdareKimlikKodu": 0}]'))
    assert info.value.details == {"field": "Aktifmi", "reason": "missing", "index": 0, "detsis": "40000001"}


def test_duplicate_unit() -> None:
    records = synthetic.records() + [synthetic.unit(40000012, "Sentetik Kopya", 40000001, 40000001)]
    with pytest.raises(detsis.DuplicateUnit) as info:
        detsis.Registry.from_records(records)
    assert info.value.code == "detsis.duplicate_unit"
    assert info.value.details == {"detsis": "40000012", "index": len(records) - 1}


def test_dangling_parent_names_the_units() -> None:
    records = synthetic.records() + [
        synthetic.unit(40000200, "Sentetik Yetim", 49999999, 40000001),
        synthetic.unit(40000201, "Sentetik Yetim 2", 49999998, 40000001),
    ]
    with pytest.raises(detsis.DanglingParent) as info:
        detsis.Registry.from_records(records)
    assert info.value.code == "detsis.dangling_parent"
    assert info.value.details["count"] == 2
    assert {"detsis": "40000200", "parent": "49999999"} in info.value.details["units"]
    assert "40000201" in str(info.value)


def test_cycle_names_the_units() -> None:
    records = [
        synthetic.unit(40000001, "Sentetik Kök"),
        synthetic.unit(40000002, "Sentetik A", 40000004),
        synthetic.unit(40000003, "Sentetik B", 40000002),
        synthetic.unit(40000004, "Sentetik C", 40000003),
        synthetic.unit(40000005, "Sentetik Altı", 40000004),
    ]
    with pytest.raises(detsis.ParentCycle) as info:
        detsis.Registry.from_records(records)
    assert info.value.code == "detsis.parent_cycle"
    assert sorted(info.value.details["units"]) == ["40000002", "40000003", "40000004"]


def test_self_parent_is_a_cycle() -> None:
    with pytest.raises(detsis.ParentCycle):
        detsis.Registry.from_records([synthetic.unit(40000001, "Sentetik", 40000001)])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ('{"source": "x"}', "no_units"),
        ('{"units": [', "expected a value"),
        ('[{"DETSISNo": 40000001,', "Expecting property name enclosed in double quotes"),
        ("[] []", "extra_data"),
        ("[3]", "not_an_object"),
        ('"just a string"', None),
    ],
)
def test_unreadable_json(text: str, reason: str | None) -> None:
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.load(io.StringIO(text), format="json" if text.strip() else None)
    assert info.value.code == "detsis.invalid_snapshot"
    if reason:
        assert info.value.details["reason"] == reason


def test_csv_without_required_columns() -> None:
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.load(io.StringIO("DETSISNo,Ad\n40000001,Sentetik\n"))
    assert info.value.details["missing"] == ["ParentIdareKimlikKodu", "Aktifmi"]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.load(tmp_path / "nope.json")
    assert info.value.details["path"].endswith("nope.json")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("DETSISNo,Ad,ParentIdareKimlikKodu,Aktifmi\n40000001,Şube,,1\n".encode("iso-8859-9"))
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.load(latin)
    assert info.value.details["reason"] == "encoding"


def test_streaming_across_small_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Records cut at every possible place by the reader's buffer still load, in both layouts."""
    monkeypatch.setattr(_jsonstream, "_CHUNK", 7)
    records = synthetic.records()
    for text in (
        json.dumps({"a": [1, {"b": 2}], "units": records, "z": 12345}, ensure_ascii=False),
        "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n",
    ):
        reg = detsis.load(io.StringIO(text))
        assert len(reg) == len(records)
    reg = detsis.load(io.StringIO(json.dumps({"a": [1, {"b": 2}], "units": records, "z": 12345})))
    assert reg.meta == {"a": [1, {"b": 2}], "z": 12345}


def test_dump_snapshot_round_trip(registry: detsis.Registry, tmp_path: Path) -> None:
    out = io.StringIO()
    count = detsis.dump_snapshot(registry, out, {"source": "synthetic", "date": "2026-01-01"})
    assert count == len(registry)
    again = detsis.load(io.StringIO(out.getvalue()))
    assert list(again) == list(registry)
    assert again.meta["format"] == "ebys-support/detsis-snapshot/1"


def test_get_and_lookup(registry: detsis.Registry) -> None:
    assert registry.get("40000011") is registry.lookup(40000011)
    assert registry.get("4000 0011") is not None
    assert registry.get("49999999") is None
    assert registry.get("junk", "default") == "default"
    assert "40000011" in registry and 49999999 not in registry
    with pytest.raises(detsis.UnknownUnit) as info:
        registry.lookup("49999999")
    assert info.value.code == "detsis.unknown_unit" and info.value.details == {"detsis": "49999999"}
    with pytest.raises(detsis.InvalidFormat):
        registry.lookup("123")


def test_hierarchy(registry: detsis.Registry) -> None:
    assert registry.parent("40000111").detsis == 40000011  # type: ignore[union-attr]
    assert registry.parent("40000001") is None
    assert [u.detsis for u in registry.ancestors("40000111")] == [40000011, 40000001]
    assert [u.detsis for u in registry.path("40000111")] == [40000001, 40000011, 40000111]
    assert [u.name for u in registry.children("40000011")] == [
        "Sentetik Harita Şube Müdürlüğü",
        "Sentetik Plan Şube Müdürlüğü",
    ]
    assert [u.detsis for u in registry.descendants("40000001", depth=1)] == [40000013, 40000011, 40000012]
    assert len(registry.descendants("40000001")) == 6
    assert registry.descendants("40000001", depth=0) == []
    assert registry.institution_of("40000121").detsis == 40000001
    assert registry.institution_of("50000001").detsis == 50000001
    assert {u.detsis for u in registry.roots()} == {40000001, 50000001}
    assert len(registry.units_of(synthetic.OURS)) == 7


def test_check(registry: detsis.Registry) -> None:
    assert registry.check("40000011", institution=synthetic.OURS).name.startswith("Sentetik İmar")
    with pytest.raises(detsis.InactiveUnit) as info:
        registry.check("40000013")
    assert info.value.code == "detsis.inactive_unit"
    assert registry.check("40000013", active=False).detsis == 40000013
    with pytest.raises(detsis.NotInInstitution) as info2:
        registry.check("50000011", institution=synthetic.OURS)
    assert info2.value.code == "detsis.not_in_institution"
    assert info2.value.details["actual"] == "50000001"


@pytest.mark.parametrize("query", ["İMAR", "imar", "Imar", "IMAR", "şehircilik", "sehircilik", "ŞEHİRCİLİK"])
def test_search_is_turkish_aware(registry: detsis.Registry, query: str) -> None:
    assert [u.detsis for u in registry.search(query)] == [40000011]


def test_search_ranking_and_filters(registry: detsis.Registry) -> None:
    names = [u.name for u in registry.search("sentetik")]
    assert len(names) == 9
    assert registry.search("40000012")[0].detsis == 40000012
    assert [u.detsis for u in registry.search("dairesi", active_only=True)] == [40000011, 40000012]
    assert all(u.institution in (None, 50000001) or u.detsis == 50000001 for u in registry.search("komşu"))
    assert [u.detsis for u in registry.search("müdürlüğü", institution=synthetic.OTHER)] == [50000011]
    assert registry.search("   ") == []
    assert registry.search(None) == []  # type: ignore[arg-type]


def test_search_words_may_match_units_above(registry: detsis.Registry) -> None:
    """Like the SDP search: every word in the name or above it, one at least in the name itself."""
    assert [u.detsis for u in registry.search("büyükşehir plan")] == [40000111]
    assert [u.detsis for u in registry.search("imar harita")] == [40000112]
    assert registry.search("komşu plan") == []


def test_unknown_format_argument() -> None:
    with pytest.raises(detsis.InvalidSnapshot) as info:
        detsis.load(io.StringIO("[]"), format="xml")
    assert info.value.details["reason"] == "format"
    with pytest.raises(detsis.InvalidMapping) as info2:
        detsis.load_mapping(io.StringIO(""), format="xml")
    assert info2.value.details["reason"] == "format"


def test_empty_array_is_an_empty_registry() -> None:
    assert len(detsis.load(io.StringIO(" [ ] "))) == 0
    assert len(detsis.load(io.StringIO('{"units": []}'))) == 0


def test_fast_keys_agree_with_the_turkish_rules() -> None:
    from detsis import _turkish
    from detsis.registry import _collation_key, _name_key

    words = ["çanta", "cam", "dağ", "ılık", "inek", "şeker", "su", "ürün", "uzun", "czar", "hz", "Işık", "ağa",
             "a b", "a1", "ab", "Çorum", "Ceyhan", "Öğrenim", "Ozan", "ÂDEM", "Âdil"]  # fmt: skip
    assert sorted(words, key=_collation_key) == sorted(words, key=_turkish.sort_key)
    for text in ["İMAR ve  Şehircilik", "Âdil Îmar Ûmran", "e\u0301cole", "ÇĞIİÖŞÜ", "x\tY", "Straße", "ﬁ"]:
        assert _name_key(text) == _turkish.search_key(text)
