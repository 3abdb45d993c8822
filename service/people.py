"""``/v1/people``: staff who hold or ask for qualified certificates."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from ebys_support.kamusm import store
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
)
from service.auth import actor, require_role
from service.state import get_state
from service.validation import json_body

bp = Blueprint("people", __name__)

PERSON_IN: dict[str, Any] = {
    "type": "object",
    "required": ["tckn", "name"],
    "additionalProperties": False,
    "properties": {
        "tckn": {"type": "string", "description": "T.C. Kimlik No (11 digits, checksum checked)"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "unit": {"type": "string", "maxLength": 200},
        "detsis_no": nullable("string"),
        "email": nullable("string"),
        "phone": nullable("string"),
        "active": {"type": "boolean"},
        "version": {"type": "integer", "description": "Version last seen, for an update (409 when stale)"},
    },
}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/people": {
            "get": {
                "summary": "List people (role integration)",
                "parameters": [
                    param("unit", description="Only this unit"),
                    param("active", "boolean"),
                    param("q", description="Part of a name or the start of a T.C. Kimlik No"),
                    *PAGING_PARAMS,
                ],
                "responses": {"200": json_response("PersonPage")},
            },
            "post": {
                "summary": "Create or update a person by T.C. Kimlik No (role helpdesk)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("PersonIn")}},
                },
                "responses": {
                    "201": json_response("Person", "Created"),
                    "200": json_response("Person", "Updated"),
                },
            },
        },
        "/v1/people/{ref}": {
            "get": {
                "summary": "A person by id or T.C. Kimlik No (role integration)",
                "parameters": [param("ref", where="path")],
                "responses": {"200": json_response("Person")},
            }
        },
    },
    "schemas": {
        "PersonIn": PERSON_IN,
        "Person": {
            "type": "object",
            "required": ["id", "tckn", "name", "unit", "active", "version"],
            "properties": {
                "id": {"type": "integer"},
                "tckn": {"type": "string"},
                "name": {"type": "string"},
                "unit": {"type": "string"},
                "detsis_no": nullable("string"),
                "email": nullable("string"),
                "phone": nullable("string"),
                "active": {"type": "boolean"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer"},
            },
        },
        "PersonPage": page_schema("Person"),
    },
}


@bp.get("/v1/people")
@require_role("integration")
def list_people() -> Response:
    page, per_page = paging()
    with get_state().session() as session:
        result = store.list_people(
            session,
            unit=query_str("unit"),
            active=query_bool("active"),
            q=query_str("q"),
            page=page,
            per_page=per_page,
        )
    return jsonify(result.to_dict())


@bp.post("/v1/people")
@require_role("helpdesk")
def upsert_person() -> tuple[Response, int]:
    body = json_body(PERSON_IN)
    with get_state().session() as session:
        person, outcome = store.upsert_person(
            session, body, actor=actor(), expected_version=body.get("version")
        )
        data = store.person_dict(person)
    return jsonify(data), 201 if outcome == "created" else 200


@bp.get("/v1/people/<ref>")
@require_role("integration")
def get_person(ref: str) -> Response:
    with get_state().session() as session:
        data = store.person_dict(store.get_person(session, ref))
    return jsonify(data)
