"""What a help-desk person meets: Turkish and English messages, the CLI's update command, search without
Turkish letters, imports of real report shapes, ``If-Match`` handling, audit options (SQLite and PostgreSQL
where storage is involved)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ebys_support import audit, storage
from ebys_support.errors import UsageError, ValidationFailed
from ebys_support.kamusm import certimport, store
from ebys_support.kamusm.states import InvalidTransition
from ebys_support.kamusm.store import DuplicateOpenRequest, KamusmConflict, Settings
from ebys_support.kamusm.tckn import InvalidTCKN
from tests.kamusm.helpers import ISSUER, database, days, make_cert, now, pem, tckn

S = Settings()


def test_messages_name_types_and_statuses_in_each_language() -> None:
    err = InvalidTransition(
        details={"type": "pin_unblock", "from": "draft", "to": "approved", "allowed_list": ["submitted"]}
    )
    assert err.localized("tr") == (
        "Bu PIN kilidi çözme talebi “taslak” (draft) durumundan “onaylandı” (approved) durumuna "
        "geçirilemez. Geçilebilecek durumlar: “iletildi” (submitted)."
    )
    assert err.localized("en") == (
        "This PIN unblock request cannot move from draft to approved. Allowed: submitted."
    )
    conflict = KamusmConflict(
        details={"entity": "request", "id": 4, "expected_version": 1, "current_version": None}
    )
    assert "(talep, no. 4)" in conflict.localized("tr") and "şimdiki sürüm ?" in conflict.localized("tr")
    dup = DuplicateOpenRequest(details={"type": "renewal", "person": tckn(1), "request_id": 3})
    assert dup.code == "kamusm.duplicate_open_request"
    assert dup.localized("tr").endswith("açık bir yenileme talebi var (3 numaralı).")
    bad = InvalidTCKN(details={"value": "10000000147", "reason": "checksum"})
    assert bad.localized("tr") == "10000000147 geçerli bir T.C. Kimlik No değil (kontrol haneleri tutmuyor)."
    assert "check digits" in bad.localized("en")


def test_lookup_search_and_renewal_once(db_url: str) -> None:
    with database(db_url) as (_e, f), storage.session_scope(f) as s:
        store.upsert_person(s, {"tckn": tckn(1), "name": "Şükrü Çelik", "unit": "Fen İşleri"}, actor="t")
        store.upsert_person(s, {"tckn": tckn(2), "name": "İsmail Işık", "unit": "Zabıta"}, actor="t")
        for q, want in (("sukru", ["Şükrü Çelik"]), ("ŞÜKRÜ ç", ["Şükrü Çelik"]), ("ismail isik", ["İsmail Işık"]),
                        ("%", []), (tckn(2)[:5], ["Şükrü Çelik", "İsmail Işık"])):  # fmt: skip
            assert sorted(p["name"] for p in store.list_people(s, q=q).items) == sorted(want), q
        with pytest.raises(InvalidTCKN):  # a typo in the number, not an unknown person
            store.get_person(s, "10000000147")
        der = make_cert(tckn(1), serial=0x1234, not_before=now() - days(700), not_after=now() + days(20))
        store.import_certificates(s, [certimport.from_der(der)], actor="t", source="file")
        first = store.draft_renewals(s, S, 30, actor="t")
        assert len(first) == 1 and store.draft_renewals(s, S, 30, actor="t") == []
        store.transition(s, S, first[0].id, "cancelled", actor="t", note="kişi ayrılıyor")
        assert store.draft_renewals(s, S, 30, actor="t") == []  # cancelled by a person: not reopened
        # Sending what is already there changes nothing: same version, no history entry.
        req = store.create_request(s, S, actor="t", type="new", person=tckn(2))
        store.update_request(s, S, req.id, {"tracking_no": "YK1"}, actor="t", expected_version=1)
        store.update_request(s, S, req.id, {"tracking_no": "YK1"}, actor="t", expected_version=2)
        assert req.version == 2 and len(store.history(s, req.id)) == 2
        store.transition(s, S, req.id, "cancelled", actor="t")
        with pytest.raises(ValidationFailed) as fin:
            store.update_request(s, S, req.id, {"tracking_no": "YK2"}, actor="t", expected_version=3)
        assert fin.value.code == "kamusm.request_final"
        assert "“iptal edildi” (cancelled)" in fin.value.localized("tr")


def test_report_serials_are_hex_and_masked_ids_resolve(db_url: str, tmp_path: Path) -> None:
    # `verify --json` prints serial_number in hex (digits only here) and masks the national id.
    der = make_cert(tckn(1), serial=0x1234, not_before=now() - days(10), not_after=now() + days(400))
    report = {"files": [{"signatures": [{
        "signer": {"name": "Ayşe Yılmaz", "national_id": "10*******46"},
        "certificate": {"issuer": ISSUER, "serial_number": "1234",
                        "subject": f"Country: TR, Serial Number: {tckn(1)}, Common Name: Ayşe Yılmaz"}}]}]}  # fmt: skip
    path = tmp_path / "rapor.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    recs, skipped, source = certimport.read_any(path)
    assert (source, skipped, recs[0].serial, recs[0].tckn) == ("report", 0, "1234", tckn(1))
    with database(db_url) as (_e, f), storage.session_scope(f) as s:
        assert store.import_certificates(s, [certimport.from_der(der)], actor="t", source="file").created == 1
        again = store.import_certificates(s, recs, actor="t", source=source)
        assert (again.created, again.unchanged) == (0, 1)


def test_audit_time_filters_and_export_snapshot(db_url: str) -> None:
    with database(db_url) as (_e, f):
        with storage.session_scope(f) as s:
            for i in range(3):
                audit.append(s, actor="t", action="test.write", entity="thing", entity_id=i)
        with storage.session_scope(f) as s:
            assert len(audit.records(s, since="2000-01-01")) == 3
            assert audit.records(s, since="2999-01-01T00:00:00+03:00") == []
            assert len(audit.records(s, until="2999-01-01T00:00:00Z")) == 3
            with pytest.raises(UsageError) as bad:
                audit.records(s, since="dün")
            assert bad.value.code == "audit.bad_time" and "dün" in bad.value.localized("tr")
        # A record beyond the chain head (appended while an export runs, or forged): the export stops at
        # the head it announced, and `verify` of the database still reports the stray tail.
        with storage.session_scope(f) as s:
            s.execute(
                text(
                    "INSERT INTO audit_log (seq, ts, actor, action, entity, prev_hash, hash) "
                    "VALUES (4, 'x', 'x', 'x', 'x', 'x', 'x')"
                )
            )
        with storage.session_scope(f) as s:
            out = io.StringIO()
            result = audit.export(s, out)
            assert result.ok and result.records == 3 and len(out.getvalue().splitlines()) == 4
            assert audit.verify(s).first_broken == 4
            lines = out.getvalue().splitlines()
            head = json.loads(lines[-1])
            assert audit.read_export(lines, anchors={3: head["hash"]}).ok
            wrong = audit.read_export(lines, anchors={2: head["hash"]})
            assert not wrong.ok and wrong.problem == "audit.anchor_mismatch" and wrong.first_broken == 2


def test_cli_update_close_and_audit_options(cli: Any, tmp_path: Path) -> None:
    people = tmp_path / "p.csv"
    people.write_text(f"tckn,name,unit\n{tckn(1)},Ayşe Yılmaz,Bilgi İşlem\n", encoding="utf-8")
    assert cli("people", "import", str(people)).exit_code == 0
    old = tmp_path / "old.pem"
    old.write_bytes(
        pem(make_cert(tckn(1), serial=0xA, not_before=now() - days(700), not_after=now() + days(20)))
    )
    assert cli("certs", "import", str(old)).exit_code == 0
    r = cli("--lang", "tr", "certs", "list")
    assert "etkin" in r.stdout and "Kalan gün" in r.stdout
    rid = cli("--json", "requests", "new", "--type", "renewal", "--person", tckn(1)).json()["id"]
    r = cli("--json", "requests", "update", str(rid))
    assert r.exit_code == 2 and r.json()["error"]["code"] == "kamusm.nothing_to_update"
    r = cli("--json", "requests", "update", str(rid), "--kamusm-ref", "KSM-1", "--tracking-no", "YK9")
    assert r.exit_code == 0 and (r.json()["kamusm_ref"], r.json()["tracking_no"], r.json()["version"]) == (
        "KSM-1", "YK9", 2)  # fmt: skip
    r = cli("--lang", "tr", "requests", "update", str(rid), "--tracking-no", "YK9")
    assert r.exit_code == 0 and "değiştirilecek bir şey yok" in r.stdout
    r = cli("--json", "requests", "update", str(rid), "--tracking-no", "-", "--version", "1")
    assert r.exit_code == 1 and r.json()["error"]["code"] == "kamusm.conflict"
    for status in ("submitted", "approved", "sent_to_kamusm", "awaiting_applicant", "in_production", "shipped",
                   "delivered", "activated"):  # fmt: skip
        assert cli("requests", "move", str(rid), status).exit_code == 0
    r = cli("--lang", "tr", "requests", "move", str(rid), "closed")
    assert r.exit_code == 1 and f"requests update {rid} --delivered-certificate" in r.stderr
    new = tmp_path / "new.pem"
    new.write_bytes(pem(make_cert(tckn(1), serial=0xB, not_before=now(), not_after=now() + days(1000))))
    assert cli("certs", "import", str(new)).exit_code == 0
    listing = cli("--json", "certs", "list", "--tckn", tckn(1)).json()["items"]
    new_id = next(c["id"] for c in listing if c["serial"] == "b")
    r = cli("--json", "requests", "update", str(rid), "--delivered-certificate", str(new_id))
    assert r.exit_code == 0 and r.json()["delivered_certificate_id"] == new_id
    assert cli("--json", "requests", "move", str(rid), "closed").json()["status"] == "closed"
    r = cli("--lang", "tr", "requests", "show", str(rid))
    assert "Teslim edilen sertifika" in r.stdout and "kurum ödemeli" in r.stdout
    assert "etkinleştirildi → kapatıldı" in r.stdout and "güncellendi" in r.stdout

    export = tmp_path / "a.jsonl"
    assert cli("audit", "export", "--out", str(export)).exit_code == 0
    zero = "5:" + "0" * 64
    r = cli("--json", "audit", "verify", "--file", str(export), "--anchor", zero)
    assert r.exit_code == 1 and r.json()["problem"] == "audit.anchor_mismatch"
    r = cli("--json", "audit", "verify", "--anchor", "5:zz")
    assert r.exit_code == 2 and r.json()["error"]["code"] == "audit.bad_anchor"
    r = cli("--json", "audit", "show", "--since", "yesterday")
    assert r.exit_code == 2 and r.json()["error"]["code"] == "audit.bad_time"
    r = cli("--lang", "tr", "audit", "show", "--entity", "request", "--limit", "2")
    assert r.exit_code == 0 and r.stdout.startswith("Sıra") and "İşlem" in r.stdout


def test_http_if_match_forms(client: Any, api_key: Any) -> None:
    hd = api_key("helpdesk", name="masa")
    client.post("/v1/people", json={"tckn": tckn(1), "name": "Ayşe Yılmaz"}, headers=hd)
    rid = client.post("/v1/requests", json={"type": "new", "person": tckn(1)}, headers=hd).json["id"]
    url = f"/v1/requests/{rid}"
    r = client.patch(url, json={"assignee": "a"}, headers={**hd, "Accept-Language": "tr"})
    assert r.status_code == 428 and "If-Match" in r.json["error"]["message"]
    r = client.patch(url, json={"assignee": "a"}, headers={**hd, "If-Match": '"v1"'})
    assert r.status_code == 400 and r.json["error"]["code"] == "kamusm.if_match_required"
    r = client.patch(url, json={"assignee": "a"}, headers={**hd, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    r = client.patch(url, json={"assignee": "b"}, headers={**hd, "If-Match": "*"})
    assert r.status_code == 200 and r.json["version"] == 3
    r = client.patch(url, json={"assignee": "b"}, headers={**hd, "If-Match": '"3"'})
    assert r.status_code == 200 and r.json["version"] == 3  # nothing changed, nothing bumped
    r = client.patch(url, json={"assignee": "c"}, headers={**hd, "If-Match": '"2"', "Accept-Language": "tr"})
    assert r.status_code == 409 and "(talep, no. " in r.json["error"]["message"]
    r = client.get("/v1/people?q=ayse", headers=hd)
    assert r.json["total"] == 1


def test_people_files_from_spreadsheets(cli: Any, tmp_path: Path) -> None:
    # Turkish headings, a blank "Aktif" cell (stays active), semicolons and a BOM, as Excel saves them.
    sheet = tmp_path / "personel.csv"
    sheet.write_text(
        "\ufeffT.C. Kimlik No;Adı Soyadı;Birim;E-posta;Aktif\n"
        f"{tckn(1)};Ayşe Yılmaz;Bilgi İşlem;ayse@belediye.test;\n"
        f"{tckn(2)};Şükrü Çelik;Fen İşleri;;hayır\n",
        encoding="utf-8",
    )
    r = cli("--json", "people", "import", str(sheet))
    assert r.exit_code == 0 and r.json()["created"] == 2
    people = {p["tckn"]: p for p in cli("--json", "people", "list").json()["items"]}
    assert people[tckn(1)]["active"] and not people[tckn(2)]["active"]
    assert people[tckn(1)]["unit"] == "Bilgi İşlem" and people[tckn(1)]["email"] == "ayse@belediye.test"
    # A later list without the e-mail column changes the unit and keeps the e-mail address.
    moved = tmp_path / "tasinan.csv"
    moved.write_text(f"tckn,name,unit\n{tckn(1)},Ayşe Yılmaz,Fen İşleri\n", encoding="utf-8")
    assert cli("--json", "people", "import", str(moved)).json()["updated"] == 1
    person = cli("--json", "people", "show", tckn(1)).json()
    assert (person["unit"], person["email"]) == ("Fen İşleri", "ayse@belediye.test")
    wrong = tmp_path / "liste.csv"
    wrong.write_text("ad,soyad\nAyşe,Yılmaz\n", encoding="utf-8")
    r = cli("--json", "people", "import", str(wrong))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "kamusm.people_file_columns"
    assert "ad, soyad" in cli("--lang", "tr", "people", "import", str(wrong)).stderr
    out = tmp_path / "yok" / "rapor.csv"
    r = cli("--json", "requests", "report", "--out", str(out))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "kamusm.output_unwritable"
    r = cli("--lang", "tr", "audit", "export", "--out", str(tmp_path / "yok" / "iz.jsonl"))
    assert r.exit_code == 4 and "yazılamıyor" in r.stderr and not out.parent.exists()
