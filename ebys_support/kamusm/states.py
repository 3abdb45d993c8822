"""Request types, statuses and the transition tables, enforced by one function.

KamuSM publishes no status names (see the KamuSM NES process: unit asks → NES yetkilisi approves → KamuSM
e-mails the applicant → form and taahhütname → [payment, for Kişi Ödemeli] → production → card shipped →
user fetches the PIN online); the model below is ours and its milestones are those steps.

Certificate requests (``new``, ``renewal``, ``lost_stolen``, ``additional``, ``update``)::

    draft → submitted → approved → sent_to_kamusm → awaiting_applicant → [awaiting_payment]
          → in_production → shipped → delivered → activated → closed

``awaiting_payment`` is part of the path exactly when the applicant pays (``payment_mode="personal"``: the
signed form precedes payment); with institution payment it is skipped. ``revocation`` and ``suspension``
(done online) take ``draft → submitted → approved → sent_to_kamusm → closed``; ``pin_unblock`` takes
``draft → submitted → sent_to_kamusm → awaiting_applicant → closed``. Every open request may go
``on_hold`` (and back to where it was) or be ``cancelled``; ``rejected`` is reachable while a decision is
pending (by the NES yetkilisi or by KamuSM). ``closed``, ``rejected`` and ``cancelled`` are final.

>>> allowed_targets(RequestType.NEW, RequestStatus.AWAITING_APPLICANT, payment_mode="institution")
('in_production', 'on_hold', 'cancelled')
>>> check_transition(RequestType.REVOCATION, RequestStatus.DRAFT, RequestStatus.CLOSED)
Traceback (most recent call last):
...
ebys_support.kamusm.states.InvalidTransition: ...
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ebys_support.errors import EbysError, ValidationFailed

__all__ = [
    "RequestType",
    "RequestStatus",
    "UpdateReason",
    "PaymentMode",
    "CertificateStatus",
    "InvalidTransition",
    "KamusmValidationFailed",
    "LabelledMessage",
    "label_params",
    "TRANSITIONS",
    "FINAL",
    "CLOCK_STOPPED",
    "CERTIFICATE_TYPES",
    "allowed_targets",
    "check_transition",
    "is_open",
    "status_table",
]


class RequestType(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"
    LOST_STOLEN = "lost_stolen"
    ADDITIONAL = "additional"
    UPDATE = "update"
    REVOCATION = "revocation"
    SUSPENSION = "suspension"
    PIN_UNBLOCK = "pin_unblock"


class UpdateReason(StrEnum):
    PUK_BLOCKED = "puk_blocked"
    CARD_FAULT = "card_fault"
    IDENTITY_CHANGE = "identity_change"


class PaymentMode(StrEnum):
    INSTITUTION = "institution"
    PERSONAL = "personal"


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    REPLACED = "replaced"


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SENT_TO_KAMUSM = "sent_to_kamusm"
    AWAITING_APPLICANT = "awaiting_applicant"
    AWAITING_PAYMENT = "awaiting_payment"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    ACTIVATED = "activated"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


def label_params(details: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """``details`` plus localized labels for the message placeholders of the KamuSM errors.

    Codes stay what a person types (``requests move 7 submitted``); Turkish messages name each status by
    its Turkish label with the code after it, English ones by the code. Added placeholders:
    ``type_label``, ``status_label``, ``entity_label``, ``from_status``, ``to_status``,
    ``allowed_statuses``.
    """
    from ebys_support import i18n

    out = {k: ("?" if v is None else v) for k, v in details.items()}

    def label(prefix: str, value: Any) -> str:
        key = f"{prefix}.{value}"
        return i18n.message(key, lang) if i18n.has(key) else str(value)

    def status(value: Any) -> str:
        if i18n.normalize_lang(lang) == "en":
            return str(value)
        return f"“{label('ui.kamusm.status', value)}” ({value})"

    if details.get("type"):
        out["type_label"] = label("ui.kamusm.type", details["type"])
    if details.get("status"):
        out["status_label"] = status(details["status"])
    if details.get("entity"):
        out["entity_label"] = label("ui.kamusm.entity", details["entity"])
    if details.get("from"):
        out["from_status"] = status(details["from"])
    if details.get("to"):
        out["to_status"] = status(details["to"])
    if "allowed_list" in details:
        names = [status(s) for s in details["allowed_list"]]
        out["allowed_statuses"] = ", ".join(names) if names else "-"
    return out


class LabelledMessage:
    """Mixin for errors whose messages name request types, statuses or entities (see
    :func:`label_params`)."""

    def localized(self, lang: str = "en") -> str:
        from ebys_support import i18n

        assert isinstance(self, EbysError)
        return i18n.message(self.code, lang, **label_params(self.details, lang))


class KamusmValidationFailed(LabelledMessage, ValidationFailed):
    """A KamuSM rule refused the change (its code says which)."""


class InvalidTransition(LabelledMessage, ValidationFailed):
    """A transition the request's table does not allow; ``details["allowed"]`` names the allowed ones."""

    code = "kamusm.invalid_transition"


S = RequestStatus
T = RequestType

#: Types that end with a certificate on a card.
CERTIFICATE_TYPES = frozenset({T.NEW, T.RENEWAL, T.LOST_STOLEN, T.ADDITIONAL, T.UPDATE})
#: Final statuses: no transition leaves them.
FINAL = frozenset({S.CLOSED, S.REJECTED, S.CANCELLED})
#: Statuses in which the request waits on KamuSM or on the applicant: the SLA clock stops.
CLOCK_STOPPED = frozenset(
    {S.SENT_TO_KAMUSM, S.IN_PRODUCTION, S.SHIPPED, S.AWAITING_APPLICANT, S.AWAITING_PAYMENT, S.DELIVERED}
)

