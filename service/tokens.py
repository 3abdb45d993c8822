"""``GET /v1/tokens`` and ``POST /v1/tokens/diagnose``: the service host's cards, for the help desk.

No PIN travels over HTTP: the request schema has no such field (unknown fields are refused), so the
diagnosis never logs in and ``selftest.sign`` is always skipped. A ``module`` given in the request must
be one the server already knows (configured in ``[tokens] modules`` or found at a known install path):
loading an arbitrary file named by a client would run its code.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, jsonify

from ebys_support.errors import Forbidden
from ebys_support.tokens import diagnose, inventory
from ebys_support.tokens.modules import discover_modules
from service.auth import require_role
from service.i18n import request_lang
from service.state import get_state
from service.validation import json_body

bp = Blueprint("tokens", __name__, url_prefix="/v1/tokens")

_NULLABLE_STRING = {"type": ["string", "null"]}

DIAGNOSE_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "module": {"type": "string", "minLength": 1, "maxLength": 4096},
        "token": {"type": "string", "minLength": 1, "maxLength": 64},
        "online": {"type": "boolean", "default": True},
    },
}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/tokens": {
            "get": {
                "summary": "PKCS#11 modules, readers, cards, certificates and keys on the service host (no login)",
                "tags": ["tokens"],
                "responses": {
                    "200": {
                        "description": "The inventory",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/TokenInventory"}}
                        },
                    },
                },
            }
        },
        "/v1/tokens/diagnose": {
            "post": {
                "summary": "Token doctor on the service host, without PIN (no login, no self-test)",
                "tags": ["tokens"],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/TokenDiagnoseRequest"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "The diagnosis (look at `worst`; failed checks are not HTTP errors)",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/TokenDiagnosis"}}
                        },
                    },
                },
            }
        },
    },
    "schemas": {
        "TokenDiagnoseRequest": DIAGNOSE_REQUEST,
        "TokenCheck": {
            "type": "object",
            "required": ["id", "status", "code", "message", "remedy", "details"],
            "properties": {
                "id": {"type": "string"},
                "status": {"enum": ["ok", "warn", "fail", "skipped"]},
                "code": _NULLABLE_STRING,
                "message": {"type": "string"},
                "remedy": _NULLABLE_STRING,
                "details": {"type": "object"},
            },
        },
        "TokenDiagnosis": {
            "type": "object",
            "required": ["checks", "worst"],
            "properties": {
                "checks": {"type": "array", "items": {"$ref": "#/components/schemas/TokenCheck"}},
                "worst": {"enum": ["ok", "warn", "fail", "skipped"]},
            },
        },
        "TokenKey": {
            "type": "object",
            "required": ["id", "label", "class", "type"],
            "properties": {
                "id": {"type": "string"},
                "label": {"type": "string"},
                "class": {"enum": ["public", "private"]},
                "type": {"type": "string"},
                "size": {"type": ["integer", "null"]},
                "sign": {"type": ["boolean", "null"]},
                "always_authenticate": {"type": ["boolean", "null"]},
            },
        },
        "TokenCertificate": {
            "type": "object",
            "required": ["id", "subject", "issuer", "serial", "not_before", "not_after", "qualified"],
            "properties": {
                "id": {"type": "string"},
                "label": {"type": "string"},
                "subject": {"type": "string"},
                "common_name": _NULLABLE_STRING,
                "tckn": _NULLABLE_STRING,
                "issuer": {"type": "string"},
                "serial": {"type": "string"},
                "not_before": {"type": "string", "format": "date-time"},
                "not_after": {"type": "string", "format": "date-time"},
                "key_usage": {"type": "array", "items": {"type": "string"}},
                "extended_key_usage": {"type": "array", "items": {"type": "string"}},
                "policies": {"type": "array", "items": {"type": "string"}},
                "qualified": {"type": "boolean"},
                "qualified_kind": _NULLABLE_STRING,
                "key_algorithm": {"type": "string"},
                "key_size": {"type": "integer"},
                "paired_keys": {"type": "array", "items": {"enum": ["public", "private"]}},
            },
        },
        "TokenToken": {
            "type": "object",
            "required": ["label", "serial", "manufacturer", "model", "flags", "certificates", "keys"],
            "properties": {
                "label": {"type": "string"},
                "serial": {"type": "string"},
                "manufacturer": {"type": "string"},
                "model": {"type": "string"},
                "flags": {"type": "array", "items": {"type": "string"}},
                "certificates": {"type": "array", "items": {"$ref": "#/components/schemas/TokenCertificate"}},
                "keys": {"type": "array", "items": {"$ref": "#/components/schemas/TokenKey"}},
                "error": _NULLABLE_STRING,
            },
        },
        "TokenSlot": {
            "type": "object",
            "required": ["slot_id", "description", "token_present", "token"],
            "properties": {
                "slot_id": {"type": "integer"},
                "description": {"type": "string"},
                "manufacturer": {"type": "string"},
                "token_present": {"type": "boolean"},
                "token": {"oneOf": [{"$ref": "#/components/schemas/TokenToken"}, {"type": "null"}]},
                "error": _NULLABLE_STRING,
            },
        },
        "TokenModule": {
            "type": "object",
            "required": ["name", "path", "found", "loads", "slots"],
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "path": {"type": "string"},
                "found": {"type": "boolean"},
                "loads": {"type": ["boolean", "null"]},
                "error": _NULLABLE_STRING,
                "reason": _NULLABLE_STRING,
                "manufacturer": _NULLABLE_STRING,
                "library_description": _NULLABLE_STRING,
                "library_version": _NULLABLE_STRING,
                "cause": {
                    "enum": ["architecture", "not_pkcs11", "dependency", "initialize", "unknown", None]
                },
                "slots": {"type": "array", "items": {"$ref": "#/components/schemas/TokenSlot"}},
                "slots_error": _NULLABLE_STRING,
            },
        },
        "TokenInventory": {
            "type": "object",
            "required": ["modules"],
            "properties": {
                "modules": {"type": "array", "items": {"$ref": "#/components/schemas/TokenModule"}}
            },
        },
    },
}


def _configured_modules() -> list[str]:
    cfg = get_state().config
    return [str(cfg.resolve(p)) for p in cfg.tokens.modules]


def _allowed_modules() -> set[str]:
    paths = _configured_modules() + [m.path for m in discover_modules(probe=False)]
    return {os.path.realpath(p) for p in paths}


@bp.get("")
@require_role("helpdesk")
def list_tokens() -> Response:
    configured = _configured_modules()
    modules = configured + [m.path for m in discover_modules(probe=False)] if configured else None
    return jsonify(inventory(modules).as_dict())


@bp.post("/diagnose")
@require_role("helpdesk")
def diagnose_tokens() -> Response:
    from flask import request

    body: dict[str, Any] = json_body(DIAGNOSE_REQUEST) if request.content_length else {}
    module = body.get("module")
    if module is not None and os.path.realpath(module) not in _allowed_modules():
        raise Forbidden("token.module_not_allowed", details={"module": module})
    cfg = get_state().config
    result = diagnose(
        module,
        body.get("token"),
        None,
        online=bool(body.get("online", True)),
        trust=[str(cfg.resolve(p)) for p in cfg.tokens.trust],
        extra_modules=_configured_modules(),
        timeout=cfg.tokens.timeout,
        clock_skew_warning=cfg.tokens.clock_skew_warning,
        expiry_warning_days=cfg.tokens.expiry_warning_days,
        time_url=cfg.tokens.time_url or cfg.signing.tsa_url or None,
    )
    return jsonify(result.as_dict(request_lang()))
