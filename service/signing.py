"""``POST /v1/signatures/sign``: signing with the signer the service holds (the institution's e-seal or HSM).

Only a signer named in the configuration (``[signing]``: a PKCS#12 file with its password, or a PKCS#11
module, token and key with its PIN, both best given as ``*_file``) can sign; a PIN never travels in a
request (the schema has no such field and refuses unknown ones). The signer is opened once per process
(one login) and kept. Every signature is recorded in the audit trail with who asked (the API key), the
digest of what was signed and the certificate used — in the same transaction, so a signature that could
not be recorded is not returned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify

from ebys_support import audit
from ebys_support.config import Config
from ebys_support.errors import EbysError, UsageError
from ebys_support.signing import cades, pades, xades
from ebys_support.signing.batch import output_path
from ebys_support.signing.errors import UnsupportedProfile
from ebys_support.signing.profiles import PROFILE_NAMES, Profile, profiles_from_config
from ebys_support.signing.signers import PKCS12Signer, Signer, TokenSigner
from ebys_support.tokens.errors import PinError, TokenError
from service.auth import actor, require_role
from service.state import get_state
from service.validation import json_body

T = TypeVar("T")

bp = Blueprint("signing", __name__, url_prefix="/v1/signatures")

SIGN_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["content"],
    "properties": {
        "content": {"type": "string", "contentEncoding": "base64", "description": "The document, base64."},
        "filename": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "The document's file name; the result is named after it (karar.pdf → "
            "karar.pdf.imz, karar.pdf.p7s, karar.pdf.xades.xml, or karar.pdf for PAdES).",
        },
        "format": {"enum": ["cades", "pades", "xades"], "default": "cades"},
        "profile": {"enum": list(PROFILE_NAMES)},
        "detached": {"type": "boolean", "default": False},
        "enveloped": {"type": "boolean", "default": False},
        "level": {"enum": ["B-B", "B-T", "B-LT", "B-LTA"]},
        "signer": {"type": "string", "minLength": 1, "maxLength": 128},
    },
}

_CERT = {
    "type": "object",
    "required": ["subject", "issuer", "serial", "sha256"],
    "properties": {
        "subject": {"type": "string"},
        "issuer": {"type": "string"},
        "serial": {"type": "string"},
        "sha256": {"type": "string"},
    },
}

OPENAPI: dict[str, Any] = {
    "paths": {
        "/v1/signatures/sign": {
            "post": {
                "summary": "Sign a document with the service's own signer (e-seal or HSM); role signer",
                "tags": ["signing"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignRequest"}}},
                },
                "responses": {
                    "200": {
                        "description": "The signature (CAdES .imz/.p7s, a signed PDF, or a XAdES document)",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/SignResult"}}
                        },
                    },
                },
            }
        }
    },
    "schemas": {
        "SignRequest": SIGN_REQUEST,
        "SignedCertificate": _CERT,
        "SignResult": {
            "type": "object",
            "required": ["signature", "filename", "format", "profile", "digest", "certificate", "audit_seq"],
            "properties": {
                "signature": {"type": "string", "contentEncoding": "base64"},
                "filename": {"type": "string"},
                "format": {"enum": ["cades", "pades", "xades"]},
                "profile": {"enum": list(PROFILE_NAMES)},
                "level": {"type": ["string", "null"]},
                "digest": {
                    "type": "object",
                    "required": ["algorithm", "value"],
                    "properties": {"algorithm": {"type": "string"}, "value": {"type": "string"}},
                },
                "certificate": {"$ref": "#/components/schemas/SignedCertificate"},
                "audit_seq": {"type": "integer"},
            },
        },
    },
}


def _profiles(cfg: Config) -> Any:
    return profiles_from_config(cfg.signing)


def _open_signer(cfg: Config) -> Signer:
    s = cfg.signing
    if s.pkcs12:
        return PKCS12Signer(cfg.resolve(s.pkcs12), s.pkcs12_password, pss=s.pss)
    if s.module:
        return TokenSigner(
            cfg.resolve(s.module),
            token_label=s.token_label or None,
            token_serial=s.token_serial or None,
            key_id=s.key_id or None,
            cert_label=s.cert_label or None,
            pin=s.pin,
            pss=s.pss,
        )
    raise UsageError("signing.no_server_signer")


def _signer() -> Signer:
    state = get_state()
    cfg = state.config
    if not (cfg.signing.pkcs12 or cfg.signing.module):
        raise UsageError("signing.no_server_signer")

    def load() -> Signer | EbysError:
        try:
            return _open_signer(cfg)
        except PinError as exc:
            # Remembered until restart: a PIN the card refused is never tried again by the service,
            # so requests cannot use up the card's tries.
            return exc

    got = state.cached("signing.signer", load)
    if isinstance(got, EbysError):
        raise got
    return got


def _sign_with(signer: Signer, work: Callable[[Signer], T]) -> T:
    """Run ``work``; when the token fails (card pulled, session lost) drop the signer so the next
    request opens it again (its PIN was accepted before, so no try is risked)."""
    try:
        return work(signer)
    except TokenError as exc:
        if not isinstance(exc, PinError):
            state = get_state()
            state.forget("signing.signer")
            signer.close()
        raise


def _trust(cfg: Config) -> tuple[Any, ...]:
    from ebys_support.trust import load_certificates

    certs: list[Any] = []
    for p in cfg.signing.trust:
        certs.extend(load_certificates(cfg.resolve(p)))
    return tuple(certs)


@bp.post("/sign")
@require_role("signer")
def sign() -> Response:
    body = json_body(SIGN_REQUEST)
    state = get_state()
    cfg = state.config
    name = cfg.signing.signer_name or "e-seal"
    if body.get("signer") and body["signer"] != name:
        raise UsageError("signing.unknown_signer", details={"signer": body["signer"], "available": name})
    try:
        content = base64.b64decode(body["content"], validate=True)
    except (binascii.Error, ValueError):
        raise UsageError("request.invalid", details={"reason": "content is not base64"}) from None
    profiles = state.cached("signing.profiles", lambda: _profiles(cfg))
    pname = str(body.get("profile") or cfg.signing.profile or "P2").upper()
    profile: Profile | None = profiles.get(pname)
    if profile is None:
        raise UnsupportedProfile(details={"profile": pname})
    fmt = body.get("format", "cades")
    detached = bool(body.get("detached", False))
    filename = body.get("filename") or "document"
    tsa = cfg.signing.tsa_url or None
    trust = state.cached("signing.trust", lambda: _trust(cfg))
    signer = _signer()
    level = None
    if fmt == "cades":
        result = _sign_with(
            signer, lambda s: cades.sign(content, s, profile, detached=detached, tsa=tsa, trust=trust)
        )
    elif fmt == "pades":
        level = pades.level_for(profile, body.get("level"))
        lv = level
        out = _sign_with(
            signer, lambda s: pades.sign_pdf(content, s, profile, level=lv, tsa=tsa, trust=trust)
        )
        assert out is not None
        result = out
    else:
        mode: xades.Mode = (
            "detached" if detached else ("enveloped" if body.get("enveloped") else "enveloping")
        )
        result = _sign_with(
            signer, lambda s: xades.sign_xml(content, s, profile, mode=mode, tsa=tsa, uri=filename)
        )
    # Named as `ebys-support sign` names its outputs: karar.pdf → karar.pdf.imz, .p7s, .xades.xml.
    out_name = output_path(filename, fmt, ".", detached=detached).name
    digest = hashlib.sha256(content).hexdigest()
    cert = signer.certificate
    cert_info = {
        "subject": cert.subject.human_friendly,
        "issuer": cert.issuer.human_friendly,
        "serial": format(cert.serial_number, "x"),
        "sha256": hashlib.sha256(cert.dump()).hexdigest(),
    }
    with state.session() as session:
        record = audit.append(
            session,
            actor=actor(),
            action="signature.sign",
            entity="signature",
            entity_id=digest,
            after={
                "signer": name,
                "format": fmt,
                "profile": profile.name,
                "level": level,
                "detached": detached,
                "filename": filename,
                "digest": {"algorithm": "sha256", "value": digest},
                "certificate": cert_info,
            },
        )
    return jsonify(
        {
            "signature": base64.b64encode(result).decode("ascii"),
            "filename": out_name,
            "format": fmt,
            "profile": profile.name,
            "level": level,
            "digest": {"algorithm": "sha256", "value": digest},
            "certificate": cert_info,
            "audit_seq": record.seq,
        }
    )