_CERTIFICATE: dict[S, tuple[S, ...]] = {
    S.DRAFT: (S.SUBMITTED, S.CANCELLED),
    S.SUBMITTED: (S.APPROVED, S.DRAFT, S.REJECTED, S.ON_HOLD, S.CANCELLED),
    S.APPROVED: (S.SENT_TO_KAMUSM, S.ON_HOLD, S.CANCELLED),
    S.SENT_TO_KAMUSM: (S.AWAITING_APPLICANT, S.REJECTED, S.ON_HOLD, S.CANCELLED),
    S.AWAITING_APPLICANT: (S.AWAITING_PAYMENT, S.IN_PRODUCTION, S.ON_HOLD, S.CANCELLED),
    S.AWAITING_PAYMENT: (S.IN_PRODUCTION, S.ON_HOLD, S.CANCELLED),
    S.IN_PRODUCTION: (S.SHIPPED, S.ON_HOLD),
    S.SHIPPED: (S.DELIVERED,),
    S.DELIVERED: (S.ACTIVATED,),
    S.ACTIVATED: (S.CLOSED,),
}
_ONLINE: dict[S, tuple[S, ...]] = {
    S.DRAFT: (S.SUBMITTED, S.CANCELLED),
    S.SUBMITTED: (S.APPROVED, S.DRAFT, S.REJECTED, S.ON_HOLD, S.CANCELLED),
    S.APPROVED: (S.SENT_TO_KAMUSM, S.ON_HOLD, S.CANCELLED),
    S.SENT_TO_KAMUSM: (S.CLOSED, S.REJECTED, S.ON_HOLD),
}
_PIN_UNBLOCK: dict[S, tuple[S, ...]] = {
    S.DRAFT: (S.SUBMITTED, S.CANCELLED),
    S.SUBMITTED: (S.SENT_TO_KAMUSM, S.DRAFT, S.REJECTED, S.ON_HOLD, S.CANCELLED),
    S.SENT_TO_KAMUSM: (S.AWAITING_APPLICANT, S.REJECTED, S.ON_HOLD, S.CANCELLED),
    S.AWAITING_APPLICANT: (S.CLOSED, S.ON_HOLD, S.CANCELLED),
}


def _freeze(table: dict[S, tuple[S, ...]]) -> Mapping[S, tuple[S, ...]]:
    return MappingProxyType(dict(table))


#: The transition table of each request type (``on_hold`` returns to the status it was held from).
TRANSITIONS: Mapping[T, Mapping[S, tuple[S, ...]]] = MappingProxyType(
    {
        **{t: _freeze(_CERTIFICATE) for t in CERTIFICATE_TYPES},
        T.REVOCATION: _freeze(_ONLINE),
        T.SUSPENSION: _freeze(_ONLINE),
        T.PIN_UNBLOCK: _freeze(_PIN_UNBLOCK),
    }
)


def is_open(status: str) -> bool:
    """Whether a request in ``status`` is still open."""
    return S(status) not in FINAL


def allowed_targets(
    rtype: str,
    current: str,
    *,
    payment_mode: str = PaymentMode.INSTITUTION,
    held_from: str | None = None,
) -> tuple[str, ...]:
    """The statuses a request of ``rtype`` may move to from ``current``, in table order."""
    table = TRANSITIONS[T(rtype)]
    cur = S(current)
    if cur is S.ON_HOLD:
        back = S(held_from) if held_from else S.SUBMITTED
        return tuple(str(s) for s in (back, S.CANCELLED) if s is not S.ON_HOLD)
    targets = list(table.get(cur, ()))
    if T(rtype) in CERTIFICATE_TYPES and cur is S.AWAITING_APPLICANT:
        # Kişi Ödemeli: the signed form precedes the payment, and production follows the payment.
        drop = S.IN_PRODUCTION if PaymentMode(payment_mode) is PaymentMode.PERSONAL else S.AWAITING_PAYMENT
        targets.remove(drop)
    return tuple(str(s) for s in targets)


def check_transition(
    rtype: str,
    current: str,
    target: str,
    *,
    payment_mode: str = PaymentMode.INSTITUTION,
    held_from: str | None = None,
) -> None:
    """The one gate every status change goes through.

    :raises InvalidTransition: ``kamusm.invalid_transition`` with ``details["allowed"]``.
    """
    allowed = allowed_targets(rtype, current, payment_mode=payment_mode, held_from=held_from)
    if str(target) not in allowed:
        raise InvalidTransition(
            details={
                "type": str(rtype),
                "from": str(current),
                "to": str(target),
                "allowed": ", ".join(allowed) if allowed else "-",
                "allowed_list": list(allowed),
            }
        )


def status_table() -> str:
    """The transition tables as Markdown (for the documentation and the closing note)."""
    lines: list[str] = []
    groups = (
        ("new, renewal, lost_stolen, additional, update", T.NEW),
        ("revocation, suspension", T.REVOCATION),
        ("pin_unblock", T.PIN_UNBLOCK),
    )
    for title, rtype in groups:
        lines += [f"**{title}**", "", "| from | to |", "|---|---|"]
        for cur, targets in TRANSITIONS[rtype].items():
            lines.append(f"| {cur} | {', '.join(str(t) for t in targets)} |")
        lines += ["| on_hold | the status it was held from, cancelled |", ""]
    return "\n".join(lines)
