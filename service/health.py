"""``GET /health``: liveness and the database check, without authentication."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ebys_support import __version__, storage
from ebys_support.errors import ServiceUnavailable
from service.state import get_state

bp = Blueprint("health", __name__)

OPENAPI = {
    "paths": {
        "/health": {
            "get": {
                "summary": "Service health (no authentication)",
                "security": [],
                "responses": {
                    "200": {
                        "description": "Healthy",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
                    },
                    "503": {
                        "description": "A check failed",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}},
                    },
                },
            }
        }
    },
    "schemas": {
        "Health": {
            "type": "object",
            "required": ["status", "version", "checks"],
            "properties": {
                "status": {"enum": ["ok", "fail"]},
                "version": {"type": "string"},
                "checks": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


@bp.get("/health")
def health() -> Response:
    checks = {"database": "ok"}
    try:
        storage.ping(get_state().engine)
    except ServiceUnavailable:
        checks["database"] = "fail"
    ok = all(v == "ok" for v in checks.values())
    response = jsonify({"status": "ok" if ok else "fail", "version": __version__, "checks": checks})
    response.status_code = 200 if ok else 503
    return response
