"""``/v1/certificates``: the staff certificate inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ebys_support.kamusm import certimport, store
from service._kamusm import (
    PAGING_PARAMS,
    json_response,
    nullable,
    page_schema,
    paging,
    param,
    query_int,
    query_str,
)
from service.auth import actor, require_role
from service.state import get_state
from service.validation import invalid_request

bp = Blueprint("certificates", __name__)

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/certificates": {
            "get": {
                "summary": "List certificates, soonest expiry first (role integration)",
                "parameters": [
                    param("status", enum=["active", "expired", "revoked", "suspended", "replaced"]),
                    param("tckn"),
                    param("person_id", "integer"),
                    param("expiring_within", "integer", "Active and ending within this many days", minimum=0),
                    *PAGING_PARAMS,
                ],
                "responses": {"200": json_response("KamusmCertificatePage")},
            },
            "post": {
                "summary": "Import certificates (role helpdesk): a PEM/DER certificate file, the JSON of "
                "`token list --json` or a verification report, as the request body",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": ["object", "array"]}},
                        "application/pkix-cert": {"schema": {"type": "string", "format": "binary"}},
                        "application/x-pem-file": {"schema": {"type": "string"}},
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    },
                },
                "responses": {"200": json_response("KamusmCertificateImport")},
            },
        },
        "/v1/certificates/{id}": {
            "get": {
                "summary": "One certificate (role integration)",
                "parameters": [param("id", "integer", where="path")],
                "responses": {"200": json_response("KamusmCertificate")},
            }
        },
    },
    "schemas": {
        "KamusmCertificate": {
            "type": "object",
            "required": ["id", "issuer", "serial", "status", "version"],
            "properties": {
                "id": {"type": "integer"},
                "issuer": {"type": "string"},
                "serial": {"type": "string", "description": "lower-case hexadecimal"},
                "subject": {"type": "string"},
                "tckn": nullable("string"),
                "person_id": nullable("integer"),
                "not_before": nullable("string"),
                "not_after": nullable("string"),
                "days_left": nullable("integer"),
                "card_serial": nullable("string"),
                "token_label": nullable("string"),
                "status": {"enum": ["active", "expired", "revoked", "suspended", "replaced"]},
                "source": {"enum": ["file", "token", "report"]},
                "sha256": nullable("string"),
                "replaced_by_id": nullable("integer"),
                "version": {"type": "integer"},
            },
        },
        "KamusmCertificatePage": page_schema("KamusmCertificate"),
        "KamusmCertificateImport": {
            "type": "object",
            "required": ["source", "created", "updated", "unchanged", "skipped"],
            "properties": {
                "source": {"enum": ["file", "token", "report"]},
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "skipped": {"type": "integer"},
                "errors": {"type": "array"},
            },
        },
    },
}


@bp.get("/v1/certificates")
@require_role("integration")
def list_certificates() -> Response:
    status = query_str("status")
    if status is not None and status not in ("active", "expired", "revoked", "suspended", "replaced"):
        raise invalid_request(
            "not_allowed", "status", allowed="active, expired, revoked, suspended, replaced"
        )
    page, per_page = paging()
    with get_state().session() as session:
        result = store.list_certificates(
            session,
            status=status,
            tckn=query_str("tckn"),
            person_id=query_int("person_id"),
            expiring_within=query_int("expiring_within", minimum=0),
            page=page,
            per_page=per_page,
        )
    return jsonify(result.to_dict())


@bp.post("/v1/certificates")
@require_role("helpdesk")
def import_certificates() -> Response:
    data = request.get_data(cache=False)
    if not data:
        raise invalid_request("empty_body")
    records, skipped, source = certimport.read_any(Path("request-body"), data)
    with get_state().session() as session:
        result = store.import_certificates(session, records, actor=actor(), source=source)
        store.refresh_certificate_statuses(session, actor=actor())
    return jsonify({"source": source, **result.to_dict(), "skipped": skipped})


@bp.get("/v1/certificates/<int:id>")
@require_role("integration")
def get_certificate(id: int) -> Response:
    with get_state().session() as session:
        data = store.certificate_dict(store.get_certificate(session, id))
    return jsonify(data)
