"""The people, certs, requests and audit commands, through ``main(argv)`` (SQLite instance)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tests.kamusm.helpers import days, make_cert, now, pem, tckn


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_cli_flow(cli: Any, tmp_path: Path, instance_dir: Path, smtp: tuple[_Inbox, int]) -> None:
    inbox, port = smtp
    (instance_dir / "ebys.toml").write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "bidb@belediye.test"\n'
        '[kamusm]\nnotify_cc = ["bidb@belediye.test"]\n',
        encoding="utf-8",
    )
    people = tmp_path / "people.csv"
    people.write_text(
        "\ufefftckn;name;unit;email\n"
        f"{tckn(1)};Ayşe Yılmaz;Bilgi İşlem;ayse@belediye.test\n"
        f"{tckn(2)};Şükrü Çelik;Fen İşleri;\n"
        "12345678901;Hatalı Kişi;x;\n",
        encoding="utf-8",
    )
    r = cli("--json", "people", "import", str(people))
    assert (
        r.exit_code == 1
        and r.json()["created"] == 2
        and r.json()["errors"][0]["code"] == "kamusm.invalid_tckn"
    )
    r = cli("people", "list", "--lang", "tr")
    assert r.exit_code == 0 and "Şükrü Çelik" in r.stdout and "Birim" in r.stdout
    cert = tmp_path / "ayse.pem"
    cert.write_bytes(
        pem(make_cert(tckn(1), serial=0xABC, not_before=now() - days(700), not_after=now() + days(20)))
    )
    r = cli("--json", "certs", "import", str(cert))
    assert r.exit_code == 0 and r.json()["files"][0]["created"] == 1
    assert cli("--json", "certs", "import", str(cert)).json()["files"][0]["unchanged"] == 1
    r = cli("--json", "certs", "list")
    assert r.json()["items"][0]["serial"] == "abc"
    r = cli("--json", "requests", "draft-renewals", "--days", "30", "--notify")
    assert r.exit_code == 0 and len(r.json()["opened"]) == 1 and r.json()["notified"]["sent"] == 1
    rid = r.json()["opened"][0]["id"]
    r = cli("--json", "requests", "draft-renewals", "--days", "30", "--notify")
    assert r.json()["opened"] == [] and r.json()["notified"]["sent"] == 0  # nobody is told twice
    assert len(inbox.messages) == 1 and f"{rid}" in inbox.messages[0].get_payload()
    r = cli("--json", "certs", "expiring", "--days", "30", "--notify")
    assert r.exit_code == 0 and r.json()["notified"] == {"sent": 1, "refused": []}
    assert len(inbox.messages) == 2 and inbox.messages[1]["To"] == "ayse@belediye.test"
    assert inbox.messages[1]["Cc"] == "bidb@belediye.test"
    assert "sona eriyor" in inbox.messages[0]["Subject"] or "ends" in inbox.messages[0]["Subject"]
    r = cli("--json", "requests", "new", "--type", "pin_unblock", "--person", tckn(2))
    pin = r.json()["id"]
    assert r.exit_code == 0 and r.json()["status"] == "draft"
    r = cli("--json", "requests", "new", "--type", "pin_unblock", "--person", tckn(2))
    assert r.exit_code == 1 and r.json()["error"]["code"] == "kamusm.duplicate_open_request"
    r = cli("--lang", "tr", "requests", "move", str(pin), "closed")
    assert r.exit_code == 1 and "“iletildi” (submitted), “iptal edildi” (cancelled)" in r.stderr
    assert cli("requests", "move", str(pin), "submitted", "--note", "aradı").exit_code == 0
    r = cli("--json", "requests", "assign", str(pin), "mehmet", "--version", "1")
    assert r.exit_code == 1 and r.json()["error"]["code"] == "kamusm.conflict"
    assert cli("requests", "assign", str(pin), "mehmet", "--version", "2").exit_code == 0
    assert cli("requests", "note", str(pin), "PUK kodu soruldu").exit_code == 0
    diag = tmp_path / "diag.json"
    diag.write_text('{"findings": [{"code": "token.pin_locked"}]}', encoding="utf-8")
    r = cli("--json", "requests", "attach", str(pin), str(diag))
    assert r.exit_code == 0 and r.json()["kind"] == "diagnosis"
    r = cli("requests", "show", str(pin))
    assert r.exit_code == 0 and "aradı" in r.stdout and "diag.json" in r.stdout
    r = cli("--json", "requests", "list", "--status", "submitted", "--type", "pin_unblock")
    assert r.json()["total"] == 1 and r.json()["items"][0]["assignee"] == "mehmet"
    r = cli("--json", "requests", "move", str(rid), "submitted")
    assert r.exit_code == 0
    r = cli("requests", "report")
    assert r.exit_code == 0 and r.stdout.startswith("\ufeffsection,")
    rows = list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    assert ["open_requests", "submitted", "pin_unblock", "Fen İşleri"] == rows[1][:4] or any(
        row[:4] == ["open_requests", "submitted", "pin_unblock", "Fen İşleri"] for row in rows
    )
    out = tmp_path / "report.csv"
    assert cli("requests", "report", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfsection,")
    r = cli("requests", "report", "--format", "json")
    assert json.loads(r.stdout)["certificates_expiring_per_month"][0]["count"] == 1
    r = cli("--json", "people", "show", tckn(1))
    assert r.exit_code == 0 and r.json()["certificates"][0]["serial"] == "abc" and r.json()["requests"]

    # Audit: show, export, verify; then tamper and watch verify fail, naming the record.
    r = cli("--json", "audit", "show", "--entity", "request", "--limit", "3")
    assert r.exit_code == 0 and len(r.json()["records"]) == 3
    assert cli("--json", "audit", "show", "1").json()["seq"] == 1
    assert cli("--json", "audit", "show", "9999").json()["error"]["code"] == "audit.not_found"
    export = tmp_path / "audit.jsonl"
    r = cli("--json", "audit", "export", "--out", str(export))
    assert r.exit_code == 0 and r.json()["ok"]
    assert cli("audit", "verify", "--file", str(export)).exit_code == 0
    header = json.loads(export.read_text(encoding="utf-8").splitlines()[0])
    anchor = f"{header['head_seq']}:{header['head_hash']}"
    assert cli("audit", "verify", "--anchor", anchor).exit_code == 0
    assert cli("audit", "verify", "--anchor", "12:nothex").exit_code == 2
    r = cli("--json", "audit", "verify")
    assert r.exit_code == 0 and r.json()["ok"]
    with sqlite3.connect(instance_dir / "ebys.sqlite3") as db:
        db.execute(
            "UPDATE audit_log SET after = replace(after, 'mehmet', 'mallory') WHERE action = 'request.update'"
        )
        seq = db.execute("SELECT min(seq) FROM audit_log WHERE after LIKE '%mallory%'").fetchone()[0]
    r = cli("--lang", "tr", "audit", "verify")
    assert r.exit_code == 1 and f"İlk bozuk kayıt: {seq}" in r.stdout
    assert cli("--json", "audit", "verify").json()["first_broken"] == seq
    bad = tmp_path / "bad.jsonl"
    bad.write_text("nope\n", encoding="utf-8")
    assert (
        cli("--json", "audit", "verify", "--file", str(bad)).json()["error"]["code"]
        == "audit.export_unreadable"
    )


def test_cli_errors(cli: Any, tmp_path: Path, instance_dir: Path) -> None:
    r = cli("--json", "people", "show", tckn(5))
    assert r.exit_code == 1 and r.json()["error"]["code"] == "kamusm.person_not_found"
    r = cli("--json", "certs", "import", str(tmp_path / "missing.pem"))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "input.not_found"
    junk = tmp_path / "junk.der"
    junk.write_bytes(b"\x30\x03junk")
    r = cli("--json", "certs", "import", str(junk))
    assert r.exit_code == 4 and r.json()["error"]["code"] == "kamusm.not_a_certificate"
    r = cli("--json", "requests", "show", "42")
    assert r.json()["error"]["code"] == "kamusm.request_not_found"
    (instance_dir / "ebys.toml").write_text('[smtp]\nhost = ""\n', encoding="utf-8")
    cert = tmp_path / "c.pem"
    cert.write_bytes(
        pem(make_cert(tckn(1), serial=5, not_before=now() - days(10), not_after=now() + days(5)))
    )
    cli("certs", "import", str(cert))
    r = cli("--json", "certs", "expiring", "--days", "10", "--notify")
    assert r.exit_code == 5 and r.json()["error"]["code"] == "kamusm.smtp_not_configured"
    (instance_dir / "ebys.toml").write_text(
        '[smtp]\nhost = "127.0.0.1"\nport = 1\nsender = "a@b.test"\n[kamusm]\nnotify_cc = ["x@b.test"]\n',
        encoding="utf-8",
    )
    r = cli("--json", "certs", "expiring", "--days", "10", "--notify")
    assert r.exit_code == 5 and r.json()["error"]["code"] == "kamusm.smtp_failed"
    r = cli("--json", "people", "list", "--per-page", "501")
    assert r.exit_code == 2


def test_help_lists_people_whole(cli: Any) -> None:
    # click cuts a group's first docstring line at its first ". ", which "T.C. Kimlik No" has.
    r = cli("--help")
    assert r.exit_code == 0
    assert "People (T.C. Kimlik No, name, unit, e-mail)" in " ".join(r.stdout.split())
