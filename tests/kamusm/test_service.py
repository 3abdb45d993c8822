"""``/v1/people``, ``/v1/certificates``, ``/v1/requests``, ``/v1/audit`` (responses checked against the
OpenAPI document by the ``client`` fixture)."""

from __future__ import annotations

import io
import json
from typing import Any

from tests.kamusm.helpers import days, make_cert, now, pem, tckn


def test_http_flow(client: Any, api_key: Any) -> None:
    hd = api_key("helpdesk", name="masa")
    ro = api_key("integration", lang="tr")
    r = client.post(
        "/v1/people", json={"tckn": tckn(1), "name": "Ayşe Yılmaz", "unit": "Bilgi İşlem"}, headers=hd
    )
    assert r.status_code == 201 and r.json["version"] == 1
    r = client.post("/v1/people", json={"tckn": tckn(1), "name": "Ayşe Yılmaz", "unit": "Fen", "version": 1},
                    headers=hd)  # fmt: skip
    assert r.status_code == 200 and r.json["version"] == 2
    r = client.post("/v1/people", json={"tckn": tckn(1), "name": "X", "version": 1}, headers=hd)
    assert r.status_code == 409 and r.json["error"]["code"] == "kamusm.conflict"
    r = client.post("/v1/people", json={"tckn": "12345678901", "name": "X"}, headers=hd)
    assert r.status_code == 422 and r.json["error"]["code"] == "kamusm.invalid_tckn"
    r = client.post("/v1/people", json={"tckn": tckn(2), "name": "Y"}, headers=ro)
    assert r.status_code == 403
    assert client.get("/v1/people?q=ayşe", headers=ro).json["total"] == 1
    assert client.get(f"/v1/people/{tckn(1)}", headers=ro).json["unit"] == "Fen"
    assert client.get("/v1/people?page=0", headers=ro).status_code == 400

    der = make_cert(tckn(1), serial=77, not_before=now() - days(800), not_after=now() + days(45))
    r = client.post(
        "/v1/certificates", data=pem(der), headers={**hd, "Content-Type": "application/x-pem-file"}
    )
    assert r.status_code == 200 and r.json["created"] == 1 and r.json["source"] == "file"
    token = {"slots": [{"token": {"label": "AKIS", "serial": "C9", "certificates": [
        {"issuer": "Common Name: Test Kamu SM NES - Sürüm 1", "serial": "4d"}]}}]}  # fmt: skip
    r = client.post(
        "/v1/certificates", data=json.dumps(token), headers={**hd, "Content-Type": "application/json"}
    )
    assert r.status_code == 200 and (r.json["source"], r.json["updated"]) == ("token", 1)
    r = client.post(
        "/v1/certificates", data=b"junk", headers={**hd, "Content-Type": "application/octet-stream"}
    )
    assert r.status_code == 400 and r.json["error"]["code"] == "kamusm.not_a_certificate"
    page = client.get("/v1/certificates?expiring_within=60", headers=ro).json
    assert page["total"] == 1 and page["items"][0]["card_serial"] == "C9"
    cert_id = page["items"][0]["id"]
    assert client.get(f"/v1/certificates/{cert_id}", headers=ro).json["serial"] == "4d"
    assert client.get("/v1/certificates/999", headers=ro).status_code == 404

    r = client.post(
        "/v1/requests", json={"type": "renewal", "person": tckn(1), "note": "süre doluyor"}, headers=hd
    )
    assert r.status_code == 201 and r.headers["ETag"] == '"1"' and r.json["certificate_id"] == cert_id
    rid = r.json["id"]
    r = client.post("/v1/requests", json={"type": "renewal", "person": tckn(1)}, headers=hd)
    assert r.status_code == 409 and r.json["error"]["code"] == "kamusm.duplicate_open_request"
    r = client.post(
        f"/v1/requests/{rid}/transitions", json={"to": "closed"}, headers={**hd, "Accept-Language": "tr"}
    )
    assert r.status_code == 422 and r.json["error"]["details"]["allowed_list"] == ["submitted", "cancelled"]
    assert "Geçilebilecek durumlar: “iletildi” (submitted)" in r.json["error"]["message"]
    r = client.post(f"/v1/requests/{rid}/transitions", json={"to": "submitted", "note": "ok"}, headers=hd)
    assert r.status_code == 200 and r.json["status"] == "submitted" and r.headers["ETag"] == '"2"'
    r = client.patch(f"/v1/requests/{rid}", json={"assignee": "mehmet"}, headers=hd)
    assert r.status_code == 428 and r.json["error"]["code"] == "kamusm.if_match_required"
    r = client.patch(f"/v1/requests/{rid}", json={"assignee": "mehmet"}, headers={**hd, "If-Match": '"1"'})
    assert r.status_code == 409 and r.json["error"]["code"] == "kamusm.conflict"
    r = client.patch(f"/v1/requests/{rid}", json={"assignee": "mehmet", "tracking_no": "YK123"},
                     headers={**hd, "If-Match": '"2"'})  # fmt: skip
    assert r.status_code == 200 and r.json["assignee"] == "mehmet" and r.json["version"] == 3
    r = client.patch(f"/v1/requests/{rid}", json={"status": "closed"}, headers={**hd, "If-Match": '"3"'})
    assert r.status_code == 400 and r.json["error"]["code"] == "request.invalid"
    r = client.post(f"/v1/requests/{rid}/transitions", json={"to": "approved", "version": 2}, headers=hd)
    assert r.status_code == 409
    r = client.post(
        f"/v1/requests/{rid}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4 form"), "form.pdf"), "kind": "form"},
        headers=hd,
        content_type="multipart/form-data",
    )
    assert r.status_code == 201 and r.json["kind"] == "form" and r.json["size"] == 13
    assert client.post(f"/v1/requests/{rid}/attachments", data={}, headers=hd,
                       content_type="multipart/form-data").status_code == 400  # fmt: skip
    att = client.get(f"/v1/requests/{rid}/attachments", headers=ro).json["items"][0]
    assert att["filename"] == "form.pdf"
    got = client.get(f"/v1/requests/{rid}/attachments/{att['id']}", headers=ro)
    assert got.status_code == 200 and got.data == b"%PDF-1.4 form" and got.mimetype == "application/pdf"
    missing = client.get(f"/v1/requests/{rid}/attachments/999", headers=ro)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "kamusm.attachment_not_found"
    detail = client.get(f"/v1/requests/{rid}", headers=ro)
    assert detail.headers["ETag"] == '"3"'
    assert [e["kind"] for e in detail.json["history"]] == ["created", "transition", "updated", "attachment"]
    assert detail.json["history"][1]["actor"] == "apikey:masa"
    r = client.get("/v1/requests?status=submitted&type=renewal&page=1&per_page=10", headers=ro)
    assert r.json["total"] == 1 and r.json["items"][0]["person"]["name"] == "Ayşe Yılmaz"
    assert client.get("/v1/requests?status=nope", headers=ro).status_code == 422
    assert client.get("/v1/requests/999", headers=ro).json["error"]["code"] == "kamusm.request_not_found"
    v = client.get("/v1/audit/verify", headers=ro)
    assert v.status_code == 200 and v.json["ok"] and v.json["records"] >= 8
    recs = client.get("/v1/audit/records?entity=request&limit=2", headers=hd).json["records"]
    assert len(recs) == 2 and recs[0]["actor"] == "apikey:masa"
    assert client.get("/v1/audit/records", headers=ro).status_code == 403
    # API keys leave audit records too.
    assert (
        client.get("/v1/audit/records?entity=apikey", headers=hd).json["records"][0]["action"]
        == "apikey.create"
    )
