"""KamuSM: people, certificate inventory, requests with their history and attachments.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kamusm_people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tckn", sa.String(11), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("detsis_no", sa.String(16), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_kamusm_people_unit", "kamusm_people", ["unit"])
    op.create_index("ix_kamusm_people_name_key", "kamusm_people", ["name_key"])
    op.create_table(
        "kamusm_certificates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("issuer_key", sa.String(500), nullable=False),
        sa.Column("serial", sa.String(80), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("tckn", sa.String(11), nullable=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("kamusm_people.id"), nullable=True),
        sa.Column("not_before", _TS, nullable=True),
        sa.Column("not_after", _TS, nullable=True),
        sa.Column("card_serial", sa.String(100), nullable=True),
        sa.Column("token_label", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("replaced_by_id", sa.Integer, sa.ForeignKey("kamusm_certificates.id"), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("issuer_key", "serial", name="uq_kamusm_certificates_issuer_serial"),
    )
    op.create_index("ix_kamusm_certificates_not_after", "kamusm_certificates", ["not_after"])
    op.create_index("ix_kamusm_certificates_tckn", "kamusm_certificates", ["tckn"])
    op.create_index("ix_kamusm_certificates_person", "kamusm_certificates", ["person_id"])
    op.create_table(
        "kamusm_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(20), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("held_from", sa.String(20), nullable=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("kamusm_people.id"), nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("certificate_id", sa.Integer, sa.ForeignKey("kamusm_certificates.id"), nullable=True),
        sa.Column(
            "delivered_certificate_id", sa.Integer, sa.ForeignKey("kamusm_certificates.id"), nullable=True
        ),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("kamusm_ref", sa.String(100), nullable=True),
        sa.Column("tracking_no", sa.String(100), nullable=True),
        sa.Column("payment_mode", sa.String(20), nullable=False),
        sa.Column("sla_days", sa.Integer, nullable=False),
        sa.Column("sla_elapsed", sa.Float, nullable=False),
        sa.Column("clock_since", _TS, nullable=True),
        sa.Column("due_at", _TS, nullable=True),
        sa.Column("open_key", sa.String(60), nullable=True, unique=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("status_since", _TS, nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_kamusm_requests_status_type", "kamusm_requests", ["status", "type", "id"])
    op.create_index("ix_kamusm_requests_type_id", "kamusm_requests", ["type", "id"])
    op.create_index("ix_kamusm_requests_unit_status", "kamusm_requests", ["unit", "status"])
    op.create_index("ix_kamusm_requests_person", "kamusm_requests", ["person_id"])
    op.create_index("ix_kamusm_requests_assignee", "kamusm_requests", ["assignee"])
    op.create_index("ix_kamusm_requests_certificate", "kamusm_requests", ["certificate_id"])
    op.create_table(
        "kamusm_request_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("kamusm_requests.id"), nullable=False),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_kamusm_request_events_request", "kamusm_request_events", ["request_id", "id"])
    op.create_table(
        "kamusm_attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("kamusm_requests.id"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_index("ix_kamusm_attachments_request", "kamusm_attachments", ["request_id"])


def downgrade() -> None:
    op.drop_table("kamusm_attachments")
    op.drop_table("kamusm_request_events")
    op.drop_table("kamusm_requests")
    op.drop_table("kamusm_certificates")
    op.drop_table("kamusm_people")
