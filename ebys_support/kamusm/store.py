"""Operations on people, certificates and requests. Every change writes an audit record.

Each function works in the caller's session and transaction (commit with
:func:`ebys_support.storage.session_scope`) and takes an ``actor`` (``"cli:<user>"``,
``"apikey:<api key name>"``) for the history and the audit trail. Updates carry the version the caller last
saw: a stale one is refused with :class:`KamusmConflict` (``kamusm.conflict``, HTTP 409).
"""

from __future__ import annotations

import hashlib
import mimetypes
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ebys_support import audit
from ebys_support.config import Config
from ebys_support.errors import Conflict, NotFound, UsageError, ValidationFailed
from ebys_support.i18n import turkish
from ebys_support.kamusm import tckn as tckn_mod
from ebys_support.kamusm.certimport import CertRecord, issuer_key
from ebys_support.kamusm.models import Attachment, Certificate, Person, Request, RequestEvent
from ebys_support.kamusm.sla import DAY, WorkCalendar, load_holidays
from ebys_support.kamusm.states import (
    CERTIFICATE_TYPES,
    CLOCK_STOPPED,
    FINAL,
    CertificateStatus,
    KamusmValidationFailed,
    LabelledMessage,
    PaymentMode,
    RequestStatus,
    RequestType,
    UpdateReason,
    allowed_targets,
    check_transition,
)

__all__ = [
    "Settings",
    "KamusmConflict",
    "DuplicateOpenRequest",
    "ImportResult",
    "Page",
    "upsert_person",
    "import_people",
    "get_person",
    "list_people",
    "import_certificates",
    "list_certificates",
    "refresh_certificate_statuses",
    "create_request",
    "transition",
    "update_request",
    "add_note",
    "attach",
    "get_request",
    "list_requests",
    "history",
    "attachments",
    "draft_renewals",
    "expiring",
    "report",
    "person_dict",
    "certificate_dict",
    "request_dict",
    "sla_elapsed",
    "MAX_ATTACHMENT_BYTES",
]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_KINDS = ("diagnosis", "form", "other")
MAX_PER_PAGE = 500


class KamusmConflict(LabelledMessage, Conflict):
    """The row changed since the caller read it (stale version)."""

    code = "kamusm.conflict"


class DuplicateOpenRequest(LabelledMessage, Conflict):
    """The person already has an open request of this type (``details["request_id"]``)."""

    code = "kamusm.duplicate_open_request"


