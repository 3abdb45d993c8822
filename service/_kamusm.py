"""Helpers shared by the people, certificates, requests and audit resources."""

from __future__ import annotations

from typing import Any

from flask import request

from ebys_support.errors import UsageError
from ebys_support.kamusm.store import Settings
from service.state import get_state

__all__ = [
    "settings",
    "query_int",
    "query_bool",
    "query_str",
    "page_schema",
    "PAGING_PARAMS",
    "ref",
    "nullable",
]


def settings() -> Settings:
    state = get_state()
    return state.cached("kamusm.settings", lambda: Settings.from_config(state.config))


def _bad(name: str, reason: str) -> UsageError:
    return UsageError("request.invalid", details={"reason": f"{name}: {reason}", "at": name})


def query_int(name: str, default: int | None = None, *, minimum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, "not an integer") from None
    if minimum is not None and value < minimum:
        raise _bad(name, f"less than {minimum}")
    return value


def paging() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1-500, default 50) from the query string."""
    page = query_int("page", 1, minimum=1)
    per_page = query_int("per_page", 50, minimum=1)
    assert page is not None and per_page is not None
    if per_page > 500:
        raise _bad("per_page", "more than 500")
    return page, per_page


def query_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise _bad(name, "not a boolean")


def query_str(name: str) -> str | None:
    raw = request.args.get(name)
    return raw if raw not in (None, "") else None


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


def json_response(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def page_schema(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    }


def param(
    name: str, kind: str = "string", description: str = "", *, where: str = "query", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": kind, **extra},
    }


PAGING_PARAMS = [
    param("page", "integer", "Page number, from 1.", minimum=1),
    param("per_page", "integer", "Items per page (1-500, default 50).", minimum=1, maximum=500),
]
