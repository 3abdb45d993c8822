"""Bearer API keys and roles."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request

from ebys_support import apikeys
from ebys_support.errors import AuthError, Forbidden
from service.state import get_state

__all__ = ["require_role", "current_key", "actor"]

F = TypeVar("F", bound=Callable[..., Any])


def _authenticate() -> apikeys.KeyInfo:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("auth.invalid_key")
    with get_state().session() as session:
        info = apikeys.authenticate(session, token.strip())
    if info is None:
        raise AuthError("auth.invalid_key")
    return info


def require_role(role: str) -> Callable[[F], F]:
    """Let the view run only for a valid key whose role allows ``role`` (see :func:`apikeys.role_allows`)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            info = _authenticate()
            if not apikeys.role_allows(info.role, role):
                raise Forbidden("auth.forbidden", details={"role": info.role, "required": role})
            g.api_key = info
            return view(*args, **kwargs)

        wrapper.required_role = role  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator


def current_key() -> apikeys.KeyInfo:
    """The key of the current request (after :func:`require_role`)."""
    return cast(apikeys.KeyInfo, g.api_key)


def actor() -> str:
    """The audit actor of the current request: ``apikey:<name>``."""
    key = g.get("api_key")
    return f"apikey:{key.name}" if key is not None else "anonymous"
