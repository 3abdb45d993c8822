"""The token doctor: an ordered, PIN-safe diagnosis of "e-imza çalışmıyor".

:func:`diagnose` runs the checks of :data:`CHECK_IDS` in order and always returns every one of them,
each ``ok``, ``warn``, ``fail`` or ``skipped`` (with the reason). A check that cannot run because an
earlier one failed is skipped and says which one.

PIN safety: no login without a PIN the user gave; one user login attempt at most; no login at all when
the card reports the final try or a locked PIN; after a failed login the flags are read again and the
tries state is reported, together with how it was learned (cards' flags can lie, so ``pin.state``
details say whether a login confirmed them).
"""

from __future__ import annotations

import asyncio
import enum
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pkcs11.exceptions as p11
from pkcs11 import SlotFlag, TokenFlag

from ebys_support import i18n
from ebys_support.errors import EbysError
from ebys_support.tokens.certs import now_utc
from ebys_support.tokens.errors import PinFormat, PinRequired, TokenError, from_pkcs11
from ebys_support.tokens.inventory import KeyInfo, TokenCertificate, read_objects
from ebys_support.tokens.modules import ModuleInfo, discover_modules
from ebys_support.tokens.selftest import sign_challenge, spki_der
from ebys_support.tokens.session import TOKEN_LOCK, PinState, flag_names, load_module, login, pin_state

__all__ = ["CHECK_IDS", "Status", "Check", "Diagnosis", "diagnose"]

#: Every check of a diagnosis, in the order they run (stable ids: API).
CHECK_IDS: tuple[str, ...] = (
    "module.found",
    "module.loads",
    "slots.present",
    "token.present",
    "token.recognized",
    "token.initialized",
    "pin.initialized",
    "pin.state",
    "certs.present",
    "cert.signing",
    "cert.key_pair",
    "cert.validity",
    "cert.qualified",
    "cert.chain",
    "cert.revocation",
    "clock.skew",
    "selftest.sign",
)


