"""Request validation against JSON Schemas (the same schemas the OpenAPI document publishes).

A refused body is ``request.invalid`` with ``details.at`` (where, as a JSON path), ``details.problem`` (a
stable word: ``required``, ``unknown_field``, ``type``, ``too_many``, ``too_few``, ``not_allowed``,
``form``, ``empty_body``, ``missing_part``, ``other``) and ``details.reason``, the explanation in the
request's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask import request
from jsonschema import Draft202012Validator, ValidationError

from ebys_support import i18n
from ebys_support.errors import UsageError
from service.i18n import request_lang

__all__ = ["json_body", "validate", "invalid_request"]

_TYPE_KEYS = {"string", "integer", "number", "boolean", "array", "object", "null"}


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json))


def invalid_request(problem: str, at: str = "(body)", /, **params: Any) -> UsageError:
    """A ``request.invalid`` error whose reason is written in the request's language.

    :param problem: a key of ``ui.request.problem.*`` in the catalogue.
    :param at: where in the request (a JSON path, a field or a query parameter).
    """
    lang = request_lang()
    key = f"ui.request.problem.{problem}"
    if not i18n.has(key):
        key = "ui.request.problem.other"
    reason = i18n.message(key, lang, at=at, **params)
    return UsageError(
        "request.invalid", details={"reason": reason[:500], "at": at, "problem": problem, **params}
    )


def _explain(error: ValidationError, where: str) -> UsageError:
    lang = request_lang()
    kind = error.validator
    value: Any = error.validator_value
    schema: Any = error.schema
    if kind == "required" and isinstance(error.instance, dict) and isinstance(value, list):
        missing = next((str(n) for n in value if n not in error.instance), "?")
        return invalid_request("required", where, field=missing)
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(schema.get("properties", {})) if isinstance(schema, dict) else set()
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        return invalid_request("unknown_field", where, field=", ".join(extra) or "?")
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = [i18n.message(f"ui.request.type.{t}", lang) for t in wanted if t in _TYPE_KEYS]
        return invalid_request("type", where, expected=" / ".join(names) or str(error.validator_value))
    if kind in ("maxItems", "maxProperties"):
        return invalid_request("too_many", where, limit=error.validator_value)
    if kind in ("minItems", "minProperties"):
        return invalid_request("too_few", where, limit=error.validator_value)
    if kind in ("enum", "const"):
        values = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return invalid_request(
            "not_allowed", where, allowed=", ".join(json.dumps(v, ensure_ascii=False) for v in values)
        )
    if kind in ("pattern", "format", "minLength", "maxLength", "minimum", "maximum", "multipleOf"):
        return invalid_request("form", where)
    return invalid_request("other", where, detail=error.message[:300])


def validate(data: Any, schema: Mapping[str, Any]) -> Any:
    """Validate ``data`` against ``schema``; :raises UsageError: ``request.invalid`` naming the place."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(body)"
        raise _explain(error, where)
    return data


def json_body(schema: Mapping[str, Any]) -> Any:
    """The request's JSON body, validated against ``schema``.

    :raises UsageError: ``request.not_json`` or ``request.invalid``.
    """
    if not request.is_json:
        raise UsageError("request.not_json")
    data = request.get_json(silent=True)
    if data is None:
        raise UsageError("request.not_json")
    return validate(data, schema)
