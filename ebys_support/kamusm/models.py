"""Tables of the certificate inventory and the KamuSM requests (migration ``0003``).

Every table has a ``version`` column used by SQLAlchemy's optimistic versioning: an ``UPDATE`` names the
version it read and is refused (``kamusm.conflict``) when someone else changed the row first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ebys_support.storage.models import Base
from ebys_support.storage.types import UTCDateTime

__all__ = ["Person", "Certificate", "Request", "RequestEvent", "Attachment"]


class Person(Base):
    """A member of staff who holds (or asks for) a qualified certificate."""

    __tablename__ = "kamusm_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tckn: Mapped[str] = mapped_column(String(11), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: :func:`~ebys_support.i18n.turkish.search_key` of ``name``: "sukru" finds "Şükrü" (set on write).
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    unit: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    detsis_no: Mapped[str | None] = mapped_column(String(16), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_kamusm_people_unit", "unit"),
        Index("ix_kamusm_people_name_key", "name_key"),
    )


class Certificate(Base):
    """A certificate of the inventory, unique by issuer and serial."""

    __tablename__ = "kamusm_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(500), nullable=False)
    #: :func:`~ebys_support.kamusm.certimport.issuer_key` of ``issuer``: deduplication ignores spelling.
    issuer_key: Mapped[str] = mapped_column(String(500), nullable=False)
    serial: Mapped[str] = mapped_column(String(80), nullable=False)
    subject: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    tckn: Mapped[str | None] = mapped_column(String(11), nullable=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("kamusm_people.id"), nullable=True)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    card_serial: Mapped[str | None] = mapped_column(String(100), nullable=True)
    token_label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="file")
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("kamusm_certificates.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("issuer_key", "serial", name="uq_kamusm_certificates_issuer_serial"),
        Index("ix_kamusm_certificates_not_after", "not_after"),
        Index("ix_kamusm_certificates_tckn", "tckn"),
        Index("ix_kamusm_certificates_person", "person_id"),
    )


class Request(Base):
    """A request carried to KamuSM and back."""

    __tablename__ = "kamusm_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    held_from: Mapped[str | None] = mapped_column(String(20), nullable=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("kamusm_people.id"), nullable=False)
    unit: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("kamusm_certificates.id"), nullable=True)
    delivered_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("kamusm_certificates.id"), nullable=True
    )
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kamusm_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tracking_no: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payment_mode: Mapped[str] = mapped_column(String(20), nullable=False, default="institution")
    sla_days: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    sla_elapsed: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    clock_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: ``"<person_id>:<type>"`` while open, NULL once final: a unique index makes a second open request
    #: of the same type for the same person impossible, even for two writers at the same instant.
    open_key: Mapped[str | None] = mapped_column(String(60), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status_since: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_kamusm_requests_status_type", "status", "type", "id"),
        Index("ix_kamusm_requests_type_id", "type", "id"),
        Index("ix_kamusm_requests_unit_status", "unit", "status"),
        Index("ix_kamusm_requests_person", "person_id"),
        Index("ix_kamusm_requests_assignee", "assignee"),
        Index("ix_kamusm_requests_certificate", "certificate_id"),
    )


class RequestEvent(Base):
    """One entry of a request's history: creation, transition, assignment, note, attachment, update."""

    __tablename__ = "kamusm_request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("kamusm_requests.id"), nullable=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_kamusm_request_events_request", "request_id", "id"),)


class Attachment(Base):
    """A file attached to a request (a token diagnosis, a scanned form)."""

    __tablename__ = "kamusm_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("kamusm_requests.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (Index("ix_kamusm_attachments_request", "request_id"),)
