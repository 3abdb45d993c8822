"""Contract checks: a real response against the OpenAPI document's schema for its route and status."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator
from werkzeug.exceptions import MethodNotAllowed, NotFound

_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def openapi_path(rule: str) -> str:
    """``/v1/sdp/<path:code>`` → ``/v1/sdp/{code}``."""
    return _CONVERTER.sub(r"{\1}", rule)


def check_response(app: Flask, response: Any) -> None:
    """Raise AssertionError when a JSON response does not match the documented schema."""
    from service.openapi import build_document

    request = response.request
    if not response.is_json:
        return
    adapter = app.url_map.bind("localhost")
    try:
        rule, _args = adapter.match(request.path, method=request.method, return_rule=True)
    except (NotFound, MethodNotAllowed):
        _validate(response.get_json(), {"$ref": "#/components/schemas/Error"}, build_document(), "error")
        return
    document = build_document()
    path = openapi_path(rule.rule)
    item = document["paths"].get(path)
    assert item is not None, f"route {path} is not in the OpenAPI document"
    operation = item.get(request.method.lower())
    assert operation is not None, f"{request.method} {path} is not in the OpenAPI document"
    responses = operation["responses"]
    spec = responses.get(str(response.status_code)) or responses.get("default")
    assert spec is not None, f"{request.method} {path} {response.status_code} is not documented"
    schema = spec.get("content", {}).get("application/json", {}).get("schema")
    assert schema is not None, f"{request.method} {path} {response.status_code} has no JSON schema"
    _validate(response.get_json(), schema, document, f"{request.method} {path} {response.status_code}")


def _validate(data: Any, schema: dict[str, Any], document: dict[str, Any], where: str) -> None:
    root = {**schema, "components": document["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise AssertionError(
            f"{where}: response does not match schema at {list(first.absolute_path)}: {first.message}"
        )
