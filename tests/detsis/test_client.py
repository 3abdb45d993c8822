"""The DETSİS SOAP client and ``sync`` against the loopback server (tests/detsis/soap_server.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest

import detsis
from ebys_support.config import DetsisConfig
from ebys_support.detsis_client import (
    DETSISAuthFailed,
    DETSISClient,
    DETSISServiceError,
    DETSISServiceUnavailable,
    sync,
    write_snapshot,
)
from ebys_support.errors import ConfigurationError, InputError, UsageError
from tests.detsis import synthetic
from tests.detsis.soap_server import LoopbackDETSIS

PASSWORD = "dogru-parola-42"


def _client(server: LoopbackDETSIS, **kw: object) -> DETSISClient:
    defaults: dict[str, object] = {"timeout": 5.0, "retries": 2, "backoff": 0.0}
    defaults.update(kw)
    password = str(defaults.pop("password", PASSWORD))
    return DETSISClient(server.url, synthetic.OURS, password, **defaults)  # type: ignore[arg-type]


def test_operations(soap: LoopbackDETSIS) -> None:
    client = _client(soap)
    unit = client.unit("40000111")
    assert unit is not None and unit["Ad"] == "Sentetik Plan Şube Müdürlüğü"
    assert unit["DETSISNo"] == 40000111 and unit["FaalOlupOlmadigi"] is True
    assert detsis.unit_from_record(unit).parent == 40000011
    assert client.unit("49999999") is None
    assert [r["DETSISNo"] for r in client.hierarchy("40000111")] == [40000001, 40000011, 40000111]
    assert {r["DETSISNo"] for r in client.sub_units("40000011")} == {40000111, 40000112}
    assert len(client.own_units()) == 7
    assert [r["DETSISNo"] for r in client.search("komşu fen", synthetic.OTHER)] == [50000011]
    rows = client.sdp_rows(synthetic.OURS)
    assert rows[1]["Kod"] == "010.01" and rows[1]["Aktifmi"] is True
    seen = soap.seen[0]
    assert seen["headers"]["SOAPAction"] == '"http://kaysis.gov.tr/DETSISNoKurumBirimWs"'
    assert seen["kurum"] == synthetic.OURS and seen["params"] == {"DETSISNo": "40000111"}


def test_own_units_since_sends_the_date(soap: LoopbackDETSIS) -> None:
    _client(soap).own_units(dt.date(2026, 3, 1))
    assert soap.seen[-1]["params"] == {"degisiklikTarihiBaslangic": "2026-03-01T00:00:00"}
    _client(soap).own_units()
    assert soap.seen[-1]["params"] == {"degisiklikTarihiBaslangic": None}


def test_error_envelope(soap: LoopbackDETSIS) -> None:
    soap.error_message = "Aranan kurum bulunamadı."
    with pytest.raises(DETSISServiceError) as info:
        _client(soap).unit("40000111")
    assert info.value.code == "detsis.service_error"
    assert info.value.details == {"operation": "DETSISNoKurumBirimWs", "message": "Aranan kurum bulunamadı."}
    assert "Aranan kurum bulunamadı." in info.value.localized("tr")


@pytest.mark.parametrize("style", ["envelope", "fault", "http"])
def test_wrong_password(soap: LoopbackDETSIS, style: str, caplog: pytest.LogCaptureFixture) -> None:
    soap.auth_style = style
    caplog.set_level(logging.DEBUG)
    client = _client(soap, password="yanlis-parola-99")
    with pytest.raises(DETSISAuthFailed) as info:
        client.own_units()
    assert info.value.code == "detsis.service_auth_failed"
    assert len(soap.seen) == 1  # a refused login is not retried
    text = " ".join(
        [str(info.value), info.value.localized("tr"), json.dumps(info.value.details), caplog.text]
    )
    assert "yanlis-parola-99" not in text and "yanlis-parola-99" not in repr(client)


def test_fault_that_is_not_about_auth(soap: LoopbackDETSIS) -> None:
    soap.error_message = None
    client = _client(soap)
    with pytest.raises(DETSISServiceError) as info:
        client.call("YokBoyleBirIslem", [])
    assert info.value.code == "detsis.service_error"


def test_password_echoed_by_the_service_is_scrubbed(soap: LoopbackDETSIS) -> None:
    soap.error_message = f"Geçersiz istek: {PASSWORD}"
    with pytest.raises(DETSISServiceError) as info:
        _client(soap).unit("40000111")
    assert PASSWORD not in json.dumps(info.value.details)


def test_transient_failures_are_retried(soap: LoopbackDETSIS) -> None:
    soap.fail_next = 2
    pauses: list[float] = []
    client = _client(soap, retries=2, backoff=0.25, sleep=pauses.append)
    assert client.unit("40000111") is not None
    assert len(soap.seen) == 3 and pauses == [0.25, 0.5]


def test_unavailable_after_retries(soap: LoopbackDETSIS) -> None:
    soap.fail_next = 10
    with pytest.raises(DETSISServiceUnavailable) as info:
        _client(soap, retries=1).unit("40000111")
    assert info.value.code == "detsis.service_unavailable" and info.value.http_status == 503
    assert info.value.details == {"operation": "DETSISNoKurumBirimWs", "attempts": 2, "reason": "HTTP 503"}


def test_timeout_and_refused_connection(soap: LoopbackDETSIS) -> None:
    soap.delay = 0.5
    with pytest.raises(DETSISServiceUnavailable) as info:
        _client(soap, timeout=0.1, retries=0).unit("40000111")
    assert "timeout" in info.value.details["reason"]
    closed = DETSISClient("http://127.0.0.1:9/DETSISServis.asmx", synthetic.OURS, PASSWORD, retries=0)
    with pytest.raises(DETSISServiceUnavailable) as info:
        closed.unit("40000111")
    assert "connection" in info.value.details["reason"]


def test_not_soap(soap: LoopbackDETSIS) -> None:
    soap.garbage = True
    with pytest.raises(DETSISServiceError) as info:
        _client(soap).unit("40000111")
    assert info.value.code == "detsis.service_error"


def test_from_config() -> None:
    with pytest.raises(ConfigurationError) as info:
        DETSISClient.from_config(DetsisConfig())
    assert info.value.code == "detsis.service_not_configured"
    client = DETSISClient.from_config(
        DetsisConfig(institution_id=synthetic.OURS, password=PASSWORD, retries=-1)
    )
    assert client.retries == 0 and client.url.startswith("https://bbws.kaysis.gov.tr/")


# --------------------------------------------------------------------------------------------- sync
def test_full_then_incremental_sync(soap: LoopbackDETSIS, tmp_path: Path) -> None:
    out = tmp_path / "snapshot.json"
    result = sync(_client(soap), out, now=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    assert result.units == 7 and result.since is None
    registry = detsis.load(out)
    assert (
        registry.meta["institution"] == synthetic.OURS
        and registry.meta["date"] == "2026-03-01T12:00:00+00:00"
    )
    assert registry.meta["source"] == soap.url
    changed = {**soap.records[40000111], "Ad": "Sentetik Planlama Şube Müdürlüğü"}
    new_unit = synthetic.unit(40000015, "Sentetik Yeni Daire Başkanlığı", 40000001, 40000001, level=2)
    soap.changes = [(dt.datetime(2026, 3, 2), changed), (dt.datetime(2026, 3, 3), new_unit)]
    result = sync(_client(soap), out, since=dt.date(2026, 3, 2))
    assert result.fetched == 2 and result.units == 8 and result.since == "2026-03-02T00:00:00"
    merged = detsis.load(out)
    assert merged.lookup("40000111").name == "Sentetik Planlama Şube Müdürlüğü"
    assert merged.lookup("40000015").parent == 40000001
    assert [(c.detsis, c.kind) for c in detsis.diff(registry, merged)] == [
        ("40000015", "added"),
        ("40000111", "renamed"),
    ]


def test_sync_fetches_missing_parents(soap: LoopbackDETSIS, tmp_path: Path) -> None:
    """A changed unit whose parent is outside the snapshot gets its parents fetched."""
    out = tmp_path / "snapshot.json"
    sync(_client(soap), out)
    moved = {**soap.records[40000121], "ParentIdareKimlikKodu": 50000011}
    soap.changes = [(dt.datetime(2026, 3, 2), moved)]
    sync(_client(soap), out, since=dt.date(2026, 3, 1))
    merged = detsis.load(out)
    assert [u.detsis for u in merged.ancestors("40000121")] == [50000011, 50000001]


def test_incremental_sync_needs_a_previous_snapshot(soap: LoopbackDETSIS, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        sync(_client(soap), tmp_path / "none.json", since=dt.date(2026, 1, 1))
    assert info.value.code == "detsis.sync_no_previous"


def test_failed_sync_leaves_the_old_snapshot(soap: LoopbackDETSIS, tmp_path: Path) -> None:
    out = tmp_path / "snapshot.json"
    sync(_client(soap), out)
    before = out.read_bytes()
    soap.auth_style = "fault"
    with pytest.raises(DETSISAuthFailed):
        sync(_client(soap, password="yanlis"), out, since=dt.date(2026, 1, 1))
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot.json"]


def test_write_failure(tmp_path: Path, registry: detsis.Registry) -> None:
    with pytest.raises(InputError) as info:
        write_snapshot(registry, tmp_path / "missing-dir" / "out.json", {})
    assert info.value.code == "detsis.write_failed"
    assert info.value.details["os_error"] == "ENOENT"
    assert info.value.localized("tr").endswith("konumuna yazılamadı: klasör yok")
    assert info.value.localized("en").endswith(": the folder does not exist")
    from ebys_support.detsis_client import _WriteFailed

    other = _WriteFailed(details={"path": "x.json", "reason": "Broken pipe", "os_error": "EPIPE"})
    assert (
        other.localized("tr") == "Anlık görüntü x.json konumuna yazılamadı: Broken pipe"
    )  # the system's words
