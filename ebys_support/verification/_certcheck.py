"""Certificate checks common to every format: path, validity at the right time, revocation, qualified."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import core

from ebys_support.verification._context import Context
from ebys_support.verification._crypto import Cert, key_description, key_strength_ok
from ebys_support.verification.profiles import policy_data
from ebys_support.verification.report import Check, SignatureReport, mask_national_id
from ebys_support.verification.revocation import RevocationStatus

__all__ = ["TimeInfo", "check_certificate", "certificate_facts", "signer_facts", "qc_statement_ids"]

_SKEW = timedelta(minutes=5)


class _QcStatement(core.Sequence):
    _fields = [("statement_id", core.ObjectIdentifier), ("statement_info", core.Any, {"optional": True})]


class _QcStatements(core.SequenceOf):
    _child_spec = _QcStatement


_FACTS: dict[tuple[str, str], Any] = {}


def _cached(kind: str, cert: Cert, make: Any) -> Any:
    """Per-certificate facts are computed once (a batch meets the same signers again and again)."""
    key = (kind, cert.sha256)
    hit = _FACTS.get(key)
    if hit is None:
        if len(_FACTS) > 20_000:
            _FACTS.clear()
        hit = _FACTS[key] = make()
    return hit


def qc_statement_ids(cert: Cert) -> list[str]:
    return list(_cached("qc", cert, lambda: tuple(_qc_statement_ids(cert))))


def _qc_statement_ids(cert: Cert) -> list[str]:
    for ext in cert.asn1["tbs_certificate"]["extensions"]:
        if ext["extn_id"].dotted == "1.3.6.1.5.5.7.1.3":
            try:
                return [s["statement_id"].dotted for s in _QcStatements.load(ext["extn_value"].contents)]
            except (ValueError, TypeError):
                return []
    return []


def _policies(cert: Cert) -> list[str]:
    pols = cert.extension("certificate_policies")
    return [p["policy_identifier"].dotted for p in pols or ()]


def _key_usage(cert: Cert) -> list[str]:
    ku = cert.extension("key_usage")
    return sorted(ku.native) if ku is not None else []


def certificate_facts(
    cert: Cert, chain: tuple[Cert, ...] = (), *, show_national_id: bool = False
) -> dict[str, Any]:
    """The certificate's facts for the report; the T.C. Kimlik No in the subject is masked unless asked."""
    facts = _cached(f"facts{show_national_id}", cert, lambda: _certificate_facts(cert, show_national_id))
    return dict(
        facts,
        key_usage=list(facts["key_usage"]),
        policies=list(facts["policies"]),
        qc_statements=list(facts["qc_statements"]),
        chain=[c.subject_text for c in chain[1:]],
    )


def _certificate_facts(cert: Cert, show_national_id: bool) -> dict[str, Any]:
    qc = qc_statement_ids(cert)
    data = policy_data()["qualified"]
    subject = cert.subject_text
    serial = cert.asn1.subject.native.get("serial_number")
    if not show_national_id and isinstance(serial, str) and serial:
        masked = re.sub(r"\d{11}", lambda m: mask_national_id(m.group()), serial)
        subject = subject.replace(serial, masked)
    return {
        "subject": subject,
        "issuer": cert.issuer_text,
        "serial_number": format(cert.serial, "x"),
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "sha256": cert.sha256,
        "key": key_description(cert.public_key),
        "key_usage": _key_usage(cert),
        "policies": _policies(cert),
        "qc_statements": qc,
        "qualified": data["qc_compliance"] in qc and data["btk_statement"] in qc,
        "chain": [],
    }


def signer_facts(cert: Cert, show_national_id: bool) -> dict[str, Any]:
    return dict(_cached(f"signer{show_national_id}", cert, lambda: _signer_facts(cert, show_national_id)))


