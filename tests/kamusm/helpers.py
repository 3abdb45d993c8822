"""Helpers for the KamuSM and audit tests: a migrated database, people and real certificates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ebys_support import storage
from ebys_support.kamusm.tckn import checksum_digits

ISSUER = "Test Kamu SM NES - Sürüm 1"
_KEY = ec.generate_private_key(ec.SECP256R1())


def tckn(n: int) -> str:
    """A valid T.C. Kimlik No built from ``n`` (first digit never zero)."""
    first9 = f"{100000000 + n:09d}"
    return first9 + checksum_digits(first9)


def make_cert(
    number: str,
    *,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    name: str = "Ayşe Yılmaz",
    issuer: str = ISSUER,
) -> bytes:
    """A real (self-issued, EC P-256) certificate whose subject serialNumber is ``number``; DER."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TR"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, number),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(_KEY.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(_KEY, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


@contextmanager
def database(url: str) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    engine = storage.make_engine(url)
    storage.migrate(engine)
    try:
        yield engine, storage.session_factory(engine)
    finally:
        engine.dispose()


def now() -> datetime:
    return datetime.now(UTC)


def days(n: float) -> timedelta:
    return timedelta(days=n)
