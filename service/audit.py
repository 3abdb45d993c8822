"""``/v1/audit``: verify the audit trail and read its records."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from ebys_support import audit
from service._kamusm import json_response, nullable, param, query_int, query_str
from service.auth import require_role
from service.state import get_state

bp = Blueprint("audit", __name__)

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/audit/verify": {
            "get": {
                "summary": "Verify the hash chain; names the first broken record (role integration)",
                "responses": {"200": json_response("AuditVerify")},
            }
        },
        "/v1/audit/records": {
            "get": {
                "summary": "Newest audit records matching the filters (role helpdesk)",
                "parameters": [
                    param("entity"),
                    param("entity_id"),
                    param("actor"),
                    param("action"),
                    param("since", description="ISO time"),
                    param("limit", "integer", minimum=1, maximum=1000),
                ],
                "responses": {"200": json_response("AuditRecords")},
            }
        },
    },
    "schemas": {
        "AuditVerify": {
            "type": "object",
            "required": ["ok", "records", "first_broken", "problem", "head_seq", "head_hash"],
            "properties": {
                "ok": {"type": "boolean"},
                "records": {"type": "integer"},
                "first_broken": nullable("integer"),
                "problem": {
                    "enum": [
                        None,
                        "audit.hash_mismatch",
                        "audit.chain_break",
                        "audit.sequence_gap",
                        "audit.head_mismatch",
                        "audit.anchor_mismatch",
                    ]
                },
                "head_seq": {"type": "integer"},
                "head_hash": {"type": "string"},
                "details": {"type": "object"},
            },
        },
        "AuditRecord": {
            "type": "object",
            "required": [
                "seq",
                "ts",
                "actor",
                "action",
                "entity",
                "entity_id",
                "before",
                "after",
                "prev_hash",
                "hash",
            ],
            "properties": {
                "seq": {"type": "integer"},
                "ts": {"type": "string"},
                "actor": {"type": "string"},
                "action": {"type": "string"},
                "entity": {"type": "string"},
                "entity_id": nullable("string"),
                "before": {},
                "after": {},
                "prev_hash": {"type": "string"},
                "hash": {"type": "string"},
            },
        },
        "AuditRecords": {
            "type": "object",
            "required": ["records"],
            "properties": {
                "records": {"type": "array", "items": {"$ref": "#/components/schemas/AuditRecord"}}
            },
        },
    },
}


@bp.get("/v1/audit/verify")
@require_role("integration")
def verify() -> Response:
    with get_state().session() as session:
        result = audit.verify(session)
    return jsonify(result.to_dict())


@bp.get("/v1/audit/records")
@require_role("helpdesk")
def records() -> Response:
    limit = min(query_int("limit", 100, minimum=1) or 100, 1000)
    with get_state().session() as session:
        recs = audit.records(
            session,
            entity=query_str("entity"),
            entity_id=query_str("entity_id"),
            actor=query_str("actor"),
            action=query_str("action"),
            since=query_str("since"),
            limit=limit,
        )
    return jsonify({"records": [r.to_dict() for r in recs]})
