"""Rules and flows of people, certificates and requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ebys_support import audit, storage
from ebys_support.errors import Conflict, InputError, NotFound, UsageError, ValidationFailed
from ebys_support.kamusm import certimport, store
from ebys_support.kamusm.states import InvalidTransition
from ebys_support.kamusm.store import KamusmConflict, Settings
from tests.kamusm.helpers import ISSUER, database, days, make_cert, now, pem, tckn

S = Settings()
PATH = ["submitted", "approved", "sent_to_kamusm", "awaiting_applicant", "in_production", "shipped", "delivered",
        "activated"]  # fmt: skip


def _person(s, n: int = 1, **extra):  # type: ignore[no-untyped-def]
    values = {
        "tckn": tckn(n),
        "name": f"Kişi {n}",
        "unit": "Bilgi İşlem",
        "email": f"k{n}@belediye.test",
        **extra,
    }
    return store.upsert_person(s, values, actor="t")[0]


def _cert(s, n: int, serial: int, ends_in: float, source: str = "file"):  # type: ignore[no-untyped-def]
    der = make_cert(tckn(n), serial=serial, not_before=now() - days(700), not_after=now() + days(ends_in))
    store.import_certificates(s, [certimport.from_der(der)], actor="t", source=source)
    return der


def test_people(db_url: str) -> None:
    with database(db_url) as (_e, f):
        with storage.session_scope(f) as s:
            p = _person(s)
            assert store.upsert_person(s, {"tckn": p.tckn, "name": p.name, "unit": "Bilgi İşlem",
                                           "email": p.email}, actor="t")[1] == "unchanged"  # fmt: skip
            result = store.import_people(
                s,
                [{"tckn": tckn(2), "name": "Çağrı Öztürk", "unit": "Fen İşleri"}, {"tckn": "12345678901", "name": "x"},
                 {"tckn": tckn(3), "name": ""}, {"tckn": tckn(4), "name": "A", "email": "nope"}],
                actor="t",
            )  # fmt: skip
            assert (result.created, result.skipped) == (1, 3)
            assert [e["code"] for e in result.errors] == [
                "kamusm.invalid_tckn", "kamusm.missing_field", "kamusm.invalid_field"]  # fmt: skip
            assert store.list_people(s, q="çağrı").total == 1
            assert store.list_people(s, unit="Bilgi İşlem").items[0]["tckn"] == tckn(1)
            with pytest.raises(NotFound) as nf:
                store.get_person(s, tckn(9))
            assert nf.value.code == "kamusm.person_not_found"
            with pytest.raises(UsageError) as bp:
                store.list_people(s, per_page=501)
            assert bp.value.code == "kamusm.bad_paging"
        with storage.session_scope(f) as s:
            p = store.get_person(s, tckn(1))
            version = p.version
            store.upsert_person(s, {"tckn": p.tckn, "name": "Yeni Ad"}, actor="t", expected_version=version)
        with pytest.raises(KamusmConflict) as err, storage.session_scope(f) as s:
            store.upsert_person(s, {"tckn": tckn(1), "name": "Eski"}, actor="t", expected_version=version)
        assert err.value.code == "kamusm.conflict" and err.value.http_status == 409


def test_certificate_import_dedup_and_sources(db_url: str, tmp_path: Path) -> None:
    der = make_cert(tckn(1), serial=0x1A2B, not_before=now() - days(10), not_after=now() + days(40))
    (tmp_path / "c.pem").write_bytes(pem(der) + pem(make_cert(tckn(2), serial=7, not_before=now() - days(900),
                                                                not_after=now() - days(1))))  # fmt: skip
    token_json = {"modules": [{"path": "/x.so", "slots": [{"slot_id": 0, "token": {
        "label": "AKIS", "serial": "CARD-1", "certificates": [
            {"issuer": ISSUER, "serial": "1a2b", "tckn": tckn(1), "not_after": "2030-01-01T00:00:00+00:00"},
            {"issuer": None, "serial": "zz"}, "junk"]}}]}]}  # fmt: skip
    report_json = {"file": "a.pdf", "signatures": [{"signer": {"national_id": tckn(3)}, "certificate": {
        "issuer": ISSUER, "serial_number": "255", "subject": "CN=Üç", "not_after": "2031-05-05T00:00:00Z"},
        "counter_signatures": [{"certificate": {"issuer": ISSUER}}]}]}  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(token_json), encoding="utf-8")
    (tmp_path / "r.json").write_text(json.dumps(report_json), encoding="utf-8")
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    with database(db_url) as (_e, f), storage.session_scope(f) as s:
        _person(s, 1)
        recs, skipped, source = certimport.read_any(tmp_path / "c.pem")
        assert (len(recs), skipped, source) == (2, 0, "file")
        assert recs[0].tckn == tckn(1) and recs[0].serial == "1a2b" and recs[0].issuer.endswith("Sürüm 1")
        assert store.import_certificates(s, recs, actor="t", source=source).created == 2
        trecs, tskipped, tsource = certimport.read_any(tmp_path / "t.json")
        assert (len(trecs), tskipped, tsource) == (1, 2, "token")
        r = store.import_certificates(s, trecs, actor="t", source=tsource)
        assert (r.created, r.updated) == (0, 1)  # same issuer+serial: the card facts are added
        rrecs, rskipped, rsource = certimport.read_any(tmp_path / "r.json")
        assert (len(rrecs), rskipped, rsource) == (1, 1, "report") and rrecs[0].serial == "255"
        assert rrecs[0].tckn == tckn(3)
        store.import_certificates(s, rrecs, actor="t", source=rsource)
        _person(s, 3)  # registered after the import: the certificate is linked to them
        assert store.list_certificates(s, tckn=tckn(3)).items[0]["person_id"] is not None
        assert store.refresh_certificate_statuses(s) == 0  # the expired one was imported as expired
        page = store.list_certificates(s, tckn=tckn(1))
        assert page.total == 1 and page.items[0]["card_serial"] == "CARD-1" and page.items[0]["person_id"]
        assert store.list_certificates(s, expiring_within=60).total == 1
        assert store.list_certificates(s, status="expired").total == 1
        with pytest.raises(InputError) as err:
            certimport.read_any(tmp_path / "x.txt")
        assert err.value.code == "kamusm.not_a_certificate"
        with pytest.raises(NotFound) as nf:
            store.get_certificate(s, 999)
        assert nf.value.code == "kamusm.certificate_not_found"
        with pytest.raises(UsageError) as bd:
            store.list_certificates(s, expiring_within=-1)
        assert bd.value.code == "kamusm.bad_days"


def test_renewal_flow_rules_and_replacement(db_url: str) -> None:
    with database(db_url) as (_e, f):
        with storage.session_scope(f) as s:
            _person(s, 1)
            _person(s, 2)
            _cert(s, 1, serial=100, ends_in=30)
            _cert(s, 2, serial=200, ends_in=200)
            opened = store.draft_renewals(s, S, 365, actor="t")
            assert len(opened) == 2
            assert store.draft_renewals(s, S, 365, actor="t") == []  # idempotent
            rid, early = opened[0].id, opened[1].id
            with pytest.raises(Conflict) as dup:
                store.create_request(s, S, actor="t", type="renewal", person=tckn(1))
            assert dup.value.code == "kamusm.duplicate_open_request"
        with pytest.raises(ValidationFailed) as err, storage.session_scope(f) as s:
            store.transition(s, S, early, "submitted", actor="t")
        assert err.value.code == "kamusm.renewal_too_early" and err.value.details["window_days"] == 90
        with storage.session_scope(f) as s:
            for status in PATH:
                store.transition(s, S, rid, status, actor="t")
        with pytest.raises(ValidationFailed) as nocert, storage.session_scope(f) as s:
            store.transition(s, S, rid, "closed", actor="t")
        assert nocert.value.code == "kamusm.delivered_certificate_required"
        with storage.session_scope(f) as s:
            new_der = make_cert(tckn(1), serial=101, not_before=now(), not_after=now() + days(1095))
            store.import_certificates(s, [certimport.from_der(new_der)], actor="t", source="token")
            req = store.transition(s, S, rid, "closed", actor="t", note="teslim alındı")
            assert req.delivered_certificate_id is not None and req.open_key is None
            old = store.get_certificate(s, req.certificate_id or 0)
            assert (
                old.replaced_by_id == req.delivered_certificate_id and old.status == "active"
            )  # still valid
        # Once the old certificate expires it is "replaced", not merely "expired".
        with storage.session_scope(f) as s:
            assert store.refresh_certificate_statuses(s, now=now() + days(31)) == 1
            assert store.get_certificate(s, old.id).status == "replaced"
            # A closed renewal for that certificate stops draft_renewals from reopening it.
            assert store.draft_renewals(s, S, 40, actor="t") == []
            with pytest.raises(InvalidTransition):
                store.transition(s, S, rid, "draft", actor="t")
            assert audit.verify(s).ok


def test_request_rules(db_url: str) -> None:
    with database(db_url) as (_e, f):
        with storage.session_scope(f) as s:
            _person(s, 1)
            _cert(s, 1, serial=1, ends_in=50)
            with pytest.raises(ValidationFailed) as r1:
                store.create_request(s, S, actor="t", type="update", person=tckn(1))
            assert r1.value.code == "kamusm.reason_required"
            with pytest.raises(ValidationFailed) as r2:
                store.create_request(s, S, actor="t", type="nonsense", person=tckn(1))
            assert r2.value.code == "kamusm.invalid_field"
            with pytest.raises(ValidationFailed) as r3:
                store.create_request(s, S, actor="t", type="revocation", person=_person(s, 2).tckn)
            assert r3.value.code == "kamusm.certificate_required"
            with pytest.raises(NotFound) as r4:
                store.get_request(s, 999)
            assert r4.value.code == "kamusm.request_not_found"
            rev = store.create_request(s, S, actor="t", type="revocation", person=tckn(1))
            upd = store.create_request(s, S, actor="t", type="update", person=tckn(1), reason="puk_blocked",
                                       payment_mode="personal")  # fmt: skip
            pin = store.create_request(s, S, actor="t", type="pin_unblock", person=tckn(1))
        with storage.session_scope(f) as s:
            for status in ("submitted", "approved", "sent_to_kamusm", "closed"):
                store.transition(s, S, rev.id, status, actor="t")
            assert store.get_certificate(s, rev.certificate_id or 0).status == "revoked"
            store.transition(s, S, upd.id, "submitted", actor="t")
            store.transition(s, S, upd.id, "on_hold", actor="t", note="evrak eksik")
            with pytest.raises(InvalidTransition) as inv:
                store.transition(s, S, upd.id, "approved", actor="t")
            assert inv.value.details["allowed_list"] == ["submitted", "cancelled"]
            store.transition(s, S, upd.id, "submitted", actor="t")
            v = store.get_request(s, pin.id).version
            store.update_request(s, S, pin.id, {"assignee": "mehmet", "kamusm_ref": "K-1"}, actor="t",
                                 expected_version=v)  # fmt: skip
            with pytest.raises(UsageError) as uf:
                store.update_request(s, S, pin.id, {"status": "closed"}, actor="t", expected_version=None)
            assert uf.value.code == "kamusm.unknown_field"
            store.add_note(s, pin.id, "aradı", actor="t")
            with pytest.raises(ValidationFailed) as mf:
                store.add_note(s, pin.id, "  ", actor="t")
            assert mf.value.code == "kamusm.missing_field"
            att = store.attach(s, pin.id, "diag.json", b'{"findings": []}', actor="t")
            assert att.kind == "diagnosis"
            with pytest.raises(ValidationFailed) as ae:
                store.attach(s, pin.id, "empty.pdf", b"", actor="t")
            assert ae.value.code == "kamusm.attachment_empty"
            with pytest.raises(ValidationFailed) as al:
                store.attach(s, pin.id, "big.pdf", b"x" * (store.MAX_ATTACHMENT_BYTES + 1), actor="t")
            assert al.value.code == "kamusm.attachment_too_large"
        with pytest.raises(KamusmConflict), storage.session_scope(f) as s:
            store.transition(s, S, pin.id, "submitted", actor="t", expected_version=v)
        with storage.session_scope(f) as s:
            store.transition(s, S, pin.id, "cancelled", actor="t")
            with pytest.raises(ValidationFailed) as fin:
                store.update_request(s, S, pin.id, {"assignee": "x"}, actor="t", expected_version=None)
            assert fin.value.code == "kamusm.request_final"
            # Cancelled: a new PIN unblock may be opened again.
            store.create_request(s, S, actor="t", type="pin_unblock", person=tckn(1))
            kinds = [e["kind"] for e in store.history(s, upd.id)]
            assert kinds == ["created", "transition", "transition", "transition"]
            page = store.list_requests(s, S, type="update", status="submitted")
            assert page.total == 1 and page.items[0]["person"]["tckn"] == tckn(1)
            assert page.items[0]["sla"]["running"] is True and page.items[0]["due_at"]
            data = store.report(s, S)
            assert {"status": "submitted", "type": "update", "unit": "Bilgi İşlem", "count": 1} in data[
                "open_requests"
            ]
            rows = store.report_csv_rows(data)
            assert rows[0][0] == "section" and any(r[0] == "median_days_in_status" for r in rows)
            assert audit.verify(s).ok


def test_sla_clock_stops_while_waiting(db_url: str) -> None:
    t0 = now().replace(hour=6, minute=0, second=0, microsecond=0)
    while t0.weekday() != 0:  # a Monday, 09:00 in Istanbul
        t0 += days(1)
    cal_settings = Settings(sla_days=2)
    with database(db_url) as (_e, f), storage.session_scope(f) as s:
        _person(s, 1)
        req = store.create_request(s, cal_settings, actor="t", type="new", person=tckn(1), now=t0)
        store.transition(s, cal_settings, req.id, "submitted", actor="t", now=t0)
        store.transition(s, cal_settings, req.id, "approved", actor="t", now=t0 + days(1))
        store.transition(s, cal_settings, req.id, "sent_to_kamusm", actor="t", now=t0 + days(1))
        assert req.clock_since is None and req.due_at is None
        store.transition(s, cal_settings, req.id, "awaiting_applicant", actor="t", now=t0 + days(3))
        store.transition(s, cal_settings, req.id, "on_hold", actor="t", now=t0 + days(3))  # our hold: runs
        assert store.sla_elapsed(req, cal_settings.calendar, t0 + days(3.5)) == pytest.approx(1.5 * 86400)
        assert req.due_at == t0 + days(4)
        d = store.request_dict(req, settings=cal_settings, now=t0 + days(4.5))
        assert d["sla"]["breached"] is True and d["sla"]["elapsed_days"] == pytest.approx(2.5)
