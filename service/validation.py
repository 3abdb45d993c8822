"""Request validation against JSON Schemas (the same schemas the OpenAPI document publishes)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask import request
from jsonschema import Draft202012Validator

from ebys_support.errors import UsageError

__all__ = ["json_body", "validate"]


@lru_cache(maxsize=256)
def _validator(schema_key: str, schema_json: str) -> Draft202012Validator:
    import json

    return Draft202012Validator(json.loads(schema_json))


def validate(data: Any, schema: Mapping[str, Any]) -> Any:
    """Validate ``data`` against ``schema``; :raises UsageError: ``request.invalid`` naming the place."""
    import json

    text = json.dumps(schema, sort_keys=True)
    validator = _validator(text, text)
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(body)"
        raise UsageError(
            "request.invalid", details={"reason": f"{where}: {error.message}"[:500], "at": where}
        )
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
