"""API keys: random, at least 32 bytes, stored only as SHA-256 hashes, each with one role.

Roles: ``integration`` (read and check), ``helpdesk`` (integration plus writes and token diagnosis),
``admin`` (everything), ``signer`` (server-side signing only).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ebys_support import audit
from ebys_support.errors import Conflict, NotFound, UsageError
from ebys_support.storage.models import ApiKey

__all__ = ["ROLES", "RANKED_ROLES", "KeyInfo", "create", "list_keys", "revoke", "authenticate", "role_allows"]

ROLES = ("integration", "helpdesk", "admin", "signer")
#: Roles that include the ones before them.
RANKED_ROLES = ("integration", "helpdesk", "admin")
KEY_PREFIX = "ebys_"
_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never the key itself."""

    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        return cls(row.name, row.role, row.prefix, row.created_at, row.last_used_at, row.revoked_at)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "active": self.active,
        }


def role_allows(role: str, required: str) -> bool:
    """Whether a key of ``role`` may do what needs ``required``."""
    if role == "admin":
        return True
    if required in RANKED_ROLES and role in RANKED_ROLES:
        return RANKED_ROLES.index(role) >= RANKED_ROLES.index(required)
    return role == required


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def create(
    session: Session, role: str, name: str | None = None, *, actor: str = "system"
) -> tuple[KeyInfo, str]:
    """Create a key; returns its info and the key itself (shown once, never stored).

    Writes an ``apikey.create`` audit record (by ``actor``) in the same transaction.

    :raises UsageError: ``auth.invalid_role``.
    :raises Conflict: ``auth.duplicate_name``.
    """
    if role not in ROLES:
        raise UsageError("auth.invalid_role", details={"role": role, "allowed": ", ".join(ROLES)})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    if not name:
        name = f"{role}-{secrets.token_hex(3)}"
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise Conflict("auth.duplicate_name", details={"name": name})
    row = ApiKey(name=name, role=role, key_hash=_hash(key), prefix=key[:12], created_at=_now())
    session.add(row)
    session.flush()
    info = KeyInfo.of(row)
    audit.append(
        session, actor=actor, action="apikey.create", entity="apikey", entity_id=name, after=info.to_dict()
    )
    return info, key


def list_keys(session: Session) -> list[KeyInfo]:
    """Every key, oldest first."""
    return [KeyInfo.of(row) for row in session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))]


def revoke(session: Session, name: str, *, actor: str = "system") -> KeyInfo:
    """Revoke the active key called ``name`` (with an ``apikey.revoke`` audit record by ``actor``).

    :raises NotFound: ``auth.unknown_key``.
    """
    row = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    if row is None:
        raise NotFound("auth.unknown_key", details={"name": name})
    before = KeyInfo.of(row).to_dict()
    row.revoked_at = _now()
    session.flush()
    info = KeyInfo.of(row)
    audit.append(
        session,
        actor=actor,
        action="apikey.revoke",
        entity="apikey",
        entity_id=name,
        before=before,
        after=info.to_dict(),
    )
    return info


def authenticate(session: Session, key: str) -> KeyInfo | None:
    """The active key matching ``key``, or ``None``. Updates ``last_used_at`` at most once a minute."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = _hash(key)
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, digest):
        return None
    now = _now()
    last = row.last_used_at
    if last is None or now - last > _TOUCH_INTERVAL:
        row.last_used_at = now
    return KeyInfo.of(row)


def ensure_admin(session: Session) -> str | None:
    """On a first start (no key at all), create the admin key ``admin`` and return it; else ``None``."""
    if session.scalar(select(ApiKey.id).limit(1)) is not None:
        return None
    _info, key = create(session, "admin", "admin")
    return key
