"""The language of the current request."""

from __future__ import annotations

from flask import has_request_context, request

from ebys_support import i18n

__all__ = ["request_lang", "t"]


def request_lang() -> str:
    """``"tr"`` when ``Accept-Language`` prefers Turkish, else ``"en"``."""
    if not has_request_context():
        return "en"
    return i18n.normalize_lang(request.headers.get("Accept-Language"))


def t(key: str, /, **params: object) -> str:
    """A catalogue text in the request's language."""
    return i18n.message(key, request_lang(), **params)
