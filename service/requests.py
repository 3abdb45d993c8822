"""``/v1/requests``: KamuSM certificate requests, their transitions and attachments.

``GET /v1/requests/{id}`` answers with an ``ETag`` holding the request's version; ``PATCH`` needs it back
in ``If-Match`` and answers 409 (``kamusm.conflict``) when someone changed the request in between.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from ebys_support.errors import UsageError
from ebys_support.kamusm import store
from ebys_support.kamusm.states import PaymentMode, RequestStatus, RequestType, UpdateReason
from service._kamusm import (
    PAGING_PARAMS,
    json_response,
    nullable,
    page_schema,
    paging,
    param,
    query_bool,
    query_str,
    ref,
    settings,
)
from service.auth import actor, require_role
from service.state import get_state
from service.validation import invalid_request, json_body

bp = Blueprint("requests", __name__)

_TYPES = [str(t) for t in RequestType]
_STATUSES = [str(s) for s in RequestStatus]

REQUEST_IN: dict[str, Any] = {
    "type": "object",
    "required": ["type", "person"],
    "additionalProperties": False,
    "properties": {
        "type": {"enum": _TYPES},
        "person": {"type": ["string", "integer"], "description": "Person id or T.C. Kimlik No"},
        "reason": {"enum": [*(str(r) for r in UpdateReason), None]},
        "certificate_id": nullable("integer"),
        "payment_mode": {"enum": [str(p) for p in PaymentMode]},
        "assignee": nullable("string"),
        "kamusm_ref": nullable("string"),
        "tracking_no": nullable("string"),
        "note": nullable("string"),
    },
}
REQUEST_PATCH: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "assignee": nullable("string"),
        "kamusm_ref": nullable("string"),
        "tracking_no": nullable("string"),
        "payment_mode": {"enum": [str(p) for p in PaymentMode]},
        "certificate_id": nullable("integer"),
        "delivered_certificate_id": nullable("integer"),
        "note": nullable("string"),
    },
}
TRANSITION_IN: dict[str, Any] = {
    "type": "object",
    "required": ["to"],
    "additionalProperties": False,
    "properties": {
        "to": {"enum": _STATUSES},
        "note": nullable("string"),
        "version": {"type": "integer", "description": "Version last seen (or send If-Match)"},
    },
}

_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "type",
        "status",
        "person_id",
        "unit",
        "payment_mode",
        "sla",
        "allowed_transitions",
        "version",
    ],
    "properties": {
        "id": {"type": "integer"},
        "type": {"enum": _TYPES},
        "reason": {"enum": [*(str(r) for r in UpdateReason), None]},
        "status": {"enum": _STATUSES},
        "person_id": {"type": "integer"},
        "person": {
            "type": ["object", "null"],
            "properties": {"id": {"type": "integer"}, "tckn": {"type": "string"}, "name": {"type": "string"}},
        },
        "unit": {"type": "string"},
        "certificate_id": nullable("integer"),
        "delivered_certificate_id": nullable("integer"),
        "assignee": nullable("string"),
        "kamusm_ref": nullable("string"),
        "tracking_no": nullable("string"),
        "payment_mode": {"enum": [str(p) for p in PaymentMode]},
        "due_at": nullable("string"),
        "sla": {
            "type": "object",
            "required": ["days", "elapsed_days", "running", "breached"],
            "properties": {
                "days": {"type": "integer"},
                "elapsed_days": {"type": "number"},
                "running": {"type": "boolean"},
                "breached": {"type": "boolean"},
            },
        },
        "allowed_transitions": {"type": "array", "items": {"enum": _STATUSES}},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "status_since": {"type": "string"},
        "closed_at": nullable("string"),
        "version": {"type": "integer"},
        "history": {"type": "array", "items": ref("KamusmRequestEvent")},
        "attachments": {"type": "array", "items": ref("KamusmAttachment")},
    },
}

_ID = param("id", "integer", where="path")

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/requests": {
            "get": {
                "summary": "List requests, newest first (role integration)",
                "parameters": [
                    param("status", enum=_STATUSES),
                    param("type", enum=_TYPES),
                    param("unit"),
                    param("person", description="Person id or T.C. Kimlik No"),
                    param("assignee"),
                    param("open", "boolean", "Only open requests"),
                    param("overdue", "boolean", "Only requests past their SLA due date"),
                    *PAGING_PARAMS,
                ],
                "responses": {"200": json_response("KamusmRequestPage")},
            },
            "post": {
                "summary": "Open a request as a draft (role helpdesk)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("KamusmRequestIn")}},
                },
                "responses": {"201": json_response("KamusmRequest", "Created")},
            },
        },
        "/v1/requests/{id}": {
            "get": {
                "summary": "A request with its history and attachments; ETag is its version (role integration)",
                "parameters": [_ID],
                "responses": {"200": json_response("KamusmRequest")},
            },
            "patch": {
                "summary": "Change assignee, KamuSM reference, tracking number, payment or certificates; needs "
                "If-Match with the version (role helpdesk)",
                "parameters": [
                    _ID,
                    param("If-Match", where="header", description='The version (the ETag), e.g. "3"'),
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("KamusmRequestPatch")}},
                },
                "responses": {
                    "200": json_response("KamusmRequest"),
                    "409": {
                        "description": "kamusm.conflict: the request changed since that version",
                        "content": {"application/json": {"schema": ref("Error")}},
                    },
                    "428": {
                        "description": "kamusm.if_match_required: If-Match is missing",
                        "content": {"application/json": {"schema": ref("Error")}},
                    },
                },
            },
        },
        "/v1/requests/{id}/transitions": {
            "post": {
                "summary": "Move the request to another status (role helpdesk); If-Match optional",
                "parameters": [_ID],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("KamusmTransitionIn")}},
                },
                "responses": {"200": json_response("KamusmRequest")},
            }
        },
        "/v1/requests/{id}/attachments/{attachment_id}": {
            "get": {
                "summary": "Download an attachment, as it was uploaded (role integration)",
                "parameters": [_ID, param("attachment_id", "integer", where="path")],
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                        },
                    }
                },
            }
        },
        "/v1/requests/{id}/attachments": {
            "get": {
                "summary": "Attachments of the request (role integration)",
                "parameters": [_ID],
                "responses": {"200": json_response("KamusmAttachmentList")},
            },
            "post": {
                "summary": "Attach a file (multipart field `file`, optional field `kind`: diagnosis, form, other) "
                "(role helpdesk)",
                "parameters": [_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "kind": {"enum": ["diagnosis", "form", "other"]},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": json_response("KamusmAttachment", "Created")},
            },
        },
    },
    "schemas": {
        "KamusmRequestIn": REQUEST_IN,
        "KamusmRequestPatch": REQUEST_PATCH,
        "KamusmTransitionIn": TRANSITION_IN,
        "KamusmRequest": _REQUEST_SCHEMA,
        "KamusmRequestPage": page_schema("KamusmRequest"),
        "KamusmRequestEvent": {
            "type": "object",
            "required": ["ts", "actor", "kind"],
            "properties": {
                "ts": {"type": "string"},
                "actor": {"type": "string"},
                "kind": {"enum": ["created", "transition", "assigned", "updated", "note", "attachment"]},
                "from": nullable("string"),
                "to": nullable("string"),
                "note": nullable("string"),
            },
        },
        "KamusmAttachment": {
            "type": "object",
            "required": ["id", "request_id", "filename", "kind", "media_type", "size", "sha256"],
            "properties": {
                "id": {"type": "integer"},
                "request_id": {"type": "integer"},
                "filename": {"type": "string"},
                "kind": {"enum": ["diagnosis", "form", "other"]},
                "media_type": {"type": "string"},
                "size": {"type": "integer"},
                "sha256": {"type": "string"},
                "created_at": {"type": "string"},
                "actor": {"type": "string"},
            },
        },
        "KamusmAttachmentList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref("KamusmAttachment")}},
        },
    },
}


class IfMatchRequired(UsageError):
    """``PATCH`` without the version in ``If-Match``: 428 Precondition Required (RFC 6585); an
    ``If-Match`` that is no version of ours: 400."""

    code = "kamusm.if_match_required"
    http_status = 428


def _if_match(required: bool) -> int | None:
    """The version in ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); ``None`` for ``*`` (any version) or
    when the header is absent and not required."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        if required:
            raise IfMatchRequired()
        return None
    text = raw.strip()
    if text == "*":
        return None
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise UsageError("kamusm.if_match_required", details={"if_match": raw[:80]})
    return int(text)


