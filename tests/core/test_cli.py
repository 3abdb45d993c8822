"""The CLI skeleton: global options anywhere, exit codes, API keys, config show, languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

from ebys_support import __version__
from tests.fixtures.service import CliResult

Cli = Callable[..., CliResult]


def test_version(cli: Cli) -> None:
    r = cli("--version")
    assert r.exit_code == 0 and __version__ in r.stdout


def test_apikey_create_prints_key_last(cli: Cli, instance_dir: Path) -> None:
    r = cli("apikey", "create", "--role", "integration", "--name", "erp")
    assert r.exit_code == 0, r.stderr
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("ebys_") and " " not in key
    # Which instance got the key: one made from another folder is unknown to the running service.
    assert f"Instance: {instance_dir.resolve()}" in r.stdout
    r = cli("apikey", "list", "--json")
    assert r.exit_code == 0
    assert [k["name"] for k in r.json()["keys"]] == ["erp"]
    assert key not in r.stdout
    r = cli("--lang", "tr", "apikey", "list")
    assert "etkin" in r.stdout and key not in r.stdout
    r = cli("apikey", "revoke", "erp", "--lang=tr")
    assert r.exit_code == 0 and "iptal edildi" in r.stdout


def test_apikey_from_cli_opens_the_service(cli: Cli, instance_dir: Path) -> None:
    from service import create_app

    key = cli("apikey", "create", "--role", "integration").stdout.strip().splitlines()[-1]
    client: FlaskClient = create_app({"instance": instance_dir}).test_client()
    assert client.get("/v1/openapi.json", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_errors_have_exit_codes_and_languages(cli: Cli) -> None:
    r = cli("apikey", "revoke", "nobody")
    assert r.exit_code == 1
    assert "No active API key is named nobody" in r.stderr
    r = cli("apikey", "revoke", "nobody", env={"LANG": "tr_TR.UTF-8"})
    assert "nobody adında etkin bir API anahtarı yok" in r.stderr
    r = cli("--json", "apikey", "revoke", "nobody")
    assert r.json()["error"]["code"] == "auth.unknown_key"


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("no-such-command").exit_code == 2
    assert cli("apikey", "create", "--role", "root").exit_code == 2
    assert cli("apikey", "create").exit_code == 2
    assert cli("--lang").exit_code == 2


def test_config_show_masks_secrets(cli: Cli, instance_dir: Path) -> None:
    (instance_dir / "ebys.toml").write_text('[detsis]\npassword = "hunter2"\n')
    r = cli("config", "show")
    assert r.exit_code == 0 and "hunter2" not in r.stdout and "***" in r.stdout
    assert cli("config", "show", "--json").json()["detsis"]["password"] == "***"


def test_bad_config_exits_5(cli: Cli, instance_dir: Path) -> None:
    (instance_dir / "ebys.toml").write_text("[service]\nprot = 1\n")
    r = cli("config", "show", "--lang", "tr")
    assert r.exit_code == 5
    assert "Bilinmeyen yapılandırma anahtarı: service.prot" in r.stderr


def test_pin_is_never_an_option(cli: Cli) -> None:
    import click

    from ebys_support.cli import COMMANDS
    from ebys_support.cli import cli as group

    ctx = click.Context(group)
    for name in COMMANDS:
        command = group.get_command(ctx, name)
        assert command is not None
        stack = [command]
        while stack:
            cmd = stack.pop()
            for param in cmd.params:
                if isinstance(param, click.Option):
                    for opt in param.opts:
                        assert opt not in ("--pin", "-p", "--puk", "--password"), f"{name}: {opt}"
            if isinstance(cmd, click.Group):
                stack.extend(cmd.commands.values())


def test_serve_first_start_creates_admin_key(tmp_path: Path) -> None:
    """Start the real server in a subprocess; it prints the admin key once and serves /health."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EBYS_INSTANCE": str(tmp_path / "inst"), "LANG": "C.UTF-8"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ebys_support.cli import run; run()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        key = lines[1].strip()
        assert key.startswith("ebys_"), lines
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    assert json.load(resp)["status"] == "ok"
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/openapi.json", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert json.load(resp)["openapi"].startswith("3.1")
        assert (tmp_path / "inst" / "ebys.toml").exists()
        assert (tmp_path / "inst" / "ebys.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


def test_closed_pipe_is_not_an_internal_error() -> None:
    """``ebys-support ... | head`` stops quietly instead of reporting an internal error."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", "from ebys_support.cli import run; run()", "sdp", "search", "a"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=30) in (0, 141)
    assert "internal" not in err.lower() and "Traceback" not in err


def test_serve_on_a_taken_port_says_so(cli: Cli) -> None:
    import socket

    assert cli("apikey", "create", "--role", "admin").exit_code == 0  # no first-start key on stdout
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli("--json", "serve", "--port", str(port))
        assert r.exit_code == 5
        error = r.json()["error"]
        assert error["code"] == "serve.cannot_listen"
        assert error["details"]["port"] == port
        r = cli("--lang", "tr", "serve", "--port", str(port))
        assert r.exit_code == 5 and "adresini dinleyemiyor" in r.stderr and "Traceback" not in r.stderr
