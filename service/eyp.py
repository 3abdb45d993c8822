"""``POST /v1/eyp/check``: check an e-Yazışma package sent as the request body or as a multipart file.

The package is read in memory and never written to disk. A rejected package is a ``200`` whose report says
``"verdict": "rejected"``; a file that is not a package or is hostile is an error (``eyp.not_a_package``,
``eyp.unsafe_entry``, ``eyp.xml_forbidden``: 400; ``eyp.too_large``: 413). The instance's SDP catalogue
(``[sdp] catalogue``) and DETSİS registry snapshot (``[detsis] registry``) are used when configured.
"""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.formparser import FormDataParser

from ebys_support.eyp import check
from service.auth import require_role
from service.i18n import request_lang
from service.state import get_state
from service.validation import invalid_request

bp = Blueprint("eyp", __name__, url_prefix="/v1/eyp")

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_NINT = {"type": ["integer", "null"]}
_NBOOL = {"type": ["boolean", "null"]}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/eyp/check": {
            "post": {
                "summary": "Check an e-Yazışma package (.eyp/.eyps): structure, digests, metadata, signatures",
                "tags": ["eyp"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        "application/zip": {"schema": {"type": "string", "format": "binary"}},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["package"],
                                "properties": {"package": {"type": "string", "format": "binary"}},
                            }
                        },
                    },
                },
                "responses": {
                    "200": {
                        "description": "The report (look at `verdict`; a rejected package is not an HTTP error)",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/EypReport"}}
                        },
                    },
                    "400": {
                        "description": "Not a package, or refused as hostile (eyp.not_a_package, "
                        "eyp.unsafe_entry, eyp.xml_forbidden)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "413": {
                        "description": "Over a size or compression-ratio limit (eyp.too_large)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        }
    },
    "schemas": {
        "EypFinding": {
            "type": "object",
            "required": ["rule", "severity", "code", "part", "message", "details"],
            "properties": {
                "rule": _NSTR,
                "severity": {"type": "string", "enum": ["critical", "major", "warning"]},
                "code": _STR,
                "part": _NSTR,
                "message": _STR,
                "details": {"type": "object"},
            },
        },
        "EypSignature": {
            "type": "object",
            "required": [
                "role",
                "part",
                "signed_part",
                "status",
                "content_bound",
                "level_required",
                "level_found",
            ],
            "properties": {
                "role": {"type": "string", "enum": ["signature", "paraf", "seal"]},
                "part": _NSTR,
                "signed_part": _NSTR,
                "status": {
                    "type": "string",
                    "enum": ["valid", "invalid", "indeterminate", "not_verified", "missing", "malformed"],
                },
                "content_bound": _NBOOL,
                "level_required": _NSTR,
                "level_found": _NSTR,
                "signers": {"type": "array", "items": _STR},
                "verification": {"type": ["object", "null"]},
            },
        },
        "EypParty": {
            "type": "object",
            "required": ["kind", "name"],
            "properties": {
                "kind": {"type": "string", "enum": ["institution", "person", "organisation"]},
                "name": _STR,
                "identifier": _NSTR,
                "unit": _NSTR,
                "distribution": _NSTR,
                "urgency": _NSTR,
            },
        },
        "EypAttachment": {
            "type": "object",
            "required": ["number", "name", "file_name", "kind", "signed", "part", "size"],
            "properties": {
                "number": _NINT,
                "name": _STR,
                "file_name": _NSTR,
                "kind": _NSTR,
                "signed": _NBOOL,
                "part": _NSTR,
                "size": _NINT,
            },
        },
        "EypSummary": {
            "type": "object",
            "required": ["subject", "number", "date", "sender", "recipients", "attachments"],
            "properties": {
                "subject": _NSTR,
                "number": _NSTR,
                "date": _NSTR,
                "security": _NSTR,
                "sdp_code": _NSTR,
                "sdp_name": _NSTR,
                "sender": {"oneOf": [{"$ref": "#/components/schemas/EypParty"}, {"type": "null"}]},
                "recipients": {"type": "array", "items": {"$ref": "#/components/schemas/EypParty"}},
                "addressees": {"type": "array", "items": {"$ref": "#/components/schemas/EypParty"}},
                "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/EypAttachment"}},
                "references": {"type": "array", "items": _STR},
                "signers": {"type": "array", "items": _STR},
            },
        },
        "EypReport": {
            "type": "object",
            "required": [
                "version",
                "encrypted",
                "verdict",
                "structure",
                "findings",
                "signature",
                "seal",
                "summary",
            ],
            "properties": {
                "version": _NSTR,
                "encrypted": {"type": "boolean"},
                "belge_id": _NSTR,
                "verdict": {"type": "string", "enum": ["accepted", "rejected"]},
                "structure": {"type": "string", "enum": ["sound", "unsound"]},
                "counts": {
                    "type": "object",
                    "properties": {
                        "critical": {"type": "integer"},
                        "major": {"type": "integer"},
                        "warning": {"type": "integer"},
                    },
                },
                "findings": {"type": "array", "items": {"$ref": "#/components/schemas/EypFinding"}},
                "signature": {"oneOf": [{"$ref": "#/components/schemas/EypSignature"}, {"type": "null"}]},
                "seal": {"oneOf": [{"$ref": "#/components/schemas/EypSignature"}, {"type": "null"}]},
                "paraf": {"oneOf": [{"$ref": "#/components/schemas/EypSignature"}, {"type": "null"}]},
                "summary": {"$ref": "#/components/schemas/EypSummary"},
                "digests_checked": {"type": "integer"},
                "digests_unverifiable": {"type": "integer"},
                "parts": {"type": "integer"},
            },
        },
    },
}