def _signer_facts(cert: Cert, show_national_id: bool) -> dict[str, Any]:
    subject = cert.asn1.subject.native
    tckn = subject.get("serial_number")
    if isinstance(tckn, str):
        digits = "".join(ch for ch in tckn if ch.isdigit())
        tckn = digits if len(digits) == 11 else tckn
        if not show_national_id:
            tckn = mask_national_id(tckn)
    org = subject.get("organization_name")
    email = subject.get("email_address")
    name = subject.get("common_name")
    return {
        "name": name if isinstance(name, str) else (", ".join(name) if name else None),
        "national_id": tckn if isinstance(tckn, str) else None,
        "email": email if isinstance(email, str) else None,
        "organization": org if isinstance(org, str) else None,
    }


@dataclass(frozen=True)
class TimeInfo:
    """``poe``: time proven by a valid time-stamp; ``claimed``: the signed signing time."""

    poe: datetime | None
    claimed: datetime | None


def check_certificate(
    report: SignatureReport,
    ctx: Context,
    cert: Cert,
    times: TimeInfo,
    *,
    prefer_revocation: str | None = None,
    qualified: bool = True,
) -> tuple[tuple[Cert, ...], RevocationStatus | None]:
    """Add the chain, validity, revocation and (for signers) qualified checks to ``report``.

    :returns: the chain found (signer first) and the signer certificate's revocation status.
    """
    v = ctx.verifier
    online = v.revocation.mode == "online"
    v.trust.add_intermediates(ctx.certs)
    path = v.trust.build(cert, online=online)
    at = times.poe or ctx.now
    if not path.ok:
        report.add(
            "chain",
            "indeterminate",
            path.code or "verify.chain.not_found",
            path.sub_indication,
            detail=path.detail,
        )
    else:
        anchor = path.chain[-1]
        report.add("chain", "passed", "verify.chain.ok", anchor=anchor.short_name)
    chain = path.chain

    # Validity of the signer certificate at the validation time.
    if times.claimed is not None and times.claimed < cert.not_before - _SKEW:
        report.add(
            "certificate_validity",
            "failed",
            "verify.certificate.not_yet_valid",
            "NOT_YET_VALID",
            time=times.claimed.isoformat(),
            not_before=cert.not_before.isoformat(),
        )
    elif at < cert.not_before:
        status = "failed" if times.poe else "indeterminate"
        sub = "NOT_YET_VALID" if times.poe else "OUT_OF_BOUNDS_NO_POE"
        report.add(
            "certificate_validity",
            status,
            "verify.certificate.not_yet_valid",
            sub,
            time=at.isoformat(),
            not_before=cert.not_before.isoformat(),
        )
    elif at > cert.not_after:
        status, code, sub = (
            ("failed", "verify.certificate.expired", "EXPIRED")
            if times.poe
            else ("indeterminate", "verify.certificate.expired_no_poe", "OUT_OF_BOUNDS_NO_POE")
        )
        report.add(
            "certificate_validity",
            status,
            code,
            sub,
            time=at.isoformat(),
            not_after=cert.not_after.isoformat(),
        )
    else:
        report.add("certificate_validity", "passed", "verify.certificate.valid", time=at.isoformat())
    if path.ok:
        for ca in chain[1:]:
            # A CA (the anchor included) outside its validity at the validation time: indeterminate.
            if not (ca.not_before <= at <= ca.not_after):
                report.add(
                    "chain_validity",
                    "indeterminate",
                    "verify.chain.ca_out_of_validity",
                    "OUT_OF_BOUNDS_NO_POE",
                    subject=ca.short_name,
                )
                break

    # Revocation of every certificate below the anchor.
    signer_status: RevocationStatus | None = None
    if v.revocation.mode == "off":
        # Nobody knows whether the certificate was revoked: never TOTAL_PASSED (ETSI: TRY_LATER).
        report.add("revocation", "indeterminate", "verify.revocation.off", "TRY_LATER")
    elif path.ok:
        for i, c in enumerate(chain[:-1]):
            issuer = chain[i + 1]
            if c.extension("1.3.6.1.5.5.7.48.1.5") is not None and i > 0:
                continue
            st = v.revocation.status(
                c, issuer, at, evidence=ctx.evidence, prefer=prefer_revocation, now=ctx.now
            )
            if i == 0:
                signer_status = st
            who = c.short_name
            if st.status == "revoked":
                assert st.revoked_at is not None
                when = st.revoked_at.isoformat()
                if st.revoked_at <= at:
                    if times.poe:
                        report.add(
                            "revocation",
                            "failed",
                            "verify.revocation.revoked",
                            "REVOKED",
                            subject=who,
                            time=when,
                        )
                    else:
                        report.add(
                            "revocation",
                            "indeterminate",
                            "verify.revocation.revoked_no_poe",
                            "REVOKED_NO_POE",
                            subject=who,
                            time=when,
                        )
                else:
                    report.add(
                        "revocation", "warning", "verify.revocation.revoked_later", subject=who, time=when
                    )
                break
            if st.status == "unknown":
                extra = {"host": st.host} if st.host else {}
                report.add("revocation", "indeterminate", st.code, "TRY_LATER", subject=who, **extra)
                break
        else:
            src = signer_status.source if signer_status else None
            origin = signer_status.origin if signer_status else None
            report.add(
                "revocation", "passed", "verify.revocation.good", source=src or "-", origin=origin or "-"
            )
    else:
        report.add("revocation", "skipped", "verify.revocation.no_chain")

    if qualified:
        _qualified_checks(report, cert)
    return chain, signer_status


