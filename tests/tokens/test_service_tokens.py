"""``GET /v1/tokens`` and ``POST /v1/tokens/diagnose`` (responses are checked against the OpenAPI document)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ebys_support.tokens import CHECK_IDS
from tests.tokens.conftest import PIN, Card


@pytest.fixture
def app_config(pincounter: Any, trust: list[str]) -> dict[str, Any]:
    return {"tokens": {"modules": [pincounter.module], "trust": trust}}


def test_inventory_for_helpdesk(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], cards: dict[str, Card]
) -> None:
    r = client.get("/v1/tokens", headers=api_key("helpdesk"))
    assert r.status_code == 200
    labels = {
        slot["token"]["label"]
        for module in r.json["modules"]
        for slot in module["slots"]
        if slot["token"] is not None
    }
    assert cards["healthy"].label in labels


def test_integration_role_is_refused(client: FlaskClient, api_key: Callable[..., dict[str, str]]) -> None:
    r = client.get("/v1/tokens", headers=api_key("integration"))
    assert r.status_code == 403 and r.json["error"]["code"] == "auth.forbidden"
    r = client.post("/v1/tokens/diagnose", json={}, headers=api_key("integration"))
    assert r.status_code == 403


def test_diagnose_without_pin_in_turkish(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], cards: dict[str, Card]
) -> None:
    card = cards["healthy"]
    body = {"module": card.module, "token": card.label, "online": False}
    r = client.post("/v1/tokens/diagnose", json=body, headers=api_key("helpdesk", lang="tr"))
    assert r.status_code == 200
    assert [c["id"] for c in r.json["checks"]] == list(CHECK_IDS)
    assert r.json["worst"] == "ok"
    selftest = r.json["checks"][-1]
    assert selftest["status"] == "skipped" and selftest["message"].startswith("Denetlenmedi")
    # No PIN over HTTP: the message says where the self-test can be run.
    assert "kartın takılı olduğu bilgisayarda: ebys-support token diagnose --ask-pin" in selftest["message"]
    assert r.json["checks"][7]["details"]["login_attempted"] is False


def test_configured_module_is_allowed_and_locked_card_reported(
    client: FlaskClient,
    api_key: Callable[..., dict[str, str]],
    counted_card: Callable[[int], Card],
    pincounter: Any,
) -> None:
    card = counted_card(3)
    body = {"module": card.module, "token": card.label, "online": False}
    r = client.post("/v1/tokens/diagnose", json=body, headers=api_key("helpdesk"))
    assert r.status_code == 200
    assert r.json["worst"] == "fail"
    assert r.json["checks"][7]["code"] == "token.pin_locked"
    assert pincounter.count(card.serial) == 3


def test_no_pin_over_http(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], cards: dict[str, Card]
) -> None:
    body = {"module": cards["healthy"].module, "token": cards["healthy"].label, "pin": PIN}
    r = client.post("/v1/tokens/diagnose", json=body, headers=api_key("helpdesk"))
    assert r.status_code == 400 and r.json["error"]["code"] == "request.invalid"
    assert PIN not in r.get_data(as_text=True)


def test_unknown_module_path_is_refused(
    client: FlaskClient, api_key: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    evil = tmp_path / "evil.so"
    evil.write_bytes(b"\x7fELF")
    r = client.post("/v1/tokens/diagnose", json={"module": str(evil)}, headers=api_key("admin", lang="tr"))
    assert r.status_code == 403
    assert r.json["error"]["code"] == "token.module_not_allowed"
    assert "modüllerinden biri değil" in r.json["error"]["message"]
