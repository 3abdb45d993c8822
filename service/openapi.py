"""``GET /v1/openapi.json``: the OpenAPI 3.1 document assembled from every blueprint's ``OPENAPI``."""

from __future__ import annotations

import copy
import importlib
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, jsonify

from ebys_support import __version__
from service.auth import require_role

bp = Blueprint("openapi", __name__)

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable error code, e.g. auth.invalid_key"},
                "message": {"type": "string", "description": "Turkish or English, by Accept-Language"},
                "details": {"type": "object"},
            },
        }
    },
}

OPENAPI = {
    "paths": {
        "/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    },
    "schemas": {"Error": _ERROR_SCHEMA},
}

_DEFAULT_RESPONSE = {
    "description": "Error (401 auth.invalid_key, 403 auth.forbidden, 400/404/405/413/422/5xx with a stable code)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    """The whole document (built once)."""
    from service import BLUEPRINTS

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for module_name in BLUEPRINTS:
        spec = getattr(importlib.import_module(module_name), "OPENAPI", None) or {}
        for path, item in spec.get("paths", {}).items():
            target = paths.setdefault(path, {})
            for method, operation in item.items():
                if method in target:
                    raise RuntimeError(f"{method.upper()} {path} is described twice")
                op = copy.deepcopy(operation)
                op.setdefault("responses", {}).setdefault("default", _DEFAULT_RESPONSE)
                op.setdefault("tags", [module_name.split(".")[-1]])
                target[method] = op
        for name, schema in spec.get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                raise RuntimeError(f"schema {name} is defined twice with different content")
            schemas[name] = schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ebys-support",
            "version": __version__,
            "description": "EBYS and e-imza support service: SDP, DETSİS, Sayı, signatures, tokens, KamuSM requests.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "API key"}},
            "schemas": dict(sorted(schemas.items())),
        },
    }


@bp.get("/v1/openapi.json")
@require_role("integration")
def openapi() -> Response:
    return jsonify(build_document())