def _catalogue() -> Any:
    state = get_state()
    if not state.config.sdp.catalogue:
        return None

    def load() -> Any:
        from ebys_support.sdp_catalogues import configured_catalogue

        return configured_catalogue(state.config)

    return state.cached("eyp.sdp_catalogue", load)


def _registry() -> Any:
    if not get_state().config.detsis.registry:
        return None
    from service.detsis import configured_registry

    # The same loaded registry as /v1/detsis (a national snapshot is hundreds of MB: load it once), and
    # the same answer when it cannot be loaded (503, not a finding about the package).
    return configured_registry()


def _trust() -> Any:
    cfg = get_state().config
    if not cfg.verification.trust:
        return None
    from ebys_support.trust import load_certificates

    return tuple(c for p in cfg.verification.trust for c in load_certificates(cfg.resolve(p)))


def _in_memory(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None,
    content_length: int | None = None,
) -> IO[bytes]:
    """Where the multipart parser puts an uploaded file: memory (the body is bounded by the service's
    ``max_request_bytes``), never werkzeug's default spooled temporary file, which goes to disk above
    500 KiB: a hostile package must not touch the disk."""
    return io.BytesIO()


def _package_bytes() -> bytes:
    if request.mimetype == "multipart/form-data":
        parser = FormDataParser(
            stream_factory=_in_memory,
            max_form_memory_size=request.max_form_memory_size,
            max_content_length=request.max_content_length,
            max_form_parts=request.max_form_parts,
        )
        _stream, _form, files = parser.parse(
            request.stream, request.mimetype, request.content_length, request.mimetype_params
        )
        upload = files.get("package") or files.get("file")
        if upload is None:
            raise invalid_request("missing_part", "package")
        return upload.read()
    data = request.get_data(cache=False)
    if not data:
        raise invalid_request("empty_body")
    return data


@bp.post("/check")
@require_role("integration")
def check_package() -> Response:
    data = _package_bytes()
    cfg = get_state().config
    revocation = (
        cfg.verification.revocation
        if cfg.verification.revocation in ("online", "offline", "off")
        else "offline"
    )
    report = check(
        data,
        sdp_catalogue=_catalogue(),
        detsis_registry=_registry(),
        trust=_trust(),
        revocation=revocation,
    )
    return jsonify(report.to_dict(request_lang()))
