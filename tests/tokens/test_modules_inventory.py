"""Module discovery (paths as data) and the inventory, which never logs in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ebys_support.tokens import discover_modules, inventory
from ebys_support.tokens.modules import candidate_paths, known_modules, platform_key
from ebys_support.tokens.session import pin_state
from tests.tokens.conftest import Card

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


def test_known_modules_per_os_are_data() -> None:
    names = {m.name for m in known_modules()}
    assert {"akis", "tckk", "safenet", "opensc", "softhsm2"} <= names
    assert platform_key("win32") == "windows" and platform_key("darwin") == "darwin"
    windows = [p for _m, p in candidate_paths("win32")]
    assert any(p.lower().endswith("akisp11.dll") for p in windows)
    assert any(p.endswith("libakisp11.so") for _m, p in candidate_paths("linux"))
    assert any(p.endswith(".dylib") for _m, p in candidate_paths("darwin"))


def test_discover_finds_installed_modules_and_whether_they_load(tmp_path: Path) -> None:
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"\x7fELF but not really")
    found = {m.path: m for m in discover_modules([str(fake), str(tmp_path / "missing.so")])}
    assert found[str(fake)].found and found[str(fake)].loads is False
    assert found[str(fake)].error == "token.module_load_failed"
    assert found[str(tmp_path / "missing.so")].error == "token.module_not_found"
    assert found[OPENSC].loads is True and found[OPENSC].name == "opensc"
    # The SoftHSM2 symlink and its target are one module.
    assert sum(m.name == "softhsm2" for m in found.values()) == 1


def test_inventory_lists_cards_certs_and_keys_without_login(cards: dict[str, Card], pincounter: Any) -> None:
    inv = inventory([cards["healthy"].module, OPENSC])
    tokens = {t.label: t for _m, _s, t in inv.tokens()}
    healthy = tokens[cards["healthy"].label]
    assert "TOKEN_INITIALIZED" in healthy.flag_names
    [cert] = healthy.certificates
    assert cert.info.tckn == "12345678950" and cert.info.qualified
    assert cert.paired_keys == ("public",)  # private keys stay hidden without login
    assert {k.object_class for k in healthy.keys} == {"public"}
    assert [k.key_type for k in healthy.keys] == ["rsa"] and healthy.keys[0].size == 2048
    opensc = [m for m in inv.modules if m.module.path == OPENSC][0]
    assert opensc.slots == ()
    data = inv.as_dict()
    assert data["modules"][0]["slots"]


def test_inventory_never_spends_a_try(counted_card: Any, pincounter: Any) -> None:
    card = counted_card(2)
    inv = inventory([card.module])
    token = [t for _m, _s, t in inv.tokens() if t.label == card.label][0]
    assert pin_state(token.flags).value == "final_try"
    assert pincounter.count(card.serial) == 2
