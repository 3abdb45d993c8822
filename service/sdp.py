"""``/v1/sdp``: SDP file-plan codes from the configured catalogue (``sdp.catalogue``, else the shipped
``starter`` catalogue), loaded once and shared by all requests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

import sdp_codes
from ebys_support import code_results, sdp_catalogues
from ebys_support.errors import EbysError, NotFound, ServiceUnavailable, UsageError, translate
from service.auth import require_role
from service.i18n import request_lang
from service.state import get_state
from service.validation import json_body

bp = Blueprint("sdp", __name__)

#: Most codes or numbers one validation request may carry.
MAX_ITEMS = 10_000


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: str) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}}


_TEXT = {"type": "string"}
_NTEXT = {"type": ["string", "null"]}

ENTRY_PROPERTIES: dict[str, Any] = {
    "code": {"type": "string", "pattern": "^[0-9]{3}(\\.[0-9]{2}){0,3}$"},
    "title": _TEXT,
    "level": {"type": "integer", "minimum": 0, "maximum": 3},
    "parent": _NTEXT,
    "category": {"type": ["string", "null"], "description": "general, main_service or support"},
    "retention_years": {"type": ["integer", "null"]},
    "retention_raw": {"type": ["string", "null"], "description": "Saklama Süresi as written, e.g. 10 or B"},
    "retention_code": {"type": ["string", "null"], "description": "Saklama Kodu, e.g. A3, C, D"},
    "usable_in_sayi": {"type": "boolean"},
    "active": {"type": "boolean"},
    "note": _TEXT,
    "source": _TEXT,
    "source_url": _TEXT,
}

ERROR_ITEM = {
    "type": ["object", "null"],
    "required": ["code", "message"],
    "properties": {"code": _TEXT, "message": _TEXT, "details": {"type": "object"}},
}
WARNING_ITEM = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": _TEXT, "message": _TEXT},
}
RESULT_BASE = {
    "input": _TEXT,
    "valid": {"type": "boolean"},
    "normalized": _NTEXT,
    "error": ERROR_ITEM,
    "warnings": {"type": "array", "items": WARNING_ITEM},
}

VALIDATE_IN: dict[str, Any] = {
    "type": "object",
    "required": ["codes"],
    "additionalProperties": False,
    "properties": {
        "codes": {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "string", "maxLength": 1000}},
        "for_sayi": {"type": "boolean", "default": False},
    },
}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/sdp/{code}": {
            "get": {
                "summary": "One SDP code of the file plan, with its parents and sub-codes (role integration)",
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": _TEXT,
                        "description": "e.g. 050.01.04",
                    }
                ],
                "responses": {"200": _ok("SdpEntryResponse")},
            }
        },
        "/v1/sdp": {
            "get": {
                "summary": "Search the file plan by title (Turkish rules) or code prefix (role integration)",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "schema": _TEXT,
                        "description": "Words of the title (İ/i, I/ı and missing Turkish letters are forgiven) "
                        "or a code prefix; without q, codes in order",
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ITEMS},
                    },
                ],
                "responses": {"200": _ok("SdpSearch")},
            }
        },
        "/v1/sdp/validate": {
            "post": {
                "summary": "Check up to 10,000 SDP codes (role integration)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SdpValidateRequest")}},
                },
                "responses": {"200": _ok("SdpValidateResponse")},
            }
        },
    },
    "schemas": {
        "SdpEntry": {"type": "object", "required": list(ENTRY_PROPERTIES), "properties": ENTRY_PROPERTIES},
        "SdpCatalogueInfo": {
            "type": "object",
            "required": ["name", "revision", "covers"],
            "properties": {
                "name": _TEXT,
                "title": _TEXT,
                "source": _TEXT,
                "revision": _TEXT,
                "licence": _TEXT,
                "covers": {"type": "array", "items": _TEXT},
                "entries": {"type": "integer"},
            },
        },
        "SdpEntryResponse": {
            "type": "object",
            "required": ["catalogue", "entry"],
            "properties": {
                "catalogue": _ref("SdpCatalogueInfo"),
                "entry": {
                    "allOf": [_ref("SdpEntry")],
                    "type": "object",
                    "required": ["children", "path"],
                    "properties": {
                        "children": {"type": "array", "items": _TEXT},
                        "path": {
                            "type": "array",
                            "items": {"type": "object", "properties": {"code": _TEXT, "title": _TEXT}},
                        },
                    },
                },
            },
        },
        "SdpSearch": {
            "type": "object",
            "required": ["catalogue", "results"],
            "properties": {
                "catalogue": _ref("SdpCatalogueInfo"),
                "results": {"type": "array", "items": _ref("SdpEntry")},
            },
        },
        "SdpValidateRequest": VALIDATE_IN,
        "SdpResult": {
            "type": "object",
            "required": [*RESULT_BASE, "code", "special", "category", "entry"],
            "properties": {
                **RESULT_BASE,
                "code": _NTEXT,
                "special": _NTEXT,
                "category": _NTEXT,
                "entry": {"oneOf": [{"type": "null"}, _ref("SdpEntry")]},
            },
        },
        "SdpValidateResponse": {
            "type": "object",
            "required": ["catalogue", "results"],
            "properties": {
                "catalogue": _ref("SdpCatalogueInfo"),
                "results": {"type": "array", "items": _ref("SdpResult")},
            },
        },
    },
}


def catalogue() -> sdp_codes.Catalogue:
    """The configured catalogue, loaded once per application."""
    state = get_state()

    def load() -> sdp_codes.Catalogue:
        try:
            return sdp_catalogues.configured_catalogue(state.config)
        except EbysError as exc:
            # The file's path stays in the server's configuration, out of the answer.
            raise ServiceUnavailable("sdp.catalogue_unavailable", details={"reason": exc.code}) from None

    return state.cached("sdp.catalogue", load)


def limited_body(schema: dict[str, Any], field: str) -> Any:
    """The request's JSON body validated against ``schema``; a list ``field`` longer than
    :data:`MAX_ITEMS` is refused first with ``request.too_many_items`` (count and limit, not the items).

    :raises UsageError: ``request.too_many_items``, ``request.not_json`` or ``request.invalid``.
    """
    data = request.get_json(silent=True) if request.is_json else None
    items = data.get(field) if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise UsageError(
            "request.too_many_items", details={"at": field, "count": len(items), "limit": MAX_ITEMS}
        )
    return json_body(schema)


@bp.get("/v1/sdp/<code>")
@require_role("integration")
def get_code(code: str) -> Response:
    cat = catalogue()
    try:
        entry = sdp_codes.lookup(code, cat)
    except sdp_codes.UnknownCode as exc:
        raise NotFound("sdp.unknown_code", details=exc.details) from None
    except sdp_codes.ValidationError as exc:
        raise translate(exc) from None
    return jsonify(
        {"catalogue": code_results.catalogue_dict(cat), "entry": code_results.entry_dict(entry, cat)}
    )


@bp.get("/v1/sdp")
@require_role("integration")
def search() -> Response:
    cat = catalogue()
    raw_limit = request.args.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_ITEMS:
        raise UsageError("request.invalid", details={"reason": f"limit: 1 to {MAX_ITEMS}", "at": "limit"})
    limit = int(raw_limit)
    query = request.args.get("q", "")
    found = cat.search(query, limit=limit) if query.strip() else list(cat)[:limit]
    return jsonify({"catalogue": code_results.catalogue_dict(cat), "results": [e.to_dict() for e in found]})


@bp.post("/v1/sdp/validate")
@require_role("integration")
def validate() -> Response:
    body = limited_body(VALIDATE_IN, "codes")
    cat = catalogue()
    lang = request_lang()
    for_sayi = bool(body.get("for_sayi", False))
    seen: dict[str, dict[str, Any]] = {}  # a batch often repeats codes; each is checked once
    results = []
    for code in body["codes"]:
        result = seen.get(code)
        if result is None:
            result = seen[code] = code_results.sdp_result(code, cat, for_sayi=for_sayi, lang=lang)
        results.append(result)
    return jsonify({"catalogue": code_results.catalogue_dict(cat), "results": results})
