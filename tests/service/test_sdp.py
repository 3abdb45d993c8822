"""``/v1/sdp`` and ``/v1/document-numbers``: every response is checked against the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

Headers = Callable[..., dict[str, str]]


def test_get_code(client: FlaskClient, api_key: Headers) -> None:
    headers = api_key("integration", lang="tr")
    res = client.get("/v1/sdp/050.01.04", headers=headers)
    assert res.status_code == 200
    data = res.get_json()
    assert data["entry"]["title"] == "Kararlar" and data["entry"]["path"][0]["code"] == "050"
    assert data["catalogue"]["name"] == "starter"
    res = client.get("/v1/sdp/010.10", headers=headers)
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "sdp.unknown_code"
    assert "dosya planında yok" in res.get_json()["error"]["message"]
    res = client.get("/v1/sdp/1.2", headers=headers)
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "sdp.invalid_format"


def test_search(client: FlaskClient, api_key: Headers) -> None:
    headers = api_key("integration")
    res = client.get("/v1/sdp", query_string={"q": "BİLGİ NOTLARI"}, headers=headers)
    assert [r["code"] for r in res.get_json()["results"]] == ["041.02", "041"]
    res = client.get("/v1/sdp", query_string={"limit": "3"}, headers=headers)
    assert [r["code"] for r in res.get_json()["results"]] == ["000", "010", "010.01"]
    res = client.get("/v1/sdp", query_string={"limit": "0"}, headers=headers)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "request.invalid"


def test_validate_codes(client: FlaskClient, api_key: Headers) -> None:
    headers = api_key("integration")
    body = {"codes": ["010.06.01", "010", "020", "821.05", "105 [Ada 5]", "x"], "for_sayi": True}
    res = client.post("/v1/sdp/validate", json=body, headers=headers)
    assert res.status_code == 200
    results = res.get_json()["results"]
    assert [r["valid"] for r in results] == [True, False, False, True, True, False]
    assert [r["error"]["code"] for r in results if r["error"]] == [
        "sdp.not_a_leaf",
        "sdp.not_for_sayi",
        "sdp.invalid_format",
    ]
    assert results[4]["special"] == "Ada 5" and results[4]["normalized"] == "105 [Ada 5]"


@pytest.mark.parametrize(
    "body",
    [{"codes": [1]}, {"codes": "010"}, {"numbers": []}, {"codes": [], "x": 1}],
)
def test_validate_rejects_bad_requests(client: FlaskClient, api_key: Headers, body: dict[str, Any]) -> None:
    res = client.post("/v1/sdp/validate", json=body, headers=api_key("integration"))
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "request.invalid"


def test_document_numbers(client: FlaskClient, api_key: Headers) -> None:
    headers = api_key("helpdesk")
    numbers = [
        "E-23444165-045.01-2409752",
        "Sayı: E-66452182-821.05-84954673",
        "E-23444165-050.01-5",
        "hello",
    ]
    res = client.post("/v1/document-numbers/validate", json={"numbers": numbers}, headers=headers)
    assert res.status_code == 200
    results = res.get_json()["results"]
    assert results[0]["sdp_title"] == "Teknik ve Mesleki" and results[0]["era"] == "2020"
    assert results[1]["warnings"][0]["code"] == "sdp.not_checked_against_catalogue"
    assert results[2]["error"]["details"]["error"]["code"] == "sdp.not_a_leaf"
    assert results[3]["error"]["code"] == "sayi.invalid_format"


@pytest.mark.parametrize(
    ("route", "field"), [("/v1/sdp/validate", "codes"), ("/v1/document-numbers/validate", "numbers")]
)
def test_item_limit(client: FlaskClient, api_key: Headers, route: str, field: str) -> None:
    headers = api_key("integration", lang="tr")
    res = client.post(route, json={field: ["010.06.01"] * 10_000}, headers=headers)
    assert res.status_code == 200 and len(res.get_json()["results"]) == 10_000
    res = client.post(route, json={field: ["010.06.01"] * 10_001}, headers=headers)
    assert res.status_code == 400
    error = res.get_json()["error"]
    assert error["code"] == "request.too_many_items"
    assert error["details"] == {"at": field, "count": 10_001, "limit": 10_000}
    assert error["message"] == "Çok fazla öğe: 10001 verildi, bir istekte en çok 10000 olabilir."


def test_authentication(client: FlaskClient) -> None:
    assert client.get("/v1/sdp/010.01").status_code == 401
    assert client.post("/v1/document-numbers/validate", json={"numbers": []}).status_code == 401


class TestConfiguredCatalogue:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"sdp": {"catalogue": "starter-tapu-kadastro"}}

    def test_uses_it(self, client: FlaskClient, api_key: Headers) -> None:
        res = client.get("/v1/sdp/105", headers=api_key("integration"))
        assert res.get_json()["entry"]["title"] == "Taşınmaz (Tapu Sicili) İşlemleri"


class TestBrokenCatalogue:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        broken = tmp_path / "broken.json"
        broken.write_text("{}")
        return {"sdp": {"catalogue": str(broken)}}

    def test_is_unavailable(self, client: FlaskClient, api_key: Headers, tmp_path: Path) -> None:
        res = client.post("/v1/sdp/validate", json={"codes": ["010"]}, headers=api_key("integration"))
        assert res.status_code == 503
        error = res.get_json()["error"]
        assert error["code"] == "sdp.catalogue_unavailable"
        assert str(tmp_path) not in res.get_data(as_text=True)  # the server's paths stay out of answers
        assert "sdp.catalogue" in error["message"]


def _snapshot(path: Path) -> Path:
    import detsis
    from tests.detsis import synthetic

    with open(path, "w", encoding="utf-8") as fh:
        detsis.dump_snapshot(detsis.Registry.from_records(synthetic.records()), fh, {"source": "synthetic"})
    return path


class TestConfiguredRegistry:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"detsis": {"registry": str(_snapshot(tmp_path / "detsis.json"))}}

    def test_checks_the_unit_with_the_shared_registry(self, client: FlaskClient, api_key: Headers) -> None:
        from service.state import get_state

        headers = api_key("integration")
        numbers = ["E-40000011-045.01-5", "E-40000013-045.01-7", "E-66452182-045.01-1"]
        res = client.post("/v1/document-numbers/validate", json={"numbers": numbers}, headers=headers)
        assert res.status_code == 200
        active, inactive, unknown = res.get_json()["results"]
        assert active["valid"] and active["unit_name"]
        assert [w["code"] for w in inactive["warnings"]] == ["sayi.inactive_unit"]
        assert unknown["error"]["code"] == "sayi.invalid_detsis"
        assert unknown["error"]["details"]["error"]["code"] == "detsis.unknown_unit"
        with client.application.app_context():  # one snapshot in memory, shared with /v1/detsis
            first = get_state().cached("detsis.registry", lambda: None)
        assert first is not None
        assert client.get("/v1/detsis/40000011", headers=headers).status_code == 200
        with client.application.app_context():
            assert get_state().cached("detsis.registry", lambda: None) is first


class TestBrokenRegistry:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        broken = tmp_path / "detsis.json"
        broken.write_text("{", encoding="utf-8")
        return {"detsis": {"registry": str(broken)}}

    def test_is_unavailable_as_in_detsis(self, client: FlaskClient, api_key: Headers, tmp_path: Path) -> None:
        headers = api_key("integration")
        res = client.post("/v1/document-numbers/validate", json={"numbers": ["x"]}, headers=headers)
        assert res.status_code == 503
        assert res.get_json()["error"]["code"] == "detsis.registry_unavailable"
        assert str(tmp_path) not in res.get_data(as_text=True)
        assert res.get_json() == client.get("/v1/detsis/40000011", headers=headers).get_json()
