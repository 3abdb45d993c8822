"""Configuration: ``<instance>/ebys.toml``, then ``EBYS_<SECTION>_<KEY>`` environment variables.

Each section is a frozen dataclass; a field's ``metadata["doc"]`` documents it. Unknown sections and keys
are refused with :class:`~ebys_support.errors.ConfigurationError` (``config.unknown_key``) naming the key
and where it came from, so a typo never silently falls back to a default.

Secrets (keys whose name contains ``password``, ``pin`` or ``secret``) may also be given as
``<key>_file``: a path to a file holding the value (first line, surrounding white space removed). They are
masked by :meth:`Config.masked` and never logged.

>>> cfg = load("/nonexistent-instance", environ={"EBYS_SERVICE_PORT": "9090"})
>>> cfg.service.port
9090
>>> load("/x", environ={"EBYS_SERVICE_PROT": "1"})
Traceback (most recent call last):
...
ebys_support.errors.ConfigurationError: Unknown configuration key service.prot (in environment variable EBYS_SERVICE_PROT).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ebys_support.errors import ConfigurationError

__all__ = [
    "Config",
    "ServiceConfig",
    "DatabaseConfig",
    "DetsisConfig",
    "SdpConfig",
    "TokensConfig",
    "SigningConfig",
    "VerificationConfig",
    "KamusmConfig",
    "SmtpConfig",
    "load",
    "default_instance",
    "CONFIG_FILE",
    "RESERVED_ENV",
]

CONFIG_FILE = "ebys.toml"
#: ``EBYS_*`` environment variables that are not configuration keys.
RESERVED_ENV = frozenset({"EBYS_INSTANCE", "EBYS_LANG", "EBYS_PIN", "EBYS_DEBUG", "EBYS_CONFIG"})
_SECRET_MARKERS = ("password", "pin", "secret")


def _doc(text: str, default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    if default is dataclasses.MISSING:
        return field(metadata={"doc": text}, **kw)
    return field(default=default, metadata={"doc": text}, **kw)


@dataclass(frozen=True)
class ServiceConfig:
    """The HTTP service."""

    host: str = _doc("Address to listen on.", "127.0.0.1")
    port: int = _doc("TCP port.", 8080)
    workers: int = _doc("Worker threads of the WSGI server.", 8)
    max_request_bytes: int = _doc("Largest accepted request body in bytes (413 above).", 20 * 1024 * 1024)
    log_level: str = _doc("Logging level: debug, info, warning, error.", "info")


@dataclass(frozen=True)
class DatabaseConfig:
    """Storage."""

    url: str = _doc("SQLAlchemy URL; empty means SQLite ``ebys.sqlite3`` in the instance folder.", "")
    password: str | None = _doc("Password inserted into the URL (keeps it out of the URL text).", None)
    echo: bool = _doc("Log SQL statements (development only).", False)


@dataclass(frozen=True)
class SdpConfig:
    """SDP file-plan catalogues."""

    catalogue: str = _doc("Path of the institution's SDP catalogue (JSON written by ``sdp import``).", "")
    dispositions: str = _doc(
        "Path of retention rules JSON (what each Saklama Kodu implies); empty: the shipped, unconfirmed ones.",
        "",
    )


@dataclass(frozen=True)
class DetsisConfig:
    """The DETSİS registry snapshot, the unit mapping and the DETSİS web service."""

    service_url: str = _doc("DETSİS SOAP endpoint.", "https://bbws.kaysis.gov.tr/DETSISServis.asmx")
    institution_id: str = _doc("KurumID for the BbServiceAuthentication header.", "")
    password: str | None = _doc("Password for the BbServiceAuthentication header.", None)
    timeout: float = _doc("Seconds to wait for the web service.", 30.0)
    retries: int = _doc("Retries on transient failures.", 3)
    registry: str = _doc("Path of the registry snapshot the service loads.", "")
    mapping: str = _doc("Path of the municipality's unit mapping (CSV or YAML).", "")
    institution: int = _doc("DETSİS number of our own institution (the belediye), 0 if unset.", 0)
    auth_error_markers: tuple[str, ...] = _doc(
        "Words that mark a HataMsj or SOAP fault as a refused login (the service's wording is unconfirmed;"
        " compared without case or Turkish letters).",
        (
            "sifre",
            "parola",
            "yetki",
            "kimlik dogrula",
            "kullanici adi",
            "password",
            "authenticat",
            "unauthori",
        ),
    )


@dataclass(frozen=True)
class TokensConfig:
    """PKCS#11 tokens."""

    modules: tuple[str, ...] = _doc("Extra PKCS#11 module paths to examine.", ())
    trust: tuple[str, ...] = _doc("Extra trust anchor files or directories for the token doctor.", ())
    timeout: float = _doc("Seconds to wait for each OCSP/CRL/TSA request of the token doctor.", 10.0)
    clock_skew_warning: float = _doc(
        "Warn when the local clock is off by more than this many seconds.", 120.0
    )
    expiry_warning_days: int = _doc("Warn when the signing certificate expires within this many days.", 30)
    time_url: str = _doc("TSA URL used as the trusted clock; empty: signing.tsa_url, else the OCSP time.", "")