@dataclass(frozen=True)
class Settings:
    """What the rules need from the ``kamusm`` configuration section."""

    renewal_window_days: int = 90
    sla_days: int = 10
    sla_days_by_type: Mapping[str, int] = field(default_factory=dict)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @classmethod
    def from_config(cls, cfg: Config) -> Settings:
        k = cfg.kamusm
        by_type: dict[str, int] = {}
        for item in k.sla_days_by_type:
            name, _, days = item.partition("=")
            try:
                by_type[str(RequestType(name.strip()))] = int(days)
            except ValueError as exc:
                from ebys_support.errors import ConfigurationError

                raise ConfigurationError(
                    "config.invalid_value",
                    details={
                        "key": "kamusm.sla_days_by_type",
                        "reason": f"bad item {item!r}",
                        "source": "config",
                    },
                ) from exc
        holidays = load_holidays(k.holidays, cfg.resolve(k.holidays_file) if k.holidays_file else None)
        return cls(
            renewal_window_days=k.renewal_window_days,
            sla_days=k.sla_days,
            sla_days_by_type=by_type,
            calendar=WorkCalendar(holidays, k.timezone),
        )

    def sla_for(self, rtype: str) -> int:
        return self.sla_days_by_type.get(rtype, self.sla_days)


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "page": self.page, "per_page": self.per_page}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _check_version(kind: str, row_id: int, current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise KamusmConflict(
            details={"entity": kind, "id": row_id, "expected_version": expected, "current_version": current}
        )


def _flush(session: Session, kind: str, row_id: int | None, expected: int | None) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise KamusmConflict(
            details={"entity": kind, "id": row_id, "expected_version": expected, "current_version": None}
        ) from exc


# ---------------------------------------------------------------------------------------------- people


def person_dict(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "tckn": p.tckn,
        "name": p.name,
        "unit": p.unit,
        "detsis_no": p.detsis_no,
        "email": p.email,
        "phone": p.phone,
        "active": p.active,
        "created_at": _iso(p.created_at),
        "updated_at": _iso(p.updated_at),
        "version": p.version,
    }


_PERSON_FIELDS = ("name", "unit", "detsis_no", "email", "phone", "active")


def _clean_person(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        raise ValidationFailed("kamusm.missing_field", details={"field": "name"})
    out["name"] = name
    out["name_key"] = turkish.search_key(name)[:200]
    out["unit"] = str(values.get("unit") or "").strip()
    detsis = values.get("detsis_no")
    detsis_text = str(detsis).strip() if detsis not in (None, "") else None
    if detsis_text is not None and not (detsis_text.isdigit() and len(detsis_text) <= 16):
        raise ValidationFailed("kamusm.invalid_field", details={"field": "detsis_no", "value": detsis_text})
    out["detsis_no"] = detsis_text
    email = str(values.get("email") or "").strip() or None
    if email is not None and (
        "@" not in email or " " in email or email.startswith("@") or email.endswith("@")
    ):
        raise ValidationFailed("kamusm.invalid_field", details={"field": "email", "value": email})
    out["email"] = email
    out["phone"] = str(values.get("phone") or "").strip() or None
    active = values.get("active")
    if active is None:
        active = True
    if isinstance(active, str):
        # A blank cell keeps the default (active); only an explicit "no" makes someone inactive.
        active = turkish.lower(active.strip()) not in ("0", "false", "no", "hayır", "hayir", "h", "pasif")
    out["active"] = bool(active)
    return out


def upsert_person(
    session: Session,
    values: Mapping[str, Any],
    *,
    actor: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> tuple[Person, str]:
    """Create the person with ``values["tckn"]`` or update it; returns ``(person, "created"|"updated"|
    "unchanged")``. An update changes only the fields present in ``values`` (``name`` is required).

    :raises InvalidTCKN: ``kamusm.invalid_tckn``.
    :raises ValidationFailed: ``kamusm.missing_field``, ``kamusm.invalid_field``.
    :raises KamusmConflict: ``expected_version`` is stale.
    """
    number = tckn_mod.validate(str(values.get("tckn") or ""))
    clean = _clean_person(values)
    moment = now or _now()
    person = session.scalar(select(Person).where(Person.tckn == number))
    if person is None:
        person = Person(tckn=number, created_at=moment, updated_at=moment, version=1, **clean)
        session.add(person)
        _flush(session, "person", None, expected_version)
        # Certificates imported before their holder was registered are linked now.
        session.execute(
            update(Certificate)
            .where(Certificate.tckn == number, Certificate.person_id.is_(None))
            .values(person_id=person.id, version=Certificate.version + 1, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        audit.append(
            session, actor=actor, action="person.create", entity="person", entity_id=person.id,
            after=person_dict(person),
        )  # fmt: skip
        return person, "created"
    _check_version("person", person.id, person.version, expected_version)
    before = person_dict(person)
    # Only the fields given change: a list without an e-mail column does not erase e-mail addresses.
    given = set(values) | {"name", "name_key"}
    changed = {k: v for k, v in clean.items() if k in given and getattr(person, k) != v}
    if not changed:
        return person, "unchanged"
    for k, v in changed.items():
        setattr(person, k, v)
    person.updated_at = moment
    _flush(session, "person", person.id, expected_version)
    # A person's unit is copied onto their open requests so that listing by unit needs no join.
    if "unit" in changed:
        for req in session.scalars(
            select(Request).where(Request.person_id == person.id, Request.open_key.isnot(None))
        ):
            req.unit = person.unit
    audit.append(
        session, actor=actor, action="person.update", entity="person", entity_id=person.id,
        before=before, after=person_dict(person),
    )  # fmt: skip
    return person, "updated"


def import_people(session: Session, rows: Iterable[Mapping[str, Any]], *, actor: str) -> ImportResult:
    """Create or update people from rows (``tckn``, ``name``, ``unit``, ``detsis_no``, ``email``,
    ``phone``, ``active``). A bad row is reported with its number and skipped; the rest is imported."""
    counts: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        try:
            with session.begin_nested():
                _person, outcome = upsert_person(session, row, actor=actor)
            counts[outcome] += 1
        except ValidationFailed as exc:
            errors.append({"row": number, "code": exc.code, "details": exc.details})
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"], len(errors), tuple(errors))


def read_people_file(path: Path) -> list[dict[str, Any]]:
    """Rows of a people file: CSV (UTF-8, with or without BOM; ``,`` or ``;``) or JSON (a list).

    :raises InputError: ``input.unreadable`` (not UTF-8 text, or bad JSON), ``kamusm.people_file_columns``.
    """
    import csv
    import io
    import json

    from ebys_support.errors import InputError

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            "input.unreadable", details={"path": str(path), "reason": type(exc).__name__}
        ) from exc
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError("input.unreadable", details={"path": str(path), "reason": "JSON"}) from exc
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError("kamusm.people_file_columns", details={"path": str(path), "columns": "-"})
        return [dict(r) for r in data]
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    names = {f: _column(f) for f in reader.fieldnames or []}
    if "tckn" not in names.values():
        raise InputError(
            "kamusm.people_file_columns",
            details={"path": str(path), "columns": ", ".join(f.strip() for f in reader.fieldnames or [])},
        )
    return [{names.get(k, ""): (v or "").strip() for k, v in row.items() if k in names} for row in reader]


#: Turkish column headings a personnel list exported from a spreadsheet may carry (compared by
#: :func:`~ebys_support.i18n.turkish.search_key`).
_COLUMN_ALIASES = {
    "tc": "tckn",
    "tc kimlik no": "tckn",
    "tc kimlik": "tckn",
    "tckimlikno": "tckn",
    "kimlik no": "tckn",
    "ad": "name",
    "adi": "name",
    "ad soyad": "name",
    "adi soyadi": "name",
    "birim": "unit",
    "detsis": "detsis_no",
    "detsis no": "detsis_no",
    "e-posta": "email",
    "eposta": "email",
    "e-mail": "email",
    "telefon": "phone",
    "aktif": "active",
}


def _column(heading: str | None) -> str:
    """The field a people-file column heading names (``T.C. Kimlik No`` → ``tckn``)."""
    key = turkish.search_key((heading or "").replace(".", "").replace("_", " ")).strip()
    key = " ".join(key.split())
    return _COLUMN_ALIASES.get(key, key.replace(" ", "_"))


def get_person(session: Session, ref: str | int) -> Person:
    """A person by id or T.C. Kimlik No.

    :raises NotFound: ``kamusm.person_not_found``.
    :raises InvalidTCKN: ``kamusm.invalid_tckn`` for eleven digits that are no T.C. Kimlik No (a typo).
    """
    text = str(ref).strip()
    person = None
    if len(text) == 11 and text.isdigit():
        person = session.scalar(select(Person).where(Person.tckn == tckn_mod.validate(text)))
    elif text.isdigit():
        person = session.get(Person, int(text))
    if person is None:
        raise NotFound("kamusm.person_not_found", details={"person": text})
    return person


def _paging(page: int, per_page: int) -> tuple[int, int]:
    if page < 1 or per_page < 1 or per_page > MAX_PER_PAGE:
        raise UsageError("kamusm.bad_paging", details={"max": MAX_PER_PAGE})
    return page, per_page


def list_people(
    session: Session,
    *,
    unit: str | None = None,
    active: bool | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """People, by name; ``q`` matches part of the name (case and Turkish letters aside: ``sukru`` finds
    ``Şükrü``) or the start of the T.C. Kimlik No."""
    page, per_page = _paging(page, per_page)
    stmt = select(Person)
    if unit is not None:
        stmt = stmt.where(Person.unit == unit)
    if active is not None:
        stmt = stmt.where(Person.active.is_(active))
    if q:
        needle = q.strip()
        stmt = stmt.where(
            or_(
                Person.tckn.startswith(needle, autoescape=True),
                Person.name_key.contains(turkish.search_key(needle), autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Person.name, Person.id).offset((page - 1) * per_page).limit(per_page)
    )
    return Page([person_dict(p) for p in rows], total, page, per_page)


# ---------------------------------------------------------------------------------------- certificates


def certificate_dict(c: Certificate, now: datetime | None = None) -> dict[str, Any]:
    moment = now or _now()
    days = (c.not_after - moment).total_seconds() / DAY if c.not_after else None
    return {
        "id": c.id,
        "issuer": c.issuer,
        "serial": c.serial,
        "subject": c.subject,
        "tckn": c.tckn,
        "person_id": c.person_id,
        "not_before": _iso(c.not_before),
        "not_after": _iso(c.not_after),
        "days_left": None if days is None else int(days // 1),
        "card_serial": c.card_serial,
        "token_label": c.token_label,
        "status": c.status,
        "source": c.source,
        "sha256": c.sha256,
        "replaced_by_id": c.replaced_by_id,
        "version": c.version,
    }


def _append_all(session: Session, actor: str, records: list[dict[str, Any]]) -> None:
    for rec in records:
        audit.append(session, actor=actor, entity="certificate", **rec)


def import_certificates(
    session: Session, records: Sequence[CertRecord], *, actor: str, source: str, now: datetime | None = None
) -> ImportResult:
    """Add certificates to the inventory, deduplicated by issuer and serial, linked to their person by
    T.C. Kimlik No. A known certificate gains the facts it lacked (card serial, token label, dates)."""
    moment = now or _now()
    counts: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    # Audit records are appended after every row is written: on PostgreSQL the chain head must be the
    # last lock a transaction takes, or two writers could wait on each other.
    pending: list[dict[str, Any]] = []
    for rec in records:
        ikey = issuer_key(rec.issuer)
        key = (ikey, rec.serial)
        if key in seen:
            counts["unchanged"] += 1
            continue
        seen.add(key)
        person_id = None
        if rec.tckn:
            person_id = session.scalar(select(Person.id).where(Person.tckn == rec.tckn))
        cert = session.scalar(
            select(Certificate).where(Certificate.issuer_key == ikey, Certificate.serial == rec.serial)
        )
        if cert is None:
            status = CertificateStatus.ACTIVE
            if rec.not_after is not None and rec.not_after <= moment:
                status = CertificateStatus.EXPIRED
            cert = Certificate(
                issuer=rec.issuer,
                issuer_key=ikey,
                serial=rec.serial,
                subject=rec.subject,
                tckn=rec.tckn,
                person_id=person_id,
                not_before=rec.not_before,
                not_after=rec.not_after,
                card_serial=rec.card_serial,
                token_label=rec.token_label,
                status=str(status),
                source=source,
                sha256=rec.sha256,
                created_at=moment,
                updated_at=moment,
                version=1,
            )
            session.add(cert)
            _flush(session, "certificate", None, None)
            pending.append(
                {
                    "action": "certificate.import",
                    "entity_id": cert.id,
                    "after": certificate_dict(cert, moment),
                }
            )
            counts["created"] += 1
            continue
        before = certificate_dict(cert, moment)
        fill = {
            "subject": rec.subject,
            "tckn": rec.tckn,
            "person_id": person_id,
            "not_before": rec.not_before,
            "not_after": rec.not_after,
            "card_serial": rec.card_serial,
            "token_label": rec.token_label,
            "sha256": rec.sha256,
        }
        changed = False
        for name, value in fill.items():
            if value not in (None, "") and getattr(cert, name) in (None, ""):
                setattr(cert, name, value)
                changed = True
        # A card moved to another token or re-labelled: the newest inventory wins.
        for name in ("card_serial", "token_label"):
            value = getattr(rec, name)
            if value and getattr(cert, name) != value:
                setattr(cert, name, value)
                changed = True
        if not changed:
            counts["unchanged"] += 1
            continue
        cert.updated_at = moment
        _flush(session, "certificate", cert.id, None)
        pending.append(
            {"action": "certificate.update", "entity_id": cert.id, "before": before,
             "after": certificate_dict(cert, moment)}
        )  # fmt: skip
        counts["updated"] += 1
    _append_all(session, actor, pending)
    return ImportResult(counts["created"], counts["updated"], counts["unchanged"])


def refresh_certificate_statuses(
    session: Session, *, actor: str = "system", now: datetime | None = None
) -> int:
    """Mark ``active`` certificates past their end ``expired`` — or ``replaced`` when a request delivered
    their successor. Returns how many changed."""
    moment = now or _now()
    rows = session.scalars(
        select(Certificate).where(
            Certificate.status == str(CertificateStatus.ACTIVE), Certificate.not_after <= moment
        )
    ).all()
    pending: list[dict[str, Any]] = []
    for cert in rows:
        before = certificate_dict(cert, moment)
        cert.status = str(
            CertificateStatus.REPLACED if cert.replaced_by_id is not None else CertificateStatus.EXPIRED
        )
        cert.updated_at = moment
        _flush(session, "certificate", cert.id, None)
        pending.append(
            {"action": "certificate.status", "entity_id": cert.id, "before": before,
             "after": certificate_dict(cert, moment)}
        )  # fmt: skip
    _append_all(session, actor, pending)
    return len(rows)


def list_certificates(
    session: Session,
    *,
    status: str | None = None,
    tckn: str | None = None,
    person_id: int | None = None,
    expiring_within: int | None = None,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> Page:
    """Certificates by end of validity (soonest first); ``expiring_within`` days keeps active ones
    that end between now and then."""
    page, per_page = _paging(page, per_page)
    moment = now or _now()
    stmt = select(Certificate)
    if status is not None:
        stmt = stmt.where(Certificate.status == status)
    if tckn is not None:
        stmt = stmt.where(Certificate.tckn == tckn)
    if person_id is not None:
        stmt = stmt.where(Certificate.person_id == person_id)
    if expiring_within is not None:
        if expiring_within < 0:
            raise UsageError("kamusm.bad_days", details={"days": expiring_within})
        stmt = stmt.where(
            Certificate.status == str(CertificateStatus.ACTIVE),
            Certificate.not_after > moment,
            Certificate.not_after <= moment + timedelta(days=expiring_within),
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Certificate.not_after, Certificate.id).offset((page - 1) * per_page).limit(per_page)
    )
    return Page([certificate_dict(c, moment) for c in rows], total, page, per_page)


def get_certificate(session: Session, cert_id: int) -> Certificate:
    """:raises NotFound: ``kamusm.certificate_not_found``."""
    cert = session.get(Certificate, cert_id)
    if cert is None:
        raise NotFound("kamusm.certificate_not_found", details={"id": cert_id})
    return cert


# -------------------------------------------------------------------------------------------- requests


def sla_elapsed(req: Request, cal: WorkCalendar, now: datetime | None = None) -> float:
    """Working seconds the SLA clock has run for ``req`` up to ``now``."""
    elapsed = req.sla_elapsed
    if req.clock_since is not None:
        elapsed += cal.working_seconds(req.clock_since, now or _now())
    return elapsed


def _clock_runs(status: str) -> bool:
    s = RequestStatus(status)
    return s not in CLOCK_STOPPED and s not in FINAL and s is not RequestStatus.DRAFT


def _restart_clock(req: Request, settings: Settings, now: datetime) -> None:
    """Book the time run so far and set the clock for ``req.status`` (call after the status changed)."""
    if req.clock_since is not None:
        req.sla_elapsed = req.sla_elapsed + settings.calendar.working_seconds(req.clock_since, now)
    if _clock_runs(req.status):
        req.clock_since = now
        req.due_at = settings.calendar.advance(now, req.sla_days * DAY - req.sla_elapsed)
    else:
        req.clock_since = None
        req.due_at = None


def request_dict(
    req: Request,
    person: Person | None = None,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    moment = now or _now()
    cal = (settings or Settings()).calendar
    elapsed = sla_elapsed(req, cal, moment)
    return {
        "id": req.id,
        "type": req.type,
        "reason": req.reason,
        "status": req.status,
        "person_id": req.person_id,
        "person": None if person is None else {"id": person.id, "tckn": person.tckn, "name": person.name},
        "unit": req.unit,
        "certificate_id": req.certificate_id,
        "delivered_certificate_id": req.delivered_certificate_id,
        "assignee": req.assignee,
        "kamusm_ref": req.kamusm_ref,
        "tracking_no": req.tracking_no,
        "payment_mode": req.payment_mode,
        "due_at": _iso(req.due_at),
        "sla": {
            "days": req.sla_days,
            "elapsed_days": round(elapsed / DAY, 3),
            "running": req.clock_since is not None,
            "breached": elapsed > req.sla_days * DAY,
        },
        "allowed_transitions": list(
            allowed_targets(req.type, req.status, payment_mode=req.payment_mode, held_from=req.held_from)
        ),
        "created_at": _iso(req.created_at),
        "updated_at": _iso(req.updated_at),
        "status_since": _iso(req.status_since),
        "closed_at": _iso(req.closed_at),
        "version": req.version,
    }


def _audit_view(req: Request) -> dict[str, Any]:
    return {
        "type": req.type,
        "reason": req.reason,
        "status": req.status,
        "held_from": req.held_from,
        "person_id": req.person_id,
        "certificate_id": req.certificate_id,
        "delivered_certificate_id": req.delivered_certificate_id,
        "assignee": req.assignee,
        "kamusm_ref": req.kamusm_ref,
        "tracking_no": req.tracking_no,
        "payment_mode": req.payment_mode,
        "version": req.version,
    }


def _event(
    session: Session,
    req: Request,
    *,
    actor: str,
    kind: str,
    now: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
) -> None:
    session.add(
        RequestEvent(
            request_id=req.id,
            ts=now,
            actor=actor,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
    )


def _enum(kind: type[Any], value: Any, field_name: str) -> str:
    try:
        return str(kind(value))
    except ValueError as exc:
        raise ValidationFailed(
            "kamusm.invalid_field",
            details={"field": field_name, "value": str(value), "allowed": ", ".join(str(m) for m in kind)},
        ) from exc


def _check_renewal_window(session: Session, settings: Settings, cert_id: int | None, now: datetime) -> None:
    if cert_id is None:
        return
    cert = get_certificate(session, cert_id)
    if cert.not_after is None:
        return
    opens = cert.not_after - timedelta(days=settings.renewal_window_days)
    if now < opens:
        raise ValidationFailed(
            "kamusm.renewal_too_early",
            details={
                "certificate_id": cert.id,
                "not_after": cert.not_after.date().isoformat(),
                "opens": opens.date().isoformat(),
                "window_days": settings.renewal_window_days,
            },
        )


def _current_certificate(session: Session, person: Person) -> Certificate | None:
    return session.scalar(
        select(Certificate)
        .where(Certificate.person_id == person.id, Certificate.status == str(CertificateStatus.ACTIVE))
        .order_by(Certificate.not_after.desc())
        .limit(1)
    )


def create_request(
    session: Session,
    settings: Settings,
    *,
    actor: str,
    type: str,
    person: str | int,
    reason: str | None = None,
    certificate_id: int | None = None,
    payment_mode: str = "institution",
    assignee: str | None = None,
    kamusm_ref: str | None = None,
    tracking_no: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Request:
    """Open a request in ``draft``.

    ``update`` needs a ``reason`` (``puk_blocked``, ``card_fault``, ``identity_change``); ``renewal``,
    ``revocation`` and ``suspension`` concern a certificate (the person's current one when not given).

    :raises ValidationFailed: ``kamusm.invalid_field``, ``kamusm.reason_required``,
        ``kamusm.certificate_required``.
    :raises Conflict: ``kamusm.duplicate_open_request``.
    :raises NotFound: ``kamusm.person_not_found``, ``kamusm.certificate_not_found``.
    """
    moment = now or _now()
    rtype = _enum(RequestType, type, "type")
    pmode = _enum(PaymentMode, payment_mode, "payment_mode")
    if rtype == RequestType.UPDATE:
        if not reason:
            raise ValidationFailed(
                "kamusm.reason_required", details={"allowed": ", ".join(str(r) for r in UpdateReason)}
            )
        reason = _enum(UpdateReason, reason, "reason")
    elif reason:
        raise ValidationFailed(
            "kamusm.invalid_field", details={"field": "reason", "value": reason, "allowed": "-"}
        )
    who = get_person(session, person)
    cert: Certificate | None
    if certificate_id is not None:
        cert = get_certificate(session, certificate_id)
    else:
        cert = (
            _current_certificate(session, who) if rtype in ("renewal", "revocation", "suspension") else None
        )
        if cert is None and rtype in ("renewal", "revocation", "suspension"):
            raise KamusmValidationFailed(
                "kamusm.certificate_required", details={"type": rtype, "person": who.tckn}
            )
    open_key = f"{who.id}:{rtype}"
    existing = session.scalar(select(Request.id).where(Request.open_key == open_key))
    if existing is not None:
        raise DuplicateOpenRequest(details={"type": rtype, "person": who.tckn, "request_id": existing})
    req = Request(
        type=rtype,
        reason=reason,
        status=str(RequestStatus.DRAFT),
        person_id=who.id,
        unit=who.unit,
        certificate_id=cert.id if cert is not None else None,
        assignee=assignee or None,
        kamusm_ref=kamusm_ref or None,
        tracking_no=tracking_no or None,
        payment_mode=pmode,
        sla_days=settings.sla_for(rtype),
        sla_elapsed=0.0,
        open_key=open_key,
        created_at=moment,
        updated_at=moment,
        status_since=moment,
        version=1,
    )
    session.add(req)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # Another writer opened the same request between our check and our insert.
        if req in session:
            session.expunge(req)
        winner = session.scalar(select(Request.id).where(Request.open_key == open_key))
        raise DuplicateOpenRequest(details={"type": rtype, "person": who.tckn, "request_id": winner}) from exc
    _event(session, req, actor=actor, kind="created", now=moment, to_status=req.status, note=note)
    audit.append(
        session,
        actor=actor,
        action="request.create",
        entity="request",
        entity_id=req.id,
        after=_audit_view(req),
    )
    return req


def get_request(session: Session, request_id: int, *, for_update: bool = False) -> Request:
    """:raises NotFound: ``kamusm.request_not_found``."""
    req = session.get(Request, request_id)
    if req is None:
        raise NotFound("kamusm.request_not_found", details={"id": request_id})
    return req


def _link_delivered(session: Session, req: Request, actor: str, now: datetime) -> list[dict[str, Any]]:
    """On closing a certificate request: link the delivered certificate; a renewed one is replaced.

    Returns the audit records to append once every row is written."""
    pending: list[dict[str, Any]] = []
    person = session.get(Person, req.person_id)
    assert person is not None
    cert_id = req.delivered_certificate_id
    if cert_id is None:
        # The newest certificate of the person that began after the request was opened.
        found = session.scalar(
            select(Certificate)
            .where(
                or_(Certificate.person_id == person.id, Certificate.tckn == person.tckn),
                Certificate.not_before >= req.created_at - timedelta(days=30),
                Certificate.id != (req.certificate_id or -1),
            )
            .order_by(Certificate.not_before.desc())
            .limit(1)
        )
        if found is None:
            raise ValidationFailed(
                "kamusm.delivered_certificate_required", details={"id": req.id, "person": person.tckn}
            )
        cert_id = found.id
        req.delivered_certificate_id = cert_id
    delivered = get_certificate(session, cert_id)
    if delivered.person_id != person.id:
        before = certificate_dict(delivered, now)
        delivered.person_id = person.id
        delivered.tckn = delivered.tckn or person.tckn
        delivered.updated_at = now
        _flush(session, "certificate", delivered.id, None)
        pending.append(
            {
                "action": "certificate.link",
                "entity_id": delivered.id,
                "before": before,
                "after": certificate_dict(delivered, now),
            }
        )
    if req.type in (RequestType.RENEWAL, RequestType.UPDATE, RequestType.LOST_STOLEN) and req.certificate_id:
        old = get_certificate(session, req.certificate_id)
        if old.id != delivered.id and old.replaced_by_id != delivered.id:
            before = certificate_dict(old, now)
            old.replaced_by_id = delivered.id
            # The old certificate stays usable until it expires (KamuSM renewal); then it is "replaced".
            if old.not_after is not None and old.not_after <= now and old.status in ("active", "expired"):
                old.status = str(CertificateStatus.REPLACED)
            old.updated_at = now
            _flush(session, "certificate", old.id, None)
            pending.append(
                {
                    "action": "certificate.replace",
                    "entity_id": old.id,
                    "before": before,
                    "after": certificate_dict(old, now),
                }
            )
    return pending


def _apply_online_result(session: Session, req: Request, actor: str, now: datetime) -> list[dict[str, Any]]:
    """Closing a revocation or suspension marks the certificate; returns the audit records to append."""
    if req.certificate_id is None:
        return []
    target = {"revocation": CertificateStatus.REVOKED, "suspension": CertificateStatus.SUSPENDED}.get(
        req.type
    )
    if target is None:
        return []
    cert = get_certificate(session, req.certificate_id)
    before = certificate_dict(cert, now)
    cert.status = str(target)
    cert.updated_at = now
    _flush(session, "certificate", cert.id, None)
    return [
        {
            "action": "certificate.status",
            "entity_id": cert.id,
            "before": before,
            "after": certificate_dict(cert, now),
        }
    ]


def transition(
    session: Session,
    settings: Settings,
    request_id: int,
    to: str,
    *,
    actor: str,
    note: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Request:
    """Move a request to status ``to`` — the one way statuses change.

    :raises InvalidTransition: ``kamusm.invalid_transition`` naming the allowed targets.
    :raises ValidationFailed: ``kamusm.renewal_too_early`` (submitting a renewal before the window),
        ``kamusm.delivered_certificate_required`` (closing a new/renewal without its certificate).
    :raises KamusmConflict: ``kamusm.conflict`` when ``expected_version`` is stale or another writer won.
    """
    moment = now or _now()
    req = get_request(session, request_id)
    _check_version("request", req.id, req.version, expected_version)
    target = _enum(RequestStatus, to, "to")
    check_transition(req.type, req.status, target, payment_mode=req.payment_mode, held_from=req.held_from)
    before = _audit_view(req)
    current = req.status
    if target == RequestStatus.SUBMITTED and req.type == RequestType.RENEWAL:
        _check_renewal_window(session, settings, req.certificate_id, moment)
    req.held_from = current if target == RequestStatus.ON_HOLD else None
    req.status = target
    req.status_since = moment
    req.updated_at = moment
    _restart_clock(req, settings, moment)
    if target in FINAL:
        req.open_key = None
        req.closed_at = moment
    pending: list[dict[str, Any]] = []
    if target == RequestStatus.CLOSED:
        # These flush the request together with its certificates: one version step per transition.
        if req.type in (RequestType.NEW, RequestType.RENEWAL):
            pending = _link_delivered(session, req, actor, moment)
        elif req.type in CERTIFICATE_TYPES and req.delivered_certificate_id is not None:
            pending = _link_delivered(session, req, actor, moment)
        else:
            pending = _apply_online_result(session, req, actor, moment)
    _flush(session, "request", req.id, expected_version)
    _event(
        session,
        req,
        actor=actor,
        kind="transition",
        now=moment,
        from_status=current,
        to_status=target,
        note=note,
    )
    session.flush()
    # Audit last: on PostgreSQL the chain head must be the last lock a transaction takes.
    _append_all(session, actor, pending)
    audit.append(
        session, actor=actor, action="request.transition", entity="request", entity_id=req.id,
        before=before, after={**_audit_view(req), "note": note},
    )  # fmt: skip
    return req


_PATCHABLE = {
    "assignee": 200,
    "kamusm_ref": 100,
    "tracking_no": 100,
    "payment_mode": 20,
    "certificate_id": None,
    "delivered_certificate_id": None,
}


def update_request(
    session: Session,
    settings: Settings,
    request_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    expected_version: int | None,
    note: str | None = None,
    now: datetime | None = None,
) -> Request:
    """Change a request's fields (``assignee``, ``kamusm_ref``, ``tracking_no``, ``payment_mode``,
    ``certificate_id``, ``delivered_certificate_id``); its status changes only by :func:`transition`.

    :raises UsageError: ``kamusm.unknown_field``.
    :raises KamusmConflict: stale ``expected_version``.
    """
    moment = now or _now()
    unknown = sorted(set(changes) - set(_PATCHABLE))
    if unknown:
        raise UsageError(
            "kamusm.unknown_field", details={"field": ", ".join(unknown), "allowed": ", ".join(_PATCHABLE)}
        )
    req = get_request(session, request_id)
    _check_version("request", req.id, req.version, expected_version)
    if req.status in FINAL:
        raise KamusmValidationFailed("kamusm.request_final", details={"id": req.id, "status": req.status})
    before = _audit_view(req)
    changed: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "payment_mode":
            value = _enum(PaymentMode, value, "payment_mode")
        elif name in ("certificate_id", "delivered_certificate_id"):
            if value is not None:
                value = get_certificate(session, int(value)).id
        elif value is not None:
            value = str(value).strip() or None
            limit = _PATCHABLE[name]
            if value is not None and limit is not None and len(value) > limit:
                raise ValidationFailed(
                    "kamusm.invalid_field", details={"field": name, "value": value[:40] + "…"}
                )
        if getattr(req, name) != value:
            changed[name] = value
    if not changed:
        # Sending what is already there changes nothing: no new version, no history entry.
        return req
    for name, value in changed.items():
        setattr(req, name, value)
    kinds = "assigned" if set(changed) == {"assignee"} else "updated"
    req.updated_at = moment
    _flush(session, "request", req.id, expected_version)
    text = note or ", ".join(f"{k}={v}" for k, v in changed.items())
    _event(session, req, actor=actor, kind=kinds, now=moment, note=text)
    audit.append(
        session, actor=actor, action="request.update", entity="request", entity_id=req.id,
        before=before, after=_audit_view(req),
    )  # fmt: skip
    return req


def add_note(
    session: Session,
    request_id: int,
    text: str,
    *,
    actor: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> RequestEvent:
    """Add a note to a request's history (does not change its version unless ``expected_version``)."""
    moment = now or _now()
    body = text.strip()
    if not body:
        raise ValidationFailed("kamusm.missing_field", details={"field": "note"})
    req = get_request(session, request_id)
    _check_version("request", req.id, req.version, expected_version)
    ev = RequestEvent(request_id=req.id, ts=moment, actor=actor, kind="note", note=body)
    session.add(ev)
    session.flush()
    audit.append(
        session, actor=actor, action="request.note", entity="request", entity_id=req.id, after={"note": body}
    )
    return ev


def attach(
    session: Session,
    request_id: int,
    filename: str,
    content: bytes,
    *,
    actor: str,
    kind: str | None = None,
    media_type: str | None = None,
    now: datetime | None = None,
) -> Attachment:
    """Attach a file (a token diagnosis JSON, a scanned form) to a request.

    :raises ValidationFailed: ``kamusm.attachment_too_large``, ``kamusm.attachment_empty``,
        ``kamusm.invalid_field`` (kind).
    """
    moment = now or _now()
    req = get_request(session, request_id)
    name = Path(filename).name or "attachment"
    if not content:
        raise ValidationFailed("kamusm.attachment_empty", details={"filename": name})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            "kamusm.attachment_too_large",
            details={"filename": name, "size": len(content), "max": MAX_ATTACHMENT_BYTES},
        )
    mtype = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind is None:
        kind = (
            "diagnosis"
            if _looks_like_diagnosis(content)
            else ("form" if mtype.startswith(("image/", "application/pdf")) else "other")
        )
    if kind not in ATTACHMENT_KINDS:
        raise ValidationFailed(
            "kamusm.invalid_field",
            details={"field": "kind", "value": kind, "allowed": ", ".join(ATTACHMENT_KINDS)},
        )
    att = Attachment(
        request_id=req.id,
        filename=name,
        kind=kind,
        media_type=mtype,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=moment,
        actor=actor,
    )
    session.add(att)
    session.flush()
    _event(
        session, req, actor=actor, kind="attachment", now=moment, note=f"{name} ({kind}, {len(content)} B)"
    )
    audit.append(
        session, actor=actor, action="request.attach", entity="request", entity_id=req.id,
        after=attachment_dict(att),
    )  # fmt: skip
    return att


def _looks_like_diagnosis(content: bytes) -> bool:
    import json

    head = content[:1].strip()
    if head not in (b"{",):
        return False
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and any(k in data for k in ("findings", "diagnosis", "modules", "checks"))


def attachment_dict(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "request_id": a.request_id,
        "filename": a.filename,
        "kind": a.kind,
        "media_type": a.media_type,
        "size": a.size,
        "sha256": a.sha256,
        "created_at": _iso(a.created_at),
        "actor": a.actor,
    }


def get_attachment(session: Session, request_id: int, attachment_id: int) -> Attachment:
    """:raises NotFound: ``kamusm.attachment_not_found``."""
    att = session.get(Attachment, attachment_id)
    if att is None or att.request_id != request_id:
        raise NotFound("kamusm.attachment_not_found", details={"id": attachment_id, "request_id": request_id})
    return att


def attachments(session: Session, request_id: int) -> list[dict[str, Any]]:
    get_request(session, request_id)
    rows = session.scalars(
        select(Attachment).where(Attachment.request_id == request_id).order_by(Attachment.id)
    )
    return [attachment_dict(a) for a in rows]


def history(session: Session, request_id: int) -> list[dict[str, Any]]:
    """The request's history, oldest first."""
    get_request(session, request_id)
    rows = session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    return [
        {
            "ts": _iso(e.ts),
            "actor": e.actor,
            "kind": e.kind,
            "from": e.from_status,
            "to": e.to_status,
            "note": e.note,
        }
        for e in rows
    ]


def list_requests(
    session: Session,
    settings: Settings,
    *,
    status: str | None = None,
    type: str | None = None,
    unit: str | None = None,
    person: str | int | None = None,
    assignee: str | None = None,
    open_only: bool = False,
    overdue: bool = False,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> Page:
    """Requests, newest first, with the person's name; filters combine with AND."""
    page, per_page = _paging(page, per_page)
    moment = now or _now()
    conds = []
    if status is not None:
        conds.append(Request.status == _enum(RequestStatus, status, "status"))
    if type is not None:
        conds.append(Request.type == _enum(RequestType, type, "type"))
    if unit is not None:
        conds.append(Request.unit == unit)
    if person is not None:
        conds.append(Request.person_id == get_person(session, person).id)
    if assignee is not None:
        conds.append(Request.assignee == assignee)
    if open_only:
        conds.append(Request.open_key.isnot(None))
    if overdue:
        conds.append(and_(Request.due_at.isnot(None), Request.due_at < moment))
    where = and_(*conds) if conds else None
    count = select(func.count(Request.id))
    stmt = select(Request, Person).join(Person, Person.id == Request.person_id)
    if where is not None:
        count = count.where(where)
        stmt = stmt.where(where)
    total = session.scalar(count) or 0
    rows = session.execute(
        stmt.order_by(Request.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page([request_dict(r, p, settings=settings, now=moment) for r, p in rows], total, page, per_page)


# --------------------------------------------------------------------------------- expiry and reports


def draft_renewals(
    session: Session,
    settings: Settings,
    days: int,
    *,
    actor: str,
    note: str = "expires {not_after}",
    now: datetime | None = None,
) -> list[Request]:
    """Open a renewal draft for every active certificate of an active person that expires within
    ``days`` and has no open renewal, no successor and no renewal request of its own yet (whatever its
    status). Running it again opens nothing new."""
    if days < 0:
        raise UsageError("kamusm.bad_days", details={"days": days})
    moment = now or _now()
    certs = session.scalars(
        select(Certificate)
        .join(Person, Person.id == Certificate.person_id)
        .where(
            Person.active.is_(True),
            Certificate.status == str(CertificateStatus.ACTIVE),
            Certificate.replaced_by_id.is_(None),
            Certificate.not_after > moment,
            Certificate.not_after <= moment + timedelta(days=days),
        )
        .order_by(Certificate.not_after, Certificate.id)
    ).all()
    opened: list[Request] = []
    for cert in certs:
        assert cert.person_id is not None
        if (
            session.scalar(select(Request.id).where(Request.open_key == f"{cert.person_id}:renewal"))
            is not None
        ):
            continue
        # One draft per certificate, ever: a renewal already opened for this very certificate counts even
        # when it was closed (its successor may not be imported yet), cancelled or rejected (a person
        # decided; a daily run must not reopen it). Open one by hand (requests new) to try again.
        done = session.scalar(
            select(Request.id).where(Request.type == "renewal", Request.certificate_id == cert.id).limit(1)
        )
        if done is not None:
            continue
        opened.append(
            create_request(
                session,
                settings,
                actor=actor,
                type="renewal",
                person=cert.person_id,
                certificate_id=cert.id,
                note=note.replace(
                    "{not_after}", cert.not_after.date().isoformat() if cert.not_after else "?"
                ),
                now=moment,
            )  # fmt: skip
        )
    return opened


def report(session: Session, settings: Settings, *, now: datetime | None = None) -> dict[str, Any]:
    """Open requests by status, type and unit; SLA breaches; median days in each status; certificates
    expiring per month."""
    moment = now or _now()
    open_rows = session.execute(
        select(Request.status, Request.type, Request.unit, func.count(Request.id))
        .where(Request.open_key.isnot(None))
        .group_by(Request.status, Request.type, Request.unit)
        .order_by(Request.status, Request.type, Request.unit)
    ).all()
    breaches: list[dict[str, Any]] = []
    for req, person in session.execute(
        select(Request, Person).join(Person, Person.id == Request.person_id).order_by(Request.id)
    ).all():
        elapsed = sla_elapsed(req, settings.calendar, moment)
        if elapsed > req.sla_days * DAY:
            breaches.append(
                {
                    "request_id": req.id,
                    "type": req.type,
                    "status": req.status,
                    "unit": req.unit,
                    "person": person.name,
                    "elapsed_days": round(elapsed / DAY, 2),
                    "sla_days": req.sla_days,
                }
            )
    durations: dict[str, list[float]] = defaultdict(list)
    last: dict[int, tuple[str, datetime]] = {}
    for rid, ts, to_status in session.execute(
        select(RequestEvent.request_id, RequestEvent.ts, RequestEvent.to_status)
        .where(RequestEvent.to_status.isnot(None))
        .order_by(RequestEvent.request_id, RequestEvent.id)
    ).all():
        prev = last.get(rid)
        if prev is not None:
            durations[prev[0]].append((ts - prev[1]).total_seconds() / DAY)
        last[rid] = (str(to_status), ts)
    medians = [
        {"status": s, "median_days": round(statistics.median(v), 2), "samples": len(v)}
        for s, v in sorted(durations.items())
    ]
    per_month: Counter[str] = Counter()
    for (not_after,) in session.execute(
        select(Certificate.not_after).where(
            Certificate.status == str(CertificateStatus.ACTIVE), Certificate.not_after > moment
        )
    ).all():
        if not_after is not None:
            per_month[not_after.strftime("%Y-%m")] += 1
    return {
        "generated_at": _iso(moment),
        "open_requests": [{"status": s, "type": t, "unit": u, "count": int(n)} for s, t, u, n in open_rows],
        "sla_breaches": breaches,
        "median_days_in_status": medians,
        "certificates_expiring_per_month": [{"month": m, "count": n} for m, n in sorted(per_month.items())],
    }


def report_csv_rows(data: Mapping[str, Any]) -> list[list[str]]:
    """The report as rows for one CSV: a ``section`` column, then the union of the sections' columns."""
    header = [
        "section",
        "status",
        "type",
        "unit",
        "month",
        "request_id",
        "person",
        "count",
        "days",
        "sla_days",
    ]
    rows = [header]

    def row(section: str, **values: Any) -> None:
        rows.append([section] + ["" if values.get(c) is None else str(values[c]) for c in header[1:]])

    for r in data["open_requests"]:
        row("open_requests", status=r["status"], type=r["type"], unit=r["unit"], count=r["count"])
    for r in data["sla_breaches"]:
        row(
            "sla_breaches", status=r["status"], type=r["type"], unit=r["unit"], request_id=r["request_id"],
            person=r["person"], days=r["elapsed_days"], sla_days=r["sla_days"],
        )  # fmt: skip
    for r in data["median_days_in_status"]:
        row("median_days_in_status", status=r["status"], count=r["samples"], days=r["median_days"])
    for r in data["certificates_expiring_per_month"]:
        row("certificates_expiring_per_month", month=r["month"], count=r["count"])
    return rows


def expiring(session: Session, days: int, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Active certificates ending within ``days``, each with its holder and open renewal, soonest first."""
    if days < 0:
        raise UsageError("kamusm.bad_days", details={"days": days})
    moment = now or _now()
    rows = session.execute(
        select(Certificate, Person)
        .outerjoin(Person, Person.id == Certificate.person_id)
        .where(
            Certificate.status == str(CertificateStatus.ACTIVE),
            Certificate.not_after > moment,
            Certificate.not_after <= moment + timedelta(days=days),
        )
        .order_by(Certificate.not_after, Certificate.id)
    ).all()
    out: list[dict[str, Any]] = []
    for cert, person in rows:
        renewal = None
        if person is not None:
            renewal = session.scalar(select(Request.id).where(Request.open_key == f"{person.id}:renewal"))
        out.append(
            {
                **certificate_dict(cert, moment),
                "person": None
                if person is None
                else {"id": person.id, "tckn": person.tckn, "name": person.name, "email": person.email},
                "open_renewal_id": renewal,
            }
        )
    return out