class Status(enum.StrEnum):
    """Outcome of one check; :attr:`rank` orders them worst first."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"

    @property
    def rank(self) -> int:
        return {"fail": 3, "warn": 2, "ok": 1, "skipped": 0}[self.value]


@dataclass(frozen=True)
class Check:
    """One line of the diagnosis.

    :ivar code: the stable problem code for ``warn``/``fail`` (e.g. ``token.pin_locked``), else None.
    :ivar details: facts (JSON-serialisable); they also fill the message placeholders.
    :ivar remedy_key: catalogue key of the remedy when it differs from ``ui.token.remedy.<code>``.
    """

    id: str
    status: Status
    code: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    remedy_key: str | None = None

    def title(self, lang: str = "en") -> str:
        """Short name of the check (``PIN durumu``, ``PIN state``)."""
        return i18n.message(f"ui.token.check.{self.id}", lang)

    def _params(self, lang: str) -> dict[str, Any]:
        params = {
            k: ("-" if v is None else v) for k, v in self.details.items() if not isinstance(v, list | dict)
        }
        usage = self.details.get("key_usage")
        if isinstance(usage, list):
            names = [i18n.message(f"ui.token.usage.{u}", lang) for u in usage]
            params["usage_text"] = ", ".join(names) or "-"
        source = self.details.get("source")
        if isinstance(source, str) and i18n.has(f"ui.token.source.{source}"):
            params["source_text"] = i18n.message(f"ui.token.source.{source}", lang)
        params["login_text"] = (
            i18n.message("ui.token.login_ok", lang) if self.details.get("login") == "ok" else ""
        )
        after = self.details.get("after")
        if isinstance(after, str):
            params["after_title"] = i18n.message(f"ui.token.check.{after}", lang)
        tries = self.details.get("tries")
        if isinstance(tries, str):
            params["tries_text"] = i18n.message(f"ui.token.tries.{tries}", lang)
        kind = self.details.get("kind")
        if isinstance(kind, str):
            params["kind_text"] = i18n.message(f"ui.token.kind.{kind}", lang)
        skew = self.details.get("skew_seconds")
        if isinstance(skew, int | float):
            # Positive: the local clock is ahead. Turkish writes a decimal comma.
            text = f"{abs(skew):.1f}"
            params["skew_abs"] = text.replace(".", ",") if lang == "tr" else text
            params["direction_text"] = i18n.message(
                f"ui.token.direction.{'ahead' if skew > 0 else 'behind'}", lang
            )
        confirmed = self.details.get("confirmed")
        if isinstance(confirmed, str):
            params["confirmed_text"] = i18n.message(f"ui.token.confirmed.{confirmed}", lang)
        return params

    def message(self, lang: str = "en") -> str:
        """What was found, in ``lang``."""
        params = self._params(lang)
        if self.status is Status.SKIPPED:
            return i18n.message(f"ui.token.skipped.{self.details.get('reason', 'after')}", lang, **params)
        if self.status is Status.OK:
            return i18n.message(f"ui.token.ok.{self.id}", lang, **params)
        return i18n.message(self.code or "ebys.error", lang, **params)

    def remedy(self, lang: str = "en") -> str | None:
        """What to do about it (``None`` for ``ok``/``skipped``)."""
        if self.status in (Status.OK, Status.SKIPPED) or self.code is None:
            return None
        key = self.remedy_key or f"ui.token.remedy.{self.code}"
        if not i18n.has(key):
            return None
        return i18n.message(key, lang, **self._params(lang))

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """``{id, status, code, message, remedy, details}``."""
        from ebys_support.errors import _jsonable

        return {
            "id": self.id,
            "status": self.status.value,
            "code": self.code,
            "message": self.message(lang),
            "remedy": self.remedy(lang),
            "details": _jsonable(dict(self.details)),
        }


@dataclass(frozen=True)
class Diagnosis:
    """Every check in order, and the worst status."""

    checks: tuple[Check, ...]

    @property
    def worst(self) -> Status:
        """``fail`` if any check failed, else ``warn`` if any warned, else ``ok``."""
        ranked = [c.status for c in self.checks if c.status is not Status.SKIPPED]
        if not ranked:
            return Status.SKIPPED
        return max(ranked, key=lambda s: s.rank)

    @property
    def failed(self) -> bool:
        return any(c.status is Status.FAIL for c in self.checks)

    def check(self, check_id: str) -> Check:
        """The check with this id.

        :raises KeyError: unknown id.
        """
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def worst_first(self) -> list[Check]:
        """The checks sorted worst first (fail, warn, ok, skipped), stable within a status."""
        return sorted(self.checks, key=lambda c: -c.status.rank)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """``{"checks": [...], "worst": ...}`` (the format attached to certificate requests)."""
        return {"checks": [c.as_dict(lang) for c in self.checks], "worst": self.worst.value}


def _ok(check_id: str, **details: Any) -> Check:
    return Check(check_id, Status.OK, None, details)


def _warn(check_id: str, code: str, *, remedy_key: str | None = None, **details: Any) -> Check:
    return Check(check_id, Status.WARN, code, details, remedy_key)


def _fail(check_id: str, code: str, *, remedy_key: str | None = None, **details: Any) -> Check:
    return Check(check_id, Status.FAIL, code, details, remedy_key)


def _skip(check_id: str, reason: str, **details: Any) -> Check:
    return Check(check_id, Status.SKIPPED, None, {"reason": reason, **details})


def _error_check(check_id: str, exc: EbysError, **extra: Any) -> Check:
    return Check(check_id, Status.FAIL, exc.code, {**exc.details, **extra})


class _Doctor:
    """State carried from one check to the next during one diagnosis."""

    def __init__(
        self,
        module: str | None,
        token: str | None,
        pin: str | Callable[[], str | None] | None,
        *,
        online: bool,
        trust: list[Any],
        extra_modules: Iterable[str],
        timeout: float,
        clock_skew_warning: float,
        expiry_warning_days: int,
        time_url: str | None,
        clock: Callable[[], datetime],
        platform: str | None = None,
    ) -> None:
        self.module = module
        self.label = token
        self.pin_source = pin
        self.pin: str | None = None
        self.online = online
        self.trust = trust
        self.extra_modules = list(extra_modules)
        self.timeout = timeout
        self.clock_skew_warning = clock_skew_warning
        self.expiry_warning_days = expiry_warning_days
        self.time_url = time_url
        self.clock = clock
        self.platform = platform
        self.checks: list[Check] = []
        self.blocker: str | None = None
        self.modules: list[ModuleInfo] = []
        self.libs: list[tuple[str, Any]] = []
        self.slots: list[tuple[str, Any]] = []
        self.readable: list[tuple[str, Any]] = []
        self.unreadable: list[TokenError] = []
        self.token: Any = None
        self.token_module: str | None = None
        self.session: Any = None
        self.logged_in = False
        self.certs: tuple[TokenCertificate, ...] = ()
        self.keys: tuple[KeyInfo, ...] = ()
        self.signing: TokenCertificate | None = None
        self.issuer_der: bytes | None = None
        self.ocsp_time: tuple[datetime, datetime, float] | None = None
        self.last_vc: Any = None

    # --- helpers --------------------------------------------------------------------------------
    def add(self, check: Check) -> Check:
        self.checks.append(check)
        if check.status is Status.FAIL and self.blocker is None and check.id in _BLOCKING:
            self.blocker = check.id
        return check

    def status_of(self, check_id: str) -> Status | None:
        for check in self.checks:
            if check.id == check_id:
                return check.status
        return None

    def skip_rest_if_blocked(self, check_id: str) -> bool:
        if self.blocker is not None:
            self.add(_skip(check_id, "after", after=self.blocker))
            return True
        return False

    # --- checks ---------------------------------------------------------------------------------
    def module_found(self) -> None:
        if self.module is not None:
            self.modules = discover_modules([self.module], known=False)
        else:
            self.modules = discover_modules(self.extra_modules, known=True, platform=self.platform)
        found = [m for m in self.modules if m.found]
        if not found:
            if self.module is not None:
                self.add(_fail("module.found", "token.module_not_found", module=self.modules[0].path))
            else:
                self.add(_fail("module.found", "token.no_modules", searched=[m.path for m in self.modules]))
            return
        self.add(
            _ok("module.found", module=", ".join(m.path for m in found), modules=[m.path for m in found])
        )

    def module_loads(self) -> None:
        if self.skip_rest_if_blocked("module.loads"):
            return
        found = [m for m in self.modules if m.found]
        loading = [m for m in found if m.loads]
        broken = [m for m in found if not m.loads]
        self.libs = [(m.path, load_module(m.path)) for m in loading]
        if not loading:
            first = broken[0]
            self.add(
                _fail(
                    "module.loads",
                    first.error or "token.module_load_failed",
                    remedy_key=_load_remedy(first),
                    module=first.path,
                    reason=first.reason,
                    cause=first.cause,
                )
            )
            return
        if broken:
            self.add(
                _warn(
                    "module.loads",
                    "token.module_load_failed",
                    remedy_key=_load_remedy(broken[0]),
                    module=broken[0].path,
                    reason=broken[0].reason,
                    cause=broken[0].cause,
                    loaded=[m.path for m in loading],
                )
            )
            return
        self.add(
            _ok(
                "module.loads",
                module=", ".join(m.path for m in loading),
                library="; ".join(
                    f"{m.manufacturer} {m.library_description} {m.library_version}".strip() for m in loading
                ),
            )
        )

    def slots_present(self) -> None:
        if self.skip_rest_if_blocked("slots.present"):
            return
        errors: list[TokenError] = []
        for path, lib in self.libs:
            try:
                for slot in lib.get_slots():
                    self.slots.append((path, slot))
            except p11.PKCS11Error as exc:
                errors.append(from_pkcs11(exc, module=path))
        if not self.slots:
            if errors:
                self.add(_error_check("slots.present", errors[0]))
            else:
                self.add(_fail("slots.present", "token.no_slots", modules=[p for p, _ in self.libs]))
            return
        self.add(
            _ok("slots.present", count=len(self.slots), readers=[s.slot_description for _, s in self.slots])
        )

    def token_present(self) -> None:
        if self.skip_rest_if_blocked("token.present"):
            return
        present = [(p, s) for p, s in self.slots if s.flags & SlotFlag.TOKEN_PRESENT]
        if not present:
            self.add(_fail("token.present", "token.not_present", count=len(self.slots)))
            return
        self.readable = []
        self.unreadable = []
        seen: set[tuple[str, bytes]] = set()
        for path, slot in present:
            try:
                card = slot.get_token()
            except p11.PKCS11Error as exc:
                self.unreadable.append(from_pkcs11(exc, reader=slot.slot_description))
                continue
            # One card is often visible through two modules (AKİS and OpenSC): count it once, through
            # the first module that shows it.
            key = (card.label, bytes(card.serial))
            if key in seen:
                continue
            seen.add(key)
            self.readable.append((path, card))
        count = len(self.readable) + len(self.unreadable)
        if self.label is not None:
            matching = [(p, t) for p, t in self.readable if t.label == self.label]
            if not matching and not self.unreadable:
                # The card asked for is not among the inserted ones.
                available = ", ".join(t.label for _, t in self.readable if t.label) or "-"
                self.add(_fail("token.present", "token.not_found", label=self.label, available=available))
                return
            self.readable = matching
        self.add(_ok("token.present", count=count))

    def token_recognized(self) -> None:
        if self.skip_rest_if_blocked("token.recognized"):
            return
        if not self.readable:
            err = self.unreadable[0] if self.unreadable else TokenError("token.not_recognized")
            self.add(_error_check("token.recognized", err))
            return
        # Prefer initialised tokens: SoftHSM2 and some middleware show an empty extra slot.
        initialised = [(p, t) for p, t in self.readable if t.flags & TokenFlag.TOKEN_INITIALIZED]
        candidates = initialised or self.readable
        self.token_module, self.token = candidates[0]
        others = [t.label for _p, t in candidates[1:]]
        details: dict[str, Any] = {
            "label": self.token.label,
            "serial": bytes(self.token.serial).decode("ascii", "replace"),
            "manufacturer": self.token.manufacturer_id,
            "model": self.token.model,
            "module": self.token_module,
        }
        if others:
            self.add(_warn("token.recognized", "token.multiple", available=", ".join(others), **details))
            return
        self.add(_ok("token.recognized", **details))

    def _flag_missing(self, check_id: str, flag: int, code: str) -> bool:
        """Skip ``check_id`` or fail it with ``code`` when the token lacks ``flag``; True if it did either."""
        if self.skip_rest_if_blocked(check_id):
            return True
        flags = int(self.token.flags)
        if not flags & flag:
            self.add(_fail(check_id, code, flags=flag_names(flags)))
            return True
        return False

    def token_initialized(self) -> None:
        if not self._flag_missing("token.initialized", TokenFlag.TOKEN_INITIALIZED, "token.not_initialized"):
            self.add(_ok("token.initialized", label=self.token.label))

    def pin_initialized(self) -> None:
        if not self._flag_missing(
            "pin.initialized", TokenFlag.USER_PIN_INITIALIZED, "token.pin_not_initialized"
        ):
            self.add(_ok("pin.initialized"))

    def pin_check(self) -> None:
        if self.skip_rest_if_blocked("pin.state"):
            return
        previous = self.checks[-1]
        if previous.id == "pin.initialized" and previous.status is Status.FAIL:
            self.add(_skip("pin.state", "after", after="pin.initialized"))
            return
        try:
            fresh = self.token.slot.get_token()
        except p11.PKCS11Error as exc:
            self.add(_error_check("pin.state", from_pkcs11(exc)))
            return
        self.token = fresh
        flags = int(fresh.flags)
        state = pin_state(flags)
        base: dict[str, Any] = {
            "tries": state.value,
            "learned_from": "token_flags",
            "confirmed_by_login": False,
            "login_attempted": False,
            "flags": flag_names(flags),
        }
        if state is PinState.LOCKED:
            self.add(_fail("pin.state", "token.pin_locked", **base))
            return
        if state is PinState.FINAL_TRY:
            self.add(_fail("pin.state", "token.pin_final_try", **base))
            return
        # Ask for the PIN only now that the card says a login is safe (never at final try / locked).
        self.pin = self.pin_source() if callable(self.pin_source) else self.pin_source
        if self.pin is None:
            if state is PinState.COUNT_LOW:
                self.add(_warn("pin.state", "token.pin_count_low", **base))
            else:
                self.add(_ok("pin.state", **base))
            return
        try:
            result = login(fresh, self.pin)
        except (PinRequired, PinFormat) as exc:
            # Refused before touching the card: no try was spent.
            self.add(_error_check("pin.state", exc, **base))
            return
        except TokenError as exc:
            details = {**base, **exc.details}
            attempted = bool(exc.details.get("login_attempted", False))
            details["login_attempted"] = attempted
            if attempted:
                details["learned_from"] = "login_result+token_flags_reread"
                details["confirmed_by_login"] = True
            code = exc.code
            tries = details.get("tries")
            remedy = None
            if code == "token.pin_incorrect" and isinstance(tries, str):
                remedy = f"ui.token.remedy.token.pin_incorrect.{tries}"
                if tries == PinState.LOCKED.value:
                    code = "token.pin_locked"
                    remedy = None
            self.add(_fail("pin.state", code, remedy_key=remedy, **details))
            return
        self.session = result.session
        self.logged_in = True
        base.update({"login_attempted": True, "confirmed_by_login": True, "learned_from": "login_result"})
        base["tries"] = PinState.OK.value
        self.add(_ok("pin.state", login="ok", **base))

    def certs_present(self) -> None:
        if self.skip_rest_if_blocked("certs.present"):
            return
        try:
            if self.session is None:
                self.session = self.token.open()
            self.certs, self.keys = read_objects(self.session)
        except p11.PKCS11Error as exc:
            self.add(_error_check("certs.present", from_pkcs11(exc)))
            self.blocker = "certs.present"
            return
        except TokenError as exc:
            self.add(_error_check("certs.present", exc))
            self.blocker = "certs.present"
            return
        cert_ids = {c.id for c in self.certs}
        orphans = sorted({k.id for k in self.keys if k.id not in cert_ids})
        if not self.certs:
            remedy = "ui.token.remedy.token.certificate_missing.orphan_keys" if orphans else None
            self.add(
                _fail("certs.present", "token.certificate_missing", remedy_key=remedy, orphan_keys=orphans)
            )
            self.blocker = "certs.present"
            return
        self.add(
            _ok(
                "certs.present",
                count=len(self.certs),
                certificates=[c.info.common_name or c.info.subject for c in self.certs],
                orphan_keys=orphans,
            )
        )

    def cert_signing(self) -> None:
        if self.skip_rest_if_blocked("cert.signing"):
            return
        now = self.clock()
        signers = [c for c in self.certs if c.info.can_sign and not c.info.is_ca]

        def preference(c: TokenCertificate) -> tuple[bool, bool, bool, datetime]:
            return (
                "non_repudiation" in c.info.key_usage,
                c.info.qualified,
                c.info.validity_at(now) == "valid",
                c.info.not_after,
            )

        if not signers:
            self.add(
                _fail(
                    "cert.signing",
                    "token.no_signing_certificate",
                    certificates=[
                        {"subject": c.info.subject, "key_usage": list(c.info.key_usage)} for c in self.certs
                    ],
                    key_usage=sorted({u for c in self.certs for u in c.info.key_usage}),
                )
            )
            self.blocker = "cert.signing"
            return
        self.signing = max(signers, key=preference)
        info = self.signing.info
        details: dict[str, Any] = {
            "subject": info.common_name or info.subject,
            "tckn": info.tckn,
            "serial": info.serial,
            "issuer": info.issuer_name,
            "id": self.signing.id,
            "key_usage": list(info.key_usage),
        }
        if "non_repudiation" not in info.key_usage:
            self.add(_warn("cert.signing", "token.cert_no_nonrepudiation", **details))
            return
        self.add(_ok("cert.signing", **details))

    def cert_key_pair(self) -> None:
        if self.skip_rest_if_blocked("cert.key_pair"):
            return
        assert self.signing is not None
        cert = self.signing
        details: dict[str, Any] = {"id": cert.id, "logged_in": self.logged_in}
        if cert.key_mismatch:
            # A key with the certificate's CKA_ID holds another public key: signatures would not verify.
            self.add(_fail("cert.key_pair", "token.key_mismatch", **details))
            return
        if self.logged_in:
            if "private" not in cert.paired_keys:
                self.add(_fail("cert.key_pair", "token.key_missing", **details, confirmed="none"))
                return
            self.add(_ok("cert.key_pair", confirmed="private_key", **details))
            return
        if not cert.paired_keys:
            self.add(_fail("cert.key_pair", "token.key_missing", **details, confirmed="none"))
            return
        self.add(_ok("cert.key_pair", confirmed="public_key", **details))

    def cert_validity(self) -> None:
        if self.skip_rest_if_blocked("cert.validity"):
            return
        assert self.signing is not None
        info = self.signing.info
        now = self.clock()
        state = info.validity_at(now)
        details = {
            "not_before": info.not_before.date().isoformat(),
            "not_after": info.not_after.date().isoformat(),
        }
        if state == "expired":
            self.add(_fail("cert.validity", "token.cert_expired", **details))
            return
        if state == "not_yet_valid":
            self.add(_fail("cert.validity", "token.cert_not_yet_valid", **details))
            return
        days = (info.not_after - now).days
        if days < self.expiry_warning_days:
            self.add(_warn("cert.validity", "token.cert_expiring", days=days, **details))
            return
        self.add(_ok("cert.validity", days=days, **details))

    def cert_qualified(self) -> None:
        if self.skip_rest_if_blocked("cert.qualified"):
            return
        assert self.signing is not None
        info = self.signing.info
        details: dict[str, Any] = {"policies": list(info.policies), "qc_statements": list(info.qc_statements)}
        if not info.qualified:
            self.add(_fail("cert.qualified", "token.cert_not_qualified", **details))
            return
        if info.qualified_kind == "test":
            self.add(_warn("cert.qualified", "token.cert_test", **details))
            return
        self.add(_ok("cert.qualified", kind=info.qualified_kind, **details))

    def _validation_context(self, *, revocation: bool, moment: datetime) -> tuple[Any, list[Any]]:
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
        from pyhanko_certvalidator.policy_decl import (
            CertRevTrustPolicy,
            RevocationCheckingPolicy,
            RevocationCheckingRule,
        )

        from ebys_support.trust import bundled_roots

        roots = list(bundled_roots())
        intermediates = [c.info.certificate for c in self.certs if c is not self.signing]
        for cert in self.trust:
            (roots if cert.self_signed != "no" else intermediates).append(cert)
        if revocation:
            rule = RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
            )
        else:
            rule = RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
                intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
            )
        vc = ValidationContext(
            trust_roots=roots,
            other_certs=intermediates,
            moment=moment,
            allow_fetching=self.online,
            revinfo_policy=CertRevTrustPolicy(rule),
            fetcher_backend=RequestsFetcherBackend(per_request_timeout=self.timeout),
        )
        return vc, intermediates

    def _validate(self, *, revocation: bool, moment: datetime) -> tuple[Any, Any]:
        from pyhanko_certvalidator import CertificateValidator

        assert self.signing is not None
        vc, intermediates = self._validation_context(revocation=revocation, moment=moment)
        # Kept so that a failed validation (a revoked certificate) can still tell the OCSP responder's time.
        self.last_vc = vc
        validator = CertificateValidator(self.signing.info.certificate, intermediates, validation_context=vc)
        path = asyncio.run(validator.async_validate_path())
        return vc, path

    def cert_chain(self) -> None:
        if self.skip_rest_if_blocked("cert.chain"):
            return
        from pyhanko_certvalidator.errors import PathBuildingError, PathError, ValidationError

        assert self.signing is not None
        info = self.signing.info
        # Judge trust alone: validate at a moment inside the validity period (validity has its own check).
        now = self.clock()
        moment = min(max(now, info.not_before + timedelta(seconds=1)), info.not_after - timedelta(seconds=1))
        try:
            _vc, path = self._validate(revocation=False, moment=moment)
        except EbysError as exc:
            self.add(_error_check("cert.chain", exc))
            return
        except PathBuildingError as exc:
            if self.online:
                self.add(
                    _fail("cert.chain", "token.cert_untrusted", issuer=info.issuer_name, reason=str(exc))
                )
            else:
                # Offline and the issuer is not at hand: nothing is known to be wrong yet.
                self.add(
                    _warn(
                        "cert.chain", "token.cert_chain_incomplete", issuer=info.issuer_name, reason=str(exc)
                    )
                )
            return
        except (ValidationError, PathError, ValueError) as exc:
            self.add(_fail("cert.chain", "token.cert_untrusted", issuer=info.issuer_name, reason=str(exc)))
            return
        certs = list(path)
        self.issuer_der = certs[-2].dump() if len(certs) >= 2 else None
        root = certs[0]
        self.add(
            _ok(
                "cert.chain",
                root=root.subject.native.get("common_name") or root.subject.human_friendly,
                path=[c.subject.human_friendly for c in certs],
            )
        )

    def cert_revocation(self) -> None:
        if not self.online:
            self.add(_skip("cert.revocation", "offline"))
            return
        if self.skip_rest_if_blocked("cert.revocation"):
            return
        from pyhanko_certvalidator.errors import PathError, RevokedError, ValidationError

        if self.status_of("cert.chain") is not Status.OK:
            # Without a path to a trusted root, responses cannot be verified.
            self.add(_skip("cert.revocation", "after", after="cert.chain"))
            return
        assert self.signing is not None
        info = self.signing.info
        if info.validity_at(self.clock()) != "valid":
            self.add(_skip("cert.revocation", "after", after="cert.validity"))
            return
        started = time.monotonic()
        local_before = now_utc()
        try:
            vc, _path = self._validate(revocation=True, moment=now_utc())
        except RevokedError as exc:
            self._remember_ocsp_time(self.last_vc, local_before, time.monotonic() - started)
            self.add(
                _fail(
                    "cert.revocation",
                    "token.cert_revoked",
                    revoked_at=exc.revocation_dt.date().isoformat(),
                    reason=str(exc.reason.native) if exc.reason is not None else None,
                )
            )
            return
        except (ValidationError, PathError, ValueError, OSError) as exc:
            self.add(_warn("cert.revocation", "token.revocation_unknown", reason=str(exc)))
            return
        sources = []
        if self._remember_ocsp_time(vc, local_before, time.monotonic() - started):
            sources.append("ocsp")
        if vc.crls:
            sources.append("crl")
        self.add(_ok("cert.revocation", sources=sources, source=", ".join(sources).upper() or "-"))

    def _remember_ocsp_time(self, vc: Any, local_before: datetime, elapsed: float) -> bool:
        """Keep the last OCSP response's signed time as a trusted clock sample; False if there is none."""
        if vc is None or not vc.ocsps:
            return False
        try:
            tbs = vc.ocsps[-1]["response_bytes"]["response"].parsed["tbs_response_data"]
            produced = tbs["produced_at"].native
        except (KeyError, TypeError, ValueError):
            return False
        self.ocsp_time = (produced, local_before + timedelta(seconds=elapsed / 2), elapsed / 2)
        return True

    def clock_skew(self) -> None:
        if not self.online:
            self.add(_skip("clock.skew", "offline"))
            return
        sample: tuple[datetime, datetime, float] | None = None
        source = None
        errors: list[str] = []
        if self.time_url:
            try:
                sample = _tsa_time(self.time_url, self.timeout)
                source = "tsa"
            except (OSError, ValueError) as exc:
                errors.append(f"tsa: {exc}")
        if sample is None and self.ocsp_time is not None:
            sample, source = self.ocsp_time, "ocsp"
        if sample is None:
            revocation = next((c for c in self.checks if c.id == "cert.revocation"), None)
            after = revocation.details.get("after") if revocation is not None else None
            if not self.time_url and after:
                # The OCSP answer is the only trusted clock here and no server was even asked: point at
                # what stopped the revocation check (the chain, the card...) rather than at a server.
                self.add(_skip("clock.skew", "after", after=after))
            else:
                self.add(_skip("clock.skew", "no_time_source", errors=errors))
            return
        server_time, local_mid, uncertainty = sample
        # The local clock as the caller sees it (``clock``) against the real elapsed-time midpoint.
        local_view = local_mid + (self.clock() - now_utc())
        skew = (local_view - server_time).total_seconds()
        details: dict[str, Any] = {
            "skew_seconds": round(skew, 1),
            "source": source,
            "server_time": server_time.isoformat(),
            "uncertainty_seconds": round(uncertainty + 1.0, 1),
            "threshold_seconds": self.clock_skew_warning,
        }
        if abs(skew) > self.clock_skew_warning + uncertainty + 1.0:
            self.add(_warn("clock.skew", "token.clock_skew", **details))
            return
        self.add(_ok("clock.skew", **details))

    def selftest(self) -> None:
        if self.skip_rest_if_blocked("selftest.sign"):
            return
        # A PIN problem comes first: never suggest typing a PIN into a locked card.
        for earlier in ("pin.initialized", "pin.state"):
            if self.status_of(earlier) is Status.FAIL:
                self.add(_skip("selftest.sign", "after", after=earlier))
                return
        if self.pin_source is None:
            self.add(_skip("selftest.sign", "no_pin"))
            return
        if not self.logged_in or self.pin is None:
            self.add(_skip("selftest.sign", "after", after=self.blocker or "pin.state"))
            return
        key_pair = next((c for c in self.checks if c.id == "cert.key_pair"), None)
        if self.signing is None or key_pair is None or key_pair.status is not Status.OK:
            self.add(_skip("selftest.sign", "after", after=self.blocker or "cert.key_pair"))
            return
        try:
            result = sign_challenge(
                self.session, bytes.fromhex(self.signing.id), spki_der(self.signing.info.der), self.pin
            )
        except TokenError as exc:
            self.add(_error_check("selftest.sign", exc))
            return
        self.add(
            _ok(
                "selftest.sign",
                mechanism=result.mechanism,
                reauthenticated=result.reauthenticated,
                key_type=result.key_type,
            )
        )

    def close(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            except p11.PKCS11Error:
                pass
            self.session = None

    def run(self) -> Diagnosis:
        steps: list[Callable[[], None]] = [
            self.module_found,
            self.module_loads,
            self.slots_present,
            self.token_present,
            self.token_recognized,
            self.token_initialized,
            self.pin_initialized,
            self.pin_check,
            self.certs_present,
            self.cert_signing,
            self.cert_key_pair,
            self.cert_validity,
            self.cert_qualified,
            self.cert_chain,
            self.cert_revocation,
            self.clock_skew,
            self.selftest,
        ]
        with TOKEN_LOCK:
            try:
                for step in steps:
                    step()
            finally:
                self.close()
        ids = tuple(c.id for c in self.checks)
        if ids != CHECK_IDS:  # pragma: no cover - a programming error, never a user's problem
            raise RuntimeError(f"diagnosis produced {ids}")
        return Diagnosis(tuple(self.checks))


def _load_remedy(module: ModuleInfo) -> str | None:
    """The remedy for why this module did not load (architecture, not a module...), if we have one."""
    key = f"ui.token.remedy.token.module_load_failed.{module.cause}"
    return key if module.cause and i18n.has(key) else None


#: A failure in one of these (every check up to ``token.initialized``) stops everything after it (the
#: later checks have nothing to look at).
_BLOCKING = frozenset(CHECK_IDS[: CHECK_IDS.index("token.initialized") + 1])


def _tsa_time(url: str, timeout: float) -> tuple[datetime, datetime, float]:
    """``(TSA genTime, local time at the request's midpoint, half the round trip)``."""
    import hashlib
    import secrets

    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    stamper = RequestsHTTPTimeStamper(url, timeout=timeout)
    digest = hashlib.sha256(secrets.token_bytes(16)).digest()
    started = time.monotonic()
    local_before = now_utc()
    try:
        token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    except TimestampRequestError as exc:
        raise OSError(str(exc)) from exc
    half = (time.monotonic() - started) / 2
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    return tst_info["gen_time"].native, local_before + timedelta(seconds=half), half


def diagnose(
    module: str | os.PathLike[str] | None = None,
    token: str | None = None,
    pin: str | Callable[[], str | None] | None = None,
    *,
    online: bool = True,
    trust: Iterable[str | os.PathLike[str]] | None = None,
    extra_modules: Iterable[str] = (),
    timeout: float = 10.0,
    clock_skew_warning: float = 120.0,
    expiry_warning_days: int = 30,
    time_url: str | None = None,
    clock: Callable[[], datetime] = now_utc,
    platform: str | None = None,
) -> Diagnosis:
    """Diagnose the token on this computer; every check of :data:`CHECK_IDS` is in the result.

    :param module: the only PKCS#11 module to examine; ``None``: every known module of this OS plus
        ``extra_modules`` (from the configuration).
    :param token: the token label to examine (default: the first initialised token present).
    :param pin: the user's PIN, given by the user, for one login attempt and the self-test; or a
        function returning it, called only once the card's flags say a login is safe (so nobody is
        asked for a PIN on a locked card). ``None``: no login at all (``selftest.sign`` is skipped).
        Never logged or stored.
    :param online: fetch revocation data and a trusted time; ``False`` skips ``cert.revocation`` and
        ``clock.skew``.
    :param trust: extra trust anchors (PEM/DER files or directories) next to the bundled KamuSM roots.
    :param timeout: seconds for each OCSP/CRL/TSA/certificate request.
    :param clock_skew_warning: seconds of clock difference that make ``clock.skew`` warn.
    :param expiry_warning_days: ``cert.validity`` warns when fewer days are left.
    :param time_url: a TSA URL used as the trusted clock (else the OCSP responder's time).
    :param clock: the local clock (the default reads the system clock).
    :param platform: a ``sys.platform`` value whose known module paths are searched (default: this OS).
    :raises InputError: a ``trust`` path is missing or holds no certificate (checked before anything
        else runs); otherwise problems are checks, not exceptions.
    """
    from ebys_support.trust import load_certificates

    anchors = [cert for path in trust or () for cert in load_certificates(os.fspath(path))]
    doctor = _Doctor(
        os.fspath(module) if module is not None else None,
        token,
        pin,
        online=online,
        trust=anchors,
        extra_modules=extra_modules,
        timeout=timeout,
        clock_skew_warning=clock_skew_warning,
        expiry_warning_days=expiry_warning_days,
        time_url=time_url or None,
        clock=clock,
        platform=platform,
    )
    return doctor.run()