@dataclass(frozen=True)
class SigningConfig:
    """Signing, including the server-held signer (e-seal or HSM) used by the HTTP service."""

    tsa_url: str = _doc("Time-stamping authority URL.", "")
    pkcs12: str = _doc("Server-held signer: PKCS#12 file.", "")
    pkcs12_password: str | None = _doc("Password of the PKCS#12 file.", None)
    module: str = _doc("Server-held signer: PKCS#11 module path.", "")
    token_label: str = _doc("Server-held signer: token label.", "")
    key_id: str = _doc("Server-held signer: key CKA_ID in hex.", "")
    pin: str | None = _doc("Server-held signer: token PIN (use pin_file).", None)
    signer_name: str = _doc("Name integrations use for the server-held signer.", "")
    token_serial: str = _doc("Server-held signer: token serial number (instead of the label).", "")
    cert_label: str = _doc("Server-held signer: certificate label (instead of key_id).", "")
    pss: bool = _doc("Server-held signer: RSA-PSS instead of PKCS#1 v1.5.", False)
    profile: str = _doc("Default profile of the service's signatures (P1–P4).", "P2")
    trust: tuple[str, ...] = _doc(
        "Extra CA certificate files or folders to complete chains (P4, PAdES LT).", ()
    )
    policy_hash: str = _doc(
        "Policy hash (SHA-256, hex) put in P2–P4 signatures; empty: the Rehber PDF's.", ""
    )
    policy_uri_template: str = _doc("SPuri template with {compact_oid}; empty: the eimza.gov.tr address.", "")
    timestamp_max_delay: int = _doc("Largest signing-time to time-stamp delay in seconds; 0: 7200.", 0)
    grace_period_hours: int = _doc("Grace period of P2/P3 before an ES-XL upgrade, in hours; 0: 24.", 0)


@dataclass(frozen=True)
class VerificationConfig:
    """Signature verification."""

    revocation: str = _doc("online, offline or off.", "online")
    trust: tuple[str, ...] = _doc("Extra trust anchor files or directories.", ())
    timeout: float = _doc("Seconds to wait for OCSP/CRL responders.", 10.0)
    cache_dir: str = _doc("Revocation cache folder; empty means <instance>/cache.", "")
    fetch_hosts: tuple[str, ...] = _doc(
        "Hosts whose OCSP/CRL/CA-issuer URLs may be fetched: a name, '*.name' for its subdomains, or '*' "
        "for any host. Empty: the service allows only KamuSM's hosts, the CLI any host.",
        (),
    )


@dataclass(frozen=True)
class KamusmConfig:
    """KamuSM certificate requests."""

    renewal_window_days: int = _doc("Renewal allowed this many days before expiry.", 90)
    holidays: tuple[str, ...] = _doc("Public holidays (YYYY-MM-DD) skipped by the SLA clock.", ())
    holidays_file: str = _doc("A file with one holiday date per line.", "")
    sla_days: int = _doc("Working days the directorate has for a request (its SLA clock).", 10)
    sla_days_by_type: tuple[str, ...] = _doc('Per-type SLA overrides, e.g. ["pin_unblock=2"].', ())
    timezone: str = _doc("Time zone of the working-day calendar.", "Europe/Istanbul")
    notify_cc: tuple[str, ...] = _doc("Addresses copied on expiry notifications (the IT directorate).", ())


@dataclass(frozen=True)
class SmtpConfig:
    """E-mail notifications."""

    host: str = _doc("SMTP server; empty disables e-mail.", "")
    port: int = _doc("SMTP port.", 25)
    username: str = _doc("SMTP user name.", "")
    password: str | None = _doc("SMTP password.", None)
    sender: str = _doc("From address.", "")
    starttls: bool = _doc("Use STARTTLS.", False)
    timeout: float = _doc("Seconds to wait for the SMTP server.", 10.0)


_SECTIONS: dict[str, type[Any]] = {
    "service": ServiceConfig,
    "database": DatabaseConfig,
    "sdp": SdpConfig,
    "detsis": DetsisConfig,
    "tokens": TokensConfig,
    "signing": SigningConfig,
    "verification": VerificationConfig,
    "kamusm": KamusmConfig,
    "smtp": SmtpConfig,
}


