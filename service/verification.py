"""``POST /v1/signatures/verify``: verify a signed file (CAdES, PAdES, XAdES) and return the report.

The signed file comes as the raw request body, or as the multipart field ``file`` with the original of a
detached signature in ``content``. One :class:`~ebys_support.verification.Verifier` per revocation mode
is kept for the application, so chains and revocation answers are cached between requests; fetched
CRLs and OCSP responses are also kept in a folder of the instance (``[verification] cache_dir``, default
``<instance>/cache/revocation``) shared by every worker process. Each verification is recorded in the
audit trail (who asked, the file's SHA-256, the indication).

The OCSP, CRL and caIssuers addresses come from certificates inside the upload, which anyone may have
made: only hosts in ``[verification] fetch_hosts`` are fetched from (by default KamuSM's, see
:data:`~ebys_support.verification.revocation.KAMUSM_FETCH_HOSTS`), so the service cannot be steered
into requesting other hosts; a signature that would need them is ``INDETERMINATE``
(``verify.revocation.host_not_allowed``, ``verify.chain.host_not_allowed``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ebys_support import apikeys, audit
from ebys_support.errors import ConfigurationError, InputError, UsageError
from ebys_support.verification import Verifier
from ebys_support.verification.report import openapi_schemas
from ebys_support.verification.revocation import KAMUSM_FETCH_HOSTS, bad_fetch_hosts
from service.auth import actor, current_key, require_role
from service.i18n import request_lang
from service.state import get_state

bp = Blueprint("verification", __name__, url_prefix="/v1/signatures")

_PARAMS = [
    {
        "name": "revocation",
        "in": "query",
        "schema": {"enum": ["online", "offline", "off"]},
        "description": (
            "Revocation checking; default from the configuration (online). Online, only the hosts in "
            "[verification] fetch_hosts (default: KamuSM's) are fetched from."
        ),
    },
    {
        "name": "at",
        "in": "query",
        "schema": {"type": "string", "format": "date-time"},
        "description": "Validation time (ISO 8601 with a time zone) when no time-stamp proves an earlier one.",
    },
    {
        "name": "show_national_id",
        "in": "query",
        "schema": {"type": "boolean", "default": False},
        "description": "Return the T.C. Kimlik No unmasked (role helpdesk or above).",
    },
]

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/signatures/verify": {
            "post": {
                "summary": "Verify a signed file (CAdES, PAdES, XAdES) against the Turkish profiles; role integration",
                "tags": ["verification"],
                "parameters": _PARAMS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "content": {"type": "string", "format": "binary"},
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "200": {
                        "description": "The verification report (indication per signature and for the file)",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/VerificationReport"}
                            }
                        },
                    },
                },
            }
        }
    },
    "schemas": openapi_schemas(),
}


def _verifier(mode: str) -> Verifier:
    state = get_state()
    cfg = state.config.verification

    def build() -> Verifier:
        cache = (
            state.config.resolve(cfg.cache_dir)
            if cfg.cache_dir
            else state.config.instance / "cache" / "revocation"
        )
        bad = bad_fetch_hosts(cfg.fetch_hosts)
        if bad:
            raise ConfigurationError(
                "config.invalid_value",
                details={
                    "key": "verification.fetch_hosts",
                    "reason": ", ".join(bad),
                },
            )
        try:
            return Verifier(
                trust=[str(state.config.resolve(t)) for t in cfg.trust],
                revocation=mode,
                cache_dir=cache if mode == "online" else None,
                timeout=cfg.timeout,
                # Certificates in an upload name the URLs: fetch only from hosts the operator allows.
                fetch_hosts=cfg.fetch_hosts or KAMUSM_FETCH_HOSTS,
            )
        except InputError as exc:  # a trust file named in the configuration: the operator's to fix
            raise ConfigurationError(
                "config.invalid_value", details={"key": "verification.trust", "reason": exc.message}
            ) from exc

    return state.cached(f"verification.verifier.{mode}", build)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


@bp.post("/verify")
@require_role("integration")
def verify() -> Response:
    cfg = get_state().config.verification
    mode = request.args.get("revocation") or cfg.revocation
    if mode not in ("online", "offline", "off"):
        raise UsageError("verify.bad_revocation_mode", details={"mode": mode})
    at = None
    if request.args.get("at"):
        text = request.args["at"]
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise UsageError("verify.bad_time", details={"time": text}) from exc
        if at.tzinfo is None:
            raise UsageError("verify.naive_time", details={"time": text})
    show = _flag(request.args.get("show_national_id"))
    if show and not apikeys.role_allows(current_key().role, "helpdesk"):
        from ebys_support.errors import Forbidden

        raise Forbidden("auth.forbidden", details={"role": current_key().role, "required": "helpdesk"})

    filename: str | None = None
    content: bytes | None = None
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise UsageError("verify.no_file")
        signed = upload.read()
        filename = upload.filename or None
        if "content" in request.files:
            content = request.files["content"].read()
    else:
        signed = request.get_data(cache=False)
    if not signed:
        raise UsageError("verify.no_file")

    report = _verifier(mode).verify(signed, content=content, at=at, name=filename, show_national_id=show)
    data = report.to_dict(request_lang())
    with get_state().session() as session:
        audit.append(
            session,
            actor=actor(),
            action="signature.verify",
            entity="signature",
            entity_id=hashlib.sha256(signed).hexdigest(),
            after={
                "indication": data["indication"],
                "format": data["format"],
                "filename": filename,
                "signatures": len(data["signatures"]),
                "revocation": mode,
            },
        )
    return jsonify(data)
