"""``ebys-support token list|certs|diagnose`` through ``main(argv)``, and the PIN never shows."""

from __future__ import annotations

import json
import logging
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ebys_support.tokens import CHECK_IDS
from tests.tokens.conftest import PIN, WRONG_PIN, Card

OPENSC = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

#: Everything any CLI run in this module printed or logged, grepped for the PINs at the end.
CAPTURED: list[str] = []


@pytest.fixture
def run(cli: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> Callable[..., Any]:
    caplog.set_level(logging.DEBUG)

    def go(*argv: str, stdin: str | None = None) -> Any:
        result = cli(*argv, stdin=stdin)
        CAPTURED.extend([result.stdout, result.stderr, caplog.text])
        return result

    return go


def diag(card: Card, *extra: str) -> list[str]:
    return ["token", "diagnose", "--module", card.module, "--token", card.label, "--offline", *extra]


def test_healthy_with_pin_from_stdin_exits_0(run: Any, cards: dict[str, Card], trust: list[str]) -> None:
    args = diag(cards["healthy"], "--pin-stdin", "--trust", trust[0], "--trust", trust[1], "--json")
    result = run(*args, stdin=PIN + "\n")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["worst"] == "ok"
    assert [c["id"] for c in data["checks"]] == list(CHECK_IDS)
    assert data["checks"][-1]["status"] == "ok"  # the self-test ran


def test_locked_card_turkish_and_english(
    run: Any, counted_card: Callable[[int], Card], trust: list[str]
) -> None:
    card = counted_card(3)
    anchors = ["--trust", trust[0], "--trust", trust[1]]
    tr = run(*diag(card), *anchors, "--lang", "tr")
    assert tr.exit_code == 1
    first = tr.stdout.splitlines()
    assert first[0].startswith("E-imza kartı denetimi: ")
    assert "PIN durumu: PIN bloke olmuş" in first[2]
    assert "Ne yapılmalı:" in first[3] and "PUK" in first[3]
    en = run(*diag(card), *anchors, "--lang", "en")
    assert en.exit_code == 1
    assert "PIN state: The PIN is blocked" in en.stdout.splitlines()[2]
    sys.stdout.write("\n--- tr ---\n" + tr.stdout + "\n--- en ---\n" + en.stdout)


def test_locked_card_is_never_asked_for_a_pin(
    run: Any, counted_card: Callable[[int], Card], pincounter: Any
) -> None:
    card = counted_card(3)
    # stdin is not a terminal here: a prompt would fail with exit 2 (secret.no_terminal).
    result = run(*diag(card), "--ask-pin", "--json")
    assert result.exit_code == 1, result.stderr
    assert result.json()["checks"][7]["code"] == "token.pin_locked"
    assert pincounter.count(card.serial) == 3


def test_checklist_is_worst_first(run: Any, cards: dict[str, Card]) -> None:
    result = run(*diag(cards["expired"]), "--lang", "en")
    assert result.exit_code == 1
    lines = [ln for ln in result.stdout.splitlines()[2:] if not ln.startswith(" ")]
    ranks = [0 if "PROBLEM" in ln else 1 if "WARNING" in ln else 2 if " OK " in ln else 3 for ln in lines]
    assert ranks == sorted(ranks)
    assert len(lines) == len(CHECK_IDS)


def test_missing_module_exits_1(run: Any, tmp_path: Path) -> None:
    result = run("token", "diagnose", "--module", str(tmp_path / "libakisp11.so"), "--json")
    assert result.exit_code == 1
    assert result.json()["checks"][0]["code"] == "token.module_not_found"


def test_diagnosis_that_cannot_run_exits_5(run: Any, tmp_path: Path, cards: dict[str, Card]) -> None:
    (tmp_path / "instance").mkdir(exist_ok=True)
    bad = tmp_path / "instance" / "ebys.toml"
    bad.write_text("[tokens]\ntimeout = 'soon'\n")
    result = run("--instance", str(tmp_path / "instance"), *diag(cards["healthy"]))
    assert result.exit_code == 5
    assert "tokens.timeout" in result.stderr


def test_unreadable_trust_is_input_error(run: Any, tmp_path: Path, cards: dict[str, Card]) -> None:
    result = run(*diag(cards["healthy"]), "--trust", str(tmp_path / "none.pem"))
    assert result.exit_code == 4


def test_pin_options_exclusive(run: Any, cards: dict[str, Card]) -> None:
    assert run(*diag(cards["healthy"]), "--pin-stdin", "--ask-pin").exit_code == 2


def test_no_pin_option_means_no_login_even_with_ebys_pin_set(
    cli: Callable[..., Any], counted_card: Callable[[int], Card], pincounter: Any
) -> None:
    card = counted_card(0)
    result = cli(*diag(card), "--json", env={"EBYS_PIN": WRONG_PIN})
    CAPTURED.extend([result.stdout, result.stderr])
    assert pincounter.count(card.serial) == 0
    assert result.json()["checks"][7]["details"]["login_attempted"] is False


def test_wrong_pin_via_stdin_one_try(run: Any, counted_card: Callable[[int], Card], pincounter: Any) -> None:
    card = counted_card(0)
    result = run(*diag(card), "--pin-stdin", "--json", stdin=WRONG_PIN + "\n")
    assert result.exit_code == 1
    assert pincounter.count(card.serial) == 1
    pin_state = result.json()["checks"][7]
    assert pin_state["code"] == "token.pin_incorrect" and pin_state["details"]["tries"] == "count_low"


def test_empty_stdin_is_usage_error(run: Any, cards: dict[str, Card]) -> None:
    assert run(*diag(cards["healthy"]), "--pin-stdin", stdin="").exit_code == 2


def test_token_list_and_certs(run: Any, cards: dict[str, Card]) -> None:
    listed = run("token", "list", "--module", cards["healthy"].module, "--lang", "en")
    assert listed.exit_code == 0
    assert f'card "{cards["healthy"].label}"' in listed.stdout
    as_json = run("token", "list", "--module", OPENSC, "--json")
    assert as_json.json()["modules"][0]["slots"] == []
    certs = run(
        "token",
        "certs",
        "--module",
        cards["healthy"].module,
        "--token",
        cards["healthy"].label,
        "--lang",
        "tr",
    )
    assert certs.exit_code == 0
    assert "Ayşe Yılmaz" in certs.stdout and "T.C. Kimlik No 12345678950" in certs.stdout
    assert "nitelikli (NES)" in certs.stdout
    # The issuer by its name (not "Common Name: ..."), and the paired key in words.
    assert "veren Kamu Elektronik Sertifika Hizmet Sağlayıcısı - Test |" in certs.stdout
    assert "anahtar: açık anahtar" in certs.stdout and "Common Name" not in certs.stdout
    missing = run("token", "certs", "--module", cards["healthy"].module, "--token", "nope", "--json")
    assert missing.exit_code == 1 and missing.json()["error"]["code"] == "token.not_found"


def test_blank_card_is_not_initialised(softhsm: Any, tmp_path: Path) -> None:
    """A SoftHSM2 token folder with no token yet shows one blank card (a fresh process: the module's
    configuration is read when it loads)."""
    from tests.fixtures.softhsm import write_softhsm_conf

    env = {
        **os.environ,
        "SOFTHSM2_CONF": str(write_softhsm_conf(tmp_path / "blank")),
        "EBYS_INSTANCE": str(tmp_path / "instance"),
    }
    argv = [sys.executable, "-c", "from ebys_support.cli import run; run()", "token", "diagnose"]
    argv += ["--module", softhsm.module, "--offline", "--lang", "tr"]
    done = subprocess.run([*argv, "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    assert (checks["token.initialized"]["status"], checks["token.initialized"]["code"]) == (
        "fail",
        "token.not_initialized",
    )
    assert checks["pin.state"]["details"] == {"reason": "after", "after": "token.initialized"}
    text = subprocess.run(argv, env=env, capture_output=True, text=True).stdout
    assert "SORUN    Kart hazırlanmış mı: Kart boş: kullanıma hiç hazırlanmamış." in text
    listed = subprocess.run(
        [*argv[:3], "token", "list", "--module", softhsm.module, "--lang", "tr"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "boş kart (hiç hazırlanmamış)" in listed.stdout and ": yüklendi" in listed.stdout
    CAPTURED.extend([done.stdout, done.stderr, text, listed.stdout, listed.stderr])


def test_card_seen_through_two_modules_is_listed_once(
    run: Any, cards: dict[str, Card], pincounter: Any
) -> None:
    card = cards["healthy"]
    both = ["--module", pincounter.module, "--module", card.module]
    certs = run("token", "certs", *both, "--token", card.label, "--lang", "en")
    assert certs.exit_code == 0
    assert certs.stdout.count(f"[{card.label}]") == 1
    missing = run("token", "certs", *both, "--token", "nope", "--json")
    available = missing.json()["error"]["details"]["available"].split(", ")
    assert len(available) == len(set(available))


def test_relative_module_path_is_the_file_in_the_current_folder(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dlopen() would look "libakisp11.so" up in the system library path; we examine the file given.
    (tmp_path / "libakisp11.so").write_text("not a module\n")
    monkeypatch.chdir(tmp_path)
    result = run("token", "diagnose", "--module", "libakisp11.so", "--offline", "--json")
    assert result.exit_code == 1
    loads = result.json()["checks"][1]
    assert loads["code"] == "token.module_load_failed"
    assert loads["details"]["module"] == str(tmp_path / "libakisp11.so")
    assert loads["details"]["cause"] == "not_pkcs11"
    listed = run("token", "list", "--module", "libakisp11.so", "--lang", "tr")
    assert f"Modül {tmp_path / 'libakisp11.so'}:" in listed.stdout


@pytest.mark.parametrize("option", ["--ask-pin", "--pin-stdin"])
def test_pin_typed_on_a_terminal_is_not_echoed(
    cards: dict[str, Card], trust: list[str], tmp_path: Path, option: str
) -> None:
    # On a terminal the line discipline would echo what is typed: both options turn echo off, so the
    # PIN never appears on the screen (the output is grepped for it at the end of this module).
    card = cards["healthy"]
    argv = [sys.executable, "-c", "from ebys_support.cli import run; run()"]
    argv += [*diag(card), option, "--trust", trust[0], "--trust", trust[1], "--lang", "en"]
    env = {**os.environ, "EBYS_INSTANCE": str(tmp_path), "PYTHONPATH": str(Path.cwd())}
    env.pop("EBYS_PIN", None)
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = b""
    sent = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not sent and b"PIN" in output:
            os.write(master, (PIN + "\n").encode())
            sent = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=30)
    os.close(master)
    text = output.decode("utf-8", "replace")
    CAPTURED.append(text)
    assert proc.returncode == 0, text
    assert "Test signature: A test signature was made and verified" in text
    assert PIN not in text


def test_no_pin_in_any_output_or_log() -> None:
    """Runs last in this module: grep everything the runs above printed or logged."""
    assert len(CAPTURED) >= 20
    blob = "\n".join(CAPTURED)
    assert PIN not in blob
    assert WRONG_PIN not in blob
    json.dumps(CAPTURED)
