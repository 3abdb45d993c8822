from __future__ import annotations

from pathlib import Path

import pytest

from ebys_support import config
from ebys_support.errors import ConfigurationError


def test_defaults_then_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "ebys.toml").write_text(
        '[service]\nport = 9000\nworkers = 2\n[database]\nurl = "sqlite:///x.db"\n'
    )
    cfg = config.load(tmp_path, environ={"EBYS_SERVICE_PORT": "9100"})
    assert cfg.service.port == 9100
    assert cfg.service.workers == 2
    assert cfg.database_url == "sqlite:///x.db"
    assert config.load(tmp_path / "other", environ={}).database_url.endswith("ebys.sqlite3")


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "ebys.toml").write_text("[service]\nprot = 1\n")
    with pytest.raises(ConfigurationError) as info:
        config.load(tmp_path, environ={})
    assert info.value.code == "config.unknown_key"
    assert "service.prot" in info.value.localized("tr")


def test_unknown_section_and_bad_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="nosuch.key"):
        config.load(tmp_path, environ={"EBYS_NOSUCH_KEY": "1"})
    with pytest.raises(ConfigurationError) as info:
        config.load(tmp_path, environ={"EBYS_SERVICE_PORT": "eighty"})
    assert info.value.code == "config.invalid_value"


def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "ebys.toml").write_text("[service\n")
    with pytest.raises(ConfigurationError) as info:
        config.load(tmp_path, environ={})
    assert info.value.code == "config.unreadable"


def test_secrets_from_files_and_masked(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("s3cret\n")
    cfg = config.load(
        tmp_path,
        environ={
            "EBYS_DETSIS_PASSWORD_FILE": str(secret),
            "EBYS_DATABASE_URL": "postgresql://ebys:dbpass@localhost/ebys",
        },
    )
    assert cfg.detsis.password == "s3cret"
    masked = cfg.masked()
    assert masked["detsis"]["password"] == "***"
    assert "dbpass" not in repr(masked)
    assert "s3cret" not in repr(masked)


def test_missing_secret_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        config.load(tmp_path, environ={"EBYS_SMTP_PASSWORD_FILE": str(tmp_path / "none")})
    assert info.value.code == "config.invalid_value"


def test_reserved_environment_is_not_config(tmp_path: Path) -> None:
    cfg = config.load(tmp_path, environ={"EBYS_PIN": "123456", "EBYS_LANG": "tr", "EBYS_INSTANCE": "x"})
    assert "123456" not in repr(cfg.masked())


def test_lists_and_booleans(tmp_path: Path) -> None:
    cfg = config.load(tmp_path, environ={"EBYS_TOKENS_MODULES": "/a.so, /b.so", "EBYS_SMTP_STARTTLS": "evet"})
    assert cfg.tokens.modules == ("/a.so", "/b.so")
    assert cfg.smtp.starttls is True


def test_secret_file_relative_to_instance(tmp_path: Path) -> None:
    (tmp_path / "p12pass.txt").write_text("geheim\n")
    (tmp_path / "ebys.toml").write_text('[signing]\npkcs12_password_file = "p12pass.txt"\n')
    assert config.load(tmp_path, environ={}).signing.pkcs12_password == "geheim"
