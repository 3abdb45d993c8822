"""One place that turns every error into ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ebys_support.errors import EbysError, translate
from service.i18n import request_lang

__all__ = ["register", "error_response"]

log = logging.getLogger("service")

_HTTP_CODES = {
    400: "request.bad_request",
    404: "request.not_found",
    405: "request.method_not_allowed",
    413: "request.too_large",
}


def error_response(err: EbysError, status: int | None = None) -> Response:
    """The JSON error response for ``err``."""
    response = jsonify({"error": err.to_dict(request_lang())})
    response.status_code = status or err.http_status
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ebys-support"'
    return response


def register(app: Flask) -> None:
    """Install the error handlers and the early request-size check on ``app``."""

    @app.before_request
    def _check_size() -> Response | None:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length is not None and request.content_length > limit:
            return error_response(EbysError("request.too_large", details={"limit": limit}), 413)
        return None

    @app.errorhandler(EbysError)
    def _ebys(err: EbysError) -> Response:
        if err.http_status >= 500:
            log.error("%s on %s %s", err.code, request.method, request.path)
        return error_response(err)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "request.bad_request" if status < 500 else "ebys.internal")
        details: dict[str, object] = {}
        if status == 404:
            details = {"path": request.path}
        elif status == 405:
            details = {"method": request.method}
        elif status == 413:
            details = {"limit": app.config.get("MAX_CONTENT_LENGTH")}
        response = error_response(EbysError(code, details=details), status)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _other(exc: Exception) -> Response:
        err = translate(exc)
        if err.http_status >= 500:
            log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(err)