def _qualified_checks(report: SignatureReport, cert: Cert) -> None:
    checks = _cached("qualified", cert, lambda: _qualified(cert))
    report.checks.extend(checks)


def _qualified(cert: Cert) -> tuple[Check, ...]:
    report = SignatureReport()
    _qualified_uncached(report, cert)
    return tuple(report.checks)


def _qualified_uncached(report: SignatureReport, cert: Cert) -> None:
    data = policy_data()["qualified"]
    ku = _key_usage(cert)
    if "non_repudiation" in ku:
        report.add("qualified.key_usage", "passed", "verify.qualified.key_usage_ok")
    else:
        report.add(
            "qualified.key_usage",
            "indeterminate",
            "verify.qualified.no_non_repudiation",
            "CHAIN_CONSTRAINTS_FAILURE",
            usage=", ".join(ku) or "-",
        )
    pols = _policies(cert)
    listed = [p for p in pols if p in data["policies"]]
    if not pols or (data.get("require_listed_policy") and not listed):
        report.add(
            "qualified.policies", "indeterminate", "verify.qualified.no_policy", "CHAIN_CONSTRAINTS_FAILURE"
        )
    else:
        report.add("qualified.policies", "passed", "verify.qualified.policies_ok", policies=", ".join(pols))
    qc = qc_statement_ids(cert)
    if data["qc_compliance"] in qc:
        report.add("qualified.qc_compliance", "passed", "verify.qualified.qc_compliance_ok")
    else:
        report.add(
            "qualified.qc_compliance",
            "indeterminate",
            "verify.qualified.no_qc_compliance",
            "CHAIN_CONSTRAINTS_FAILURE",
        )
    if data["btk_statement"] in qc:
        report.add("qualified.btk", "passed", "verify.qualified.btk_ok")
    else:
        report.add("qualified.btk", "indeterminate", "verify.qualified.no_btk", "CHAIN_CONSTRAINTS_FAILURE")
    if key_strength_ok(cert.public_key):
        report.add("key_strength", "passed", "verify.key.strength_ok", key=key_description(cert.public_key))
    else:
        report.add(
            "key_strength",
            "indeterminate",
            "verify.key.too_weak",
            "CRYPTO_CONSTRAINTS_FAILURE",
            key=key_description(cert.public_key),
        )