@dataclass(frozen=True)
class Config:
    """The whole configuration of one instance."""

    instance: Path
    service: ServiceConfig = field(default_factory=ServiceConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    sdp: SdpConfig = field(default_factory=SdpConfig)
    detsis: DetsisConfig = field(default_factory=DetsisConfig)
    tokens: TokensConfig = field(default_factory=TokensConfig)
    signing: SigningConfig = field(default_factory=SigningConfig)
    verification: VerificationConfig = field(default_factory=VerificationConfig)
    kamusm: KamusmConfig = field(default_factory=KamusmConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL, with the password inserted when it is configured separately."""
        url = self.database.url or f"sqlite:///{self.instance / 'ebys.sqlite3'}"
        if self.database.password:
            from sqlalchemy.engine import make_url

            return make_url(url).set(password=self.database.password).render_as_string(hide_password=False)
        return url

    def resolve(self, path: str) -> Path:
        """``path`` relative to the instance folder unless absolute."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.instance / p

    def masked(self) -> dict[str, Any]:
        """Every section as plain data with secrets replaced by ``"***"`` (for ``config show``)."""
        out: dict[str, Any] = {"instance": str(self.instance)}
        for name in _SECTIONS:
            section = getattr(self, name)
            values: dict[str, Any] = {}
            for f in dataclasses.fields(section):
                value = getattr(section, f.name)
                if _is_secret(f.name):
                    value = "***" if value else None
                elif isinstance(value, tuple):
                    value = list(value)
                values[f.name] = value
            out[name] = values
        url = self.database.url
        if url and "@" in url:
            from sqlalchemy.engine import make_url

            out["database"]["url"] = make_url(url).render_as_string(hide_password=True)
        return out


def _is_secret(name: str) -> bool:
    return any(marker in name for marker in _SECRET_MARKERS)


def default_instance(environ: Mapping[str, str] | None = None) -> Path:
    """``EBYS_INSTANCE`` or ``./instance``."""
    env = os.environ if environ is None else environ
    return Path(env.get("EBYS_INSTANCE") or "instance").resolve()


def _convert(section: str, key: str, hint: Any, raw: Any, source: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        non_none = [a for a in args if a is not type(None)]
        if raw is None or raw == "":
            return None
        return _convert(section, key, non_none[0], raw, source)
    try:
        if hint is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on", "evet", "e"):
                return True
            if text in ("0", "false", "no", "off", "hayır", "hayir", "h", ""):
                return False
            raise ValueError(f"not a boolean: {raw!r}")
        if hint is int:
            if isinstance(raw, bool):
                raise ValueError("not an integer")
            return int(raw)
        if hint is float:
            return float(raw)
        if hint is str:
            if not isinstance(raw, str | int | float):
                raise ValueError("not a string")
            return str(raw)
        if origin is tuple:
            if isinstance(raw, str):
                items = [part.strip() for part in raw.split(",") if part.strip()]
            elif isinstance(raw, list):
                items = [str(item) for item in raw]
            else:
                raise ValueError("not a list")
            return tuple(items)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            "config.invalid_value", details={"key": f"{section}.{key}", "reason": str(exc), "source": source}
        ) from exc
    return raw


def _read_secret_file(path: str, key: str, source: str, base: Path) -> str:
    file = Path(path).expanduser()
    if not file.is_absolute():
        file = base / file  # relative to the instance folder, like every other path in the config
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            "config.invalid_value",
            details={"key": key, "reason": f"cannot read {path}: {exc.strerror}", "source": source},
        ) from exc
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def _apply(
    values: dict[str, dict[str, Any]], section: str, key: str, raw: Any, source: str, base: Path
) -> None:
    cls = _SECTIONS.get(section)
    if cls is None:
        raise ConfigurationError("config.unknown_key", details={"key": f"{section}.{key}", "source": source})
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    if key not in names and key.endswith("_file") and key[: -len("_file")] in names and _is_secret(key[:-5]):
        target = key[: -len("_file")]
        values.setdefault(section, {})[target] = _read_secret_file(str(raw), f"{section}.{key}", source, base)
        return
    if key not in names:
        raise ConfigurationError("config.unknown_key", details={"key": f"{section}.{key}", "source": source})
    values.setdefault(section, {})[key] = _convert(section, key, hints[key], raw, source)


def load(
    instance: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Config:
    """Load the configuration of ``instance`` (default: :func:`default_instance`).

    :param environ: environment to read ``EBYS_*`` variables from (default ``os.environ``).
    :param overrides: ``{section: {key: value}}`` applied last (tests, ``create_app(test_config)``).
    :raises ConfigurationError: unknown key, bad value, unreadable file.
    """
    env = os.environ if environ is None else environ
    folder = Path(instance).resolve() if instance is not None else default_instance(env)
    values: dict[str, dict[str, Any]] = {}
    path = Path(env.get("EBYS_CONFIG") or folder / CONFIG_FILE)
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(
                "config.unreadable", details={"path": str(path), "reason": str(exc)}
            ) from exc
        for section, table in data.items():
            if not isinstance(table, dict):
                raise ConfigurationError("config.unknown_key", details={"key": section, "source": str(path)})
            for key, raw in table.items():
                _apply(values, section, key, raw, str(path), folder)
    for name, raw in sorted(env.items()):
        if not name.startswith("EBYS_") or name in RESERVED_ENV:
            continue
        rest = name[len("EBYS_") :].lower()
        section, _, key = rest.partition("_")
        _apply(values, section, key, raw, f"environment variable {name}", folder)
    for section, table in (overrides or {}).items():
        for key, raw in table.items():
            _apply(values, section, key, raw, "overrides", folder)
    sections = {name: _SECTIONS[name](**values.get(name, {})) for name in _SECTIONS}
    return Config(instance=folder, **sections)
