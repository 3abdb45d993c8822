"""The error tree of ebys-support.

Every error a user or an integration can see is an :class:`EbysError` with a stable ``code`` (API: codes
are added, never renamed), an English default ``message``, ``details`` (a JSON-serialisable mapping that
also fills the message placeholders) and, through its class, the CLI exit code and the HTTP status.
Messages in Turkish and English come from the catalogue (:mod:`ebys_support.i18n`), selected by the code.

The pure packages :mod:`sdp_codes` and :mod:`detsis` raise their own ``ValidationError(ValueError)`` carrying
``code`` and ``details``; :func:`translate` turns them, and any other exception, into an ``EbysError`` at
the boundary (CLI handler, HTTP error handler).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "EXIT_OK",
    "EXIT_INVALID",
    "EXIT_USAGE",
    "EXIT_INDETERMINATE",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EbysError",
    "ValidationFailed",
    "UsageError",
    "InputError",
    "NotFound",
    "Conflict",
    "AuthError",
    "Forbidden",
    "ConfigurationError",
    "ServiceUnavailable",
    "InternalError",
    "translate",
]

#: Exit codes shared by every command.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INDETERMINATE = 3
EXIT_INPUT = 4
EXIT_INTERNAL = 5


class EbysError(Exception):
    """Base of every error with a stable code.

    :param code: the stable code; defaults to the class's ``code``.
    :param message: English text; defaults to the catalogue's English message for the code.
    :param details: JSON-serialisable facts about the error; they also fill message placeholders.
    """

    code: ClassVar[str] = "ebys.error"
    exit_code: ClassVar[int] = EXIT_INTERNAL
    http_status: ClassVar[int] = 500

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        if code is not None:
            # An instance may carry a more specific code than its class.
            self.code = code  # type: ignore[misc]
        self.details: dict[str, Any] = dict(details or {})
        self._message = message
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The English message."""
        return self.localized("en")

    def localized(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"tr"`` or ``"en"``), from the catalogue when it has the code."""
        from ebys_support import i18n

        if i18n.has(self.code):
            return i18n.message(self.code, lang, **self._params(lang))
        if self._message is not None:
            return self._message
        return i18n.message("ebys.error", lang, code=self.code)

    def _params(self, lang: str) -> dict[str, Any]:
        # A detail whose value names a state (``tries="final_try"``) is also offered as readable text
        # (``{tries_text}``) when the catalogue has ``ui.<area>.<detail>.<value>``.
        from ebys_support import i18n

        params = dict(self.details)
        area = self.code.partition(".")[0]
        for key, value in self.details.items():
            if isinstance(value, str) and f"{key}_text" not in params:
                text_key = f"ui.{area}.{key}.{value}"
                if i18n.has(text_key):
                    params[f"{key}_text"] = i18n.message(text_key, lang)
        return params

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The JSON error object: ``{"code", "message", "details"}``."""
        return {"code": self.code, "message": self.localized(lang), "details": _jsonable(self.details)}

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable across process pools (batch verification uses one).
        return (_rebuild, (type(self), self.code, self._message, self.details))


def _rebuild(cls: type[EbysError], code: str, message: str | None, details: dict[str, Any]) -> EbysError:
    err = cls.__new__(cls)
    EbysError.__init__(err, code, message, details)
    return err


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class ValidationFailed(EbysError):
    """The thing checked is invalid."""

    code = "ebys.invalid"
    exit_code = EXIT_INVALID
    http_status = 422


class UsageError(EbysError):
    """Bad arguments or a malformed request."""

    code = "ebys.usage"
    exit_code = EXIT_USAGE
    http_status = 400


class InputError(EbysError):
    """Input unreadable, or not what it claims to be."""

    code = "input.unreadable"
    exit_code = EXIT_INPUT
    http_status = 400


class NotFound(EbysError):
    code = "ebys.not_found"
    exit_code = EXIT_INVALID
    http_status = 404


class Conflict(EbysError):
    code = "ebys.conflict"
    exit_code = EXIT_INVALID
    http_status = 409


class AuthError(EbysError):
    code = "auth.invalid_key"
    exit_code = EXIT_INVALID
    http_status = 401


class Forbidden(EbysError):
    code = "auth.forbidden"
    exit_code = EXIT_INVALID
    http_status = 403


class ConfigurationError(EbysError):
    code = "config.invalid"
    exit_code = EXIT_INTERNAL
    http_status = 500


class ServiceUnavailable(EbysError):
    code = "ebys.unavailable"
    exit_code = EXIT_INTERNAL
    http_status = 503


class InternalError(EbysError):
    code = "ebys.internal"
    exit_code = EXIT_INTERNAL
    http_status = 500


def translate(exc: BaseException) -> EbysError:
    """Turn any exception into an :class:`EbysError` (unchanged when it already is one).

    ``ValueError``s carrying a string ``code`` (the pure packages' ``ValidationError``) become
    :class:`ValidationFailed` with the same code and details; anything else is an internal error whose
    details name only the exception type (no message: it may hold secrets).
    """
    if isinstance(exc, EbysError):
        return exc
    code = getattr(exc, "code", None)
    if isinstance(exc, ValueError) and isinstance(code, str) and "." in code:
        details = getattr(exc, "details", None)
        return ValidationFailed(code, str(exc), details if isinstance(details, Mapping) else None)
    return InternalError(details={"type": type(exc).__name__})
