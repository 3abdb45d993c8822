"""The verification report: ETSI EN 319 102-1 indications, checks with stable codes, signer facts.

A :class:`Report` holds one :class:`SignatureReport` per signature of the file (every SignerInfo, every PDF
signature, every XML signature) with its countersignatures nested. Each signature carries the list of
:class:`Check` objects that ran, in order; the signature's indication is derived from them: the first
check that failed gives ``TOTAL_FAILED`` and its sub-indication, otherwise the first one that could not
conclude gives ``INDETERMINATE``, otherwise ``TOTAL_PASSED``. The file passes only when every signature,
countersignatures included, passed.

Messages are rendered at serialisation time (:meth:`Report.to_dict` with a language), so one report can
be shown in Turkish and English.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ebys_support import i18n

__all__ = [
    "TOTAL_PASSED",
    "TOTAL_FAILED",
    "INDETERMINATE",
    "SUB_INDICATIONS",
    "Check",
    "SignatureReport",
    "Report",
    "REPORT_SCHEMA",
    "mask_national_id",
]

TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"

#: Sub-indications we emit (names as in ETSI EN 319 102-1 §5.1.3), with the indication each goes with.
#: ``EXPIRED`` and ``NOT_YET_VALID`` are TOTAL_FAILED when a proof of existence (a valid signature
#: time-stamp, or for NOT_YET_VALID the signed signing time) puts the signature outside the
#: certificate's validity; without one the signature is INDETERMINATE/OUT_OF_BOUNDS_NO_POE.
SUB_INDICATIONS: dict[str, str] = {
    "FORMAT_FAILURE": TOTAL_FAILED,
    "HASH_FAILURE": TOTAL_FAILED,
    "SIG_CRYPTO_FAILURE": TOTAL_FAILED,
    "REVOKED": TOTAL_FAILED,
    "EXPIRED": TOTAL_FAILED,
    "NOT_YET_VALID": TOTAL_FAILED,
    "NO_SIGNING_CERTIFICATE_FOUND": INDETERMINATE,
    "NO_CERTIFICATE_CHAIN_FOUND": INDETERMINATE,
    "CHAIN_CONSTRAINTS_FAILURE": INDETERMINATE,
    "SIG_CONSTRAINTS_FAILURE": INDETERMINATE,
    "CRYPTO_CONSTRAINTS_FAILURE": INDETERMINATE,
    "POLICY_PROCESSING_ERROR": INDETERMINATE,
    "TRY_LATER": INDETERMINATE,
    "OUT_OF_BOUNDS_NO_POE": INDETERMINATE,
    "SIGNED_DATA_NOT_FOUND": INDETERMINATE,
    "REVOKED_NO_POE": INDETERMINATE,
}

#: Check statuses: ``passed``, ``failed`` (TOTAL_FAILED), ``indeterminate`` (INDETERMINATE),
#: ``warning`` (worth reading, does not change the indication), ``skipped`` (not run, says why).
STATUSES = ("passed", "failed", "indeterminate", "warning", "skipped")


def mask_national_id(value: str) -> str:
    """Mask a T.C. Kimlik No, keeping the first two and the last two digits.

    >>> mask_national_id("10000000146")
    '10*******46'
    """
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


#: pyHanko's modification levels, shown in words (``ui.verify.pdf_level.<level>``) in both languages.
_PDF_LEVELS = frozenset({"none", "lta_updates", "form_filling", "annotations", "other"})


@lru_cache(maxsize=8192)
def _render(code: str, lang: str, params: tuple[tuple[str, Any], ...]) -> str:
    values = dict(params)
    for name in ("level", "changes"):
        if code.startswith("verify.pdf.") and values.get(name) in _PDF_LEVELS:
            values[name] = i18n.message(f"ui.verify.pdf_level.{values[name]}", lang)
    return i18n.message(code, lang, **values)


@dataclass(frozen=True)
class Check:
    """One check that ran on a signature.

    :param id: what was checked (``message_digest``, ``chain``, ``revocation``...), stable.
    :param status: one of :data:`STATUSES`.
    :param code: stable code of the outcome (``verify.digest.mismatch``...), also the message key.
    :param sub_indication: for ``failed``/``indeterminate``, the ETSI sub-indication it leads to.
    :param params: values that fill the message.
    """

    id: str
    status: str
    code: str
    sub_indication: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        try:
            return _render(self.code, lang, tuple(sorted(self.params.items())))
        except TypeError:  # an unhashable parameter
            return i18n.message(self.code, lang, **self.params)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "code": self.code, "message": self.message(lang)}


@dataclass
class SignatureReport:
    """The outcome for one signature (built up by the verifier, then read-only).

    ``signer``, ``certificate``, ``signing_time`` and ``timestamps`` are JSON-ready mappings; see
    :data:`REPORT_SCHEMA` for their fields.
    """

    checks: list[Check] = field(default_factory=list)
    signer: dict[str, Any] | None = None
    certificate: dict[str, Any] | None = None
    signing_time: dict[str, Any] | None = None
    profile: str | None = None
    level: str | None = None
    timestamps: list[dict[str, Any]] = field(default_factory=list)
    counter_signatures: list[SignatureReport] = field(default_factory=list)
    label: str | None = None

    def add(self, id: str, status: str, code: str, sub_indication: str | None = None, **params: Any) -> Check:
        check = Check(id, status, code, sub_indication, params)
        self.checks.append(check)
        return check

    @property
    def verdict(self) -> tuple[str, str | None]:
        """``(indication, sub_indication)`` of this signature alone (countersignatures not included)."""
        for check in self.checks:
            if check.status == "failed":
                return TOTAL_FAILED, check.sub_indication
        for check in self.checks:
            if check.status == "indeterminate":
                return INDETERMINATE, check.sub_indication
        return TOTAL_PASSED, None

    @property
    def indication(self) -> str:
        return self.verdict[0]

    @property
    def sub_indication(self) -> str | None:
        return self.verdict[1]

    def failing(self) -> Iterator[Check]:
        """Checks that failed, could not conclude, or warn, in order."""
        return (c for c in self.checks if c.status in ("failed", "indeterminate", "warning"))

    def walk(self) -> Iterator[SignatureReport]:
        """This signature and every countersignature below it, depth first."""
        yield self
        for cs in self.counter_signatures:
            yield from cs.walk()

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        indication, sub = self.verdict
        return {
            "indication": indication,
            "sub_indication": sub,
            "signer": self.signer,
            "certificate": self.certificate,
            "signing_time": self.signing_time,
            "profile": self.profile,
            "level": self.level,
            "timestamps": self.timestamps,
            "checks": [c.to_dict(lang) for c in self.checks],
            "counter_signatures": [cs.to_dict(lang) for cs in self.counter_signatures],
        }


@dataclass
class Report:
    """The verification report of one file.

    :param file: the file name (``None`` for bytes).
    :param format: ``CAdES-attached``, ``CAdES-detached``, ``PAdES``, ``XAdES-enveloped``,
        ``XAdES-enveloping`` or ``XAdES-detached``.
    """

    file: str | None
    format: str
    signatures: list[SignatureReport] = field(default_factory=list)

    def all_signatures(self) -> Iterator[SignatureReport]:
        for sig in self.signatures:
            yield from sig.walk()

    @property
    def indication(self) -> str:
        """``TOTAL_PASSED`` only when every signature passed; ``TOTAL_FAILED`` when any failed."""
        indications = [s.indication for s in self.all_signatures()]
        if not indications:
            return INDETERMINATE
        if TOTAL_FAILED in indications:
            return TOTAL_FAILED
        if INDETERMINATE in indications:
            return INDETERMINATE
        return TOTAL_PASSED

    def is_valid(self) -> bool:
        """Whether every signature in the file is ``TOTAL_PASSED``."""
        return self.indication == TOTAL_PASSED

    @property
    def exit_code(self) -> int:
        """CLI exit code: 0 passed, 1 any failed, 3 indeterminate (none failed)."""
        return {TOTAL_PASSED: 0, TOTAL_FAILED: 1}.get(self.indication, 3)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "indication": self.indication,
            "signatures": [s.to_dict(lang) for s in self.signatures],
        }

    def to_json(self, lang: str = "en", **kwargs: Any) -> str:
        return json.dumps(self.to_dict(lang), ensure_ascii=False, **kwargs)


_NULLABLE_STR = {"type": ["string", "null"]}

_CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "code", "message"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": list(STATUSES)},
        "code": {"type": "string"},
        "message": {"type": "string"},
    },
}

_SIGNATURE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "indication",
        "sub_indication",
        "signer",
        "certificate",
        "signing_time",
        "profile",
        "level",
        "timestamps",
        "checks",
        "counter_signatures",
    ],
    "additionalProperties": False,
    "properties": {
        "indication": {"enum": [TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE]},
        "sub_indication": {"enum": [*SUB_INDICATIONS, None]},
        "signer": {
            "type": ["object", "null"],
            "properties": {
                "name": _NULLABLE_STR,
                "national_id": _NULLABLE_STR,
                "email": _NULLABLE_STR,
                "organization": _NULLABLE_STR,
            },
        },
        "certificate": {
            "type": ["object", "null"],
            "properties": {
                "subject": {"type": "string"},
                "issuer": {"type": "string"},
                "serial_number": {"type": "string"},
                "not_before": {"type": "string", "format": "date-time"},
                "not_after": {"type": "string", "format": "date-time"},
                "sha256": {"type": "string"},
                "key": {"type": "string"},
                "key_usage": {"type": "array", "items": {"type": "string"}},
                "policies": {"type": "array", "items": {"type": "string"}},
                "qc_statements": {"type": "array", "items": {"type": "string"}},
                "qualified": {"type": "boolean"},
                "chain": {"type": "array", "items": {"type": "string"}},
            },
        },
        "signing_time": {
            "type": ["object", "null"],
            "required": ["value", "source"],
            "properties": {
                "value": {"type": "string", "format": "date-time"},
                "source": {"enum": ["timestamp", "signed_attribute", "pdf", "xades", "verification_time"]},
                "claimed": _NULLABLE_STR,
            },
        },
        "profile": {"enum": ["P1", "P2", "P3", "P4", None]},
        "level": _NULLABLE_STR,
        "timestamps": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "time", "valid"],
                "properties": {
                    "type": {"enum": ["signature", "document", "archive", "content"]},
                    "time": {"type": "string", "format": "date-time"},
                    "tsa": _NULLABLE_STR,
                    "valid": {"type": "boolean"},
                    "code": {"type": "string"},
                },
            },
        },
        "checks": {"type": "array", "items": {"$ref": "#/$defs/check"}},
        "counter_signatures": {"type": "array", "items": {"$ref": "#/$defs/signature"}},
    },
}

#: JSON Schema (2020-12) of :meth:`Report.to_dict`; the OpenAPI document publishes it.
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "VerificationReport",
    "type": "object",
    "required": ["file", "format", "indication", "signatures"],
    "additionalProperties": False,
    "properties": {
        "file": _NULLABLE_STR,
        "format": {
            "enum": [
                "CAdES-attached",
                "CAdES-detached",
                "PAdES",
                "XAdES-enveloped",
                "XAdES-enveloping",
                "XAdES-detached",
            ]
        },
        "indication": {"enum": [TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE]},
        "signatures": {"type": "array", "items": {"$ref": "#/$defs/signature"}},
    },
    "$defs": {"check": _CHECK_SCHEMA, "signature": _SIGNATURE_SCHEMA},
}


def openapi_schemas() -> dict[str, Any]:
    """:data:`REPORT_SCHEMA` split into OpenAPI component schemas (``VerificationReport`` and parts)."""
    import copy

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str):
                    v = v.replace("#/$defs/check", "#/components/schemas/VerificationCheck").replace(
                        "#/$defs/signature", "#/components/schemas/VerificationSignature"
                    )
                out[k] = rewrite(v)
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    report = copy.deepcopy(REPORT_SCHEMA)
    defs = report.pop("$defs")
    report.pop("$schema", None)
    return {
        "VerificationReport": rewrite(report),
        "VerificationSignature": rewrite(defs["signature"]),
        "VerificationCheck": rewrite(defs["check"]),
    }
