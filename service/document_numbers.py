"""``/v1/document-numbers``: check official document numbers (Sayı) against the configured SDP catalogue
and, when ``detsis.registry`` is configured, the DETSİS registry snapshot."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

import detsis
from ebys_support import code_results
from service.auth import require_role
from service.detsis import configured_registry
from service.i18n import request_lang
from service.sdp import ERROR_ITEM, MAX_ITEMS, RESULT_BASE, WARNING_ITEM, catalogue, limited_body
from service.state import get_state

bp = Blueprint("document_numbers", __name__)

_NTEXT = {"type": ["string", "null"]}

VALIDATE_IN: dict[str, Any] = {
    "type": "object",
    "required": ["numbers"],
    "additionalProperties": False,
    "properties": {
        "numbers": {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "string", "maxLength": 1000}}
    },
}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/document-numbers/validate": {
            "post": {
                "summary": "Check up to 10,000 document numbers (Sayı) (role integration)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/SayiValidateRequest"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SayiValidateResponse"}
                            }
                        },
                    }
                },
            }
        }
    },
    "schemas": {
        "SayiValidateRequest": VALIDATE_IN,
        "SayiResult": {
            "type": "object",
            "required": [*RESULT_BASE, *code_results.SAYI_FIELDS],
            "properties": {
                **RESULT_BASE,
                "error": ERROR_ITEM,
                "warnings": {"type": "array", "items": WARNING_ITEM},
                "era": {"enum": ["2020", "2015", "2011", "legacy", None]},
                "electronic": {"type": ["boolean", "null"]},
                "detsis": {"type": ["string", "null"], "pattern": "^[1-9][0-9]{7}$"},
                "sdp": _NTEXT,
                "special": _NTEXT,
                "record": _NTEXT,
                "unit_record": _NTEXT,
                "general_record": _NTEXT,
                "communication_code": _NTEXT,
                "sdp_title": _NTEXT,
                "unit_name": _NTEXT,
            },
        },
        "SayiValidateResponse": {
            "type": "object",
            "required": ["catalogue", "results"],
            "properties": {
                "catalogue": {"$ref": "#/components/schemas/SdpCatalogueInfo"},
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/SayiResult"}},
            },
        },
    },
}


def _registry() -> detsis.Registry | None:
    """The DETSİS registry snapshot named by ``detsis.registry``, loaded and cached by ``/v1/detsis``
    (:func:`service.detsis.configured_registry`, the one loader), or ``None`` when none is configured:
    numbers are then checked without it."""
    if not get_state().config.detsis.registry:
        return None
    return configured_registry()


@bp.post("/v1/document-numbers/validate")
@require_role("integration")
def validate() -> Response:
    body = limited_body(VALIDATE_IN, "numbers")
    cat = catalogue()
    registry = _registry()
    lang = request_lang()
    results = [
        code_results.sayi_result(n, sdp_catalogue=cat, detsis_registry=registry, lang=lang)
        for n in body["numbers"]
    ]
    return jsonify({"catalogue": code_results.catalogue_dict(cat), "results": results})