def _with_etag(data: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    response = jsonify(data)
    response.headers["ETag"] = f'"{data["version"]}"'
    return response, status


@bp.get("/v1/requests")
@require_role("integration")
def list_requests() -> Response:
    page, per_page = paging()
    with get_state().session() as session:
        result = store.list_requests(
            session,
            settings(),
            status=query_str("status"),
            type=query_str("type"),
            unit=query_str("unit"),
            person=query_str("person"),
            assignee=query_str("assignee"),
            open_only=bool(query_bool("open")),
            overdue=bool(query_bool("overdue")),
            page=page,
            per_page=per_page,
        )
    return jsonify(result.to_dict())


@bp.post("/v1/requests")
@require_role("helpdesk")
def create_request() -> tuple[Response, int]:
    body = json_body(REQUEST_IN)
    cfg = settings()
    with get_state().session() as session:
        req = store.create_request(
            session,
            cfg,
            actor=actor(),
            type=body["type"],
            person=body["person"],
            reason=body.get("reason"),
            certificate_id=body.get("certificate_id"),
            payment_mode=body.get("payment_mode") or "institution",
            assignee=body.get("assignee"),
            kamusm_ref=body.get("kamusm_ref"),
            tracking_no=body.get("tracking_no"),
            note=body.get("note"),
        )
        data = store.request_dict(req, store.get_person(session, req.person_id), settings=cfg)
    return _with_etag(data, 201)


def _detail(session: Any, request_id: int) -> dict[str, Any]:
    req = store.get_request(session, request_id)
    data = store.request_dict(req, store.get_person(session, req.person_id), settings=settings())
    data["history"] = store.history(session, request_id)
    data["attachments"] = store.attachments(session, request_id)
    return data


@bp.get("/v1/requests/<int:id>")
@require_role("integration")
def get_request(id: int) -> tuple[Response, int]:
    with get_state().session() as session:
        data = _detail(session, id)
    return _with_etag(data)


@bp.patch("/v1/requests/<int:id>")
@require_role("helpdesk")
def patch_request(id: int) -> tuple[Response, int]:
    version = _if_match(required=True)
    body = dict(json_body(REQUEST_PATCH))
    note = body.pop("note", None)
    with get_state().session() as session:
        store.update_request(
            session, settings(), id, body, actor=actor(), expected_version=version, note=note
        )
        data = _detail(session, id)
    return _with_etag(data)


@bp.post("/v1/requests/<int:id>/transitions")
@require_role("helpdesk")
def post_transition(id: int) -> tuple[Response, int]:
    body = json_body(TRANSITION_IN)
    version = _if_match(required=False)
    if version is None:
        version = body.get("version")
    with get_state().session() as session:
        store.transition(
            session,
            settings(),
            id,
            body["to"],
            actor=actor(),
            note=body.get("note"),
            expected_version=version,
        )
        data = _detail(session, id)
    return _with_etag(data)


@bp.get("/v1/requests/<int:id>/attachments")
@require_role("integration")
def list_attachments(id: int) -> Response:
    with get_state().session() as session:
        items = store.attachments(session, id)
    return jsonify({"items": items})


@bp.post("/v1/requests/<int:id>/attachments")
@require_role("helpdesk")
def post_attachment(id: int) -> tuple[Response, int]:
    upload = request.files.get("file")
    if upload is None:
        raise invalid_request("missing_part", "file")
    kind = request.form.get("kind") or None
    content = upload.read()
    with get_state().session() as session:
        att = store.attach(
            session, id, upload.filename or "attachment", content, actor=actor(), kind=kind,
            media_type=upload.mimetype if upload.mimetype and upload.mimetype != "application/octet-stream" else None,
        )  # fmt: skip
        data = store.attachment_dict(att)
    return jsonify(data), 201


@bp.get("/v1/requests/<int:id>/attachments/<int:attachment_id>")
@require_role("integration")
def download_attachment(id: int, attachment_id: int) -> Response:
    with get_state().session() as session:
        att = store.get_attachment(session, id, attachment_id)
        content, media_type, filename = att.content, att.media_type, att.filename
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
