"""``/v1/detsis``: DETSİS units from the configured registry snapshot, and the unit-mapping check.

The snapshot (``detsis.registry``) and the mapping (``detsis.mapping``) named in the configuration are
loaded once, on first use, and shared by all requests through :func:`service.state.get_state`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

import detsis
from ebys_support import detsis_support, i18n
from ebys_support.errors import EbysError, ServiceUnavailable, UsageError
from service.auth import require_role
from service.i18n import request_lang
from service.state import get_state
from service.validation import json_body

bp = Blueprint("detsis", __name__)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(schema: str) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}}


_NUMBER = {"type": "string", "pattern": "^[1-9][0-9]{7}$"}
_NULLABLE_NUMBER = {"type": ["string", "null"], "pattern": "^[1-9][0-9]{7}$"}
_ID_PARAM = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "DETSİS number (8 digits)",
}

CHECK_IN: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "institution": {
            "type": ["string", "integer"],
            "description": "DETSİS number of the institution; default: detsis.institution",
        },
        "mapping": {
            "type": "array",
            "description": "The mapping rows; default: the configured detsis.mapping file",
            "maxItems": 100000,
            "items": {
                "type": "object",
                "required": ["internal_code", "detsis"],
                "additionalProperties": False,
                "properties": {
                    "internal_code": {"type": "string", "minLength": 1},
                    "internal_name": {"type": "string"},
                    "detsis": {"type": ["string", "integer"]},
                    "internal_parent": {"type": ["string", "null"]},
                },
            },
        },
    },
}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/detsis": {
            "get": {
                "summary": "Search units by name, Turkish-aware (role integration)",
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "institution", "in": "query", "schema": {"type": "string"}},
                    {"name": "active", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                ],
                "responses": {"200": _ok("DETSISSearch")},
            }
        },
        "/v1/detsis/{id}": {
            "get": {
                "summary": "One unit by DETSİS number (role integration)",
                "parameters": [_ID_PARAM],
                "responses": {"200": _ok("DETSISUnit")},
            }
        },
        "/v1/detsis/{id}/ancestors": {
            "get": {
                "summary": "The units above a unit, nearest first (role integration)",
                "parameters": [_ID_PARAM],
                "responses": {"200": _ok("DETSISAncestors")},
            }
        },
        "/v1/detsis/check-mapping": {
            "post": {
                "summary": "Check the unit mapping against the registry (role integration)",
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": _ref("DETSISCheckIn")}},
                },
                "responses": {"200": _ok("DETSISCheckReport")},
            }
        },
    },
    "schemas": {
        "DETSISUnit": {
            "type": "object",
            "required": ["detsis", "name", "parent", "institution", "active"],
            "properties": {
                "detsis": _NUMBER,
                "name": {"type": "string"},
                "parent": _NULLABLE_NUMBER,
                "institution": _NULLABLE_NUMBER,
                "level": {"type": ["integer", "null"]},
                "hierarchy": {"type": "string"},
                "active": {"type": "boolean"},
                "operating": {"type": "boolean"},
                "external_correspondent": {"type": "boolean"},
                "type1": {"type": ["integer", "null"]},
                "type2": {"type": ["integer", "null"]},
                "type3": {"type": "array", "items": {"type": "integer"}},
                "parent2": _NULLABLE_NUMBER,
                "place_id": {"type": ["integer", "null"]},
                "place_name": {"type": "string"},
                "address": {"type": "string"},
            },
        },
        "DETSISSearch": {
            "type": "object",
            "required": ["query", "total", "results"],
            "properties": {
                "query": {"type": "string"},
                "total": {"type": "integer"},
                "results": {"type": "array", "items": _ref("DETSISUnit")},
            },
        },
        "DETSISAncestors": {
            "type": "object",
            "required": ["detsis", "ancestors"],
            "properties": {"detsis": _NUMBER, "ancestors": {"type": "array", "items": _ref("DETSISUnit")}},
        },
        "DETSISCheckIn": CHECK_IN,
        "DETSISProblem": {
            "type": "object",
            "required": ["code", "internal_code", "detsis", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "internal_code": {"type": ["string", "null"]},
                "detsis": {"type": ["string", "null"]},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        },
        "DETSISCheckReport": {
            "type": "object",
            "required": ["problems", "summary"],
            "properties": {
                "problems": {"type": "array", "items": _ref("DETSISProblem")},
                "summary": {
                    "type": "object",
                    "required": ["entries", "problems", "by_code", "institution"],
                    "properties": {
                        "entries": {"type": "integer"},
                        "problems": {"type": "integer"},
                        "entries_with_problems": {"type": "integer"},
                        "by_code": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "institution": _NUMBER,
                        "institution_name": {"type": "string"},
                    },
                },
            },
        },
    },
}


class _RegistryUnavailable(ServiceUnavailable):
    """``detsis.registry_unavailable``, its reason explained in the reader's language from the loading
    error's facts (kept out of the answer's details, with the path replaced by the configuration key)."""

    code = "detsis.registry_unavailable"

    def __init__(self, facts: dict[str, Any], details: dict[str, Any]) -> None:
        self.facts = facts  # before the base class renders the message
        super().__init__(details=details)

    def localized(self, lang: str = "en") -> str:
        facts = getattr(self, "facts", None)
        if not isinstance(facts, dict):  # rebuilt without them (unpickled)
            return super().localized(lang)
        reason = detsis_support.explain(str(self.details.get("code")), facts, lang)
        return i18n.message(self.code, lang, **{**self.details, "reason": reason})


def configured_registry() -> detsis.Registry:
    """The registry snapshot named by ``detsis.registry``, loaded once per application and shared by every
    resource that needs it (``/v1/detsis``, ``/v1/eyp/check``).

    :raises ConfigurationError: none is configured (``detsis.registry_not_configured``).
    :raises ServiceUnavailable: it cannot be loaded (``detsis.registry_unavailable``; no path in the answer).
    """
    return _registry()


def _registry() -> detsis.Registry:
    state = get_state()
    configured = state.config.detsis.registry
    if not configured:
        detsis_support.load_registry(None)  # raises detsis.registry_not_configured
    path = state.config.resolve(configured)

    def load() -> detsis.Registry:
        try:
            return detsis_support.load_registry(path)
        except EbysError as exc:
            # The file's path stays in the server's configuration, out of the answer: the message names
            # the configuration key instead.
            reason = exc.details.get("reason")
            raise _RegistryUnavailable(
                {**exc.details, "path": "detsis.registry"},
                details={"code": exc.code, "reason": reason if isinstance(reason, str) else exc.code},
            ) from None

    return state.cached("detsis.registry", load)


def _mapping() -> detsis.UnitMapping:
    state = get_state()
    configured = state.config.detsis.mapping
    if not configured:
        raise UsageError("detsis.mapping_not_configured")
    path = state.config.resolve(configured)
    return state.cached("detsis.mapping", lambda: detsis_support.load_mapping(path))


def _unit(number: str) -> detsis.DETSISUnit:
    try:
        return _registry().lookup(number)
    except detsis.ValidationError as exc:
        raise detsis_support.to_error(exc) from None


@bp.get("/v1/detsis/<id>")
@require_role("integration")
def get_unit(id: str) -> Response:  # noqa: A002 - the route's name
    return jsonify(_unit(id).to_dict())


@bp.get("/v1/detsis/<id>/ancestors")
@require_role("integration")
def get_ancestors(id: str) -> Response:  # noqa: A002
    unit = _unit(id)
    ancestors = _registry().ancestors(unit.detsis)
    return jsonify({"detsis": unit.number, "ancestors": [u.to_dict() for u in ancestors]})


@bp.get("/v1/detsis")
@require_role("integration")
def search_units() -> Response:
    query = (request.args.get("q") or "").strip()
    if not query:
        raise UsageError("detsis.query_required")
    active = (request.args.get("active") or "").lower() in ("1", "true", "yes")
    try:
        limit = int(request.args.get("limit") or 50)
    except ValueError:
        raise UsageError("detsis.invalid_limit", details={"value": request.args.get("limit")}) from None
    limit = max(1, min(limit, 1000))
    institution = request.args.get("institution") or None
    if institution is not None:
        try:
            institution = detsis.validate(institution)
        except detsis.ValidationError as exc:  # a bad parameter: 400, not a finding
            raise UsageError(exc.code, details=exc.details) from None
    try:
        hits = _registry().search(query, institution=institution, active_only=active)
    except detsis.ValidationError as exc:
        raise detsis_support.to_error(exc) from None
    return jsonify({"query": query, "total": len(hits), "results": [u.to_dict() for u in hits[:limit]]})


@bp.post("/v1/detsis/check-mapping")
@require_role("integration")
def check_mapping() -> Response:
    body = json_body(CHECK_IN) if request.get_data() else {}
    state = get_state()
    institution = body.get("institution") or state.config.detsis.institution
    if not institution:
        raise UsageError("detsis.institution_required")
    if "mapping" in body:
        try:
            mapping = detsis.UnitMapping.from_rows(body["mapping"], "request")
        except detsis.ValidationError as exc:
            raise detsis_support.to_error(exc) from None
    else:
        mapping = _mapping()
    report = detsis_support.check_report(mapping, _registry(), institution, request_lang())
    return jsonify(report)
