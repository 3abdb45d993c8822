"""``/v1/detsis`` routes; every JSON response is checked against the OpenAPI document by ``client``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.detsis import synthetic

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    snapshot = tmp_path / "registry.json"
    snapshot.write_text(json.dumps({"source": "synthetic", "units": synthetic.records()}), "utf-8")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text(synthetic.GOOD_MAPPING + "GONE,Sentetik Yok,49999999,BB\n", "utf-8")
    return {
        "detsis": {"registry": str(snapshot), "mapping": str(mapping), "institution": int(synthetic.OURS)}
    }


def test_get_unit(client: FlaskClient, api_key: Headers) -> None:
    res = client.get("/v1/detsis/40000111", headers=api_key("integration"))
    assert res.status_code == 200
    assert res.json["detsis"] == "40000111" and res.json["parent"] == "40000011"  # type: ignore[index]
    assert client.get("/v1/detsis/4000-0111", headers=api_key("integration")).status_code == 200


def test_unknown_and_invalid(client: FlaskClient, api_key: Headers) -> None:
    res = client.get("/v1/detsis/49999999", headers=api_key("integration", lang="tr"))
    assert res.status_code == 404 and res.json["error"]["code"] == "detsis.unknown_unit"  # type: ignore[index]
    assert "DETSİS kaydında" in res.json["error"]["message"]  # type: ignore[index]
    res = client.get("/v1/detsis/0123", headers=api_key("integration"))
    assert res.status_code == 422 and res.json["error"]["code"] == "detsis.invalid_format"  # type: ignore[index]


def test_needs_a_key(client: FlaskClient) -> None:
    assert client.get("/v1/detsis/40000111").status_code == 401


def test_ancestors(client: FlaskClient, api_key: Headers) -> None:
    res = client.get("/v1/detsis/40000121/ancestors", headers=api_key("integration"))
    assert [u["detsis"] for u in res.json["ancestors"]] == ["40000012", "40000001"]  # type: ignore[index]


def test_search(client: FlaskClient, api_key: Headers) -> None:
    headers = api_key("integration")
    res = client.get("/v1/detsis?q=YAPI%20KONTROL", headers=headers)
    assert [u["detsis"] for u in res.json["results"]] == ["40000012"]  # type: ignore[index]
    res = client.get(
        f"/v1/detsis?q=m%C3%BCd%C3%BCrl%C3%BC%C4%9F%C3%BC&institution={synthetic.OTHER}", headers=headers
    )
    assert res.json["total"] == 1  # type: ignore[index]
    res = client.get("/v1/detsis?q=dairesi&active=true&limit=1", headers=headers)
    assert res.json["total"] == 2 and len(res.json["results"]) == 1  # type: ignore[index]
    res = client.get("/v1/detsis", headers=headers)
    assert res.status_code == 400 and res.json["error"]["code"] == "detsis.query_required"  # type: ignore[index]
    res = client.get("/v1/detsis?q=imar&limit=x", headers=api_key("integration", lang="tr"))
    assert res.status_code == 400 and res.json["error"]["code"] == "detsis.invalid_limit"  # type: ignore[index]
    assert "tam sayı" in res.json["error"]["message"]  # type: ignore[index]
    res = client.get("/v1/detsis?q=imar&institution=123", headers=headers)
    assert res.status_code == 400 and res.json["error"]["code"] == "detsis.invalid_format"  # type: ignore[index]


def test_check_mapping_configured(client: FlaskClient, api_key: Headers) -> None:
    res = client.post("/v1/detsis/check-mapping", headers=api_key("integration"))
    assert res.status_code == 200
    problems = res.json["problems"]  # type: ignore[index]
    assert [(p["code"], p["internal_code"]) for p in problems] == [("detsis.mapping.unknown_unit", "GONE")]
    assert res.json["summary"]["institution"] == synthetic.OURS  # type: ignore[index]


def test_check_mapping_in_body(client: FlaskClient, api_key: Headers) -> None:
    body = {
        "institution": synthetic.OURS,
        "mapping": [
            {"internal_code": "BB", "internal_name": "Sentetik Büyükşehir Belediyesi", "detsis": 40000001},
            {
                "internal_code": "X",
                "internal_name": "Başka Ad",
                "detsis": "40000011",
                "internal_parent": "BB",
            },
        ],
    }
    res = client.post("/v1/detsis/check-mapping", json=body, headers=api_key("integration", lang="tr"))
    codes = [p["code"] for p in res.json["problems"]]  # type: ignore[index]
    assert "detsis.mapping.name_drift" in codes and "detsis.mapping.unmapped_unit" in codes
    bad = client.post(
        "/v1/detsis/check-mapping", json={"mapping": [{"detsis": 1}]}, headers=api_key("integration")
    )
    assert bad.status_code == 400 and bad.json["error"]["code"] == "request.invalid"  # type: ignore[index]
    dup = {
        "mapping": [
            {"internal_code": "A", "detsis": "40000001"},
            {"internal_code": "A", "detsis": "40000011"},
        ]
    }
    res = client.post("/v1/detsis/check-mapping", json=dup, headers=api_key("integration"))
    assert res.status_code == 400 and res.json["error"]["code"] == "detsis.invalid_mapping"  # type: ignore[index]


class TestNotConfigured:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        broken = tmp_path / "broken.json"
        broken.write_text("[", "utf-8")
        return {"detsis": {"registry": str(broken)}}

    def test_broken_snapshot(self, client: FlaskClient, api_key: Headers) -> None:
        res = client.get("/v1/detsis/40000111", headers=api_key("integration"))
        assert res.status_code == 503 and res.json["error"]["code"] == "detsis.registry_unavailable"  # type: ignore[index]
        assert "path" not in res.json["error"]["details"]  # type: ignore[index]
        assert (
            "geçerli bir JSON değil"
            in client.get("/v1/detsis/40000111", headers=api_key("integration", lang="tr")).json["error"][
                "message"
            ]
        )  # type: ignore[index]

    def test_missing_snapshot_names_the_setting_not_the_path(
        self, client: FlaskClient, api_key: Headers, tmp_path: Path
    ) -> None:
        (tmp_path / "broken.json").unlink()
        res = client.get("/v1/detsis/40000111", headers=api_key("integration", lang="tr"))
        assert res.status_code == 503  # type: ignore[index]
        message = res.json["error"]["message"]  # type: ignore[index]
        assert message == "DETSİS anlık görüntüsü yüklenemedi (detsis.registry dosyası yok)."
        assert str(tmp_path) not in message
        res = client.post(
            "/v1/detsis/check-mapping", json={"institution": synthetic.OURS}, headers=api_key("integration")
        )
        assert res.json["error"]["code"] == "detsis.mapping_not_configured"  # type: ignore[index]
        res = client.post("/v1/detsis/check-mapping", json={}, headers=api_key("integration"))
        assert res.json["error"]["code"] == "detsis.institution_required"  # type: ignore[index]


def test_no_registry_configured(app_config: dict[str, Any], tmp_path: Path) -> None:
    from service import create_app

    app = create_app({"instance": tmp_path / "inst"})
    from tests.contract import check_response

    with app.test_client() as raw:
        from ebys_support import apikeys
        from service.state import AppState

        state: AppState = app.extensions["ebys"]
        with state.session() as session:
            _info, key = apikeys.create(session, "integration", None)
        res = raw.get("/v1/detsis/40000111", headers={"Authorization": f"Bearer {key}"})
        check_response(app, res)
        assert res.status_code == 500 and res.json["error"]["code"] == "detsis.registry_not_configured"  # type: ignore[index]
