"""Each check's failing state, built for real: SoftHSM2 cards, the OpenSC module and the test PKI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ebys_support.tokens import CHECK_IDS, Diagnosis, Status, diagnose
from ebys_support.tokens.certs import now_utc
from tests.tokens.conftest import PIN, Card, no_pin_in

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


def run(card: Card, pin: str | None = None, *, online: bool = False, trust: Any = (), **kw: Any) -> Diagnosis:
    d = diagnose(card.module, card.label, pin, online=online, trust=trust, **kw)
    no_pin_in(d)
    return d


def statuses(d: Diagnosis) -> dict[str, str]:
    return {c.id: c.status.value for c in d.checks}


def assert_fails(d: Diagnosis, check_id: str, code: str) -> None:
    check = d.check(check_id)
    assert (check.status, check.code) == (Status.FAIL, code), check
    assert d.worst is Status.FAIL
    assert check.remedy("tr") and check.remedy("en")


def test_healthy_card_passes_every_check_including_the_self_test(
    cards: dict[str, Card], trust: list[str]
) -> None:
    d = run(cards["healthy"], PIN, online=True, trust=trust)
    assert [c.id for c in d.checks] == list(CHECK_IDS)
    assert set(statuses(d).values()) == {"ok"}, [c for c in d.checks if c.status is not Status.OK]
    assert d.worst is Status.OK
    assert d.check("cert.key_pair").details["confirmed"] == "private_key"
    assert d.check("cert.revocation").details["sources"] == ["ocsp"]
    assert d.check("clock.skew").details["source"] == "ocsp"
    assert d.check("selftest.sign").details["mechanism"] == "SHA256_RSA_PKCS"
    assert d.check("pin.state").details["confirmed_by_login"] is True
    assert d.check("cert.signing").details["tckn"] == "12345678950"


@pytest.mark.parametrize("name", ["healthy-ec", "healthy-ec384"])
def test_ec_keys_sign_with_raw_ecdsa(cards: dict[str, Card], trust: list[str], name: str) -> None:
    d = run(cards[name], PIN, trust=trust)
    assert d.check("selftest.sign").status is Status.OK, d.check("selftest.sign")
    assert d.check("selftest.sign").details["mechanism"] == "ECDSA"
    assert d.worst is Status.OK


def test_always_authenticate_key_gets_the_pin_again(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["reauth"], PIN, trust=trust)
    check = d.check("selftest.sign")
    assert check.status is Status.OK, check
    assert check.details["reauthenticated"] is True


def test_without_pin_no_login_and_selftest_skipped(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["healthy"], trust=trust)
    assert d.check("pin.state").details["login_attempted"] is False
    assert d.check("pin.state").details["learned_from"] == "token_flags"
    assert d.check("cert.key_pair").details["confirmed"] == "public_key"
    sign = d.check("selftest.sign")
    assert sign.status is Status.SKIPPED and sign.details["reason"] == "no_pin"
    assert d.check("cert.revocation").details["reason"] == "offline"
    assert d.check("clock.skew").details["reason"] == "offline"
    assert d.worst is Status.OK
    assert "--ask-pin" in sign.message("tr")


def test_module_path_wrong(tmp_path: Path) -> None:
    d = diagnose(tmp_path / "libakisp11.so", online=False)
    assert_fails(d, "module.found", "token.module_not_found")
    assert [c.id for c in d.checks] == list(CHECK_IDS)
    later = d.check("token.present")
    assert later.status is Status.SKIPPED and later.details["after"] == "module.found"
    assert "Kart yazılımı kurulu mu" in later.message("tr")


def test_module_path_wrong_online_skips_the_clock_after_it(tmp_path: Path) -> None:
    d = diagnose(tmp_path / "libakisp11.so", online=True)
    assert [c.id for c in d.checks] == list(CHECK_IDS)
    for check_id in ("cert.revocation", "clock.skew"):
        assert d.check(check_id).details == {"reason": "after", "after": "module.found"}


def test_card_seen_through_two_modules_is_one_card(
    cards: dict[str, Card], pincounter: Any, trust: list[str]
) -> None:
    # SoftHSM2 is at a known path and the PIN-counter module shows the same cards: like a KamuSM
    # card seen through both AKİS and OpenSC. The first module (the configured one) is used.
    card = cards["healthy"]
    d = diagnose(None, card.label, online=False, trust=trust, extra_modules=[pincounter.module])
    assert d.check("module.found").details["modules"][0] == pincounter.module
    recognized = d.check("token.recognized")
    assert recognized.status is Status.OK, recognized
    assert recognized.details["module"] == pincounter.module
    assert d.worst is Status.OK
    missing = diagnose(None, "no-such-card", online=False, extra_modules=[pincounter.module])
    available = missing.check("token.present").details["available"].split(", ")
    assert len(available) == len(set(available)) and card.label in available


def test_file_that_is_not_a_pkcs11_module(tmp_path: Path) -> None:
    fake = tmp_path / "libakisp11.so"
    fake.write_text("not a shared object\n")
    d = diagnose(fake, online=False)
    assert_fails(d, "module.loads", "token.module_load_failed")
    check = d.check("module.loads")
    assert check.details["reason"] and check.details["cause"] == "not_pkcs11"
    assert "PKCS#11 kart modülü değil" in (check.remedy("tr") or "")


def test_shared_library_without_pkcs11_functions() -> None:
    # A real shared object that is not a PKCS#11 module (a CPython extension): no C_GetFunctionList.
    import _ctypes

    d = diagnose(_ctypes.__file__, online=False)
    assert_fails(d, "module.loads", "token.module_load_failed")
    check = d.check("module.loads")
    assert check.details["cause"] == "not_pkcs11", check
    assert "C_GetFunctionList" in check.details["reason"]


def test_module_that_loads_but_does_not_start(softhsm: Any, tmp_path: Path) -> None:
    # SoftHSM2 without its configuration file fails in C_Initialize (a fresh process: modules are
    # loaded once per process).
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys; from ebys_support.tokens import diagnose; "
        "print(json.dumps(diagnose(sys.argv[1], online=False).check('module.loads').as_dict('en')))"
    )
    env = {**os.environ, "SOFTHSM2_CONF": str(tmp_path / "missing.conf")}
    done = subprocess.run(
        [sys.executable, "-c", code, softhsm.module], env=env, capture_output=True, text=True, check=True
    )
    check = json.loads(done.stdout)
    assert (check["status"], check["code"]) == ("fail", "token.module_load_failed")
    assert check["details"]["cause"] == "initialize"
    assert "does not start" in check["remedy"]


def test_module_of_the_wrong_architecture(tmp_path: Path, softhsm: Any) -> None:
    # The 64-bit SoftHSM2 module marked as 32-bit (ELF class byte): the loader refuses it as a
    # 32-bit AKİS on a 64-bit system would be refused.
    data = bytearray(Path(softhsm.module).read_bytes())
    data[4] = 1  # EI_CLASS = ELFCLASS32
    wrong = tmp_path / "libakisp11.so"
    wrong.write_bytes(bytes(data))
    d = diagnose(wrong, online=False)
    assert_fails(d, "module.loads", "token.module_load_failed")
    check = d.check("module.loads")
    assert check.details["cause"] == "architecture"
    assert "32 bit ya da 64 bit" in (check.remedy("tr") or "")
    assert "32-bit or 64-bit" in (check.remedy("en") or "")


def test_module_with_no_slots_opensc_without_reader() -> None:
    d = diagnose(OPENSC, online=False)
    assert d.check("module.loads").status is Status.OK
    assert_fails(d, "slots.present", "token.no_slots")
    assert "pcscd" in (d.check("slots.present").remedy("en") or "")


def test_no_such_card_inserted(cards: dict[str, Card]) -> None:
    d = diagnose(cards["healthy"].module, "no-such-card", online=False)
    assert_fails(d, "token.present", "token.not_found")
    assert cards["healthy"].label in d.check("token.present").details["available"]


def test_user_pin_not_initialised(cards: dict[str, Card]) -> None:
    d = run(cards["no-pin"], PIN)
    assert_fails(d, "pin.initialized", "token.pin_not_initialized")
    assert d.check("pin.state").status is Status.SKIPPED
    assert d.check("selftest.sign").status is Status.SKIPPED
    assert "KamuSM" in (d.check("pin.initialized").remedy("tr") or "")


def test_no_certificates(cards: dict[str, Card]) -> None:
    d = run(cards["empty"])
    assert_fails(d, "certs.present", "token.certificate_missing")
    assert d.check("cert.signing").details["after"] == "certs.present"


def test_key_without_certificate(cards: dict[str, Card]) -> None:
    d = run(cards["key-only"])
    assert_fails(d, "certs.present", "token.certificate_missing")
    check = d.check("certs.present")
    assert check.details["orphan_keys"] == ["01"]
    assert "anahtar var ama sertifika yok" in (check.remedy("tr") or "")


def test_certificate_without_key(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["cert-only"], trust=trust)
    assert_fails(d, "cert.key_pair", "token.key_missing")
    # The certificate itself is still examined.
    assert d.check("cert.validity").status is Status.OK


def test_certificate_without_key_with_pin_and_no_selftest(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["cert-only"], PIN, trust=trust)
    assert_fails(d, "cert.key_pair", "token.key_missing")
    assert d.check("selftest.sign").status is Status.SKIPPED


def test_key_of_another_certificate(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["mismatch"], trust=trust)
    assert_fails(d, "cert.key_pair", "token.key_mismatch")


def test_encryption_only_certificate(cards: dict[str, Card]) -> None:
    d = run(cards["enc-only"])
    assert_fails(d, "cert.signing", "token.no_signing_certificate")
    assert "key encipherment" in d.check("cert.signing").message("en")
    assert "anahtar şifreleme" in d.check("cert.signing").message("tr")


def test_expired_certificate(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["expired"], trust=trust)
    assert_fails(d, "cert.validity", "token.cert_expired")
    assert "2021-01-01" in d.check("cert.validity").message("tr")
    # Trust is judged on its own: the chain is fine.
    assert d.check("cert.chain").status is Status.OK


def test_not_yet_valid_certificate(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["notyet"], trust=trust)
    assert_fails(d, "cert.validity", "token.cert_not_yet_valid")


def test_certificate_expiring_soon_warns(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["healthy"], trust=trust, expiry_warning_days=365 * 30)
    check = d.check("cert.validity")
    assert (check.status, check.code) == (Status.WARN, "token.cert_expiring")
    assert d.worst is Status.WARN


def test_untrusted_chain(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["untrusted"], online=True, trust=trust)
    assert_fails(d, "cert.chain", "token.cert_untrusted")
    assert d.check("cert.revocation").details["after"] == "cert.chain"
    # No OCSP answer, so no trusted time: the clock check points at the chain, not at a server.
    clock = d.check("clock.skew")
    assert clock.status is Status.SKIPPED and clock.details["after"] == "cert.chain"
    assert clock.message("tr") == 'Denetlenmedi: önce "Sertifika zinciri" satırındaki sorun giderilmeli.'


def test_chain_without_the_test_root_is_untrusted(cards: dict[str, Card]) -> None:
    # Only the bundled KamuSM roots: the test PKI is not trusted; offline the issuer is simply missing.
    d = run(cards["healthy"])
    check = d.check("cert.chain")
    assert (check.status, check.code) == (Status.WARN, "token.cert_chain_incomplete")


def test_revoked_certificate_ocsp(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["revoked"], online=True, trust=trust)
    assert_fails(d, "cert.revocation", "token.cert_revoked")
    assert d.check("cert.revocation").details["revoked_at"] == "2024-06-01"
    # The OCSP answer that said "revoked" still gives a trusted time.
    clock = d.check("clock.skew")
    assert clock.status is Status.OK and clock.details["source"] == "ocsp", clock


def test_revocation_unreachable_warns(
    cards: dict[str, Card], trust: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A misconfigured proxy (nothing listens on port 9): OCSP and CRL cannot be fetched.
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    d = run(cards["healthy"], online=True, trust=trust, timeout=2)
    check = d.check("cert.revocation")
    assert (check.status, check.code) == (Status.WARN, "token.revocation_unknown"), check
    assert "proxy" in (check.remedy("tr") or "")
    # No trusted time either: the clock check says so instead of guessing.
    assert d.check("clock.skew").details["reason"] == "no_time_source"


def test_non_qualified_certificate(cards: dict[str, Card], trust: list[str]) -> None:
    d = run(cards["nonqc"], trust=trust)
    assert_fails(d, "cert.qualified", "token.cert_not_qualified")


def test_clock_skew_warns_past_threshold(cards: dict[str, Card], trust: list[str]) -> None:
    def fast_clock() -> Any:
        return now_utc() + timedelta(hours=1)

    d = run(cards["healthy"], online=True, trust=trust, clock=fast_clock)
    check = d.check("clock.skew")
    assert (check.status, check.code) == (Status.WARN, "token.clock_skew"), check
    assert 3500 < check.details["skew_seconds"] < 3700
    assert "saniye ileride" in check.message("tr") and "," in check.message("tr")
    assert "seconds ahead of" in check.message("en")

    def slow_clock() -> Any:
        return now_utc() - timedelta(minutes=10)

    behind = run(cards["healthy"], online=True, trust=trust, clock=slow_clock).check("clock.skew")
    assert behind.code == "token.clock_skew" and "geride" in behind.message("tr")
    assert "behind" in behind.message("en")


def test_clock_from_tsa(cards: dict[str, Card], trust: list[str], pki: Any) -> None:
    d = run(cards["healthy"], online=True, trust=trust, time_url=pki.tsa_url)
    check = d.check("clock.skew")
    assert check.status is Status.OK and check.details["source"] == "tsa", check


def test_json_shape(cards: dict[str, Card], trust: list[str]) -> None:
    data = run(cards["healthy"], trust=trust).as_dict("tr")
    assert set(data) == {"checks", "worst"}
    assert [c["id"] for c in data["checks"]] == list(CHECK_IDS)
    for c in data["checks"]:
        assert set(c) == {"id", "status", "code", "message", "remedy", "details"}


def test_unreadable_trust_path_stops_before_anything(tmp_path: Path, cards: dict[str, Card]) -> None:
    from ebys_support.errors import InputError

    with pytest.raises(InputError) as info:
        run(cards["healthy"], trust=[tmp_path / "missing.pem"])
    assert info.value.code == "input.not_found"


def test_no_middleware_installed_at_any_known_path() -> None:
    # Windows paths searched on this Linux machine: nothing is installed there.
    d = diagnose(None, online=False, platform="win32")
    assert_fails(d, "module.found", "token.no_modules")
    assert d.check("module.found").details["searched"] == []
    assert "AKİS" in (d.check("module.found").remedy("tr") or "")


def test_several_cards_inserted_warns_and_examines_one(cards: dict[str, Card]) -> None:
    d = diagnose(cards["healthy"].module, online=False)
    check = d.check("token.recognized")
    assert (check.status, check.code) == (Status.WARN, "token.multiple")
    assert "--token" in (check.remedy("en") or "")


def test_selftest_signature_that_does_not_verify(softhsm: Any, pki: Any, trust: list[str]) -> None:
    """A private key under the certificate's CKA_ID that is not the certificate's key (EC: the card
    cannot show it before signing, so only the self-test finds out)."""
    import pkcs11

    info = softhsm.create_token("doc-wrongkey", user_pin=PIN)
    softhsm.generate_ec_key(info.label, b"\x01", user_pin=PIN)
    with softhsm.session(info.label, rw=True, user_pin=PIN) as sess:
        for obj in list(sess.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PUBLIC_KEY})):
            obj.destroy()
    softhsm.import_signer(
        info.label, pki.signer("ec"), key_id=b"\x01", user_pin=PIN, with_private=False, with_public=False
    )
    d = diagnose(softhsm.module, info.label, PIN, online=False, trust=trust)
    assert d.check("cert.key_pair").status is Status.OK
    assert_fails(d, "selftest.sign", "token.selftest_failed")
    without_pin = diagnose(softhsm.module, info.label, online=False, trust=trust)
    assert_fails(without_pin, "cert.key_pair", "token.key_missing")
